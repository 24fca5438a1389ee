package openapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
)

// object is a JSON object that keeps its keys in order through a decode,
// an edit and an encode, so that the merged document reads in the order
// it was written.
type object struct {
	keys   []string
	values map[string]json.RawMessage
}

func decodeObject(b []byte) (*object, error) {
	var o ordered[json.RawMessage]
	if err := json.Unmarshal(b, &o); err != nil {
		return nil, err
	}
	if o.Values == nil {
		o.Values = map[string]json.RawMessage{}
	}
	return &object{keys: o.Keys, values: o.Values}, nil
}

func (o *object) set(key string, v json.RawMessage) {
	if _, ok := o.values[key]; !ok {
		o.keys = append(o.keys, key)
	}
	o.values[key] = v
}

func (o *object) encode() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, k := range o.keys {
		if i > 0 {
			b.WriteByte(',')
		}
		kb, err := json.Marshal(k)
		if err != nil {
			return nil, err
		}
		b.Write(kb)
		b.WriteByte(':')
		b.Write(o.values[k])
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// mergeInto adds every key of src's member name to dst's member name,
// refusing a key that dst already has.
func mergeMember(dst, src *object, name, where string) error {
	add, ok := src.values[name]
	if !ok {
		return nil
	}
	into := &object{values: map[string]json.RawMessage{}}
	if cur, ok := dst.values[name]; ok {
		var err error
		if into, err = decodeObject(cur); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
	}
	extra, err := decodeObject(add)
	if err != nil {
		return fmt.Errorf("%s %s: %w", where, name, err)
	}
	for _, k := range extra.keys {
		if _, clash := into.values[k]; clash {
			return fmt.Errorf("%s redefines %s %q", where, name, k)
		}
		into.set(k, extra.values[k])
	}
	b, err := into.encode()
	if err != nil {
		return err
	}
	dst.set(name, b)
	return nil
}

// assemble merges every fragment of ext (ext/*.json, in name order) into
// base and returns the indented result.
func assemble(base []byte, ext fs.FS) ([]byte, error) {
	doc, err := decodeObject(base)
	if err != nil {
		return nil, fmt.Errorf("ferry.json: %w", err)
	}
	names, err := fs.Glob(ext, "ext/*.json")
	if err != nil {
		return nil, err
	}
	for _, name := range names {
		raw, err := fs.ReadFile(ext, name)
		if err != nil {
			return nil, err
		}
		frag, err := decodeObject(raw)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		for _, k := range frag.keys {
			if k != "paths" && k != "components" {
				return nil, fmt.Errorf("%s: only paths and components may be extended, not %q", name, k)
			}
		}
		if err := mergeMember(doc, frag, "paths", path.Base(name)); err != nil {
			return nil, err
		}
		if c, ok := frag.values["components"]; ok {
			fc, err := decodeObject(c)
			if err != nil {
				return nil, fmt.Errorf("%s components: %w", name, err)
			}
			dc := &object{values: map[string]json.RawMessage{}}
			if cur, ok := doc.values["components"]; ok {
				if dc, err = decodeObject(cur); err != nil {
					return nil, err
				}
			}
			for _, k := range fc.keys {
				if err := mergeMember(dc, fc, k, path.Base(name)); err != nil {
					return nil, err
				}
			}
			b, err := dc.encode()
			if err != nil {
				return nil, err
			}
			doc.set("components", b)
		}
	}
	flat, err := doc.encode()
	if err != nil {
		return nil, err
	}
	var out bytes.Buffer
	if err := json.Indent(&out, flat, "", "  "); err != nil {
		return nil, err
	}
	out.WriteByte('\n')
	return out.Bytes(), nil
}
