package ferry

import (
	"errors"
	"fmt"
	"strings"
)

// Kind classifies an error independently of any transport. One table
// (wire.go) gives each Kind its HTTP status and HubSpot error category, for
// API answers and failed tasks alike. Kinds are stored by name, never by
// number.
type Kind uint8

// The kinds of error.
const (
	Internal        Kind = iota // unclassified; clients see a generic message
	Invalid                     // the request is malformed or names bad values
	NotFound                    // the object does not exist, is archived or expired, or belongs to another portal
	Conflict                    // the request collides with existing state
	Unauthenticated             // no credentials, or credentials that are not valid
	Forbidden                   // valid credentials without the scopes needed
	TooLarge                    // a body or file is larger than allowed
	RateLimited                 // too many requests
	Unavailable                 // the service cannot do the work right now, for example while it stops
	OriginFailed                // a remote origin failed or misbehaved (an import's URL)
	OriginTimeout               // a remote origin did not answer in time
	Interrupted                 // the work was lost, for example to crashes, and could not resume
	TimedOut                    // the client sent its request too slowly
	StorageFull                 // the storage has no room for the content
	CanceledByUser              // a user canceled the task
)

var kindNames = [...]string{"internal", "invalid", "not_found", "conflict",
	"unauthenticated", "forbidden", "too_large", "rate_limited", "unavailable",
	"origin_failed", "origin_timeout", "interrupted", "timed_out", "storage_full", "canceled_by_user"}

// String returns a short, stable name for k.
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("kind(%d)", uint8(k))
}

// MarshalText stores a Kind by its name.
func (k Kind) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// UnmarshalText reads a Kind stored by MarshalText; an unknown name is an
// error rather than a silent Internal.
func (k *Kind) UnmarshalText(b []byte) error {
	for i, n := range kindNames {
		if n == string(b) {
			*k = Kind(i)
			return nil
		}
	}
	return fmt.Errorf("unknown error kind %q", b)
}

// Error is the error returned across package boundaries. Message,
// SubCategory, Context and Details are safe to show to API clients; Err is
// the cause, which is logged and never sent.
type Error struct {
	Kind        Kind
	Message     string
	SubCategory string
	Context     map[string][]string
	Details     []Detail
	Err         error
}

// Detail describes one problem, usually one invalid field or parameter.
type Detail struct {
	Message     string
	In          string // the field or parameter at fault
	Code        string
	SubCategory string
	Context     map[string][]string
}

// Error implements error.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Kind.String())
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	for _, d := range e.Details {
		fmt.Fprintf(&b, "; %s: %s", d.In, d.Message)
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an Error of kind k with a formatted, client-safe message.
func Errorf(k Kind, format string, args ...any) *Error {
	return &Error{Kind: k, Message: fmt.Sprintf(format, args...)}
}

// Invalidf returns an Invalid error with one Detail for the field in.
func Invalidf(in, format string, args ...any) *Error {
	msg := fmt.Sprintf(format, args...)
	return &Error{Kind: Invalid, Message: msg, Details: []Detail{{Message: msg, In: in, Code: "INVALID"}}}
}

// Wrap returns an Internal error that carries err as its cause and op as
// context for the logs.
func Wrap(err error, op string) error {
	if err == nil {
		return nil
	}
	var fe *Error
	if errors.As(err, &fe) {
		return err
	}
	return &Error{Kind: Internal, Message: op, Err: err}
}

// KindOf returns the Kind of the first *Error in err's chain, or Internal.
func KindOf(err error) Kind {
	var fe *Error
	if errors.As(err, &fe) {
		return fe.Kind
	}
	return Internal
}

// Problems collects validation problems so that a request reports every bad
// field at once instead of stopping at the first.
type Problems []Detail

// Add records a problem with field in.
func (p *Problems) Add(in, code, format string, args ...any) {
	*p = append(*p, Detail{In: in, Code: code, Message: fmt.Sprintf(format, args...)})
}

// Err returns nil when there are no problems, or an Invalid error listing
// them all.
func (p Problems) Err() error {
	if len(p) == 0 {
		return nil
	}
	msg := p[0].Message
	if len(p) > 1 {
		// Every problem, each naming its field: "(and 1 more)" read as
		// one more value of the first field.
		all := make([]string, len(p))
		for i, d := range p {
			all[i] = d.Message
		}
		msg = fmt.Sprintf("%d problems with the request: %s", len(p), strings.Join(all, "; "))
	}
	return &Error{Kind: Invalid, Message: msg, Details: p}
}
