package console

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"ferry/internal/ferry"
)

// searchView is the search page's data: the form as sent and the results.
type searchView struct {
	Q        url.Values
	Searched bool
	Files    []ferry.File
	More     bool
	Next     string
	Types    []string
	Sorts    []string
}

// handleSearch serves GET /console/search: the Files API's search
// filters as a form.
func (c *Console) handleSearch(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	sv := &searchView{Q: q, Types: []string{"IMG", "DOCUMENT", "AUDIO", "MOVIE", "OTHER"}, Sorts: ferry.FileSortFields}
	if len(q) == 0 {
		c.render(w, r, http.StatusOK, "search", sv)
		return
	}
	f, err := searchFilter(q)
	if err == nil {
		sv.Files, sv.More, err = c.svc.Files.SearchFiles(r.Context(), visitorFrom(r.Context()).Portal(), f)
	}
	if err != nil {
		c.fail(w, r, err)
		return
	}
	sv.Searched = true
	if next, ok := f.Page.Next(sv.More); ok {
		sv.Next = nextPageURL("/console/search", q, "offset", strconv.Itoa(next.Offset))
	}
	c.render(w, r, http.StatusOK, "search", sv)
}

// searchFilter reads the search form; empty fields do not filter.
func searchFilter(q url.Values) (ferry.FileFilter, error) {
	var p ferry.Problems
	f := ferry.FileFilter{Name: strings.TrimSpace(q.Get("name")), Type: q.Get("type"),
		Extension: strings.TrimPrefix(strings.TrimSpace(q.Get("extension")), "."), Page: ferry.Page{Limit: 50}}
	if path := strings.TrimSpace(q.Get("path")); path != "" {
		f.Path = path
	}
	f.Size.Gte, f.Size.Lte = intField(q, "sizeGte", &p), intField(q, "sizeLte", &p)
	f.CreatedAt.Gte, f.CreatedAt.Lte = dateField(q, "createdAfter", &p), dateField(q, "createdBefore", &p)
	f.UpdatedAt.Gte, f.UpdatedAt.Lte = dateField(q, "updatedAfter", &p), dateField(q, "updatedBefore", &p)
	if a := q.Get("anonymous"); a != "" {
		b := a == "true"
		f.AllowsAnonymous = &b
	}
	if md5 := strings.TrimSpace(q.Get("md5")); md5 != "" {
		f.MD5 = strings.ToLower(md5)
	}
	if s := q.Get("sort"); s != "" {
		if !slices.Contains(ferry.FileSortFields, s) {
			p.Add("sort", "INVALID_ENUM", "cannot sort by %q", s)
		}
		f.Sort = sortKeys(s, q.Get("desc") == "1")
	}
	if o := intField(q, "offset", &p); o != nil {
		if *o < 0 || *o > ferry.SearchOffsetMax {
			p.Add("offset", "OUT_OF_RANGE", "offset must be between 0 and %d", ferry.SearchOffsetMax)
		}
		f.Page.Offset = int(*o)
	}
	return f, p.Err()
}

func intField(q url.Values, name string, p *ferry.Problems) *int64 {
	s := strings.TrimSpace(q.Get(name))
	if s == "" {
		return nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		p.Add(name, "INVALID_NUMBER", "%s must be a whole number", name)
		return nil
	}
	return &n
}

// dateField reads a date control (YYYY-MM-DD, UTC).
func dateField(q url.Values, name string, p *ferry.Problems) *time.Time {
	s := strings.TrimSpace(q.Get(name))
	if s == "" {
		return nil
	}
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		p.Add(name, "INVALID_DATE", "%s must be a date such as 2026-03-01", name)
		return nil
	}
	return &t
}
