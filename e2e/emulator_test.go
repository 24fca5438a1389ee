package e2e

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// controlRoutes is one request to each of the emulator's control routes.
var controlRoutes = []struct {
	method, path string
	body         any
}{
	{"POST", "/_ferry/reset", nil},
	{"POST", "/_ferry/reset?portal=1", nil},
	{"GET", "/_ferry/clock", nil},
	{"POST", "/_ferry/clock", map[string]any{"advance": "PT25H"}},
	{"DELETE", "/_ferry/clock", nil},
	{"POST", "/_ferry/seed", map[string]any{"folders": []string{"/x"}}},
	{"POST", "/_ferry/snapshots/base", nil},
	{"POST", "/_ferry/snapshots/base/restore", nil},
	{"GET", "/_ferry/snapshots", nil},
	{"POST", "/_ferry/faults", map[string]any{"operation": "getById", "action": map[string]any{"status": 500}}},
	{"GET", "/_ferry/faults", nil},
	{"DELETE", "/_ferry/faults", nil},
	{"POST", "/_ferry/tasks/abc/release", nil},
	{"GET", "/_ferry/requests", nil},
	{"DELETE", "/_ferry/requests", nil},
}

// startEmulator starts ferry serve --emulator with extra flags.
func startEmulator(t *testing.T, flags ...string) *server {
	t.Helper()
	return startServer(t, append([]string{"--emulator"}, flags...)...)
}

// control calls a control route with the bootstrap token and wants status.
func control(t *testing.T, s *server, method, path string, body any, want int) map[string]any {
	t.Helper()
	resp, b := s.do(method, path, body, s.Token)
	if resp.StatusCode != want {
		t.Fatalf("%s %s: status = %d, want %d\n%s", method, path, resp.StatusCode, want, b)
	}
	if len(b) == 0 {
		return nil
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s %s: %v\n%s", method, path, err, b)
	}
	return m
}

func TestEmulatorOffEveryControlRouteIs404(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	f := uploadFile(t, s, "/keep", "a.txt", []byte("kept"), map[string]any{"access": "PUBLIC_INDEXABLE", "ttl": "P1D"})
	for _, rt := range controlRoutes {
		resp, b := s.do(rt.method, rt.path, rt.body, s.Token)
		wantError(t, rt.method+" "+rt.path+" without --emulator", resp, b, http.StatusNotFound, "OBJECT_NOT_FOUND")
	}
	// Nothing moved: the file is there, not expired, its blob kept.
	got := getFile(t, s, f["id"].(string))
	if got["id"] != f["id"] {
		t.Fatalf("file after control calls = %v", got)
	}
	checkServed(t, s, "file after control calls", f["url"].(string), []byte("kept"))
	if n := len(blobFiles(t, s)); n != 1 {
		t.Errorf("blobs after control calls = %d, want 1", n)
	}
}

func TestEmulatorControlNeedsAdminScope(t *testing.T) {
	t.Parallel()
	s := startEmulator(t)
	reader := s.createToken(1, "files")
	for _, rt := range controlRoutes {
		resp, b := s.do(rt.method, rt.path, rt.body, "")
		wantError(t, rt.method+" "+rt.path+" without a token", resp, b, http.StatusUnauthorized, "INVALID_AUTHENTICATION")
		resp, b = s.do(rt.method, rt.path, rt.body, reader)
		wantError(t, rt.method+" "+rt.path+" with files scope only", resp, b, http.StatusForbidden, "MISSING_SCOPES")
	}
	admin := s.createToken(1, "ferry.admin")
	resp, b := s.do("GET", "/_ferry/clock", nil, admin)
	if resp.StatusCode != http.StatusOK {
		t.Errorf("GET /_ferry/clock with ferry.admin: %d %s", resp.StatusCode, b)
	}
}

func TestEmulatorReadyFile(t *testing.T) {
	t.Parallel()
	skipShort(t)
	dir := t.TempDir()
	ready := filepath.Join(dir, "ready.json")
	os.WriteFile(ready, []byte(`{"url":"stale"}`), 0o644) // an earlier run's file must not pass for this one
	cmd := exec.Command(ferryBin, "serve", "--addr", "127.0.0.1:0", "--data-dir", filepath.Join(dir, "data"), "--ready-file", ready, "--emulator")
	cmd.Env = append(ferryFreeEnv(), "FERRY_BOOTSTRAP_TOKEN=ready-token")
	var log syncBuffer
	cmd.Stderr = &log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	})
	var got struct{ URL, Addr string }
	deadline := time.Now().Add(30 * time.Second)
	for {
		b, err := os.ReadFile(ready)
		if err == nil && json.Unmarshal(b, &got) == nil && got.URL != "stale" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no ready file within 30s (last %q, %v)\n%s", b, err, log.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if got.URL != "http://"+got.Addr || !strings.HasPrefix(got.Addr, "127.0.0.1:") || strings.HasSuffix(got.Addr, ":0") {
		t.Fatalf("ready file = %+v, want the URL of the listening address", got)
	}
	// Ready means ready: the first request, with no retry, is answered.
	req, _ := http.NewRequest("GET", got.URL+"/_ferry/clock", nil)
	req.Header.Set("Authorization", "Bearer ready-token")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET /_ferry/clock right after the ready file: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("GET /_ferry/clock: %d", resp.StatusCode)
	}
	cmd.Process.Signal(os.Interrupt)
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("no exit within 10s of SIGINT")
	}
	if _, err := os.Stat(ready); !os.IsNotExist(err) {
		t.Errorf("ready file after exit: %v, want it removed", err)
	}
}

