package e2e

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// The hostile-origin suite (issue 5): the real binary, with the private
// network guard ON, fetching from origins that misbehave in every way an
// origin can. The origin listens on 127.0.0.2 and is reachable only
// through "--fetch-allow 127.0.0.2:<port>"; a victim listens on 127.0.0.1
// at the same port and must never see a connection.

// hostileLimit is the --max-file-size of the suite.
const hostileLimit = 4096

// hostileFlags are the small limits that keep the suite fast.
func hostileFlags(allow string) []string {
	return []string{
		"--fetch-allow", allow,
		"--max-file-size", strconv.Itoa(hostileLimit),
		"--fetch-connect-timeout", "2s",
		"--fetch-idle-timeout", "500ms",
		"--fetch-first-byte-timeout", "1s",
		"--fetch-total-timeout", "5s",
		"--fetch-max-redirects", "3",
		"--import-attempts", "2",
		"--import-workers", "64",
		"--import-workers-per-portal", "64",
		"--log-level", "debug", // the more the server logs, the more a leak would show
	}
}

// asyncCase is an import the server accepts (202) and then works.
type asyncCase struct {
	name string
	url  string
	// want is COMPLETE or CANCELED.
	want string
	// codes are the acceptable errors[0].errors[0].subCategory values of a
	// CANCELED task; the status and category follow from the code.
	codes []string
	// ctx are exact errors[0].context facts.
	ctx map[string]string
	// body is what a COMPLETE task must have stored.
	body []byte
	// hits are exact request counts per origin path.
	hits map[string]int
	// hitsAreAttempts names a path whose request count must equal the
	// task's context.attempts.
	hitsAreAttempts string
	// check runs extra checks on the final task status.
	check func(t *testing.T, st map[string]any)
}

// refusedCase is an import refused while the request is open.
type refusedCase struct {
	name  string
	url   string
	codes []string // acceptable errors[].code of the "url" entry; nil: any
	ctx   map[string]string
}

