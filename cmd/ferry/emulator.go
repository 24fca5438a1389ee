package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"

	"gocloud.dev/blob"

	"ferry/internal/emulator"
	"ferry/internal/fetch"
	"ferry/internal/files"
	"ferry/internal/httpapi"
)

// emulatorFlags are serve's flags for test harnesses: the emulator's
// control routes, and the ready file.
type emulatorFlags struct {
	enabled     bool
	readyFile   string
	journalSize int64
	seedDir     string
	strict      bool
}

func (f *emulatorFlags) define(e *envFlags) {
	e.boolean(&f.enabled, "emulator", false,
		"serve the emulator's control routes under /_ferry/ (reset, seed, snapshots, faults, clock, request journal) to tokens with the ferry.admin scope; for tests only")
	e.str(&f.readyFile, "ready-file", "",
		`once listening, write {"url": ..., "addr": ..., "pid": ...} to this file (and remove it at exit), so that a test harness can start Ferry on --addr 127.0.0.1:0`)
	e.integer(&f.journalSize, "journal-size", 1000, "requests the emulator's request journal keeps (with --emulator)")
	e.boolean(&f.strict, "strict", false, "apply HubSpot's documented request rules where Ferry is lenient: an import must give access, duplicateValidationStrategy, duplicateValidationScope and overwrite")
	e.str(&f.seedDir, "seed", "", "with --emulator, load this directory tree at start-up if the database holds no files or folders: directories become folders, files become files (an optional manifest.json sets access per path)")
}

// clock returns the emulator's clock, or nil without --emulator.
func (f *emulatorFlags) clock() *emulator.Clock {
	if !f.enabled {
		return nil
	}
	return &emulator.Clock{}
}

// build returns the emulator, or nil without --emulator.
func (f *emulatorFlags) build(log *slog.Logger, be *backend, bucket *blob.Bucket, blobs string, fileSvc *files.Service,
	fetcher *fetch.Fetcher, clock *emulator.Clock) *emulator.Emulator {
	if !f.enabled {
		return nil
	}
	var blobDir string
	if u, err := url.Parse(blobs); err == nil && u.Scheme == "file" {
		blobDir = u.Path
	}
	return emulator.New(emulator.Config{
		Log: log.With("component", "emulator"), Store: be.sql, Bucket: bucket, BlobDir: blobDir, Files: fileSvc, Content: fileSvc,
		Fetcher: fetcher, Clock: clock, JournalSize: int(f.journalSize),
	})
}

// wire adds the emulator, if any, to the API's options.
func (f *emulatorFlags) wire(ctx context.Context, opts *httpapi.Options, emu *emulator.Emulator, imp importService) error {
	if f.readyFile != "" {
		// A file left by an earlier run must not pass for this one.
		if err := os.Remove(f.readyFile); err != nil && !os.IsNotExist(err) {
			return fmt.Errorf("--ready-file: %w", err)
		}
	}
	opts.Strict = f.strict
	if emu == nil {
		if f.seedDir != "" {
			return fmt.Errorf("--seed needs --emulator")
		}
		return nil
	}
	emu.SetMaintain(imp.RunMaintenance)
	if f.seedDir != "" {
		res, err := emu.SeedDir(ctx, f.seedDir)
		if err != nil {
			return fmt.Errorf("--seed %s: %w", f.seedDir, err)
		}
		emu.Log().Info("seeded", "dir", f.seedDir, "folders", len(res.Folders), "files", len(res.Files))
	}
	opts.Control, opts.Outer, opts.Inner = emu.Handler(), emu.Outer, emu.Inner
	emu.Log().Warn("emulator mode: /_ferry/ control routes are on; do not use this server for real data")
	return nil
}

// writeReadyFile writes the ready file atomically: a reader sees either
// no file or the whole of it.
func writeReadyFile(path, addr, publicURL string) error {
	b, err := json.Marshal(struct {
		URL  string `json:"url"`
		Addr string `json:"addr"`
		PID  int    `json:"pid"`
	}{publicURL, addr, os.Getpid()})
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".ferry-ready-*")
	if err != nil {
		return fmt.Errorf("--ready-file: %w", err)
	}
	if _, err := tmp.Write(append(b, '\n')); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return fmt.Errorf("--ready-file: %w", err)
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("--ready-file: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("--ready-file: %w", err)
	}
	return nil
}
