package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"time"
)

// ferryServer is one running "ferry serve" and a client of it.
type ferryServer struct {
	*proc
	base   string
	token  string
	auth   http.Header
	client *http.Client
}

var listeningRE = regexp.MustCompile(`msg=listening addr=(\S+)`)

// startFerry starts the binary on dataDir with the given extra flags and
// a bootstrap token for portal 1.
func (b *bench) startFerry(name, dataDir string, flags ...string) (*ferryServer, error) {
	bin := b.ferryBin
	limit := fmt.Sprint(max(1<<30, b.cfg.bigSize))
	flags = append(flags, "--max-file-size", limit, "--max-upload-size", limit)
	flags = append(flags, b.cfg.ferryFlags...)
	token := "ferry-bench-" + fmt.Sprint(time.Now().UnixNano())
	args := append([]string{"serve", "--addr", "127.0.0.1:0", "--data-dir", dataDir, "--allow-private-networks"}, flags...)
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "FERRY_BOOTSTRAP_TOKEN="+token, "FERRY_BOOTSTRAP_PORTAL=1")
	p, err := startProc(name, cmd, listeningRE)
	if err != nil {
		return nil, err
	}
	f := &ferryServer{proc: p, base: "http://" + p.addr, token: token,
		auth: http.Header{"Authorization": {"Bearer " + token}}, client: newClient(64)}
	return f, nil
}

// call sends a JSON request and decodes a JSON answer of the wanted status.
func (f *ferryServer) call(ctx context.Context, method, path string, in any, want int, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, f.base+path, body)
	if err != nil {
		return err
	}
	req.Header = f.auth.Clone()
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return f.do(req, want, out)
}

// do sends req and decodes the answer into out (if not nil), streaming it;
// an answer of another status is an error that quotes the start of its
// body. The body is always read to its end, so that the connection is
// reused by the next request of the run.
func (f *ferryServer) do(req *http.Request, want int, out any) error {
	resp, err := f.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	defer io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != want {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
		return fmt.Errorf("%s %s: %s: %s", req.Method, req.URL.Path, resp.Status, strings.TrimSpace(string(b)))
	}
	if out == nil {
		return nil
	}
	return json.NewDecoder(resp.Body).Decode(out)
}

// startImport asks for an import of url into folder and returns the task id.
func (f *ferryServer) startImport(ctx context.Context, url, folder string) (string, error) {
	var loc struct{ ID string }
	err := f.call(ctx, http.MethodPost, "/files/v3/files/import-from-url/async",
		map[string]any{"url": url, "access": "PUBLIC_NOT_INDEXABLE", "folderPath": folder}, http.StatusAccepted, &loc)
	return loc.ID, err
}

// fileInfo is what the bench reads of a File.
type fileInfo struct {
	ID   string `json:"id"`
	URL  string `json:"url"`
	Size int64  `json:"size"`
}

// waitTask polls a task's status every poll until it ends, and returns
// its file; a task that ends CANCELED is an error.
func (f *ferryServer) waitTask(ctx context.Context, id string, poll time.Duration) (fileInfo, error) {
	for {
		var st struct {
			Status string
			Result fileInfo
			Errors []json.RawMessage
		}
		if err := f.call(ctx, http.MethodGet, "/files/v3/files/import-from-url/async/tasks/"+id+"/status", nil, http.StatusOK, &st); err != nil {
			return fileInfo{}, err
		}
		switch st.Status {
		case "COMPLETE":
			return st.Result, nil
		case "CANCELED":
			return fileInfo{}, fmt.Errorf("task %s canceled: %s", id, st.Errors)
		}
		select {
		case <-ctx.Done():
			return fileInfo{}, ctx.Err()
		case <-time.After(poll):
		}
	}
}

// upload sends a multipart upload and returns the new file.
func (f *ferryServer) upload(ctx context.Context, m multipartBody) (fileInfo, error) {
	req, done, err := m.request(f.base+"/files/v3/files", f.auth)
	if err != nil {
		return fileInfo{}, err
	}
	defer done()
	var out fileInfo
	return out, f.do(req.WithContext(ctx), http.StatusCreated, &out)
}

// deleteFile deletes a file and its bytes for good, to keep the disk from
// filling up with benchmark copies.
func (f *ferryServer) deleteFile(ctx context.Context, id string) error {
	return f.call(ctx, http.MethodDelete, "/files/v3/files/"+id+"/gdpr-delete", nil, http.StatusNoContent, nil)
}
