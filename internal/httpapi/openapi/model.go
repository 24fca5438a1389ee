package openapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// This file is the small part of OpenAPI 3.0 that the reference page
// shows, decoded with encoding/json so that the binary does not carry a
// full OpenAPI library. Object keys keep the document's order.

// ordered is a JSON object whose keys keep their order.
type ordered[T any] struct {
	Keys   []string
	Values map[string]T
}

// UnmarshalJSON implements json.Unmarshaler.
func (o *ordered[T]) UnmarshalJSON(b []byte) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if tok == nil {
		return nil
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return fmt.Errorf("expected an object, got %v", tok)
	}
	o.Values = map[string]T{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		key, ok := tok.(string)
		if !ok {
			return fmt.Errorf("expected a key, got %v", tok)
		}
		var v T
		if err := dec.Decode(&v); err != nil {
			return fmt.Errorf("%s: %w", key, err)
		}
		if _, dup := o.Values[key]; !dup {
			o.Keys = append(o.Keys, key)
		}
		o.Values[key] = v
	}
	_, err = dec.Token()
	return err
}

type document struct {
	Info struct {
		Title       string `json:"title"`
		Version     string `json:"version"`
		Description string `json:"description"`
	} `json:"info"`
	Tags []struct {
		Name        string `json:"name"`
		Description string `json:"description"`
		Extension   bool   `json:"x-ferry-extension"`
	} `json:"tags"`
	Paths      ordered[ordered[json.RawMessage]] `json:"paths"`
	Components struct {
		Schemas    map[string]*schema    `json:"schemas"`
		Parameters map[string]*parameter `json:"parameters"`
		Responses  map[string]*response  `json:"responses"`
		Headers    map[string]*header    `json:"headers"`
	} `json:"components"`
	Security []map[string][]string `json:"security"`
	Prefixes []string              `json:"x-ferry-api-prefixes"`
}

type schema struct {
	Ref                  string           `json:"$ref"`
	Type                 string           `json:"type"`
	Format               string           `json:"format"`
	Description          string           `json:"description"`
	Pattern              string           `json:"pattern"`
	Enum                 []any            `json:"enum"`
	Default              any              `json:"default"`
	Minimum              *float64         `json:"minimum"`
	Maximum              *float64         `json:"maximum"`
	Required             []string         `json:"required"`
	Properties           ordered[*schema] `json:"properties"`
	Items                *schema          `json:"items"`
	AdditionalProperties json.RawMessage  `json:"additionalProperties"`
	Extension            bool             `json:"x-ferry-extension"`
	JSONSchema           string           `json:"x-ferry-json-schema"`
}

// additional returns the schema of additionalProperties, or nil when it is
// absent or a boolean.
func (s *schema) additional() *schema {
	if len(s.AdditionalProperties) == 0 || s.AdditionalProperties[0] != '{' {
		return nil
	}
	var a schema
	if json.Unmarshal(s.AdditionalProperties, &a) != nil {
		return nil
	}
	return &a
}

type parameter struct {
	Ref         string  `json:"$ref"`
	Name        string  `json:"name"`
	In          string  `json:"in"`
	Required    bool    `json:"required"`
	Description string  `json:"description"`
	Schema      *schema `json:"schema"`
	Extension   bool    `json:"x-ferry-extension"`
}

type mediaType struct {
	Schema *schema `json:"schema"`
}

type requestBody struct {
	Description string             `json:"description"`
	Required    bool               `json:"required"`
	Content     ordered[mediaType] `json:"content"`
}

type header struct {
	Ref         string  `json:"$ref"`
	Description string  `json:"description"`
	Schema      *schema `json:"schema"`
}

type response struct {
	Ref         string             `json:"$ref"`
	Description string             `json:"description"`
	Headers     ordered[*header]   `json:"headers"`
	Content     ordered[mediaType] `json:"content"`
}

type operation struct {
	Tags        []string               `json:"tags"`
	Summary     string                 `json:"summary"`
	Description string                 `json:"description"`
	OperationID string                 `json:"operationId"`
	Parameters  []*parameter           `json:"parameters"`
	RequestBody *requestBody           `json:"requestBody"`
	Responses   ordered[*response]     `json:"responses"`
	Security    *[]map[string][]string `json:"security"`
	Extension   bool                   `json:"x-ferry-extension"`
}

// methods are the operation keys of a path item, in the order the page
// lists them.
var methods = []string{"get", "put", "post", "patch", "delete", "head", "options", "trace"}

// refName returns the component name a local reference points at, such
// as "File" for "#/components/schemas/File", checking its kind.
func refName(ref, kind string) (string, error) {
	name, ok := strings.CutPrefix(ref, "#/components/"+kind+"/")
	if !ok || name == "" || strings.Contains(name, "/") {
		return "", fmt.Errorf("unsupported reference %q (want #/components/%s/NAME)", ref, kind)
	}
	return name, nil
}

func (d *document) parameter(p *parameter) (*parameter, error) {
	if p.Ref == "" {
		return p, nil
	}
	name, err := refName(p.Ref, "parameters")
	if err != nil {
		return nil, err
	}
	if q, ok := d.Components.Parameters[name]; ok && q.Ref == "" {
		return q, nil
	}
	return nil, fmt.Errorf("parameter %q is not defined", name)
}

func (d *document) response(r *response) (*response, error) {
	if r.Ref == "" {
		return r, nil
	}
	name, err := refName(r.Ref, "responses")
	if err != nil {
		return nil, err
	}
	if q, ok := d.Components.Responses[name]; ok && q.Ref == "" {
		return q, nil
	}
	return nil, fmt.Errorf("response %q is not defined", name)
}

func (d *document) header(h *header) (*header, error) {
	if h.Ref == "" {
		return h, nil
	}
	name, err := refName(h.Ref, "headers")
	if err != nil {
		return nil, err
	}
	if q, ok := d.Components.Headers[name]; ok && q.Ref == "" {
		return q, nil
	}
	return nil, fmt.Errorf("header %q is not defined", name)
}

// schemaName checks a schema reference and returns its component name.
func (d *document) schemaName(ref string) (string, error) {
	name, err := refName(ref, "schemas")
	if err != nil {
		return "", err
	}
	if _, ok := d.Components.Schemas[name]; !ok {
		return "", fmt.Errorf("schema %q is not defined", name)
	}
	return name, nil
}
