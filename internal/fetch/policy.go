package fetch

import (
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"syscall"

	"code.dny.dev/ssrf"
)

// Reasons given for refusing an address.
const (
	reasonDenied = "denied by configuration"
)

var (
	cgnatPrefix = netip.MustParsePrefix("100.64.0.0/10")
	broadcastIP = netip.MustParseAddr("255.255.255.255")
)

// policy is the compiled destination policy of a Fetcher.
type policy struct {
	allow, deny  []rule
	ports        []int
	anyPort      bool
	allowPrivate bool
	schemes      []string
	guard        *ssrf.Guardian
}

// newPolicy compiles a defaulted, validated Config.
func newPolicy(c Config) *policy {
	p := &policy{
		ports:        c.Ports,
		anyPort:      len(c.Ports) == 0,
		allowPrivate: c.AllowPrivateNetworks,
		guard:        ssrf.New(ssrf.WithAnyPort()),
	}
	for _, s := range c.Schemes {
		p.schemes = append(p.schemes, strings.ToLower(s))
	}
	p.allow = mustRules(c.Allow)
	p.deny = mustRules(c.Deny)
	return p
}

// mustRules parses entries already checked by Validate.
func mustRules(entries []string) []rule {
	rules := make([]rule, 0, len(entries))
	for _, e := range entries {
		r, err := parseRule(e)
		if err != nil {
			panic(err) // unreachable: New validates first
		}
		rules = append(rules, r)
	}
	return rules
}

// portAllowed reports whether port may be used for host. With ip unknown
// (a host name before resolution) an IP-scoped Allow entry naming the port
// is enough; the dial-time check then decides with the real address.
func (p *policy) portAllowed(host string, ip netip.Addr, port int) bool {
	if p.anyPort || slices.Contains(p.ports, port) {
		return true
	}
	for _, r := range p.allow {
		if r.port != port {
			continue
		}
		if r.prefix.IsValid() && !ip.IsValid() || r.matches(host, ip, port) {
			return true
		}
	}
	return false
}

// checkAddr decides whether ip, reached through host on port, may be
// dialled: deny rules first, then allow rules, then the built-in refusal
// of non-public addresses. host is "" for IP literals.
func (p *policy) checkAddr(host string, ip netip.Addr, port int) *Error {
	ip = ip.Unmap().WithZone("")
	for _, r := range p.deny {
		if r.matches(host, ip, port) {
			return addrError(host, ip, port, reasonDenied)
		}
	}
	for _, r := range p.allow {
		if r.matches(host, ip, port) {
			return nil
		}
	}
	if reason := p.refusal(ip); reason != "" {
		return addrError(host, ip, port, reason)
	}
	return nil
}

// refusal returns why ip is refused by the built-in rules, or "".
// code.dny.dev/ssrf decides, from the IANA special-purpose registries;
// with AllowPrivateNetworks only link-local addresses stay refused.
func (p *policy) refusal(ip netip.Addr) string {
	if p.allowPrivate {
		if isLinkLocal(ip) {
			return "link-local"
		}
		return ""
	}
	if p.guard.SafeAddr(ip) != nil {
		return describe(ip)
	}
	return ""
}

// isLinkLocal reports link-local addresses, including a link-local IPv4
// address embedded in the NAT64 prefix (64:ff9b::a9fe:a9fe).
func isLinkLocal(ip netip.Addr) bool {
	if ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() {
		return true
	}
	if ssrf.IPv6NAT64Prefix.Contains(ip) {
		b := ip.As16()
		return isLinkLocal(netip.AddrFrom4([4]byte(b[12:])))
	}
	return false
}

// describe names the category of a non-public address for messages.
func describe(ip netip.Addr) string {
	switch {
	case ip.IsUnspecified():
		return "unspecified"
	case ip.IsLoopback():
		return "loopback"
	case ip.IsLinkLocalUnicast(), ip.IsLinkLocalMulticast():
		return "link-local"
	case ip.IsMulticast():
		return "multicast"
	case ip.IsPrivate():
		return "private"
	case cgnatPrefix.Contains(ip):
		return "shared address space (CGNAT)"
	case ssrf.IPv6NAT64Prefix.Contains(ip):
		return "NAT64"
	case ip == broadcastIP:
		return "broadcast"
	}
	return "reserved for special use"
}

// addrError builds the ADDRESS_NOT_ALLOWED error.
func addrError(host string, ip netip.Addr, port int, reason string) *Error {
	msg := fmt.Sprintf("the URL's address %s is not allowed: %s", ip, reason)
	if host != "" {
		msg = fmt.Sprintf("the address %s of host %s is not allowed: %s", ip, host, reason)
	}
	e := newError(CodeAddressNotAllowed, msg, nil,
		KeyAddress, ip.String(), KeyReason, reason, KeyPort, strconv.Itoa(port))
	if host != "" {
		e.set(KeyHost, host)
	}
	return e
}

// checkHostName applies the name-based rules to a host name before any
// lookup: Deny entries, and the refusal of "localhost" names.
func (p *policy) checkHostName(host string, port int) *Error {
	for _, r := range p.deny {
		if r.host != "" && r.matches(host, netip.Addr{}, port) {
			return hostError(host, port, reasonDenied)
		}
	}
	if !isLocalhostName(host) || p.allowPrivate {
		return nil
	}
	for _, r := range p.allow {
		if r.host != "" && r.matches(host, netip.Addr{}, port) {
			return nil
		}
	}
	return hostError(host, port, "loopback")
}

// isLocalhostName reports names that always mean this machine (RFC 6761).
func isLocalhostName(h string) bool {
	return h == "localhost" || strings.HasSuffix(h, ".localhost")
}

// hostError builds the ADDRESS_NOT_ALLOWED error for a refused name.
func hostError(host string, port int, reason string) *Error {
	return newError(CodeAddressNotAllowed,
		fmt.Sprintf("the host %s is not allowed: %s", host, reason), nil,
		KeyHost, host, KeyReason, reason, KeyPort, strconv.Itoa(port))
}

// portError builds the PORT_NOT_ALLOWED error.
func portError(port int) *Error {
	return newError(CodePortNotAllowed, fmt.Sprintf("the port %d is not allowed", port), nil,
		KeyPort, strconv.Itoa(port))
}

// control returns a net.Dialer Control hook that checks the address being
// connected to, after resolution and before the TCP handshake. host is the
// name the address came from ("" for IP literals).
func (p *policy) control(host string) func(network, address string, _ syscall.RawConn) error {
	return func(network, address string, _ syscall.RawConn) error {
		if network != "tcp4" && network != "tcp6" {
			return newError(CodeAddressNotAllowed, "only TCP connections are allowed", nil)
		}
		ap, err := netip.ParseAddrPort(address)
		if err != nil {
			return newError(CodeAddressNotAllowed, "the address to connect to could not be checked", err)
		}
		ip, port := ap.Addr().Unmap().WithZone(""), int(ap.Port())
		if e := p.checkAddr(host, ip, port); e != nil {
			return e
		}
		if !p.portAllowed(host, ip, port) {
			return portError(port)
		}
		return nil
	}
}