func TestHostileOrigins(t *testing.T) {
	t.Parallel()
	skipShort(t)

	originLn, victimLn := listenPair(t)
	o := newHostileOriginOn(t, originLn)
	victim := newHostileOriginOn(t, victimLn) // 127.0.0.1, same port as the origin
	victim.handle("/", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "the victim's secrets") })
	other := newHostileOriginOn(t, listenOn(t, hostileIP)) // the allowed host, another port
	other.handle("/", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "another port") })
	port, otherPort := o.port(), other.port()
	if victim.port() != port {
		t.Fatalf("victim port %s != origin port %s", victim.port(), port)
	}
	s := startServer(t, hostileFlags(hostileIP+":"+port)...)

	// Bodies.
	big := textBody("too large", hostileLimit+904)
	exact := textBody("exactly the limit", hostileLimit)
	exactChunked := textBody("exactly the limit, chunked", hostileLimit)
	lied := textBody("content-length too short", 100)
	dripped := textBody("slow but steady", 120)
	plain := func(tag string) []byte { return textBody(tag, 300) }
	bomb := gzipBomb(t, 1<<20)
	if len(bomb) >= hostileLimit {
		t.Fatalf("gzip bomb is %d bytes, want under the %d byte limit", len(bomb), hostileLimit)
	}

	// Redirects.
	steal := func(hostPort string) string { return "http://" + hostPort + "/steal" }
	o.redirect("/redir/loopback", steal("127.0.0.1:"+port))
	o.redirect("/redir/metadata", "http://169.254.169.254/latest/meta-data/")
	o.redirect("/redir/mapped", steal("[::ffff:127.0.0.1]:"+port))
	o.redirect("/redir/ipv6-loopback", steal("[::1]:"+port))
	o.redirect("/redir/localhost", steal("localhost:"+port))
	o.redirect("/redir/unspecified", steal("0.0.0.0:"+port))
	o.redirect("/redir/private", "http://10.0.0.1/steal") // refused before any dial
	o.redirect("/redir/other-port", steal(hostileIP+":"+otherPort))
	o.redirect("/redir/file", "file:///etc/passwd")
	o.redirect("/redir/gopher", "gopher://"+hostileIP+":"+port+"/_GET%20/")
	o.redirect("/loop/a", "/loop/b")
	o.redirect("/loop/b", "/loop/a")
	o.handle("/chain/{n}", func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(r.PathValue("n"))
		http.Redirect(w, r, fmt.Sprintf("/chain/%d", n+1), http.StatusFound)
	})
	hopsBody := plain("three hops")
	o.handle("/hops/{n}", func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(r.PathValue("n"))
		if n < 3 {
			http.Redirect(w, r, fmt.Sprintf("/hops/%d", n+1), http.StatusMovedPermanently)
			return
		}
		w.Header().Set("Content-Type", "text/plain")
		w.Write(hopsBody)
	})

	// Sizes.
	o.serve("/big-cl.txt", "text/plain", big)
	o.serveChunked("/big-chunked.txt", "text/plain", big)
	o.raw("/big-until-close.txt", func(c net.Conn, w *bufio.ReadWriter) {
		w.WriteString("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n")
		w.Write(big)
		w.Flush()
	})
	o.serve("/exact-cl.txt", "text/plain", exact)
	o.serveChunked("/exact-chunked.txt", "text/plain", exactChunked)

	// Content-Length that lies.
	o.raw("/cl-too-long.txt", func(c net.Conn, w *bufio.ReadWriter) {
		w.WriteString("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 1000\r\n\r\n0123456789")
		w.Flush()
	})
	o.raw("/cl-too-short.txt", func(c net.Conn, w *bufio.ReadWriter) {
		w.WriteString("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 10\r\n\r\n")
		w.Write(lied)
		w.Flush()
	})

	// A reset in the middle of the body.
	o.raw("/reset.txt", func(c net.Conn, w *bufio.ReadWriter) {
		w.WriteString("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 1000\r\n\r\n")
		w.Write(plain("reset")[:100])
		w.Flush()
		time.Sleep(100 * time.Millisecond)
		if tc, ok := c.(*net.TCPConn); ok {
			tc.SetLinger(0) // Close sends RST
		}
	})

	// Slow origins.
	o.drip("/drip-idle.txt", plain("stalls")[:100], 10, 50*time.Millisecond, 10)
	o.drip("/drip-ok.txt", dripped, 10, 200*time.Millisecond, 0)
	o.drip("/drip-total.txt", textBody("forever", 400), 10, 200*time.Millisecond, 0)
	o.handle("/slow-headers.txt", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
			return
		case <-time.After(2 * time.Second):
		}
		w.Write(plain("late"))
	})

	// No response headers at all.
	o.raw("/hangup.txt", func(c net.Conn, w *bufio.ReadWriter) {})
	o.raw("/garbage.txt", func(c net.Conn, w *bufio.ReadWriter) {
		w.WriteString("SSH-2.0-OpenSSH_9.6\r\n\x00\x01\x02 not HTTP at all\r\n\r\n")
		w.Flush()
	})

	// Status codes.
	flakyBody := plain("500 then 200")
	o.statusThen("/flaky-500.txt", 1, http.StatusInternalServerError, nil, flakyBody)
	o.statusThen("/always-500.txt", 1000, http.StatusInternalServerError, nil, nil)
	o.statusThen("/missing.txt", 1000, http.StatusNotFound, nil, nil)
	rateBody := plain("429 then 200")
	o.statusThen("/rate-limited.txt", 1, http.StatusTooManyRequests, http.Header{"Retry-After": {"1"}}, rateBody)

	// A gzip bomb: 1 MiB of zeros, gzipped, announced as Content-Encoding.
	o.handle("/bomb.bin", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Header().Set("Content-Encoding", "gzip")
		w.Header().Set("Content-Length", strconv.Itoa(len(bomb)))
		w.Write(bomb)
	})

	// Credentials in the URL.
	var authMu sync.Mutex
	var authSeen []string
	recordAuth := func(h http.HandlerFunc) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			u, p, _ := r.BasicAuth()
			authMu.Lock()
			authSeen = append(authSeen, u+":"+p)
			authMu.Unlock()
			h(w, r)
		}
	}
	credsBody := plain("with credentials")
	o.handle("/creds/missing.txt", recordAuth(func(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) }))
	var credsMu sync.Mutex
	credsSeen := 0
	o.handle("/creds/flaky.txt", recordAuth(func(w http.ResponseWriter, r *http.Request) {
		credsMu.Lock()
		credsSeen++
		first := credsSeen == 1
		credsMu.Unlock()
		if first {
			http.Error(w, "try again", http.StatusInternalServerError)
			return
		}
		w.Write(credsBody)
	}))
	o.redirect("/creds/redirect.txt", steal("127.0.0.1:"+port))
	creds := func(path string) string { return "http://user:secret@" + hostileIP + ":" + port + path }

	loopbackRefused := map[string]string{"address": "127.0.0.1", "reason": "loopback", "port": port, "redirects": "1", "attempts": "1"}
	cases := []asyncCase{
		// Redirects to where the guard must not let an import go.
		{name: "redirect to 127.0.0.1", url: o.url("/redir/loopback"), want: "CANCELED",
			codes: []string{"ADDRESS_NOT_ALLOWED"}, ctx: loopbackRefused, hits: map[string]int{"/redir/loopback": 1}},
		{name: "redirect to 169.254.169.254", url: o.url("/redir/metadata"), want: "CANCELED",
			codes: []string{"ADDRESS_NOT_ALLOWED"},
			ctx:   map[string]string{"address": "169.254.169.254", "reason": "link-local", "redirects": "1", "attempts": "1"}},
		{name: "redirect to [::ffff:127.0.0.1]", url: o.url("/redir/mapped"), want: "CANCELED",
			codes: []string{"ADDRESS_NOT_ALLOWED"}, ctx: loopbackRefused},
		{name: "redirect to [::1]", url: o.url("/redir/ipv6-loopback"), want: "CANCELED",
			codes: []string{"ADDRESS_NOT_ALLOWED"}, ctx: map[string]string{"address": "::1", "reason": "loopback", "redirects": "1"}},
		{name: "redirect to localhost", url: o.url("/redir/localhost"), want: "CANCELED",
			codes: []string{"ADDRESS_NOT_ALLOWED"}, ctx: map[string]string{"host": "localhost", "redirects": "1", "attempts": "1"}},
		{name: "redirect to 0.0.0.0", url: o.url("/redir/unspecified"), want: "CANCELED",
			codes: []string{"ADDRESS_NOT_ALLOWED"}, ctx: map[string]string{"address": "0.0.0.0", "redirects": "1"}},
		{name: "redirect to 10.0.0.1", url: o.url("/redir/private"), want: "CANCELED",
			codes: []string{"ADDRESS_NOT_ALLOWED"}, ctx: map[string]string{"address": "10.0.0.1", "reason": "private", "redirects": "1"}},
		// The allow entry names one port: another port of the same host is
		// refused (as an address outside the entry, or as a port).
		{name: "redirect to another port of the allowed host", url: o.url("/redir/other-port"), want: "CANCELED",
			codes: []string{"ADDRESS_NOT_ALLOWED", "PORT_NOT_ALLOWED"}, ctx: map[string]string{"port": otherPort, "redirects": "1"}},
		{name: "redirect to file", url: o.url("/redir/file"), want: "CANCELED",
			codes: []string{"SCHEME_NOT_ALLOWED"}, ctx: map[string]string{"scheme": "file", "redirects": "1"}},
		{name: "redirect to gopher", url: o.url("/redir/gopher"), want: "CANCELED",
			codes: []string{"SCHEME_NOT_ALLOWED"}, ctx: map[string]string{"scheme": "gopher", "redirects": "1"}},
		{name: "redirect loop", url: o.url("/loop/a"), want: "CANCELED",
			codes: []string{"REDIRECT_LOOP"}, ctx: map[string]string{"redirects": "2", "attempts": "1"},
			hits: map[string]int{"/loop/a": 1, "/loop/b": 1}},
		{name: "too many redirects", url: o.url("/chain/0"), want: "CANCELED",
			codes: []string{"TOO_MANY_REDIRECTS"}, ctx: map[string]string{"limit": "3", "redirects": "4", "attempts": "1"},
			hits: map[string]int{"/chain/0": 1, "/chain/1": 1, "/chain/2": 1, "/chain/3": 1, "/chain/4": 0}},
		{name: "redirects at the limit", url: o.url("/hops/0"), want: "COMPLETE", body: hopsBody,
			hits: map[string]int{"/hops/0": 1, "/hops/3": 1}},

		// Sizes.
		{name: "too large with content-length", url: o.url("/big-cl.txt"), want: "CANCELED",
			codes: []string{"TOO_LARGE"},
			ctx:   map[string]string{"limit": strconv.Itoa(hostileLimit), "contentLength": strconv.Itoa(len(big)), "attempts": "1"},
			hits:  map[string]int{"/big-cl.txt": 1}},
		{name: "too large chunked", url: o.url("/big-chunked.txt"), want: "CANCELED",
			codes: []string{"TOO_LARGE"}, ctx: map[string]string{"limit": strconv.Itoa(hostileLimit), "attempts": "1"},
			hits: map[string]int{"/big-chunked.txt": 1}, check: checkOverLimit},
		{name: "too large until close", url: o.url("/big-until-close.txt"), want: "CANCELED",
			codes: []string{"TOO_LARGE"}, ctx: map[string]string{"limit": strconv.Itoa(hostileLimit), "attempts": "1"},
			hits: map[string]int{"/big-until-close.txt": 1}, check: checkOverLimit},
		{name: "exactly the limit with content-length", url: o.url("/exact-cl.txt"), want: "COMPLETE", body: exact},
		{name: "exactly the limit chunked", url: o.url("/exact-chunked.txt"), want: "COMPLETE", body: exactChunked},

		// Content-Length that lies.
		{name: "content-length longer than the body", url: o.url("/cl-too-long.txt"), want: "CANCELED",
			codes: []string{"BODY_TRUNCATED"},
			ctx:   map[string]string{"bytesReceived": "10", "contentLength": "1000", "attempts": "2"},
			hits:  map[string]int{"/cl-too-long.txt": 2}},
		{name: "content-length shorter than the body", url: o.url("/cl-too-short.txt"), want: "COMPLETE", body: lied[:10]},

		// Resets, stalls and drips.
		{name: "connection reset mid-body", url: o.url("/reset.txt"), want: "CANCELED",
			codes: []string{"CONNECTION_RESET", "BODY_TRUNCATED"}, ctx: map[string]string{"contentLength": "1000", "attempts": "2"},
			hits: map[string]int{"/reset.txt": 2}, check: func(t *testing.T, st map[string]any) {
				if n, _ := contextValue(jget(st, "errors", 0), "bytesReceived"); atoi(n) < 0 || atoi(n) > 100 {
					t.Errorf("context.bytesReceived = %q, want 0 to 100", n)
				}
			}},
		{name: "slow drip beyond the idle limit", url: o.url("/drip-idle.txt"), want: "CANCELED",
			codes: []string{"IDLE_TIMEOUT"},
			ctx:   map[string]string{"timeout": "500ms", "bytesReceived": "10", "contentLength": "100", "attempts": "2"},
			hits:  map[string]int{"/drip-idle.txt": 2}},
		{name: "slow drip under the idle limit", url: o.url("/drip-ok.txt"), want: "COMPLETE", body: dripped,
			hits: map[string]int{"/drip-ok.txt": 1}},
		{name: "slow drip beyond the total limit", url: o.url("/drip-total.txt"), want: "CANCELED",
			codes: []string{"TOTAL_TIMEOUT"}, ctx: map[string]string{"timeout": "5s", "attempts": "1"},
			hits: map[string]int{"/drip-total.txt": 1}},
		{name: "headers later than the first-byte limit", url: o.url("/slow-headers.txt"), want: "CANCELED",
			codes: []string{"FIRST_BYTE_TIMEOUT"}, ctx: map[string]string{"timeout": "1s", "attempts": "2"},
			hits: map[string]int{"/slow-headers.txt": 2}},
		{name: "no response headers, hang up", url: o.url("/hangup.txt"), want: "CANCELED",
			codes: []string{"CONNECTION_RESET", "PROTOCOL_ERROR"}, hitsAreAttempts: "/hangup.txt"},
		{name: "no response headers, garbage", url: o.url("/garbage.txt"), want: "CANCELED",
			codes: []string{"PROTOCOL_ERROR", "CONNECTION_RESET"}, hitsAreAttempts: "/garbage.txt"},

		// Statuses.
		{name: "500 then 200", url: o.url("/flaky-500.txt"), want: "COMPLETE", body: flakyBody,
			hits: map[string]int{"/flaky-500.txt": 2}},
		{name: "500 every time", url: o.url("/always-500.txt"), want: "CANCELED",
			codes: []string{"ORIGIN_SERVER_ERROR"}, ctx: map[string]string{"statusCode": "500", "attempts": "2"},
			hits: map[string]int{"/always-500.txt": 2}},
		{name: "404", url: o.url("/missing.txt"), want: "CANCELED",
			codes: []string{"ORIGIN_CLIENT_ERROR"}, ctx: map[string]string{"statusCode": "404", "attempts": "1"},
			hits: map[string]int{"/missing.txt": 1}},
		{name: "429 with retry-after then 200", url: o.url("/rate-limited.txt"), want: "COMPLETE", body: rateBody,
			hits: map[string]int{"/rate-limited.txt": 2}, check: func(t *testing.T, st map[string]any) {
				if at := o.hitTimes("/rate-limited.txt"); len(at) == 2 && at[1].Sub(at[0]) < 900*time.Millisecond {
					t.Errorf("retried %s after the 429, want at least the Retry-After of 1s", at[1].Sub(at[0]))
				}
			}},

		// Content-Encoding is never undone.
		{name: "gzip bomb", url: o.url("/bomb.bin"), want: "COMPLETE", body: bomb,
			hits: map[string]int{"/bomb.bin": 1}, check: func(t *testing.T, st map[string]any) {
				u := jstr(st, "result", "url")
				resp, b := s.doHeader("GET", u, nil, "", http.Header{"Accept-Encoding": {"identity"}})
				if resp.StatusCode != http.StatusOK || !bytes.Equal(b, bomb) {
					t.Errorf("GET %s: status %d, %d bytes; want 200 and the %d gzip bytes as stored", u, resp.StatusCode, len(b), len(bomb))
				}
			}},

		// Credentials in the URL are used but never echoed.
		{name: "credentials and 404", url: creds("/creds/missing.txt"), want: "CANCELED",
			codes: []string{"ORIGIN_CLIENT_ERROR"}, ctx: map[string]string{"statusCode": "404", "attempts": "1"},
			hits: map[string]int{"/creds/missing.txt": 1}},
		{name: "credentials and a retry", url: creds("/creds/flaky.txt"), want: "COMPLETE", body: credsBody,
			hits: map[string]int{"/creds/flaky.txt": 2}},
		{name: "credentials and a refused redirect", url: creds("/creds/redirect.txt"), want: "CANCELED",
			codes: []string{"ADDRESS_NOT_ALLOWED"}, ctx: loopbackRefused},
	}

	// A host name that resolves to a non-public address: this machine's
	// own name, which /etc/hosts maps to loopback (or to a private
	// container address). The URL passes the request-time check; the
	// connection must be refused when the name has been resolved.
	if name, addrs := privateHostname(t); name != "" {
		cases = append(cases, asyncCase{name: "host name resolving to " + addrs[0].String(),
			url: "http://" + name + ":" + port + "/by-name.txt", want: "CANCELED", codes: []string{"ADDRESS_NOT_ALLOWED"},
			ctx: map[string]string{"host": strings.ToLower(name), "attempts": "1"},
			check: func(t *testing.T, st map[string]any) {
				a, _ := contextValue(jget(st, "errors", 0), "address")
				ip, err := netip.ParseAddr(a)
				if err != nil || !slices.Contains(addrs, ip.Unmap()) {
					t.Errorf("context.address = %q, want one of %v", a, addrs)
				}
			}})
	} else {
		t.Log("this machine's host name does not resolve to a non-public address only; skipping that case")
	}

	refused := []refusedCase{
		{name: "file URL", url: "file:///etc/passwd"},
		{name: "gopher URL", url: "gopher://" + hostileIP + ":" + port + "/_GET%20/"},
		{name: "ftp URL", url: "ftp://" + hostileIP + ":" + port + "/x.txt"},
		{name: "10.0.0.1", url: "http://10.0.0.1/x.txt", codes: []string{"ADDRESS_NOT_ALLOWED"},
			ctx: map[string]string{"address": "10.0.0.1", "reason": "private"}},
		{name: "10.0.0.1 with credentials", url: "http://user:secret@10.0.0.1/x.txt", codes: []string{"ADDRESS_NOT_ALLOWED"}},
		{name: "localhost", url: "http://localhost:" + port + "/x.txt", codes: []string{"ADDRESS_NOT_ALLOWED"},
			ctx: map[string]string{"host": "localhost"}},
		{name: "127.0.0.1", url: "http://127.0.0.1:" + port + "/x.txt", codes: []string{"ADDRESS_NOT_ALLOWED"},
			ctx: map[string]string{"address": "127.0.0.1", "reason": "loopback", "port": port}},
		{name: "[::ffff:127.0.0.1]", url: "http://[::ffff:127.0.0.1]:" + port + "/x.txt", codes: []string{"ADDRESS_NOT_ALLOWED"},
			ctx: map[string]string{"address": "127.0.0.1", "reason": "loopback"}},
		{name: "[::1]", url: "http://[::1]:" + port + "/x.txt", codes: []string{"ADDRESS_NOT_ALLOWED"},
			ctx: map[string]string{"address": "::1", "reason": "loopback"}},
		{name: "0.0.0.0", url: "http://0.0.0.0:" + port + "/x.txt", codes: []string{"ADDRESS_NOT_ALLOWED"},
			ctx: map[string]string{"address": "0.0.0.0"}},
		{name: "127.1", url: "http://127.1:" + port + "/x.txt", codes: []string{"INVALID_URL", "ADDRESS_NOT_ALLOWED"}},
		{name: "0x7f.0.0.1", url: "http://0x7f.0.0.1:" + port + "/x.txt", codes: []string{"INVALID_URL", "ADDRESS_NOT_ALLOWED"}},
		{name: "169.254.169.254", url: "http://169.254.169.254/latest/meta-data/", codes: []string{"ADDRESS_NOT_ALLOWED"},
			ctx: map[string]string{"address": "169.254.169.254", "reason": "link-local"}},
		{name: "another port of the allowed host", url: "http://" + hostileIP + ":" + otherPort + "/x.txt",
			codes: []string{"ADDRESS_NOT_ALLOWED", "PORT_NOT_ALLOWED"}, ctx: map[string]string{"port": otherPort}},
	}

	var (
		mu       sync.Mutex
		complete []string // ids of the files COMPLETE tasks recorded
	)
	t.Run("cases", func(t *testing.T) {
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				if id := runAsyncCase(t, s, o, tc); id != "" {
					mu.Lock()
					complete = append(complete, id)
					mu.Unlock()
				}
			})
		}
		for _, tc := range refused {
			t.Run("refused "+tc.name, func(t *testing.T) {
				t.Parallel()
				runRefusedCase(t, s, tc)
			})
		}
	})

	// Nothing reached the victim or the other port, not even a TCP
	// connection.
	if reqs, conns := victim.totalHits(); reqs != 0 || conns != 0 {
		t.Errorf("the victim on 127.0.0.1:%s saw %d connections and %d requests, want none", port, conns, reqs)
	}
	if reqs, conns := other.totalHits(); reqs != 0 || conns != 0 {
		t.Errorf("the other port %s:%s saw %d connections and %d requests, want none", hostileIP, otherPort, conns, reqs)
	}
	// The files recorded are exactly those of the COMPLETE tasks.
	got := allFileIDs(t, s)
	slices.Sort(got)
	slices.Sort(complete)
	if !slices.Equal(got, complete) {
		t.Errorf("files/search lists files %s, want exactly those of the COMPLETE tasks %s", quoteAll(got), quoteAll(complete))
	}
	// The credentials were used (as Basic auth) and never logged.
	authMu.Lock()
	if !slices.Contains(authSeen, "user:secret") {
		t.Errorf("the origin saw Basic credentials %q, want user:secret from the URL", authSeen)
	}
	authMu.Unlock()
	if log := s.log.String(); strings.Contains(log, "secret") {
		for _, line := range strings.Split(log, "\n") {
			if strings.Contains(line, "secret") {
				t.Errorf("the server log contains the URL password: %s", line)
			}
		}
	}
	checkHealthy(t, s)
}

