package console

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"maps"
	"net/http"
	"net/url"
	"strings"
	"time"

	"ferry/internal/ferry"
)

// pages are the parsed templates, one set per page, each with the layout.
type pages map[string]*template.Template

var funcs = template.FuncMap{
	"size":     ferry.HumanSize,
	"time":     func(t time.Time) string { return formatTime(t) },
	"query":    urlQueryEscape,
	"browse":   browseURL,
	"crumbs":   crumbs,
	"join":     func(sep string, s []string) string { return strings.Join(s, sep) },
	"accesses": func() []ferry.Access { return ferry.Accesses },
	"args":     partialArgs,
	"last": func(a []ferry.DeliveryAttempt) *ferry.DeliveryAttempt {
		if len(a) == 0 {
			return nil
		}
		return &a[len(a)-1]
	},
}

// partialArgs pairs names with values ("args" "ID" "x" "Label" "y") into
// the argument of a partial in partials.html.
func partialArgs(pairs ...string) (map[string]string, error) {
	if len(pairs)%2 != 0 {
		return nil, fmt.Errorf("args: %d words, not name and value pairs", len(pairs))
	}
	m := make(map[string]string, len(pairs)/2)
	for i := 0; i < len(pairs); i += 2 {
		m[pairs[i]] = pairs[i+1]
	}
	return m, nil
}

func parsePages() (pages, error) {
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	p := pages{}
	for _, n := range names {
		base := strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")
		if base == "layout" || base == "partials" {
			continue
		}
		t, err := template.New(base).Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/partials.html", n)
		if err != nil {
			return nil, fmt.Errorf("console template %s: %w", n, err)
		}
		p[base] = t
	}
	return p, nil
}

// view is what every page template gets: the visitor (nil on the sign-in
// page), which navigation entry is current, and the page's own data.
type view struct {
	V     *visitor
	Hooks bool // the server has the event feed and webhooks
	Nav   string
	Done  string // a notice about what the last action did
	D     any
}

// render writes a page. It renders into a buffer first, so that a
// template error becomes a clean 500 rather than half a page.
func (c *Console) render(w http.ResponseWriter, r *http.Request, status int, name string, data any) {
	v := view{V: visitorFrom(r.Context()), Hooks: c.svc.Webhooks != nil, Nav: name, Done: notices[r.URL.Query().Get("done")], D: data}
	var buf bytes.Buffer
	if err := c.pages[name].ExecuteTemplate(&buf, "layout", v); err != nil {
		c.log.Error("console template", "page", name, "err", err)
		http.Error(w, "Internal error.", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// notices are the fixed messages a redirect after an action may show;
// the query names one, so that no link can put words on the page.
var notices = map[string]string{
	"created": "Folder created.", "renamed": "Renamed.", "archived": "Archived.", "updated": "Saved.",
	"replaced": "Content replaced.", "canceled": "Task canceled.", "redelivered": "Delivery queued again.", "uploaded": "Uploaded.", "deleted": "Deleted for good.", "signedout": "Signed out.",
}

// fail answers a failed request: a page for a person, JSON for the
// console's own scripts. Only an error's client-safe message is shown;
// an internal error is logged and shown as a generic one.
func (c *Console) fail(w http.ResponseWriter, r *http.Request, err error) {
	k := ferry.KindOf(err)
	status := k.Status() // the API's one table
	msg := "Something went wrong on the server. It has been logged."
	var fe *ferry.Error
	if k != ferry.Internal && errors.As(err, &fe) {
		msg = fe.Message
		for _, d := range fe.Details {
			if d.Message != fe.Message {
				msg += " " + d.Message + "."
			}
		}
	} else {
		c.log.Error("console", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	if wantsJSON(r) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		json.NewEncoder(w).Encode(map[string]string{"message": msg})
		return
	}
	c.render(w, r, status, "error", map[string]any{"Status": status, "Message": msg})
}

func wantsJSON(r *http.Request) bool {
	return strings.Contains(r.Header.Get("Accept"), "application/json")
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}

func urlQueryEscape(s string) string { return url.QueryEscape(s) }

// browseURL returns the folder browser's URL for a folder path.
func browseURL(path string) string {
	if path == "" || path == "/" {
		return "/console/browse"
	}
	return "/console/browse?path=" + url.QueryEscape(path)
}

// crumb is one step of a breadcrumb trail.
type crumb struct{ Name, Path string }

// crumbs splits a folder path into its breadcrumb trail, root first.
func crumbs(path string) []crumb {
	out := []crumb{{Name: "Home", Path: "/"}}
	p := ""
	for _, seg := range strings.Split(strings.Trim(path, "/"), "/") {
		if seg == "" {
			continue
		}
		p += "/" + seg
		out = append(out, crumb{Name: seg, Path: p})
	}
	return out
}

func formatTime(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.UTC().Format("2006-01-02 15:04:05 UTC")
}

func urlPathEscape(s string) string { return url.PathEscape(s) }

// nextPageURL is the link to the next page of a list at path: the same
// query q with param set to value.
func nextPageURL(path string, q url.Values, param, value string) string {
	next := maps.Clone(q)
	if next == nil {
		next = url.Values{}
	}
	next.Set(param, value)
	return path + "?" + next.Encode()
}
