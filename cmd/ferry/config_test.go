package main

import (
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestLoadServeConfig feeds flags and environment to loadServeConfig, as
// the binary gets them, and checks what serve is told.
func TestLoadServeConfig(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		check   func(t *testing.T, c serveConfig)
		wantErr string // a part of the error; "" for none
	}{
		{name: "Defaults", check: func(t *testing.T, c serveConfig) {
			abs, _ := filepath.Abs("ferry-data/blobs")
			if c.addr != "127.0.0.1:8080" || c.dataDir != "./ferry-data" || c.fetch.MaxBytes != 1<<30 || c.fetch.MaxRedirects != 5 ||
				c.importWorkers != 10 || c.bootstrapPortal != 1 || c.blobs != "file://"+filepath.ToSlash(abs)+"?create_dir=1&no_tmp_dir=1" {
				t.Errorf("defaults: %+v", c)
			}
		}},
		{name: "EnvironmentSetsDefaults", env: map[string]string{
			"FERRY_ADDR": "0.0.0.0:9", "FERRY_MAX_FILE_SIZE": "10MiB", "FERRY_FETCH_TOTAL_TIMEOUT": "90s",
			"FERRY_ALLOW_PRIVATE_NETWORKS": "true", "FERRY_FETCH_ALLOW": "10.0.0.0/8, example.com:8443",
			"FERRY_BOOTSTRAP_PORTAL": "7", "FERRY_SECRET_KEY": "k",
		}, check: func(t *testing.T, c serveConfig) {
			if c.addr != "0.0.0.0:9" || c.fetch.MaxBytes != 10<<20 || c.fetch.TotalTimeout != 90*time.Second ||
				!c.fetch.AllowPrivateNetworks || strings.Join(c.fetch.Allow, " ") != "10.0.0.0/8 example.com:8443" ||
				c.bootstrapPortal != 7 || c.secretKey != "k" {
				t.Errorf("from the environment: %+v", c)
			}
		}},
		{name: "FlagsBeatEnvironment", args: []string{"--addr", "127.0.0.1:0", "--max-file-size", "2GB", "--secret-key", "flag"},
			env: map[string]string{"FERRY_ADDR": "0.0.0.0:9", "FERRY_MAX_FILE_SIZE": "1k", "FERRY_SECRET_KEY": "env"},
			check: func(t *testing.T, c serveConfig) {
				if c.addr != "127.0.0.1:0" || c.fetch.MaxBytes != 2e9 || c.secretKey != "flag" {
					t.Errorf("flags over environment: %+v", c)
				}
			}},
		{name: "ZeroRedirectsFollowsNone", args: []string{"--fetch-max-redirects", "0"}, check: func(t *testing.T, c serveConfig) {
			if c.fetch.MaxRedirects != -1 {
				t.Errorf("MaxRedirects=%d, want -1 (none)", c.fetch.MaxRedirects)
			}
		}},
		{name: "FetchPorts", args: []string{"--fetch-ports", "80, 8443"}, check: func(t *testing.T, c serveConfig) {
			if len(c.fetch.Ports) != 2 || c.fetch.Ports[0] != 80 || c.fetch.Ports[1] != 8443 {
				t.Errorf("Ports=%v, want [80 8443]", c.fetch.Ports)
			}
		}},
		{name: "BlobsFollowTheDataDir", args: []string{"--data-dir", "/srv/ferry"}, check: func(t *testing.T, c serveConfig) {
			if c.blobs != "file:///srv/ferry/blobs?create_dir=1&no_tmp_dir=1" {
				t.Errorf("blobs=%q", c.blobs)
			}
		}},
		{name: "BadPort", args: []string{"--fetch-ports", "http"}, wantErr: "--fetch-ports"},
		{name: "BadSizeInEnvironment", env: map[string]string{"FERRY_MAX_UPLOAD_SIZE": "lots"}, wantErr: "FERRY_MAX_UPLOAD_SIZE"},
		{name: "BadBooleanInEnvironment", env: map[string]string{"FERRY_ALLOW_PRIVATE_NETWORKS": "maybe"}, wantErr: "not a boolean"},
		{name: "BadIntegerInEnvironment", env: map[string]string{"FERRY_IMPORT_WORKERS": "ten"}, wantErr: "not an integer"},
		{name: "BadBootstrapPortal", env: map[string]string{"FERRY_BOOTSTRAP_PORTAL": "0"}, wantErr: "FERRY_BOOTSTRAP_PORTAL"},
		{name: "UnknownFlag", args: []string{"--no-such-flag"}, wantErr: "no-such-flag"},
		{name: "StrayArgument", args: []string{"extra"}, wantErr: "unexpected arguments"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, err := loadServeConfig(tc.args, func(k string) string { return tc.env[k] }, io.Discard)
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("loadServeConfig: %v", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Fatalf("loadServeConfig err=%v, want one naming %q", err, tc.wantErr)
			case tc.check != nil:
				tc.check(t, c)
			}
		})
	}
}
