package e2e

import (
	"bytes"
	"database/sql"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestTaskSourceHeaders sends credentials to an origin that needs them,
// and checks that they reach it, leave it behind on a cross-origin
// redirect, and appear in clear in no response, log line or database
// column.
func TestTaskSourceHeaders(t *testing.T) {
	t.Parallel()
	const bearer, apiKey = "Bearer s3cret-TOKEN-4f9a", "k3y-VALUE-77c1"
	a, b := newOrigin(t), newOrigin(t) // two origins: different ports
	body := randBytes(t, 300<<10)
	g := a.gated("/private.bin", body, 100<<10)
	var mu sync.Mutex
	var landed []http.Header
	b.handle("/landing.bin", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		landed = append(landed, r.Header.Clone())
		mu.Unlock()
		w.Write(body)
	})
	a.handle("/hop", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, b.url("/landing.bin"), http.StatusFound)
	})
	s := startServer(t, "--allow-private-networks")
	headers := map[string]any{"Authorization": bearer, "x-api-key": apiKey}
	id := ferryImport(t, s, s.Token, map[string]any{"url": a.url("/private.bin"), "access": "PRIVATE", "folderPath": "/secret",
		"sourceHeaders": headers})
	wait(t, g.started, 30*time.Second, "the origin to be asked")
	var seen []string // every body the server answered with
	m := getTask(t, s, s.Token, id)
	seen = append(seen, string(mustJSON(t, m)))
	if got := jstrings(m, "source", "headerNames"); len(got) != 2 || got[0] != "Authorization" || got[1] != "X-Api-Key" {
		t.Errorf("source.headerNames = %v, want [Authorization X-Api-Key]", got)
	}
	checkNoSecret(t, s, "while the import runs", bearer, apiKey)
	g.open()
	done := waitTaskView(t, s, s.Token, id, "the import", statusIs("COMPLETE"))
	if h := g.headers[0]; h.Get("Authorization") != bearer || h.Get("X-Api-Key") != apiKey {
		t.Errorf("origin got Authorization %q and X-Api-Key %q, want the source headers", h.Get("Authorization"), h.Get("X-Api-Key"))
	}

	id2 := ferryImport(t, s, s.Token, map[string]any{"url": a.url("/hop"), "access": "PRIVATE", "folderPath": "/secret", "sourceHeaders": headers})
	done2 := waitTaskView(t, s, s.Token, id2, "the redirected import", statusIs("COMPLETE"))
	mu.Lock()
	if len(landed) != 1 || landed[0].Get("Authorization") != "" || landed[0].Get("X-Api-Key") != "" {
		t.Errorf("the other origin got headers %v, want none of the source headers", landed)
	}
	mu.Unlock()

	stream := openEvents(t, s, s.Token, id2, "")
	for e, ok := stream.next(t); ok; e, ok = stream.next(t) {
		seen = append(seen, string(mustJSON(t, e.data)))
	}
	for _, path := range []string{ferryTasks, taskPath(id), taskPath(id2)} {
		_, b := s.do("GET", path, nil, s.Token)
		seen = append(seen, string(b))
	}
	seen = append(seen, string(mustJSON(t, done)), string(mustJSON(t, done2)))
	for _, b := range seen {
		if strings.Contains(b, "s3cret") || strings.Contains(b, "k3y-VALUE") {
			t.Errorf("a response shows a source header value: %.300s", b)
		}
	}
	checkNoSecret(t, s, "after the imports", bearer, apiKey)

	for _, bad := range []map[string]any{
		{"Host": "example.com"}, {"Range": "bytes=0-"}, {"Bad Name": "x"}, {"X-Line": "a\r\nInjected: yes"},
	} {
		resp, rb := s.do("POST", ferryImports, map[string]any{"url": a.url("/private.bin"), "access": "PRIVATE", "folderPath": "/x", "sourceHeaders": bad}, s.Token)
		checkError(t, "import with source headers "+string(mustJSON(t, bad)), resp, rb, http.StatusBadRequest, "VALIDATION_ERROR")
		if bytes.Contains(rb, []byte("Injected")) {
			t.Errorf("the error echoes a header value: %s", rb)
		}
	}
	many := map[string]any{}
	for i := range 21 {
		many["X-H"+string(rune('a'+i))] = "v"
	}
	resp, rb := s.do("POST", ferryImports, map[string]any{"url": a.url("/private.bin"), "access": "PRIVATE", "folderPath": "/x", "sourceHeaders": many}, s.Token)
	checkError(t, "import with 21 source headers", resp, rb, http.StatusBadRequest, "VALIDATION_ERROR")

	// A retry needs the headers again: Ferry deleted them when the task ended.
	resp, rb = s.do("POST", ferryTask(id)+"/retry", map[string]any{}, s.Token)
	checkError(t, "retry of a complete import", resp, rb, http.StatusConflict, "CONFLICT")
}

// checkNoSecret checks that no secret appears in the server's log or, in
// clear, in any database column (SQLite: every file of the data dir;
// PostgreSQL: every row of Ferry's and River's tables as text).
func checkNoSecret(t *testing.T, s *server, when string, secrets ...string) {
	t.Helper()
	var hay []string
	hay = append(hay, s.log.String())
	if s.store.database == "" {
		filepath.Walk(s.DataDir, func(path string, info os.FileInfo, err error) error {
			if err == nil && !info.IsDir() {
				b, _ := os.ReadFile(path)
				hay = append(hay, string(b))
			}
			return nil
		})
	} else {
		db, err := sql.Open("pgx", s.store.database)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		for _, table := range []string{"tasks", "task_events", "river_job", "files", "settings"} {
			rows, err := db.Query("SELECT t::text FROM " + table + " t")
			if err != nil {
				t.Fatalf("read %s: %v", table, err)
			}
			for rows.Next() {
				var v string
				rows.Scan(&v)
				hay = append(hay, v)
			}
			rows.Close()
		}
	}
	for _, h := range hay {
		for _, sec := range secrets {
			if strings.Contains(h, sec) {
				t.Errorf("%s: %q appears in clear in the log or the database", when, sec)
			}
		}
	}
}
