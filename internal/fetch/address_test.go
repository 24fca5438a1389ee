package fetch_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"sync/atomic"
	"testing"

	"ferry/internal/fetch"
)

// redirectTo answers every request with a 302 to loc.
func redirectTo(loc string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, loc, http.StatusFound)
	})
}

func TestFetchRedirectToRefusedAddress(t *testing.T) {
	t.Parallel()

	// A server on 127.0.0.1 that must never be reached.
	victim := &hitCounter{}
	internal := newOrigin(t, "127.0.0.1", victim)
	port := strconv.Itoa(portOf(t, internal))

	tests := []struct {
		name     string
		location string
		address  string
	}{
		{name: "Loopback", location: "http://127.0.0.1:" + port + "/admin", address: "127.0.0.1"},
		{name: "Metadata", location: "http://169.254.169.254/latest/meta-data/", address: "169.254.169.254"},
		{name: "IPv4MappedLoopback", location: "http://[::ffff:127.0.0.1]:" + port + "/", address: "127.0.0.1"},
		{name: "IPv6Loopback", location: "http://[::1]:" + port + "/", address: "::1"},
		// Host names go through the resolver and are refused by the
		// dial hook, on the address actually being connected to.
		{name: "NameResolvingToLoopback", location: "http://internal.test:" + port + "/", address: "127.0.0.1"},
		{name: "NameResolvingToMetadata", location: "http://metadata.test/", address: "169.254.169.254"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			origin := newOrigin(t, originIP, redirectTo(tc.location))
			cfg := testConfig(t)
			cfg.Allow = []string{originIP}
			cfg.Ports = []int{80, portOf(t, origin), portOf(t, internal)}
			cfg.Resolver = staticResolver(map[string][]netip.Addr{
				"internal.test": addrs("127.0.0.1"),
				"metadata.test": addrs("169.254.169.254"),
			})
			f := mustNew(t, cfg)

			_, err := f.Fetch(context.Background(), urlOf(t, originIP, origin, "/"))
			e := asError(t, err, fetch.CodeAddressNotAllowed)
			wantContext(t, e, fetch.KeyAddress, tc.address)
			wantContext(t, e, fetch.KeyRedirects, "1")
			if e.Transient {
				t.Fatalf("Transient=true, want false")
			}
		})
	}
	if got := victim.count(); got != 0 {
		t.Fatalf("internal server hits=%d, want 0", got)
	}
}

func TestFetchResolverHook(t *testing.T) {
	t.Parallel()

	origin := newOrigin(t, originIP, &hitCounter{})
	port := portOf(t, origin)
	resolver := staticResolver(map[string][]netip.Addr{
		"private.test":   addrs("10.0.0.1"),
		"loopback.test":  addrs("127.0.0.1"),
		"ula.test":       addrs("fd00::1"),
		"mapped.test":    addrs("::ffff:169.254.169.254"),
		"nat64.test":     addrs("64:ff9b::7f00:1"),
		"origin.test":    addrs(originIP),
		"mixed.test":     addrs("10.0.0.1", originIP),
		"public.test":    addrs("8.8.8.8"),
		"empty.test":     nil,
		"localhost.test": addrs("::1", "127.0.0.1"),
	})

	tests := []struct {
		name  string
		allow []string // nil: the origin's address and port
		host  string
		want  fetch.Code // "" means success
	}{
		{name: "Private", host: "private.test", want: fetch.CodeAddressNotAllowed},
		{name: "Loopback", host: "loopback.test", want: fetch.CodeAddressNotAllowed},
		{name: "ULA", host: "ula.test", want: fetch.CodeAddressNotAllowed},
		{name: "MappedMetadata", host: "mapped.test", want: fetch.CodeAddressNotAllowed},
		{name: "NAT64", host: "nat64.test", want: fetch.CodeAddressNotAllowed},
		{name: "BothFamiliesLoopback", host: "localhost.test", want: fetch.CodeAddressNotAllowed},
		{name: "AllowedAddress", host: "origin.test"},
		{name: "MixedAnswerUsesAllowedAddress", host: "mixed.test"},
		{name: "AllowedByName", allow: []string{"origin.test:" + strconv.Itoa(port)}, host: "origin.test"},
		{name: "AllowedByNameOtherPort", allow: []string{"origin.test:1"}, host: "origin.test", want: fetch.CodePortNotAllowed},
		{name: "PortScopedToIPEntry", host: "public.test", want: fetch.CodePortNotAllowed},
		{name: "NotFound", host: "missing.test", want: fetch.CodeDNSFailure},
		{name: "NoAddresses", host: "empty.test", want: fetch.CodeDNSFailure},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg := testConfig(t, origin)
			if tc.allow != nil {
				cfg.Allow = tc.allow
			}
			cfg.Resolver = resolver
			f := mustNew(t, cfg)

			_, _, err := fetchAll(t, f, "http://"+tc.host+":"+strconv.Itoa(port)+"/")
			if tc.want == "" {
				if err != nil {
					t.Fatalf("Fetch: %v, want success", err)
				}
				return
			}
			asError(t, err, tc.want)
		})
	}
}

