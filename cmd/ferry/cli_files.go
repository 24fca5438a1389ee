package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"

	"ferry/internal/ferry"
)

// clientCmd is one client subcommand: its flags, with the API client's.
type clientCmd struct {
	*command
	api *apiClient
}

func newClientCmd(name, argsSyntax, about string, getenv func(string) string, stdout, stderr io.Writer) *clientCmd {
	c := &clientCmd{command: newCommand("ferry "+name, argsSyntax, about, getenv, stdout, stderr)}
	c.api = clientFlags(c.env)
	return c
}

// remoteFile is the part of HubSpot's File the text output shows; raw is
// the whole answer, which --json prints.
type remoteFile struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	Extension string `json:"extension"`
	Path      string `json:"path"`
	Size      int64  `json:"size"`
	Access    string `json:"access"`
	URL       string `json:"url"`
	UpdatedAt string `json:"updatedAt"`
	raw       json.RawMessage
}

// fileName is the file's name with its extension.
func (f *remoteFile) fileName() string {
	if f.Extension == "" {
		return f.Name
	}
	return f.Name + "." + f.Extension
}

func decodeFile(raw json.RawMessage) (*remoteFile, error) {
	f := &remoteFile{raw: raw}
	return f, json.Unmarshal(raw, f)
}

// remoteFolder is the part of HubSpot's Folder the CLI uses.
type remoteFolder struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Path string `json:"path"`
	raw  json.RawMessage
}

