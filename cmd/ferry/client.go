package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
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

// clientFlags defines the flags every client subcommand shares.
func clientFlags(e *envFlags) *apiClient {
	c := &apiClient{http: &http.Client{Timeout: 10 * time.Minute}}
	e.str(&c.server, "server", "http://127.0.0.1:8080", "base URL of the Files API")
	e.str(&c.token, "token", "", "bearer token")
	return c
}

// do sends a request and decodes a JSON answer into out (if not nil). A
// non-2xx answer becomes an error carrying the server's message.
func (c *apiClient) do(ctx context.Context, method, path, contentType string, body io.Reader, out any) error {
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimRight(c.server, "/")+path, body)
	if err != nil {
		return err
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		var e struct{ Message, Category string }
		if json.Unmarshal(b, &e) == nil && e.Message != "" {
			return fmt.Errorf("%s (%d %s)", e.Message, resp.StatusCode, e.Category)
		}
		return fmt.Errorf("%s %s: %s", method, path, resp.Status)
	}
	if out == nil || len(b) == 0 {
		return nil
	}
	return json.Unmarshal(b, out)
}

func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// runImport handles "ferry import URL".
func runImport(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("ferry import", flag.ContinueOnError)
	fs.SetOutput(stderr)
	e := &envFlags{fs: fs, getenv: getenv}
	c := clientFlags(e)
	in := map[string]any{}
	var folderPath, folderID, access, name string
	var wait bool
	fs.StringVar(&folderPath, "folder-path", "/imports", "destination folder path (created if missing)")
	fs.StringVar(&folderID, "folder-id", "", "destination folder id (instead of --folder-path)")
	fs.StringVar(&access, "access", "PRIVATE", "access level")
	fs.StringVar(&name, "name", "", "file name (default: from the origin)")
	fs.BoolVar(&wait, "wait", false, "wait until the task ends and print its final status")
	fs.Usage = func() { fmt.Fprintln(stderr, "Usage: ferry import [flags] URL"); fs.PrintDefaults() }
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return errors.New("give exactly one URL")
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
	body, _ := json.Marshal(in)
	var loc struct {
		ID string `json:"id"`
	}
	if err := c.do(ctx, "POST", "/files/v3/files/import-from-url/async", "application/json", bytes.NewReader(body), &loc); err != nil {
		return err
	}
	if !wait {
		return printJSON(stdout, loc)
	}
	return c.waitTask(ctx, "/files/v3/files/import-from-url/async/tasks/"+url.PathEscape(loc.ID)+"/status", stdout)
}

// waitTask polls a task's status until it ends, prints it, and fails if
// the task was canceled.
func (c *apiClient) waitTask(ctx context.Context, path string, stdout io.Writer) error {
	for delay := 100 * time.Millisecond; ; delay = min(delay*2, 2*time.Second) {
		var st map[string]any
		if err := c.do(ctx, "GET", path, "", nil, &st); err != nil {
			return err
		}
		switch st["status"] {
		case "COMPLETE":
			return printJSON(stdout, st)
		case "CANCELED":
			printJSON(stdout, st)
			return errors.New("the task was canceled")
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(delay):
		}
	}
}

// runStatus handles "ferry status TASK_ID".
func runStatus(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("ferry status", flag.ContinueOnError)
	fs.SetOutput(stderr)
	c := clientFlags(&envFlags{fs: fs, getenv: getenv})
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return errors.New("usage: ferry status [flags] TASK_ID")
	}
	var st any
	if err := c.do(ctx, "GET", "/files/v3/files/import-from-url/async/tasks/"+url.PathEscape(fs.Arg(0))+"/status", "", nil, &st); err != nil {
		return err
	}
	return printJSON(stdout, st)
}

// runUpload handles "ferry upload FILE", streaming the file.
func runUpload(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("ferry upload", flag.ContinueOnError)
	fs.SetOutput(stderr)
	c := clientFlags(&envFlags{fs: fs, getenv: getenv})
	var folderPath, access string
	fs.StringVar(&folderPath, "folder-path", "/uploads", "destination folder path (created if missing)")
	fs.StringVar(&access, "access", "PRIVATE", "access level")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return errors.New("usage: ferry upload [flags] FILE")
	}
	f, err := os.Open(fs.Arg(0))
	if err != nil {
		return err
	}
	defer f.Close()
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		opts, _ := json.Marshal(map[string]string{"access": access})
		err := mw.WriteField("folderPath", folderPath)
		if err == nil {
			err = mw.WriteField("options", string(opts))
		}
		if err == nil {
			var part io.Writer
			if part, err = mw.CreateFormFile("file", filepath.Base(f.Name())); err == nil {
				_, err = io.Copy(part, f)
			}
		}
		if err == nil {
			err = mw.Close()
		}
		pw.CloseWithError(err)
	}()
	var out any
	if err := c.do(ctx, "POST", "/files/v3/files", mw.FormDataContentType(), pr, &out); err != nil {
		return err
	}
	return printJSON(stdout, out)
}