func TestEmulatorResetAllOrOnePortal(t *testing.T) {
	t.Parallel()
	s := startEmulator(t)
	other := s.createToken(2, "files")
	a := uploadFile(t, s, "/one", "a.txt", []byte("portal one"), accessOpts("PUBLIC_INDEXABLE"))
	createFolder(t, s, map[string]any{"name": "empty", "parentPath": "/one"})
	resp, b := sendForm(t, s, "POST", filesPath, other,
		filePart("b.txt", "text/plain", []byte("portal two")), fieldPart("folderPath", "/two"), optionsPart(accessOpts("PUBLIC_INDEXABLE")))
	bFile := checkCreatedFile(t, s, "upload to portal 2", resp, b)
	if n := len(blobFiles(t, s)); n != 2 {
		t.Fatalf("blobs before reset = %d, want 2", n)
	}

	control(t, s, "POST", "/_ferry/reset?portal=2", nil, http.StatusNoContent)
	resp, b = s.do("GET", filesPath+"/"+bFile["id"].(string), nil, other)
	wantError(t, "portal 2's file after its reset", resp, b, http.StatusNotFound, "OBJECT_NOT_FOUND")
	checkNotServed(t, s, "portal 2's file after its reset", bFile["url"].(string))
	checkServed(t, s, "portal 1's file after portal 2's reset", a["url"].(string), []byte("portal one"))
	if keys := blobFiles(t, s); len(keys) != 1 || !strings.HasPrefix(keys[0], "files/1/") {
		t.Errorf("blobs after portal 2's reset = %v, want portal 1's only", keys)
	}

	start := time.Now()
	control(t, s, "POST", "/_ferry/reset", nil, http.StatusNoContent)
	t.Logf("reset of everything took %s", time.Since(start))
	resp, b = s.do("GET", filesPath+"/"+a["id"].(string), nil, s.Token)
	wantError(t, "portal 1's file after a full reset", resp, b, http.StatusNotFound, "OBJECT_NOT_FOUND")
	resp, b = s.do("GET", foldersPath+"/"+url.PathEscape("/one"), nil, s.Token)
	wantError(t, "folder after a full reset", resp, b, http.StatusNotFound, "OBJECT_NOT_FOUND")
	if keys := blobFiles(t, s); len(keys) != 0 {
		t.Errorf("blobs after a full reset = %v, want none", keys)
	}
	// Tokens stay: both still authenticate.
	if ids := searchAll(t, s, filesPath+"/search", nil); len(ids) != 0 {
		t.Errorf("search after reset = %v", ids)
	}
	resp, _ = s.do("GET", filesPath+"/search", nil, other)
	if resp.StatusCode != http.StatusOK {
		t.Errorf("portal 2's token after reset: %d", resp.StatusCode)
	}
}

func TestEmulatorClockExpiresTTLFilesAndSignedURLs(t *testing.T) {
	t.Parallel()
	s := startEmulator(t)
	ttl := uploadFile(t, s, "/c", "ttl.txt", []byte("short-lived"), map[string]any{"access": "PUBLIC_INDEXABLE", "ttl": "P1D"})
	priv := uploadFile(t, s, "/c", "private.txt", []byte("private"), accessOpts("PRIVATE"))
	signed := signedURL(t, s, priv["id"].(string), "expirationSeconds=3600")["url"].(string)
	checkServed(t, s, "signed URL before the jump", signed, []byte("private"))
	checkServed(t, s, "ttl file before the jump", ttl["url"].(string), []byte("short-lived"))

	clock := control(t, s, "POST", "/_ferry/clock", map[string]any{"advance": "PT25H"}, http.StatusOK)
	now, err := time.Parse(time.RFC3339, clock["now"].(string))
	if err != nil || now.Sub(time.Now()) < 24*time.Hour {
		t.Fatalf("clock after advancing PT25H = %v (%v)", clock, err)
	}
	checkNotServed(t, s, "ttl file after the jump", ttl["url"].(string))
	checkNotServed(t, s, "signed URL after the jump", signed)
	// The expiry job runs on the next tick: the file and its blob go.
	waitFor(t, 30*time.Second, "the expired file's deletion", func() bool {
		resp, _ := s.do("GET", filesPath+"/"+ttl["id"].(string), nil, s.Token)
		return resp.StatusCode == http.StatusNotFound && len(blobFiles(t, s)) == 1
	})

	// Back to real time: a fresh signed URL works again; the clock says real.
	clock = control(t, s, "DELETE", "/_ferry/clock", nil, http.StatusOK)
	if clock["real"] != true {
		t.Errorf("clock after DELETE = %v, want real", clock)
	}
	signed = signedURL(t, s, priv["id"].(string), "expirationSeconds=60")["url"].(string)
	checkServed(t, s, "signed URL at real time", signed, []byte("private"))

	// set moves to an absolute time; a bad body is a validation error.
	clock = control(t, s, "POST", "/_ferry/clock", map[string]any{"set": "2031-02-03T04:05:06Z"}, http.StatusOK)
	if !strings.HasPrefix(clock["now"].(string), "2031-02-03T04:05") {
		t.Errorf("clock after set = %v", clock)
	}
	for _, body := range []any{map[string]any{}, map[string]any{"advance": "25 hours"}, map[string]any{"set": "tomorrow"},
		map[string]any{"advance": "PT1H", "set": "2031-01-01T00:00:00Z"}, map[string]any{"speed": 2}} {
		resp, b := s.do("POST", "/_ferry/clock", body, s.Token)
		wantError(t, "POST /_ferry/clock with a bad body", resp, b, http.StatusBadRequest, "VALIDATION_ERROR")
	}
}