// TestHostilePorts checks the port rule where the address itself is
// allowed: "--fetch-allow 127.0.0.2" (any port in --fetch-ports, 80 and
// 443) plus "127.0.0.2:<origin port>". Any other port of 127.0.0.2 is
// refused as PORT_NOT_ALLOWED, in the request and on a redirect hop.
func TestHostilePorts(t *testing.T) {
	t.Parallel()
	skipShort(t)
	originLn, victimLn := listenPair(t)
	o := newHostileOriginOn(t, originLn)
	victim := newHostileOriginOn(t, victimLn)
	victim.handle("/", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "victim") })
	other := newHostileOriginOn(t, listenOn(t, hostileIP))
	other.handle("/", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "another port") })
	port, otherPort := o.port(), other.port()
	s := startServer(t, hostileFlags(hostileIP+":"+port+","+hostileIP)...)

	okBody := textBody("ports: the allowed one", 200)
	o.serve("/ok.txt", "text/plain", okBody)
	o.redirect("/redir/other-port", "http://"+hostileIP+":"+otherPort+"/steal")

	t.Run("cases", func(t *testing.T) {
		t.Run("allowed port", func(t *testing.T) {
			t.Parallel()
			runAsyncCase(t, s, o, asyncCase{name: "allowed port", url: o.url("/ok.txt"), want: "COMPLETE", body: okBody})
		})
		t.Run("redirect to another port", func(t *testing.T) {
			t.Parallel()
			runAsyncCase(t, s, o, asyncCase{name: "ports redirect to another port", url: o.url("/redir/other-port"), want: "CANCELED",
				codes: []string{"PORT_NOT_ALLOWED"}, ctx: map[string]string{"port": otherPort, "redirects": "1", "attempts": "1"}})
		})
		t.Run("refused another port", func(t *testing.T) {
			t.Parallel()
			runRefusedCase(t, s, refusedCase{name: "another port", url: "http://" + hostileIP + ":" + otherPort + "/x.txt",
				codes: []string{"PORT_NOT_ALLOWED"}, ctx: map[string]string{"port": otherPort}})
		})
		t.Run("refused 127.0.0.1 on the allowed port", func(t *testing.T) {
			t.Parallel()
			runRefusedCase(t, s, refusedCase{name: "127.0.0.1", url: "http://127.0.0.1:" + port + "/x.txt",
				codes: []string{"ADDRESS_NOT_ALLOWED"}, ctx: map[string]string{"address": "127.0.0.1", "reason": "loopback"}})
		})
	})
	for _, side := range []*hostileOrigin{victim, other} {
		if reqs, conns := side.totalHits(); reqs != 0 || conns != 0 {
			t.Errorf("%s saw %d connections and %d requests, want none", side.srv.URL, conns, reqs)
		}
	}
	checkHealthy(t, s)
}

