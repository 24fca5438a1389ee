package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"ferry/internal/files"
)

const keysUsage = `Usage:
  ferry keys rotate [--grace 24h]

Replaces the key that signs URLs (GET .../signed-url). URLs signed with the
old key keep working for --grace, then answer 404; --grace 0 revokes every
outstanding signed URL at once. Like the token commands, it opens the
server's database directly: give the same --data-dir (FERRY_DATA_DIR) or
--database (FERRY_DATABASE) as "ferry serve". The server need not restart.`

// runKeys handles "ferry keys rotate".
func runKeys(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if ok, err := subcommand("keys", keysUsage, args, stdout, stderr, "rotate"); !ok {
		return err
	}
	var grace time.Duration
	c := newCommand("ferry keys rotate", "[flags]", "Replace the key that signs URLs; the old one is honoured for --grace.", getenv, stdout, stderr)
	c.fs.DurationVar(&grace, "grace", 24*time.Hour, "how long URLs signed with the old key keep working (0: revoke them now)")
	be, err := c.openStore(ctx, c.storeFlags(), args[1:], 0)
	if err != nil {
		return err
	}
	defer be.close()
	if grace < 0 {
		return usagef("--grace must not be negative")
	}
	now := time.Now()
	if err := files.RotateSigningKey(ctx, be.store, now, grace); err != nil {
		return err
	}
	until := now.Add(grace).UTC().Format(time.RFC3339)
	return c.out.result(map[string]any{"rotated": true, "oldKeyValidUntil": until},
		func(w io.Writer) {
			fmt.Fprintf(w, "signing key rotated; URLs signed with the old key work until %s\n", until)
		})
}
