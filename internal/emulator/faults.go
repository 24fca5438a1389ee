package emulator

import (
	"bytes"
	crand "crypto/rand"
	"encoding/hex"
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync"
	"time"

	"ferry/internal/ferry"
	"ferry/internal/httpapi"
	"ferry/internal/tasks"
)

// Fault is a rule that makes matching requests, or imports, fail.
type Fault struct {
	ID string `json:"id"`
	// Operation is Ferry's operationId or HubSpot's name for it; empty
	// matches every operation. Import actions (cancel, hold) apply to
	// importFromUrl only.
	Operation string         `json:"operation,omitempty"`
	Portal    ferry.PortalID `json:"portal,omitempty"`
	// Times is how many more times the rule fires; 0 with no Probability
	// means every time.
	Times       int         `json:"times,omitempty"`
	Probability float64     `json:"probability,omitempty"`
	Action      FaultAction `json:"action"`
	Fired       int         `json:"fired"`
}

// FaultAction is what a fault does. Latency may go with any one other
// action, or alone.
type FaultAction struct {
	// Status answers with HubSpot's error body: 500, 502, 503, 504, or
	// 429 with the rate-limit body of PolicyName.
	Status     int    `json:"status,omitempty"`
	PolicyName string `json:"policyName,omitempty"`
	Category   string `json:"category,omitempty"`
	Message    string `json:"message,omitempty"`
	// LatencyMS delays the answer.
	LatencyMS int `json:"latencyMs,omitempty"`
	// Close drops the connection without an answer.
	Close bool `json:"close,omitempty"`
	// Truncate sends the real answer's headers and half its body, then
	// drops the connection.
	Truncate bool `json:"truncate,omitempty"`
	// Cancel ends the import CANCELED with this error.
	Cancel *CancelAction `json:"cancel,omitempty"`
	// Hold keeps the import in PENDING or PROCESSING until
	// POST /_ferry/tasks/{id}/release.
	Hold ferry.TaskStatus `json:"hold,omitempty"`
}

// CancelAction is the error a canceled import reports.
type CancelAction struct {
	Category    string `json:"category"`
	SubCategory string `json:"subCategory,omitempty"`
	Message     string `json:"message,omitempty"`
}

// statusDefaults are the category and message of each injectable status.
var statusDefaults = map[int][2]string{
	500: {"INTERNAL_ERROR", "Internal error."},
	502: {"BAD_GATEWAY", "Bad gateway."},
	503: {"SERVICE_UNAVAILABLE", "The service is temporarily unavailable."},
	504: {"GATEWAY_TIMEOUT", "Gateway timeout."},
}

// importOp is the operation that import actions apply to.
const importOp = "importFromUrl"

func (a FaultAction) isImport() bool { return a.Cancel != nil || a.Hold != "" }

// validate checks a new rule and fills in its defaults.
func (f *Fault) validate() error {
	var p ferry.Problems
	a := &f.Action
	n := 0
	for _, set := range []bool{a.Status != 0, a.Close, a.Truncate, a.Cancel != nil, a.Hold != ""} {
		if set {
			n++
		}
	}
	switch {
	case n > 1:
		p.Add("action", "CONFLICT", "an action is one of status, close, truncate, cancel and hold (with latencyMs or not)")
	case n == 0 && a.LatencyMS == 0:
		p.Add("action", "REQUIRED", "an action needs status, latencyMs, close, truncate, cancel or hold")
	}
	if a.LatencyMS < 0 || a.LatencyMS > 600_000 {
		p.Add("action.latencyMs", "OUT_OF_RANGE", "latencyMs must be between 0 and 600000")
	}
	if _, ok := statusDefaults[a.Status]; a.Status != 0 && a.Status != 429 && !ok {
		p.Add("action.status", "INVALID_ENUM", "status must be 429, 500, 502, 503 or 504")
	}
	if a.Status == 429 {
		if a.PolicyName == "" {
			a.PolicyName = httpapi.PolicyTenSecondly
		}
		if _, ok := httpapi.PolicyMessages[a.PolicyName]; !ok {
			p.Add("action.policyName", "INVALID_ENUM", "policyName must be TEN_SECONDLY_ROLLING, SECONDLY or DAILY")
		}
	}
	if a.Hold != "" && a.Hold != ferry.TaskPending && a.Hold != ferry.TaskProcessing {
		p.Add("action.hold", "INVALID_ENUM", "hold must be PENDING or PROCESSING")
	}
	if a.Cancel != nil {
		if _, ok := kindOfCategory(a.Cancel.Category); !ok {
			p.Add("action.cancel.category", "INVALID_ENUM", "category %q is not one Ferry reports", a.Cancel.Category)
		}
	}
	if a.isImport() && f.Operation != "" && f.Operation != importOp {
		p.Add("operation", "INVALID", "cancel and hold apply to importFromUrl only")
	}
	if a.isImport() {
		f.Operation = importOp
	}
	if f.Times < 0 {
		p.Add("times", "OUT_OF_RANGE", "times must be positive")
	}
	if f.Probability < 0 || f.Probability > 1 || (f.Probability > 0 && f.Times > 0) {
		p.Add("probability", "OUT_OF_RANGE", "probability is between 0 and 1, and goes without times")
	}
	if f.Portal < 0 {
		p.Add("portal", "OUT_OF_RANGE", "portal must be positive")
	}
	if f.Operation != "" && !knownOperation(f.Operation) {
		p.Add("operation", "INVALID", "operation %q is not an operationId of the Files API", f.Operation)
	}
	return p.Err()
}

