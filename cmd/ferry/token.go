package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"ferry/internal/ferry"
)

const tokenUsage = `Usage:
  ferry token create --portal N --scopes files,files.read [--name NAME]
  ferry token list
  ferry token revoke HASH_PREFIX   (from "token list"; or --secret SECRET)`

// runToken handles "ferry token create", "list" and "revoke". None takes
// the data-dir lock, so they work while the server runs.
func runToken(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprintln(stderr, tokenUsage)
		return errors.New("no token command given")
	}
	switch args[0] {
	case "create":
	case "list":
		return runTokenList(ctx, args[1:], getenv, stdout, stderr)
	case "revoke":
		return runTokenRevoke(ctx, args[1:], getenv, stdout, stderr)
	default:
		fmt.Fprintln(stderr, tokenUsage)
		return fmt.Errorf("unknown token command %q", args[0])
	}
	var (
		sf     storeFlags
		portal int64
		scopes string
		name   string
	)
	fs := flag.NewFlagSet("ferry token create", flag.ContinueOnError)
	fs.SetOutput(stderr)
	e := &envFlags{fs: fs, getenv: getenv}
	sf.define(e)
	fs.Int64Var(&portal, "portal", 1, "portal (account) id the token belongs to")
	fs.StringVar(&scopes, "scopes", "files", "scopes, comma-separated: files, files.read, files.write, files.delete, files.ui_hidden.read, files.ui_hidden.write")
	fs.StringVar(&name, "name", "", "a label for the token")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if err := errors.Join(e.errs...); err != nil {
		return err
	}
	if portal <= 0 {
		return errors.New("--portal must be a positive integer")
	}
	sc, err := ferry.ParseScopes(scopes)
	if err != nil {
		return fmt.Errorf("--scopes: %w", err)
	}
	// No data-dir lock: a token can be created while the server runs.
	be, err := openShared(ctx, sf, slog.New(slog.NewTextHandler(stderr, nil)))
	if err != nil {
		return err
	}
	defer be.close()
	secret := ferry.NewTokenSecret()
	t := ferry.Token{Hash: ferry.HashToken(secret), Portal: ferry.PortalID(portal), Scopes: sc, Name: name, CreatedAt: time.Now()}
	if err := be.store.CreateToken(ctx, t); err != nil {
		return err
	}
	fmt.Fprintln(stdout, secret)
	return nil
}

// openTokenStore parses the store flags of a token subcommand (plus any
// extra flags defined by more) and opens the database without a lock.
func openTokenStore(ctx context.Context, name string, args []string, getenv func(string) string, stderr io.Writer,
	more func(*flag.FlagSet)) (*backend, *flag.FlagSet, error) {
	var sf storeFlags
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	e := &envFlags{fs: fs, getenv: getenv}
	sf.define(e)
	if more != nil {
		more(fs)
	}
	if err := fs.Parse(args); err != nil {
		return nil, nil, err
	}
	if err := errors.Join(e.errs...); err != nil {
		return nil, nil, err
	}
	be, err := openShared(ctx, sf, slog.New(slog.NewTextHandler(stderr, nil)))
	return be, fs, err
}

// runTokenList prints every token: the start of its hash (which revoke
// takes), its portal, scopes, name and creation time. Secrets are never
// stored, so they cannot be shown.
func runTokenList(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	be, _, err := openTokenStore(ctx, "ferry token list", args, getenv, stderr, nil)
	if err != nil {
		return err
	}
	defer be.close()
	tokens, err := be.store.ListTokens(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%-16s %-8s %-24s %-20s %s\n", "HASH", "PORTAL", "CREATED", "NAME", "SCOPES")
	for _, t := range tokens {
		scopes := make([]string, len(t.Scopes))
		for i, sc := range t.Scopes {
			scopes[i] = string(sc)
		}
		fmt.Fprintf(stdout, "%-16s %-8d %-24s %-20s %s\n", t.Hash[:16], t.Portal, t.CreatedAt.UTC().Format(time.RFC3339), t.Name, strings.Join(scopes, ","))
	}
	return nil
}

// runTokenRevoke deletes one token, named by the start of its hash or by
// its secret.
func runTokenRevoke(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	var secret string
	be, fs, err := openTokenStore(ctx, "ferry token revoke", args, getenv, stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&secret, "secret", "", "the token itself, instead of a hash prefix")
	})
	if err != nil {
		return err
	}
	defer be.close()
	prefix := ""
	switch {
	case secret != "" && fs.NArg() == 0:
		prefix = ferry.HashToken(secret)
	case secret == "" && fs.NArg() == 1:
		prefix = fs.Arg(0)
	default:
		fmt.Fprintln(stderr, tokenUsage)
		return errors.New("give one hash prefix or --secret")
	}
	t, err := be.store.DeleteToken(ctx, prefix)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "revoked token %s of portal %d (%s)\n", t.Hash[:16], t.Portal, t.Name)
	return nil
}
