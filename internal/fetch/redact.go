package fetch

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// redacted replaces userinfo in URLs shown by this package.
const redacted = "REDACTED"

// Redact returns raw with any userinfo (user:password@) replaced by
// "REDACTED". It works on strings that do not parse as URLs too, so it is
// safe to use on anything a caller typed. The query string is kept.
func Redact(raw string) string {
	if u, err := url.Parse(raw); err == nil && u.User != nil {
		u.User = url.User(redacted)
		raw = u.String()
	}
	return redactLoose(raw)
}

// redactLoose replaces everything before the last '@' of the authority-like
// part of s (after "scheme://", up to the first '/', '?' or '#'), whether
// or not s parses.
func redactLoose(s string) string {
	start := 0
	if i := strings.Index(s, "://"); i >= 0 {
		start = i + 3
	}
	end := len(s)
	if i := strings.IndexAny(s[start:], "/?#"); i >= 0 {
		end = start + i
	}
	at := strings.LastIndexByte(s[start:end], '@')
	if at < 0 || s[start:start+at] == redacted {
		return s
	}
	return s[:start] + redacted + s[start+at:]
}

// stripUserinfo returns u as a string without userinfo or fragment.
func stripUserinfo(u *url.URL) string {
	c := *u
	c.User = nil
	c.Fragment, c.RawFragment = "", ""
	return c.String()
}

// secretsOf returns the strings that must never appear in an error built
// for raw: its userinfo as typed, and the user name and password both
// escaped and unescaped. Very short fragments are left out because
// replacing them would mangle ordinary words; messages never include
// userinfo by construction, so this is a second line of defence.
func secretsOf(raw string) []string {
	start := 0
	if i := strings.Index(raw, "://"); i >= 0 {
		start = i + 3
	}
	end := len(raw)
	if i := strings.IndexAny(raw[start:], "/?#"); i >= 0 {
		end = start + i
	}
	at := strings.LastIndexByte(raw[start:end], '@')
	if at < 0 {
		return nil
	}
	info := raw[start : start+at]
	parts := []string{info}
	user, pass, _ := strings.Cut(info, ":")
	parts = append(parts, user, pass)
	for _, p := range []string{user, pass} {
		if d, err := url.PathUnescape(p); err == nil {
			parts = append(parts, d)
		}
	}
	var out []string
	for _, p := range parts {
		if len(p) >= 3 && p != redacted {
			out = append(out, p)
		}
	}
	return out
}

// requestSecrets returns the strings that must never appear in an error
// of a request to raw with header: the URL's userinfo (secretsOf) and the
// header's values, which carry the caller's credentials (source headers,
// webhook signatures). Values shorter than 4 bytes are left out, as in
// secretsOf.
func requestSecrets(raw string, header http.Header) []string {
	secrets := secretsOf(raw)
	for _, vs := range header {
		for _, v := range vs {
			if len(v) >= 4 {
				secrets = append(secrets, v)
			}
		}
	}
	return secrets
}

// scrubbedError carries a cause whose text had secrets removed. It does not
// unwrap, so nothing downstream can print the original text.
type scrubbedError struct{ msg string }

func (e *scrubbedError) Error() string { return e.msg }

// scrub removes secrets from every string of e. A cause whose text changed
// is replaced by a scrubbedError.
func scrub(e *Error, secrets []string) *Error {
	if e == nil || len(secrets) == 0 {
		return e
	}
	e.Message = scrubString(e.Message, secrets)
	for k, v := range e.Context {
		e.Context[k] = scrubString(v, secrets)
	}
	if e.Err != nil {
		msg := e.Err.Error()
		if clean := scrubString(msg, secrets); clean != msg {
			e.Err = &scrubbedError{msg: clean}
		}
	}
	return e
}

// scrubString replaces every secret in s, longest first so a password is
// not half-replaced by a shorter user name.
func scrubString(s string, secrets []string) string {
	for _, sec := range longestFirst(secrets) {
		s = strings.ReplaceAll(s, sec, redacted)
	}
	return s
}

// longestFirst returns a copy of ss sorted by decreasing length.
func longestFirst(ss []string) []string {
	out := slices.Clone(ss)
	slices.SortFunc(out, func(a, b string) int { return len(b) - len(a) })
	return out
}
