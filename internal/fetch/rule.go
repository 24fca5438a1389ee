package fetch

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"unicode"
)

// rule is one parsed Allow or Deny entry.
type rule struct {
	prefix netip.Prefix // set for IP and CIDR entries, IPv4 unmapped
	host   string       // set for host name entries; "*.x" matches subdomains of x
	port   int          // 0 matches any port
}

// parseRule parses "CIDR", "IP" or "host", each optionally with ":port"
// (IPv6 forms take a port only inside brackets: "[::1]:9000").
func parseRule(entry string) (rule, error) {
	s := strings.TrimSpace(entry)
	if s == "" {
		return rule{}, errors.New("empty entry")
	}
	hostPart, portPart, err := splitRuleEntry(s)
	if err != nil {
		return rule{}, fmt.Errorf("%q: %w", entry, err)
	}
	var r rule
	if portPart != "" {
		if r.port, err = parsePort(portPart); err != nil {
			return rule{}, fmt.Errorf("%q: %w", entry, err)
		}
	}
	if err := r.setTarget(hostPart); err != nil {
		return rule{}, fmt.Errorf("%q: %w", entry, err)
	}
	return r, nil
}

// splitRuleEntry separates the optional port from an entry.
func splitRuleEntry(s string) (host, port string, err error) {
	if strings.HasPrefix(s, "[") {
		end := strings.IndexByte(s, ']')
		if end < 0 {
			return "", "", errors.New("missing ']'")
		}
		host, rest := s[1:end], s[end+1:]
		if rest == "" {
			return host, "", nil
		}
		if rest[0] != ':' {
			return "", "", errors.New("unexpected text after ']'")
		}
		return host, rest[1:], nil
	}
	if strings.Count(s, ":") == 1 {
		host, port, _ = strings.Cut(s, ":")
		return host, port, nil
	}
	return s, "", nil // no port, or a bare IPv6 address or prefix
}

// setTarget fills the prefix or host of r from a CIDR, IP or host name.
func (r *rule) setTarget(s string) error {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return errors.New("not a valid CIDR")
		}
		r.prefix = unmapPrefix(p).Masked()
		return nil
	}
	if ip, err := netip.ParseAddr(s); err == nil {
		if ip.Zone() != "" {
			return errors.New("IPv6 zones are not supported")
		}
		ip = ip.Unmap()
		r.prefix = netip.PrefixFrom(ip, ip.BitLen())
		return nil
	}
	h := normalizeHost(s)
	if !validRuleHost(h) {
		return errors.New("not a CIDR, IP address or ASCII host name")
	}
	r.host = h
	return nil
}

// unmapPrefix turns an IPv4-mapped IPv6 prefix into the IPv4 prefix.
func unmapPrefix(p netip.Prefix) netip.Prefix {
	if p.Addr().Is4In6() && p.Bits() >= 96 {
		return netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
	}
	return p
}

// validRuleHost accepts an ASCII host name, optionally starting "*.".
func validRuleHost(h string) bool {
	h = strings.TrimPrefix(h, "*.")
	return validHostname(h) && !strings.ContainsFunc(h, func(r rune) bool { return r > unicode.MaxASCII })
}

// parsePort parses a decimal port in 1..65535.
func parsePort(s string) (int, error) {
	p, err := strconv.Atoi(s)
	if err != nil || p < 1 || p > 65535 || strings.HasPrefix(s, "+") {
		return 0, fmt.Errorf("%q is not a port number (1-65535)", s)
	}
	return p, nil
}

// matches reports whether the rule covers a destination. ip may be the
// zero Addr when only the host name is known.
func (r rule) matches(host string, ip netip.Addr, port int) bool {
	if r.port != 0 && r.port != port {
		return false
	}
	if r.prefix.IsValid() {
		return ip.IsValid() && r.prefix.Contains(ip)
	}
	return host != "" && matchHost(r.host, host)
}

// matchHost matches a normalized host against a pattern; "*.x" matches
// every proper subdomain of x.
func matchHost(pattern, host string) bool {
	if suffix, ok := strings.CutPrefix(pattern, "*"); ok {
		return len(host) > len(suffix) && strings.HasSuffix(host, suffix)
	}
	return pattern == host
}

// normalizeHost lower-cases h and drops one trailing dot.
func normalizeHost(h string) string {
	return strings.TrimSuffix(strings.ToLower(h), ".")
}

// validHostname reports whether h is a plausible DNS name: dot-separated
// non-empty labels of letters, digits, '-' and '_' (letters may be
// non-ASCII), whose last label is not numeric. A numeric last label means
// an IP address in a non-standard form such as "127.1" or "0x7f.1", which
// some resolvers would turn into an address the policy never saw.
func validHostname(h string) bool {
	if h == "" || len(h) > 253 {
		return false
	}
	labels := strings.Split(h, ".")
	for _, l := range labels {
		if !validLabel(l) {
			return false
		}
	}
	return !numericLabel(labels[len(labels)-1])
}

// validLabel checks one DNS label.
func validLabel(l string) bool {
	if l == "" || len(l) > 63 && isASCII(l) {
		return false
	}
	for _, r := range l {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' ||
			r == '-' || r == '_' || r > unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r))
		if !ok {
			return false
		}
	}
	return true
}

// numericLabel reports whether l is all decimal digits or a 0x hex number.
func numericLabel(l string) bool {
	l = strings.ToLower(l)
	digits := "0123456789"
	if rest, ok := strings.CutPrefix(l, "0x"); ok {
		l, digits = rest, "0123456789abcdef"
		if l == "" {
			return true
		}
	}
	return strings.Trim(l, digits) == ""
}

// isASCII reports whether s has only ASCII bytes.
func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] > unicode.MaxASCII {
			return false
		}
	}
	return true
}