// runAsyncCase posts the import, waits for the task to end and checks it.
// It returns the id of the file a COMPLETE task recorded.
func runAsyncCase(t *testing.T, s *server, o *hostileOrigin, tc asyncCase) (fileID string) {
	t.Helper()
	folder := caseFolder(tc.name)
	id, _ := startImport(t, s, map[string]any{"url": tc.url, "access": "PUBLIC_NOT_INDEXABLE", "folderPath": folder})
	st := waitTask(t, s, id, 30*time.Second, "COMPLETE", "CANCELED")
	raw := fmt.Sprint(st)
	if got := jstr(st, "status"); got != tc.want {
		t.Errorf("status = %s, want %s\nerrors: %v", got, tc.want, st["errors"])
	}
	if strings.Contains(raw, "secret") {
		t.Errorf("the task status contains the URL password: %v", st)
	}
	// Timestamps stay in order, across retries too.
	req, start, end := jstr(st, "requestedAt"), jstr(st, "startedAt"), jstr(st, "completedAt")
	if !(req != "" && start != "" && end != "" && req <= start && start <= end) {
		t.Errorf("requestedAt %q, startedAt %q, completedAt %q: want all three, in that order", req, start, end)
	}
	found := filesIn(t, s, folder)
	t.Logf("%s %s %v", jstr(st, "status"), jstr(st, "errors", 0, "errors", 0, "subCategory"), jget(st, "errors", 0, "context"))

	switch jstr(st, "status") {
	case "COMPLETE":
		if n := jnum(st, "numErrors"); n != 0 {
			t.Errorf("numErrors = %v, want 0", n)
		}
		if errs, _ := st["errors"].([]any); len(errs) != 0 {
			t.Errorf("errors = %v, want none", errs)
		}
		f, _ := st["result"].(map[string]any)
		fileID = jstr(f, "id")
		if got := jnum(f, "size"); got != float64(len(tc.body)) {
			t.Errorf("result.size = %v, want %d", got, len(tc.body))
		}
		if got := jstr(f, "fileMd5"); got != md5Hex(tc.body) {
			t.Errorf("result.fileMd5 = %q, want %q (the bytes as sent)", got, md5Hex(tc.body))
		}
		if !slices.Equal(found, []string{fileID}) {
			t.Errorf("files/search?path=%s finds %q, want just the imported file %q", folder, found, fileID)
		}
	case "CANCELED":
		e := jget(st, "errors", 0)
		code := jstr(e, "errors", 0, "subCategory")
		if n := jnum(st, "numErrors"); n != 1 {
			t.Errorf("numErrors = %v, want 1", n)
		}
		if !slices.Contains(tc.codes, code) {
			t.Errorf("errors[0].errors[0].subCategory = %q, want one of %q\nerrors: %v", code, tc.codes, st["errors"])
		} else {
			if got, want := jstr(e, "status"), fetchErrorStatus[code]; got != want {
				t.Errorf("errors[0].status = %q, want %q for %s", got, want, code)
			}
			if got, want := jstr(e, "category"), fetchErrorCategory(code); got != want {
				t.Errorf("errors[0].category = %q, want %q for %s", got, want, code)
			}
		}
		if jstr(e, "message") == "" {
			t.Errorf("errors[0].message is empty")
		}
		for k, want := range tc.ctx {
			if got, ok := contextValue(e, k); !ok || got != want {
				t.Errorf("errors[0].context.%s = %q, want [%q]\ncontext: %v", k, jstrings(e, "context", k), want, jget(e, "context"))
			}
		}
		if u, _ := contextValue(e, "url"); u == "" {
			t.Errorf("errors[0].context.url is missing\ncontext: %v", jget(e, "context"))
		}
		if tc.hitsAreAttempts != "" {
			attempts, _ := contextValue(e, "attempts")
			if got := o.hitCount(tc.hitsAreAttempts); got != atoi(attempts) {
				t.Errorf("origin saw %d requests for %s, want context.attempts = %q", got, tc.hitsAreAttempts, attempts)
			}
		}
		if st["result"] != nil {
			t.Errorf("result = %v, want none", st["result"])
		}
		if len(found) != 0 {
			t.Errorf("files/search?path=%s finds %q, want no file", folder, found)
		}
		checkNoBlob(t, s, "1", id)
	}
	for path, want := range tc.hits {
		if got := o.hitCount(path); got != want {
			t.Errorf("origin saw %d requests for %s, want %d", got, path, want)
		}
	}
	if tc.check != nil {
		tc.check(t, st)
	}
	checkHealthy(t, s)
	return fileID
}