func TestEmulatorJournalShowsWhatTheClientSent(t *testing.T) {
	t.Parallel()
	s := startEmulator(t, "--journal-size", "3")
	content := []byte("journal me")
	uploadFile(t, s, "/j", "j.txt", content, map[string]any{"access": "PRIVATE", "duplicateValidationStrategy": "NONE"})
	createFolder(t, s, map[string]any{"name": "jf", "parentPath": "/j"})

	got := control(t, s, "GET", "/_ferry/requests?operation=upload", nil, http.StatusOK)["results"].([]any)
	if len(got) != 1 {
		t.Fatalf("journal of upload = %v, want one entry", got)
	}
	en := got[0].(map[string]any)
	if en["operationId"] != "uploadFile" || en["hubspotOperation"] != "upload" || en["method"] != "POST" ||
		en["path"] != filesPath || en["status"] != float64(201) || en["portal"] != float64(1) || en["correlationId"] == "" {
		t.Errorf("journal entry = %v", en)
	}
	if auth := en["headers"].(map[string]any)["Authorization"]; !jsonEqual(auth, []any{"REDACTED"}) {
		t.Errorf("journaled Authorization = %v, want it redacted", auth)
	}
	parts := map[string]map[string]any{}
	for _, p := range en["multipart"].([]any) {
		parts[p.(map[string]any)["name"].(string)] = p.(map[string]any)
	}
	if f := parts["file"]; f == nil || f["fileName"] != "j.txt" || f["size"] != float64(len(content)) || f["md5"] != contentMD5(content) {
		t.Errorf("journaled file part = %v, want j.txt, %d bytes, MD5 %s", f, len(content), contentMD5(content))
	}
	if parts["folderPath"]["value"] != "/j" {
		t.Errorf("journaled folderPath = %v", parts["folderPath"])
	}
	var opts map[string]any
	if err := json.Unmarshal([]byte(parts["options"]["value"].(string)), &opts); err != nil || opts["access"] != "PRIVATE" || opts["duplicateValidationStrategy"] != "NONE" {
		t.Errorf("journaled options = %v (%v)", parts["options"], err)
	}

	folder := control(t, s, "GET", "/_ferry/requests?operation=createFolder&limit=1", nil, http.StatusOK)["results"].([]any)
	if len(folder) != 1 || !jsonEqual(folder[0].(map[string]any)["body"], map[string]any{"name": "jf", "parentPath": "/j"}) {
		t.Errorf("journaled folder create = %v, want its JSON body parsed", folder)
	}
	// The ring keeps the newest three; other portals' filter finds none.
	for range 3 {
		s.do("GET", filesPath+"/search", nil, s.Token)
	}
	if all := control(t, s, "GET", "/_ferry/requests", nil, http.StatusOK)["results"].([]any); len(all) != 3 ||
		all[0].(map[string]any)["operationId"] != "searchFiles" {
		t.Errorf("journal after 5 requests with --journal-size 3 = %d entries, want the 3 newest", len(all))
	}
	if none := control(t, s, "GET", "/_ferry/requests?portal=2", nil, http.StatusOK)["results"].([]any); len(none) != 0 {
		t.Errorf("journal for portal 2 = %v", none)
	}
	control(t, s, "DELETE", "/_ferry/requests", nil, http.StatusNoContent)
	if all := control(t, s, "GET", "/_ferry/requests", nil, http.StatusOK)["results"].([]any); len(all) != 0 {
		t.Errorf("journal after DELETE = %v", all)
	}
	resp, b := s.do("GET", "/_ferry/requests?limit=0", nil, s.Token)
	wantError(t, "limit=0", resp, b, http.StatusBadRequest, "VALIDATION_ERROR")
}

// rawGet sends a GET with the bootstrap token through a plain client (no
// response validation), for faults that break the answer on purpose.
func rawGet(s *server, path string) (*http.Response, []byte, error) {
	req, _ := http.NewRequest("GET", s.BaseURL+path, nil)
	req.Header.Set("Authorization", "Bearer "+s.Token)
	// A fresh connection each time: on a reused one, Go's transport would
	// retry a dropped GET by itself and hide the fault.
	resp, err := (&http.Client{Timeout: 20 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}).Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp, b, err
}