// escapePath escapes each segment of an absolute path for a URL.
func escapePath(p string) string {
	segs := strings.Split(strings.Trim(p, "/"), "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return "/" + strings.Join(segs, "/")
}

// isFileID reports whether s is a file id (decimal digits).
func isFileID(s string) bool {
	return s != "" && strings.Trim(s, "0123456789") == ""
}

// stat resolves an absolute path to a file or a folder ("/" is the root
// folder, which has no record: both results are nil).
func (c *clientCmd) stat(ctx context.Context, p string) (*remoteFile, *remoteFolder, error) {
	if strings.Trim(p, "/") == "" {
		return nil, nil, nil
	}
	var body struct {
		File   json.RawMessage `json:"file"`
		Folder json.RawMessage `json:"folder"`
	}
	if err := c.api.do(ctx, "GET", "/files/v3/files/stat"+escapePath(p), "", nil, &body); err != nil {
		return nil, nil, err
	}
	if len(body.File) > 0 && string(body.File) != "null" {
		f, err := decodeFile(body.File)
		return f, nil, err
	}
	fo := &remoteFolder{raw: body.Folder}
	return nil, fo, json.Unmarshal(body.Folder, fo)
}

// resolveFile finds a file by id or by absolute path.
func (c *clientCmd) resolveFile(ctx context.Context, ref string) (*remoteFile, error) {
	switch {
	case isFileID(ref):
		var raw json.RawMessage
		if err := c.api.do(ctx, "GET", "/files/v3/files/"+ref, "", nil, &raw); err != nil {
			return nil, err
		}
		return decodeFile(raw)
	case strings.HasPrefix(ref, "/"):
		f, _, err := c.stat(ctx, ref)
		if err == nil && f == nil {
			err = codedError{fmt.Errorf("%s is a folder, not a file", ref), exitRejected}
		}
		return f, err
	}
	return nil, usagef("%q: give a file id (digits) or an absolute path such as /docs/report.pdf", ref)
}

// search pages through a search endpoint, collecting every result.
func (c *clientCmd) search(ctx context.Context, endpoint string, q url.Values) ([]json.RawMessage, error) {
	var all []json.RawMessage
	q.Set("limit", "100")
	for {
		var page struct {
			Results []json.RawMessage `json:"results"`
			Paging  struct {
				Next struct {
					After string `json:"after"`
				} `json:"next"`
			} `json:"paging"`
		}
		if err := c.api.do(ctx, "GET", endpoint+"?"+q.Encode(), "", nil, &page); err != nil {
			return nil, err
		}
		all = append(all, page.Results...)
		if page.Paging.Next.After == "" {
			return all, nil
		}
		q.Set("after", page.Paging.Next.After)
	}
}

// runLs handles "ferry ls [PATH]".
func runLs(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	c := newClientCmd("ls", "[flags] [PATH|ID]", `List a folder: its folders (ending in /), then its files with id, size,
last update and access. PATH defaults to /. A file's path or id lists that file.`, getenv, stdout, stderr)
	if err := c.parse(args, 0, 1); err != nil {
		return err
	}
	p := "/"
	if c.fs.NArg() == 1 {
		p = c.fs.Arg(0)
	}
	if isFileID(p) {
		f, err := c.resolveFile(ctx, p)
		if err != nil {
			return err
		}
		return c.printListing(p, nil, []*remoteFile{f})
	}
	if !strings.HasPrefix(p, "/") {
		return usagef("%q: give an absolute path such as /docs, or a file id", p)
	}
	f, folder, err := c.stat(ctx, p)
	if err != nil {
		return err
	}
	if f != nil {
		return c.printListing(p, nil, []*remoteFile{f})
	}
	folders, files, err := c.listFolder(ctx, folder)
	if err != nil {
		return err
	}
	return c.printListing(p, folders, files)
}

// listFolder returns a folder's subfolders and files; nil is the root.
func (c *clientCmd) listFolder(ctx context.Context, folder *remoteFolder) ([]*remoteFolder, []*remoteFile, error) {
	fq, fileQ := url.Values{}, url.Values{}
	if folder != nil {
		fq.Set("parentFolderIds", folder.ID)
		fileQ.Set("parentFolderIds", folder.ID)
	} else {
		fileQ.Set("path", "/")
	}
	fq.Set("sort", "name")
	fileQ.Set("sort", "name")
	rawFolders, err := c.search(ctx, "/files/v3/folders/search", fq)
	if err != nil {
		return nil, nil, err
	}
	var folders []*remoteFolder
	for _, raw := range rawFolders {
		fo := &remoteFolder{raw: raw}
		if err := json.Unmarshal(raw, fo); err != nil {
			return nil, nil, err
		}
		// The search has no filter for "at the root": keep top-level paths.
		if folder != nil || strings.Count(strings.TrimSuffix(fo.Path, "/"), "/") == 1 {
			folders = append(folders, fo)
		}
	}
	rawFiles, err := c.search(ctx, "/files/v3/files/search", fileQ)
	if err != nil {
		return nil, nil, err
	}
	files := make([]*remoteFile, 0, len(rawFiles))
	for _, raw := range rawFiles {
		f, err := decodeFile(raw)
		if err != nil {
			return nil, nil, err
		}
		files = append(files, f)
	}
	return folders, files, nil
}

func (c *clientCmd) printListing(p string, folders []*remoteFolder, files []*remoteFile) error {
	v := struct {
		Path    string            `json:"path"`
		Folders []json.RawMessage `json:"folders"`
		Files   []json.RawMessage `json:"files"`
	}{Path: p, Folders: []json.RawMessage{}, Files: []json.RawMessage{}}
	for _, fo := range folders {
		v.Folders = append(v.Folders, fo.raw)
	}
	for _, f := range files {
		v.Files = append(v.Files, f.raw)
	}
	return c.out.result(v, func(w io.Writer) {
		for _, fo := range folders {
			fmt.Fprintf(w, "%-12s %10s  %-20s %-22s %s/\n", fo.ID, "-", "", "", fo.Name)
		}
		for _, f := range files {
			fmt.Fprintf(w, "%-12s %10s  %-20s %-22s %s\n", f.ID, ferry.HumanSize(f.Size), shortTime(f.UpdatedAt), f.Access, f.fileName())
		}
	})
}

// shortTime trims an ISO-8601 time to the second.
func shortTime(s string) string {
	if len(s) >= 19 {
		return strings.Replace(s[:19], "T", " ", 1)
	}
	return s
}

// runGet handles "ferry get ID|PATH [-o FILE]".
func runGet(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	c := newClientCmd("get", "[flags] ID|PATH", `Download a file by id or path. It is saved under its own name in the
current directory unless -o says otherwise; -o - writes it to standard output.`, getenv, stdout, stderr)
	var dest string
	c.fs.StringVar(&dest, "o", "", "where to save the file: a path, a directory, or - for standard output")
	if err := c.parse(args, 1, 1); err != nil {
		return err
	}
	f, err := c.resolveFile(ctx, c.fs.Arg(0))
	if err != nil {
		return err
	}
	resp, err := c.api.send(ctx, "GET", "/files/v3/files/"+f.ID+"/download", "", nil)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if dest == "-" {
		_, err := io.Copy(stdout, resp.Body)
		return err
	}
	if dest == "" {
		dest = f.fileName()
	} else if fi, err := os.Stat(dest); err == nil && fi.IsDir() {
		dest = filepath.Join(dest, f.fileName())
	}
	n, err := saveFile(dest, resp.Body)
	if err != nil {
		return err
	}
	return c.out.result(map[string]any{"savedTo": dest, "bytes": n, "file": f.raw}, func(w io.Writer) {
		fmt.Fprintf(w, "%s -> %s (%s)\n", f.Path, dest, ferry.HumanSize(n))
	})
}

// saveFile writes r to dest through a temporary file in the same
// directory, so that a broken download never leaves half a file.
func saveFile(dest string, r io.Reader) (int64, error) {
	tmp, err := os.CreateTemp(filepath.Dir(dest), "."+filepath.Base(dest)+".ferry-*")
	if err != nil {
		return 0, err
	}
	n, err := io.Copy(tmp, r)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), dest)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return 0, err
	}
	return n, nil
}

