package browser

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// The name a hostile file arrives with. Ferry refuses "/" in names, so
// the classic "<script>alert(1)</script>" cannot be one; these are the
// closest names that can.
const (
	scriptName = "<script>alert(1)<script>.html"
	imgName    = "<img src=x onerror=alert(1)>.html"
)

// pngBytes returns a small PNG picture.
func pngBytes(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 64, 48))
	for x := range 64 {
		for y := range 48 {
			img.Set(x, y, color.RGBA{uint8(x * 4), uint8(y * 5), 160, 255})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// origin serves files to import from.
func origin(t *testing.T, pic []byte) *httptest.Server {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /logo.png", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/png")
		w.Write(pic)
	})
	// slow drips 4 MiB at 64 KiB a second, until the client goes away.
	mux.HandleFunc("GET /slow.bin", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "4194304")
		chunk := bytes.Repeat([]byte{'x'}, 8<<10)
		for range 512 {
			if _, err := w.Write(chunk); err != nil {
				return
			}
			w.(http.Flusher).Flush()
			select {
			case <-r.Context().Done():
				return
			case <-time.After(125 * time.Millisecond):
			}
		}
	})
	ts := httptest.NewServer(mux)
	t.Cleanup(ts.Close)
	return ts
}

// TestConsoleInBrowser walks through the console as a person would, with
// one browser: sign in, upload, browse, preview, change access, signed
// URLs, import, hostile names, folder moves, search, a narrow screen,
// refused writes and sign-out. Each step saves a screenshot.
func TestConsoleInBrowser(t *testing.T) {
	s := startServer(t, "--allow-private-networks")
	pic := pngBytes(t)
	src := origin(t, pic)
	files := t.TempDir()
	for name, body := range map[string][]byte{
		"cat.png":  pic,
		scriptName: []byte("<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"),
	} {
		if err := os.WriteFile(filepath.Join(files, name), body, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ctx := newBrowser(t)

	t.Run("SignIn", func(t *testing.T) { signIn(t, ctx, s, s.Token) })
	t.Run("CreateFolder", func(t *testing.T) {
		do(t, ctx, "create folder pics",
			chromedp.SendKeys(chromedp.CSS("#newfolder"), "pics"), submitForm("#newfolder"),
			chromedp.WaitVisible(chromedp.CSS(".notice")))
	})
	t.Run("Upload", func(t *testing.T) {
		do(t, ctx, "open the upload page", chromedp.Navigate(s.URL+"/console/upload?path=/pics"),
			chromedp.WaitVisible(chromedp.CSS("#up-files")),
			chromedp.SetUploadFiles(chromedp.CSS("#up-files"), []string{filepath.Join(files, "cat.png"), filepath.Join(files, scriptName)}),
			chromedp.Click(chromedp.CSS("#upload button[type=submit]")))
		waitJS(t, ctx, "both uploads to finish", `document.querySelectorAll('#uploads li[data-done="true"]').length === 2`)
		run(t, ctx, "drop a file", chromedp.Evaluate[bool](`(() => {
			const dt = new DataTransfer();
			dt.items.add(new File(['dropped, not picked'], 'dropped.txt', {type: 'text/plain'}));
			document.getElementById('drop').dispatchEvent(new DragEvent('drop', {dataTransfer: dt, bubbles: true, cancelable: true}));
			return true;
		})()`))
		waitJS(t, ctx, "the dropped file's upload to finish", `document.querySelectorAll('#uploads li[data-done="true"]').length === 3`)
		if bars := run(t, ctx, "progress bars", chromedp.Evaluate[[]int](`[...document.querySelectorAll('#uploads progress')].map(p => p.value)`)); !slices.Equal(bars, []int{100, 100, 100}) {
			t.Errorf("progress bars=%v, want three at 100", bars)
		}
		screenshot(t, ctx, "upload")
	})
	t.Run("Browse", func(t *testing.T) {
		do(t, ctx, "browse into pics", chromedp.Navigate(s.URL+"/console/browse"),
			clickCSS(`a[href="/console/browse?path=%2Fpics"]`), chromedp.WaitVisible(chromedp.CSS("table.listing")))
		names := run(t, ctx, "file names", chromedp.Evaluate[[]string](`[...document.querySelectorAll('table.listing tbody a')].map(a => a.textContent)`))
		if strings.Join(names, "|") != "<script>alert(1)<script>.html|cat.png|dropped.txt" {
			t.Errorf("listing=%q, want the three uploads by name", names)
		}
		screenshot(t, ctx, "browse")
	})
	t.Run("PreviewImage", func(t *testing.T) {
		do(t, ctx, "open cat.png", clickLink("cat.png"), chromedp.WaitVisible(chromedp.CSS("#preview-image")))
		waitJS(t, ctx, "the image preview to load", `document.getElementById('preview-image').naturalWidth === 64`)
		screenshot(t, ctx, "file")
	})
	t.Run("ChangeAccess", func(t *testing.T) {
		setAccess(t, ctx, "PUBLIC_NOT_INDEXABLE")
		publicURL := run(t, ctx, "public URL", chromedp.Value(chromedp.CSS("#public-url")))
		if code, body := get(t, publicURL); code != http.StatusOK || !bytes.Equal(body, pic) {
			t.Errorf("GET public URL %s = %d, want 200 with the picture", publicURL, code)
		}
		setAccess(t, ctx, "PRIVATE")
		if code, _ := get(t, publicURL); code != http.StatusNotFound {
			t.Errorf("GET the URL of a file made PRIVATE = %d, want 404", code)
		}
	})
	t.Run("SignedURL", func(t *testing.T) {
		do(t, ctx, "make a signed URL", chromedp.SetValue(chromedp.CSS("#expires"), "600"),
			submitForm("#expires"), chromedp.WaitVisible(chromedp.CSS("#signed-url")),
			chromedp.Click(chromedp.CSS(`button[data-copy="signed-url"]`)))
		waitJS(t, ctx, "the copy to be confirmed", `document.querySelector('.copied').textContent !== ''`)
		signed := run(t, ctx, "signed URL", chromedp.Value(chromedp.CSS("#signed-url")))
		if code, body := get(t, signed); code != http.StatusOK || !bytes.Equal(body, pic) {
			t.Errorf("GET signed URL = %d, want 200 with the picture", code)
		}
		screenshot(t, ctx, "signed-url")
	})
	t.Run("HostileNameShownAsText", func(t *testing.T) {
		do(t, ctx, "open the hostile file", chromedp.Navigate(s.URL+"/console/browse?path=/pics"), clickLink(scriptName),
			chromedp.WaitVisible(chromedp.CSS("#preview-text")))
		if h1 := run(t, ctx, "title", chromedp.Text(chromedp.CSS("h1"))); h1 != scriptName {
			t.Errorf("h1=%q, want the name as text", h1)
		}
		if text := run(t, ctx, "preview", chromedp.Text(chromedp.CSS("#preview-text"))); !strings.Contains(text, "<script>alert(1)</script>") {
			t.Errorf("preview=%q, want the HTML as text", text)
		}
		if n := run(t, ctx, "scripts", chromedp.Evaluate[int](`document.querySelectorAll('script').length`)); n != 1 {
			t.Errorf("the page has %d script elements, want only the console's own", n)
		}
		screenshot(t, ctx, "text-preview")
	})
	t.Run("Import", func(t *testing.T) {
		do(t, ctx, "start an import", chromedp.Navigate(s.URL+"/console/import?path=/imports"),
			chromedp.SetValue(chromedp.CSS("#im-url"), src.URL+"/logo.png"), chromedp.SetValue(chromedp.CSS("#im-access"), "PUBLIC_INDEXABLE"),
			submitForm("#im-url"), chromedp.WaitVisible(chromedp.CSS("#task-status")))
		waitJS(t, ctx, "the import to complete", `document.getElementById('task-status').textContent === 'COMPLETE'`)
		if res := run(t, ctx, "result", chromedp.Text(chromedp.CSS("#task-result"))); res != "/imports/logo.png" {
			t.Errorf("result=%q, want /imports/logo.png", res)
		}
		screenshot(t, ctx, "import-task")
	})
	t.Run("CancelSlowImport", func(t *testing.T) {
		do(t, ctx, "start a slow import", chromedp.Navigate(s.URL+"/console/import"),
			chromedp.SetValue(chromedp.CSS("#im-url"), src.URL+"/slow.bin"), submitForm("#im-url"))
		waitJS(t, ctx, "bytes to flow", `document.getElementById('task-status').textContent === 'PROCESSING' && document.getElementById('task-progress').value > 0`)
		screenshot(t, ctx, "import-progress")
		do(t, ctx, "cancel it", submitForm("#task-cancel button"))
		waitJS(t, ctx, "the task to end", `document.getElementById('task-status').textContent === 'CANCELED'`)
		if errs := run(t, ctx, "errors", chromedp.Text(chromedp.CSS("#task-errors"))); !strings.Contains(errs, "CANCELED_BY_USER") {
			t.Errorf("errors=%q, want CANCELED_BY_USER", errs)
		}
		canceled := run(t, ctx, "location", chromedp.Location())
		screenshot(t, ctx, "task-canceled")
		do(t, ctx, "retry it", submitForm("#task-retry button"))
		if loc := run(t, ctx, "location", chromedp.Location()); loc == canceled || !strings.Contains(loc, "/console/tasks/") {
			t.Fatalf("after retry the browser is at %s, want a new task's page", loc)
		}
		waitJS(t, ctx, "the retry to run", `document.getElementById('task-status').textContent === 'PROCESSING'`)
		do(t, ctx, "cancel the retry", submitForm("#task-cancel button"))
		waitJS(t, ctx, "the retry to end", `document.getElementById('task-status').textContent === 'CANCELED'`)
	})
	t.Run("MoveFolder", func(t *testing.T) {
		do(t, ctx, "create folder target", chromedp.Navigate(s.URL+"/console/browse"),
			chromedp.SendKeys(chromedp.CSS("#newfolder"), "target"), submitForm("#newfolder"),
			chromedp.WaitVisible(chromedp.CSS(".notice")),
			chromedp.Navigate(s.URL+"/console/browse?path=/pics"), clickLink("Rename, move or archive this folder"),
			chromedp.WaitVisible(chromedp.CSS("#dest")))
		screenshot(t, ctx, "folder")
		do(t, ctx, "move pics into target", chromedp.SetValue(chromedp.CSS("#dest"), "/target"),
			submitForm("#dest"), chromedp.WaitVisible(chromedp.CSS("#task-status")))
		waitJS(t, ctx, "the move to complete", `document.getElementById('task-status').textContent === 'COMPLETE'`)
		do(t, ctx, "open the moved folder", clickLink("/target/pics"), clickLink("Open the folder"),
			chromedp.WaitVisible(chromedp.CSS("table.listing")))
		if crumbs := run(t, ctx, "breadcrumbs", chromedp.Text(chromedp.CSS(".crumbs"))); !strings.Contains(crumbs, "target") || !strings.Contains(crumbs, "pics") {
			t.Errorf("breadcrumbs=%q, want Home / target / pics", crumbs)
		}
	})
	t.Run("Tasks", func(t *testing.T) {
		do(t, ctx, "open the tasks", chromedp.Navigate(s.URL+"/console/tasks"), chromedp.WaitVisible(chromedp.CSS("#tasks")))
		if n := run(t, ctx, "rows", chromedp.Evaluate[int](`document.querySelectorAll('#tasks tbody tr').length`)); n != 4 {
			t.Errorf("the task list has %d rows, want 4 (two imports canceled, one complete, one folder move)", n)
		}
		screenshot(t, ctx, "tasks")
		do(t, ctx, "filter canceled imports", chromedp.Click(chromedp.CSS(`input[name=status][value=CANCELED]`)),
			chromedp.SetValue(chromedp.CSS("#t-type"), "IMPORT"), submitForm("#t-type"))
		if got := run(t, ctx, "statuses", chromedp.Evaluate[[]string](`[...document.querySelectorAll('#tasks .t-status')].map(td => td.textContent)`)); strings.Join(got, ",") != "CANCELED,CANCELED" {
			t.Errorf("filtered statuses=%v, want the two canceled imports", got)
		}
	})
	t.Run("Search", func(t *testing.T) {
		do(t, ctx, "search", chromedp.Navigate(s.URL+"/console/search"), chromedp.SendKeys(chromedp.CSS("#s-name"), "logo"),
			submitForm("#s-name"), chromedp.WaitVisible(chromedp.CSS("table.listing")))
		if got := run(t, ctx, "results", chromedp.Text(chromedp.CSS("table.listing tbody"))); !strings.Contains(got, "/imports/logo.png") {
			t.Errorf("search results=%q, want /imports/logo.png", got)
		}
		screenshot(t, ctx, "search")
	})
	t.Run("DeleteForGood", func(t *testing.T) {
		do(t, ctx, "open the delete page", chromedp.Navigate(s.URL+"/console/browse?path=/target/pics"), clickLink("dropped.txt"),
			clickLink("Delete for good (GDPR)…"), chromedp.WaitVisible(chromedp.CSS("#confirm")))
		screenshot(t, ctx, "delete")
		do(t, ctx, "confirm the delete", chromedp.SendKeys(chromedp.CSS("#confirm"), "dropped.txt"), submitForm("#confirm"))
		if notice := run(t, ctx, "notice", chromedp.Text(chromedp.CSS(".notice"))); notice != "Deleted for good." {
			t.Errorf("notice=%q after the delete", notice)
		}
		if names := run(t, ctx, "listing", chromedp.Text(chromedp.CSS("table.listing tbody"))); strings.Contains(names, "dropped.txt") {
			t.Errorf("the deleted file is still listed: %q", names)
		}
		do(t, ctx, "a missing file", chromedp.Navigate(s.URL+"/console/files/999999"), chromedp.WaitVisible(chromedp.CSS(".error")))
		screenshot(t, ctx, "not-found")
	})
	t.Run("Webhooks", func(t *testing.T) {
		var mu sync.Mutex
		var got []string // the event types delivered, in order
		hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			var ev struct{ Type string }
			json.NewDecoder(r.Body).Decode(&ev)
			mu.Lock()
			got = append(got, ev.Type)
			mu.Unlock()
		}))
		defer hook.Close()
		delivered := func() []string {
			mu.Lock()
			defer mu.Unlock()
			return slices.Clone(got)
		}
		do(t, ctx, "subscribe", chromedp.Navigate(s.URL+"/console/webhooks"),
			chromedp.SetValue(chromedp.CSS("#wh-url"), hook.URL+"/hook"), chromedp.SetValue(chromedp.CSS("#wh-desc"), "browser test"),
			chromedp.Click(chromedp.CSS(`input[name=events][value="folder.created"]`)), submitForm("#wh-url"))
		if secret := run(t, ctx, "secret", chromedp.Value(chromedp.CSS("#wh-secret"))); !strings.HasPrefix(secret, "whsec_") {
			t.Fatalf("the new subscription's secret is %q, want whsec_...", secret)
		}
		screenshot(t, ctx, "webhook-created")
		// The secret is shown in the answer to the POST; the subscription's own page is in the breadcrumbs.
		hookPage := run(t, ctx, "subscription page", chromedp.Evaluate[string](`document.querySelector('.crumbs a[aria-current]').href`))
		do(t, ctx, "create a folder", chromedp.Navigate(s.URL+"/console/browse"),
			chromedp.SendKeys(chromedp.CSS("#newfolder"), "hooked"), submitForm("#newfolder"))
		deadline := time.Now().Add(30 * time.Second)
		for {
			do(t, ctx, "open the subscription", chromedp.Navigate(hookPage), chromedp.WaitVisible(chromedp.CSS("h1")))
			state := run(t, ctx, "deliveries", chromedp.Evaluate[string](`(document.querySelector('#deliveries .d-state') || {}).textContent || ''`))
			if state == "SUCCEEDED" {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("the delivery is %q after 30 s, want SUCCEEDED (receiver got %v)", state, delivered())
			}
			time.Sleep(200 * time.Millisecond)
		}
		screenshot(t, ctx, "webhook")
		do(t, ctx, "redeliver", submitForm(`#deliveries button`))
		deadline = time.Now().Add(30 * time.Second)
		for len(delivered()) < 2 && time.Now().Before(deadline) {
			time.Sleep(100 * time.Millisecond)
		}
		if d := delivered(); len(d) != 2 || d[0] != "folder.created" || d[1] != "folder.created" {
			t.Errorf("the receiver got %v, want folder.created twice (delivered, then redelivered)", d)
		}
		do(t, ctx, "the event feed", chromedp.Navigate(s.URL+"/console/events?type=folder.created"), chromedp.WaitVisible(chromedp.CSS("#events")))
		if feed := run(t, ctx, "events", chromedp.Text(chromedp.CSS("#events tbody"))); !strings.Contains(feed, "/hooked") || !strings.Contains(feed, "/pics") {
			t.Errorf("folder.created events=%q, want /pics and /hooked among them", feed)
		}
		screenshot(t, ctx, "events")
	})
	t.Run("Narrow", func(t *testing.T) {
		do(t, ctx, "a 360 px screen", chromedp.EmulateViewport(360, 740))
		for _, page := range []struct{ name, path string }{{"narrow-browse", "/console/browse?path=/target/pics"}, {"narrow-upload", "/console/upload"}, {"narrow-import", "/console/import"}, {"narrow-tasks", "/console/tasks"}} {
			do(t, ctx, "open "+page.path, chromedp.Navigate(s.URL+page.path), chromedp.WaitVisible(chromedp.CSS("main")))
			if w := run(t, ctx, "page width", chromedp.Evaluate[int](`document.documentElement.scrollWidth`)); w > 360 {
				t.Errorf("%s is %d px wide at 360 px: it scrolls sideways", page.path, w)
			}
			screenshot(t, ctx, page.name)
		}
		do(t, ctx, "open a file", chromedp.Navigate(s.URL+"/console/browse?path=/target/pics"), clickLink("cat.png"))
		if w := run(t, ctx, "page width", chromedp.Evaluate[int](`document.documentElement.scrollWidth`)); w > 360 {
			t.Errorf("the file page is %d px wide at 360 px: it scrolls sideways", w)
		}
		screenshot(t, ctx, "narrow-file")
		do(t, ctx, "back to a desktop screen", chromedp.EmulateViewport(1280, 900))
	})
	t.Run("Keyboard", func(t *testing.T) {
		do(t, ctx, "load a page", chromedp.Navigate(s.URL+"/console/browse"), chromedp.WaitVisible(chromedp.CSS("main")),
			chromedp.KeyEvent("\t"))
		if got := run(t, ctx, "focus", chromedp.Evaluate[string](`document.activeElement.textContent`)); got != "Skip to content" {
			t.Errorf("the first Tab focuses %q, want the skip link", got)
		}
		outline := run(t, ctx, "focus outline", chromedp.Evaluate[string](`getComputedStyle(document.activeElement).outlineStyle`))
		if outline == "none" || outline == "" {
			t.Errorf("the focused link has outline-style %q, want a visible focus ring", outline)
		}
	})
	t.Run("CSRFLessPostRefused", func(t *testing.T) {
		status := run(t, ctx, "post without the token", chromedp.Evaluate[int](
			`fetch('/console/folders', {method: 'POST', body: new URLSearchParams({name: 'sneaky', parentPath: '/'})}).then(r => r.status)`,
			chromedp.EvalAwaitPromise))
		if status != http.StatusForbidden {
			t.Errorf("POST without a CSRF token = %d, want 403", status)
		}
	})
	t.Run("SignOut", func(t *testing.T) {
		do(t, ctx, "sign out", clickCSS(".signout button"), chromedp.WaitVisible(chromedp.CSS("#token")),
			chromedp.Navigate(s.URL+"/console/browse"), chromedp.WaitVisible(chromedp.CSS("#token")))
		screenshot(t, ctx, "signin")
	})
	t.Run("ReadOnlySessionRefusedWrite", func(t *testing.T) {
		signIn(t, ctx, s, s.createToken(t, 1, "files.read"))
		if n := run(t, ctx, "write controls", chromedp.Evaluate[int](`document.querySelectorAll('#newfolder, a[href^="/console/upload"], a[href^="/console/import"]').length`)); n != 0 {
			t.Errorf("a read-only session sees %d write controls, want none", n)
		}
		screenshot(t, ctx, "read-only")
		status := run(t, ctx, "post with the token", chromedp.Evaluate[int](
			`fetch('/console/folders', {method: 'POST', body: new URLSearchParams({csrf: document.querySelector('input[name=csrf]').value, name: 'ro', parentPath: '/'})}).then(r => r.status)`,
			chromedp.EvalAwaitPromise))
		if status != http.StatusForbidden {
			t.Errorf("a read-only session's POST = %d, want 403", status)
		}
	})
}

