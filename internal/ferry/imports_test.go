package ferry_test

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// allowedInternal says which of Ferry's own packages each internal package
// may import: imports point toward internal/ferry, implementation
// packages do not import one another, and only cmd/ferry wires them all.
// A new package or edge fails this test until it is written down here.
var allowedInternal = map[string][]string{
	"internal/ferry":           nil,
	"internal/fetch":           nil,
	"internal/metrics":         nil,
	"internal/seal":            nil,
	"internal/httpapi/openapi": nil,
	"internal/sqlstore":        {"internal/ferry"},
	"internal/storetest":       {"internal/ferry"},
	"internal/files":           {"internal/ferry"},
	"internal/sqlite":          {"internal/sqlstore"},
	"internal/postgres":        {"internal/sqlstore"},
	"internal/httpapi":         {"internal/ferry", "internal/httpapi/openapi", "internal/ratelimit"},
	"internal/ratelimit":       {"internal/ferry"},
	"internal/console":         {"internal/ferry"},
	// The importer turns the fetcher's failures into task errors; fetch
	// itself knows nothing of Ferry.
	"internal/tasks": {"internal/ferry", "internal/fetch", "internal/seal"},
	// The emulator is a test double built on the real parts: it resets
	// and snapshots the store, writes errors as httpapi does, seeds
	// through the fetcher and gates the task engine's imports.
	"internal/emulator": {"internal/ferry", "internal/fetch", "internal/httpapi", "internal/sqlstore", "internal/tasks"},
}

func TestImportRules(t *testing.T) {
	t.Parallel()
	out, err := exec.Command("go", "list", "-f", "{{.ImportPath}} {{join .Imports \" \"}}", "ferry/internal/...").Output()
	if err != nil {
		t.Skipf("go list: %v (the go tool is needed for this check)", err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		pkg := strings.TrimPrefix(fields[0], "ferry/")
		allowed, known := allowedInternal[pkg]
		if !known {
			t.Errorf("%s is not in allowedInternal: say what it may import", pkg)
			continue
		}
		for _, imp := range fields[1:] {
			switch {
			case strings.HasPrefix(imp, "ferry/"):
				if !slices.Contains(allowed, strings.TrimPrefix(imp, "ferry/")) {
					t.Errorf("%s imports %s: not allowed", pkg, imp)
				}
			case pkg == "internal/ferry" && imp == "golang.org/x/text/unicode/norm":
				// The one exception: the name rule (NormalizeName) needs
				// Unicode normalization, which the Go project keeps beside
				// the standard library.
			case pkg == "internal/ferry" && strings.Contains(strings.SplitN(imp, "/", 2)[0], "."):
				t.Errorf("internal/ferry imports %s: the vocabulary package imports only the standard library", imp)
			}
		}
	}
}
