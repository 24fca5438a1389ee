package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/url"
	"strings"
)

// webhookView is the part of a subscription the text output shows.
type webhookView struct {
	ID             string   `json:"id"`
	URL            string   `json:"url"`
	Events         []string `json:"events"`
	Enabled        bool     `json:"enabled"`
	DisabledReason string   `json:"disabledReason"`
	Secret         string   `json:"secret"`
}

func (w webhookView) line() string {
	events := strings.Join(w.Events, ",")
	if events == "" {
		events = "(every event)"
	}
	state := "enabled"
	if !w.Enabled {
		state = "disabled"
		if w.DisabledReason != "" {
			state += " (" + w.DisabledReason + ")"
		}
	}
	return fmt.Sprintf("%s  %s  %s  %s", w.ID, w.URL, events, state)
}

const webhooksUsage = `Usage: ferry webhooks <subcommand> [arguments] [flags]

  list                          list the portal's subscriptions
  create URL                    subscribe URL (--events, --description); prints the secret, once
  update ID                     change --url, --events, --description, --enable or --disable
  delete ID                     delete a subscription
  rotate-secret ID              a new secret; the old one signs alongside it for 24 hours
  deliveries ID                 the subscription's deliveries and their attempts
  redeliver ID DELIVERY_ID      send a delivery's event again
`

// runWebhooks handles "ferry webhooks ...".
func runWebhooks(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if ok, err := subcommand("webhooks", strings.TrimSuffix(webhooksUsage, "\n"), args, stdout, stderr,
		"list", "create", "update", "delete", "rotate-secret", "deliveries", "redeliver"); !ok {
		return err
	}
	sub, rest := args[0], args[1:]
	switch sub {
	case "list":
		return webhookList(ctx, rest, getenv, stdout, stderr)
	case "create", "update":
		return webhookSave(ctx, sub, rest, getenv, stdout, stderr)
	case "delete", "rotate-secret":
		return webhookAction(ctx, sub, rest, getenv, stdout, stderr)
	case "deliveries":
		return webhookDeliveries(ctx, rest, getenv, stdout, stderr)
	}
	return webhookRedeliver(ctx, rest, getenv, stdout, stderr) // the one subcommand left
}

func webhookPath(id string) string { return "/ferry/v1/webhooks/" + url.PathEscape(id) }

func webhookList(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cmd := newClientCmd("webhooks list", "[flags]", "List the portal's webhook subscriptions.", getenv, stdout, stderr)
	if err := cmd.parse(args, 0, 0); err != nil {
		return err
	}
	var page struct {
		Results []json.RawMessage `json:"results"`
	}
	if err := cmd.api.do(ctx, "GET", "/ferry/v1/webhooks", "", nil, &page); err != nil {
		return err
	}
	return cmd.out.result(page.Results, func(w io.Writer) {
		for _, raw := range page.Results {
			var v webhookView
			json.Unmarshal(raw, &v)
			fmt.Fprintln(w, v.line())
		}
	})
}

// webhookSave handles "webhooks create URL" and "webhooks update ID".
func webhookSave(ctx context.Context, sub string, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	about := `Subscribe URL to the portal's events, signed as the Standard Webhooks
specification says. The signing secret is printed once: keep it.`
	syntax := "[flags] URL"
	if sub == "update" {
		about, syntax = "Change a subscription; flags not given stay as they are.", "[flags] ID"
	}
	cmd := newClientCmd("webhooks "+sub, syntax, about, getenv, stdout, stderr)
	events := cmd.fs.String("events", "", "the event types to send, comma-separated (default: every type)")
	description := cmd.fs.String("description", "", "a note for people")
	var newURL *string
	var enable, disable *bool
	if sub == "update" {
		newURL = cmd.fs.String("url", "", "a new URL")
		enable = cmd.fs.Bool("enable", false, "enable it (clearing its failures)")
		disable = cmd.fs.Bool("disable", false, "disable it")
	}
	if err := cmd.parse(args, 1, 1); err != nil {
		return err
	}
	body := map[string]any{}
	set := map[string]bool{}
	cmd.fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if set["events"] {
		list := []string{}
		for _, e := range strings.Split(*events, ",") {
			if e = strings.TrimSpace(e); e != "" {
				list = append(list, e)
			}
		}
		body["events"] = list
	}
	if set["description"] {
		body["description"] = *description
	}
	method, path := "POST", "/ferry/v1/webhooks"
	if sub == "create" {
		body["url"] = cmd.fs.Arg(0)
	} else {
		method, path = "PATCH", webhookPath(cmd.fs.Arg(0))
		if set["url"] {
			body["url"] = *newURL
		}
		if *enable && *disable {
			return usagef("--enable and --disable together")
		}
		if *enable || *disable {
			body["enabled"] = *enable
		}
	}
	b, _ := json.Marshal(body)
	var raw json.RawMessage
	if err := cmd.api.do(ctx, method, path, "application/json", bytes.NewReader(b), &raw); err != nil {
		return err
	}
	var v webhookView
	json.Unmarshal(raw, &v)
	return cmd.out.result(raw, func(w io.Writer) {
		fmt.Fprintln(w, v.line())
		if v.Secret != "" {
			fmt.Fprintf(w, "secret: %s (shown once)\n", v.Secret)
		}
	})
}