func TestEmulatorFaultsAsHubSpotWouldFail(t *testing.T) {
	t.Parallel()
	s := startEmulator(t)
	other := s.createToken(2, "files")
	f := uploadFile(t, s, "/f", "f.txt", []byte("faulty"), accessOpts("PUBLIC_INDEXABLE"))
	get := filesPath + "/" + f["id"].(string)

	// Each status, once, with HubSpot's error body; then the real answer.
	for _, status := range []int{500, 502, 503, 504} {
		rule := control(t, s, "POST", "/_ferry/faults", map[string]any{"operation": "getById", "times": 1, "action": map[string]any{"status": status}}, http.StatusCreated)
		resp, b := s.do("GET", get, nil, s.Token)
		if resp.StatusCode != status || !strings.Contains(string(b), `"status":"error"`) || !strings.Contains(string(b), resp.Header.Get("X-HubSpot-Correlation-Id")) {
			t.Errorf("fault %d: got %d %s", status, resp.StatusCode, b)
		}
		if resp, b := s.do("GET", get, nil, s.Token); resp.StatusCode != http.StatusOK {
			t.Errorf("after the one-time %d fault (rule %v): %d %s", status, rule["id"], resp.StatusCode, b)
		}
	}
	// 429 with HubSpot's rate-limit body, exactly what the Node SDK retries on.
	control(t, s, "POST", "/_ferry/faults", map[string]any{"operation": "getFile", "times": 1, "action": map[string]any{"status": 429}}, http.StatusCreated)
	resp, b := s.do("GET", get, nil, s.Token)
	body := decodeJSON(t, b)
	if resp.StatusCode != 429 || body["errorType"] != "RATE_LIMIT" || body["policyName"] != "TEN_SECONDLY_ROLLING" ||
		body["message"] != "You have reached your ten_secondly_rolling limit." || body["correlationId"] == "" || body["groupName"] == "" {
		t.Errorf("429 fault: %d %s", resp.StatusCode, b)
	}

	// A portal's rule spares other portals; a rule's count is listed.
	control(t, s, "POST", "/_ferry/faults", map[string]any{"operation": "doSearch", "portal": 2, "action": map[string]any{"status": 503}}, http.StatusCreated)
	if resp, _ := s.do("GET", filesPath+"/search", nil, s.Token); resp.StatusCode != http.StatusOK {
		t.Errorf("portal 1's search under portal 2's fault: %d", resp.StatusCode)
	}
	if resp, _ := s.do("GET", filesPath+"/search", nil, other); resp.StatusCode != 503 {
		t.Errorf("portal 2's search under its fault: %d", resp.StatusCode)
	}
	rules := control(t, s, "GET", "/_ferry/faults", nil, http.StatusOK)["results"].([]any)
	if len(rules) != 1 || rules[0].(map[string]any)["fired"] != float64(1) {
		t.Errorf("rules = %v, want the portal 2 rule, fired once (spent one-time rules are gone)", rules)
	}
	control(t, s, "DELETE", "/_ferry/faults", nil, http.StatusNoContent)

	// Latency: the answer is late, and right.
	control(t, s, "POST", "/_ferry/faults", map[string]any{"operation": "getById", "times": 1, "action": map[string]any{"latencyMs": 300}}, http.StatusCreated)
	start := time.Now()
	if resp, _ := s.do("GET", get, nil, s.Token); resp.StatusCode != http.StatusOK || time.Since(start) < 300*time.Millisecond {
		t.Errorf("latency fault: %d after %s, want 200 after at least 300ms", resp.StatusCode, time.Since(start))
	}
	// Close: no answer at all.
	control(t, s, "POST", "/_ferry/faults", map[string]any{"operation": "getById", "times": 1, "action": map[string]any{"close": true}}, http.StatusCreated)
	if resp, b, err := rawGet(s, get); err == nil {
		t.Errorf("close fault: got %d %s, want the connection dropped", resp.StatusCode, b)
	}
	// Truncate: the headers promise more than the body brings.
	control(t, s, "POST", "/_ferry/faults", map[string]any{"operation": "getById", "times": 1, "action": map[string]any{"truncate": true}}, http.StatusCreated)
	if resp, b, err := rawGet(s, get); err == nil {
		t.Errorf("truncate fault: got %d %s with no error, want a short body", resp.StatusCode, b)
	} else if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Logf("truncate fault: %v", err)
	}
	if resp, _, err := rawGet(s, get); err != nil || resp.StatusCode != http.StatusOK {
		t.Errorf("after the faults: %v %v", resp, err)
	}
	// The journal says which requests met a fault.
	met := 0
	for _, en := range control(t, s, "GET", "/_ferry/requests?operation=getFile", nil, http.StatusOK)["results"].([]any) {
		if en.(map[string]any)["fault"] != nil {
			met++
		}
	}
	if met != 8 { // four statuses, 429, latency, close, truncate
		t.Errorf("journal shows %d faulted getFile requests, want 8", met)
	}

	for _, bad := range []map[string]any{
		{"operation": "getById"},
		{"operation": "noSuchOperation", "action": map[string]any{"status": 500}},
		{"action": map[string]any{"status": 418}},
		{"action": map[string]any{"status": 429, "policyName": "HOURLY"}},
		{"action": map[string]any{"status": 500, "close": true}},
		{"times": 1, "probability": 0.5, "action": map[string]any{"status": 500}},
		{"operation": "getById", "action": map[string]any{"hold": "PENDING"}},
		{"action": map[string]any{"cancel": map[string]any{"category": "NOPE"}}},
		{"action": map[string]any{"hold": "COMPLETE"}},
	} {
		resp, b := s.do("POST", "/_ferry/faults", bad, s.Token)
		wantError(t, fmt.Sprintf("POST /_ferry/faults %v", bad), resp, b, http.StatusBadRequest, "VALIDATION_ERROR")
	}
}

