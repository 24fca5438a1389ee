package main

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"mime/multipart"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"ferry/internal/ferry"
)

// uploadJob is one local file and the folder it goes to.
type uploadJob struct {
	local  string
	folder string
	size   int64
}

// runUpload handles "ferry upload PATH...".
func runUpload(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	c := newClientCmd("upload", "[flags] FILE|DIR...", `Upload files through the server, several at once. A directory needs -r:
its files go to --folder-path/<directory name>/..., keeping the tree. On a
terminal, one progress bar shows the whole transfer.

Files are PRIVATE by default: served only through a signed link, which
"ferry url ID" prints. --access PUBLIC_NOT_INDEXABLE gives a permanent URL.`, getenv, stdout, stderr)
	var folderPath, access string
	var recursive bool
	var concurrency int64
	c.fs.StringVar(&folderPath, "folder-path", "/uploads", "destination folder path (created if missing)")
	c.fs.StringVar(&access, "access", "PRIVATE", "access level: PRIVATE, PUBLIC_INDEXABLE, PUBLIC_NOT_INDEXABLE, SENSITIVE, ...")
	c.fs.BoolVar(&recursive, "r", false, "upload directories and everything in them")
	c.fs.Int64Var(&concurrency, "concurrency", 4, "files uploaded at once")
	if err := c.parse(args, 1, -1); err != nil {
		return err
	}
	if concurrency < 1 {
		return usagef("--concurrency must be at least 1")
	}
	jobs, err := planUpload(c.fs.Args(), "/"+strings.Trim(folderPath, "/"), recursive)
	if err != nil {
		return err
	}
	var total int64
	for _, j := range jobs {
		total += j.size
	}
	bar := newProgressBar(stderr, total, len(jobs))
	results := make([]json.RawMessage, len(jobs))
	errs := make([]error, len(jobs))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(int(concurrency), len(jobs)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1) - 1); i < len(jobs); i = int(next.Add(1) - 1) {
				results[i], errs[i] = c.uploadOne(ctx, jobs[i], access, bar)
				bar.fileDone()
			}
		}()
	}
	wg.Wait()
	bar.finish()
	return c.reportUpload(jobs, results, errs)
}

// reportUpload prints what was uploaded (and what failed, on stderr) and
// returns the first failure.
func (c *clientCmd) reportUpload(jobs []uploadJob, results []json.RawMessage, errs []error) error {
	var first error
	uploaded := []json.RawMessage{}
	for i, j := range jobs {
		if errs[i] != nil {
			fmt.Fprintf(c.out.stderr, "ferry: upload %s: %v\n", j.local, errs[i])
			first = cmp.Or(first, errs[i])
			continue
		}
		uploaded = append(uploaded, results[i])
		if c.out.json {
			continue
		}
		f, err := decodeFile(results[i])
		if err != nil {
			return err
		}
		link := f.URL
		if !strings.HasSuffix(f.Access, "INDEXABLE") {
			link = "(" + strings.ToLower(f.Access) + ": ferry url " + f.ID + " prints a link)"
		}
		fmt.Fprintf(c.out.stdout, "%-12s %10s  %s  %s\n", f.ID, ferry.HumanSize(f.Size), f.Path, link)
	}
	if c.out.json {
		if err := printJSON(c.out.stdout, uploaded); err != nil {
			return err
		}
	}
	if first != nil && len(jobs) > 1 {
		return fmt.Errorf("%d of %d uploads failed; the first: %w", countErrs(errs), len(jobs), first)
	}
	return first
}

func countErrs(errs []error) int {
	n := 0
	for _, e := range errs {
		if e != nil {
			n++
		}
	}
	return n
}

