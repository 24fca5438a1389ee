package emulator_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestPythonRecipe runs the Python recipe of docs/emulator.md exactly as
// the page shows it: the code block under "### Python (standard library
// only)", with python3, and with this repository's ferry on PATH as
// "ferry", as the recipe expects. Without python3 it skips, unless
// FERRY_REQUIRE_PYTHON=1 (as .ci/run sets) makes that a failure.
func TestPythonRecipe(t *testing.T) {
	python, err := exec.LookPath("python3")
	if err != nil {
		if os.Getenv("FERRY_REQUIRE_PYTHON") == "1" {
			t.Fatal("FERRY_REQUIRE_PYTHON=1 but python3 is not on PATH")
		}
		t.Skip("python3 is not on PATH: the Python recipe of docs/emulator.md is not run (FERRY_REQUIRE_PYTHON=1 makes this fail)")
	}
	script := pythonRecipe(t)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "recipe_test.py"), []byte(script), 0o644); err != nil {
		t.Fatal(err)
	}
	binDir := filepath.Join(dir, "bin")
	if err := os.Mkdir(binDir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(ferryBin, filepath.Join(binDir, "ferry")); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, python, "recipe_test.py", "-v")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "PATH="+binDir+string(os.PathListSeparator)+os.Getenv("PATH"))
	out, err := cmd.CombinedOutput()
	t.Logf("python3 recipe_test.py -v:\n%s", out)
	if err != nil {
		t.Fatalf("the Python recipe failed: %v", err)
	}
	// Every test the recipe defines ran, and passed.
	tests := len(regexp.MustCompile(`(?m)^\s+def test_`).FindAllString(script, -1))
	if tests == 0 {
		t.Fatal("the Python recipe defines no test")
	}
	if want := "Ran " + strconv.Itoa(tests) + " test"; !strings.Contains(string(out), want) || !strings.Contains(string(out), "\nOK") {
		t.Errorf("output does not say %q and OK", want)
	}
}

// pythonRecipe returns the first python code block under the Python
// recipe's heading in docs/emulator.md.
func pythonRecipe(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "docs", "emulator.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(b), "\n### Python (standard library only)\n")
	if !ok {
		t.Fatal(`docs/emulator.md has no "### Python (standard library only)" section`)
	}
	_, rest, ok = strings.Cut(rest, "\n```python\n")
	if !ok {
		t.Fatal("the Python recipe in docs/emulator.md has no ```python block")
	}
	code, _, ok := strings.Cut(rest, "\n```\n")
	if !ok {
		t.Fatal("the Python recipe's code block in docs/emulator.md does not end")
	}
	return code + "\n"
}
