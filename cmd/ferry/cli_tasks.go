package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"
	"time"

	"ferry/internal/ferry"
)

// ferryTask is the part of Ferry's task view (GET /ferry/v1/tasks/{id})
// the CLI shows; raw is the whole answer, which --json prints.
type ferryTask struct {
	ID            string  `json:"id"`
	Type          string  `json:"type"`
	Status        string  `json:"status"`
	RequestedAt   string  `json:"requestedAt"`
	NextAttemptAt *string `json:"nextAttemptAt"`
	Attempts      int     `json:"attempts"`
	MaxAttempts   int     `json:"maxAttempts"`
	LastError     *struct {
		Message string `json:"message"`
	} `json:"lastError"`
	Source *struct {
		URL string `json:"url"`
	} `json:"source"`
	Progress *struct {
		BytesDone      int64  `json:"bytesDone"`
		BytesTotal     *int64 `json:"bytesTotal"`
		BytesPerSecond int64  `json:"bytesPerSecond"`
	} `json:"progress"`
	Errors []struct {
		Message string `json:"message"`
		Errors  []struct {
			SubCategory string `json:"subCategory"`
		} `json:"errors"`
	} `json:"errors"`
	Result *struct {
		Path   string `json:"path"`
		Size   int64  `json:"size"`
		SHA256 string `json:"sha256"`
	} `json:"result"`
	raw json.RawMessage
}

func (c *apiClient) getTask(ctx context.Context, id string) (ferryTask, error) {
	var t ferryTask
	if err := c.do(ctx, "GET", "/ferry/v1/tasks/"+url.PathEscape(id), "", nil, &t.raw); err != nil {
		return t, err
	}
	err := json.Unmarshal(t.raw, &t)
	return t, err
}

// runTasks handles "ferry tasks", "ferry tasks cancel ID" and "ferry
// tasks retry ID".
func runTasks(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) > 0 {
		switch args[0] {
		case "cancel":
			return runTaskAction(ctx, "cancel", args[1:], getenv, stdout, stderr)
		case "retry":
			return runTaskAction(ctx, "retry", args[1:], getenv, stdout, stderr)
		}
	}
	cmd := newClientCmd("tasks", "[flags] | cancel ID | retry ID", `List the portal's tasks, newest first: imports and folder updates, with
their progress. "ferry tasks cancel ID" stops a task; "ferry tasks retry ID"
starts a canceled import again as a new task.`, getenv, stdout, stderr)
	var status, typ string
	var limit int
	cmd.fs.StringVar(&status, "status", "", "only tasks in these states, comma-separated: PENDING, PROCESSING, COMPLETE, CANCELED")
	cmd.fs.StringVar(&typ, "type", "", "only IMPORT or FOLDER_UPDATE tasks")
	cmd.fs.IntVar(&limit, "limit", 20, "how many tasks (at most 100)")
	if err := cmd.parse(args, 0, 0); err != nil {
		return err
	}
	q := url.Values{"limit": {fmt.Sprint(limit)}}
	if status != "" {
		q.Set("status", status)
	}
	if typ != "" {
		q.Set("type", typ)
	}
	var page struct {
		Results []json.RawMessage `json:"results"`
	}
	if err := cmd.api.do(ctx, "GET", "/ferry/v1/tasks?"+q.Encode(), "", nil, &page); err != nil {
		return err
	}
	return cmd.out.result(page.Results, func(w io.Writer) {
		for _, raw := range page.Results {
			var t ferryTask
			json.Unmarshal(raw, &t)
			fmt.Fprintf(w, "%-22s  %-10s  %-13s  %-24s  %s\n", t.ID, t.Status, t.Type, t.RequestedAt, taskSummary(t))
		}
	})
}

// taskSummary is the end of a task's line in "ferry tasks".
func taskSummary(t ferryTask) string {
	switch {
	case t.Status == "COMPLETE" && t.Result != nil:
		return t.Result.Path
	case t.Status == "CANCELED" && len(t.Errors) > 0:
		return t.Errors[0].Message
	case t.Progress != nil && t.Status == "PROCESSING":
		return progressText(t)
	case t.Source != nil:
		return t.Source.URL
	}
	return ""
}

// runTaskAction handles "ferry tasks cancel ID" and "ferry tasks retry ID".
func runTaskAction(ctx context.Context, action string, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	about := "Cancel a PENDING or PROCESSING task: its work stops and never runs again."
	if action == "retry" {
		about = `Start a canceled import again as a new task with the same request, and
print the new task's id. Source headers are not kept after a task ends:
give them again with --header.`
	}
	cmd := newClientCmd("tasks "+action, "[flags] TASK_ID", about, getenv, stdout, stderr)
	var headers headerFlags
	if action == "retry" {
		cmd.fs.Var(&headers, "header", `a source header "Name: value" to send again (repeatable)`)
	}
	if err := cmd.parse(args, 1, 1); err != nil {
		return err
	}
	path := "/ferry/v1/tasks/" + url.PathEscape(cmd.fs.Arg(0)) + "/" + action
	var body []byte
	if len(headers) > 0 {
		body, _ = json.Marshal(map[string]any{"sourceHeaders": headers.m()})
	}
	var raw json.RawMessage
	if err := cmd.api.do(ctx, "POST", path, "application/json", bytes.NewReader(body), &raw); err != nil {
		return err
	}
	var t ferryTask
	json.Unmarshal(raw, &t)
	return cmd.out.result(raw, func(w io.Writer) {
		if action == "retry" {
			fmt.Fprintf(w, "retrying as task %s\n", t.ID)
		} else {
			fmt.Fprintf(w, "task %s %s\n", t.ID, t.Status)
		}
	})
}

