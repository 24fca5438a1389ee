package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"ferry/internal/ferry"
)

const tokenUsage = `Usage:
  ferry token create [--portal N] [--scopes files,files.read] [--name NAME]
  ferry token list
  ferry token revoke HASH_PREFIX   (from "token list"; or --secret SECRET)

Token commands open the server's database directly, on the server's machine:
give them the same --data-dir (FERRY_DATA_DIR) or --database (FERRY_DATABASE)
as "ferry serve". They never create a database. Each takes --json.`

// subcommand checks the first word after a command group (ferry token,
// ferry keys) against the group's subcommands. None or an unknown one
// prints the usage to stderr and is a usage error; help prints it to
// stdout. ok is true when args[0] is one of known.
func subcommand(group, usage string, args []string, stdout, stderr io.Writer, known ...string) (ok bool, err error) {
	if len(args) == 0 {
		fmt.Fprintln(stderr, usage)
		return false, usagef("no %s command given", group)
	}
	switch {
	case slices.Contains([]string{"-h", "-help", "--help", "help"}, args[0]):
		fmt.Fprintln(stdout, usage)
		return false, nil
	case slices.Contains(known, args[0]):
		return true, nil
	}
	fmt.Fprintln(stderr, usage)
	return false, usagef("unknown %s command %q", group, args[0])
}

// runToken handles "ferry token create", "list" and "revoke". None takes
// the data-dir lock, so they work while the server runs.
func runToken(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if ok, err := subcommand("token", tokenUsage, args, stdout, stderr, "create", "list", "revoke"); !ok {
		return err
	}
	switch args[0] {
	case "list":
		return runTokenList(ctx, args[1:], getenv, stdout, stderr)
	case "revoke":
		return runTokenRevoke(ctx, args[1:], getenv, stdout, stderr)
	}
	var (
		portal int64
		scopes string
		name   string
	)
	c := newCommand("ferry token create", "[flags]", "Create an API token in the server's database and print it (only its hash is stored).",
		getenv, stdout, stderr)
	sf := c.storeFlags()
	c.fs.Int64Var(&portal, "portal", 1, "portal (account) id the token belongs to")
	c.fs.StringVar(&scopes, "scopes", "files", "scopes, comma-separated: files, files.read, files.write, files.delete, files.ui_hidden.read, files.ui_hidden.write, ferry.admin (the emulator's control routes)")
	c.fs.StringVar(&name, "name", "", "a label for the token")
	if err := c.parse(args[1:], 0, 0); err != nil {
		return err
	}
	if portal <= 0 {
		return usagef("--portal must be a positive integer")
	}
	sc, err := ferry.ParseScopes(scopes)
	if err != nil {
		return usagef("--scopes: %w", err)
	}
	// No data-dir lock: a token can be created while the server runs.
	be, err := openExisting(ctx, *sf, stderr)
	if err != nil {
		return err
	}
	defer be.close()
	secret := ferry.NewTokenSecret()
	t := ferry.Token{Hash: ferry.HashToken(secret), Portal: ferry.PortalID(portal), Scopes: sc, Name: name, CreatedAt: time.Now()}
	if err := be.store.CreateToken(ctx, t); err != nil {
		return err
	}
	return c.out.result(map[string]any{"token": secret, "hash": t.Hash[:16], "portal": portal, "scopes": sc, "name": name},
		func(w io.Writer) { fmt.Fprintln(w, secret) })
}

// openExisting opens the database that sf names without a lock, and
// refuses to create one: a token written to a new, empty database is a
// token the running server never sees.
func openExisting(ctx context.Context, sf storeFlags, stderr io.Writer) (*backend, error) {
	if _, ok := sf.postgresURL(); !ok {
		path, err := sf.sqlitePath()
		if err != nil {
			return nil, usageError{err}
		}
		if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
			abs, _ := filepath.Abs(path)
			return nil, codedError{fmt.Errorf("no Ferry database at %s (looked there because of %s); token commands never create one\n"+
				"hint: give the server's data directory with --data-dir DIR (FERRY_DATA_DIR), or its database with --database PATH|postgres://... (FERRY_DATABASE), the same as ferry serve's; ferry serve creates the database at its first start",
				abs, sf.source()), exitNotFound}
		}
	}
	return openShared(ctx, sf, slog.New(slog.NewTextHandler(stderr, nil)))
}

