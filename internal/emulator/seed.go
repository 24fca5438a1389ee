package emulator

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"

	"ferry/internal/ferry"
)

// Manifest is what POST /_ferry/seed takes, and what an optional
// manifest.json in a --seed directory says.
type Manifest struct {
	// Portal receives everything; defaults to 1.
	Portal  ferry.PortalID `json:"portal,omitempty"`
	Folders []string       `json:"folders,omitempty"`
	Files   []SeedFile     `json:"files,omitempty"`
}

// SeedFile is one file of a manifest. Its content is Content (base64),
// Text, or fetched from URL; in a --seed directory's manifest it is the
// file at Path in the directory, and the entry only sets its access.
type SeedFile struct {
	Path      string       `json:"path"`
	Access    ferry.Access `json:"access,omitempty"`
	Content   *string      `json:"content,omitempty"`
	Text      *string      `json:"text,omitempty"`
	URL       string       `json:"url,omitempty"`
	ExpiresAt string       `json:"expiresAt,omitempty"`
}

// SeedResult lists what a seed created.
type SeedResult struct {
	Folders []SeededFolder `json:"folders"`
	Files   []SeededFile   `json:"files"`
}

// SeededFolder is a folder a seed made (or found).
type SeededFolder struct {
	ID   string `json:"id"`
	Path string `json:"path"`
}

// SeededFile is a file a seed made.
type SeededFile struct {
	ID     string       `json:"id"`
	Path   string       `json:"path"`
	Access ferry.Access `json:"access"`
	Size   int64        `json:"size"`
	MD5    string       `json:"md5"`
}

// maxManifest bounds a seed request's body: inline content is for
// fixtures, not bulk loads.
const maxManifest = 64 << 20

// defaultSeedAccess is the access of a seeded file that names none.
const defaultSeedAccess = ferry.AccessPublicNotIndexable

// validate checks the manifest as a whole before anything is written.
func (m *Manifest) validate(fromDir bool) error {
	var p ferry.Problems
	if m.Portal == 0 {
		m.Portal = 1
	}
	if m.Portal < 0 {
		p.Add("portal", "OUT_OF_RANGE", "portal must be positive")
	}
	for i, f := range m.Folders {
		if !strings.HasPrefix(f, "/") || path.Clean(f) != f || f == "/" {
			p.Add(fmt.Sprintf("folders[%d]", i), "INVALID_PATH", "folder %q is not a clean absolute path below /", f)
		}
	}
	for i, f := range m.Files {
		in := fmt.Sprintf("files[%d]", i)
		if !strings.HasPrefix(f.Path, "/") || path.Clean(f.Path) != f.Path || strings.HasSuffix(f.Path, "/") || f.Path == "/" {
			p.Add(in+".path", "INVALID_PATH", "path %q is not a clean absolute file path", f.Path)
		}
		if f.Access != "" && !f.Access.Valid() {
			p.Add(in+".access", "INVALID_ENUM", "access %q is not one of HubSpot's access levels", f.Access)
		}
		if f.ExpiresAt != "" {
			if _, err := ferry.ParseTime(f.ExpiresAt); err != nil {
				p.Add(in+".expiresAt", "INVALID_DATE", "expiresAt %q is not an ISO 8601 time", f.ExpiresAt)
			}
		}
		n := 0
		for _, set := range []bool{f.Content != nil, f.Text != nil, f.URL != ""} {
			if set {
				n++
			}
		}
		if fromDir && n > 0 {
			p.Add(in, "INVALID", "a --seed directory's manifest only sets access and expiresAt; the content is the file in the directory")
		}
		if !fromDir && n != 1 {
			p.Add(in, "REQUIRED", "give exactly one of content (base64), text and url")
		}
		if f.Content != nil {
			if _, err := base64.StdEncoding.DecodeString(*f.Content); err != nil {
				p.Add(in+".content", "INVALID_BASE64", "content is not standard base64: %v", err)
			}
		}
	}
	return p.Err()
}

// handleSeed serves POST /_ferry/seed.
func (e *Emulator) handleSeed(w http.ResponseWriter, r *http.Request) {
	var m Manifest
	if err := decodeBody(r, maxManifest, &m); err != nil {
		e.fail(w, r, err)
		return
	}
	if err := m.validate(false); err != nil {
		e.fail(w, r, err)
		return
	}
	res, err := e.seed(r.Context(), m, nil)
	if err != nil {
		e.fail(w, r, err)
		return
	}
	reply(w, http.StatusOK, res)
}

