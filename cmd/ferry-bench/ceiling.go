package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"time"
)

// runCeiling serves one of the bare servers that ceilings are measured
// on, in a process of its own like Ferry, until it is killed:
//
//	ferry-bench ceiling status          a fixed 1 KiB JSON body
//	ferry-bench ceiling files DIR       DIR's files, with http.FileServer
//	ferry-bench ceiling upload DIR      multipart uploads, file part to DIR
func runCeiling(args []string, stdout io.Writer) error {
	var h http.Handler
	switch {
	case args[0] == "status":
		body := bytes.Repeat([]byte("x"), 1024-len(`{"status":"COMPLETE","pad":""}`))
		body = []byte(`{"status":"COMPLETE","pad":"` + string(body) + `"}`)
		h = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.Write(body)
		})
	case args[0] == "files" && len(args) == 2:
		h = http.FileServer(http.Dir(args[1]))
	case args[0] == "upload" && len(args) == 2:
		h = uploadSink(args[1])
	default:
		return fmt.Errorf("unknown ceiling %q", args)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "ceiling listening on %s\n", ln.Addr())
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	return srv.Serve(ln)
}

// uploadSink is the least a Go server can do with a multipart upload:
// stream the file part to a new file on disk.
func uploadSink(dir string) http.Handler {
	n := 0
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mr, err := r.MultipartReader()
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		for {
			part, err := mr.NextPart()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			if part.FormName() != "file" {
				io.Copy(io.Discard, part)
				continue
			}
			n++
			f, err := os.Create(filepath.Join(dir, fmt.Sprintf("upload-%d", n)))
			if err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
			_, err = io.Copy(f, part)
			if cerr := f.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
		}
		w.WriteHeader(http.StatusCreated)
	})
}

var ceilingRE = regexp.MustCompile(`ceiling listening on (\S+)`)

// startCeiling runs "ferry-bench ceiling args..." as a child process.
func startCeiling(args ...string) (*proc, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	return startProc("ceiling "+args[0], exec.Command(self, append([]string{"ceiling"}, args...)...), ceilingRE)
}

// startNginx serves root with nginx, configured for static files as its
// documentation suggests (sendfile, no access log), if it is installed.
func startNginx(dir, root string) (*proc, error) {
	bin, err := exec.LookPath("nginx")
	if err != nil {
		return nil, err
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	prefix := filepath.Join(dir, "nginx")
	if err := os.MkdirAll(filepath.Join(prefix, "logs"), 0o755); err != nil {
		return nil, err
	}
	user := ""
	if os.Geteuid() == 0 {
		user = "user root;" // the work dir is private to us
	}
	conf := fmt.Sprintf(`%s
worker_processes auto;
daemon off;
pid %[2]s/nginx.pid;
error_log stderr warn;
events { worker_connections 4096; }
http {
	access_log off;
	sendfile on;
	tcp_nopush on;
	keepalive_requests 1000000;
	default_type application/octet-stream;
	client_body_temp_path %[2]s/body;
	proxy_temp_path %[2]s/proxy;
	fastcgi_temp_path %[2]s/fastcgi;
	uwsgi_temp_path %[2]s/uwsgi;
	scgi_temp_path %[2]s/scgi;
	server {
		listen 127.0.0.1:%[3]d;
		root %[4]s;
	}
}
`, user, prefix, port, root)
	confPath := filepath.Join(prefix, "nginx.conf")
	if err := os.WriteFile(confPath, []byte(conf), 0o644); err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "-p", prefix, "-c", confPath)
	p := &proc{name: "nginx", cmd: cmd, done: make(chan struct{}), addr: fmt.Sprintf("127.0.0.1:%d", port)}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	go func() { cmd.Wait(); close(p.done) }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if c, err := net.Dial("tcp", p.addr); err == nil {
			c.Close()
			return p, nil
		}
		select {
		case <-p.done:
			return nil, fmt.Errorf("nginx exited: %s", strings.TrimSpace(out.String()))
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			p.stop()
			return nil, fmt.Errorf("nginx did not listen on %s", p.addr)
		}
	}
}

// multipartBody is an upload request body: an options part, then a file
// part read from a file on disk, so that the client costs the same whoever
// receives it.
type multipartBody struct {
	contentType string
	head, tail  string
	path        string
	size        int64
}

func newMultipartBody(path string, size int64, options string) multipartBody {
	const boundary = "ferrybenchboundary7d1f3a"
	head := "--" + boundary + "\r\nContent-Disposition: form-data; name=\"options\"\r\n\r\n" + options + "\r\n" +
		"--" + boundary + "\r\nContent-Disposition: form-data; name=\"folderPath\"\r\n\r\n/bench/uploads\r\n" +
		"--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.bin\"\r\n" +
		"Content-Type: application/octet-stream\r\n\r\n"
	return multipartBody{
		contentType: mime.FormatMediaType("multipart/form-data", map[string]string{"boundary": boundary}),
		head:        head, tail: "\r\n--" + boundary + "--\r\n", path: path, size: size,
	}
}

// request returns a new POST of the body to url.
func (m multipartBody) request(url string, header http.Header) (*http.Request, func(), error) {
	f, err := os.Open(m.path)
	if err != nil {
		return nil, nil, err
	}
	body := io.MultiReader(strings.NewReader(m.head), f, strings.NewReader(m.tail))
	req, err := http.NewRequest(http.MethodPost, url, body)
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	req.ContentLength = int64(len(m.head)) + m.size + int64(len(m.tail))
	req.Header = header.Clone()
	req.Header.Set("Content-Type", m.contentType)
	return req, func() { f.Close() }, nil
}
