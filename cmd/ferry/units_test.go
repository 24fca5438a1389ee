package main

import (
	"errors"
	"flag"
	"io"
	"slices"
	"testing"
	"time"
)

func TestParseSize(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want int64
		bad  bool
	}{
		{in: "1048576", want: 1 << 20},
		{in: "1GB", want: 1e9},
		{in: "1gb", want: 1e9},
		{in: "2GiB", want: 2 << 30},
		{in: "10MiB", want: 10 << 20},
		{in: "1.5 GiB", want: 3 << 29},
		{in: "512k", want: 512 << 10},
		{in: "500MB", want: 500e6},
		{in: "0", want: 0},
		{in: "lots", bad: true},
		{in: "GB", bad: true},
		{in: "-1MB", bad: true},
		{in: "1XB", bad: true},
		{in: "9999999TiB", bad: true}, // past int64
	} {
		got, err := parseSize(tc.in)
		if tc.bad {
			if err == nil {
				t.Errorf("parseSize(%q) = %d, want an error", tc.in, got)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("parseSize(%q) = %d, %v; want %d", tc.in, got, err, tc.want)
		}
	}
}

func TestParseDuration(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want time.Duration
		bad  bool
	}{
		{in: "30s", want: 30 * time.Second},
		{in: "7d", want: 7 * 24 * time.Hour},
		{in: "1d12h", want: 36 * time.Hour},
		{in: "90", want: 90 * time.Second},
		{in: "168h", want: 168 * time.Hour},
		{in: "d", bad: true},
		{in: "1w", bad: true},
		{in: "xd1h", bad: true},
	} {
		got, err := parseDuration(tc.in)
		if tc.bad {
			if err == nil {
				t.Errorf("parseDuration(%q) = %s, want an error", tc.in, got)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("parseDuration(%q) = %s, %v; want %s", tc.in, got, err, tc.want)
		}
	}
}

func TestParseFlagsAnywhere(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args     []string
		wantPos  []string
		wantJSON bool
		wantO    string
	}{
		{args: []string{"/docs", "--json"}, wantPos: []string{"/docs"}, wantJSON: true},
		{args: []string{"--json", "/docs", "-o", "x", "/b"}, wantPos: []string{"/docs", "/b"}, wantJSON: true, wantO: "x"},
		{args: []string{"a", "--", "--json", "-o"}, wantPos: []string{"a", "--json", "-o"}},
		{args: nil, wantPos: []string{}},
	} {
		fs := flag.NewFlagSet("t", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		j := fs.Bool("json", false, "")
		o := fs.String("o", "", "")
		if err := parseFlags(fs, tc.args); err != nil {
			t.Fatalf("parseFlags(%q): %v", tc.args, err)
		}
		if got := fs.Args(); !slices.Equal(got, tc.wantPos) || *j != tc.wantJSON || *o != tc.wantO {
			t.Errorf("parseFlags(%q): args=%q json=%v o=%q; want %q %v %q", tc.args, got, *j, *o, tc.wantPos, tc.wantJSON, tc.wantO)
		}
	}
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	err := parseFlags(fs, []string{"x", "--nope"})
	var ue usageError
	if !errors.As(err, &ue) || exitCode(err) != exitUsage {
		t.Errorf("unknown flag: err=%v exit=%d, want a usage error (exit %d)", err, exitCode(err), exitUsage)
	}
	if exitCode(flag.ErrHelp) != exitOK {
		t.Errorf("-h exits %d, want 0", exitCode(flag.ErrHelp))
	}
}
