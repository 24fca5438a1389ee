package fetch_test

import (
	"strings"
	"testing"

	"ferry/internal/fetch"
)

func TestCheckURL(t *testing.T) {
	t.Parallel()

	const maxLen = 64
	exact := "https://example.com/" + strings.Repeat("a", maxLen-len("https://example.com/"))

	tests := []struct {
		name string
		cfg  fetch.Config
		url  string
		want fetch.Code // "" means accepted
	}{
		{name: "PlainHTTPS", url: "https://example.com/file.pdf"},
		{name: "HTTPWithQuery", url: "http://example.com/a?b=c&d=e"},
		{name: "ExplicitDefaultPort", url: "https://example.com:443/x"},
		{name: "UserinfoAllowed", url: "https://user:pass@example.com/x"},
		{name: "UppercaseScheme", url: "HTTPS://EXAMPLE.COM/x"},
		{name: "PublicIPv4", url: "http://93.184.216.34/x"},
		{name: "PublicIPv6", url: "http://[2606:4700::1111]/x"},
		{name: "IDNHost", url: "https://bücher.example/x"},
		{name: "TrailingDotHost", url: "https://example.com./x"},
		{name: "LengthAtLimit", cfg: fetch.Config{MaxURLLength: maxLen}, url: exact},

		{name: "LengthOverLimit", cfg: fetch.Config{MaxURLLength: maxLen}, url: exact + "b", want: fetch.CodeURLTooLong},
		{name: "Empty", url: "", want: fetch.CodeInvalidURL},
		{name: "Relative", url: "/etc/passwd", want: fetch.CodeInvalidURL},
		{name: "NoHost", url: "http:///path", want: fetch.CodeInvalidURL},
		{name: "Opaque", url: "http:example.com", want: fetch.CodeInvalidURL},
		{name: "Space", url: "http://example.com/a b", want: fetch.CodeInvalidURL},
		{name: "ControlChar", url: "http://example.com/\x00", want: fetch.CodeInvalidURL},
		{name: "NewlineInjection", url: "http://example.com/\r\nX-Evil: 1", want: fetch.CodeInvalidURL},
		{name: "C1Control", url: "http://example.com/\u0085", want: fetch.CodeInvalidURL},
		{name: "InvalidUTF8", url: "http://example.com/\xff", want: fetch.CodeInvalidURL},
		{name: "BadBracket", url: "http://[::1/", want: fetch.CodeInvalidURL},
		{name: "PortZero", url: "http://example.com:0/", want: fetch.CodeInvalidURL},
		{name: "PortTooBig", url: "http://example.com:99999/", want: fetch.CodeInvalidURL},
		{name: "BadHostChar", url: "http://exa$mple.com/", want: fetch.CodeInvalidURL},
		{name: "DecimalIP", url: "http://2130706433/", want: fetch.CodeInvalidURL},
		{name: "ShortIP", url: "http://127.1/", want: fetch.CodeInvalidURL},
		{name: "HexIP", url: "http://0x7f.0.0.1/", want: fetch.CodeInvalidURL},
		{name: "OctalIP", url: "http://0177.0.0.01/", want: fetch.CodeInvalidURL},

		{name: "FileScheme", url: "file:///etc/passwd", want: fetch.CodeSchemeNotAllowed},
		{name: "GopherScheme", url: "gopher://example.com:70/_stats", want: fetch.CodeSchemeNotAllowed},
		{name: "FTPScheme", url: "ftp://example.com/file", want: fetch.CodeSchemeNotAllowed},
		{name: "DataScheme", url: "data:text/plain,hi", want: fetch.CodeSchemeNotAllowed},
		{name: "JavascriptScheme", url: "javascript:alert(1)", want: fetch.CodeSchemeNotAllowed},
		{name: "HTTPRefusedWhenHTTPSOnly", cfg: fetch.Config{Schemes: []string{"https"}}, url: "http://example.com/", want: fetch.CodeSchemeNotAllowed},

		{name: "Port8080", url: "http://example.com:8080/", want: fetch.CodePortNotAllowed},
		{name: "Port22", url: "http://example.com:22/", want: fetch.CodePortNotAllowed},
		{name: "Port443NotInCustomPorts", cfg: fetch.Config{Ports: []int{8443}}, url: "https://example.com/", want: fetch.CodePortNotAllowed},
		{name: "CustomPort", cfg: fetch.Config{Ports: []int{8443}}, url: "https://example.com:8443/"},
		{name: "PortFromAllowedHost", cfg: fetch.Config{Allow: []string{"files.internal:8443"}}, url: "https://files.internal:8443/"},
		{name: "PortFromAllowedHostOnlyThere", cfg: fetch.Config{Allow: []string{"files.internal:8443"}}, url: "https://example.com:8443/", want: fetch.CodePortNotAllowed},
		{name: "PortFromAllowedIPDecidedAtDial", cfg: fetch.Config{Allow: []string{"10.0.0.5:8443"}}, url: "https://example.com:8443/"},
		{name: "AnyPortWithPrivateNetworks", cfg: fetch.Config{AllowPrivateNetworks: true}, url: "http://example.com:8080/"},

		{name: "Loopback", url: "http://127.0.0.1/", want: fetch.CodeAddressNotAllowed},
		{name: "LoopbackOtherPort", url: "http://127.0.0.1:8080/", want: fetch.CodeAddressNotAllowed},
		{name: "LoopbackAlias", url: "http://127.0.1.1/", want: fetch.CodeAddressNotAllowed},
		{name: "Localhost", url: "http://localhost/", want: fetch.CodeAddressNotAllowed},
		{name: "LocalhostUpper", url: "http://LOCALHOST./", want: fetch.CodeAddressNotAllowed},
		{name: "LocalhostSubdomain", url: "http://api.localhost/", want: fetch.CodeAddressNotAllowed},
		{name: "Metadata", url: "http://169.254.169.254/latest/meta-data/", want: fetch.CodeAddressNotAllowed},
		{name: "Private10", url: "http://10.1.2.3/", want: fetch.CodeAddressNotAllowed},
		{name: "Private172", url: "http://172.16.0.1/", want: fetch.CodeAddressNotAllowed},
		{name: "Private192", url: "http://192.168.1.1/", want: fetch.CodeAddressNotAllowed},
		{name: "CGNAT", url: "http://100.64.0.1/", want: fetch.CodeAddressNotAllowed},
		{name: "Unspecified", url: "http://0.0.0.0/", want: fetch.CodeAddressNotAllowed},
		{name: "Multicast", url: "http://224.0.0.1/", want: fetch.CodeAddressNotAllowed},
		{name: "Broadcast", url: "http://255.255.255.255/", want: fetch.CodeAddressNotAllowed},
		{name: "IPv6Loopback", url: "http://[::1]/", want: fetch.CodeAddressNotAllowed},
		{name: "IPv6Unspecified", url: "http://[::]/", want: fetch.CodeAddressNotAllowed},
		{name: "IPv4Mapped", url: "http://[::ffff:127.0.0.1]/", want: fetch.CodeAddressNotAllowed},
		{name: "IPv4MappedHex", url: "http://[::ffff:7f00:1]/", want: fetch.CodeAddressNotAllowed},
		{name: "NAT64Metadata", url: "http://[64:ff9b::a9fe:a9fe]/", want: fetch.CodeAddressNotAllowed},
		{name: "ULA", url: "http://[fd00::1]/", want: fetch.CodeAddressNotAllowed},
		{name: "AWSIPv6Metadata", url: "http://[fd00:ec2::254]/", want: fetch.CodeAddressNotAllowed},
		{name: "IPv6LinkLocal", url: "http://[fe80::1]/", want: fetch.CodeAddressNotAllowed},
		{name: "IPv6LinkLocalZone", url: "http://[fe80::1%25eth0]/", want: fetch.CodeAddressNotAllowed},
		{name: "SixToFour", url: "http://[2002:7f00:1::]/", want: fetch.CodeAddressNotAllowed},
		{name: "Documentation", url: "http://192.0.2.1/", want: fetch.CodeAddressNotAllowed},
		{name: "PercentEncodedHost", url: "http://%31%32%37.0.0.1/", want: fetch.CodeInvalidURL},

		{name: "AllowedIP", cfg: fetch.Config{Allow: []string{"127.0.0.2"}}, url: "http://127.0.0.2/"},
		{name: "AllowedCIDR", cfg: fetch.Config{Allow: []string{"10.0.0.0/8"}}, url: "http://10.9.8.7/"},
		{name: "AllowedIPv6", cfg: fetch.Config{Allow: []string{"[::1]:9000"}}, url: "http://[::1]:9000/"},
		{name: "AllowedIPv6WrongPort", cfg: fetch.Config{Allow: []string{"[::1]:9000"}}, url: "http://[::1]:9001/", want: fetch.CodeAddressNotAllowed},
		{name: "AllowedLocalhostName", cfg: fetch.Config{Allow: []string{"localhost"}}, url: "http://localhost/"},
		{name: "PrivateNetworks", cfg: fetch.Config{AllowPrivateNetworks: true}, url: "http://10.1.2.3:9999/"},
		{name: "PrivateNetworksLocalhost", cfg: fetch.Config{AllowPrivateNetworks: true}, url: "http://localhost:8080/"},
		{name: "PrivateNetworksKeepMetadataOut", cfg: fetch.Config{AllowPrivateNetworks: true}, url: "http://169.254.169.254/", want: fetch.CodeAddressNotAllowed},
		{name: "PrivateNetworksKeepNAT64MetadataOut", cfg: fetch.Config{AllowPrivateNetworks: true}, url: "http://[64:ff9b::a9fe:a9fe]/", want: fetch.CodeAddressNotAllowed},
		{name: "MetadataExplicitlyAllowed", cfg: fetch.Config{AllowPrivateNetworks: true, Allow: []string{"169.254.0.0/16"}}, url: "http://169.254.169.254/"},
		{name: "DenyBeatsAllow", cfg: fetch.Config{Allow: []string{"10.0.0.0/8"}, Deny: []string{"10.0.0.1"}}, url: "http://10.0.0.1/", want: fetch.CodeAddressNotAllowed},
		{name: "DenyBeatsPrivateNetworks", cfg: fetch.Config{AllowPrivateNetworks: true, Deny: []string{"10.0.0.0/8"}}, url: "http://10.0.0.1/", want: fetch.CodeAddressNotAllowed},
		{name: "DenyPublicIP", cfg: fetch.Config{Deny: []string{"93.184.216.0/24"}}, url: "http://93.184.216.34/", want: fetch.CodeAddressNotAllowed},
		{name: "DenyHostName", cfg: fetch.Config{Deny: []string{"evil.example"}}, url: "http://EVIL.example./", want: fetch.CodeAddressNotAllowed},
		{name: "DenyWildcard", cfg: fetch.Config{Deny: []string{"*.evil.example"}}, url: "http://a.b.evil.example/", want: fetch.CodeAddressNotAllowed},
		{name: "DenyWildcardNotApex", cfg: fetch.Config{Deny: []string{"*.evil.example"}}, url: "http://evil.example/"},
		{name: "DenyWithPortOnlyThatPort", cfg: fetch.Config{Deny: []string{"example.com:443"}}, url: "http://example.com/"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := mustNew(t, tc.cfg)
			err := f.CheckURL(tc.url)
			if tc.want == "" {
				if err != nil {
					t.Fatalf("CheckURL(%q)=%v, want nil", tc.url, err)
				}
				return
			}
			e := asError(t, err, tc.want)
			if e.Message == "" {
				t.Fatalf("Message is empty")
			}
			if e.Transient {
				t.Fatalf("Transient=true, want false for a refused URL")
			}
		})
	}
}