func knownOperation(name string) bool {
	for _, op := range httpapi.Operations() {
		if op.Matches(name) {
			return true
		}
	}
	return false
}

// kindOfCategory finds the Kind that reports category.
func kindOfCategory(category string) (ferry.Kind, bool) {
	for _, status := range []int{400, 404, 409, 413, 429, 500, 502, 503, 504, 507, 408} {
		if k := ferry.KindOfWire(status, category); k.Category() == category {
			return k, true
		}
	}
	return 0, false
}

// faults holds the rules and the imports they hold.
type faults struct {
	mu    sync.Mutex
	rules []*Fault
	held  map[ferry.TaskID]bool
}

// fire returns a copy of the first rule that matches and fires, counting
// it (and dropping it once its times are spent).
func (fs *faults) fire(match func(*Fault) bool) (Fault, bool) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	for i, f := range fs.rules {
		if !match(f) {
			continue
		}
		if f.Probability > 0 && rand.Float64() >= f.Probability {
			continue
		}
		f.Fired++
		if f.Times > 0 {
			f.Times--
			if f.Times == 0 {
				fs.rules = append(fs.rules[:i:i], fs.rules[i+1:]...)
			}
		}
		return *f, true
	}
	return Fault{}, false
}

// Admit implements tasks.Gate.
func (e *Emulator) Admit(portal ferry.PortalID, id ferry.TaskID) tasks.Verdict {
	fs := &e.faults
	fs.mu.Lock()
	held := fs.held[id]
	fs.mu.Unlock()
	if held {
		return tasks.Verdict{Hold: ferry.TaskPending}
	}
	f, ok := fs.fire(func(f *Fault) bool {
		return f.Action.isImport() && (f.Portal == 0 || f.Portal == portal)
	})
	if !ok {
		return tasks.Verdict{}
	}
	e.log.Info("import fault fired", "task", id, "fault", f.ID)
	if f.Action.Hold != "" {
		fs.mu.Lock()
		fs.held[id] = true
		fs.mu.Unlock()
		return tasks.Verdict{Hold: f.Action.Hold}
	}
	c := f.Action.Cancel
	k, _ := kindOfCategory(c.Category)
	msg := c.Message
	if msg == "" {
		msg = "The import was canceled."
	}
	return tasks.Verdict{Cancel: &ferry.Error{Kind: k, SubCategory: c.SubCategory, Message: msg}}
}

// Held implements tasks.Gate.
func (e *Emulator) Held(id ferry.TaskID) bool {
	e.faults.mu.Lock()
	defer e.faults.mu.Unlock()
	return e.faults.held[id]
}

