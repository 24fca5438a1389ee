package openapi

import (
	"encoding/json"
	"strings"
	"testing"
	"testing/fstest"
)

func TestAssembleMergesFragmentsInOrder(t *testing.T) {
	base := []byte(`{"openapi":"3.0.3","paths":{"/b":{}},"components":{"schemas":{"B":{}}}}`)
	ext := fstest.MapFS{
		"ext/2.json": {Data: []byte(`{"paths":{"/d":{}}}`)},
		"ext/1.json": {Data: []byte(`{"paths":{"/a":{"get":{"x-ferry-extension":true}}},"components":{"schemas":{"A":{}},"parameters":{"P":{}}}}`)},
	}
	got, err := assemble(base, ext)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Paths      ordered[json.RawMessage]
		Components struct {
			Schemas    ordered[json.RawMessage]
			Parameters ordered[json.RawMessage]
		}
	}
	if err := json.Unmarshal(got, &doc); err != nil {
		t.Fatal(err)
	}
	if g, w := strings.Join(doc.Paths.Keys, ","), "/b,/a,/d"; g != w {
		t.Errorf("paths = %s, want %s", g, w)
	}
	if g, w := strings.Join(doc.Components.Schemas.Keys, ","), "B,A"; g != w {
		t.Errorf("schemas = %s, want %s", g, w)
	}
	if len(doc.Components.Parameters.Keys) != 1 {
		t.Errorf("parameters = %v", doc.Components.Parameters.Keys)
	}
}

func TestAssembleRefusesClashesAndForeignKeys(t *testing.T) {
	base := []byte(`{"paths":{"/a":{}},"components":{"schemas":{"A":{}}}}`)
	for name, frag := range map[string]string{
		"path":   `{"paths":{"/a":{}}}`,
		"schema": `{"components":{"schemas":{"A":{}}}}`,
		"info":   `{"info":{}}`,
		"broken": `{"paths":`,
	} {
		if _, err := assemble(base, fstest.MapFS{"ext/x.json": {Data: []byte(frag)}}); err == nil {
			t.Errorf("%s: merged, want an error", name)
		}
	}
}