// runRm handles "ferry rm ID|PATH...".
func runRm(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	c := newClientCmd("rm", "[flags] ID|PATH...", `Archive files, by id or path (archived files are no longer served or
listed). A folder path needs -r, which archives the folder and everything in it.`, getenv, stdout, stderr)
	var recursive bool
	c.fs.BoolVar(&recursive, "r", false, "also archive folders, with everything in them")
	if err := c.parse(args, 1, -1); err != nil {
		return err
	}
	type removed struct {
		Kind string `json:"kind"`
		ID   string `json:"id"`
		Path string `json:"path"`
	}
	var done []removed
	for _, ref := range c.fs.Args() {
		var f *remoteFile
		var folder *remoteFolder
		var err error
		if isFileID(ref) {
			f, err = c.resolveFile(ctx, ref)
		} else if strings.HasPrefix(ref, "/") {
			f, folder, err = c.stat(ctx, ref)
			if err == nil && f == nil && folder == nil {
				err = usagef("refusing to archive the root folder")
			}
		} else {
			err = usagef("%q: give a file id or an absolute path", ref)
		}
		switch {
		case err != nil:
		case folder != nil && !recursive:
			err = usagef("%s is a folder: add -r to archive it and everything in it", ref)
		case folder != nil:
			err = c.api.do(ctx, "DELETE", "/files/v3/folders/"+folder.ID, "", nil, nil)
			done = append(done, removed{"folder", folder.ID, folder.Path})
		default:
			err = c.api.do(ctx, "DELETE", "/files/v3/files/"+f.ID, "", nil, nil)
			done = append(done, removed{"file", f.ID, f.Path})
		}
		if err != nil {
			return err
		}
		if !c.out.json {
			last := done[len(done)-1]
			fmt.Fprintf(stdout, "archived %s %s %s\n", last.Kind, last.ID, last.Path)
		}
	}
	if c.out.json {
		return printJSON(stdout, done)
	}
	return nil
}

