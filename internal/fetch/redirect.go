package fetch

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// isRedirect reports the statuses that are followed.
func isRedirect(status int) bool {
	switch status {
	case http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther,
		http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
		return true
	}
	return false
}

// follow GETs u and each redirect target in turn. It returns the first
// non-redirect answer and its URL; on error, the URL being fetched.
// a.redirects counts the redirects received, including a refused one.
func (a *attempt) follow(u *url.URL) (*hop, *url.URL, *Error) {
	auth := u.User
	a.seen[visitKey(u)] = true
	for {
		req, e := a.newRequest(u, auth)
		if e != nil {
			return nil, u, e
		}
		h, e := a.roundTrip(req)
		if e != nil {
			return nil, u, e
		}
		if !isRedirect(h.resp.StatusCode) {
			return h, u, nil
		}
		a.redirects++
		next, e := a.nextHop(h.resp, u)
		h.discard(a.f.cfg.IdleTimeout)
		if e != nil {
			return nil, u, e
		}
		auth = carryAuth(u, next, auth)
		u = next
	}
}

// newRequest builds the GET for u. Credentials travel only as an
// Authorization header, and only when auth is set for this hop.
func (a *attempt) newRequest(u *url.URL, auth *url.Userinfo) (*http.Request, *Error) {
	req, err := http.NewRequest(http.MethodGet, stripUserinfo(u), nil)
	if err != nil {
		return nil, newError(CodeInvalidURL, "the URL could not be turned into a request", urlCause(err))
	}
	req.Header.Set("User-Agent", a.f.cfg.UserAgent)
	req.Header.Set("Accept", "*/*")
	req.Header.Set("Accept-Encoding", "identity")
	a.addOptions(req, u)
	if auth != nil {
		pass, _ := auth.Password()
		req.SetBasicAuth(auth.Username(), pass)
	}
	return req, nil
}

// nextHop resolves and checks the Location of a redirect: the same checks
// as CheckURL, then loop detection, then the redirect limit. The target's
// addresses are checked when it is dialled.
func (a *attempt) nextHop(resp *http.Response, from *url.URL) (*url.URL, *Error) {
	loc := resp.Header.Get("Location")
	if loc == "" {
		return nil, newError(CodeProtocolError,
			fmt.Sprintf("the origin answered %s without a Location header", statusLine(resp.StatusCode)), nil,
			KeyStatusCode, strconv.Itoa(resp.StatusCode))
	}
	target, err := from.Parse(loc)
	if err != nil {
		a.secrets = append(a.secrets, secretsOf(loc)...)
		return nil, newError(CodeInvalidURL, "the origin redirected to a URL that could not be parsed", urlCause(err))
	}
	target.Fragment, target.RawFragment = "", ""
	raw := target.String()
	a.secrets = append(a.secrets, secretsOf(raw)...)
	next, e := a.f.parse(raw)
	if e != nil {
		e.Message = "the origin redirected to a refused URL: " + e.Message
		return nil, e
	}
	return next, a.checkHopCount(next)
}

// checkHopCount detects loops and enforces MaxRedirects.
func (a *attempt) checkHopCount(next *url.URL) *Error {
	key := visitKey(next)
	if a.seen[key] {
		return newError(CodeRedirectLoop, "the origin redirected in a loop, back to a URL already visited", nil,
			KeyURL, Redact(stripUserinfo(next)))
	}
	if limit := max(a.f.cfg.MaxRedirects, 0); a.redirects > limit {
		return newError(CodeTooManyRedirects,
			fmt.Sprintf("the origin redirected more than %d times", limit), nil,
			KeyLimit, strconv.Itoa(limit))
	}
	a.seen[key] = true
	return nil
}

// carryAuth decides which credentials the next hop gets: its own userinfo
// if the Location has some, otherwise the current ones only when the
// origin (scheme, host and port) is unchanged.
func carryAuth(from, to *url.URL, auth *url.Userinfo) *url.Userinfo {
	if to.User != nil {
		return to.User
	}
	if auth == nil || from.Scheme != to.Scheme || !strings.EqualFold(from.Host, to.Host) {
		return nil
	}
	return auth
}

// visitKey identifies a URL for loop detection, ignoring what does not
// change the request: userinfo, fragment, host case, an explicit default
// port and an empty query.
func visitKey(u *url.URL) string {
	port, _ := urlPort(u)
	path := u.EscapedPath()
	if path == "" {
		path = "/"
	}
	key := u.Scheme + "://" + strings.ToLower(u.Hostname()) + ":" + strconv.Itoa(port) + path
	if u.RawQuery != "" {
		key += "?" + u.RawQuery
	}
	return key
}
