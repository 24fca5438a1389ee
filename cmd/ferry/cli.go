package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/sys/unix"
)

// Exit codes, the same for every command (README, "Exit codes").
const (
	exitOK       = 0
	exitError    = 1 // anything not below: a server error, a local I/O error
	exitUsage    = 2 // bad flags or arguments
	exitAuth     = 3 // the server refused the token (401) or its scopes (403)
	exitNotFound = 4 // no such file, folder or task (404)
	exitRejected = 5 // the server refused the request as invalid or conflicting (other 4xx)
	exitCanceled = 6 // an import or folder task ended CANCELED
	exitNoServer = 7 // the server could not be reached
)

// exitCoder is an error that chooses the process's exit code.
type exitCoder interface{ ExitCode() int }

// exitCode maps run's error to the process's exit code.
func exitCode(err error) int {
	if err == nil || errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	var ec exitCoder
	if errors.As(err, &ec) {
		return ec.ExitCode()
	}
	return exitError
}

// usageError is a mistake on the command line.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }
func (e usageError) ExitCode() int { return exitUsage }

// usagef returns a usageError.
func usagef(format string, args ...any) error { return usageError{fmt.Errorf(format, args...)} }

// codedError gives an error an exit code.
type codedError struct {
	err  error
	code int
}

func (e codedError) Error() string { return e.err.Error() }
func (e codedError) Unwrap() error { return e.err }
func (e codedError) ExitCode() int { return e.code }

// parseFlags parses args with flags anywhere on the line ("ferry ls /docs
// --json" as well as "ferry ls --json /docs"); "--" ends the flags. The
// positional arguments are then fs.Args(), as after fs.Parse.
func parseFlags(fs *flag.FlagSet, args []string) error {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return err
			}
			return usageError{err}
		}
		rest := fs.Args()
		if len(rest) == 0 {
			break
		}
		if used := len(args) - len(rest); used > 0 && args[used-1] == "--" {
			pos = append(pos, rest...)
			break
		}
		pos, args = append(pos, rest[0]), rest[1:]
	}
	return fs.Parse(append([]string{"--"}, pos...))
}

// setUsage makes -h print "Usage: ferry NAME ARGS", what the command does,
// and its flags.
func setUsage(fs *flag.FlagSet, argsSyntax, about string) {
	fs.Usage = func() {
		w := fs.Output()
		fmt.Fprintf(w, "Usage: %s %s\n\n%s\n\nFlags (anywhere on the line):\n", fs.Name(), argsSyntax, strings.TrimSpace(about))
		fs.PrintDefaults()
	}
}

// command is a subcommand's flags: its flag set, flags whose defaults come
// from the environment, and the output mode (--json).
type command struct {
	fs  *flag.FlagSet
	env *envFlags
	out output
}

// newCommand makes the flags of a subcommand ("ferry token list"): --json,
// and a -h that shows argsSyntax and about.
func newCommand(name, argsSyntax, about string, getenv func(string) string, stdout, stderr io.Writer) *command {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	c := &command{fs: fs, env: &envFlags{fs: fs, getenv: getenv}, out: output{stdout: stdout, stderr: stderr}}
	c.out.define(fs)
	setUsage(fs, argsSyntax, about)
	return c
}

// storeFlags adds --data-dir and --database, for a command that opens the
// server's database directly.
func (c *command) storeFlags() *storeFlags {
	sf := new(storeFlags)
	sf.define(c.env)
	return sf
}

// parse parses args and checks the environment's values and the number
// of positional arguments: minArgs to maxArgs (-1: any number).
func (c *command) parse(args []string, minArgs, maxArgs int) error {
	if err := parseFlags(c.fs, args); err != nil {
		return err
	}
	if err := errors.Join(c.env.errs...); err != nil {
		return usageError{err}
	}
	if n := c.fs.NArg(); n < minArgs || (maxArgs >= 0 && n > maxArgs) {
		c.fs.Usage()
		return usagef("wrong number of arguments (%d)", n)
	}
	return nil
}

// output writes a command's result: JSON with --json, else text.
type output struct {
	json   bool
	stdout io.Writer
	stderr io.Writer
}

// define adds --json to fs.
func (o *output) define(fs *flag.FlagSet) {
	fs.BoolVar(&o.json, "json", false, "print the result as JSON, for scripts")
}

// result prints v as JSON with --json; otherwise it calls text.
func (o *output) result(v any, text func(w io.Writer)) error {
	if o.json {
		return printJSON(o.stdout, v)
	}
	text(o.stdout)
	return nil
}

func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// isTerminal reports whether f is a terminal (not just any character
// device: /dev/null is one too).
func isTerminal(f *os.File) bool {
	_, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
	return err == nil
}
