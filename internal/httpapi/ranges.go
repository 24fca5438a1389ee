package httpapi

import (
	"cmp"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Bounds on the Range header of a served file. Unauthenticated clients
// can send it, so it must never make an answer larger than the file by
// much: ranges that overlap or lie within rangeGap bytes of each other
// are merged, and a request that still has more than maxRanges ranges is
// served the whole file.
const (
	maxRanges = 16
	rangeGap  = 1024
)

// serveBytes serves content like http.ServeContent, after bounding the
// request's Range header against size.
func serveBytes(w http.ResponseWriter, r *http.Request, name string, modified time.Time, content io.ReadSeeker, size int64) {
	if h := r.Header.Get("Range"); h != "" {
		if bounded, ok := boundRanges(h, size); ok {
			r.Header.Set("Range", bounded)
		}
	}
	http.ServeContent(w, r, name, modified, content)
}

// byteRange is an inclusive range of byte offsets.
type byteRange struct{ first, last int64 }

// boundRanges merges and counts the ranges of a Range header. It returns
// the header to use instead ("" for the whole file) and true, or false
// when the header is not one it understands (net/http then answers 416 or
// ignores it, as the standard says).
func boundRanges(h string, size int64) (string, bool) {
	spec, ok := strings.CutPrefix(h, "bytes=")
	if !ok || size <= 0 {
		return "", false
	}
	var rs []byteRange
	for part := range strings.SplitSeq(spec, ",") {
		br, ok := parseRange(strings.TrimSpace(part), size)
		if !ok {
			return "", false
		}
		if br.first < size { // unsatisfiable parts are dropped, as net/http drops them
			rs = append(rs, br)
		}
	}
	if len(rs) == 0 {
		return "", false // let net/http answer 416
	}
	slices.SortFunc(rs, func(a, b byteRange) int { return cmp.Compare(a.first, b.first) })
	merged := rs[:1]
	for _, br := range rs[1:] {
		last := &merged[len(merged)-1]
		if br.first <= last.last+rangeGap {
			last.last = max(last.last, br.last)
			continue
		}
		merged = append(merged, br)
	}
	if len(merged) > maxRanges {
		return "", true
	}
	parts := make([]string, len(merged))
	for i, br := range merged {
		parts[i] = strconv.FormatInt(br.first, 10) + "-" + strconv.FormatInt(br.last, 10)
	}
	return "bytes=" + strings.Join(parts, ","), true
}

// parseRange reads one "first-last", "first-" or "-suffix" range and
// resolves it against size.
func parseRange(s string, size int64) (byteRange, bool) {
	a, b, ok := strings.Cut(s, "-")
	if !ok {
		return byteRange{}, false
	}
	a, b = strings.TrimSpace(a), strings.TrimSpace(b)
	if a == "" {
		n, err := strconv.ParseInt(b, 10, 64)
		if err != nil || n <= 0 {
			return byteRange{}, false
		}
		return byteRange{max(0, size-n), size - 1}, true
	}
	first, err := strconv.ParseInt(a, 10, 64)
	if err != nil || first < 0 {
		return byteRange{}, false
	}
	last := size - 1
	if b != "" {
		if last, err = strconv.ParseInt(b, 10, 64); err != nil || last < first {
			return byteRange{}, false
		}
		last = min(last, size-1)
	}
	return byteRange{first, last}, true
}