func TestCheckURLMessages(t *testing.T) {
	t.Parallel()

	f := mustNew(t, fetch.Config{MaxURLLength: 40})
	tests := []struct {
		name    string
		url     string
		message string
		context map[string]string
	}{
		{
			name:    "Loopback",
			url:     "http://127.0.0.1/",
			message: "the URL's address 127.0.0.1 is not allowed: loopback",
			context: map[string]string{"address": "127.0.0.1", "reason": "loopback", "port": "80"},
		},
		{
			name:    "MappedIsUnmapped",
			url:     "http://[::ffff:10.0.0.1]/",
			message: "the URL's address 10.0.0.1 is not allowed: private",
			context: map[string]string{"address": "10.0.0.1", "reason": "private"},
		},
		{
			name:    "Metadata",
			url:     "http://169.254.169.254/",
			message: "the URL's address 169.254.169.254 is not allowed: link-local",
		},
		{
			name:    "Port",
			url:     "http://example.com:8080/",
			message: "the port 8080 is not allowed",
			context: map[string]string{"port": "8080"},
		},
		{
			name:    "Scheme",
			url:     "ftp://example.com/",
			message: `the scheme "ftp" is not allowed; use http or https`,
			context: map[string]string{"scheme": "ftp"},
		},
		{
			name:    "TooLong",
			url:     "https://example.com/" + strings.Repeat("x", 30),
			message: "the URL is longer than the limit of 40 bytes",
			context: map[string]string{"length": "50", "limit": "40"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var e *fetch.Error
			err := f.CheckURL(tc.url)
			if !asErrorOK(err, &e) {
				t.Fatalf("CheckURL(%q)=%v, want *fetch.Error", tc.url, err)
			}
			if e.Message != tc.message {
				t.Fatalf("Message=%q, want %q", e.Message, tc.message)
			}
			for k, v := range tc.context {
				wantContext(t, e, k, v)
			}
		})
	}
}

// asErrorOK is errors.As for *fetch.Error without failing the test.
func asErrorOK(err error, target **fetch.Error) bool {
	e, ok := err.(*fetch.Error)
	*target = e
	return ok
}
