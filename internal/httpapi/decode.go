package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"

	"ferry/internal/ferry"
)

// jsonObject is a decoded JSON object whose fields are read one by one, so
// that a wrong type is reported against its field together with every
// other problem in the request.
type jsonObject struct {
	fields   map[string]json.RawMessage
	problems ferry.Problems
}

// decodeObject reads a JSON object body of at most limit bytes.
func decodeObject(w http.ResponseWriter, r *http.Request, limit int64) (*jsonObject, error) {
	body, err := readBody(w, r, limit)
	if err != nil {
		return nil, err
	}
	return parseObject(body)
}

// readBody reads a request body of at most limit bytes.
func readBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, error) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return nil, &ferry.Error{Kind: ferry.TooLarge, Message: "The request body is larger than " + strconv.FormatInt(limit, 10) + " bytes."}
	case ferry.KindOf(err) != ferry.Internal:
		return nil, err // too slow, or cut short
	case err != nil:
		return nil, ferry.Errorf(ferry.Invalid, "The request body could not be read.")
	}
	return body, nil
}

// parseObject parses a body that must be a JSON object.
func parseObject(body []byte) (*jsonObject, error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, ferry.Invalidf("body", "A JSON request body is required.")
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(body, &fields); err != nil || fields == nil {
		return nil, ferry.Invalidf("body", "The request body is not a JSON object: %s", jsonProblem(err))
	}
	return &jsonObject{fields: fields}, nil
}

func jsonProblem(err error) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case err == nil:
		return "it is null"
	case errors.As(err, &syn):
		return "invalid JSON at byte " + strconv.FormatInt(syn.Offset, 10)
	case errors.As(err, &typ):
		return "expected an object, got " + typ.Value
	}
	return "invalid JSON"
}

func (o *jsonObject) raw(name string) (json.RawMessage, bool) {
	v, ok := o.fields[name]
	if !ok || string(v) == "null" {
		return nil, false
	}
	return v, true
}

// str reads a string field; nil if absent or null.
func (o *jsonObject) str(name string) *string {
	v, ok := o.raw(name)
	if !ok {
		return nil
	}
	var s string
	if err := json.Unmarshal(v, &s); err != nil {
		o.problems.Add(name, "INVALID_TYPE", "%s must be a string", name)
		return nil
	}
	return &s
}

// id reads an id field sent as a string or as a JSON number.
func (o *jsonObject) id(name string) *string {
	v, ok := o.raw(name)
	if !ok {
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(v, &n); err == nil {
		s := n.String()
		return &s
	}
	return o.str(name)
}

// boolean reads a boolean field; nil if absent or null.
func (o *jsonObject) boolean(name string) *bool {
	v, ok := o.raw(name)
	if !ok {
		return nil
	}
	var b bool
	if err := json.Unmarshal(v, &b); err != nil {
		o.problems.Add(name, "INVALID_TYPE", "%s must be true or false", name)
		return nil
	}
	return &b
}

// merge combines type problems found while reading with the validation
// error of the decoded value, so that the client sees every problem.
func (o *jsonObject) merge(err error) error {
	var fe *ferry.Error
	if errors.As(err, &fe) && fe.Kind == ferry.Invalid {
		all := append(o.problems, fe.Details...)
		return all.Err()
	}
	if err != nil {
		return err
	}
	return o.problems.Err()
}
