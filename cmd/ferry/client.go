package main

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// apiClient calls a Ferry (or HubSpot) Files API over HTTP for the client
// subcommands.
type apiClient struct {
	server string
	token  string
	http   *http.Client
}

// clientFlags defines the flags every client subcommand shares. The
// token's help never shows its value: FERRY_TOKEN is read after parsing.
func clientFlags(e *envFlags) *apiClient {
	c := &apiClient{http: &http.Client{Timeout: 10 * time.Minute}}
	e.str(&c.server, "server", "http://127.0.0.1:8080", "base URL of the Ferry server")
	e.secret(&c.token, "token", "bearer token (create one with: ferry token create)")
	return c
}

// apiError is a non-2xx answer of the API, with HubSpot's error body.
type apiError struct {
	Method, Path  string
	Status        int
	Category      string
	SubCategory   string
	Message       string
	CorrelationID string
	hint          string
}

func (e *apiError) Error() string {
	msg := e.Message
	if msg == "" {
		msg = fmt.Sprintf("%s %s: %d %s", e.Method, e.Path, e.Status, http.StatusText(e.Status))
	}
	s := fmt.Sprintf("%s (%d %s)", msg, e.Status, e.Category)
	if e.hint != "" {
		s += "\nhint: " + e.hint
	}
	return s
}

func (e *apiError) ExitCode() int {
	switch {
	case e.Status == http.StatusUnauthorized || e.Status == http.StatusForbidden:
		return exitAuth
	case e.Status == http.StatusNotFound:
		return exitNotFound
	case e.Status >= 400 && e.Status < 500:
		return exitRejected
	}
	return exitError
}

// hintFor says which flag or variable fixes a refusal, for the errors a
// newcomer meets first.
func (c *apiClient) hintFor(status int, category, subCategory string) string {
	switch {
	case status == http.StatusUnauthorized && c.token == "":
		return "no token given: pass --token TOKEN or set FERRY_TOKEN (create one on the server's machine with: ferry token create --data-dir DIR)"
	case status == http.StatusUnauthorized:
		return "the server does not know this token: check --token / FERRY_TOKEN, and that it was created in this server's database (ferry token create --data-dir DIR, where DIR is the server's --data-dir)"
	case status == http.StatusForbidden:
		return "the token lacks a scope for this; create one with the scopes it needs: ferry token create --scopes files"
	}
	return fetchHint(subCategory)
}

// fetchHint explains an import refused by the server's fetch policy.
func fetchHint(code string) string {
	switch code {
	case "ADDRESS_NOT_ALLOWED":
		return "the server refuses loopback, private and other non-public addresses; for local testing start it with --allow-private-networks (FERRY_ALLOW_PRIVATE_NETWORKS=true), or allow this one host with --fetch-allow (FERRY_FETCH_ALLOW)"
	case "PORT_NOT_ALLOWED":
		return "the server imports only from ports 80 and 443 by default; start it with --fetch-ports (FERRY_FETCH_PORTS) or --allow-private-networks for a local origin"
	}
	return ""
}

// do sends a request and decodes a JSON answer into out (if not nil). A
// non-2xx answer becomes an *apiError.
func (c *apiClient) do(ctx context.Context, method, path, contentType string, body io.Reader, out any) error {
	resp, err := c.send(ctx, method, path, contentType, body)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if out == nil || len(b) == 0 {
		return nil
	}
	return json.Unmarshal(b, out)
}

// send sends a request and returns a 2xx response, whose body the caller
// closes; any other answer becomes an *apiError, and a server that cannot
// be reached an error that says which one.
func (c *apiClient) send(ctx context.Context, method, path, contentType string, body io.Reader) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimRight(c.server, "/")+path, body)
	if err != nil {
		return nil, usagef("--server %q: %v", c.server, err)
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, codedError{fmt.Errorf("%w\nhint: is ferry serve running there? Point at it with --server URL or FERRY_SERVER", err), exitNoServer}
	}
	if resp.StatusCode/100 == 2 {
		return resp, nil
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	e := &apiError{Method: method, Path: path, Status: resp.StatusCode}
	var wire struct {
		Message, Category, SubCategory, CorrelationID string
		Errors                                        []struct{ SubCategory, Code string }
	}
	if json.Unmarshal(b, &wire) == nil {
		e.Message, e.Category, e.SubCategory, e.CorrelationID = wire.Message, wire.Category, wire.SubCategory, wire.CorrelationID
		if e.SubCategory == "" && len(wire.Errors) > 0 {
			e.SubCategory = cmp.Or(wire.Errors[0].SubCategory, wire.Errors[0].Code)
		}
	}
	e.hint = c.hintFor(e.Status, e.Category, e.SubCategory)
	return nil, e
}