// headerFlags collects repeated --header "Name: value" flags.
type headerFlags []string

func (h *headerFlags) String() string { return "" } // never print a value: it may be a secret

func (h *headerFlags) Set(v string) error {
	name, value, ok := strings.Cut(v, ":")
	if !ok || strings.TrimSpace(name) == "" {
		return errors.New(`want "Name: value"`)
	}
	*h = append(*h, strings.TrimSpace(name)+":"+strings.TrimSpace(value))
	return nil
}

func (h headerFlags) m() map[string]string {
	out := map[string]string{}
	for _, kv := range h {
		k, v, _ := strings.Cut(kv, ":")
		out[k] = v
	}
	return out
}

var _ flag.Value = (*headerFlags)(nil)

// watchTask follows a task until it ends, drawing its progress on w (a
// live bar on a terminal, plain lines otherwise), and returns the final
// task.
func (c *apiClient) watchTask(ctx context.Context, id string, w io.Writer) (ferryTask, error) {
	f, ok := w.(*os.File)
	p := &taskProgress{w: w, terminal: ok && isTerminal(f)}
	for {
		t, err := c.getTask(ctx, id)
		if err != nil {
			p.end()
			return t, err
		}
		if t.Status == "COMPLETE" || t.Status == "CANCELED" {
			p.end()
			return t, nil
		}
		p.show(t)
		select {
		case <-ctx.Done():
			p.end()
			return t, ctx.Err()
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// taskProgress draws a task's progress: on a terminal one line redrawn in
// place; otherwise a plain line when the state changes, and at most every
// five seconds while bytes flow.
type taskProgress struct {
	w        io.Writer
	terminal bool
	drawn    bool
	last     string
	lastAt   time.Time
}

func (p *taskProgress) show(t ferryTask) {
	line := progressText(t)
	if p.terminal {
		fmt.Fprintf(p.w, "\r\x1b[K%s", line)
		p.drawn = true
		return
	}
	state := t.Status + fmt.Sprint(t.Attempts) + fmt.Sprint(t.NextAttemptAt != nil)
	if state != p.last || time.Since(p.lastAt) >= 5*time.Second && line != "" {
		fmt.Fprintln(p.w, line)
		p.last, p.lastAt = state, time.Now()
	}
}

func (p *taskProgress) end() {
	if p.drawn {
		fmt.Fprint(p.w, "\r\x1b[K")
	}
}

// progressText describes a running task in one line: the bar, bytes, rate
// and time left; or the retry countdown and its reason.
func progressText(t ferryTask) string {
	if t.NextAttemptAt != nil {
		wait := time.Until(parseWire(*t.NextAttemptAt)).Round(time.Second)
		reason := ""
		if t.LastError != nil {
			reason = ": " + t.LastError.Message
		}
		return fmt.Sprintf("retrying in %s (attempt %d of %d failed%s)", max(wait, 0), t.Attempts, t.MaxAttempts, reason)
	}
	if t.Status == "PENDING" || t.Progress == nil {
		return "waiting for a worker"
	}
	pr := t.Progress
	if pr.BytesDone == 0 && pr.BytesTotal == nil {
		return fmt.Sprintf("connecting to the origin (attempt %d of %d)", t.Attempts, t.MaxAttempts)
	}
	rate := ferry.HumanSize(pr.BytesPerSecond) + "/s"
	if pr.BytesTotal == nil {
		return fmt.Sprintf("%s  %s", ferry.HumanSize(pr.BytesDone), rate)
	}
	total := *pr.BytesTotal
	frac := 1.0
	if total > 0 {
		frac = min(1, float64(pr.BytesDone)/float64(total))
	}
	const width = 30
	fill := int(frac * width)
	eta := "--"
	if pr.BytesPerSecond > 0 {
		eta = (time.Duration(float64(total-pr.BytesDone)/float64(pr.BytesPerSecond)) * time.Second).Round(time.Second).String()
	}
	return fmt.Sprintf("[%s%s] %3.0f%%  %s / %s  %s  ETA %s", strings.Repeat("=", fill), strings.Repeat(" ", width-fill),
		frac*100, ferry.HumanSize(pr.BytesDone), ferry.HumanSize(total), rate, eta)
}

func parseWire(s string) time.Time {
	t, _ := time.Parse(time.RFC3339Nano, s)
	return t
}

// resultLine is the one line "ferry import --wait" ends with.
func resultLine(t ferryTask) string {
	if t.Status == "COMPLETE" && t.Result != nil {
		return fmt.Sprintf("COMPLETE %s (%s, sha256 %s)", t.Result.Path, ferry.HumanSize(t.Result.Size), t.Result.SHA256)
	}
	if len(t.Errors) > 0 {
		sub := ""
		if len(t.Errors[0].Errors) > 0 {
			sub = " (" + t.Errors[0].Errors[0].SubCategory + ")"
		}
		return fmt.Sprintf("%s: %s%s", t.Status, t.Errors[0].Message, sub)
	}
	return t.Status
}