// openStore parses the command's flags, with at most maxArgs positional
// arguments (-1: any), and opens the database they name without a lock.
func (c *command) openStore(ctx context.Context, sf *storeFlags, args []string, maxArgs int) (*backend, error) {
	if err := c.parse(args, 0, maxArgs); err != nil {
		return nil, err
	}
	return openExisting(ctx, *sf, c.out.stderr)
}

// runTokenList prints every token: the start of its hash (which revoke
// takes), its portal, scopes, name and creation time. Secrets are never
// stored, so they cannot be shown.
func runTokenList(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	c := newCommand("ferry token list", "[flags]", "List the tokens in the server's database: the start of each hash, portal, scopes, name.",
		getenv, stdout, stderr)
	be, err := c.openStore(ctx, c.storeFlags(), args, -1)
	if err != nil {
		return err
	}
	defer be.close()
	tokens, err := be.store.ListTokens(ctx)
	if err != nil {
		return err
	}
	type row struct {
		Hash      string   `json:"hash"`
		Portal    int64    `json:"portal"`
		CreatedAt string   `json:"createdAt"`
		Name      string   `json:"name"`
		Scopes    []string `json:"scopes"`
	}
	rows := make([]row, len(tokens))
	for i, t := range tokens {
		r := row{Hash: t.Hash[:16], Portal: int64(t.Portal), CreatedAt: t.CreatedAt.UTC().Format(time.RFC3339), Name: t.Name, Scopes: []string{}}
		for _, sc := range t.Scopes {
			r.Scopes = append(r.Scopes, string(sc))
		}
		rows[i] = r
	}
	return c.out.result(rows, func(w io.Writer) {
		fmt.Fprintf(w, "%-16s %-8s %-24s %-20s %s\n", "HASH", "PORTAL", "CREATED", "NAME", "SCOPES")
		for _, r := range rows {
			fmt.Fprintf(w, "%-16s %-8d %-24s %-20s %s\n", r.Hash, r.Portal, r.CreatedAt, r.Name, strings.Join(r.Scopes, ","))
		}
	})
}

// runTokenRevoke deletes one token, named by the start of its hash or by
// its secret.
func runTokenRevoke(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	var secret string
	c := newCommand("ferry token revoke", "HASH_PREFIX | --secret TOKEN",
		"Delete a token, named by the start of its hash (from ferry token list) or by the token itself.", getenv, stdout, stderr)
	c.fs.StringVar(&secret, "secret", "", "the token itself, instead of a hash prefix")
	be, err := c.openStore(ctx, c.storeFlags(), args, -1)
	if err != nil {
		return err
	}
	defer be.close()
	prefix := ""
	switch {
	case secret != "" && c.fs.NArg() == 0:
		prefix = ferry.HashToken(secret)
	case secret == "" && c.fs.NArg() == 1:
		prefix = c.fs.Arg(0)
	default:
		fmt.Fprintln(stderr, tokenUsage)
		return usagef("give one hash prefix or --secret")
	}
	t, err := be.store.DeleteToken(ctx, prefix)
	if err != nil {
		return err
	}
	return c.out.result(map[string]any{"revoked": t.Hash[:16], "portal": t.Portal, "name": t.Name}, func(w io.Writer) {
		fmt.Fprintf(w, "revoked token %s of portal %d (%s)\n", t.Hash[:16], t.Portal, t.Name)
	})
}

// warnIfNoToken logs, at start-up, exactly how to create the first token
// when the database has none: until then every API request answers 401.
func warnIfNoToken(ctx context.Context, log *slog.Logger, store ferry.Store, sf storeFlags) {
	tokens, err := store.ListTokens(ctx)
	if err != nil || len(tokens) > 0 {
		return
	}
	where := "--data-dir " + sf.dataDir
	if abs, err := filepath.Abs(sf.dataDir); err == nil {
		where = "--data-dir " + abs
	}
	if sf.database != "" {
		where = "--database " + redactURL(sf.database)
	}
	log.Warn("no API token exists, so every API request is refused (401); create one with: ferry token create " + where +
		" --portal 1 --scopes files (or restart with FERRY_BOOTSTRAP_TOKEN=<a secret of your choice>)")
}

// redactURL hides a URL's password.
func redactURL(s string) string {
	if u, err := url.Parse(s); err == nil && u.User != nil {
		return u.Redacted()
	}
	return s
}
