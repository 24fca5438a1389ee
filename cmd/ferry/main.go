// Command ferry is a self-hosted file service that speaks HubSpot's Files
// API v3. "ferry serve" runs the server; the other subcommands manage it
// or use it as a client.
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
	if err != nil && !errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(os.Stderr, "ferry:", err)
	}
	os.Exit(exitCode(err))
}

const usage = `Usage: ferry <command> [arguments] [flags]

Ferry is a self-hosted file service that speaks HubSpot's Files API v3.

Server commands (run on the server's machine):
  serve                 run the server (embedded SQLite and local disk by default)
  migrate               apply database migrations (serve also does at start) and exit
  migrate-data          move an embedded install's data to PostgreSQL and S3 (or another
                        database and blob store); stop the server first
  token create          create an API token for a portal and print it
  token list            list tokens (hash prefix, portal, scopes, name)
  token revoke HASH     delete a token
  keys rotate           replace the key that signs URLs (old one honoured for --grace)

Client commands (talk to a running server: --server/FERRY_SERVER, --token/FERRY_TOKEN):
  import URL            import a file from a URL (--wait follows it with a progress bar)
  status TASK_ID        print an import task's status
  tasks                 list tasks; tasks cancel ID, tasks retry ID
  upload PATH...        upload files, or directories with -r
  ls [PATH]             list a folder's folders and files (default /)
  get ID|PATH           download a file (-o FILE, - for stdout)
  rm ID|PATH...         archive files (and folders with -r)
  mv SRC DST            move or rename a file
  url ID|PATH           print a link to a file (a signed one for private files)
  events tail           follow the portal's event feed
  webhooks ...          manage webhook subscriptions: list, create, update, delete,
                        rotate-secret, deliveries, redeliver

  version               print the version, commit and Go version (also --version)
  help                  show this help

Run "ferry <command> -h" for a command's arguments and flags; flags may come
anywhere on the line. Every command takes --json for output that scripts can
read. A flag whose help names an environment variable (FERRY_...) also reads it.

Exit codes: 0 success, 1 error, 2 bad flags or arguments, 3 token refused
(401/403), 4 not found, 5 request refused as invalid or conflicting (other
4xx), 6 task ended CANCELED, 7 server unreachable.
`

// run is the whole program, with the operating system passed in so that
// tests can drive it.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return usagef("no command given")
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
	case "keys":
		return runKeys(ctx, args[1:], getenv, stdout, stderr)
	case "import":
		return runImport(ctx, args[1:], getenv, stdout, stderr)
	case "status":
		return runStatus(ctx, args[1:], getenv, stdout, stderr)
	case "tasks":
		return runTasks(ctx, args[1:], getenv, stdout, stderr)
	case "upload":
		return runUpload(ctx, args[1:], getenv, stdout, stderr)
	case "ls":
		return runLs(ctx, args[1:], getenv, stdout, stderr)
	case "get":
		return runGet(ctx, args[1:], getenv, stdout, stderr)
	case "rm":
		return runRm(ctx, args[1:], getenv, stdout, stderr)
	case "mv":
		return runMv(ctx, args[1:], getenv, stdout, stderr)
	case "url":
		return runURL(ctx, args[1:], getenv, stdout, stderr)
	case "events":
		return runEvents(ctx, args[1:], getenv, stdout, stderr)
	case "webhooks":
		return runWebhooks(ctx, args[1:], getenv, stdout, stderr)
	case "version", "--version", "-version":
		return runVersion(args[1:], stdout, stderr)
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return usagef("unknown command %q", args[0])
}
