package main

import (
	"context"
	"encoding/json"
	"errors"
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
	"ferry/internal/postgres"
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

// emulatorLockSpace is the advisory-lock namespace ("FEMU") of the lock an
// emulator holds on its PostgreSQL schema.
const emulatorLockSpace int32 = 0x46454D55

// claim makes an emulator on PostgreSQL the one server of its schema, as
// the data directory's lock does on SQLite; without --emulator, or on
// SQLite, it does nothing. The emulator keeps its clock offset, fault
// rules, held imports, request journal and snapshots in its process, so a
// second server on the same data would neither see nor obey them: rather
// than share half of that state through the database, the emulator is a
// single instance. A second emulator on the schema refuses to start; a
// plain server cannot be told apart, so the start-up log says the rule.
func (f *emulatorFlags) claim(ctx context.Context, log *slog.Logger, be *backend) error {
	if !f.enabled || be.holdSchema == nil {
		return nil
	}
	schema, err := be.holdSchema(ctx, emulatorLockSpace)
	if errors.Is(err, postgres.ErrLocked) {
		return fmt.Errorf("--emulator: another ferry serve --emulator works on schema %q of this PostgreSQL database. "+
			"The emulator keeps its clock, faults, held imports, request journal and snapshots in its own process, "+
			"so it must be the only Ferry server on its data: give each emulator a database, or a schema "+
			"(search_path in the URL), of its own", schema)
	}
	if err != nil {
		return fmt.Errorf("--emulator: %w", err)
	}
	log.Warn("the emulator is a single instance: run no other Ferry server on this PostgreSQL schema. "+
		"Its clock, faults, held imports, request journal and snapshots live in this process; "+
		"other servers would neither see nor obey them (docs/emulator.md, One instance)", "schema", schema)
	return nil
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