// runMv handles "ferry mv SRC DST".
func runMv(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	c := newClientCmd("mv", "[flags] ID|PATH DEST", `Move or rename a file. DEST is a folder (an existing one, or any path
ending in /, created if missing) to move the file into, or a full new path.
A file keeps its extension: mv /a/x.txt /b/y.txt is fine, /b/y.md is not.`, getenv, stdout, stderr)
	if err := c.parse(args, 2, 2); err != nil {
		return err
	}
	f, err := c.resolveFile(ctx, c.fs.Arg(0))
	if err != nil {
		return err
	}
	dst := c.fs.Arg(1)
	if !strings.HasPrefix(dst, "/") {
		return usagef("%q: DEST must be an absolute path", dst)
	}
	update := map[string]any{}
	intoFolder := strings.HasSuffix(dst, "/")
	if !intoFolder {
		if _, folder, err := c.stat(ctx, dst); err == nil && folder != nil {
			intoFolder = true
		} else if err != nil && exitCode(err) != exitNotFound {
			return err
		}
	}
	folder := path.Dir(dst)
	if intoFolder {
		folder = "/" + strings.Trim(dst, "/")
	}
	if err := c.ensureFolder(ctx, folder); err != nil {
		return err
	}
	if intoFolder {
		update["parentFolderPath"] = folder
	} else {
		dir, base := path.Split(dst)
		name := base
		if f.Extension != "" {
			var ok bool
			if name, ok = strings.CutSuffix(base, "."+f.Extension); !ok || name == "" {
				return usagef("%s keeps its extension .%s: give a DEST name ending in .%s", f.Path, f.Extension, f.Extension)
			}
		}
		update["parentFolderPath"] = "/" + strings.Trim(dir, "/")
		update["name"] = name
	}
	body, _ := json.Marshal(update)
	var raw json.RawMessage
	if err := c.api.do(ctx, "PATCH", "/files/v3/files/"+f.ID, "application/json", strings.NewReader(string(body)), &raw); err != nil {
		return err
	}
	moved, err := decodeFile(raw)
	if err != nil {
		return err
	}
	return c.out.result(raw, func(w io.Writer) { fmt.Fprintf(w, "%s -> %s\n", f.Path, moved.Path) })
}

// ensureFolder creates the folder at p and any missing parents.
func (c *clientCmd) ensureFolder(ctx context.Context, p string) error {
	parent := "/"
	for _, name := range strings.Split(strings.Trim(p, "/"), "/") {
		if name == "" {
			continue
		}
		here := path.Join(parent, name)
		_, _, err := c.stat(ctx, here)
		if exitCode(err) == exitNotFound {
			body, _ := json.Marshal(map[string]string{"name": name, "parentPath": parent})
			err = c.api.do(ctx, "POST", "/files/v3/folders", "application/json", strings.NewReader(string(body)), nil)
		}
		if err != nil {
			return err
		}
		parent = here
	}
	return nil
}

// runURL handles "ferry url ID|PATH".
func runURL(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	c := newClientCmd("url", "[flags] ID|PATH", `Print a link to a file. Public files have a permanent URL; private files
get a signed URL that works without a token until it expires (--expires).
SENSITIVE files have no link: use ferry get.`, getenv, stdout, stderr)
	var expires durationValue
	c.fs.Var(&expires, "expires", "how long a signed URL stays valid, such as 10m, 6h or 1d (default: the server's, 6h)")
	if err := c.parse(args, 1, 1); err != nil {
		return err
	}
	f, err := c.resolveFile(ctx, c.fs.Arg(0))
	if err != nil {
		return err
	}
	if strings.HasSuffix(f.Access, "INDEXABLE") && expires == 0 { // PUBLIC_* and HIDDEN_*INDEXABLE: served to anyone
		return c.out.result(map[string]any{"url": f.URL, "signed": false, "file": f.raw}, func(w io.Writer) { fmt.Fprintln(w, f.URL) })
	}
	q := ""
	if expires > 0 {
		q = fmt.Sprintf("?expirationSeconds=%d", int64(expires.seconds()))
	}
	var signed struct {
		URL       string `json:"url"`
		ExpiresAt string `json:"expiresAt"`
	}
	if err := c.api.do(ctx, "GET", "/files/v3/files/"+f.ID+"/signed-url"+q, "", nil, &signed); err != nil {
		return err
	}
	return c.out.result(map[string]any{"url": signed.URL, "signed": true, "expiresAt": signed.ExpiresAt, "file": f.raw},
		func(w io.Writer) { fmt.Fprintln(w, signed.URL) })
}

func (v durationValue) seconds() float64 { return float64(v) / 1e9 }
