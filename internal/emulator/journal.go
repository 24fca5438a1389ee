package emulator

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"ferry/internal/ferry"
	"ferry/internal/httpapi"
)

// maxJournalBody bounds the JSON body, and each multipart field's value,
// that the journal keeps of one request.
const maxJournalBody = 64 << 10

// Entry is one request in the journal.
type Entry struct {
	Time             time.Time           `json:"time"`
	OperationID      string              `json:"operationId"`
	HubSpotOperation string              `json:"hubspotOperation"`
	Portal           ferry.PortalID      `json:"portal,omitempty"`
	Method           string              `json:"method"`
	Path             string              `json:"path"`
	Query            map[string][]string `json:"query"`
	Headers          map[string][]string `json:"headers"`
	Body             json.RawMessage     `json:"body,omitempty"`
	BodyTruncated    bool                `json:"bodyTruncated,omitempty"`
	Multipart        []Part              `json:"multipart,omitempty"`
	Status           int                 `json:"status"`
	CorrelationID    string              `json:"correlationId"`
	DurationMS       float64             `json:"durationMs"`
	Fault            string              `json:"fault,omitempty"`
}

// Part is one part of a multipart body: a field with its value, or a file
// with its name, size, MD5 and declared type.
type Part struct {
	Name        string `json:"name"`
	Value       string `json:"value,omitempty"`
	Truncated   bool   `json:"truncated,omitempty"`
	FileName    string `json:"fileName,omitempty"`
	ContentType string `json:"contentType,omitempty"`
	Size        *int64 `json:"size,omitempty"`
	MD5         string `json:"md5,omitempty"`
}

// journal is a bounded ring of the most recent requests.
type journal struct {
	mu      sync.Mutex
	entries []*Entry
	next    int // where the next entry goes, once the ring is full
	size    int
}

func (j *journal) add(e *Entry) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if len(j.entries) < j.size {
		j.entries = append(j.entries, e)
		return
	}
	j.entries[j.next] = e
	j.next = (j.next + 1) % j.size
}

// list returns the entries that match, newest first, at most limit.
func (j *journal) list(match func(*Entry) bool, limit int) []*Entry {
	j.mu.Lock()
	defer j.mu.Unlock()
	out := []*Entry{}
	n := len(j.entries)
	for i := 0; i < n && len(out) < limit; i++ {
		// Newest first; next stays 0 until the ring is full.
		e := j.entries[(j.next+n-1-i)%n]
		if match(e) {
			out = append(out, e)
		}
	}
	return out
}

func (j *journal) clear() {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.entries, j.next = nil, 0
}

type entryKey struct{}

// redacted are the headers whose values the journal never keeps.
var redacted = map[string]bool{"Authorization": true, "Cookie": true, "Set-Cookie": true, "Proxy-Authorization": true}

// record is the journal's Outer wrapper: it notes the request, its body
// as it streams to the handler, and the answer.
func (e *Emulator) record(op httpapi.Operation, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		en := &Entry{Time: e.cfg.Clock.Now().UTC(), OperationID: op.ID, HubSpotOperation: op.HubSpot,
			Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(), Headers: map[string][]string{},
			CorrelationID: w.Header().Get("X-HubSpot-Correlation-Id")}
		for k, vs := range r.Header {
			if redacted[http.CanonicalHeaderKey(k)] {
				vs = []string{"REDACTED"}
			}
			en.Headers[k] = vs
		}
		finish := e.captureBody(r, en)
		rec := &recorder{ResponseWriter: w}
		defer func() {
			finish()
			en.Status = rec.status
			if en.Status == 0 && en.Fault == "" {
				en.Status = http.StatusOK // a fault that drops the connection leaves 0
			}
			en.DurationMS = float64(time.Since(start).Microseconds()) / 1000
			e.journal.add(en)
		}()
		next.ServeHTTP(rec, r.WithContext(context.WithValue(r.Context(), entryKey{}, en)))
	})
}

// notePortal is called after authentication, with the token's portal.
func notePortal(ctx context.Context, portal ferry.PortalID) {
	if en, ok := ctx.Value(entryKey{}).(*Entry); ok {
		en.Portal = portal
	}
}

