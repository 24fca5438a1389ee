package httpapi

import (
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"ferry/internal/ferry"
)

// query reads URL query parameters, collecting every problem so that a
// request reports them all at once.
type query struct {
	v        url.Values
	problems ferry.Problems
}

func newQuery(v url.Values) *query { return &query{v: v} }

// list returns a repeated parameter's values, also splitting comma lists.
func (q *query) list(name string) []string {
	var out []string
	for _, v := range q.v[name] {
		for _, s := range strings.Split(v, ",") {
			if s = strings.TrimSpace(s); s != "" {
				out = append(out, s)
			}
		}
	}
	return out
}

// str returns a parameter's value, in NFC so that a name or path finds
// what was stored under the same rule (ferry.NormalizeName). A NUL byte,
// which no name, path or value in Ferry can hold and PostgreSQL cannot
// store, is a problem.
func (q *query) str(name string) string {
	s := strings.TrimSpace(q.v.Get(name))
	if strings.ContainsRune(s, 0) || !utf8.ValidString(s) {
		q.problems.Add(name, "INVALID_CHARACTER", "%s must be valid UTF-8 without NUL bytes", name)
		return ""
	}
	return ferry.NormalizeName(s)
}

func (q *query) int64p(name string) *int64 {
	s := q.str(name)
	if s == "" {
		return nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		q.problems.Add(name, "INVALID_INTEGER", "%s must be an integer, got %q", name, s)
		return nil
	}
	// Every integer parameter is checked against its real range here,
	// before any handler does arithmetic with it.
	if err := ferry.CheckNumber(name, n); err != nil {
		q.problems = append(q.problems, err.(*ferry.Error).Details...)
		return nil
	}
	return &n
}

func (q *query) intp(name string) *int {
	n := q.int64p(name)
	if n == nil {
		return nil
	}
	v := int(*n)
	return &v
}

func (q *query) boolp(name string) *bool {
	s := q.str(name)
	if s == "" {
		return nil
	}
	b, err := strconv.ParseBool(s)
	if err != nil {
		q.problems.Add(name, "INVALID_BOOLEAN", "%s must be true or false, got %q", name, s)
		return nil
	}
	return &b
}

func (q *query) timep(name string) *time.Time {
	s := q.str(name)
	if s == "" {
		return nil
	}
	t, err := ferry.ParseTime(s)
	if err != nil {
		q.problems.AddTime(name, s, err)
		return nil
	}
	return &t
}

func (q *query) int64Range(name string) ferry.Range[int64] {
	return ferry.Range[int64]{Eq: q.int64p(name), Gte: q.int64p(name + "Gte"), Lte: q.int64p(name + "Lte")}
}

func (q *query) intRange(name string) ferry.Range[int] {
	return ferry.Range[int]{Eq: q.intp(name), Gte: q.intp(name + "Gte"), Lte: q.intp(name + "Lte")}
}

func (q *query) timeRange(name string) ferry.Range[time.Time] {
	return ferry.Range[time.Time]{Eq: q.timep(name), Gte: q.timep(name + "Gte"), Lte: q.timep(name + "Lte")}
}

// maxIDs bounds an id list, so that a query stays within what every
// database accepts as parameters.
const maxIDs = 1000

func (q *query) ids(name string) []int64 {
	var out []int64
	list := q.list(name)
	if len(list) > maxIDs {
		q.problems.Add(name, "OUT_OF_RANGE", "%s may list at most %d ids, got %d", name, maxIDs, len(list))
		return nil
	}
	for _, s := range list {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n <= 0 {
			q.problems.Add(name, "INVALID_ID", "%s must hold positive integers, got %q", name, s)
			continue
		}
		out = append(out, n)
	}
	return out
}

// page reads limit and after: after is the opaque cursor Ferry hands out
// in paging.next.after, an offset into the sorted results. With backward
// (the 2026-09 beta), before is the cursor of paging.prev.before, the
// offset just past the page wanted: the page is the limit results before
// it, fewer at the start. v3 and 2026-03 ignore before.
func (q *query) page(backward bool) ferry.Page {
	p := ferry.Page{Limit: ferry.SearchLimitDefault}
	if n := q.intp("limit"); n != nil {
		p.Limit = *n
	}
	after, hasAfter := q.offset("after", 0)
	p.Offset = after
	if !backward {
		return p
	}
	if n, ok := q.offset("before", 1); ok {
		if hasAfter {
			q.problems.Add("before", "INVALID_CURSOR", "before and after cannot be used together")
			return p
		}
		p.Offset = max(0, n-p.Limit)
		p.Limit = min(p.Limit, n)
	}
	return p
}

// limit reads the limit parameter of Ferry's own lists, whose ranges
// differ from the Files API's search limit: def when absent, else 1 to max.
func (q *query) limit(def, max int) int {
	s := q.str("limit")
	if s == "" {
		return def
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > max {
		q.problems.Add("limit", "OUT_OF_RANGE", "limit must be an integer between 1 and %d, got %q", max, s)
		return def
	}
	return n
}

// cursor reads the after parameter of Ferry's own lists: a position that
// an earlier page handed out, 0 when absent.
func (q *query) cursor() int64 {
	s := q.str("after")
	if s == "" {
		return 0
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 || n > ferry.MaxSafeInteger {
		q.problems.Add("after", "INVALID_CURSOR", "after must be a cursor from an earlier response, got %q", s)
		return 0
	}
	return n
}

// offset reads a search paging cursor: a decimal offset from least up to
// ferry.SearchOffsetMax.
func (q *query) offset(name string, least int) (int, bool) {
	s := q.str(name)
	if s == "" {
		return 0, false
	}
	n, err := strconv.Atoi(s)
	switch {
	case err != nil || n < least:
		q.problems.Add(name, "INVALID_CURSOR", "%s %q is not a cursor this server handed out", name, s)
	case n > ferry.SearchOffsetMax:
		q.problems.Add(name, "OUT_OF_RANGE", "search can page through at most %d results", ferry.SearchOffsetMax)
	default:
		return n, true
	}
	return 0, false
}

// sort reads sort keys such as "-createdAt", checked against fields.
func (q *query) sort(fields []string) []ferry.SortKey {
	var out []ferry.SortKey
	for _, s := range q.list("sort") {
		k := ferry.SortKey{Field: strings.TrimPrefix(s, "-"), Desc: strings.HasPrefix(s, "-")}
		if !contains(fields, k.Field) {
			q.problems.Add("sort", "INVALID_SORT", "cannot sort by %q; use one of %s", k.Field, strings.Join(fields, ", "))
			continue
		}
		out = append(out, k)
	}
	return out
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func (q *query) err() error { return q.problems.Err() }

func toIDs[T ~int64](in []int64) []T {
	out := make([]T, len(in))
	for i, v := range in {
		out[i] = T(v)
	}
	return out
}

func castRange[T ~int64](r ferry.Range[int64]) ferry.Range[T] {
	conv := func(p *int64) *T {
		if p == nil {
			return nil
		}
		v := T(*p)
		return &v
	}
	return ferry.Range[T]{Eq: conv(r.Eq), Gte: conv(r.Gte), Lte: conv(r.Lte)}
}
