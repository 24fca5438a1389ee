// Package openapi holds Ferry's own OpenAPI 3.0 document, embedded in the
// binary, and serves it: as JSON at GET /openapi.json and as a readable,
// self-contained HTML reference page at GET /docs. Neither needs a token.
//
// ferry.json is written by hand for Ferry. It describes every operation
// Ferry serves under /files/v3 (and, unchanged, under /files/2026-03 and,
// but for the operations it drops, /files/2026-09-beta) with
// Ferry's real request and response shapes, and marks everything Ferry adds
// to HubSpot's Files API with "x-ferry-extension": true. The tests in this
// package keep it valid and a superset of HubSpot's operations; when you
// change what a handler accepts or answers, change ferry.json with it.
package openapi

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"log/slog"
	"net/http"
	"sync"
	"time"
)

//go:embed ferry.json
var baseDocument []byte

//go:embed ext
var fragments embed.FS

// rawDocument is ferry.json with every fragment of ext/ merged in (see
// ext/README.md). A fragment that breaks the document stops the binary at
// start-up; the tests in this package catch that first.
var rawDocument = func() []byte {
	doc, err := assemble(baseDocument, fragments)
	if err != nil {
		panic("openapi: " + err.Error())
	}
	return doc
}()

// Document returns a copy of the embedded OpenAPI document.
func Document() []byte { return bytes.Clone(rawDocument) }

// etag is the strong validator of the document; the page is derived from
// the document alone, so it shares it with a suffix.
var etag = sync.OnceValue(func() string {
	sum := sha256.Sum256(rawDocument)
	return hex.EncodeToString(sum[:8])
})

// Register mounts GET /openapi.json and GET /docs on mux, without
// authentication.
func Register(mux *http.ServeMux) {
	mux.Handle("GET /openapi.json", JSONHandler())
	mux.Handle("GET /docs", DocsHandler())
}

// JSONHandler serves the document as application/json.
func JSONHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The document is public; let browser-based tools (editors,
		// client generators) read it from another origin.
		w.Header().Set("Access-Control-Allow-Origin", "*")
		serveRendering(w, r, "application/json", `"`+etag()+`"`, rawDocument)
	})
}

// page renders the HTML reference once, on first use.
var page = sync.OnceValues(func() ([]byte, error) { return renderPage(rawDocument) })

// DocsHandler serves the HTML reference page rendered from the document.
func DocsHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := page()
		if err != nil {
			// Only a broken embedded document gets here, and the tests
			// render it; say so plainly rather than serve half a page.
			slog.Error("render the API reference page", "err", err)
			http.Error(w, "The API reference page could not be rendered; /openapi.json has the document.", http.StatusInternalServerError)
			return
		}
		h := w.Header()
		// The page has no scripts and loads nothing: only its own inline
		// style may apply.
		h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
		h.Set("Referrer-Policy", "no-referrer")
		serveRendering(w, r, "text/html; charset=utf-8", `"`+etag()+`-html"`, body)
	})
}

// serveRendering serves body, a rendering of the document, as
// contentType: revalidated on every use (no-cache) against its ETag, which
// changes with the document, and never sniffed as another type.
func serveRendering(w http.ResponseWriter, r *http.Request, contentType, etag string, body []byte) {
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Cache-Control", "no-cache")
	h.Set("ETag", etag)
	h.Set("X-Content-Type-Options", "nosniff")
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(body))
}