// runRefusedCase posts an import that must be refused with a 400 naming
// the url field, before any task exists.
func runRefusedCase(t *testing.T, s *server, tc refusedCase) {
	t.Helper()
	resp, b := s.do("POST", importPath, map[string]any{
		"url": tc.url, "access": "PUBLIC_NOT_INDEXABLE", "folderPath": caseFolder("refused " + tc.name),
	}, s.Token)
	m := checkError(t, "POST import of "+tc.url, resp, b, http.StatusBadRequest, "VALIDATION_ERROR")
	if bytes.Contains(b, []byte("secret")) {
		t.Errorf("the error body contains the URL password:\n%s", b)
	}
	errs, _ := m["errors"].([]any)
	var entry any
	for _, e := range errs {
		if jstr(e, "in") == "url" {
			entry = e
		}
	}
	if entry == nil {
		t.Fatalf("errors[].in = %q, want an entry for \"url\"\n%s", errorFields(m), b)
	}
	if code := jstr(entry, "code"); tc.codes != nil && !slices.Contains(tc.codes, code) {
		t.Errorf("url error code = %q, want one of %q\n%s", code, tc.codes, b)
	}
	if jstr(entry, "message") == "" {
		t.Errorf("url error has no message\n%s", b)
	}
	for k, want := range tc.ctx {
		if got, ok := contextValue(entry, k); !ok || got != want {
			t.Errorf("url error context.%s = %q, want [%q]\n%s", k, jstrings(entry, "context", k), want, b)
		}
	}
	if found := filesIn(t, s, caseFolder("refused "+tc.name)); len(found) != 0 {
		t.Errorf("a refused import left files %q", found)
	}
	checkHealthy(t, s)
}

