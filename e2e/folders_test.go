package e2e

import (
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// folderTaskPath is the status path of a folder-update task.
func folderTaskPath(id string) string {
	return folderAsync + "/tasks/" + url.PathEscape(id) + "/status"
}

// startFolderUpdate posts a FolderUpdateInputWithId and wants 202 with a
// task locator; it returns the task id.
func startFolderUpdate(t *testing.T, s *server, body any) string {
	t.Helper()
	resp, b := s.do("POST", folderAsync, body, s.Token)
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("POST %s %v: status = %d, want 202\n%s", folderAsync, body, resp.StatusCode, b)
	}
	m := decodeJSON(t, b)
	id := jstr(m, "id")
	if id == "" {
		t.Fatalf("POST %s: no task id\n%s", folderAsync, b)
	}
	if got, want := jstr(m, "links", "status"), s.BaseURL+folderTaskPath(id); got != want {
		t.Errorf("POST %s: links.status = %q, want %q", folderAsync, got, want)
	}
	return id
}

// waitFolderTask polls a folder-update task until it is COMPLETE or
// CANCELED and returns the FolderActionResponse.
func waitFolderTask(t *testing.T, s *server, id string, token string) map[string]any {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, b := s.do("GET", folderTaskPath(id), nil, token)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET folder task %s: status = %d, want 200\n%s", id, resp.StatusCode, b)
		}
		m := decodeJSON(t, b)
		switch st := jstr(m, "status"); st {
		case "COMPLETE", "CANCELED":
			return m
		case "PENDING", "PROCESSING":
		default:
			t.Fatalf("folder task %s: status = %q, not one of HubSpot's four\n%s", id, st, b)
		}
		if time.Now().After(deadline) {
			t.Fatalf("folder task %s not done after 20 s\n%s", id, b)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// treeState is every live folder's path and every visible file's path and
// URL, keyed by id.
func treeState(t *testing.T, s *server) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, id := range searchAll(t, s, folderSrch, nil) {
		out["folder "+id] = jstr(getFolder(t, s, id), "path")
	}
	for _, id := range searchAll(t, s, fileSearch, nil) {
		f := getFile(t, s, id)
		out["file "+id] = jstr(f, "path") + " " + jstr(f, "url") + " folder " + jstr(f, "parentFolderId")
	}
	return out
}

// checkTreeUnchanged compares the tree with a snapshot.
func checkTreeUnchanged(t *testing.T, s *server, what string, before map[string]string) {
	t.Helper()
	after := treeState(t, s)
	if maps.Equal(before, after) {
		return
	}
	for k, v := range before {
		if after[k] != v {
			t.Errorf("after %s: %s was %q, now %q", what, k, v, after[k])
		}
	}
	for k, v := range after {
		if _, ok := before[k]; !ok {
			t.Errorf("after %s: %s appeared: %q", what, k, v)
		}
	}
}

