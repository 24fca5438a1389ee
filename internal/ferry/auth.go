package ferry

import (
	"context"
	"slices"
	"strings"
	"time"
)

// Scope is an OAuth scope, spelled as in HubSpot's spec.
type Scope string

// The scopes that Files v3 operations accept.
const (
	ScopeFiles       Scope = "files"
	ScopeFilesRead   Scope = "files.read"
	ScopeFilesWrite  Scope = "files.write"
	ScopeFilesDelete Scope = "files.delete"
	ScopeHiddenRead  Scope = "files.ui_hidden.read"
	ScopeHiddenWrite Scope = "files.ui_hidden.write"
	// ScopeAdmin is Ferry's own: it allows the emulator's control routes.
	ScopeAdmin Scope = "ferry.admin"
)

// AllScopes lists every scope Ferry knows.
var AllScopes = []Scope{ScopeFiles, ScopeFilesRead, ScopeFilesWrite, ScopeFilesDelete, ScopeHiddenRead, ScopeHiddenWrite, ScopeAdmin}

// The scope sets of the spec: an operation names one of these, and a token
// with any single scope in it may call the operation.
var (
	ReadScopes   = []Scope{ScopeFiles, ScopeFilesRead, ScopeHiddenRead}
	WriteScopes  = []Scope{ScopeHiddenWrite, ScopeFiles, ScopeFilesWrite}
	DeleteScopes = []Scope{ScopeHiddenWrite, ScopeFiles, ScopeFilesDelete}
	// HiddenReadScopes are needed, beyond a read scope, to read a hidden
	// file by id: HubSpot's guide asks for the hidden-read scope, and the
	// broad "files" scope includes it.
	HiddenReadScopes = []Scope{ScopeFiles, ScopeHiddenRead}
	// HiddenWriteScopes are needed, beyond a write or delete scope, to
	// change, replace or delete a hidden file.
	HiddenWriteScopes = []Scope{ScopeFiles, ScopeHiddenWrite}
)

// ParseScopes parses a comma- or space-separated scope list and rejects
// unknown scopes.
func ParseScopes(s string) ([]Scope, error) {
	var out []Scope
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' }) {
		sc := Scope(f)
		if !slices.Contains(AllScopes, sc) {
			return nil, Invalidf("scopes", "unknown scope %q", f)
		}
		if !slices.Contains(out, sc) {
			out = append(out, sc)
		}
	}
	if len(out) == 0 {
		return nil, Invalidf("scopes", "at least one scope is required")
	}
	return out, nil
}

// Token is an API credential. Only a hash of the secret is ever stored.
type Token struct {
	Hash      string // hex SHA-256 of the secret
	Portal    PortalID
	Scopes    []Scope
	Name      string
	CreatedAt time.Time
}

// HasAny reports whether the token holds at least one of the scopes.
func (t Token) HasAny(scopes []Scope) bool {
	for _, s := range scopes {
		if slices.Contains(t.Scopes, s) {
			return true
		}
	}
	return false
}

type tokenKey struct{}

// WithToken returns a context that carries the caller's token.
func WithToken(ctx context.Context, t Token) context.Context {
	return context.WithValue(ctx, tokenKey{}, t)
}

// TokenFrom returns the caller's token, if the request was authenticated.
func TokenFrom(ctx context.Context) (Token, bool) {
	t, ok := ctx.Value(tokenKey{}).(Token)
	return t, ok
}

// MissingScopes is the Forbidden error for a caller whose token holds none
// of scopes.
func MissingScopes(scopes []Scope) error {
	names := make([]string, len(scopes))
	for i, sc := range scopes {
		names[i] = string(sc)
	}
	ctx := map[string][]string{"requiredGranularScopes": names, "requiredScopes": names}
	return &Error{Kind: Forbidden,
		Message: "This token has not been granted any of the scopes that this call requires.",
		Context: ctx,
		Details: []Detail{{Message: "One or more of the following scopes are required.", Context: ctx}}}
}

// CheckHidden returns Forbidden if f is hidden and the caller's token (in
// ctx) holds none of scopes: a hidden file needs HiddenReadScopes or
// HiddenWriteScopes beyond the scope of the operation itself.
func CheckHidden(ctx context.Context, f *File, scopes []Scope) error {
	if tok, _ := TokenFrom(ctx); f.Access.Hidden() && !tok.HasAny(scopes) {
		return MissingScopes(scopes)
	}
	return nil
}

type correlationKey struct{}

// WithCorrelationID returns a context that carries the id of the request
// being served, so that work it starts (a task, a fetch) can name it.
func WithCorrelationID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, correlationKey{}, id)
}

// CorrelationID returns the id WithCorrelationID stored, or "".
func CorrelationID(ctx context.Context) string {
	id, _ := ctx.Value(correlationKey{}).(string)
	return id
}