// seed creates the manifest's folders, then its files, each from open (a
// --seed directory) or from its own content. A file at a path that exists
// already is replaced.
func (e *Emulator) seed(ctx context.Context, m Manifest, open func(SeedFile) (io.ReadCloser, error)) (SeedResult, error) {
	res := SeedResult{Folders: []SeededFolder{}, Files: []SeededFile{}}
	for _, p := range m.Folders {
		f, err := e.cfg.Store.EnsureFolder(ctx, m.Portal, p)
		if err != nil {
			return res, err
		}
		res.Folders = append(res.Folders, SeededFolder{ID: f.ID.String(), Path: f.Path})
	}
	if open == nil {
		open = func(sf SeedFile) (io.ReadCloser, error) { return e.openSeed(ctx, sf) }
	}
	for _, sf := range m.Files {
		f, err := e.seedFile(ctx, m.Portal, sf, open)
		if err != nil {
			return res, fmt.Errorf("seed %s: %w", sf.Path, err)
		}
		res.Files = append(res.Files, SeededFile{ID: f.ID.String(), Path: f.Path(), Access: f.Access, Size: f.Size, MD5: f.MD5})
	}
	return res, nil
}

func (e *Emulator) seedFile(ctx context.Context, portal ferry.PortalID, sf SeedFile, open func(SeedFile) (io.ReadCloser, error)) (ferry.File, error) {
	dir, name := path.Split(sf.Path)
	folder, err := e.cfg.Store.EnsureFolder(ctx, portal, path.Clean(dir))
	if err != nil {
		return ferry.File{}, err
	}
	body, err := open(sf)
	if err != nil {
		return ferry.File{}, err
	}
	defer body.Close()
	staged, err := e.cfg.Content.Stage(ctx, ferry.Content{Portal: portal, Body: body, FileName: name})
	if err != nil {
		return ferry.File{}, err
	}
	p := ferry.Placement{Portal: portal, FolderID: folder.ID, Name: name, Access: sf.Access, Overwrite: true}
	if p.Access == "" {
		p.Access = defaultSeedAccess
	}
	if sf.ExpiresAt != "" {
		p.ExpiresAt, _ = ferry.ParseTime(sf.ExpiresAt)
	}
	return e.cfg.Content.Commit(ctx, staged, p, nil)
}

// openSeed opens a manifest file's own content: inline, or fetched from
// its URL through the import fetch policy.
func (e *Emulator) openSeed(ctx context.Context, sf SeedFile) (io.ReadCloser, error) {
	switch {
	case sf.Content != nil:
		b, _ := base64.StdEncoding.DecodeString(*sf.Content)
		return io.NopCloser(bytes.NewReader(b)), nil
	case sf.Text != nil:
		return io.NopCloser(strings.NewReader(*sf.Text)), nil
	}
	resp, err := e.cfg.Fetcher.Fetch(ctx, sf.URL)
	if err != nil {
		return nil, ferry.Invalidf("url", "fetching %s: %v", sf.URL, err)
	}
	return resp.Body, nil
}

// SeedDir loads a directory tree: directories become folders and files
// become files, in the manifest's portal (1 by default), with the access
// that an optional manifest.json at the top sets per path (else
// PUBLIC_NOT_INDEXABLE). It does nothing if any files or folders exist
// already, so that a restart does not seed twice.
func (e *Emulator) SeedDir(ctx context.Context, dir string) (SeedResult, error) {
	empty, err := e.cfg.Store.StateEmpty(ctx)
	if err != nil || !empty {
		return SeedResult{}, err
	}
	var m Manifest
	if b, err := os.ReadFile(filepath.Join(dir, "manifest.json")); err == nil {
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&m); err != nil {
			return SeedResult{}, fmt.Errorf("%s/manifest.json: %w", dir, err)
		}
	} else if !os.IsNotExist(err) {
		return SeedResult{}, err
	}
	if err := m.validate(true); err != nil {
		return SeedResult{}, fmt.Errorf("%s/manifest.json: %w", dir, err)
	}
	set := map[string]SeedFile{}
	for _, f := range m.Files {
		set[f.Path] = f
	}
	tree := Manifest{Portal: m.Portal}
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if rel == "." || rel == "manifest.json" || strings.HasPrefix(d.Name(), ".") {
			if d.IsDir() && rel != "." {
				return filepath.SkipDir
			}
			return nil
		}
		fp := "/" + filepath.ToSlash(rel)
		switch {
		case d.IsDir():
			tree.Folders = append(tree.Folders, fp)
		case d.Type().IsRegular():
			sf := set[fp]
			sf.Path = fp
			tree.Files = append(tree.Files, sf)
		}
		return nil
	})
	if err != nil {
		return SeedResult{}, err
	}
	if err := tree.validate(true); err != nil {
		return SeedResult{}, err
	}
	return e.seed(ctx, tree, func(sf SeedFile) (io.ReadCloser, error) {
		return os.Open(filepath.Join(dir, filepath.FromSlash(strings.TrimPrefix(sf.Path, "/"))))
	})
}
