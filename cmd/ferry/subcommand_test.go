package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// Every command group answers help on stdout with exit 0, and a missing
// or unknown subcommand with its usage on stderr and a usage error.
func TestCommandGroupsHelpAndUsage(t *testing.T) {
	groups := map[string]func(context.Context, []string, func(string) string, *bytes.Buffer, *bytes.Buffer) error{
		"token": func(ctx context.Context, a []string, g func(string) string, o, e *bytes.Buffer) error {
			return runToken(ctx, a, g, o, e)
		},
		"webhooks": func(ctx context.Context, a []string, g func(string) string, o, e *bytes.Buffer) error {
			return runWebhooks(ctx, a, g, o, e)
		},
	}
	getenv := func(string) string { return "" }
	for name, run := range groups {
		for _, args := range [][]string{{"-h"}, {"--help"}, {"help"}, {}, {"nope"}} {
			var out, errOut bytes.Buffer
			err := run(context.Background(), args, getenv, &out, &errOut)
			help := len(args) == 1 && args[0] != "nope"
			if help {
				if err != nil || !strings.Contains(out.String(), "ferry "+name+" ") {
					t.Errorf("%s %v: err %v, stdout %q; want the usage and no error", name, args, err, out.String())
				}
				continue
			}
			if exitCode(err) != exitUsage || !strings.Contains(errOut.String(), "ferry "+name+" ") {
				t.Errorf("%s %v: exit %d, stderr %q; want %d and the usage", name, args, exitCode(err), errOut.String(), exitUsage)
			}
		}
	}
}
