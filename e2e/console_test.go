package e2e

import (
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os/exec"
	"regexp"
	"strings"
	"testing"
)

// consoleClient is a browser-like client of the web console: it keeps
// cookies and does not follow redirects, so that tests see them.
type consoleClient struct {
	t    *testing.T
	s    *server
	http *http.Client
}

func newConsoleClient(t *testing.T, s *server) *consoleClient {
	jar, _ := cookiejar.New(nil)
	return &consoleClient{t: t, s: s, http: &http.Client{Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (c *consoleClient) get(path string) (*http.Response, string) {
	c.t.Helper()
	resp, err := c.http.Get(c.s.BaseURL + path)
	if err != nil {
		c.t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func (c *consoleClient) post(path string, form url.Values) (*http.Response, string) {
	c.t.Helper()
	resp, err := c.http.PostForm(c.s.BaseURL+path, form)
	if err != nil {
		c.t.Fatalf("POST %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrf returns the CSRF token on a page.
func (c *consoleClient) csrf(page string) string {
	c.t.Helper()
	m := csrfRE.FindStringSubmatch(page)
	if m == nil {
		c.t.Fatalf("no CSRF token on the page:\n%s", page)
	}
	return m[1]
}

// signIn signs in with token and returns the session's CSRF token.
func (c *consoleClient) signIn(token string) string {
	c.t.Helper()
	_, page := c.get("/console/signin")
	resp, body := c.post("/console/signin", url.Values{"csrf": {c.csrf(page)}, "token": {token}, "next": {"/console/browse"}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/console/browse" {
		c.t.Fatalf("sign-in: %d %s, want 303 to /console/browse\n%s", resp.StatusCode, resp.Header.Get("Location"), body)
	}
	_, page = c.get("/console/browse")
	return c.csrf(page)
}

func mustStatus(t *testing.T, what string, resp *http.Response, want int) {
	t.Helper()
	if resp.StatusCode != want {
		t.Fatalf("%s: status=%d, want %d", what, resp.StatusCode, want)
	}
}

// TestConsoleSession checks the console's sign-in, its cookie, CSRF,
// scopes, portal isolation, revocation and sign-out over plain HTTP; the
// browser tests in e2e/browser drive the pages themselves.
func TestConsoleSession(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	c := newConsoleClient(t, s)

	resp, _ := c.get("/")
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "/console/" {
		t.Fatalf("GET / = %d to %q, want 302 to /console/", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, _ = c.get("/console/browse")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/console/signin") {
		t.Fatalf("GET /console/browse signed out = %d to %q, want 303 to the sign-in page", resp.StatusCode, resp.Header.Get("Location"))
	}
	_, page := c.get("/console/signin")
	resp, _ = c.post("/console/signin", url.Values{"csrf": {c.csrf(page)}, "token": {"not-a-token"}})
	mustStatus(t, "sign-in with a bad token", resp, http.StatusUnauthorized)
	resp, _ = c.post("/console/signin", url.Values{"token": {s.Token}})
	mustStatus(t, "sign-in without its CSRF token", resp, http.StatusForbidden)

	_, page = c.get("/console/signin")
	resp, _ = c.post("/console/signin", url.Values{"csrf": {c.csrf(page)}, "token": {s.Token}})
	var session *http.Cookie
	for _, ck := range resp.Cookies() {
		if ck.Name == "ferry_console" {
			session = ck
		}
	}
	if session == nil || !session.HttpOnly || session.SameSite != http.SameSiteStrictMode || session.Path != "/console/" || session.Secure {
		t.Fatalf("session cookie=%+v, want HttpOnly, SameSite=Strict, Path=/console/, not Secure over http", session)
	}
	_, page = c.get("/console/browse")
	csrf := c.csrf(page)

	resp, _ = c.post("/console/folders", url.Values{"name": {"no-csrf"}, "parentPath": {"/"}})
	mustStatus(t, "create a folder without the CSRF token", resp, http.StatusForbidden)
	resp, _ = c.post("/console/folders", url.Values{"csrf": {"wrong"}, "name": {"no-csrf"}, "parentPath": {"/"}})
	mustStatus(t, "create a folder with a wrong CSRF token", resp, http.StatusForbidden)
	if r, _ := s.do("GET", "/files/v3/folders/no-csrf", nil, s.Token); r.StatusCode != http.StatusNotFound {
		t.Fatalf("a refused create made the folder anyway (GET = %d)", r.StatusCode)
	}
	resp, _ = c.post("/console/folders", url.Values{"csrf": {csrf}, "name": {"made-here"}, "parentPath": {"/"}})
	mustStatus(t, "create a folder", resp, http.StatusSeeOther)
	if r, body := s.do("GET", "/files/v3/folders/made-here", nil, s.Token); r.StatusCode != http.StatusOK {
		t.Fatalf("the console's folder is not in the API: %d %s", r.StatusCode, body)
	}

	// A read-only token: no write buttons, and writes refused anyway.
	ro := s.createToken(1, "files.read")
	rc := newConsoleClient(t, s)
	roCSRF := rc.signIn(ro)
	if _, page := rc.get("/console/browse"); strings.Contains(page, `action="/console/folders"`) || strings.Contains(page, `href="/console/upload"`) {
		t.Errorf("a read-only session sees write controls:\n%s", page)
	}
	resp, _ = rc.post("/console/folders", url.Values{"csrf": {roCSRF}, "name": {"read-only"}, "parentPath": {"/"}})
	mustStatus(t, "a read-only session creating a folder", resp, http.StatusForbidden)

	// Another portal's session never sees portal 1's objects.
	file := uploadFile(t, s, "/made-here", "secret.txt", []byte("portal one only"), map[string]any{"access": "PRIVATE"})
	other := newConsoleClient(t, s)
	other.signIn(s.createToken(2, "files"))
	resp, _ = other.get(fmt.Sprintf("/console/files/%s", file["id"]))
	mustStatus(t, "another portal's file", resp, http.StatusNotFound)
	if _, page := other.get("/console/browse"); strings.Contains(page, "made-here") {
		t.Errorf("portal 2's browser shows portal 1's folder")
	}
	resp, body := c.get(fmt.Sprintf("/console/files/%s", file["id"]))
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "portal one only") {
		t.Fatalf("own file page: %d, want 200 with the text preview", resp.StatusCode)
	}

	// Revoking the token ends its sessions at once.
	cmd := exec.Command(ferryBin, "token", "revoke", "--secret", ro, "--data-dir", s.DataDir)
	if s.store.database != "" {
		cmd.Args = append(cmd.Args, "--database", s.store.database)
	}
	cmd.Env = ferryFreeEnv()
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("ferry token revoke: %v\n%s", err, out)
	}
	resp, _ = rc.get("/console/browse")
	mustStatus(t, "a revoked token's session", resp, http.StatusSeeOther)

	// Signing out deletes the session on the server, not only the cookie.
	resp, _ = c.post("/console/signout", url.Values{"csrf": {csrf}})
	mustStatus(t, "sign out", resp, http.StatusSeeOther)
	replay := newConsoleClient(t, s)
	u, _ := url.Parse(s.BaseURL + "/console/")
	replay.http.Jar.SetCookies(u, []*http.Cookie{{Name: "ferry_console", Value: session.Value}})
	resp, _ = replay.get("/console/browse")
	mustStatus(t, "the signed-out session's cookie replayed", resp, http.StatusSeeOther)
}

// TestConsoleEscapesContent checks that a file whose name and content are
// HTML is shown as text, and that its bytes are never served as a page.
func TestConsoleEscapesContent(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	const name = "<img src=x onerror=alert(1)>.html"
	file := uploadFile(t, s, "/", name, []byte("<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"), map[string]any{"access": "PUBLIC_INDEXABLE"})
	c := newConsoleClient(t, s)
	c.signIn(s.Token)
	for _, path := range []string{"/console/browse", fmt.Sprintf("/console/files/%s", file["id"]), "/console/search?name=img"} {
		resp, page := c.get(path)
		mustStatus(t, path, resp, http.StatusOK)
		if strings.Contains(page, "<img src=x") || strings.Contains(page, "<script>alert") {
			t.Errorf("%s has the name or content unescaped:\n%s", path, page)
		}
		if !strings.Contains(page, "&lt;img src=x onerror=alert(1)&gt;") {
			t.Errorf("%s does not show the name as text", path)
		}
	}
	resp, _ := c.get(fmt.Sprintf("/console/files/%s/content", file["id"]))
	if cd, csp := resp.Header.Get("Content-Disposition"), resp.Header.Get("Content-Security-Policy"); !strings.HasPrefix(cd, "attachment") || !strings.Contains(csp, "sandbox") {
		t.Errorf("HTML content served with Content-Disposition %q and CSP %q, want an attachment in a sandbox", cd, csp)
	}
	if csp := resp.Header.Get("Content-Security-Policy"); resp.StatusCode != http.StatusOK || csp == "" {
		t.Errorf("content: %d, CSP %q", resp.StatusCode, csp)
	}
	if resp, page := c.get("/console/browse"); !strings.Contains(resp.Header.Get("Content-Security-Policy"), "script-src 'self'") {
		t.Errorf("console page CSP=%q, want scripts from the console only\n%s", resp.Header.Get("Content-Security-Policy"), page)
	}
}
