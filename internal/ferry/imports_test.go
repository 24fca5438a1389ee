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
	"internal/digest":          nil,
	"internal/httpapi/openapi": nil,
	"internal/sqlstore":        {"internal/ferry"},
	"internal/storetest":       {"internal/ferry"},
	"internal/files":           {"internal/digest", "internal/ferry"},
	"internal/sqlite":          {"internal/sqlstore"},
	"internal/postgres":        {"internal/sqlstore"},
	"internal/formdata":        {"internal/ferry"},
	"internal/httpapi":         {"internal/ferry", "internal/formdata", "internal/httpapi/openapi", "internal/ratelimit"},
	"internal/ratelimit":       {"internal/ferry"},
	"internal/console":         {"internal/ferry", "internal/formdata"},
	// The importer turns the fetcher's failures into task errors; fetch
	// itself knows nothing of Ferry.
	"internal/tasks": {"internal/digest", "internal/ferry", "internal/fetch", "internal/seal"},
	// The emulator is a test double built on the real parts: it resets
	// and snapshots the store, writes errors as httpapi does, seeds
	// through the fetcher and gates the task engine's imports.
	"internal/emulator": {"internal/ferry", "internal/fetch", "internal/httpapi", "internal/sqlstore", "internal/tasks"},
}

// libraryHomes gives each third-party library (by module path prefix) the
// one package that may import it, so that a library's types and quirks
// stay behind one seam. cmd/ferry, which wires everything (drivers,
// blob schemes), is exempt; a library not listed here fails the test
// until it is given a home.
var libraryHomes = map[string]string{
	"code.dny.dev/ssrf":                   "internal/fetch",
	"github.com/aws/aws-sdk-go-v2":        "internal/files",
	"github.com/gabriel-vasile/mimetype":  "internal/files",
	"github.com/jackc/pgx":                "internal/postgres",
	"github.com/prometheus/client_golang": "internal/metrics",
	"github.com/riverqueue/river":         "internal/tasks",
	"gocloud.dev":                         "internal/files",
	"golang.org/x/image":                  "internal/files",
	"golang.org/x/sync":                   "internal/files",
	"golang.org/x/text":                   "internal/ferry",
	"modernc.org/sqlite":                  "internal/sqlite",
}

// libraryGuests are the exceptions to libraryHomes, each with its reason.
var libraryGuests = map[string][]string{
	// The emulator resets and snapshots the blob store by prefix, which
	// the file service has no operation for.
	"internal/emulator": {"gocloud.dev"},
}

// internalImports lists what each of Ferry's internal packages imports.
func internalImports(t *testing.T) map[string][]string {
	t.Helper()
	out, err := exec.Command("go", "list", "-f", "{{.ImportPath}} {{join .Imports \" \"}}", "ferry/internal/...").Output()
	if err != nil {
		t.Skipf("go list: %v (the go tool is needed for this check)", err)
	}
	pkgs := map[string][]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		pkgs[strings.TrimPrefix(fields[0], "ferry/")] = fields[1:]
	}
	return pkgs
}

// TestLibraryHomes checks that each library is imported by its home
// package only.
func TestLibraryHomes(t *testing.T) {
	t.Parallel()
	for pkg, imports := range internalImports(t) {
		for _, imp := range imports {
			if !strings.Contains(strings.SplitN(imp, "/", 2)[0], ".") {
				continue // the standard library
			}
			lib := ""
			for prefix := range libraryHomes {
				if imp == prefix || strings.HasPrefix(imp, prefix+"/") {
					lib = prefix
				}
			}
			switch {
			case lib == "":
				t.Errorf("%s imports %s, which has no home in libraryHomes: give it one", pkg, imp)
			case libraryHomes[lib] != pkg && !slices.Contains(libraryGuests[pkg], lib):
				t.Errorf("%s imports %s, whose home is %s: go through that package", pkg, imp, libraryHomes[lib])
			}
		}
	}
}

func TestImportRules(t *testing.T) {
	t.Parallel()
	for pkg, imports := range internalImports(t) {
		allowed, known := allowedInternal[pkg]
		if !known {
			t.Errorf("%s is not in allowedInternal: say what it may import", pkg)
			continue
		}
		for _, imp := range imports {
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
