package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
)

// runMigrate handles "ferry migrate": it applies Ferry's and River's
// migrations to the database and exits. "ferry serve" does the same at
// start, so this is for deploys that migrate before starting new servers.
func runMigrate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	c := newCommand("ferry migrate", "[flags]", "Apply Ferry's and River's database migrations and exit (ferry serve also does at start).",
		getenv, stdout, stderr)
	sf := c.storeFlags()
	if err := c.parse(args, 0, 0); err != nil {
		return err
	}
	be, err := openShared(ctx, *sf, slog.New(slog.NewTextHandler(stderr, nil)))
	if err != nil {
		return err
	}
	be.close()
	return c.out.result(map[string]string{"database": "up to date"}, func(w io.Writer) { fmt.Fprintln(w, "database is up to date") })
}
