// Command ferry is a self-hosted file service that speaks HubSpot's Files
// API v3. "ferry serve" runs the server; the other subcommands manage it.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(0)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "ferry:", err)
		os.Exit(1)
	}
}

const usage = `Usage: ferry <command> [flags]

Ferry is a self-hosted file service that speaks HubSpot's Files API v3.

Commands:
  serve          run the server (embedded SQLite and local disk by default)
  migrate        apply database migrations (serve also does at start) and exit
  migrate-data   move an embedded install's data to PostgreSQL and S3 (or another
                 database and blob store); stop the server first
  token create   create an API token for a portal and print it
  token list     list tokens (hash prefix, portal, scopes); token revoke deletes one
  import URL     import a file from a URL through a running server (--wait to wait)
  status ID      print an import task's status
  upload FILE    upload a file through a running server
  help           show this help

Run "ferry <command> -h" for a command's flags. A flag whose help names an
environment variable (FERRY_...) also reads it; every flag of serve does.
`

// run is the whole program, with the operating system passed in so that
// tests can drive it.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errors.New("no command given")
	}
	switch args[0] {
	case "serve":
		return runServe(ctx, args[1:], getenv, stdout, stderr)
	case "migrate":
		return runMigrate(ctx, args[1:], getenv, stdout, stderr)
	case "migrate-data":
		return runMigrateData(ctx, args[1:], getenv, stdout, stderr)
	case "token":
		return runToken(ctx, args[1:], getenv, stdout, stderr)
	case "import":
		return runImport(ctx, args[1:], getenv, stdout, stderr)
	case "status":
		return runStatus(ctx, args[1:], getenv, stdout, stderr)
	case "upload":
		return runUpload(ctx, args[1:], getenv, stdout, stderr)
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", args[0])
}