func TestFetchDNSFailureTransience(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name      string
		err       error
		transient bool
	}{
		{name: "NotFound", err: &net.DNSError{Err: "no such host", Name: "x.test", IsNotFound: true}, transient: false},
		{name: "Temporary", err: &net.DNSError{Err: "server misbehaving", Name: "x.test", IsTemporary: true}, transient: true},
		{name: "Other", err: errors.New("resolver exploded"), transient: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg := testConfig(t)
			cfg.Resolver = func(context.Context, string) ([]netip.Addr, error) { return nil, tc.err }
			f := mustNew(t, cfg)
			_, err := f.Fetch(context.Background(), "https://x.test/")
			e := asError(t, err, fetch.CodeDNSFailure)
			if e.Transient != tc.transient {
				t.Fatalf("Transient=%v, want %v", e.Transient, tc.transient)
			}
			wantContext(t, e, fetch.KeyHost, "x.test")
		})
	}
}

func TestFetchDNSRebinding(t *testing.T) {
	t.Parallel()

	victim := &hitCounter{}
	internal := newOrigin(t, "127.0.0.1", victim)
	origin := newOrigin(t, originIP, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/" {
			// Same host name, new connection: it is resolved again.
			http.Redirect(w, r, "/again", http.StatusFound)
			return
		}
		w.Write([]byte("served by the allowed origin"))
	}))

	// The first answer is the allowed origin; every later one is loopback.
	var calls atomic.Int32
	cfg := testConfig(t)
	cfg.Allow = []string{originIP}
	cfg.Ports = []int{portOf(t, origin), portOf(t, internal)}
	cfg.Resolver = func(_ context.Context, host string) ([]netip.Addr, error) {
		if calls.Add(1) == 1 {
			return addrs(originIP), nil
		}
		return addrs("127.0.0.1"), nil
	}
	f := mustNew(t, cfg)

	_, err := f.Fetch(context.Background(), "http://rebind.test:"+strconv.Itoa(portOf(t, origin))+"/")
	e := asError(t, err, fetch.CodeAddressNotAllowed)
	wantContext(t, e, fetch.KeyAddress, "127.0.0.1")
	wantContext(t, e, fetch.KeyHost, "rebind.test")
	if got := calls.Load(); got != 2 {
		t.Fatalf("resolver calls=%d, want 2", got)
	}
	if got := victim.count(); got != 0 {
		t.Fatalf("internal server hits=%d, want 0", got)
	}
}

func TestFetchLocalhostRefused(t *testing.T) {
	t.Parallel()

	victim := &hitCounter{}
	internal := newOrigin(t, "127.0.0.1", victim)
	cfg := testConfig(t)
	cfg.Ports = []int{portOf(t, internal)}
	f := mustNew(t, cfg)

	for _, host := range []string{"localhost", "127.0.0.1", "[::ffff:127.0.0.1]"} {
		_, err := f.Fetch(context.Background(), "http://"+host+":"+strconv.Itoa(portOf(t, internal))+"/")
		asError(t, err, fetch.CodeAddressNotAllowed)
	}
	if got := victim.count(); got != 0 {
		t.Fatalf("internal server hits=%d, want 0", got)
	}
}

func TestFetchPolicyLists(t *testing.T) {
	t.Parallel()

	origin := newOrigin(t, originIP, &hitCounter{})
	port := portOf(t, origin)

	tests := []struct {
		name string
		cfg  fetch.Config
		want fetch.Code // "" means success
	}{
		{name: "AllowedWithPort", cfg: fetch.Config{Allow: []string{hostPort(t, origin)}}},
		{name: "AllowedCIDRPlusPorts", cfg: fetch.Config{Allow: []string{"127.0.0.0/8"}, Ports: []int{port}}},
		{name: "NotAllowed", cfg: fetch.Config{Ports: []int{port}}, want: fetch.CodeAddressNotAllowed},
		{name: "AllowedButPortMissing", cfg: fetch.Config{Allow: []string{originIP}}, want: fetch.CodePortNotAllowed},
		{name: "DenyWinsOverAllow", cfg: fetch.Config{Allow: []string{"127.0.0.0/8"}, Deny: []string{originIP}, Ports: []int{port}}, want: fetch.CodeAddressNotAllowed},
		{name: "DenyWinsOverPrivateNetworks", cfg: fetch.Config{AllowPrivateNetworks: true, Deny: []string{"127.0.0.0/8"}}, want: fetch.CodeAddressNotAllowed},
		{name: "PrivateNetworksAnyPort", cfg: fetch.Config{AllowPrivateNetworks: true}},
		{name: "PrivateNetworksExplicitPorts", cfg: fetch.Config{AllowPrivateNetworks: true, Ports: []int{443}}, want: fetch.CodePortNotAllowed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := mustNew(t, tc.cfg)
			body, _, err := fetchAll(t, f, urlOf(t, originIP, origin, "/"))
			if tc.want == "" {
				if err != nil || string(body) != "ok" {
					t.Fatalf("Fetch: body=%q err=%v, want \"ok\"", body, err)
				}
				return
			}
			e := asError(t, err, tc.want)
			if tc.want == fetch.CodeAddressNotAllowed && tc.cfg.Deny != nil {
				wantContext(t, e, fetch.KeyReason, "denied by configuration")
			}
		})
	}
}
