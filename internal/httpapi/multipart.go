package httpapi

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strings"

	"ferry/internal/ferry"
)

// The bounds of a multipart request's parts: each text part, and how many
// parts of any kind. Parts that no operation reads are skipped, never
// kept, so that a request's memory does not grow with what it sends.
const (
	maxFieldBytes = 64 << 10
	maxParts      = 32
)

// formFields are the text parts an upload or a replace reads.
var formFields = map[string]bool{"folderId": true, "folderPath": true, "fileName": true, "charsetHunch": true, "options": true}

// multipartForm is an upload or replace request read as a stream: the file
// part goes straight into blob storage as it arrives, in whatever order
// the parts come, and the text parts are kept.
type multipartForm struct {
	staged *ferry.Staged
	fields map[string]string
}

// readMultipart streams a multipart/form-data body. The caller must
// Discard form.staged if it does not commit it.
func (s *server) readMultipart(r *http.Request) (*multipartForm, error) {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/form-data" {
		return nil, ferry.Invalidf("Content-Type", "the request must be multipart/form-data")
	}
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, ferry.Invalidf("Content-Type", "the multipart request is malformed: %v", err)
	}
	form := &multipartForm{fields: map[string]string{}}
	for n := 1; ; n++ {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return form, nil
		}
		if err != nil {
			form.discard(s)
			if ferry.KindOf(err) != ferry.Internal {
				return nil, err // too slow, or cut short in transport
			}
			return nil, ferry.Invalidf("body", "the multipart body is malformed or was cut short")
		}
		if n > maxParts {
			form.discard(s)
			return nil, ferry.Invalidf("body", "a multipart request may have at most %d parts", maxParts)
		}
		if err := s.readPart(r, form, part); err != nil {
			form.discard(s)
			return nil, err
		}
	}
}

func (s *server) readPart(r *http.Request, form *multipartForm, part interface {
	io.Reader
	FormName() string
	FileName() string
}) error {
	name := part.FormName()
	if name == "file" {
		if form.staged != nil {
			return ferry.Invalidf("file", "only one file may be sent per request")
		}
		st, err := s.files.Stage(r.Context(), ferry.Content{Portal: portal(r), Body: part, MaxBytes: s.opts.MaxUploadBytes, FileName: part.FileName()})
		if err != nil {
			return truncatedMultipart(err)
		}
		form.staged = &st
		return nil
	}
	if !formFields[name] {
		// A part no operation reads: skip it, within the same bound.
		n, err := io.Copy(io.Discard, io.LimitReader(part, maxFieldBytes+1))
		switch {
		case ferry.KindOf(err) != ferry.Internal:
			return err
		case err != nil:
			return ferry.Invalidf("body", "the multipart body is malformed or was cut short")
		case n > maxFieldBytes:
			return ferry.Invalidf(name, "the %s part is longer than %d bytes", name, maxFieldBytes)
		}
		return nil
	}
	b, err := io.ReadAll(io.LimitReader(part, maxFieldBytes+1))
	if ferry.KindOf(err) != ferry.Internal {
		return err
	}
	if err != nil {
		return ferry.Invalidf(name, "the %s part could not be read", name)
	}
	if len(b) > maxFieldBytes {
		return ferry.Invalidf(name, "the %s part is longer than %d bytes", name, maxFieldBytes)
	}
	form.fields[name] = string(b)
	return nil
}

func (f *multipartForm) discard(s *server) {
	if f.staged != nil {
		s.files.Discard(*f.staged)
		f.staged = nil
	}
}

// field returns a text part, nil if absent.
func (f *multipartForm) field(name string) *string {
	v, ok := f.fields[name]
	if !ok {
		return nil
	}
	v = strings.TrimSpace(v)
	return &v
}

// uploadInput returns the form as an upload.
func (f *multipartForm) uploadInput() ferry.UploadInput {
	in := ferry.UploadInput{Staged: f.staged, FolderID: f.field("folderId"), FolderPath: f.field("folderPath"), FileName: f.field("fileName")}
	in.Options = f.optionsInput(&in.Decoded)
	return in
}

// replaceInput returns the form as a replace.
func (f *multipartForm) replaceInput() ferry.ReplaceInput {
	in := ferry.ReplaceInput{Staged: f.staged}
	in.Options = f.optionsInput(&in.Decoded)
	return in
}

// optionsInput decodes the "options" part, a JSON string.
func (f *multipartForm) optionsInput(p *ferry.Problems) *ferry.OptionsInput {
	raw, ok := f.fields["options"]
	if !ok {
		return nil
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal([]byte(raw), &fields); err != nil || fields == nil {
		p.Add("options", "INVALID_JSON", "options must be a JSON object, such as {\"access\":\"PRIVATE\"}")
		return &ferry.OptionsInput{}
	}
	o := &jsonObject{fields: fields}
	in := &ferry.OptionsInput{Access: o.str("access"), TTL: o.str("ttl"), ExpiresAt: o.str("expiresAt"),
		Overwrite: o.boolean("overwrite"), DuplicateStrategy: o.str("duplicateValidationStrategy"),
		DuplicateScope: o.str("duplicateValidationScope")}
	for _, d := range o.problems {
		d.In = "options." + d.In
		*p = append(*p, d)
	}
	return in
}