// planUpload lists the files to upload and their destination folders.
func planUpload(args []string, folder string, recursive bool) ([]uploadJob, error) {
	var jobs []uploadJob
	for _, a := range args {
		fi, err := os.Stat(a)
		if err != nil {
			return nil, err
		}
		if !fi.IsDir() {
			jobs = append(jobs, uploadJob{local: a, folder: folder, size: fi.Size()})
			continue
		}
		if !recursive {
			return nil, usagef("%s is a directory: add -r to upload it and everything in it", a)
		}
		base := filepath.Base(filepath.Clean(a))
		err = filepath.WalkDir(a, func(p string, d fs.DirEntry, err error) error {
			if err != nil || !d.Type().IsRegular() {
				return err
			}
			info, err := d.Info()
			if err != nil {
				return err
			}
			rel, err := filepath.Rel(a, filepath.Dir(p))
			if err != nil {
				return err
			}
			dest := path.Join(folder, base, filepath.ToSlash(rel))
			jobs = append(jobs, uploadJob{local: p, folder: dest, size: info.Size()})
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return jobs, nil
}

// uploadOne streams one file as a multipart upload.
func (c *clientCmd) uploadOne(ctx context.Context, j uploadJob, access string, bar *progressBar) (json.RawMessage, error) {
	f, err := os.Open(j.local)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		opts, _ := json.Marshal(map[string]string{"access": access})
		err := mw.WriteField("folderPath", j.folder)
		if err == nil {
			err = mw.WriteField("options", string(opts))
		}
		if err == nil {
			var part io.Writer
			if part, err = mw.CreateFormFile("file", filepath.Base(j.local)); err == nil {
				_, err = io.Copy(part, &countingReader{r: f, add: bar.add})
			}
		}
		if err == nil {
			err = mw.Close()
		}
		pw.CloseWithError(err)
	}()
	var out json.RawMessage
	err = c.api.do(ctx, "POST", "/files/v3/files", mw.FormDataContentType(), pr, &out)
	pr.CloseWithError(io.ErrClosedPipe) // stop the writer if the server answered early
	return out, err
}

// countingReader reports each read's size.
type countingReader struct {
	r   io.Reader
	add func(int64)
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.add(int64(n))
	return n, err
}

// progressBar draws one line on a terminal, redrawn at most five times a
// second: bytes sent of the total, and files done. Without a terminal it
// draws nothing.
type progressBar struct {
	w          io.Writer
	total      int64
	files      int
	done       atomic.Int64
	filesDone  atomic.Int64
	mu         sync.Mutex
	lastDraw   time.Time
	drawn      bool
	start      time.Time
	onTerminal bool
}

func newProgressBar(w io.Writer, total int64, files int) *progressBar {
	f, ok := w.(*os.File)
	return &progressBar{w: w, total: total, files: files, start: time.Now(), onTerminal: ok && isTerminal(f)}
}

func (b *progressBar) add(n int64) {
	b.done.Add(n)
	b.draw(false)
}

func (b *progressBar) fileDone() {
	b.filesDone.Add(1)
	b.draw(true)
}

func (b *progressBar) draw(force bool) {
	if !b.onTerminal {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if !force && time.Since(b.lastDraw) < 200*time.Millisecond {
		return
	}
	b.lastDraw = time.Now()
	done := b.done.Load()
	frac := 1.0
	if b.total > 0 {
		frac = min(1, float64(done)/float64(b.total))
	}
	const width = 30
	fill := int(frac * width)
	rate := float64(done) / max(time.Since(b.start).Seconds(), 0.001)
	fmt.Fprintf(b.w, "\r[%s%s] %3.0f%%  %s / %s  %s/s  %d/%d files ", strings.Repeat("=", fill), strings.Repeat(" ", width-fill),
		frac*100, ferry.HumanSize(done), ferry.HumanSize(b.total), ferry.HumanSize(int64(rate)), b.filesDone.Load(), b.files)
	b.drawn = true
}

// finish ends the bar's line, so that what follows starts on its own.
func (b *progressBar) finish() {
	b.draw(true)
	if b.drawn {
		fmt.Fprintln(b.w)
	}
}