// checkOverLimit checks TOO_LARGE found while streaming: more bytes than
// the limit received, and no Content-Length.
func checkOverLimit(t *testing.T, st map[string]any) {
	t.Helper()
	e := jget(st, "errors", 0)
	if n, _ := contextValue(e, "bytesReceived"); atoi(n) <= hostileLimit {
		t.Errorf("context.bytesReceived = %q, want more than the limit %d", n, hostileLimit)
	}
	if cl := jstrings(e, "context", "contentLength"); cl != nil {
		t.Errorf("context.contentLength = %q, want none (the origin sent none)", cl)
	}
}

// privateHostname returns this machine's host name and its addresses if
// it resolves, through the system's hosts file or resolver, only to
// non-public addresses; "" otherwise.
func privateHostname(t *testing.T) (string, []netip.Addr) {
	t.Helper()
	name, err := os.Hostname()
	if err != nil || name == "" || strings.EqualFold(name, "localhost") || strings.HasSuffix(strings.ToLower(name), ".localhost") {
		return "", nil
	}
	if _, err := netip.ParseAddr(name); err == nil {
		return "", nil
	}
	addrs, err := net.DefaultResolver.LookupNetIP(t.Context(), "ip", name)
	if err != nil || len(addrs) == 0 {
		return "", nil
	}
	for i, a := range addrs {
		a = a.Unmap()
		addrs[i] = a
		if !(a.IsLoopback() || a.IsPrivate() || a.IsLinkLocalUnicast() || a.IsUnspecified()) {
			return "", nil
		}
	}
	return name, addrs
}