func TestEmulatorImportFaultsHoldAndCancel(t *testing.T) {
	t.Parallel()
	o := newOrigin(t)
	o.serve("/a.txt", "text/plain", []byte("held import"))
	s := startEmulator(t, "--allow-private-networks")

	control(t, s, "POST", "/_ferry/faults", map[string]any{"times": 1, "action": map[string]any{"hold": "PENDING"}}, http.StatusCreated)
	id, _ := startImport(t, s, map[string]any{"url": o.url("/a.txt"), "access": "PRIVATE", "folderPath": "/held"})
	time.Sleep(500 * time.Millisecond) // the worker has had time to pick it up; the hold keeps it waiting
	if st := waitTask(t, s, id, 5*time.Second, "PENDING", "PROCESSING", "COMPLETE", "CANCELED"); st["status"] != "PENDING" {
		t.Fatalf("held import = %v, want PENDING", st["status"])
	}
	control(t, s, "POST", "/_ferry/tasks/"+id+"/release", nil, http.StatusNoContent)
	waitTask(t, s, id, 20*time.Second, "COMPLETE")
	resp, b := s.do("POST", "/_ferry/tasks/"+id+"/release", nil, s.Token)
	wantError(t, "releasing a task twice", resp, b, http.StatusNotFound, "OBJECT_NOT_FOUND")

	control(t, s, "POST", "/_ferry/faults", map[string]any{"times": 1, "action": map[string]any{"hold": "PROCESSING"}}, http.StatusCreated)
	id, _ = startImport(t, s, map[string]any{"url": o.url("/a.txt"), "access": "PRIVATE", "folderPath": "/held2"})
	waitTask(t, s, id, 10*time.Second, "PROCESSING")
	time.Sleep(300 * time.Millisecond)
	waitTask(t, s, id, time.Second, "PROCESSING")
	control(t, s, "POST", "/_ferry/tasks/"+id+"/release", nil, http.StatusNoContent)
	waitTask(t, s, id, 20*time.Second, "COMPLETE")

	// The next two imports end CANCELED with the chosen error; the third works.
	control(t, s, "POST", "/_ferry/faults", map[string]any{"times": 2, "action": map[string]any{
		"cancel": map[string]any{"category": "FETCH_FAILED", "subCategory": "ORIGIN_SERVER_ERROR", "message": "The origin answered 503."}}}, http.StatusCreated)
	for i := range 3 {
		id, _ := startImport(t, s, map[string]any{"url": o.url("/a.txt"), "access": "PRIVATE", "folderPath": fmt.Sprintf("/c%d", i)})
		st := waitTask(t, s, id, 20*time.Second, "COMPLETE", "CANCELED")
		if i == 2 {
			if st["status"] != "COMPLETE" {
				t.Errorf("third import = %v, want COMPLETE", st)
			}
			continue
		}
		errs, _ := st["errors"].([]any)
		if st["status"] != "CANCELED" || len(errs) != 1 {
			t.Fatalf("import %d = %v, want CANCELED with one error", i, st)
		}
		e := errs[0].(map[string]any)
		if e["category"] != "FETCH_FAILED" || e["message"] != "The origin answered 503." || !strings.Contains(fmt.Sprint(e), "ORIGIN_SERVER_ERROR") {
			t.Errorf("import %d error = %v", i, e)
		}
	}
}

// stateOf lists a portal's live files (id, path, MD5) and folders, and
// what each hosting URL serves, for comparing whole states.
func stateOf(t *testing.T, s *server) (files, folders []string) {
	t.Helper()
	for _, id := range searchAll(t, s, filesPath+"/search", nil) {
		f := getFile(t, s, id)
		resp, body := hostGet(t, s, f["url"].(string), nil)
		if resp.StatusCode != http.StatusOK {
			body = []byte(resp.Status) // error bodies carry a fresh correlationId
		}
		files = append(files, fmt.Sprintf("%s %s %s %s served=%q", f["id"], f["path"], f["access"], f["fileMd5"], body))
	}
	for _, id := range searchAll(t, s, foldersPath+"/search", nil) {
		folders = append(folders, id+" "+getFolder(t, s, id)["path"].(string))
	}
	slices.Sort(files)
	slices.Sort(folders)
	return files, folders
}

