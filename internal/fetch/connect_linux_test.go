//go:build linux

package fetch_test

import (
	"context"
	"net"
	"strconv"
	"syscall"
	"testing"
	"time"

	"ferry/internal/fetch"
)

// newBlackhole returns the address of a listening socket whose accept
// queue is full, so further connection attempts get no answer at all: the
// kernel drops their SYNs. It only exists on Linux.
func newBlackhole(t *testing.T) string {
	t.Helper()
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatalf("socket: %v", err)
	}
	t.Cleanup(func() { syscall.Close(fd) })
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 2}}); err != nil {
		t.Fatalf("bind: %v", err)
	}
	if err := syscall.Listen(fd, 0); err != nil {
		t.Fatalf("listen: %v", err)
	}
	sa, err := syscall.Getsockname(fd)
	if err != nil {
		t.Fatalf("getsockname: %v", err)
	}
	addr := net.JoinHostPort(originIP, strconv.Itoa(sa.(*syscall.SockaddrInet4).Port))
	filler, err := net.DialTimeout("tcp", addr, time.Second) // takes the only queue slot
	if err != nil {
		t.Fatalf("fill accept queue: %v", err)
	}
	t.Cleanup(func() { filler.Close() })
	return addr
}

func TestFetchConnectTimeout(t *testing.T) {
	t.Parallel()

	addr := newBlackhole(t)
	f := mustNew(t, fetch.Config{Allow: []string{addr}, ConnectTimeout: 200 * time.Millisecond})
	start := time.Now()
	_, err := f.Fetch(context.Background(), "http://"+addr+"/")
	e := asError(t, err, fetch.CodeConnectTimeout)
	if took := time.Since(start); took > 2*time.Second {
		t.Fatalf("took %s, want about the 200ms connect timeout", took)
	}
	if !e.Transient {
		t.Fatalf("Transient=false, want true")
	}
	wantContext(t, e, fetch.KeyTimeout, "200ms")
	wantContext(t, e, fetch.KeyAddress, originIP)
}
