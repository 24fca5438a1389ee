package seal_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"ferry/internal/seal"
)

func TestSealOpensOnlyForItsTaskAndKey(t *testing.T) {
	t.Parallel()
	a, err := seal.New([]byte("a key of sixteen bytes or more"))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := seal.New([]byte("another key, also long enough"))
	plain := []byte(`{"Authorization":"Bearer x"}`)
	sealed := a.Seal(plain, "task-1")
	if bytes.Contains(sealed, []byte("Bearer")) {
		t.Fatal("sealed value holds the plain text")
	}
	if got, err := a.Open(sealed, "task-1"); err != nil || !bytes.Equal(got, plain) {
		t.Errorf("Open=%q, %v, want the plain text", got, err)
	}
	for name, open := range map[string]func() ([]byte, error){
		"OtherTask": func() ([]byte, error) { return a.Open(sealed, "task-2") },
		"OtherKey":  func() ([]byte, error) { return b.Open(sealed, "task-1") },
		"Damaged":   func() ([]byte, error) { return a.Open(append(sealed[:len(sealed)-1:len(sealed)-1], 0), "task-1") },
		"Short":     func() ([]byte, error) { return a.Open(sealed[:3], "task-1") },
	} {
		if _, err := open(); !errors.Is(err, seal.ErrOpen) {
			t.Errorf("%s: err=%v, want ErrOpen", name, err)
		}
	}
	if _, err := seal.New([]byte("short")); err == nil {
		t.Error("New accepted a 5-byte key")
	}
}

func TestLoadKeyCreatesAPrivateFileOnce(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	k1, err := seal.LoadKey("", dir)
	if err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(filepath.Join(dir, seal.KeyFileName))
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v, mode %v, want 0600", err, info.Mode())
	}
	k2, _ := seal.LoadKey("", dir)
	if !bytes.Equal(k1, k2) || len(k1) < 32 {
		t.Errorf("second LoadKey=%q, want the same key as the first (%q)", k2, k1)
	}
	if k, _ := seal.LoadKey("from-flag-secret-key", dir); string(k) != "from-flag-secret-key" {
		t.Errorf("LoadKey with a given secret=%q", k)
	}
}