// webhookAction handles "webhooks delete ID" and "webhooks rotate-secret ID".
func webhookAction(ctx context.Context, sub string, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	about := "Delete a subscription and its deliveries."
	method, suffix := "DELETE", ""
	if sub == "rotate-secret" {
		about = "Give a subscription a new secret, printed once; the old one keeps signing alongside it for 24 hours."
		method, suffix = "POST", "/rotate-secret"
	}
	cmd := newClientCmd("webhooks "+sub, "[flags] ID", about, getenv, stdout, stderr)
	if err := cmd.parse(args, 1, 1); err != nil {
		return err
	}
	var raw json.RawMessage
	if err := cmd.api.do(ctx, method, webhookPath(cmd.fs.Arg(0))+suffix, "", nil, &raw); err != nil {
		return err
	}
	if sub == "delete" {
		return cmd.out.result(map[string]string{"deleted": cmd.fs.Arg(0)}, func(w io.Writer) { fmt.Fprintln(w, "deleted", cmd.fs.Arg(0)) })
	}
	var v webhookView
	json.Unmarshal(raw, &v)
	return cmd.out.result(raw, func(w io.Writer) { fmt.Fprintf(w, "secret: %s (shown once)\n", v.Secret) })
}

func webhookDeliveries(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cmd := newClientCmd("webhooks deliveries", "[flags] ID", `List a subscription's deliveries, newest first: the event, the state and
the last attempt's status code or error.`, getenv, stdout, stderr)
	limit := cmd.fs.Int("limit", 20, "how many deliveries (at most 100)")
	if err := cmd.parse(args, 1, 1); err != nil {
		return err
	}
	var page struct {
		Results []json.RawMessage `json:"results"`
	}
	path := webhookPath(cmd.fs.Arg(0)) + "/deliveries?limit=" + fmt.Sprint(*limit)
	if err := cmd.api.do(ctx, "GET", path, "", nil, &page); err != nil {
		return err
	}
	return cmd.out.result(page.Results, func(w io.Writer) {
		for _, raw := range page.Results {
			var d struct {
				ID, EventID, EventType, State string
				Attempts                      []struct {
					StatusCode int
					Error      string
				}
			}
			json.Unmarshal(raw, &d)
			last := ""
			if n := len(d.Attempts); n > 0 {
				last = fmt.Sprintf("%d attempts, last: %d %s", n, d.Attempts[n-1].StatusCode, d.Attempts[n-1].Error)
			}
			fmt.Fprintf(w, "%-6s  %-9s  %-23s  %s  %s\n", d.ID, d.State, d.EventType, d.EventID, last)
		}
	})
}

func webhookRedeliver(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cmd := newClientCmd("webhooks redeliver", "[flags] ID DELIVERY_ID", "Send a delivery's event to its subscription again, as a new delivery.", getenv, stdout, stderr)
	if err := cmd.parse(args, 2, 2); err != nil {
		return err
	}
	var raw json.RawMessage
	path := webhookPath(cmd.fs.Arg(0)) + "/deliveries/" + url.PathEscape(cmd.fs.Arg(1)) + "/redeliver"
	if err := cmd.api.do(ctx, "POST", path, "", nil, &raw); err != nil {
		return err
	}
	var d struct{ ID string }
	json.Unmarshal(raw, &d)
	return cmd.out.result(raw, func(w io.Writer) { fmt.Fprintln(w, "redelivering as delivery", d.ID) })
}