// inject is the faults' Inner wrapper: it runs after authentication, so
// that rules can match the caller's portal.
func (e *Emulator) inject(op httpapi.Operation, portal ferry.PortalID, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f, ok := e.faults.fire(func(f *Fault) bool {
			return !f.Action.isImport() && (f.Operation == "" || op.Matches(f.Operation)) && (f.Portal == 0 || f.Portal == portal)
		})
		if !ok {
			next.ServeHTTP(w, r)
			return
		}
		a := f.Action
		noteFault(r.Context(), f.ID)
		if a.LatencyMS > 0 {
			select {
			case <-time.After(time.Duration(a.LatencyMS) * time.Millisecond):
			case <-r.Context().Done():
				return
			}
		}
		switch {
		case a.Status == 429:
			httpapi.WriteRateLimited(w, r, a.PolicyName)
		case a.Status != 0:
			d := statusDefaults[a.Status]
			httpapi.WriteStatus(w, r, a.Status, or(a.Category, d[0]), or(a.Message, d[1]))
		case a.Close:
			panic(http.ErrAbortHandler) // net/http drops the connection
		case a.Truncate:
			truncate(w, r, next)
		default:
			next.ServeHTTP(w, r)
		}
	})
}

// truncate serves the real answer with its full Content-Length but only
// half its body, then drops the connection.
func truncate(w http.ResponseWriter, r *http.Request, next http.Handler) {
	buf := &bufferedWriter{header: http.Header{}, status: http.StatusOK}
	next.ServeHTTP(buf, r)
	for k, vs := range buf.header {
		w.Header()[k] = vs
	}
	body := buf.body.Bytes()
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(buf.status)
	w.Write(body[:len(body)/2])
	http.NewResponseController(w).Flush()
	panic(http.ErrAbortHandler)
}

// bufferedWriter keeps a whole answer in memory.
type bufferedWriter struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (b *bufferedWriter) Header() http.Header         { return b.header }
func (b *bufferedWriter) Write(p []byte) (int, error) { return b.body.Write(p) }
func (b *bufferedWriter) WriteHeader(code int)        { b.status = code }

func or(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// newID returns a short random id for a rule.
func newID() string {
	var b [6]byte
	crand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// handleAddFault serves POST /_ferry/faults.
func (e *Emulator) handleAddFault(w http.ResponseWriter, r *http.Request) {
	var f Fault
	if err := decodeBody(r, 16<<10, &f); err != nil {
		e.fail(w, r, err)
		return
	}
	if err := f.validate(); err != nil {
		e.fail(w, r, err)
		return
	}
	f.ID, f.Fired = newID(), 0
	e.faults.mu.Lock()
	e.faults.rules = append(e.faults.rules, &f)
	e.faults.mu.Unlock()
	e.log.Info("fault added", "fault", f.ID, "operation", f.Operation, "portal", f.Portal)
	reply(w, http.StatusCreated, f)
}

// handleListFaults serves GET /_ferry/faults.
func (e *Emulator) handleListFaults(w http.ResponseWriter, r *http.Request) {
	e.faults.mu.Lock()
	out := make([]Fault, len(e.faults.rules))
	for i, f := range e.faults.rules {
		out[i] = *f
	}
	e.faults.mu.Unlock()
	reply(w, http.StatusOK, map[string]any{"results": out})
}

// handleClearFaults serves DELETE /_ferry/faults[?id=].
func (e *Emulator) handleClearFaults(w http.ResponseWriter, r *http.Request) {
	id := r.URL.Query().Get("id")
	e.faults.mu.Lock()
	defer e.faults.mu.Unlock()
	if id == "" {
		e.faults.rules = nil
		w.WriteHeader(http.StatusNoContent)
		return
	}
	for i, f := range e.faults.rules {
		if f.ID == id {
			e.faults.rules = append(e.faults.rules[:i:i], e.faults.rules[i+1:]...)
			w.WriteHeader(http.StatusNoContent)
			return
		}
	}
	e.fail(w, r, ferry.Errorf(ferry.NotFound, "No fault rule has id %q.", id))
}

// handleRelease serves POST /_ferry/tasks/{taskId}/release.
func (e *Emulator) handleRelease(w http.ResponseWriter, r *http.Request) {
	id := ferry.TaskID(r.PathValue("taskId"))
	e.faults.mu.Lock()
	held := e.faults.held[id]
	delete(e.faults.held, id)
	e.faults.mu.Unlock()
	if !held {
		e.fail(w, r, ferry.Errorf(ferry.NotFound, "Task %s is not held by a fault.", id))
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
