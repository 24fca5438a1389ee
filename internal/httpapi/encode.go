package httpapi

import (
	"encoding/json"
	"net/http"
)

// jsonType is the Content-Type HubSpot sends with every JSON body.
const jsonType = "application/json;charset=utf-8"

// encode writes v as JSON with status. It is the only way a handler writes
// a JSON body.
func encode(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", jsonType)
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v) // the client has gone if this fails; nothing to add
}

// WriteJSON is encode for the emulator's endpoints, which answer in the
// same JSON as the API.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	encode(w, status, v)
}
