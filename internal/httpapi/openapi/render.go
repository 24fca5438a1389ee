package openapi

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"html/template"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

//go:embed docs.html.tmpl
var pageTemplateText string

var pageTemplate = template.Must(template.New("docs").Parse(pageTemplateText))

// The view model of the page: everything already resolved and formatted,
// so that the template only lays it out.
type (
	pageView struct {
		Title, Version string
		Description    template.HTML
		Tags           []*tagView
		Schemas        []schemaView
	}
	tagView struct {
		Name, Anchor string
		Description  template.HTML
		Extension    bool
		Ops          []opView
	}
	opView struct {
		Anchor, Method, Path, Summary string
		AlsoAt                        []string // the same operation under the other API prefixes
		Description                   template.HTML
		Extension                     bool
		Auth                          template.HTML
		Params                        []fieldView
		Body                          *bodyView
		Responses                     []respView
	}
	fieldView struct {
		Name, In    string
		Type        template.HTML
		Required    bool
		Extension   bool
		Description template.HTML
	}
	bodyView struct {
		MediaType   string
		Required    bool
		Type        template.HTML
		Description template.HTML
		Fields      []fieldView
	}
	respView struct {
		Code        string
		Description template.HTML
		Body        template.HTML
		Headers     []string
	}
	schemaView struct {
		Name, Anchor string
		Type         template.HTML
		Description  template.HTML
		Extension    bool
		Fields       []fieldView
	}
)

// renderPage renders the reference page for an OpenAPI document.
func renderPage(raw []byte) ([]byte, error) {
	var d document
	if err := json.Unmarshal(raw, &d); err != nil {
		return nil, fmt.Errorf("decode the document: %w", err)
	}
	v, err := d.view()
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := pageTemplate.Execute(&buf, v); err != nil {
		return nil, fmt.Errorf("execute the page template: %w", err)
	}
	return buf.Bytes(), nil
}

func (d *document) view() (*pageView, error) {
	v := &pageView{Title: d.Info.Title, Version: d.Info.Version, Description: prose(d.Info.Description)}
	tags := map[string]*tagView{}
	for _, t := range d.Tags {
		tv := &tagView{Name: t.Name, Anchor: "tag-" + slug(t.Name), Description: prose(t.Description), Extension: t.Extension}
		tags[t.Name] = tv
		v.Tags = append(v.Tags, tv)
	}
	for _, path := range d.Paths.Keys {
		item := d.Paths.Values[path]
		for _, k := range item.Keys {
			// The page shows operations only: path-level parameters or
			// servers would be silently lost, so refuse them.
			if !slices.Contains(methods, k) && k != "summary" && k != "description" && !strings.HasPrefix(k, "x-") {
				return nil, fmt.Errorf("%s: the reference page does not render path-level %q; put it on each operation", path, k)
			}
		}
		for _, m := range methods {
			raw, ok := item.Values[m]
			if !ok {
				continue
			}
			var op operation
			if err := json.Unmarshal(raw, &op); err != nil {
				return nil, fmt.Errorf("%s %s: %w", strings.ToUpper(m), path, err)
			}
			ov, err := d.opView(m, path, &op)
			if err != nil {
				return nil, fmt.Errorf("%s %s: %w", strings.ToUpper(m), path, err)
			}
			tagName := "Other"
			if len(op.Tags) > 0 {
				tagName = op.Tags[0]
			}
			tv, ok := tags[tagName]
			if !ok {
				tv = &tagView{Name: tagName, Anchor: "tag-" + slug(tagName)}
				tags[tagName] = tv
				v.Tags = append(v.Tags, tv)
			}
			tv.Ops = append(tv.Ops, ov)
		}
	}
	v.Tags = slices.DeleteFunc(v.Tags, func(t *tagView) bool { return len(t.Ops) == 0 })
	names := make([]string, 0, len(d.Components.Schemas))
	for name := range d.Components.Schemas {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		s := d.Components.Schemas[name]
		sv := schemaView{Name: name, Anchor: "schema-" + name, Description: prose(s.Description), Extension: s.Extension}
		var err error
		if sv.Type, err = d.typeHTML(s); err != nil {
			return nil, fmt.Errorf("schema %s: %w", name, err)
		}
		if sv.Fields, err = d.fields(s); err != nil {
			return nil, fmt.Errorf("schema %s: %w", name, err)
		}
		v.Schemas = append(v.Schemas, sv)
	}
	return v, nil
}