// noteFault records on the request's journal entry which fault it met.
func noteFault(ctx context.Context, fault string) {
	if en, ok := ctx.Value(entryKey{}).(*Entry); ok {
		en.Fault = fault
	}
}

// captureBody tees the request body into the entry as the handler reads
// it; the returned function completes the entry once the handler is done.
func (e *Emulator) captureBody(r *http.Request, en *Entry) func() {
	if r.Body == nil || r.Body == http.NoBody {
		return func() {}
	}
	mt, params, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt == "multipart/form-data" && params["boundary"] != "" {
		pr, pw := io.Pipe()
		done := make(chan struct{})
		go func() {
			defer close(done)
			en.Multipart = parseParts(multipart.NewReader(pr, params["boundary"]))
			io.Copy(io.Discard, pr) // never block the handler's reads
		}()
		r.Body = teeBody{Reader: io.TeeReader(r.Body, pw), Closer: r.Body}
		return func() {
			pw.Close()
			<-done
		}
	}
	buf := &limitedBuffer{max: maxJournalBody}
	r.Body = teeBody{Reader: io.TeeReader(r.Body, buf), Closer: r.Body}
	return func() {
		b := bytes.TrimSpace(buf.Bytes())
		switch {
		case buf.over:
			en.BodyTruncated = true
		case len(b) > 0 && json.Valid(b):
			en.Body = json.RawMessage(b)
		case len(b) > 0:
			s, _ := json.Marshal(string(b))
			en.Body = s
		}
	}
}

// parseParts reads every part: fields with their values, files measured.
func parseParts(mr *multipart.Reader) []Part {
	var parts []Part
	for {
		p, err := mr.NextPart()
		if err != nil {
			return parts
		}
		pt := Part{Name: p.FormName(), FileName: p.FileName()}
		if pt.FileName != "" {
			pt.ContentType = p.Header.Get("Content-Type")
			h := md5.New()
			n, err := io.Copy(h, p)
			pt.Size, pt.MD5 = &n, hex.EncodeToString(h.Sum(nil))
			if err != nil {
				pt.Truncated = true
			}
		} else {
			b, _ := io.ReadAll(io.LimitReader(p, maxJournalBody+1))
			pt.Truncated = len(b) > maxJournalBody
			pt.Value = string(b[:min(len(b), maxJournalBody)])
			io.Copy(io.Discard, p)
		}
		parts = append(parts, pt)
	}
}

type teeBody struct {
	io.Reader
	io.Closer
}

// limitedBuffer keeps the first max bytes written to it.
type limitedBuffer struct {
	bytes.Buffer
	max  int
	over bool
}

func (b *limitedBuffer) Write(p []byte) (int, error) {
	if room := b.max - b.Len(); room < len(p) {
		b.over = true
		b.Buffer.Write(p[:max(room, 0)])
		return len(p), nil
	}
	return b.Buffer.Write(p)
}

// recorder remembers the status a handler wrote.
type recorder struct {
	http.ResponseWriter
	status int
}

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the real writer.
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// handleListRequests serves GET /_ferry/requests?operation=&portal=&limit=.
func (e *Emulator) handleListRequests(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	portal, err := portalParam(r)
	if err != nil {
		e.fail(w, r, err)
		return
	}
	limit := e.cfg.JournalSize
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			e.fail(w, r, ferry.Invalidf("limit", "limit must be a positive integer, got %q", v))
			return
		}
		limit = n
	}
	opName := q.Get("operation")
	method := strings.ToUpper(q.Get("method"))
	got := e.journal.list(func(en *Entry) bool {
		return (opName == "" || opName == en.OperationID || opName == en.HubSpotOperation) &&
			(portal == 0 || en.Portal == portal) && (method == "" || method == en.Method)
	}, limit)
	reply(w, http.StatusOK, map[string]any{"results": got})
}

// handleClearRequests serves DELETE /_ferry/requests.
func (e *Emulator) handleClearRequests(w http.ResponseWriter, r *http.Request) {
	e.journal.clear()
	w.WriteHeader(http.StatusNoContent)
}
