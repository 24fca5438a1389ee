package console

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"strings"

	"ferry/internal/ferry"
)

// The console's cookies. Both are HttpOnly and SameSite=Strict, Secure
// when the console is served over HTTPS, and scoped to /console/.
const (
	sessionCookie = "ferry_console"
	signinCookie  = "ferry_console_signin" // the sign-in form's CSRF token, before there is a session
	csrfField     = "csrf"
	csrfHeader    = "X-CSRF-Token"
)

// visitor is a signed-in request: its session, token and CSRF token.
type visitor struct {
	Token ferry.Token
	CSRF  string
}

// CanWrite reports whether the visitor may change files and folders.
func (v *visitor) CanWrite() bool { return v.Token.HasAny(ferry.WriteScopes) }

// CanDelete reports whether the visitor may archive and delete.
func (v *visitor) CanDelete() bool { return v.Token.HasAny(ferry.DeleteScopes) }

// Portal returns the visitor's portal.
func (v *visitor) Portal() ferry.PortalID { return v.Token.Portal }

type visitorKey struct{}

func visitorFrom(ctx context.Context) *visitor {
	v, _ := ctx.Value(visitorKey{}).(*visitor)
	return v
}

// randomID returns 32 random bytes, URL-safe.
func randomID() string {
	var b [32]byte
	rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// csrfFor derives a session's CSRF token from its secret id, so that it
// needs no storage and nobody without the cookie can compute it.
func csrfFor(sessionID string) string {
	m := hmac.New(sha256.New, []byte(sessionID))
	m.Write([]byte("ferry console csrf"))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func equalSecrets(a, b string) bool {
	return a != "" && subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

func (c *Console) secure(r *http.Request) bool {
	return r.TLS != nil || strings.HasPrefix(c.opts.PublicURL, "https://")
}

func (c *Console) setCookie(w http.ResponseWriter, r *http.Request, name, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: value, Path: "/console/", MaxAge: maxAge,
		HttpOnly: true, Secure: c.secure(r), SameSite: http.SameSiteStrictMode})
}

// session returns the request's visitor, or nil if it has no live session.
func (c *Console) session(r *http.Request) (*visitor, error) {
	ck, err := r.Cookie(sessionCookie)
	if err != nil || ck.Value == "" {
		return nil, nil
	}
	_, tok, err := c.svc.Sessions.FindSession(r.Context(), ferry.HashToken(ck.Value), c.opts.Clock.Now())
	if ferry.KindOf(err) == ferry.NotFound {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &visitor{Token: tok, CSRF: csrfFor(ck.Value)}, nil
}

// page wraps a handler that needs a signed-in visitor holding one of
// scopes. A request without a session is sent to the sign-in page (GET)
// or refused (anything else). A request that is not GET or HEAD must
// carry the session's CSRF token, in the form or in a header.
func (c *Console) page(scopes []ferry.Scope, h http.HandlerFunc) http.Handler {
	return c.guard(scopes, h, false)
}

// multipartPage is page for a handler that reads a multipart form with
// readMultipart, which checks the CSRF token itself when the form sends
// it as its first part rather than in a header.
func (c *Console) multipartPage(scopes []ferry.Scope, h http.HandlerFunc) http.Handler {
	return c.guard(scopes, h, true)
}

func (c *Console) guard(scopes []ferry.Scope, h http.HandlerFunc, multipart bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v, err := c.session(r)
		switch {
		case err != nil:
			c.fail(w, r, err)
			return
		case v == nil && (r.Method == http.MethodGet || r.Method == http.MethodHead):
			http.Redirect(w, r, "/console/signin?next="+urlQueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			return
		case v == nil:
			c.fail(w, r, ferry.Errorf(ferry.Unauthenticated, "Your session has ended. Sign in again."))
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead && !c.csrfOK(r, v, multipart) {
			c.fail(w, r, ferry.Errorf(ferry.Forbidden, "This request did not carry the form's security token. Reload the page and try again."))
			return
		}
		if !v.Token.HasAny(scopes) {
			c.fail(w, r, ferry.Errorf(ferry.Forbidden, "Your token does not have the scopes this needs (one of %s).", scopeList(scopes)))
			return
		}
		// The file service checks hidden files against the token in the
		// context, as for the API.
		ctx := ferry.WithToken(context.WithValue(r.Context(), visitorKey{}, v), v.Token)
		h(w, r.WithContext(ctx))
	})
}

// csrfOK checks the CSRF token of a state-changing request: in the
// X-CSRF-Token header (the console's scripts), else in the form. A
// multipart form is never parsed here; only a multipart handler may take
// one, and readMultipart checks its token before storing anything.
func (c *Console) csrfOK(r *http.Request, v *visitor, multipart bool) bool {
	if t := r.Header.Get(csrfHeader); t != "" {
		return equalSecrets(t, v.CSRF)
	}
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/") {
		return multipart
	}
	return equalSecrets(r.PostFormValue(csrfField), v.CSRF)
}

func scopeList(scopes []ferry.Scope) string {
	s := make([]string, len(scopes))
	for i, sc := range scopes {
		s[i] = string(sc)
	}
	return strings.Join(s, ", ")
}

// handleSignInForm serves GET /console/signin.
func (c *Console) handleSignInForm(w http.ResponseWriter, r *http.Request) {
	if v, err := c.session(r); err == nil && v != nil {
		http.Redirect(w, r, safeNext(r.URL.Query().Get("next")), http.StatusSeeOther)
		return
	}
	c.renderSignIn(w, r, http.StatusOK, "")
}

func (c *Console) renderSignIn(w http.ResponseWriter, r *http.Request, status int, problem string) {
	token := randomID()
	c.setCookie(w, r, signinCookie, token, 3600)
	c.render(w, r, status, "signin", map[string]any{"CSRF": token, "Next": safeNext(r.FormValue("next")), "Problem": problem})
}

// handleSignIn serves POST /console/signin: the token's secret in, a
// session cookie out.
func (c *Console) handleSignIn(w http.ResponseWriter, r *http.Request) {
	ck, err := r.Cookie(signinCookie)
	if err != nil || !equalSecrets(r.PostFormValue(csrfField), ck.Value) {
		c.fail(w, r, ferry.Errorf(ferry.Forbidden, "This sign-in did not carry the form's security token. Reload the page and try again."))
		return
	}
	tok, err := c.svc.Auth.Authenticate(r.Context(), strings.TrimSpace(r.PostFormValue("token")))
	switch {
	case ferry.KindOf(err) == ferry.Unauthenticated:
		c.renderSignIn(w, r, http.StatusUnauthorized, "That token is not valid.")
		return
	case err != nil:
		c.fail(w, r, err)
		return
	case !tok.HasAny(ferry.ReadScopes):
		c.renderSignIn(w, r, http.StatusForbidden, "That token cannot read files, so it cannot use the console.")
		return
	}
	now := c.opts.Clock.Now()
	if _, err := c.svc.Sessions.DeleteExpiredSessions(r.Context(), now); err != nil {
		c.log.Warn("delete expired console sessions", "err", err)
	}
	if old, err := r.Cookie(sessionCookie); err == nil { // a new sign-in replaces the old session
		if err := c.svc.Sessions.DeleteSession(r.Context(), ferry.HashToken(old.Value)); err != nil {
			c.log.Warn("delete replaced console session", "err", err)
		}
	}
	id := randomID()
	s := ferry.Session{Hash: ferry.HashToken(id), TokenHash: tok.Hash, CreatedAt: now, ExpiresAt: now.Add(c.opts.SessionTTL)}
	if err := c.svc.Sessions.CreateSession(r.Context(), s); err != nil {
		c.fail(w, r, err)
		return
	}
	c.setCookie(w, r, signinCookie, "", -1)
	c.setCookie(w, r, sessionCookie, id, int(c.opts.SessionTTL.Seconds()))
	http.Redirect(w, r, safeNext(r.PostFormValue("next")), http.StatusSeeOther)
}

// handleSignOut serves POST /console/signout.
func (c *Console) handleSignOut(w http.ResponseWriter, r *http.Request) {
	if ck, err := r.Cookie(sessionCookie); err == nil {
		if err := c.svc.Sessions.DeleteSession(r.Context(), ferry.HashToken(ck.Value)); err != nil {
			c.fail(w, r, err)
			return
		}
	}
	c.setCookie(w, r, sessionCookie, "", -1)
	http.Redirect(w, r, "/console/signin", http.StatusSeeOther)
}

// safeNext keeps a post-sign-in redirect inside the console.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/console/") || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n") {
		return "/console/"
	}
	return next
}