func (d *document) opView(method, path string, op *operation) (opView, error) {
	anchor := op.OperationID
	if anchor == "" {
		anchor = method + path
	}
	ov := opView{Anchor: "op-" + slug(anchor), Method: strings.ToUpper(method), Path: path, Summary: op.Summary,
		Description: prose(op.Description), Extension: op.Extension}
	if len(d.Prefixes) > 1 {
		if rest, ok := strings.CutPrefix(path, d.Prefixes[0]+"/"); ok {
			for _, p := range d.Prefixes[1:] {
				ov.AlsoAt = append(ov.AlsoAt, p+"/"+rest)
			}
		}
	}
	ov.Auth = d.authHTML(op.Security)
	for _, p := range op.Parameters {
		p, err := d.parameter(p)
		if err != nil {
			return ov, err
		}
		f, err := d.paramField(p)
		if err != nil {
			return ov, err
		}
		ov.Params = append(ov.Params, f)
	}
	if rb := op.RequestBody; rb != nil {
		for _, mt := range rb.Content.Keys {
			s := rb.Content.Values[mt].Schema
			bv := &bodyView{MediaType: mt, Required: rb.Required, Description: prose(rb.Description)}
			if s != nil {
				var err error
				if bv.Type, err = d.typeHTML(s); err != nil {
					return ov, err
				}
				if s.Ref == "" {
					// An inline body (multipart forms): list its fields here.
					bv.Description = joinHTML(bv.Description, prose(s.Description))
					if bv.Fields, err = d.fields(s); err != nil {
						return ov, err
					}
				}
			}
			ov.Body = bv
			break // every body in this document has one media type
		}
	}
	codes := slices.Clone(op.Responses.Keys)
	slices.SortStableFunc(codes, func(a, b string) int { return codeRank(a) - codeRank(b) })
	for _, code := range codes {
		r, err := d.response(op.Responses.Values[code])
		if err != nil {
			return ov, err
		}
		rv := respView{Code: code, Description: prose(r.Description)}
		if code == "default" {
			rv.Code = "other"
		}
		for _, name := range r.Headers.Keys {
			if _, err := d.header(r.Headers.Values[name]); err != nil {
				return ov, err
			}
			rv.Headers = append(rv.Headers, name)
		}
		var bodies []template.HTML
		for _, mt := range r.Content.Keys {
			t := template.HTML("")
			if s := r.Content.Values[mt].Schema; s != nil {
				var err error
				if t, err = d.typeHTML(s); err != nil {
					return ov, err
				}
			}
			bodies = append(bodies, t+template.HTML("<code>"+template.HTMLEscapeString(mt)+"</code>"))
		}
		rv.Body = joinHTML(bodies...)
		ov.Responses = append(ov.Responses, rv)
	}
	return ov, nil
}

// codeRank orders response codes numerically, with "default" last.
func codeRank(code string) int {
	n, err := strconv.Atoi(code)
	if err != nil {
		return 1000
	}
	return n
}

func (d *document) authHTML(sec *[]map[string][]string) template.HTML {
	reqs := d.Security
	if sec != nil {
		reqs = *sec
	}
	if len(reqs) == 0 {
		return "None: no token is needed."
	}
	var scopes []string
	scheme := ""
	for _, req := range reqs {
		for name, sc := range req {
			scheme = name
			for _, s := range sc {
				if !slices.Contains(scopes, s) {
					scopes = append(scopes, s)
				}
			}
		}
	}
	if len(scopes) == 0 {
		return template.HTML("Bearer token (" + template.HTMLEscapeString(scheme) + ").")
	}
	var b strings.Builder
	b.WriteString("Bearer token holding any one of: ")
	for i, s := range scopes {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("<code>" + template.HTMLEscapeString(s) + "</code>")
	}
	b.WriteString(".")
	return template.HTML(b.String())
}

func (d *document) paramField(p *parameter) (fieldView, error) {
	f := fieldView{Name: p.Name, In: p.In, Required: p.Required, Extension: p.Extension}
	desc := prose(p.Description)
	if p.Schema != nil {
		var err error
		if f.Type, err = d.typeHTML(p.Schema); err != nil {
			return f, fmt.Errorf("parameter %s: %w", p.Name, err)
		}
		desc = joinHTML(desc, constraints(p.Schema))
	}
	f.Description = desc
	return f, nil
}