// signIn signs in through the form and lands on the folder browser.
func signIn(t *testing.T, ctx context.Context, s *server, token string) {
	t.Helper()
	do(t, ctx, "sign in", chromedp.Navigate(s.URL+"/"), chromedp.WaitVisible(chromedp.CSS("#token")),
		chromedp.SendKeys(chromedp.CSS("#token"), token), submitForm("#token"),
		chromedp.WaitVisible(chromedp.CSS("table.listing")))
	if loc := run(t, ctx, "location", chromedp.Location()); loc != s.URL+"/console/browse" {
		t.Errorf("after sign-in the browser is at %s, want the folder browser", loc)
	}
}

// setAccess changes the open file's access level through its form.
func setAccess(t *testing.T, ctx context.Context, access string) {
	t.Helper()
	do(t, ctx, "change access to "+access, chromedp.SetValue(chromedp.CSS("#access"), access),
		submitForm("#access"), chromedp.WaitVisible(chromedp.CSS(".notice")))
	if got := run(t, ctx, "access", chromedp.Text(chromedp.CSS("#access-value"))); got != access {
		t.Fatalf("access=%q after the change, want %s", got, access)
	}
}

// clickLink clicks the link whose text is exactly text and waits until
// the next page has loaded.
func clickLink(text string) chromedp.Action[chromedp.Void] {
	return leave(`[...document.querySelectorAll('a')].find(a => a.textContent.trim() === `+jsString(text)+`)`, "el.click()")
}

