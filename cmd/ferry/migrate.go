package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
)

// runMigrate handles "ferry migrate": it applies Ferry's and River's
// migrations to the database and exits. "ferry serve" does the same at
// start, so this is for deploys that migrate before starting new servers.
func runMigrate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	var sf storeFlags
	fs := flag.NewFlagSet("ferry migrate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	e := &envFlags{fs: fs, getenv: getenv}
	sf.define(e)
	out := output{stdout: stdout, stderr: stderr}
	out.define(fs)
	setUsage(fs, "[flags]", "Apply Ferry's and River's database migrations and exit (ferry serve also does at start).")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("unexpected arguments: %v", fs.Args())
	}
	if err := errors.Join(e.errs...); err != nil {
		return usageError{err}
	}
	be, err := openShared(ctx, sf, slog.New(slog.NewTextHandler(stderr, nil)))
	if err != nil {
		return err
	}
	be.close()
	return out.result(map[string]string{"database": "up to date"}, func(w io.Writer) { fmt.Fprintln(w, "database is up to date") })
}