// fields lists an object schema's properties.
func (d *document) fields(s *schema) ([]fieldView, error) {
	var out []fieldView
	for _, name := range s.Properties.Keys {
		p := s.Properties.Values[name]
		t, err := d.typeHTML(p)
		if err != nil {
			return nil, fmt.Errorf("property %s: %w", name, err)
		}
		desc := joinHTML(prose(p.Description), constraints(p))
		if p.JSONSchema != "" {
			ref, err := d.schemaName(p.JSONSchema)
			if err != nil {
				return nil, fmt.Errorf("property %s: x-ferry-json-schema: %w", name, err)
			}
			desc = joinHTML(desc, template.HTML("Its JSON: "+schemaLink(ref)+"."))
		}
		out = append(out, fieldView{Name: name, Type: t, Required: slices.Contains(s.Required, name),
			Extension: p.Extension, Description: desc})
	}
	return out, nil
}

// typeHTML describes a schema's type in a few words, linking to named
// schemas.
func (d *document) typeHTML(s *schema) (template.HTML, error) {
	if s.Ref != "" {
		name, err := d.schemaName(s.Ref)
		if err != nil {
			return "", err
		}
		return template.HTML(schemaLink(name)), nil
	}
	switch s.Type {
	case "array":
		if s.Items == nil {
			return "array", nil
		}
		t, err := d.typeHTML(s.Items)
		return "array of " + t, err
	case "object":
		if a := s.additional(); a != nil && len(s.Properties.Keys) == 0 {
			t, err := d.typeHTML(a)
			return "map of string to " + t, err
		}
		return "object", nil
	case "":
		return "any", nil
	}
	t := template.HTMLEscapeString(s.Type)
	if s.Format != "" {
		t += " (" + template.HTMLEscapeString(s.Format) + ")"
	}
	return template.HTML(t), nil
}

// constraints describes a schema's enum, default, bounds and pattern.
func constraints(s *schema) template.HTML {
	var parts []string
	if len(s.Enum) > 0 {
		vals := make([]string, len(s.Enum))
		for i, e := range s.Enum {
			vals[i] = "<code>" + template.HTMLEscapeString(literal(e)) + "</code>"
		}
		parts = append(parts, "One of: "+strings.Join(vals, ", ")+".")
	}
	if s.Default != nil {
		parts = append(parts, "Default: <code>"+template.HTMLEscapeString(literal(s.Default))+"</code>.")
	}
	switch {
	case s.Minimum != nil && s.Maximum != nil:
		parts = append(parts, fmt.Sprintf("From %s to %s.", number(*s.Minimum), number(*s.Maximum)))
	case s.Minimum != nil:
		parts = append(parts, fmt.Sprintf("At least %s.", number(*s.Minimum)))
	case s.Maximum != nil:
		parts = append(parts, fmt.Sprintf("At most %s.", number(*s.Maximum)))
	}
	if s.Pattern != "" {
		parts = append(parts, "Pattern: <code>"+template.HTMLEscapeString(s.Pattern)+"</code>.")
	}
	if len(parts) == 0 {
		return ""
	}
	return template.HTML(`<span class="constraints">` + strings.Join(parts, " ") + `</span>`)
}

func literal(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func number(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

func schemaLink(name string) string {
	n := template.HTMLEscapeString(name)
	return `<a href="#schema-` + n + `">` + n + `</a>`
}

var (
	codeSpan = regexp.MustCompile("`([^`]+)`")
	nonSlug  = regexp.MustCompile(`[^a-zA-Z0-9]+`)
)

func slug(s string) string { return strings.Trim(nonSlug.ReplaceAllString(s, "-"), "-") }

// prose formats a description: paragraphs split on blank lines, lines that
// start with "- " as a list, and `backticks` as code. Everything is escaped
// first, so the text cannot inject markup.
func prose(text string) template.HTML {
	text = strings.TrimSpace(text)
	if text == "" {
		return ""
	}
	var b strings.Builder
	for _, para := range strings.Split(text, "\n\n") {
		lines := strings.Split(strings.TrimSpace(para), "\n")
		list := true
		for _, l := range lines {
			list = list && strings.HasPrefix(l, "- ")
		}
		if list {
			b.WriteString("<ul>")
			for _, l := range lines {
				b.WriteString("<li>" + inline(strings.TrimPrefix(l, "- ")) + "</li>")
			}
			b.WriteString("</ul>")
			continue
		}
		b.WriteString("<p>" + inline(strings.Join(lines, " ")) + "</p>")
	}
	return template.HTML(b.String())
}

func inline(s string) string {
	return codeSpan.ReplaceAllString(template.HTMLEscapeString(s), "<code>$1</code>")
}

func joinHTML(parts ...template.HTML) template.HTML {
	var out []string
	for _, p := range parts {
		if p != "" {
			out = append(out, string(p))
		}
	}
	return template.HTML(strings.Join(out, " "))
}
