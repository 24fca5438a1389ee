package console

import (
	"io/fs"
	"net/http"

	"ferry/internal/ferry"
)

// addRoutes registers every console route. Pages need a read scope;
// actions need the scope of the API operation they stand for, so that a
// read-only token is refused a write here exactly as in the API.
func (c *Console) addRoutes() {
	read, write, del := ferry.ReadScopes, ferry.WriteScopes, ferry.DeleteScopes
	m := c.mux
	static, _ := fs.Sub(staticFS, "static")
	m.Handle("GET /console/static/", http.StripPrefix("/console/static/", http.FileServerFS(static)))
	m.HandleFunc("GET /console/signin", c.handleSignInForm)
	m.HandleFunc("POST /console/signin", c.handleSignIn)
	m.Handle("POST /console/signout", c.page(read, c.handleSignOut))

	m.Handle("GET /console/{$}", http.RedirectHandler("/console/browse", http.StatusFound))
	m.Handle("GET /console/browse", c.page(read, c.handleBrowse))
	m.Handle("POST /console/folders", c.page(write, c.handleCreateFolder))
	m.Handle("GET /console/folders/{id}", c.page(read, c.handleFolder))
	m.Handle("POST /console/folders/{id}/rename", c.page(write, c.handleRenameFolder))
	m.Handle("POST /console/folders/{id}/move", c.page(write, c.handleMoveFolder))
	m.Handle("POST /console/folders/{id}/archive", c.page(del, c.handleArchiveFolder))

	m.Handle("GET /console/files/{id}", c.page(read, c.handleFile))
	m.Handle("GET /console/files/{id}/content", c.page(read, c.handleContent))
	m.Handle("GET /console/files/{id}/download", c.page(read, c.handleDownload))
	m.Handle("POST /console/files/{id}/update", c.page(write, c.handleUpdateFile))
	m.Handle("POST /console/files/{id}/replace", c.multipartPage(write, c.handleReplace))
	m.Handle("POST /console/files/{id}/archive", c.page(del, c.handleArchiveFile))
	m.Handle("GET /console/files/{id}/delete", c.page(del, c.handleDeleteForm))
	m.Handle("POST /console/files/{id}/delete", c.page(del, c.handleDeleteFile))

	m.Handle("GET /console/upload", c.page(read, c.handleUploadForm))
	m.Handle("POST /console/upload", c.multipartPage(write, c.handleUpload))
	m.Handle("GET /console/import", c.page(read, c.handleImportForm))
	m.Handle("POST /console/import", c.page(write, c.handleImport))
	m.Handle("GET /console/tasks", c.page(read, c.handleTasks))
	m.Handle("GET /console/tasks/{id}", c.page(read, c.handleTask))
	m.Handle("POST /console/tasks/{id}/cancel", c.page(write, c.handleCancelTask))
	m.Handle("POST /console/tasks/{id}/retry", c.page(write, c.handleRetryTask))
	m.Handle("GET /console/tasks/{id}/status", c.page(read, c.handleTaskStatus))
	m.Handle("GET /console/search", c.page(read, c.handleSearch))
	if c.svc.Webhooks != nil {
		m.Handle("GET /console/events", c.page(read, c.handleEvents))
		m.Handle("GET /console/webhooks", c.page(read, c.handleWebhooks))
		m.Handle("POST /console/webhooks", c.page(write, c.handleCreateWebhook))
		m.Handle("GET /console/webhooks/{id}", c.page(read, c.handleWebhook))
		m.Handle("POST /console/webhooks/{id}/update", c.page(write, c.handleUpdateWebhook))
		m.Handle("POST /console/webhooks/{id}/rotate", c.page(write, c.handleRotateSecret))
		m.Handle("POST /console/webhooks/{id}/delete", c.page(write, c.handleDeleteWebhook))
		m.Handle("POST /console/webhooks/{id}/deliveries/{did}/redeliver", c.page(write, c.handleRedeliver))
	}
	m.HandleFunc("/console/", func(w http.ResponseWriter, r *http.Request) {
		c.fail(w, r, ferry.Errorf(ferry.NotFound, "There is no console page at %s.", r.URL.Path))
	})
}
