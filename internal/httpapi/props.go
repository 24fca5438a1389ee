package httpapi

import "encoding/json"

// selectProperties keeps only the requested properties of a response,
// plus those the schema requires. Without a selection it returns v whole.
func selectProperties(v any, props []string, required ...string) any {
	if len(props) == 0 {
		return v
	}
	b, err := json.Marshal(v)
	if err != nil {
		return v
	}
	var all map[string]json.RawMessage
	if err := json.Unmarshal(b, &all); err != nil {
		return v
	}
	keep := make(map[string]json.RawMessage, len(props)+len(required))
	for _, p := range append(props, required...) {
		if raw, ok := all[p]; ok {
			keep[p] = raw
		}
	}
	return keep
}

var (
	fileRequired   = []string{"id", "createdAt", "updatedAt", "archived", "access"}
	folderRequired = []string{"id", "createdAt", "updatedAt", "archived"}
)
