package e2e

import (
	"testing"
	"time"
)

// TestTaskResumeAtStartAfterKill kills the server mid-import: on the
// embedded database the restarted server takes the task up again at
// once (the data-dir lock proves the old process gone), not after
// --rescue-after.
func TestTaskResumeAtStartAfterKill(t *testing.T) {
	t.Parallel()
	if e2eBackend == backendPostgresS3 {
		t.Skip("start-up resume is for the embedded database; PostgreSQL relies on the rescuer")
	}
	o := newOrigin(t)
	body := randBytes(t, 1<<20)
	g := o.gated("/crash.bin", body, 256<<10)
	s := startServer(t, "--allow-private-networks", "--rescue-after", "1h")
	id := ferryImport(t, s, s.Token, map[string]any{"url": o.url("/crash.bin"), "access": "PRIVATE", "folderPath": "/crash"})
	wait(t, g.started, 30*time.Second, "the first request")
	waitTaskView(t, s, s.Token, id, "progress", func(m map[string]any) bool { return jnum(m, "progress", "bytesDone") >= 256<<10 })
	s.kill9()
	g.open()
	s.start()
	m := waitTaskView(t, s, s.Token, id, "the import to complete after the restart", func(m map[string]any) bool {
		return jstr(m, "status") == "COMPLETE" || jstr(m, "status") == "CANCELED"
	})
	if jstr(m, "status") != "COMPLETE" || jstr(m, "sha256") != sha256Hex(body) || jnum(m, "attempts") != 2 {
		t.Errorf("task after kill -9 and restart: %v, want COMPLETE on its second attempt", m)
	}
}