func TestEmulatorSeedSnapshotRestore(t *testing.T) {
	t.Parallel()
	o := newOrigin(t)
	o.serve("/remote.txt", "text/plain", []byte("fetched for the seed"))
	s := startEmulator(t, "--allow-private-networks")
	text := "seeded text"
	seeded := control(t, s, "POST", "/_ferry/seed", map[string]any{
		"folders": []string{"/fixtures/empty", "/fixtures/deep/er"},
		"files": []map[string]any{
			{"path": "/fixtures/a.txt", "text": text, "access": "PUBLIC_INDEXABLE"},
			{"path": "/fixtures/b.bin", "content": base64.StdEncoding.EncodeToString([]byte{0, 1, 2, 3}), "access": "PUBLIC_NOT_INDEXABLE"},
			{"path": "/fixtures/deep/remote.txt", "url": o.url("/remote.txt"), "access": "PUBLIC_INDEXABLE"},
		},
	}, http.StatusOK)
	if n := len(seeded["files"].([]any)); n != 3 {
		t.Fatalf("seed made %d files: %v", n, seeded)
	}
	first := seeded["files"].([]any)[0].(map[string]any)
	if first["path"] != "/fixtures/a.txt" || first["md5"] != contentMD5([]byte(text)) || first["access"] != "PUBLIC_INDEXABLE" {
		t.Errorf("seeded file = %v", first)
	}
	wantFiles, wantFolders := stateOf(t, s)
	wantBlobs := blobFiles(t, s)
	if len(wantFiles) != 3 || len(wantFolders) != 4 || len(wantBlobs) != 3 {
		t.Fatalf("after seeding: files %v, folders %v, blobs %v", wantFiles, wantFolders, wantBlobs)
	}
	control(t, s, "POST", "/_ferry/snapshots/seeded", nil, http.StatusOK)

	// A test's changes: a new file, a deleted one, a moved folder, a task.
	uploadFile(t, s, "/fixtures", "new.txt", []byte("added by a test"), accessOpts("PUBLIC_INDEXABLE"))
	if resp, b := s.do("DELETE", filesPath+"/"+first["id"].(string)+"/gdpr-delete", nil, s.Token); resp.StatusCode != http.StatusNoContent {
		t.Fatalf("gdpr-delete: %d %s", resp.StatusCode, b)
	}
	id, _ := startImport(t, s, map[string]any{"url": o.url("/remote.txt"), "access": "PRIVATE", "folderPath": "/imported"})
	waitTask(t, s, id, 20*time.Second, "COMPLETE")

	start := time.Now()
	control(t, s, "POST", "/_ferry/snapshots/seeded/restore", nil, http.StatusOK)
	t.Logf("restore took %s", time.Since(start))
	gotFiles, gotFolders := stateOf(t, s)
	if !slices.Equal(gotFiles, wantFiles) || !slices.Equal(gotFolders, wantFolders) {
		t.Errorf("after restore:\nfiles   %v\nfolders %v\nwant\nfiles   %v\nfolders %v", gotFiles, gotFolders, wantFiles, wantFolders)
	}
	if got := blobFiles(t, s); !slices.Equal(got, wantBlobs) {
		t.Errorf("blobs after restore = %v, want %v", got, wantBlobs)
	}
	resp, b := s.do("GET", importPath+"/tasks/"+id+"/status", nil, s.Token)
	wantError(t, "the task made after the snapshot", resp, b, http.StatusNotFound, "OBJECT_NOT_FOUND")

	// Reset, then restore again: still exactly the seeded state.
	control(t, s, "POST", "/_ferry/reset", nil, http.StatusNoContent)
	control(t, s, "POST", "/_ferry/snapshots/seeded/restore", nil, http.StatusOK)
	if gotFiles, gotFolders = stateOf(t, s); !slices.Equal(gotFiles, wantFiles) || !slices.Equal(gotFolders, wantFolders) {
		t.Errorf("after reset and restore: %v %v", gotFiles, gotFolders)
	}
	list := control(t, s, "GET", "/_ferry/snapshots", nil, http.StatusOK)["results"].([]any)
	if len(list) != 1 || list[0].(map[string]any)["name"] != "seeded" || list[0].(map[string]any)["files"] != float64(3) {
		t.Errorf("snapshots = %v", list)
	}
	control(t, s, "DELETE", "/_ferry/snapshots/seeded", nil, http.StatusNoContent)
	resp, b = s.do("POST", "/_ferry/snapshots/seeded/restore", nil, s.Token)
	wantError(t, "restoring a deleted snapshot", resp, b, http.StatusNotFound, "OBJECT_NOT_FOUND")
	resp, b = s.do("POST", "/_ferry/snapshots/"+strings.Repeat("x", 65), nil, s.Token)
	wantError(t, "a snapshot name one past 64 characters", resp, b, http.StatusBadRequest, "VALIDATION_ERROR")

	for _, bad := range []map[string]any{
		{"files": []map[string]any{{"path": "/a.txt"}}},
		{"files": []map[string]any{{"path": "/a.txt", "text": "x", "content": "eA=="}}},
		{"files": []map[string]any{{"path": "a.txt", "text": "x"}}},
		{"files": []map[string]any{{"path": "/a.txt", "content": "not base64!"}}},
		{"files": []map[string]any{{"path": "/a.txt", "text": "x", "access": "OPEN"}}},
		{"folders": []string{"/a/../b"}},
		{"files": []map[string]any{{"path": "/a.txt", "url": "http://169.254.169.254/latest"}}},
	} {
		resp, b := s.do("POST", "/_ferry/seed", bad, s.Token)
		wantError(t, fmt.Sprintf("seed %v", bad), resp, b, http.StatusBadRequest, "VALIDATION_ERROR")
	}
}

