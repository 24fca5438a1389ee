package formdata_test

import (
	"context"
	"errors"
	"io"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"testing/iotest"

	"ferry/internal/ferry"
	"ferry/internal/formdata"
)

// stager stages a part by reading it, and records what it read and what
// it discards.
type stager struct {
	content   string
	discarded []string
}

func (s *stager) Stage(_ context.Context, c ferry.Content) (ferry.Staged, error) {
	var b strings.Builder
	n, err := io.Copy(&b, c.Body)
	s.content = b.String()
	return ferry.Staged{Key: c.FileName, FileName: c.FileName, Size: n}, err
}

func (s *stager) Discard(st ferry.Staged) { s.discarded = append(s.discarded, st.Key) }

// body builds a multipart body with boundary XX from parts "name=value"
// (a text part) or "file:name.txt=content" (the file part).
func body(parts ...string) string {
	var b strings.Builder
	for _, p := range parts {
		k, v, _ := strings.Cut(p, "=")
		if file, ok := strings.CutPrefix(k, "file:"); ok {
			b.WriteString("--XX\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + file + "\"\r\n\r\n" + v + "\r\n")
		} else {
			b.WriteString("--XX\r\nContent-Disposition: form-data; name=\"" + k + "\"\r\n\r\n" + v + "\r\n")
		}
	}
	return b.String() + "--XX--\r\n"
}

func TestRead(t *testing.T) {
	t.Parallel()
	lim := formdata.Limits{MaxParts: 4, MaxFieldBytes: 8, Keep: func(name string) bool { return name != "skip" }}
	tests := []struct {
		name      string
		body      string
		wantErr   string // the error's In, or its subcategory
		wantField map[string]string
		discarded []string
	}{
		{name: "FileAndFields", body: body("folderPath= /a ", "file:a.txt=hello", "skip=x"),
			wantField: map[string]string{"folderPath": " /a "}},
		{name: "TwoFiles", body: body("file:a.txt=1", "file:b.txt=2"), wantErr: "file", discarded: []string{"a.txt"}},
		{name: "TooManyParts", body: body("file:a.txt=1", "a=1", "b=2", "c=3", "d=4"), wantErr: "body", discarded: []string{"a.txt"}},
		{name: "FieldTooLong", body: body("file:a.txt=1", "name=123456789"), wantErr: "name", discarded: []string{"a.txt"}},
		{name: "SkippedFieldTooLong", body: body("skip=123456789"), wantErr: "skip"},
		{name: "Truncated", body: "--XX\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a\"\r\n\r\nhel", wantErr: "TRUNCATED_BODY"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest("POST", "/", strings.NewReader(tc.body))
			r.Header.Set("Content-Type", "multipart/form-data; boundary=XX")
			mr, err := formdata.Open(r)
			if err != nil {
				t.Fatal(err)
			}
			st := &stager{}
			form, err := formdata.Read(r.Context(), mr, st, ferry.Content{}, lim)
			if !slices.Equal(st.discarded, tc.discarded) {
				t.Errorf("discarded=%v, want %v", st.discarded, tc.discarded)
			}
			if tc.wantErr != "" {
				var e *ferry.Error
				if ferry.KindOf(err) != ferry.Invalid || !errors.As(err, &e) || (e.SubCategory != tc.wantErr && !hasDetail(e, tc.wantErr)) {
					t.Fatalf("err=%v, want Invalid about %s", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if form.Staged == nil || form.Staged.Size != 5 || *form.Field("folderPath") != "/a" {
				t.Errorf("form=%+v staged=%+v, want a.txt of 5 bytes and folderPath /a", form, form.Staged)
			}
			if len(form.Fields) != len(tc.wantField) || form.Fields["folderPath"] != tc.wantField["folderPath"] {
				t.Errorf("Fields=%v, want %v", form.Fields, tc.wantField)
			}
		})
	}
}

func TestOpenRefusesOtherBodies(t *testing.T) {
	t.Parallel()
	for _, ct := range []string{"application/json", "multipart/form-data", "multipart/form-data; boundary=", "multipart/mixed; boundary=XX"} {
		r := httptest.NewRequest("POST", "/", strings.NewReader("{}"))
		r.Header.Set("Content-Type", ct)
		if _, err := formdata.Open(r); ferry.KindOf(err) != ferry.Invalid {
			t.Errorf("Open(%q)=%v, want Invalid", ct, err)
		}
	}
}

// A file part larger than Open's read buffer, sent in pieces of odd
// sizes, arrives whole.
func TestReadLargePart(t *testing.T) {
	t.Parallel()
	content := strings.Repeat("0123456789abcdef", 50_000) // 800,000 bytes
	r := httptest.NewRequest("POST", "/", iotest.HalfReader(strings.NewReader(body("file:big.bin="+content))))
	r.Header.Set("Content-Type", "multipart/form-data; boundary=XX")
	mr, err := formdata.Open(r)
	if err != nil {
		t.Fatal(err)
	}
	st := &stager{}
	form, err := formdata.Read(r.Context(), mr, st, ferry.Content{}, formdata.Limits{MaxParts: 2, MaxFieldBytes: 8})
	if err != nil {
		t.Fatal(err)
	}
	if form.Staged == nil || form.Staged.Size != int64(len(content)) || st.content != content {
		t.Fatalf("staged %+v (%d bytes read), want all %d bytes", form.Staged, len(st.content), len(content))
	}
}

func hasDetail(e *ferry.Error, in string) bool {
	for _, d := range e.Details {
		if d.In == in {
			return true
		}
	}
	return false
}
