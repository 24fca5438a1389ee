package fetch_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"ferry/internal/fetch"
)

func TestConfigValidate(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name string
		cfg  fetch.Config
		want string // substring of the error; "" means valid
	}{
		{name: "Zero", cfg: fetch.Config{}},
		{name: "GoodLists", cfg: fetch.Config{
			Allow: []string{"10.0.0.0/8", "127.0.0.2", "127.0.0.2:8080", "[::1]:9000", "::1", "fd00::/8",
				"[fd00::/8]:443", "files.internal", "files.internal:8443", "*.corp.example", " 192.168.0.0/16 "},
			Deny:  []string{"169.254.169.254", "evil.example"},
			Ports: []int{80, 443, 8443}, Schemes: []string{"HTTPS"},
		}},
		{name: "BadCIDR", cfg: fetch.Config{Allow: []string{"10.0.0.0/33"}}, want: "Config.Allow[0]"},
		{name: "BadDenyEntry", cfg: fetch.Config{Deny: []string{"ok.example", "not a host"}}, want: "Config.Deny[1]"},
		{name: "EmptyEntry", cfg: fetch.Config{Allow: []string{""}}, want: "Config.Allow[0]"},
		{name: "BadEntryPort", cfg: fetch.Config{Allow: []string{"127.0.0.2:99999"}}, want: "Config.Allow[0]"},
		{name: "NonNumericEntryPort", cfg: fetch.Config{Allow: []string{"files.internal:https"}}, want: "Config.Allow[0]"},
		{name: "UnclosedBracket", cfg: fetch.Config{Allow: []string{"[::1:80"}}, want: "Config.Allow[0]"},
		{name: "IPv6Zone", cfg: fetch.Config{Allow: []string{"fe80::1%eth0"}}, want: "Config.Allow[0]"},
		{name: "NumericHost", cfg: fetch.Config{Allow: []string{"127.1"}}, want: "Config.Allow[0]"},
		{name: "UnicodeHost", cfg: fetch.Config{Allow: []string{"bücher.example"}}, want: "Config.Allow[0]"},
		{name: "PortZero", cfg: fetch.Config{Ports: []int{0}}, want: "Config.Ports[0]"},
		{name: "PortTooBig", cfg: fetch.Config{Ports: []int{443, 70000}}, want: "Config.Ports[1]"},
		{name: "SchemeFTP", cfg: fetch.Config{Schemes: []string{"https", "ftp"}}, want: "Config.Schemes[1]"},
		{name: "NegativeMaxBytes", cfg: fetch.Config{MaxBytes: -1}, want: "Config.MaxBytes"},
		{name: "NegativeTimeout", cfg: fetch.Config{IdleTimeout: -time.Second}, want: "Config.IdleTimeout"},
		{name: "NegativeURLLength", cfg: fetch.Config{MaxURLLength: -5}, want: "Config.MaxURLLength"},
		{name: "UserAgentNewline", cfg: fetch.Config{UserAgent: "x\r\nX-Evil: 1"}, want: "Config.UserAgent"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := tc.cfg.Validate()
			if tc.want == "" {
				if err != nil {
					t.Fatalf("Validate()=%v, want nil", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Validate()=%v, want an error naming %s", err, tc.want)
			}
			if _, err := fetch.New(tc.cfg); err == nil {
				t.Fatalf("New accepted a config that does not validate")
			}
		})
	}
}

func TestConfigWithDefaults(t *testing.T) {
	t.Parallel()

	got := fetch.Config{}.WithDefaults()
	checks := []struct {
		name      string
		got, want any
	}{
		{"MaxBytes", got.MaxBytes, int64(1 << 30)},
		{"ConnectTimeout", got.ConnectTimeout, 10 * time.Second},
		{"FirstByteTimeout", got.FirstByteTimeout, 30 * time.Second},
		{"IdleTimeout", got.IdleTimeout, 30 * time.Second},
		{"TotalTimeout", got.TotalTimeout, 10 * time.Minute},
		{"MaxRedirects", got.MaxRedirects, 5},
		{"MaxURLLength", got.MaxURLLength, 2048},
		{"UserAgent", got.UserAgent, "Ferry/1 (+import-from-url)"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s=%v, want %v", c.name, c.got, c.want)
		}
	}
	if want := []int{80, 443}; !slices.Equal(got.Ports, want) {
		t.Errorf("Ports=%v, want %v", got.Ports, want)
	}
	if want := []string{"http", "https"}; !slices.Equal(got.Schemes, want) {
		t.Errorf("Schemes=%v, want %v", got.Schemes, want)
	}
	if p := (fetch.Config{AllowPrivateNetworks: true}).WithDefaults().Ports; len(p) != 0 {
		t.Errorf("Ports with AllowPrivateNetworks=%v, want empty (any port)", p)
	}
	if p := (fetch.Config{AllowPrivateNetworks: true, Ports: []int{8080}}).WithDefaults().Ports; !slices.Equal(p, []int{8080}) {
		t.Errorf("explicit Ports with AllowPrivateNetworks=%v, want [8080]", p)
	}
}
