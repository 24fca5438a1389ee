package e2e

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
)

// vBeta is HubSpot's 2026-09 beta. Its spec has the operations of 2026-03
// and the download of v3, less the asynchronous folder update and its
// status, and documents before as a backward paging cursor.
const vBeta = "/files/2026-09-beta"

// TestBetaVersion runs the beta's differences through the real binary:
// search pages forward with paging.next and back with paging.prev and the
// before cursor, for files and folders; v3 and 2026-03 go on ignoring
// before; download is there; the dropped operations answer as unknown
// routes; links stay under the beta; and the emulator's faults and
// journal know the beta's operations by the names of the other versions.
// Every response is validated against HubSpot's 2026-09-beta document by
// the harness (openapi_test.go).
func TestBetaVersion(t *testing.T) {
	t.Parallel()
	if apiSpecs[vBeta] == nil {
		t.Log("the 2026-09-beta OpenAPI document is not loaded: the flow runs without response validation")
	}
	s := startEmulator(t)

	// Five files, uploaded under the beta: Location stays in it.
	var ids []string
	for i := range 5 {
		resp, b := sendForm(t, s, "POST", vBeta+"/files", s.Token,
			filePart(fmt.Sprintf("b%d.txt", i), "text/plain", []byte(fmt.Sprintf("beta file %d\n", i))),
			fieldPart("folderPath", "/beta"), optionsPart(map[string]any{"access": "PRIVATE"}))
		ids = append(ids, createdUnderBeta(t, s, "files", resp, b))
	}

	files := vBeta + "/files/search?" + url.Values{"path": {"/beta"}, "limit": {"2"}, "sort": {"name"}}.Encode()
	pages := walkPages(t, s, files, "next")
	if got := pageIDs(pages); !samePages(got, [][]string{ids[0:2], ids[2:4], ids[4:5]}) {
		t.Fatalf("files forward by paging.next.link = %v, want %v in pages of 2", got, ids)
	}
	for i, p := range pages {
		before := jstr(p, "paging", "prev", "before")
		if want := map[int]string{1: "2", 2: "4"}[i]; before != want {
			t.Errorf("files page %d: paging.prev.before = %q, want %q", i, before, want)
		}
	}
	// Back from the last page by paging.prev.link: the same pages, in
	// reverse, the first without paging.prev.
	back := walkPages(t, s, jstr(pages[2], "paging", "prev", "link"), "prev")
	if got := pageIDs(back); !samePages(got, [][]string{ids[2:4], ids[0:2]}) {
		t.Errorf("files backward by paging.prev.link = %v, want [%v %v]", got, ids[2:4], ids[0:2])
	}
	if next := jstr(back[0], "paging", "next", "after"); next != "4" {
		t.Errorf("the page before 4: paging.next.after = %q, want 4", next)
	}

	// A before closer to the start than limit gives the shorter first page.
	m := searchPage(t, s, vBeta+"/files/search", url.Values{"path": {"/beta"}, "limit": {"2"}, "sort": {"name"}, "before": {"1"}})
	if got := resultIDs(m); !slices.Equal(got, ids[:1]) || jget(m, "paging", "prev") != nil || jstr(m, "paging", "next", "after") != "1" {
		t.Errorf("before=1, limit=2: results %v, paging %v; want [%s], no prev, next.after 1", got, m["paging"], ids[0])
	}
	for _, q := range []string{"before=2&after=2", "before=0", "before=abc", "before=10001"} {
		resp, b := s.do("GET", vBeta+"/files/search?"+q, nil, s.Token)
		wantError(t, "beta search "+q, resp, b, http.StatusBadRequest, "VALIDATION_ERROR")
	}

	// v3 and 2026-03 keep paging forward only: before is ignored and no
	// page has paging.prev.
	for _, base := range []string{"/files/v3", v2603} {
		m := searchPage(t, s, base+"/files/search", url.Values{"path": {"/beta"}, "limit": {"2"}, "sort": {"name"}, "after": {"2"}})
		if got := resultIDs(m); !slices.Equal(got, ids[2:4]) || jget(m, "paging", "prev") != nil {
			t.Errorf("%s search after=2: results %v, paging %v; want %v and no prev", base, got, m["paging"], ids[2:4])
		}
		m = searchPage(t, s, base+"/files/search", url.Values{"path": {"/beta"}, "limit": {"2"}, "sort": {"name"}, "before": {"4"}})
		if got := resultIDs(m); !slices.Equal(got, ids[0:2]) {
			t.Errorf("%s search before=4: results %v, want the first page %v (before ignored)", base, got, ids[0:2])
		}
	}

	// Folder search pages both ways too.
	var folders []string
	for i := range 3 {
		resp, b := s.do("POST", vBeta+"/folders", map[string]any{"name": fmt.Sprintf("betadir-%d", i), "parentPath": "/beta"}, s.Token)
		folders = append(folders, createdUnderBeta(t, s, "folders", resp, b))
	}
	fpages := walkPages(t, s, vBeta+"/folders/search?"+url.Values{"name": {"betadir"}, "limit": {"2"}, "sort": {"name"}}.Encode(), "next")
	if got := pageIDs(fpages); !samePages(got, [][]string{folders[0:2], folders[2:3]}) {
		t.Fatalf("folders forward = %v, want %v in pages of 2", got, folders)
	}
	fback := walkPages(t, s, jstr(fpages[1], "paging", "prev", "link"), "prev")
	if got := pageIDs(fback); !samePages(got, [][]string{folders[0:2]}) {
		t.Errorf("folders backward = %v, want [%v]", got, folders[0:2])
	}

	// Download is in the beta (HubSpot's 2026-03 lacks it).
	resp, b := s.do("GET", vBeta+"/files/"+ids[0]+"/download", nil, s.Token)
	if resp.StatusCode != http.StatusOK || !bytes.Equal(b, []byte("beta file 0\n")) {
		t.Errorf("GET %s/files/%s/download: status %d, body %q", vBeta, ids[0], resp.StatusCode, b)
	}

	// The dropped operations answer exactly as a route that does not
	// exist, even with a valid request; under v3 the same request works.
	update := map[string]any{"id": folders[0], "name": "renamed"}
	for _, rq := range []struct {
		method, path string
		body         any
	}{
		{"POST", vBeta + "/folders/update/async", update},
		{"GET", vBeta + "/folders/update/async/tasks/AAAAEZ6whGI/status", nil},
	} {
		resp, b := s.do(rq.method, rq.path, rq.body, s.Token)
		m := wantError(t, rq.method+" "+rq.path, resp, b, http.StatusNotFound, "OBJECT_NOT_FOUND")
		if msg := jstr(m, "message"); !strings.HasPrefix(msg, "No route for "+rq.method) {
			t.Errorf("%s %s: message %q, want the unknown-route answer", rq.method, rq.path, msg)
		}
		resp, b = s.do(rq.method, rq.path, rq.body, "")
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s %s without a token: status %d, want 404 as for any unknown route\n%s", rq.method, rq.path, resp.StatusCode, b)
		}
	}
	resp, b = s.do("POST", "/files/v3/folders/update/async", update, s.Token)
	if resp.StatusCode != http.StatusAccepted {
		t.Errorf("the same folder update under /files/v3: status %d, want 202\n%s", resp.StatusCode, b)
	}

	// The emulator names the beta's operations as the other versions do.
	control(t, s, "POST", "/_ferry/faults", map[string]any{"operation": "doSearch", "times": 1, "action": map[string]any{"status": 503}}, http.StatusCreated)
	resp, b = s.do("GET", files, nil, s.Token)
	wantError(t, "beta search with a doSearch fault", resp, b, http.StatusServiceUnavailable, "SERVICE_UNAVAILABLE")
	got := control(t, s, "GET", "/_ferry/requests?operation=doSearch&limit=1", nil, http.StatusOK)["results"].([]any)
	if len(got) != 1 || jstr(got[0], "path") != vBeta+"/files/search" || jnum(got[0], "status") != 503 {
		t.Errorf("journal of the faulted beta search = %v, want its path under %s and status 503", got, vBeta)
	}
}