func TestEmulatorSeedDirAtStart(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for p, body := range map[string]string{"docs/readme.txt": "read me", "docs/private/secret.txt": "hush", "top.txt": "top", ".hidden": "skip"} {
		os.MkdirAll(filepath.Join(dir, filepath.Dir(p)), 0o755)
		os.WriteFile(filepath.Join(dir, p), []byte(body), 0o644)
	}
	os.MkdirAll(filepath.Join(dir, "empty"), 0o755)
	os.WriteFile(filepath.Join(dir, "manifest.json"), []byte(`{"files":[{"path":"/docs/private/secret.txt","access":"PRIVATE"}]}`), 0o644)
	s := startEmulator(t, "--seed", dir)
	files, folders := stateOf(t, s)
	if len(files) != 3 || len(folders) != 3 {
		t.Fatalf("seeded from a directory: files %v, folders %v", files, folders)
	}
	f := decodeJSON(t, func() []byte {
		_, b := s.do("GET", filesPath+"/stat/"+url.PathEscape("/docs/private/secret.txt"), nil, s.Token)
		return b
	}())
	if jstr(f, "file", "access") != "PRIVATE" {
		t.Errorf("secret.txt = %v, want PRIVATE from the manifest", f)
	}
	// A restart on the same data does not seed twice.
	s.restart()
	if again, _ := stateOf(t, s); !slices.Equal(again, files) {
		t.Errorf("after a restart: %v, want %v", again, files)
	}
}

func TestRateLimitsAsHubSpotSignalsThem(t *testing.T) {
	t.Parallel()
	s := startEmulator(t, "--rate-limit", "3/10s,7/day")
	other := s.createToken(2, "files")
	search := filesPath + "/search"
	for i := range 3 {
		resp, b := s.do("GET", search, nil, s.Token)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("call %d: %d %s", i+1, resp.StatusCode, b)
		}
		for h, want := range map[string]string{"Max": "3", "Remaining": fmt.Sprint(2 - i), "Interval-Milliseconds": "10000",
			"Daily": "7", "Daily-Remaining": fmt.Sprint(6 - i)} {
			if got := resp.Header.Get("X-HubSpot-RateLimit-" + h); got != want {
				t.Errorf("call %d: X-HubSpot-RateLimit-%s = %q, want %q", i+1, h, got, want)
			}
		}
	}
	resp, b := s.do("GET", search, nil, s.Token)
	body := decodeJSON(t, b)
	if resp.StatusCode != http.StatusTooManyRequests || body["status"] != "error" || body["errorType"] != "RATE_LIMIT" ||
		body["policyName"] != "TEN_SECONDLY_ROLLING" || body["message"] != "You have reached your ten_secondly_rolling limit." ||
		body["correlationId"] != resp.Header.Get("X-HubSpot-Correlation-Id") || body["groupName"] == nil {
		t.Errorf("fourth call in ten seconds: %d %s", resp.StatusCode, b)
	}
	if got := resp.Header.Get("X-HubSpot-RateLimit-Remaining"); got != "0" {
		t.Errorf("429's X-HubSpot-RateLimit-Remaining = %q, want 0", got)
	}
	// Another portal has its own quota.
	if resp, _ := s.do("GET", search, nil, other); resp.StatusCode != http.StatusOK || resp.Header.Get("X-HubSpot-RateLimit-Remaining") != "2" {
		t.Errorf("portal 2's first call: %d, remaining %q", resp.StatusCode, resp.Header.Get("X-HubSpot-RateLimit-Remaining"))
	}
	// The window reads the emulator's clock: eleven seconds on, calls fit again, until the daily quota.
	control(t, s, "POST", "/_ferry/clock", map[string]any{"advance": "PT11S"}, http.StatusOK)
	for i := range 4 {
		resp, b := s.do("GET", search, nil, s.Token)
		if i < 3 && resp.StatusCode != http.StatusOK {
			t.Fatalf("call %d after the jump: %d %s", i+1, resp.StatusCode, b)
		}
		if i == 3 && resp.StatusCode != http.StatusTooManyRequests {
			t.Errorf("past the window again: %d", resp.StatusCode)
		}
	}
	control(t, s, "POST", "/_ferry/clock", map[string]any{"advance": "PT11S"}, http.StatusOK)
	if resp, b := s.do("GET", search, nil, s.Token); resp.StatusCode != http.StatusOK || resp.Header.Get("X-HubSpot-RateLimit-Daily-Remaining") != "0" {
		t.Errorf("seventh call of the day: %d %s, want the last one allowed", resp.StatusCode, b)
	}
	resp, b = s.do("GET", search, nil, s.Token)
	if body := decodeJSON(t, b); resp.StatusCode != 429 || body["policyName"] != "DAILY" || body["message"] != "You have reached your daily limit." {
		t.Errorf("eighth call of the day: %d %s, want DAILY", resp.StatusCode, b)
	}
	control(t, s, "POST", "/_ferry/clock", map[string]any{"advance": "P1D"}, http.StatusOK)
	if resp, _ := s.do("GET", search, nil, s.Token); resp.StatusCode != http.StatusOK {
		t.Errorf("next day: %d", resp.StatusCode)
	}
	// Without --rate-limit there are no quotas and no headers.
	plain := startServer(t)
	if resp, _ := plain.do("GET", search, nil, plain.Token); resp.Header.Get("X-HubSpot-RateLimit-Max") != "" {
		t.Errorf("without --rate-limit: headers %v", resp.Header)
	}
}

