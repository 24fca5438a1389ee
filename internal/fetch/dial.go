package fetch

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"syscall"
)

// maxDialAddrs bounds how many resolved addresses one dial tries.
const maxDialAddrs = 8

// dialContext is the Transport's only way out. It resolves the host itself
// (so Config.Resolver is honoured), then dials each address as an IP
// literal through a Dialer whose Control hook applies the policy to the
// exact address being connected to. A name that resolves to a public
// address now and a private one later is therefore refused later.
func (f *Fetcher) dialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	host, portStr, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, newError(CodeInvalidURL, "the address to connect to is not valid", err)
	}
	port, err := parsePort(portStr)
	if err != nil {
		return nil, newError(CodeInvalidURL, "the address to connect to is not valid", err)
	}
	name := ""
	if _, err := netip.ParseAddr(host); err != nil {
		name = normalizeHost(host)
		if e := f.policy.checkHostName(name, port); e != nil {
			return nil, e
		}
	}
	ips, err := f.resolve(ctx, host)
	if err != nil {
		return nil, err
	}
	return f.dialAny(ctx, name, ips, port)
}

// resolve returns the addresses of host; an IP literal is its own answer.
func (f *Fetcher) resolve(ctx context.Context, host string) ([]netip.Addr, error) {
	if ip, err := netip.ParseAddr(host); err == nil {
		return []netip.Addr{ip}, nil
	}
	lookup := f.cfg.Resolver
	if lookup == nil {
		lookup = defaultLookup
	}
	ips, err := lookup(ctx, host)
	if err != nil {
		if ctx.Err() != nil {
			return nil, err // classified from the context by the caller
		}
		return nil, dnsError(host, err)
	}
	if len(ips) == 0 {
		return nil, newError(CodeDNSFailure, fmt.Sprintf("the host %s has no addresses", host), nil, KeyHost, host)
	}
	if len(ips) > maxDialAddrs {
		ips = ips[:maxDialAddrs]
	}
	return ips, nil
}

// defaultLookup resolves with the system's resolver.
func defaultLookup(ctx context.Context, host string) ([]netip.Addr, error) {
	return net.DefaultResolver.LookupNetIP(ctx, "ip", host)
}

// dnsError builds DNS_FAILURE; a name that does not exist is final, any
// other failure may be temporary.
func dnsError(host string, err error) *Error {
	e := newError(CodeDNSFailure, fmt.Sprintf("the host %s could not be resolved", host), err, KeyHost, host)
	var de *net.DNSError
	e.Transient = !(errors.As(err, &de) && de.IsNotFound)
	return e
}

// dialAny tries each address in turn. Addresses the policy refuses are
// skipped; if none could be used, a network failure is reported in
// preference to a refusal, since it is the more useful of the two.
func (f *Fetcher) dialAny(ctx context.Context, name string, ips []netip.Addr, port int) (net.Conn, error) {
	var refused, failed error
	for _, ip := range ips {
		conn, err := f.dialOne(ctx, name, ip, port)
		if err == nil {
			return conn, nil
		}
		if ctx.Err() != nil {
			return nil, err
		}
		var fe *Error
		switch {
		case errors.As(err, &fe) && (fe.Code == CodeAddressNotAllowed || fe.Code == CodePortNotAllowed):
			refused = firstErr(refused, fe)
		default:
			failed = firstErr(failed, err)
		}
	}
	return nil, firstErr(failed, refused)
}

// firstErr returns a if it is set, else b.
func firstErr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

// dialOne connects to one address, the policy checked in Control.
func (f *Fetcher) dialOne(ctx context.Context, name string, ip netip.Addr, port int) (net.Conn, error) {
	d := &net.Dialer{Timeout: f.cfg.ConnectTimeout, Control: f.policy.control(name)}
	ap := netip.AddrPortFrom(ip, uint16(port))
	conn, err := d.DialContext(ctx, "tcp", ap.String())
	if err != nil {
		return nil, f.dialError(ctx, ap, err)
	}
	return conn, nil
}

// dialError classifies a failed dial. Errors from the Control hook are
// already *Error; context errors are left for the caller.
func (f *Fetcher) dialError(ctx context.Context, ap netip.AddrPort, err error) error {
	var fe *Error
	if errors.As(err, &fe) {
		return fe
	}
	if ctx.Err() != nil {
		return err
	}
	kv := []string{KeyAddress, ap.Addr().String(), KeyPort, strconv.Itoa(int(ap.Port()))}
	var ne net.Error
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return newError(CodeConnectionRefused, "the origin refused the connection", err, kv...)
	case errors.As(err, &ne) && ne.Timeout():
		return newError(CodeConnectTimeout,
			fmt.Sprintf("connecting to the origin took longer than %s", f.cfg.ConnectTimeout), err,
			append(kv, KeyTimeout, f.cfg.ConnectTimeout.String())...)
	case errors.Is(err, syscall.ENETUNREACH), errors.Is(err, syscall.EHOSTUNREACH):
		return newError(CodeConnectionRefused, "the origin's network cannot be reached", err, kv...)
	}
	return newError(CodeConnectionRefused, "could not connect to the origin", err, kv...)
}
