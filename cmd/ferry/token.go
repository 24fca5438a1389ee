package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"time"

	"ferry/internal/ferry"
)

// runToken handles "ferry token create".
func runToken(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "create" {
		fmt.Fprintln(stderr, "Usage: ferry token create --portal N --scopes files,files.read [--name NAME]")
		return errors.New("unknown token command")
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