// clickCSS clicks the element that sel finds and waits for the next page.
func clickCSS(sel string) chromedp.Action[chromedp.Void] {
	return leave(`document.querySelector(`+jsString(sel)+`)`, "el.click()")
}

// submitForm submits the form of the element that sel finds and waits
// until the next page has loaded.
func submitForm(sel string) chromedp.Action[chromedp.Void] {
	return leave(`document.querySelector(`+jsString(sel)+`)`, "el.form.requestSubmit()")
}

// leave finds an element with the JavaScript expression find, runs act
// on it (as el), and waits until the page it leads to has loaded: the old
// page carries a mark that the next one does not.
func leave(find, act string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		_, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => {
			const el = `+find+`;
			if (!el) throw new Error('nothing found by ' + `+jsString(find)+`);
			window.ferryLeaving = true;
			`+act+`;
			return true;
		})()`))
		if err != nil {
			return err
		}
		return waitUntil(ctx, `!window.ferryLeaving && document.readyState === 'complete'`, 10*time.Second)
	})
}

// waitJS waits up to 30 s for a JavaScript condition to hold.
func waitJS(t *testing.T, ctx context.Context, what, cond string) {
	t.Helper()
	if err := waitUntil(ctx, cond, 30*time.Second); err != nil {
		t.Fatalf("waiting for %s: %v", what, err)
	}
}

// waitUntil evaluates a JavaScript condition until it holds. An
// evaluation that fails because a navigation replaced the page is tried
// again on the next one.
func waitUntil(ctx context.Context, cond string, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](cond))
		if err == nil && ok {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s still false after %v (last error: %v)", cond, limit, err)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

func jsString(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `'`, `\'`, "\n", `\n`)
	return "'" + r.Replace(s) + "'"
}