// createdUnderBeta checks a 201 from a create under the beta, and that
// its Location stays in the beta; it returns the new object's id.
func createdUnderBeta(t *testing.T, s *server, kind string, resp *http.Response, b []byte) string {
	t.Helper()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("create %s under %s: status %d\n%s", kind, vBeta, resp.StatusCode, b)
	}
	id := jstr(decodeJSON(t, b), "id")
	if got, want := resp.Header.Get("Location"), s.BaseURL+vBeta+"/"+kind+"/"+id; got != want {
		t.Errorf("create %s: Location = %q, want %q", kind, got, want)
	}
	return id
}

// walkPages fetches a search page and follows paging.<dir>.link until a
// page has none, returning the pages; every link must stay under the
// version the walk started in.
func walkPages(t *testing.T, s *server, start, dir string) []map[string]any {
	t.Helper()
	var pages []map[string]any
	link := start
	for range 20 {
		resp, b := s.do("GET", link, nil, s.Token)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: status %d\n%s", link, resp.StatusCode, b)
		}
		m := decodeJSON(t, b)
		pages = append(pages, m)
		next := jstr(m, "paging", dir, "link")
		if next == "" {
			return pages
		}
		if !strings.HasPrefix(next, s.BaseURL+vBeta+"/") {
			t.Fatalf("paging.%s.link = %q, want it under %s", dir, next, s.BaseURL+vBeta)
		}
		link = next
	}
	t.Fatalf("more than 20 pages from %s", start)
	return nil
}

// pageIDs lists each page's result ids.
func pageIDs(pages []map[string]any) [][]string {
	out := make([][]string, len(pages))
	for i, p := range pages {
		out[i] = resultIDs(p)
	}
	return out
}

// samePages reports whether two lists of pages hold the same ids in the
// same order.
func samePages(a, b [][]string) bool { return slices.EqualFunc(a, b, slices.Equal[[]string]) }
