package fetch

import (
	"cmp"
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"time"
)

// Defaults applied by Config.WithDefaults.
const (
	DefaultMaxBytes         int64 = 1 << 30 // 1 GiB
	DefaultConnectTimeout         = 10 * time.Second
	DefaultFirstByteTimeout       = 30 * time.Second
	DefaultIdleTimeout            = 30 * time.Second
	DefaultTotalTimeout           = 10 * time.Minute
	DefaultMaxRedirects           = 5
	DefaultMaxURLLength           = 2048
	DefaultUserAgent              = "Ferry/1 (+import-from-url)"
)

// Config tunes a Fetcher. The zero value is the safe production policy:
// public addresses only, ports 80 and 443, http and https.
type Config struct {
	// AllowPrivateNetworks, when true, lets the fetcher reach loopback,
	// private (RFC 1918, ULA), CGNAT and other special-purpose addresses.
	// Link-local addresses (169.254.0.0/16, fe80::/10, which include cloud
	// metadata endpoints) stay refused unless named in Allow. When false
	// (the default) every non-public address is refused.
	AllowPrivateNetworks bool

	// Allow lists destinations that bypass the private-address refusal.
	// Each entry is a CIDR ("10.0.0.0/8"), an IP ("127.0.0.2", "::1") or a
	// host name ("files.internal", or "*.internal" for any subdomain),
	// optionally with a port ("127.0.0.2:8080", "[::1]:9000",
	// "files.internal:8443"). An entry with a port matches only that
	// port, and makes that port acceptable for that destination even when
	// it is not in Ports. Host names are matched in their ASCII (punycode)
	// form; allowing a host name trusts whatever its DNS answers.
	Allow []string

	// Deny uses the syntax of Allow. A matching destination is refused
	// even if Allow or AllowPrivateNetworks would let it through.
	Deny []string

	// Ports are the destination ports allowed for every host. Defaults to
	// 80 and 443; when AllowPrivateNetworks is true and Ports is empty,
	// any port is allowed.
	Ports []int

	// Schemes are the URL schemes allowed, a subset of "http" and
	// "https". Defaults to both.
	Schemes []string

	// MaxBytes caps the body size. A larger Content-Length is refused
	// before the body is read, and the stream is cut when it passes the
	// limit. Defaults to 1 GiB.
	MaxBytes int64

	// ConnectTimeout bounds each TCP dial and TLS handshake. Defaults to 10s.
	ConnectTimeout time.Duration

	// FirstByteTimeout bounds the wait from the request being written to
	// the response headers being read, per hop. Defaults to 30s.
	FirstByteTimeout time.Duration

	// IdleTimeout bounds how long a body read may wait without receiving
	// a single byte. Time the caller spends between reads does not count.
	// Defaults to 30s.
	IdleTimeout time.Duration

	// TotalTimeout bounds the whole fetch, redirects and body included.
	// Defaults to 10m.
	TotalTimeout time.Duration

	// MaxRedirects is how many redirects are followed. Defaults to 5; a
	// negative value follows none.
	MaxRedirects int

	// MaxURLLength caps the URL length in bytes, for the URL given and
	// every redirect target. Defaults to 2048.
	MaxURLLength int

	// UserAgent is sent with every request. Defaults to DefaultUserAgent.
	UserAgent string

	// Resolver looks host names up. Nil uses net.DefaultResolver. Tests
	// inject a fake one to simulate DNS rebinding.
	Resolver func(ctx context.Context, host string) ([]netip.Addr, error)

	// RootCAs verifies origin certificates. Nil uses the system roots.
	// Certificate verification is never disabled.
	RootCAs *x509.CertPool
}

// WithDefaults returns c with every zero field set to its default.
func (c Config) WithDefaults() Config {
	c.MaxBytes = cmp.Or(c.MaxBytes, DefaultMaxBytes)
	c.ConnectTimeout = cmp.Or(c.ConnectTimeout, DefaultConnectTimeout)
	c.FirstByteTimeout = cmp.Or(c.FirstByteTimeout, DefaultFirstByteTimeout)
	c.IdleTimeout = cmp.Or(c.IdleTimeout, DefaultIdleTimeout)
	c.TotalTimeout = cmp.Or(c.TotalTimeout, DefaultTotalTimeout)
	c.MaxRedirects = cmp.Or(c.MaxRedirects, DefaultMaxRedirects)
	c.MaxURLLength = cmp.Or(c.MaxURLLength, DefaultMaxURLLength)
	c.UserAgent = cmp.Or(c.UserAgent, DefaultUserAgent)
	if len(c.Schemes) == 0 {
		c.Schemes = []string{"http", "https"}
	}
	if len(c.Ports) == 0 && !c.AllowPrivateNetworks {
		c.Ports = []int{80, 443}
	}
	return c
}

// Validate reports every invalid field of c, each error naming its field.
// Zero values are valid: they stand for the defaults.
func (c Config) Validate() error {
	var errs []error
	errs = append(errs, validateRules("Allow", c.Allow)...)
	errs = append(errs, validateRules("Deny", c.Deny)...)
	for i, p := range c.Ports {
		if p < 1 || p > 65535 {
			errs = append(errs, fmt.Errorf("fetch: Config.Ports[%d]: %d is not a port number (1-65535)", i, p))
		}
	}
	for i, s := range c.Schemes {
		if ls := strings.ToLower(s); ls != "http" && ls != "https" {
			errs = append(errs, fmt.Errorf("fetch: Config.Schemes[%d]: %q is not supported (only http and https)", i, s))
		}
	}
	errs = append(errs, c.validateLimits()...)
	return errors.Join(errs...)
}

// validateLimits checks the numeric and string limits.
func (c Config) validateLimits() []error {
	var errs []error
	neg := func(field string, bad bool) {
		if bad {
			errs = append(errs, fmt.Errorf("fetch: Config.%s must not be negative", field))
		}
	}
	neg("MaxBytes", c.MaxBytes < 0)
	neg("ConnectTimeout", c.ConnectTimeout < 0)
	neg("FirstByteTimeout", c.FirstByteTimeout < 0)
	neg("IdleTimeout", c.IdleTimeout < 0)
	neg("TotalTimeout", c.TotalTimeout < 0)
	neg("MaxURLLength", c.MaxURLLength < 0)
	if strings.ContainsFunc(c.UserAgent, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		errs = append(errs, errors.New("fetch: Config.UserAgent must not contain control characters"))
	}
	return errs
}

// validateRules parses every entry of an Allow or Deny list.
func validateRules(field string, entries []string) []error {
	var errs []error
	for i, e := range entries {
		if _, err := parseRule(e); err != nil {
			errs = append(errs, fmt.Errorf("fetch: Config.%s[%d]: %w", field, i, err))
		}
	}
	return errs
}
