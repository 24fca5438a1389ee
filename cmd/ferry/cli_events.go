package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// feedEvent is the part of an event that "ferry events tail" shows; raw is
// the whole event, which --json prints, one per line.
type feedEvent struct {
	Type       string `json:"type"`
	OccurredAt string `json:"occurredAt"`
	Cursor     string `json:"cursor"`
	Data       struct {
		ID     string `json:"id"`
		Path   string `json:"path"`
		TaskID string `json:"taskId"`
		Status string `json:"status"`
		URL    string `json:"url"`
	} `json:"data"`
	raw json.RawMessage
}

// summary names the object an event is about.
func (e feedEvent) summary() string {
	d := e.Data
	switch {
	case d.TaskID != "":
		return d.TaskID + " " + d.Status
	case strings.HasPrefix(e.Type, "webhook."):
		return d.ID + " " + d.URL
	}
	return d.ID + " " + d.Path
}

// runEvents handles "ferry events tail".
func runEvents(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "tail" {
		fmt.Fprint(stderr, "Usage: ferry events tail [flags]\n")
		return usagef("ferry events: the subcommand is tail")
	}
	cmd := newClientCmd("events tail", "[flags]", `Follow the portal's event feed and print each event as it happens: its
cursor, time, type and the object it is about (with --json, each whole
event on a line of its own). By default it starts at the end of the feed;
--after 0 first prints every event still kept, --after CURSOR every event
after that one. --once prints what there is and exits.`, getenv, stdout, stderr)
	after := cmd.fs.Int64("after", -1, "print events after this cursor (0: every event kept; default: only new ones)")
	types := cmd.fs.String("type", "", "only these event types, comma-separated (file.created, import.completed, ...)")
	interval := cmd.fs.Duration("interval", time.Second, "how often to ask for new events")
	once := cmd.fs.Bool("once", false, "print the events there are now and exit")
	if err := cmd.parse(args[1:], 0, 0); err != nil {
		return err
	}
	t := &tail{cmd: cmd, after: *after, types: *types}
	if t.after < 0 {
		if err := t.skipToEnd(ctx); err != nil {
			return err
		}
	}
	for {
		more, err := t.page(ctx)
		if err != nil {
			return err
		}
		if more {
			continue
		}
		if *once {
			return nil
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(*interval):
		}
	}
}

// tail reads the feed from a cursor on.
type tail struct {
	cmd   *clientCmd
	after int64
	types string
	quiet bool // while skipping to the end
}

// skipToEnd moves the cursor past every event kept, printing none.
func (t *tail) skipToEnd(ctx context.Context) error {
	t.after, t.quiet = 0, true
	defer func() { t.quiet = false }()
	for {
		more, err := t.page(ctx)
		if err != nil || !more {
			return err
		}
	}
}

// page prints the next page of events and says whether more follow.
func (t *tail) page(ctx context.Context) (bool, error) {
	q := url.Values{"after": {strconv.FormatInt(t.after, 10)}, "limit": {"1000"}}
	if t.types != "" {
		q.Set("type", t.types)
	}
	var page struct {
		Results []json.RawMessage `json:"results"`
		Paging  *struct{}         `json:"paging"`
	}
	if err := t.cmd.api.do(ctx, "GET", "/ferry/v1/events?"+q.Encode(), "", nil, &page); err != nil {
		if ctx.Err() != nil {
			return false, nil
		}
		return false, err
	}
	for _, raw := range page.Results {
		var e feedEvent
		if err := json.Unmarshal(raw, &e); err != nil {
			return false, err
		}
		if n, err := strconv.ParseInt(e.Cursor, 10, 64); err == nil {
			t.after = n
		}
		if t.quiet {
			continue
		}
		if t.cmd.out.json {
			var line bytes.Buffer
			json.Compact(&line, raw)
			fmt.Fprintln(t.cmd.out.stdout, line.String())
			continue
		}
		fmt.Fprintf(t.cmd.out.stdout, "%-6s  %s  %-23s  %s\n", e.Cursor, e.OccurredAt, e.Type, e.summary())
	}
	return page.Paging != nil, nil
}
