package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// runMigrateData moves an embedded install (a folder and a blob) to
// another SQLite file and blob directory, and refuses a second move into
// the destination it has now filled, or from a data dir without a
// database.
func TestRunMigrateData(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srcDir, dstDir := t.TempDir(), t.TempDir()
	src, err := openShared(ctx, storeFlags{dataDir: srcDir}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := src.store.EnsureFolder(ctx, 1, "/docs"); err != nil {
		t.Fatal(err)
	}
	src.close()
	mustWrite(t, filepath.Join(srcDir, "blobs", "1", "blob-a"), "hello")

	args := []string{"--from-data-dir", srcDir, "--to-database", filepath.Join(dstDir, "ferry.db"),
		"--to-blobs", "file://" + filepath.ToSlash(filepath.Join(dstDir, "blobs")) + "?create_dir=1"}
	var out, errOut bytes.Buffer
	if err := runMigrateData(ctx, args, noEnv, &out, &errOut); err != nil {
		t.Fatalf("runMigrateData: %v\n%s", err, errOut.String())
	}
	for _, want := range []string{"folders   1", "blobs     1 (5 B), of which 0 were already there"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("summary lacks %q:\n%s", want, out.String())
		}
	}
	if b, err := os.ReadFile(filepath.Join(dstDir, "blobs", "1", "blob-a")); err != nil || string(b) != "hello" {
		t.Errorf("destination blob = %q, %v; want hello", b, err)
	}
	dst, err := openShared(ctx, storeFlags{dataDir: dstDir}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	_, err = dst.store.FindFolderByPath(ctx, 1, "/docs")
	dst.close()
	if err != nil {
		t.Errorf("/docs on the destination: %v", err)
	}

	err = runMigrateData(ctx, args, noEnv, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "already holds Ferry data") {
		t.Errorf("a second move into the same destination: %v, want a refusal", err)
	}
	empty := t.TempDir()
	args[1] = empty
	err = runMigrateData(ctx, args, noEnv, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "no Ferry database") {
		t.Errorf("a move from %s: %v, want no Ferry database", empty, err)
	}
}

func noEnv(string) string { return "" }

func mustWrite(tb testing.TB, path, content string) {
	tb.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		tb.Fatal(err)
	}
}