func TestStrictAppliesHubSpotsRequiredFields(t *testing.T) {
	t.Parallel()
	o := newOrigin(t)
	o.serve("/a.txt", "text/plain", []byte("strict"))
	s := startServer(t, "--strict", "--allow-private-networks")
	lenient := startServer(t, "--allow-private-networks")
	short := map[string]any{"url": o.url("/a.txt"), "access": "PRIVATE", "folderPath": "/strict"}

	resp, b := s.do("POST", importPath, short, s.Token)
	m := wantError(t, "strict import without the spec's required fields", resp, b, http.StatusBadRequest, "VALIDATION_ERROR")
	var missing []string
	for _, e := range m["errors"].([]any) {
		missing = append(missing, e.(map[string]any)["in"].(string))
	}
	slices.Sort(missing)
	if !slices.Equal(missing, []string{"duplicateValidationScope", "duplicateValidationStrategy", "overwrite"}) {
		t.Errorf("strict import problems in %v", missing)
	}
	full := map[string]any{"url": o.url("/a.txt"), "access": "PRIVATE", "folderPath": "/strict",
		"duplicateValidationStrategy": "NONE", "duplicateValidationScope": "ENTIRE_PORTAL", "overwrite": false}
	id, _ := startImport(t, s, full)
	waitTask(t, s, id, 20*time.Second, "COMPLETE")
	// Without --strict, Ferry takes the defaults.
	id, _ = startImport(t, lenient, short)
	waitTask(t, lenient, id, 20*time.Second, "COMPLETE")
}

// TestEmulatorIsOneInstanceOnPostgres: the emulator keeps its clock,
// faults, held imports, journal and snapshots in its process, so on
// PostgreSQL, which servers otherwise share, it says at start-up that it
// is a single instance, and a second emulator on the same schema refuses
// to start. Once the first stops, the schema is free again; another
// schema is free all along.
func TestEmulatorIsOneInstanceOnPostgres(t *testing.T) {
	t.Parallel()
	skipShort(t)
	if ok, missing := haveCluster(); !ok {
		t.Skipf("needs PostgreSQL: %s is not set (.ci/run sets it)", missing)
	}
	st := newPostgresS3Storage(t)
	a := startServerOn(t, st, "--emulator")
	if log := a.log.String(); !strings.Contains(log, "the emulator is a single instance") {
		t.Errorf("the emulator on PostgreSQL does not say at start-up that it is a single instance:\n%s", log)
	}

	// A second emulator on the same schema exits at once, saying why.
	cmd := exec.Command(ferryBin, append(append([]string{"serve", "--addr", "127.0.0.1:0", "--data-dir", t.TempDir()},
		st.flags()...), "--emulator")...)
	cmd.Env = append(ferryFreeEnv(), "FERRY_BOOTSTRAP_TOKEN="+a.Token)
	var out syncBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(out.String(), "another ferry serve --emulator works on schema") {
			t.Errorf("second emulator on the schema: exit %v, want a failure naming the other emulator\n%s", err, out.String())
		}
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		<-done
		t.Fatalf("a second emulator on the same schema is still running after 30s\n%s", out.String())
	}
	if resp, b := a.do("GET", "/_ferry/clock", nil, a.Token); resp.StatusCode != http.StatusOK {
		t.Errorf("the first emulator after the second gave up: %d %s", resp.StatusCode, b)
	}

	// Another schema of the same database is another emulator's.
	startServerOn(t, newPostgresS3Storage(t), "--emulator")

	// The lock goes with the process: the same schema takes an emulator
	// again once the first has stopped.
	a.restart()
	if resp, b := a.do("GET", "/_ferry/clock", nil, a.Token); resp.StatusCode != http.StatusOK {
		t.Errorf("emulator restarted on its schema: %d %s", resp.StatusCode, b)
	}
}
