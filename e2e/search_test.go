package e2e

import (
	"cmp"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// searchFile is what the search oracle knows of a file, read back with GET
// after every change.
type searchFile struct {
	id                   string
	n                    int64
	name, path, ext, typ string
	encoding, md5, url   string
	access, folder       string
	size, width, height  int64
	usable, archived     bool
	created, updated     time.Time
	expires              int64 // epoch ms; 0: none
	raw                  map[string]any
}

func (f *searchFile) visible() bool { return !f.archived && !strings.HasPrefix(f.access, "HIDDEN_") }

func newSearchFile(t *testing.T, m map[string]any) *searchFile {
	t.Helper()
	f := &searchFile{
		id: jstr(m, "id"), name: jstr(m, "name"), path: jstr(m, "path"), ext: jstr(m, "extension"), typ: jstr(m, "type"),
		encoding: jstr(m, "encoding"), md5: jstr(m, "fileMd5"), url: jstr(m, "url"), access: jstr(m, "access"),
		folder: jstr(m, "parentFolderId"), size: int64(jnum(m, "size")), width: max(0, int64(jnum(m, "width"))),
		height: max(0, int64(jnum(m, "height"))), usable: m["isUsableInContent"] == true, archived: m["archived"] == true,
		created: parseWireTime(t, "createdAt", jstr(m, "createdAt")), updated: parseWireTime(t, "updatedAt", jstr(m, "updatedAt")),
		expires: max(0, int64(jnum(m, "expiresAt"))), raw: m,
	}
	f.n = numID(t, f.id)
	return f
}

// TestFileSearch uploads 300 files of every kind and checks every filter
// of GET /files/v3/files/search, sorting, and paging, against what GET
// says of each file. Hidden and archived files must never appear.
func TestFileSearch(t *testing.T) {
	t.Parallel()
	skipShort(t)
	s := startServer(t)
	const n = 300
	words := []string{"apple", "Banana", "CHERRY", "date"}
	accesses := []string{"PUBLIC_INDEXABLE", "PUBLIC_NOT_INDEXABLE", "PRIVATE", "SENSITIVE", "HIDDEN_INDEXABLE",
		"PUBLIC_INDEXABLE", "HIDDEN_PRIVATE", "PRIVATE", "HIDDEN_SENSITIVE", "HIDDEN_NOT_INDEXABLE"}
	expBase := time.Now().Add(24 * time.Hour).Truncate(time.Hour)

	// The corpus, built in the test goroutine.
	type item struct {
		folder, fileName, ctype string
		body                    []byte
		opts                    map[string]any
	}
	items := make([]item, n)
	for i := range n {
		it := item{folder: fmt.Sprintf("/s/f%d", i%5), opts: map[string]any{"access": accesses[(i/3)%10]}}
		base := fmt.Sprintf("%s-%03d", words[i%4], i)
		switch i % 3 {
		case 0:
			it.fileName, it.ctype, it.body = base+".png", "image/png", newPNG(t, 1+i%6, 1+(i/6)%5) // same size, same bytes
		case 1:
			it.fileName, it.ctype, it.body = base+".txt", "text/plain", textBody(fmt.Sprintf("search %d", i), 40+i*3)
		case 2:
			it.fileName, it.ctype = base+".json", "application/json"
			it.body = []byte(fmt.Sprintf(`{"n": %d, "pad": %q}`, i, strings.Repeat("x", i%37)))
		}
		if i%13 == 0 {
			it.opts["expiresAt"] = isoMS(expBase.Add(time.Duration(i) * time.Hour))
		}
		items[i] = it
	}

	// Upload concurrently, then archive some and mark some unusable.
	start := time.Now()
	ids := make([]string, n)
	runPool(n, 16, func(i int) {
		it := items[i]
		body, ct := encodeForm(t, []formPart{filePart(it.fileName, it.ctype, it.body), fieldPart("folderPath", it.folder), optionsPart(it.opts)})
		resp, b := s.doHeader("POST", filesPath, body, s.Token, http.Header{"Content-Type": {ct}})
		if resp.StatusCode != http.StatusCreated {
			t.Errorf("upload %d %s: status = %d, want 201\n%s", i, it.fileName, resp.StatusCode, b)
			return
		}
		ids[i] = jstr(decodeJSON(t, b), "id")
	})
	if t.Failed() {
		t.FailNow()
	}
	runPool(n, 16, func(i int) {
		switch {
		case i%17 == 5:
			resp, b := s.do("DELETE", filesPath+"/"+ids[i], nil, s.Token)
			wantStatus(t, "archive", resp, b, http.StatusNoContent)
		case i%11 == 3:
			resp, b := s.do("PATCH", filesPath+"/"+ids[i], map[string]any{"isUsableInContent": false}, s.Token)
			wantStatus(t, "PATCH isUsableInContent", resp, b, http.StatusOK)
		}
	})
	files := make([]*searchFile, n)
	var mu sync.Mutex
	runPool(n, 16, func(i int) {
		resp, b := s.do("GET", filesPath+"/"+ids[i], nil, s.Token)
		if resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s: status = %d\n%s", ids[i], resp.StatusCode, b)
			return
		}
		f := newSearchFile(t, decodeJSON(t, b))
		mu.Lock()
		files[i] = f
		mu.Unlock()
	})
	if t.Failed() {
		t.FailNow()
	}
	t.Logf("corpus of %d files ready in %s", n, time.Since(start))

	// Sanity of the corpus itself, so that the filters below test something.
	var visible []*searchFile
	for i, f := range files {
		wantExt := strings.TrimPrefix(items[i].fileName[strings.LastIndexByte(items[i].fileName, '.'):], ".")
		if f.ext != wantExt || f.path != items[i].folder+"/"+items[i].fileName {
			t.Errorf("file %d: extension %q, path %q; want %q, %q", i, f.ext, f.path, wantExt, items[i].folder+"/"+items[i].fileName)
		}
		if i%3 == 0 && (f.typ != "IMG" || f.width != int64(1+i%6) || f.height != int64(1+(i/6)%5)) {
			t.Errorf("file %d: type %s, %dx%d; want IMG %dx%d", i, f.typ, f.width, f.height, 1+i%6, 1+(i/6)%5)
		}
		if f.visible() {
			visible = append(visible, f)
		}
	}
	t.Logf("%d of %d files visible to search", len(visible), n)

	idsOf := func(fs []*searchFile) []string {
		out := make([]string, len(fs))
		for i, f := range fs {
			out[i] = f.id
		}
		return out
	}
	where := func(pred func(*searchFile) bool) []string {
		var out []string
		for _, f := range visible {
			if pred(f) {
				out = append(out, f.id)
			}
		}
		return out
	}
	byIndex := func(i int) *searchFile { return files[i] }

	// Thresholds taken from the data itself.
	sortedBy := func(less func(a, b *searchFile) int) []*searchFile {
		c := slices.Clone(visible)
		slices.SortStableFunc(c, func(a, b *searchFile) int {
			if r := less(a, b); r != 0 {
				return r
			}
			return cmp.Compare(a.n, b.n)
		})
		return c
	}
	byCreated := sortedBy(func(a, b *searchFile) int { return a.created.Compare(b.created) })
	tLow, tHigh := byCreated[len(byCreated)/4].created, byCreated[3*len(byCreated)/4].created
	var patchedMin time.Time
	for i, f := range files {
		if i%11 == 3 && i%17 != 5 && (patchedMin.IsZero() || f.updated.Before(patchedMin)) {
			patchedMin = f.updated
		}
	}
	byID := sortedBy(func(a, b *searchFile) int { return 0 })
	idLow, idHigh := byID[len(byID)/3].n, byID[2*len(byID)/3].n
	bySize := sortedBy(func(a, b *searchFile) int { return cmp.Compare(a.size, b.size) })
	sizeLow, sizeHigh := bySize[len(bySize)/5].size, bySize[len(bySize)/2].size
	var dupMD5 string
	md5Count := map[string]int{}
	for _, f := range visible {
		md5Count[f.md5]++
		if md5Count[f.md5] == 2 && dupMD5 == "" {
			dupMD5 = f.md5
		}
	}
	if dupMD5 == "" {
		t.Fatal("the corpus has no visible duplicate content; the fileMd5 filter would test little")
	}
	one := visible[len(visible)/2]
	folderIDs := map[string]string{} // path → id
	for _, f := range files {
		folderIDs[f.path[:strings.LastIndexByte(f.path, '/')]] = f.folder
	}
	hiddenID, archivedID := byIndex(12).id, byIndex(5).id // (12/3)%10 = 4: HIDDEN_INDEXABLE; 5%17 == 5: archived
	if byIndex(12).visible() || byIndex(5).visible() {
		t.Fatalf("files 12 and 5 should be hidden and archived: %v, %v", byIndex(12).raw, byIndex(5).raw)
	}

	cases := []struct {
		query url.Values
		want  []string
	}{
		{url.Values{}, idsOf(visible)},
		{url.Values{"ids": {byIndex(0).id, byIndex(1).id, hiddenID + "," + archivedID + "," + byIndex(2).id}},
			where(func(f *searchFile) bool {
				return f.id == byIndex(0).id || f.id == byIndex(1).id || f.id == byIndex(2).id
			})},
		{url.Values{"idGte": {strconv.FormatInt(idLow, 10)}, "idLte": {strconv.FormatInt(idHigh, 10)}},
			where(func(f *searchFile) bool { return f.n >= idLow && f.n <= idHigh })},
		{url.Values{"idGte": {strconv.FormatInt(idHigh, 10)}}, where(func(f *searchFile) bool { return f.n >= idHigh })},
		{url.Values{"createdAtGte": {isoMS(tLow)}, "createdAtLte": {epochMS(tHigh)}},
			where(func(f *searchFile) bool { return !f.created.Before(tLow) && !f.created.After(tHigh) })},
		{url.Values{"createdAtGte": {epochMS(tHigh)}}, where(func(f *searchFile) bool { return !f.created.Before(tHigh) })},
		{url.Values{"createdAtLte": {isoMS(tLow)}}, where(func(f *searchFile) bool { return !f.created.After(tLow) })},
		{url.Values{"createdAt": {isoMS(one.created)}}, where(func(f *searchFile) bool { return f.created.Equal(one.created) })},
		{url.Values{"createdAt": {epochMS(one.created)}}, where(func(f *searchFile) bool { return f.created.Equal(one.created) })},
		{url.Values{"updatedAtGte": {isoMS(patchedMin)}}, where(func(f *searchFile) bool { return !f.updated.Before(patchedMin) })},
		{url.Values{"updatedAtLte": {epochMS(patchedMin.Add(-time.Millisecond))}},
			where(func(f *searchFile) bool { return f.updated.Before(patchedMin) })},
		{url.Values{"updatedAt": {isoMS(one.updated)}}, where(func(f *searchFile) bool { return f.updated.Equal(one.updated) })},
		{url.Values{"name": {"bAnAnA"}}, where(func(f *searchFile) bool { return strings.Contains(strings.ToLower(f.name), "banana") })},
		{url.Values{"name": {"RY-1"}}, where(func(f *searchFile) bool { return strings.Contains(strings.ToLower(f.name), "ry-1") })},
		{url.Values{"name": {"%_"}}, nil},
		{url.Values{"path": {one.path}}, []string{one.id}},
		{url.Values{"path": {"/s/f2"}}, where(func(f *searchFile) bool { return f.folder == folderIDs["/s/f2"] })},
		{url.Values{"parentFolderIds": {folderIDs["/s/f1"], folderIDs["/s/f3"]}},
			where(func(f *searchFile) bool { return f.folder == folderIDs["/s/f1"] || f.folder == folderIDs["/s/f3"] })},
		{url.Values{"parentFolderIds": {folderIDs["/s/f0"] + "," + folderIDs["/s/f4"]}},
			where(func(f *searchFile) bool { return f.folder == folderIDs["/s/f0"] || f.folder == folderIDs["/s/f4"] })},
		{url.Values{"size": {strconv.FormatInt(one.size, 10)}}, where(func(f *searchFile) bool { return f.size == one.size })},
		{url.Values{"sizeGte": {strconv.FormatInt(sizeLow, 10)}, "sizeLte": {strconv.FormatInt(sizeHigh, 10)}},
			where(func(f *searchFile) bool { return f.size >= sizeLow && f.size <= sizeHigh })},
		{url.Values{"height": {"3"}}, where(func(f *searchFile) bool { return f.height == 3 })},
		{url.Values{"heightGte": {"2"}, "heightLte": {"4"}}, where(func(f *searchFile) bool { return f.height >= 2 && f.height <= 4 })},
		{url.Values{"width": {"6"}}, where(func(f *searchFile) bool { return f.width == 6 })},
		{url.Values{"widthGte": {"4"}}, where(func(f *searchFile) bool { return f.width >= 4 })},
		{url.Values{"widthLte": {"2"}, "type": {"IMG"}}, where(func(f *searchFile) bool { return f.width <= 2 && f.typ == "IMG" })},
		{url.Values{"encoding": {"png"}}, where(func(f *searchFile) bool { return f.encoding == "png" })},
		{url.Values{"type": {"IMG"}}, where(func(f *searchFile) bool { return f.typ == "IMG" })},
		{url.Values{"type": {"DOCUMENT"}}, where(func(f *searchFile) bool { return f.typ == "DOCUMENT" })},
		{url.Values{"extension": {"txt"}}, where(func(f *searchFile) bool { return f.ext == "txt" })},
		{url.Values{"extension": {".json"}}, where(func(f *searchFile) bool { return f.ext == "json" })},
		{url.Values{"url": {one.url}}, []string{one.id}},
		{url.Values{"url": {"https://elsewhere.example/hubfs/1" + one.path}}, nil},
		{url.Values{"isUsableInContent": {"false"}}, where(func(f *searchFile) bool { return !f.usable })},
		{url.Values{"isUsableInContent": {"true"}}, where(func(f *searchFile) bool { return f.usable })},
		{url.Values{"allowsAnonymousAccess": {"true"}}, where(func(f *searchFile) bool { return strings.HasPrefix(f.access, "PUBLIC_") })},
		{url.Values{"allowsAnonymousAccess": {"false"}}, where(func(f *searchFile) bool { return !strings.HasPrefix(f.access, "PUBLIC_") })},
		{url.Values{"fileMd5": {dupMD5}}, where(func(f *searchFile) bool { return f.md5 == dupMD5 })},
		{url.Values{"fileMd5": {strings.ToUpper(one.md5)}}, where(func(f *searchFile) bool { return f.md5 == one.md5 })},
		{url.Values{"expiresAtGte": {isoMS(expBase)}}, where(func(f *searchFile) bool { return f.expires >= expBase.UnixMilli() })},
		{url.Values{"expiresAtGte": {epochMS(expBase.Add(100 * time.Hour))}, "expiresAtLte": {isoMS(expBase.Add(200 * time.Hour))}},
			where(func(f *searchFile) bool {
				return f.expires >= expBase.Add(100*time.Hour).UnixMilli() && f.expires > 0 && f.expires <= expBase.Add(200*time.Hour).UnixMilli()
			})},
		{url.Values{"type": {"IMG"}, "parentFolderIds": {folderIDs["/s/f0"]}, "allowsAnonymousAccess": {"true"}},
			where(func(f *searchFile) bool {
				return f.typ == "IMG" && f.folder == folderIDs["/s/f0"] && strings.HasPrefix(f.access, "PUBLIC_")
			})},
	}
	for _, c := range cases {
		if c.query.Encode() != "" && len(c.want) == len(visible) {
			t.Errorf("filter %s: the oracle selects every file; the case tests nothing", c.query.Encode())
		}
		got := searchAll(t, s, fileSearch, c.query)
		if ok, diff := sameSet(got, c.want); !ok {
			t.Errorf("search %s: %s", c.query.Encode(), diff)
		}
	}

	// Sorting, checked over every visible file, ties broken by id.
	for _, c := range []struct {
		sort string
		want []*searchFile
	}{
		{"name", sortedBy(func(a, b *searchFile) int { return strings.Compare(a.name, b.name) })},
		{"-size", sortedBy(func(a, b *searchFile) int { return cmp.Compare(b.size, a.size) })},
		{"createdAt", byCreated},
		{"-createdAt", sortedBy(func(a, b *searchFile) int { return b.created.Compare(a.created) })},
		{"path", sortedBy(func(a, b *searchFile) int { return strings.Compare(a.path, b.path) })},
		{"-id", sortedBy(func(a, b *searchFile) int { return cmp.Compare(b.n, a.n) })},
		{"extension&sort=-size", sortedBy(func(a, b *searchFile) int {
			return cmp.Or(strings.Compare(a.ext, b.ext), cmp.Compare(b.size, a.size))
		})},
		{"type,name", sortedBy(func(a, b *searchFile) int {
			return cmp.Or(strings.Compare(a.typ, b.typ), strings.Compare(a.name, b.name))
		})},
	} {
		got := searchAll(t, s, fileSearch, url.Values{"sort": strings.Split(c.sort, "&sort=")})
		if want := idsOf(c.want); !slices.Equal(got, want) {
			t.Errorf("search sort=%s: order differs from the files' %s order (first difference at %d)\n got %v\nwant %v",
				c.sort, c.sort, firstDiff(got, want), firstN(got, 12), firstN(want, 12))
		}
	}

	// Paging with limit=7 visits every visible file exactly once, following
	// after and, every other page, the link.
	q := url.Values{"limit": {"7"}}
	var paged []string
	next := fileSearch + "?" + q.Encode()
	pages := 0
	for next != "" && pages < 100 {
		pages++
		resp, b := s.do("GET", next, nil, s.Token)
		if !wantStatus(t, "page "+strconv.Itoa(pages), resp, b, http.StatusOK) {
			break
		}
		m := decodeJSON(t, b)
		ids := resultIDs(m)
		if len(ids) > 7 || (len(ids) < 7 && jget(m, "paging", "next") != nil) {
			t.Errorf("page %d: %d results with paging %v; want 7 on every page but the last", pages, len(ids), m["paging"])
		}
		paged = append(paged, ids...)
		after, link := jstr(m, "paging", "next", "after"), jstr(m, "paging", "next", "link")
		switch {
		case after == "":
			next = ""
		case pages%2 == 0:
			if !strings.HasPrefix(link, s.BaseURL+fileSearch+"?") || !strings.Contains(link, "limit=7") {
				t.Errorf("page %d: paging.next.link = %q, want an absolute link to the next page with limit=7", pages, link)
			}
			next = link
		default:
			q.Set("after", after)
			next = fileSearch + "?" + q.Encode()
		}
	}
	if ok, diff := sameSet(paged, idsOf(visible)); !ok {
		t.Errorf("paging with limit=7: %s", diff)
	}
	if want := (len(visible) + 6) / 7; pages != want {
		t.Errorf("paging with limit=7: %d pages, want %d", pages, want)
	}

	// The default limit is 10, and properties selects fields.
	m := searchPage(t, s, fileSearch, url.Values{"sort": {"id"}, "properties": {"name"}})
	if ids := resultIDs(m); len(ids) != 10 || jstr(m, "paging", "next", "after") == "" {
		t.Errorf("search without a limit: %d results, paging %v; want 10 and a next page", len(ids), m["paging"])
	}
	if r, _ := jget(m, "results", 0).(map[string]any); !slices.Equal(objKeys(r), []string{"access", "archived", "createdAt", "id", "name", "updatedAt"}) {
		t.Errorf("search properties=name: result keys = %q, want name and the required ones", objKeys(r))
	}
	m = searchPage(t, s, fileSearch, url.Values{"after": {"10000"}})
	if ids := resultIDs(m); len(ids) != 0 {
		t.Errorf("search after=10000: %d results, want none", len(ids))
	}

	// Bad parameters are refused and named.
	for _, c := range []struct{ query, in string }{
		{"limit=0", "limit"},
		{"limit=101", "limit"},
		{"limit=ten", "limit"},
		{"after=10001", "after"},
		{"after=-1", "after"},
		{"after=not-a-cursor", "after"},
		{"sort=color", "sort"},
		{"sort=-color", "sort"},
		{"ids=abc", "ids"},
		{"ids=0", "ids"},
		{"idGte=x", "idGte"},
		{"createdAtGte=yesterday", "createdAtGte"},
		{"updatedAt=2024-13-45", "updatedAt"},
		{"sizeLte=big", "sizeLte"},
		{"isUsableInContent=maybe", "isUsableInContent"},
		{"allowsAnonymousAccess=2", "allowsAnonymousAccess"},
	} {
		resp, b := s.do("GET", fileSearch+"?"+c.query, nil, s.Token)
		checkInvalid(t, "search "+c.query, resp, b, c.in)
	}
	resp, b := s.do("GET", fileSearch, nil, "")
	wantError(t, "search without a token", resp, b, http.StatusUnauthorized, "INVALID_AUTHENTICATION")
	resp, b = s.do("GET", fileSearch+"?limit=3", nil, s.createToken(1, "files.read"))
	wantStatus(t, "search with files.read", resp, b, http.StatusOK)
}