// TestFolderTree builds a tree three levels deep with files in it, renames
// and moves folders synchronously and through the asynchronous endpoint,
// checks every path and hosting URL, checks that refusals leave the tree
// untouched, and archives subtrees by path.
func TestFolderTree(t *testing.T) {
	t.Parallel()
	skipShort(t)
	s := startServer(t)

	// The tree, with every form of parent reference.
	top := createFolder(t, s, map[string]any{"name": "top"})
	checkFileFields(t, "root folder", top, map[string]any{"name": "top", "path": "/top", "archived": false})
	if v, ok := top["parentFolderId"]; ok && v != nil && v != "0" {
		t.Errorf("root folder: parentFolderId = %#v, want none", v)
	}
	mid := createFolder(t, s, map[string]any{"name": "mid", "parentPath": "/top"})
	checkFileFields(t, "parentPath", mid, map[string]any{"path": "/top/mid", "parentFolderId": jstr(top, "id")})
	midID := numID(t, jstr(mid, "id"))
	leaf := createFolder(t, s, fmt.Sprintf(`{"name":"leaf","parentFolderId":%d}`, midID)) // a JSON number, as the SDK sends it
	checkFileFields(t, "numeric parentFolderId", leaf, map[string]any{"path": "/top/mid/leaf", "parentFolderId": jstr(mid, "id")})
	leaf2 := createFolder(t, s, map[string]any{"name": "leaf2", "parentFolderId": jstr(mid, "id")})
	checkFileFields(t, "string parentFolderId", leaf2, map[string]any{"path": "/top/mid/leaf2", "parentFolderId": jstr(mid, "id")})
	side := createFolder(t, s, map[string]any{"name": "side", "parentFolderPath": "/top"})
	checkFileFields(t, "parentFolderPath", side, map[string]any{"path": "/top/side", "parentFolderId": jstr(top, "id")})
	dest := createFolder(t, s, map[string]any{"name": "dest"})
	for _, k := range []string{"createdAt", "updatedAt"} {
		if !wireTimeRE.MatchString(jstr(top, k)) {
			t.Errorf("Folder.%s = %#v, want an ISO-8601 UTC time with milliseconds", k, top[k])
		}
	}

	type tf struct {
		folder, name string
		content      []byte
		f            map[string]any
	}
	tfiles := []*tf{
		{folder: "/top", name: "a.txt"},
		{folder: "/top/mid", name: "b.txt"},
		{folder: "/top/mid/leaf", name: "c.txt"},
		{folder: "/top/mid/leaf2", name: "d.txt"},
		{folder: "/top/side", name: "e.txt"},
	}
	for _, x := range tfiles {
		x.content = textBody("tree "+x.folder+"/"+x.name, 150)
		x.f = uploadFile(t, s, x.folder, x.name, x.content, accessOpts("PUBLIC_INDEXABLE"))
	}
	// Uploading into the tree by path did not create twins of its folders.
	if got := searchAll(t, s, folderSrch, url.Values{"name": {"mid"}}); !slices.Equal(got, []string{jstr(mid, "id")}) {
		t.Errorf("folders named mid: %v, want only %s", got, jstr(mid, "id"))
	}
	checkFile := func(what string, x *tf, wantPath string) {
		t.Helper()
		f := getFile(t, s, jstr(x.f, "id"))
		if got := jstr(f, "path"); got != wantPath {
			t.Errorf("%s: %s path = %q, want %q", what, x.name, got, wantPath)
		}
		if got, want := jstr(f, "url"), s.BaseURL+"/hubfs/1"+wantPath; got != want {
			t.Errorf("%s: %s url = %q, want %q", what, x.name, got, want)
		}
		if got := jstr(f, "parentFolderId"); got != jstr(x.f, "parentFolderId") {
			t.Errorf("%s: %s parentFolderId = %q, want %q (unchanged)", what, x.name, got, jstr(x.f, "parentFolderId"))
		}
		checkServed(t, s, what+" "+x.name, s.BaseURL+"/hubfs/1"+wantPath, x.content)
	}
	checkFolder := func(what string, f map[string]any, wantPath, wantParent string) {
		t.Helper()
		g := getFolder(t, s, jstr(f, "id"))
		if got := jstr(g, "path"); got != wantPath {
			t.Errorf("%s: folder %s path = %q, want %q", what, jstr(f, "id"), got, wantPath)
		}
		if got := jstr(g, "parentFolderId"); got != wantParent {
			t.Errorf("%s: folder %s parentFolderId = %q, want %q", what, jstr(f, "id"), got, wantParent)
		}
		if got := jstr(g, "name"); got != wantPath[strings.LastIndexByte(wantPath, '/')+1:] {
			t.Errorf("%s: folder %s name = %q, want the last segment of %q", what, jstr(f, "id"), got, wantPath)
		}
	}

	// A duplicate name in the same parent: 409, and no second folder.
	for _, body := range []map[string]any{
		{"name": "mid", "parentPath": "/top"},
		{"name": "mid", "parentFolderId": jstr(top, "id")},
		{"name": "top"},
	} {
		resp, b := s.do("POST", foldersPath, body, s.Token)
		wantError(t, fmt.Sprintf("POST duplicate folder %v", body), resp, b, http.StatusConflict, "CONFLICT")
	}
	if got := searchAll(t, s, folderSrch, url.Values{"name": {"mid"}}); len(got) != 1 {
		t.Errorf("after duplicate POSTs, folders named mid: %v, want one", got)
	}
	if got := searchAll(t, s, folderSrch, url.Values{"path": {"/top"}}); len(got) != 1 {
		t.Errorf("after duplicate POSTs, folders at /top: %v, want one", got)
	}
	// Concurrent creations of one name: exactly one folder.
	const racers = 8
	codes := make([]int, racers)
	runPool(racers, racers, func(i int) {
		resp, _ := s.do("POST", foldersPath, map[string]any{"name": "race", "parentPath": "/top"}, s.Token)
		codes[i] = resp.StatusCode
	})
	slices.Sort(codes)
	if want := append([]int{http.StatusCreated}, slices.Repeat([]int{http.StatusConflict}, racers-1)...); !slices.Equal(codes, want) {
		t.Errorf("%d concurrent POSTs of /top/race: statuses %v, want one 201 and the rest 409", racers, codes)
	}
	if got := searchAll(t, s, folderSrch, url.Values{"path": {"/top/race"}}); len(got) != 1 {
		t.Errorf("after concurrent POSTs, folders at /top/race: %v, want one", got)
	} else {
		resp, b := s.do("DELETE", foldersPath+"/"+got[0], nil, s.Token)
		wantStatus(t, "DELETE /top/race", resp, b, http.StatusNoContent)
	}

	// Other bad FolderInputs.
	for _, c := range []struct {
		body any
		in   string
	}{
		{map[string]any{"parentPath": "/top"}, "name"},
		{map[string]any{"name": "a/b"}, "name"},
		{map[string]any{"name": ""}, "name"},
		{map[string]any{"name": "x", "parentPath": "/top", "parentFolderId": jstr(top, "id")}, "parentFolderId"},
		{map[string]any{"name": "x", "parentPath": "/no/such"}, "parentPath"},
		{map[string]any{"name": "x", "parentFolderId": "987654321"}, "parentFolderId"},
		{`{"name": "x", "parentFolderId": "abc"}`, "parentFolderId"},
		{`{"name": 5}`, "name"},
		{`[1]`, ""},
	} {
		resp, b := s.do("POST", foldersPath, c.body, s.Token)
		checkInvalid(t, fmt.Sprintf("POST folder %v", c.body), resp, b, c.in)
	}

	// GET by id, by raw path and by encoded path: the same Folder.
	byID := getFolder(t, s, jstr(mid, "id"))
	if !jsonEqual(byID, mid) {
		t.Errorf("GET folder by id =\n%v\nwant the created\n%v", byID, mid)
	}
	for _, ref := range []string{"top/mid", "%2Ftop%2Fmid", "top/mid/", "%2Ftop%2Fmid%2F"} {
		resp, b := s.do("GET", foldersPath+"/"+ref, nil, s.Token)
		if wantStatus(t, "GET folder "+ref, resp, b, http.StatusOK) && !jsonEqual(decodeJSON(t, b), byID) {
			t.Errorf("GET folder %s = %s, want %v", ref, b, byID)
		}
	}
	resp, b := s.do("GET", foldersPath+"/"+jstr(mid, "id")+"?properties=path", nil, s.Token)
	if wantStatus(t, "GET folder ?properties=path", resp, b, http.StatusOK) {
		if got := objKeys(decodeJSON(t, b)); !slices.Equal(got, []string{"archived", "createdAt", "id", "path", "updatedAt"}) {
			t.Errorf("GET folder ?properties=path: keys %q, want path and the required ones", got)
		}
	}
	for _, ref := range []string{"987654321", "%2Fnope", "top/nope"} {
		resp, b := s.do("GET", foldersPath+"/"+ref, nil, s.Token)
		wantError(t, "GET folder "+ref, resp, b, http.StatusNotFound, "OBJECT_NOT_FOUND")
	}

	// PATCH: rename, then move; the file below follows, its old URL is gone.
	resp, b = s.do("PATCH", foldersPath+"/"+jstr(side, "id"), map[string]any{"name": "side2"}, s.Token)
	if wantStatus(t, "PATCH folder rename", resp, b, http.StatusOK) {
		checkFileFields(t, "PATCH folder rename", decodeJSON(t, b), map[string]any{"name": "side2", "path": "/top/side2", "id": jstr(side, "id")})
	}
	checkFile("after PATCH rename", tfiles[4], "/top/side2/e.txt")
	checkNotServed(t, s, "old URL after PATCH rename", s.BaseURL+"/hubfs/1/top/side/e.txt")
	resp, b = s.do("PATCH", foldersPath+"/"+jstr(side, "id"), fmt.Sprintf(`{"parentFolderId": %s}`, jstr(dest, "id")), s.Token)
	if wantStatus(t, "PATCH folder move", resp, b, http.StatusOK) {
		checkFileFields(t, "PATCH folder move", decodeJSON(t, b), map[string]any{"path": "/dest/side2", "parentFolderId": jstr(dest, "id")})
	}
	checkFile("after PATCH move", tfiles[4], "/dest/side2/e.txt")
	checkNotServed(t, s, "old URL after PATCH move", s.BaseURL+"/hubfs/1/top/side2/e.txt")

	// The asynchronous update: rename mid to "middle" and move it under /dest.
	readOnly := s.createToken(1, "files.read")
	writeOnly := s.createToken(1, "files.write")
	taskID := startFolderUpdate(t, s, map[string]any{"id": jstr(mid, "id"), "name": "middle", "parentFolderId": numID(t, jstr(dest, "id"))})
	resp, b = s.do("GET", folderTaskPath(taskID), nil, readOnly)
	wantError(t, "folder task status with files.read (the spec asks write scopes)", resp, b, http.StatusForbidden, "MISSING_SCOPES")
	st := waitFolderTask(t, s, taskID, writeOnly)
	if jstr(st, "status") != "COMPLETE" {
		t.Fatalf("folder update ended %s, want COMPLETE\n%v", jstr(st, "status"), st)
	}
	checkFileFields(t, "folder task", st, map[string]any{"taskId": taskID, "numErrors": float64(0)})
	for _, k := range []string{"requestedAt", "startedAt", "completedAt"} {
		if !wireTimeRE.MatchString(jstr(st, k)) {
			t.Errorf("folder task: %s = %#v, want an ISO-8601 time", k, st[k])
		}
	}
	if got := jstr(st, "links", "status"); got != s.BaseURL+folderTaskPath(taskID) {
		t.Errorf("folder task: links.status = %q", got)
	}
	checkFileFields(t, "folder task result", jget(st, "result").(map[string]any),
		map[string]any{"id": jstr(mid, "id"), "name": "middle", "path": "/dest/middle", "parentFolderId": jstr(dest, "id")})

	checkFolder("after async update", top, "/top", "")
	checkFolder("after async update", mid, "/dest/middle", jstr(dest, "id"))
	checkFolder("after async update", leaf, "/dest/middle/leaf", jstr(mid, "id"))
	checkFolder("after async update", leaf2, "/dest/middle/leaf2", jstr(mid, "id"))
	checkFolder("after async update", side, "/dest/side2", jstr(dest, "id"))
	checkFile("after async update", tfiles[0], "/top/a.txt")
	checkFile("after async update", tfiles[1], "/dest/middle/b.txt")
	checkFile("after async update", tfiles[2], "/dest/middle/leaf/c.txt")
	checkFile("after async update", tfiles[3], "/dest/middle/leaf2/d.txt")
	for _, old := range []string{"/top/mid/b.txt", "/top/mid/leaf/c.txt", "/top/mid/leaf2/d.txt"} {
		checkNotServed(t, s, "old URL after the async move", s.BaseURL+"/hubfs/1"+old)
	}
	for _, old := range []string{"%2Ftop%2Fmid", "top/mid/leaf"} {
		resp, b := s.do("GET", foldersPath+"/"+old, nil, s.Token)
		wantError(t, "GET the old folder path "+old, resp, b, http.StatusNotFound, "OBJECT_NOT_FOUND")
	}
	if got := getFolder(t, s, "%2Fdest%2Fmiddle%2Fleaf"); jstr(got, "id") != jstr(leaf, "id") {
		t.Errorf("GET /dest/middle/leaf by path: id %q, want %q", jstr(got, "id"), jstr(leaf, "id"))
	}
	// Search by path sees the new paths.
	if got := searchAll(t, s, fileSearch, url.Values{"path": {"/dest/middle/leaf/c.txt"}}); !slices.Equal(got, []string{jstr(tfiles[2].f, "id")}) {
		t.Errorf("file search path=/dest/middle/leaf/c.txt: %v, want %s", got, jstr(tfiles[2].f, "id"))
	}
	if got := searchAll(t, s, fileSearch, url.Values{"path": {"/top/mid/leaf/c.txt"}}); len(got) != 0 {
		t.Errorf("file search by the old path: %v, want nothing", got)
	}

	// Task status: unknown ids, and scopes.
	resp, b = s.do("GET", folderTaskPath("no-such-task"), nil, s.Token)
	wantError(t, "unknown folder task", resp, b, http.StatusNotFound, "OBJECT_NOT_FOUND")
	resp, b = s.do("GET", folderTaskPath(taskID), nil, "")
	wantError(t, "folder task without a token", resp, b, http.StatusUnauthorized, "INVALID_AUTHENTICATION")
	resp, b = s.do("GET", folderTaskPath(taskID), nil, s.createToken(2, "files"))
	wantError(t, "portal 2 reads portal 1's folder task", resp, b, http.StatusNotFound, "OBJECT_NOT_FOUND")
	resp, b = s.do("POST", folderAsync, map[string]any{"id": jstr(leaf, "id"), "name": "x"}, readOnly)
	wantError(t, "POST folder update with files.read", resp, b, http.StatusForbidden, "MISSING_SCOPES")

	// Refusals leave every path as it was: into its own subtree, onto an
	// existing sibling, into an archived or a missing folder.
	grave := createFolder(t, s, map[string]any{"name": "graveyard"})
	resp, b = s.do("DELETE", foldersPath+"/"+jstr(grave, "id"), nil, s.Token)
	wantStatus(t, "DELETE graveyard", resp, b, http.StatusNoContent)
	before := treeState(t, s)
	for _, c := range []struct {
		what   string
		target map[string]any
		body   map[string]any
		code   int
	}{
		{"a folder into itself", mid, map[string]any{"parentFolderId": numID(t, jstr(mid, "id"))}, http.StatusBadRequest},
		{"a folder into its child", mid, map[string]any{"parentFolderId": numID(t, jstr(leaf, "id"))}, http.StatusBadRequest},
		{"a folder into its grandchild", dest, map[string]any{"parentFolderId": numID(t, jstr(leaf, "id"))}, http.StatusBadRequest},
		{"a rename onto a sibling", mid, map[string]any{"name": "side2"}, http.StatusConflict},
		{"a move onto a same-named folder", side, map[string]any{"name": "top", "parentFolderId": 0}, http.StatusConflict},
		{"a move into an archived folder", mid, map[string]any{"parentFolderId": numID(t, jstr(grave, "id"))}, http.StatusBadRequest},
		{"a move into a missing folder", mid, map[string]any{"parentFolderId": 987654321}, http.StatusBadRequest},
		{"an invalid name", mid, map[string]any{"name": "x/y"}, http.StatusBadRequest},
	} {
		target, body := c.target, c.body
		resp, b := s.do("PATCH", foldersPath+"/"+jstr(target, "id"), body, s.Token)
		if resp.StatusCode != c.code {
			t.Errorf("PATCH %s: status = %d, want %d\n%s", c.what, resp.StatusCode, c.code, b)
		}
		async := maps.Clone(body)
		async["id"] = jstr(target, "id")
		resp, b = s.do("POST", folderAsync, async, s.Token)
		switch {
		case resp.StatusCode == c.code:
		case resp.StatusCode == http.StatusAccepted:
			tid := jstr(decodeJSON(t, b), "id")
			if st := waitFolderTask(t, s, tid, s.Token); jstr(st, "status") != "CANCELED" {
				t.Errorf("async %s: accepted and ended %s, want a 4xx refusal", c.what, jstr(st, "status"))
			} else {
				t.Errorf("async %s: accepted (202) and CANCELED later; want a 4xx refusal at once", c.what)
			}
		default:
			t.Errorf("async %s: status = %d, want %d as for PATCH\n%s", c.what, resp.StatusCode, c.code, b)
		}
		checkTreeUnchanged(t, s, "refused "+c.what, before)
	}
	for _, c := range []struct {
		what string
		body any
		in   string
	}{
		{"no id", map[string]any{"name": "x"}, "id"},
		{"a bad id", map[string]any{"id": "abc", "name": "x"}, "id"},
		{"a bad parentFolderId", map[string]any{"id": jstr(leaf, "id"), "parentFolderId": "abc"}, "parentFolderId"},
	} {
		resp, b := s.do("POST", folderAsync, c.body, s.Token)
		checkInvalid(t, "POST folder update with "+c.what, resp, b, c.in)
	}
	resp, b = s.do("POST", folderAsync, map[string]any{"id": "987654321", "name": "x"}, s.Token)
	wantError(t, "POST folder update of a missing folder", resp, b, http.StatusNotFound, "OBJECT_NOT_FOUND")
	resp, b = s.do("PATCH", foldersPath+"/987654321", map[string]any{"name": "x"}, s.Token)
	wantError(t, "PATCH a missing folder", resp, b, http.StatusNotFound, "OBJECT_NOT_FOUND")
	checkTreeUnchanged(t, s, "refused updates", before)

	// DELETE by encoded path archives the whole subtree.
	resp, b = s.do("DELETE", foldersPath+"/%2Fdest%2Fmiddle", nil, s.Token)
	if wantStatus(t, "DELETE folder by encoded path", resp, b, http.StatusNoContent) && len(b) != 0 {
		t.Errorf("DELETE folder: body %q, want none", b)
	}
	for _, f := range []map[string]any{mid, leaf, leaf2} {
		resp, b := s.do("GET", foldersPath+"/"+jstr(f, "id"), nil, s.Token)
		wantError(t, "GET an archived folder", resp, b, http.StatusNotFound, "OBJECT_NOT_FOUND")
	}
	for _, x := range tfiles[1:4] {
		f := getFile(t, s, jstr(x.f, "id"))
		if f["archived"] != true {
			t.Errorf("file %s in the archived subtree: archived = %#v, want true", jstr(f, "path"), f["archived"])
		}
		checkNotServed(t, s, "file in an archived folder", jstr(f, "url"))
	}
	// DELETE by raw path, and by id.
	resp, b = s.do("DELETE", foldersPath+"/dest/side2", nil, s.Token)
	wantStatus(t, "DELETE folder by raw path", resp, b, http.StatusNoContent)
	if f := getFile(t, s, jstr(tfiles[4].f, "id")); f["archived"] != true {
		t.Errorf("e.txt after DELETE of its folder: archived = %#v, want true", f["archived"])
	}
	checkNotServed(t, s, "file in a folder archived by raw path", s.BaseURL+"/hubfs/1/dest/side2/e.txt")
	checkFile("outside the archived subtrees", tfiles[0], "/top/a.txt")
	for _, ref := range []string{"%2Fdest%2Fmiddle", "dest/side2", "987654321"} {
		resp, b = s.do("DELETE", foldersPath+"/"+ref, nil, s.Token)
		wantError(t, "DELETE an archived or missing folder "+ref, resp, b, http.StatusNotFound, "OBJECT_NOT_FOUND")
	}
	live := searchAll(t, s, folderSrch, nil)
	if ok, diff := sameSet(live, []string{jstr(top, "id"), jstr(dest, "id")}); !ok {
		t.Errorf("folder search after the DELETEs: %s", diff)
	}
	if got := searchAll(t, s, fileSearch, nil); !slices.Equal(got, []string{jstr(tfiles[0].f, "id")}) {
		t.Errorf("file search after the DELETEs: %v, want only a.txt", got)
	}
	// A new folder may take an archived folder's place.
	again := createFolder(t, s, map[string]any{"name": "middle", "parentPath": "/dest"})
	if jstr(again, "id") == jstr(mid, "id") || jstr(again, "path") != "/dest/middle" {
		t.Errorf("recreated /dest/middle: %v, want a new folder at that path", again)
	}
	checkNotServed(t, s, "an archived file under a recreated folder", s.BaseURL+"/hubfs/1/dest/middle/b.txt")
}

