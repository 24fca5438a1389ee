package httpapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"regexp"
	"strconv"
	"sync"
	"time"
)

// Listener wraps ln so that the answers net/http writes by itself, before
// any handler runs (a request line it cannot parse, such as a path with a
// malformed percent-escape, headers too large, an HTTP version it does not
// speak), are HubSpot's JSON error body with a correlation id instead of
// Go's plain text. Such a connection is then closed gracefully, reading
// what the client still sends for a moment, so that a client in the
// middle of sending a body still receives the answer.
func Listener(ln net.Listener) net.Listener { return &apiListener{Listener: ln} }

type apiListener struct{ net.Listener }

func (l *apiListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &apiConn{Conn: c}, nil
}

// apiConn rewrites net/http's own error answers on one connection.
type apiConn struct {
	net.Conn
	mu        sync.Mutex
	rewritten bool
}

// cannedError matches an answer net/http writes by itself: one write of a
// status line, exactly these two headers and a short text body. Handlers'
// answers always carry other headers (Date, the correlation id), so they
// never match.
var cannedError = regexp.MustCompile("^HTTP/1\\.[01] ([0-9]{3}) [^\r\n]*\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n([^\r\n]{0,200})$")

// drainLimit and drainTime bound what a graceful close reads and waits.
const (
	drainLimit = 1 << 20
	drainTime  = 500 * time.Millisecond
)

func (c *apiConn) Write(p []byte) (int, error) {
	m := cannedError.FindSubmatch(p)
	if m == nil {
		return c.Conn.Write(p)
	}
	code, _ := strconv.Atoi(string(m[1]))
	c.mu.Lock()
	c.rewritten = true
	c.mu.Unlock()
	if _, err := c.Conn.Write(cannedAnswer(code, string(m[2]))); err != nil {
		return 0, err
	}
	return len(p), nil
}

// cannedAnswer is the HubSpot-shaped response that replaces one of
// net/http's plain-text answers.
func cannedAnswer(code int, text string) []byte {
	msg := "The request could not be read: its request line or headers are malformed (for example a malformed percent-escape in the path)."
	switch code {
	case http.StatusBadRequest:
	case http.StatusRequestHeaderFieldsTooLarge:
		msg = "The request headers are too large."
	default:
		msg = "The request could not be read: " + text + "."
	}
	id := newUUID()
	body, _ := json.Marshal(errorBody{Status: "error", Message: msg, CorrelationID: id, Category: "VALIDATION_ERROR"})
	body = append(body, '\n')
	var b bytes.Buffer
	fmt.Fprintf(&b, "HTTP/1.1 %d %s\r\n", code, http.StatusText(code))
	fmt.Fprintf(&b, "Content-Type: %s\r\nContent-Length: %d\r\nX-Hubspot-Correlation-Id: %s\r\nConnection: close\r\n\r\n", jsonType, len(body), id)
	b.Write(body)
	return b.Bytes()
}

// ReadFrom lets net/http send a response body with the connection's own
// ReadFrom, which is sendfile for a file on local disk. Only bodies come
// this way, after the header has gone out through Write, so no canned
// answer is missed.
func (c *apiConn) ReadFrom(r io.Reader) (int64, error) {
	if rf, ok := c.Conn.(io.ReaderFrom); ok {
		return rf.ReadFrom(r)
	}
	return io.Copy(struct{ io.Writer }{c.Conn}, r)
}

// CloseWrite lets net/http half-close the connection, as it does for
// some answers of its own.
func (c *apiConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

// Close closes the connection; after a rewritten answer it first reads
// what the client is still sending, within bounds, so that the kernel
// does not reset the connection under the answer.
func (c *apiConn) Close() error {
	c.mu.Lock()
	rewritten := c.rewritten
	c.mu.Unlock()
	if rewritten {
		c.CloseWrite()
		c.Conn.SetReadDeadline(time.Now().Add(drainTime))
		io.Copy(io.Discard, io.LimitReader(c.Conn, drainLimit))
	}
	return c.Conn.Close()
}
