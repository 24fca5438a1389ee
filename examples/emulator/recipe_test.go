// Package emulator_test is the Go recipe of docs/emulator.md: a test
// suite that starts "ferry serve --emulator" once in TestMain, with
// os/exec and --ready-file, and resets it before each test. It uses the
// standard library only, as a project that talks to HubSpot over plain
// net/http would.
package emulator_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// ferryURL and token reach the emulator that TestMain started, and
// ferryBin is the binary it runs (python_test.go runs it too).
var ferryURL, token, ferryBin = "", "recipe-token", ""

func TestMain(m *testing.M) {
	flag.Parse()
	if testing.Short() {
		os.Exit(0) // the recipe builds and starts a real server
	}
	os.Exit(run(m))
}

func run(m *testing.M) int {
	dir, err := os.MkdirTemp("", "ferry-recipe-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	bin := os.Getenv("FERRY_BIN") // a built ferry; else build this repository's
	if bin == "" {
		bin = filepath.Join(dir, "ferry")
		if out, err := exec.Command("go", "build", "-o", bin, "ferry/cmd/ferry").CombinedOutput(); err != nil {
			fmt.Fprintf(os.Stderr, "go build: %v\n%s", err, out)
			return 1
		}
	}
	if bin, err = filepath.Abs(bin); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	ferryBin = bin
	ready := filepath.Join(dir, "ready.json")
	cmd := exec.Command(bin, "serve", "--emulator", "--addr", "127.0.0.1:0",
		"--data-dir", filepath.Join(dir, "data"), "--ready-file", ready)
	cmd.Env = append(os.Environ(), "FERRY_BOOTSTRAP_TOKEN="+token)
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer func() { cmd.Process.Signal(os.Interrupt); cmd.Wait() }()
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		var r struct{ URL string }
		if b, err := os.ReadFile(ready); err == nil && json.Unmarshal(b, &r) == nil {
			ferryURL = r.URL
			break
		}
		if time.Now().After(deadline) {
			fmt.Fprintln(os.Stderr, "ferry did not write its ready file")
			return 1
		}
	}
	return m.Run()
}

// call sends a request with the token and returns the status and the
// decoded JSON body (nil if none).
func call(t *testing.T, method, path string, body any) (int, map[string]any) {
	t.Helper()
	var rd *bytes.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	} else {
		rd = bytes.NewReader(nil)
	}
	req, _ := http.NewRequest(method, ferryURL+path, rd)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	json.NewDecoder(resp.Body).Decode(&m)
	return resp.StatusCode, m
}

// fresh resets the emulator: each test starts from nothing but its own seed.
func fresh(t *testing.T) {
	t.Helper()
	for _, r := range []struct{ method, path string }{{"POST", "/_ferry/reset"}, {"DELETE", "/_ferry/faults"}, {"DELETE", "/_ferry/clock"}} {
		if code, body := call(t, r.method, r.path, nil); code >= 300 {
			t.Fatalf("%s %s: %d %v", r.method, r.path, code, body)
		}
	}
}

func TestSeededFileIsFound(t *testing.T) {
	fresh(t)
	call(t, "POST", "/_ferry/seed", map[string]any{"files": []map[string]any{{"path": "/docs/a.txt", "text": "hello"}}})
	code, page := call(t, "GET", "/files/v3/files/search?name=a", nil)
	if code != 200 || len(page["results"].([]any)) != 1 {
		t.Fatalf("search: %d %v", code, page)
	}
}

func TestClientSeesHubSpotsOutage(t *testing.T) {
	fresh(t)
	call(t, "POST", "/_ferry/faults", map[string]any{"operation": "doSearch", "times": 1, "action": map[string]any{"status": 503}})
	if code, body := call(t, "GET", "/files/v3/files/search", nil); code != 503 || body["status"] != "error" {
		t.Fatalf("first search: %d %v, want HubSpot's 503", code, body)
	}
	if code, _ := call(t, "GET", "/files/v3/files/search", nil); code != 200 {
		t.Fatalf("second search: %d, want 200", code)
	}
}