// runImport handles "ferry import URL".
func runImport(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cmd := newClientCmd("import", "[flags] URL", `Import a file from a URL through the server and print the task's id.
With --wait, follow the task until it ends: a live progress bar on a
terminal (bytes, rate, time left; the countdown and reason while it waits
to retry), plain lines otherwise, then one line with the result. With
--json, print the final task as JSON instead. --header and --expect-* use
Ferry's own import route (/ferry/v1/imports).`, getenv, stdout, stderr)
	fs, c := cmd.fs, cmd.api
	in := map[string]any{}
	var folderPath, folderID, access, name, md5, sha string
	var wait bool
	var headers headerFlags
	size := int64(-1)
	fs.StringVar(&folderPath, "folder-path", "/imports", "destination folder path (created if missing)")
	fs.StringVar(&folderID, "folder-id", "", "destination folder id (instead of --folder-path)")
	fs.StringVar(&access, "access", "PRIVATE", "access level: PUBLIC_INDEXABLE, PUBLIC_NOT_INDEXABLE, PRIVATE (reachable through ferry url), SENSITIVE, ...")
	fs.StringVar(&name, "name", "", "file name (default: from the origin)")
	fs.BoolVar(&wait, "wait", false, "follow the task until it ends, with its progress")
	fs.Var(&headers, "header", `a request header for the origin, "Name: value" (repeatable); kept encrypted on the server and never shown`)
	fs.Int64Var(&size, "expect-size", -1, "the file's size in bytes: anything else is refused and not stored")
	fs.StringVar(&md5, "expect-md5", "", "the file's MD5 (hex): anything else is refused and not stored")
	fs.StringVar(&sha, "expect-sha256", "", "the file's SHA-256 (hex): anything else is refused and not stored")
	if err := cmd.parse(args, 1, 1); err != nil {
		return err
	}
	in["url"], in["access"] = fs.Arg(0), access
	if folderID != "" {
		in["folderId"] = folderID
	} else {
		in["folderPath"] = folderPath
	}
	if name != "" {
		in["name"] = name
	}
	path := "/files/v3/files/import-from-url/async"
	expected := map[string]any{}
	if size >= 0 {
		expected["size"] = size
	}
	if md5 != "" {
		expected["md5"] = md5
	}
	if sha != "" {
		expected["sha256"] = sha
	}
	if len(expected) > 0 || len(headers) > 0 {
		path, in["expected"], in["sourceHeaders"] = "/ferry/v1/imports", expected, headers.m()
	}
	body, _ := json.Marshal(in)
	var loc struct {
		ID string `json:"id"`
	}
	if err := c.do(ctx, "POST", path, "application/json", bytes.NewReader(body), &loc); err != nil {
		return err
	}
	if !wait {
		return printJSON(stdout, loc)
	}
	if !cmd.out.json {
		fmt.Fprintf(stdout, "task %s\n", loc.ID)
	}
	t, err := c.watchTask(ctx, loc.ID, stderr)
	if errors.Is(err, context.Canceled) {
		return fmt.Errorf("stopped watching; the import goes on (ferry tasks cancel %s stops it)", loc.ID)
	}
	if err != nil {
		return err
	}
	if cmd.out.json {
		printJSON(stdout, t.raw)
	} else {
		fmt.Fprintln(stdout, resultLine(t))
	}
	if t.Status != "COMPLETE" {
		err := errors.New("the task was canceled")
		if len(t.Errors) > 0 && len(t.Errors[0].Errors) > 0 {
			if h := fetchHint(t.Errors[0].Errors[0].SubCategory); h != "" {
				err = fmt.Errorf("%w\nhint: %s", err, h)
			}
		}
		return codedError{err, exitCanceled}
	}
	return nil
}

// runStatus handles "ferry status TASK_ID".
func runStatus(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cmd := newClientCmd("status", "[flags] TASK_ID", "Print an import task's status (the id ferry import printed).", getenv, stdout, stderr)
	if err := cmd.parse(args, 1, 1); err != nil {
		return err
	}
	var st any
	if err := cmd.api.do(ctx, "GET", "/files/v3/files/import-from-url/async/tasks/"+url.PathEscape(cmd.fs.Arg(0))+"/status", "", nil, &st); err != nil {
		return err
	}
	return printJSON(stdout, st)
}
