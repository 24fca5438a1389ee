package main

import (
	"fmt"
	"io"
	"runtime/debug"
)

// version is set at release time: go build -ldflags "-X main.version=v1.2.3".
// Without it, the module version from the build info is used ("(devel)"
// for a build from a checkout).
var version = ""

// buildInfo is what "ferry version" prints.
type buildInfo struct {
	Version   string `json:"version"`
	Commit    string `json:"commit,omitempty"`
	CommitAt  string `json:"commitTime,omitempty"`
	Modified  bool   `json:"modified,omitempty"`
	GoVersion string `json:"goVersion"`
}

func readBuildInfo() buildInfo {
	b := buildInfo{Version: version}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return b
	}
	b.GoVersion = bi.GoVersion
	if b.Version == "" {
		b.Version = bi.Main.Version
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			b.Commit = s.Value
		case "vcs.time":
			b.CommitAt = s.Value
		case "vcs.modified":
			b.Modified = s.Value == "true"
		}
	}
	return b
}

func (b buildInfo) String() string {
	commit := b.Commit
	switch {
	case commit == "":
		commit = "unknown (built without VCS information)"
	case b.Modified:
		commit += " (with local changes)"
	}
	return fmt.Sprintf("ferry %s\ncommit %s\n%s\n", b.Version, commit, b.GoVersion)
}

// runVersion handles "ferry version" and "ferry --version".
func runVersion(args []string, stdout, stderr io.Writer) error {
	c := newCommand("ferry version", "[--json]", "Print Ferry's version, the commit it was built from, and the Go version.", nil, stdout, stderr)
	if err := c.parse(args, 0, 0); err != nil {
		return err
	}
	b := readBuildInfo()
	return c.out.result(b, func(w io.Writer) { fmt.Fprint(w, b) })
}
