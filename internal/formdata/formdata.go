// Package formdata reads a multipart/form-data upload as a stream: the file
// part goes into blob storage as it arrives, the text parts are kept
// within bounds, and on any failure nothing stays staged. The Files API
// and the console read their upload forms through it.
package formdata

import (
	"bufio"
	"context"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strings"

	"ferry/internal/ferry"
)

// Stager stores a file part as it arrives: ferry.ContentStore's Stage and
// Discard.
type Stager interface {
	Stage(ctx context.Context, c ferry.Content) (ferry.Staged, error)
	Discard(st ferry.Staged)
}

// Limits bound a form, so that a request's memory does not grow with what
// it sends.
type Limits struct {
	MaxParts      int   // parts of any kind
	MaxFieldBytes int64 // each text part
	// Keep says which text parts are kept; nil keeps them all. The others
	// are read within MaxFieldBytes and dropped.
	Keep func(name string) bool
}

// Form is a form read in full: its file part staged (nil if it had none)
// and its text parts.
type Form struct {
	Staged *ferry.Staged
	Fields map[string]string
}

// Field returns a text part trimmed, nil if the form did not send it.
func (f *Form) Field(name string) *string {
	v, ok := f.Fields[name]
	if !ok {
		return nil
	}
	v = strings.TrimSpace(v)
	return &v
}

// Discard deletes the staged file, if any, that will not be committed.
func (f *Form) Discard(st Stager) {
	if f.Staged != nil {
		st.Discard(*f.Staged)
		f.Staged = nil
	}
}

// bodyBuffer is how much of a multipart body is read from the connection
// at once. mime/multipart reads through a 4 KiB buffer, and so does
// net/http's connection reader: a large upload took one system call per
// 4 KiB (a third of the server's CPU during a 1 GiB upload) until this
// buffer sat between them.
const bodyBuffer = 256 << 10

// Open returns a reader of r's multipart/form-data body: Invalid if the
// body is not one.
func Open(r *http.Request) (*multipart.Reader, error) {
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/form-data" {
		return nil, ferry.Invalidf("Content-Type", "the request must be multipart/form-data")
	}
	if params["boundary"] == "" {
		return nil, ferry.Invalidf("Content-Type", "the multipart request is malformed: %v", http.ErrMissingBoundary)
	}
	size := bodyBuffer
	if r.ContentLength >= 0 {
		size = min(max(int(r.ContentLength), 4<<10), bodyBuffer) // no large buffer for a small form
	}
	return multipart.NewReader(bufio.NewReaderSize(r.Body, size), params["boundary"]), nil
}

// Read reads the rest of mr, in whatever order the parts come. The file
// part (form name "file", at most one) is staged as c says, with the
// part's body and file name. The caller must Discard the form's staged
// file if it does not commit it; on failure nothing stays staged.
func Read(ctx context.Context, mr *multipart.Reader, st Stager, c ferry.Content, lim Limits) (*Form, error) {
	form := &Form{Fields: map[string]string{}}
	for n := 1; ; n++ {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return form, nil
		}
		if err != nil {
			form.Discard(st)
			if ferry.KindOf(err) != ferry.Internal {
				return nil, err // too slow, or cut short in transport
			}
			return nil, ferry.Invalidf("body", "the multipart body is malformed or was cut short")
		}
		if n > lim.MaxParts {
			form.Discard(st)
			return nil, ferry.Invalidf("body", "a multipart request may have at most %d parts", lim.MaxParts)
		}
		if err := form.read(ctx, part, st, c, lim); err != nil {
			form.Discard(st)
			return nil, err
		}
	}
}

// read reads one part into the form.
func (f *Form) read(ctx context.Context, part *multipart.Part, st Stager, c ferry.Content, lim Limits) error {
	name := part.FormName()
	if name == "file" {
		if f.Staged != nil {
			return ferry.Invalidf("file", "only one file may be sent per request")
		}
		c.Body, c.FileName = part, part.FileName()
		staged, err := st.Stage(ctx, c)
		if err != nil {
			return truncated(err)
		}
		f.Staged = &staged
		return nil
	}
	b, err := ReadField(part, lim.MaxFieldBytes)
	if err != nil {
		return err
	}
	if lim.Keep == nil || lim.Keep(name) {
		f.Fields[name] = string(b)
	}
	return nil
}

// ReadField reads a text part of at most max bytes.
func ReadField(part *multipart.Part, max int64) ([]byte, error) {
	name := part.FormName()
	b, err := io.ReadAll(io.LimitReader(part, max+1))
	switch {
	case ferry.KindOf(err) != ferry.Internal:
		return nil, err
	case err != nil:
		return nil, ferry.Invalidf(name, "the %s part could not be read", name)
	case int64(len(b)) > max:
		return nil, ferry.Invalidf(name, "the %s part is longer than %d bytes", name, max)
	}
	return b, nil
}

// truncated is the answer to a multipart body whose transport completed
// but whose parts stop before the closing boundary.
func truncated(err error) error {
	if ferry.KindOf(err) == ferry.Internal && errors.Is(err, io.ErrUnexpectedEOF) {
		return &ferry.Error{Kind: ferry.Invalid, SubCategory: "TRUNCATED_BODY",
			Message: "The multipart body ended inside a part, before its closing boundary.", Err: err}
	}
	return err
}
