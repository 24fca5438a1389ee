package fetch

import (
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// CheckURL validates raw without any network access, so it can run while
// the API request that names the URL is still open. It checks the length,
// that raw parses as an absolute URL with an allowed scheme and a host,
// the port, and, for IP literals, the address policy. Userinfo is allowed
// but never echoed. The returned error is always an *Error.
//
// CheckURL cannot see what a host name resolves to: Fetch checks every
// address it connects to, on every hop.
func (f *Fetcher) CheckURL(raw string) error {
	if _, e := f.check(raw); e != nil {
		return e
	}
	return nil
}

// check parses and validates raw, returning a scrubbed error.
func (f *Fetcher) check(raw string) (*url.URL, *Error) {
	u, e := f.parse(raw)
	if e != nil {
		return nil, scrub(e, secretsOf(raw))
	}
	return u, nil
}

// parse runs every request-time check on raw.
func (f *Fetcher) parse(raw string) (*url.URL, *Error) {
	if len(raw) > f.cfg.MaxURLLength {
		return nil, newError(CodeURLTooLong,
			fmt.Sprintf("the URL is longer than the limit of %d bytes", f.cfg.MaxURLLength), nil,
			KeyLength, strconv.Itoa(len(raw)), KeyLimit, strconv.Itoa(f.cfg.MaxURLLength))
	}
	if e := checkChars(raw); e != nil {
		return nil, e
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, newError(CodeInvalidURL, "the URL could not be parsed", urlCause(err))
	}
	if e := f.checkParsed(u); e != nil {
		return nil, e.set(KeyURL, Redact(u.String()))
	}
	return u, nil
}

// checkChars refuses invalid UTF-8, control characters and spaces, which
// no valid URL contains unescaped.
func checkChars(raw string) *Error {
	if raw == "" {
		return newError(CodeInvalidURL, "the URL is empty", nil)
	}
	if !utf8.ValidString(raw) {
		return newError(CodeInvalidURL, "the URL is not valid UTF-8", nil)
	}
	if strings.ContainsFunc(raw, func(r rune) bool { return unicode.IsControl(r) || unicode.IsSpace(r) }) {
		return newError(CodeInvalidURL, "the URL contains spaces or control characters", nil)
	}
	return nil
}

// urlCause strips the *url.Error wrapper, whose text repeats the whole
// URL, userinfo included.
func urlCause(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// checkParsed checks a parsed URL: scheme, host, port and, for IP
// literals, the address. It is also run on every redirect target.
func (f *Fetcher) checkParsed(u *url.URL) *Error {
	if u.Scheme == "" {
		return newError(CodeInvalidURL, "the URL must be absolute, like https://example.com/file.pdf", nil)
	}
	if !slices.Contains(f.policy.schemes, u.Scheme) {
		return newError(CodeSchemeNotAllowed,
			fmt.Sprintf("the scheme %q is not allowed; use %s", u.Scheme, strings.Join(f.policy.schemes, " or ")), nil,
			KeyScheme, u.Scheme)
	}
	if u.Opaque != "" || u.Hostname() == "" {
		return newError(CodeInvalidURL, "the URL has no host", nil)
	}
	port, e := urlPort(u)
	if e != nil {
		return e
	}
	return f.checkHost(u.Hostname(), port)
}

// urlPort returns the explicit port of u or the scheme's default.
func urlPort(u *url.URL) (int, *Error) {
	p := u.Port()
	if p == "" {
		if u.Scheme == "https" {
			return 443, nil
		}
		return 80, nil
	}
	port, err := parsePort(p)
	if err != nil {
		return 0, newError(CodeInvalidURL, "the URL's port is not a number between 1 and 65535", nil)
	}
	return port, nil
}

// checkHost applies the policy to an IP literal, or the name rules to a
// host name.
func (f *Fetcher) checkHost(host string, port int) *Error {
	if ip, err := netip.ParseAddr(host); err == nil {
		if e := f.policy.checkAddr("", ip, port); e != nil {
			return e
		}
		if !f.policy.portAllowed("", ip.Unmap().WithZone(""), port) {
			return portError(port)
		}
		return nil
	}
	h := normalizeHost(host)
	if !validHostname(h) {
		return newError(CodeInvalidURL, "the URL's host name is not valid", nil)
	}
	if e := f.policy.checkHostName(h, port); e != nil {
		return e
	}
	if !f.policy.portAllowed(h, netip.Addr{}, port) {
		return portError(port)
	}
	return nil
}