// TestFolderSearch checks every parameter of GET /files/v3/folders/search
// against what GET says of each folder.
func TestFolderSearch(t *testing.T) {
	t.Parallel()
	skipShort(t)
	s := startServer(t)
	type rec struct {
		id, name, path, parent string
		n                      int64
		created, updated       time.Time
	}
	var made []map[string]any
	root := createFolder(t, s, map[string]any{"name": "fs"})
	made = append(made, root)
	var groups []map[string]any
	for g := range 4 {
		gf := createFolder(t, s, map[string]any{"name": fmt.Sprintf("Group-%d", g), "parentPath": "/fs"})
		groups = append(groups, gf)
		made = append(made, gf)
		for c := range 5 {
			name := []string{"alpha", "BETA", "Gamma", "delta", "eps_ilon"}[c] + "-" + strconv.Itoa(g)
			made = append(made, createFolder(t, s, map[string]any{"name": name, "parentFolderId": jstr(gf, "id")}))
		}
	}
	// An archived folder and its child never appear.
	gone := createFolder(t, s, map[string]any{"name": "alpha-gone", "parentPath": "/fs"})
	createFolder(t, s, map[string]any{"name": "alpha-gone-child", "parentPath": "/fs/alpha-gone"})
	resp, b := s.do("DELETE", foldersPath+"/"+jstr(gone, "id"), nil, s.Token)
	wantStatus(t, "DELETE folder", resp, b, http.StatusNoContent)
	// A rename moves updatedAt forward for a subtree.
	time.Sleep(5 * time.Millisecond)
	resp, b = s.do("PATCH", foldersPath+"/"+jstr(groups[3], "id"), map[string]any{"name": "Group-3b"}, s.Token)
	wantStatus(t, "PATCH rename", resp, b, http.StatusOK)

	var all []rec
	for _, f := range made {
		g := getFolder(t, s, jstr(f, "id"))
		r := rec{id: jstr(g, "id"), name: jstr(g, "name"), path: jstr(g, "path"), parent: jstr(g, "parentFolderId"),
			created: parseWireTime(t, "createdAt", jstr(g, "createdAt")), updated: parseWireTime(t, "updatedAt", jstr(g, "updatedAt"))}
		r.n = numID(t, r.id)
		all = append(all, r)
	}
	slices.SortFunc(all, func(a, b rec) int { return int(a.n - b.n) })
	where := func(pred func(rec) bool) []string {
		var out []string
		for _, r := range all {
			if pred(r) {
				out = append(out, r.id)
			}
		}
		return out
	}
	mid := all[len(all)/2]
	var renamedAt time.Time
	for _, r := range all {
		if r.id == jstr(groups[3], "id") {
			renamedAt = r.updated
		}
	}
	g1 := jstr(groups[1], "id")
	g2 := jstr(groups[2], "id")
	for _, c := range []struct {
		query url.Values
		want  []string
	}{
		{url.Values{}, where(func(rec) bool { return true })},
		{url.Values{"ids": {all[0].id, all[3].id + "," + jstr(gone, "id")}}, []string{all[0].id, all[3].id}},
		{url.Values{"idGte": {mid.id}}, where(func(r rec) bool { return r.n >= mid.n })},
		{url.Values{"idGte": {all[2].id}, "idLte": {all[9].id}}, where(func(r rec) bool { return r.n >= all[2].n && r.n <= all[9].n })},
		{url.Values{"createdAtGte": {isoMS(mid.created)}}, where(func(r rec) bool { return !r.created.Before(mid.created) })},
		{url.Values{"createdAtLte": {epochMS(mid.created)}}, where(func(r rec) bool { return !r.created.After(mid.created) })},
		{url.Values{"createdAt": {epochMS(mid.created)}}, where(func(r rec) bool { return r.created.Equal(mid.created) })},
		{url.Values{"updatedAtGte": {isoMS(renamedAt)}}, where(func(r rec) bool { return !r.updated.Before(renamedAt) })},
		{url.Values{"updatedAtLte": {epochMS(renamedAt.Add(-time.Millisecond))}}, where(func(r rec) bool { return r.updated.Before(renamedAt) })},
		{url.Values{"updatedAt": {isoMS(renamedAt)}}, where(func(r rec) bool { return r.updated.Equal(renamedAt) })},
		{url.Values{"name": {"ALPHA"}}, where(func(r rec) bool { return strings.HasPrefix(r.name, "alpha") })},
		{url.Values{"name": {"beta"}}, where(func(r rec) bool { return strings.HasPrefix(r.name, "BETA") })},
		{url.Values{"name": {"_"}}, where(func(r rec) bool { return strings.Contains(r.name, "_") })},
		{url.Values{"name": {"group-3b"}}, []string{jstr(groups[3], "id")}},
		{url.Values{"path": {"/fs/Group-3b/Gamma-3"}}, where(func(r rec) bool { return r.path == "/fs/Group-3b/Gamma-3" })},
		{url.Values{"path": {"/fs/Group-3/Gamma-3"}}, nil},
		{url.Values{"parentFolderIds": {g1, g2}}, where(func(r rec) bool { return r.parent == g1 || r.parent == g2 })},
		{url.Values{"parentFolderIds": {g1 + "," + g2}, "name": {"delta"}},
			where(func(r rec) bool { return (r.parent == g1 || r.parent == g2) && strings.HasPrefix(r.name, "delta") })},
	} {
		if len(c.query) > 0 && len(c.want) == len(all) {
			t.Errorf("folder filter %s selects every folder; the case tests nothing", c.query.Encode())
		}
		got := searchAll(t, s, folderSrch, c.query)
		if ok, diff := sameSet(got, c.want); !ok {
			t.Errorf("folder search %s: %s", c.query.Encode(), diff)
		}
	}
	if got := searchAll(t, s, folderSrch, url.Values{"path": {"/fs/Group-3b/Gamma-3"}}); len(got) != 1 {
		t.Errorf("folder search by a renamed folder's child path: %v, want one folder", got)
	}

	// Sorting, ties broken by id.
	sorted := func(c func(a, b rec) int) []string {
		x := slices.Clone(all)
		slices.SortStableFunc(x, func(a, b rec) int {
			if r := c(a, b); r != 0 {
				return r
			}
			return int(a.n - b.n)
		})
		out := make([]string, len(x))
		for i, r := range x {
			out[i] = r.id
		}
		return out
	}
	for _, c := range []struct {
		sort string
		want []string
	}{
		{"name", sorted(func(a, b rec) int { return strings.Compare(a.name, b.name) })},
		{"-name", sorted(func(a, b rec) int { return strings.Compare(b.name, a.name) })},
		{"path", sorted(func(a, b rec) int { return strings.Compare(a.path, b.path) })},
		{"-createdAt", sorted(func(a, b rec) int { return b.created.Compare(a.created) })},
		{"-updatedAt", sorted(func(a, b rec) int { return b.updated.Compare(a.updated) })},
		{"-id", sorted(func(a, b rec) int { return int(b.n - a.n) })},
	} {
		if got := searchAll(t, s, folderSrch, url.Values{"sort": {c.sort}}); !slices.Equal(got, c.want) {
			t.Errorf("folder search sort=%s:\n got %v\nwant %v", c.sort, got, c.want)
		}
	}

	// Paging with limit=4 visits every folder once.
	var paged []string
	q := url.Values{"limit": {"4"}, "sort": {"-name"}}
	pages := 0
	for pages < 50 {
		pages++
		m := searchPage(t, s, folderSrch, q)
		if m == nil {
			break
		}
		ids := resultIDs(m)
		if len(ids) > 4 {
			t.Errorf("folder page %d: %d results, want at most 4", pages, len(ids))
		}
		paged = append(paged, ids...)
		after := jstr(m, "paging", "next", "after")
		if after == "" {
			break
		}
		if link := jstr(m, "paging", "next", "link"); !strings.HasPrefix(link, s.BaseURL+folderSrch+"?") {
			t.Errorf("folder page %d: paging.next.link = %q, want an absolute link", pages, link)
		}
		q.Set("after", after)
	}
	if want := sorted(func(a, b rec) int { return strings.Compare(b.name, a.name) }); !slices.Equal(paged, want) {
		t.Errorf("folder paging with limit=4, sort=-name:\n got %v\nwant %v", paged, want)
	}
	if want := (len(all) + 3) / 4; pages != want {
		t.Errorf("folder paging with limit=4: %d pages, want %d", pages, want)
	}

	// Default limit, properties, bad parameters.
	m := searchPage(t, s, folderSrch, url.Values{"properties": {"name"}})
	if ids := resultIDs(m); len(ids) != 10 || jstr(m, "paging", "next", "after") == "" {
		t.Errorf("folder search without a limit: %d results, paging %v; want 10 and a next page", len(ids), m["paging"])
	}
	if r, _ := jget(m, "results", 0).(map[string]any); !slices.Equal(objKeys(r), []string{"archived", "createdAt", "id", "name", "updatedAt"}) {
		t.Errorf("folder search properties=name: keys %q, want name and the required ones", objKeys(r))
	}
	for _, c := range []struct{ query, in string }{
		{"limit=0", "limit"},
		{"limit=101", "limit"},
		{"after=10001", "after"},
		{"after=x", "after"},
		{"sort=size", "sort"},
		{"ids=x", "ids"},
		{"idLte=x", "idLte"},
		{"createdAtGte=soon", "createdAtGte"},
		{"updatedAtLte=later", "updatedAtLte"},
		{"parentFolderIds=-3", "parentFolderIds"},
	} {
		resp, b := s.do("GET", folderSrch+"?"+c.query, nil, s.Token)
		checkInvalid(t, "folder search "+c.query, resp, b, c.in)
	}
}
