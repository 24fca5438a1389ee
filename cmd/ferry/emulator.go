package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
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
}

func (f *emulatorFlags) define(e *envFlags) {
	e.boolean(&f.enabled, "emulator", false,
		"serve the emulator's control routes under /_ferry/ (reset, seed, snapshots, faults, clock, request journal) to tokens with the ferry.admin scope; for tests only")
	e.str(&f.readyFile, "ready-file", "",
		`once listening, write {"url": ..., "addr": ...} to this file (and remove it at exit), so that a test harness can start Ferry on --addr 127.0.0.1:0`)
	e.integer(&f.journalSize, "journal-size", 1000, "requests the emulator's request journal keeps (with --emulator)")
}

// clock returns the emulator's clock, or nil without --emulator.
func (f *emulatorFlags) clock() *emulator.Clock {
	if !f.enabled {
		return nil
	}
	return &emulator.Clock{}
}

// emulatorDeps is what the emulator works on.
type emulatorDeps struct {
	log     *slog.Logger
	be      *backend
	bucket  *blob.Bucket
	files   *files.Service
	fetcher *fetch.Fetcher
	clock   *emulator.Clock
	imp     importService
}

// wire adds the emulator to the API's options, with --emulator only.
func (f *emulatorFlags) wire(ctx context.Context, opts *httpapi.Options, d emulatorDeps) error {
	if f.readyFile != "" {
		// A file left by an earlier run must not pass for this one.
		if err := os.Remove(f.readyFile); err != nil && !os.IsNotExist(err) {
			return fmt.Errorf("--ready-file: %w", err)
		}
	}
	if !f.enabled {
		return nil
	}
	emu := emulator.New(emulator.Config{
		Log: d.log.With("component", "emulator"), Store: d.be.sql, Bucket: d.bucket, Files: d.files, Content: d.files,
		Fetcher: d.fetcher, Clock: d.clock, Maintain: d.imp.RunMaintenance, JournalSize: int(f.journalSize),
	})
	opts.Control, opts.Outer, opts.Inner = emu.Handler(), emu.Outer, emu.Inner
	d.log.Warn("emulator mode: /_ferry/ control routes are on; do not use this server for real data")
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
