package main

import (
	"log/slog"
	"strings"
	"time"

	"ferry/internal/console"
	"ferry/internal/ferry"
	"ferry/internal/files"
	"ferry/internal/httpapi"
)

// newConsole builds the web console on the same services as the API.
func newConsole(log *slog.Logger, auth ferry.Authenticator, be *backend, fileSvc *files.Service, imp importerService,
	publicURL string, maxUpload int64, clock ferry.Clock) (*console.Console, error) {
	base := strings.TrimRight(publicURL, "/")
	return console.New(log, console.Services{Auth: auth, Sessions: be.sql, Files: fileSvc, Imports: imp, Folders: imp, Tasks: imp, Webhooks: imp},
		console.Options{PublicURL: base, MaxUploadBytes: maxUpload, Clock: clock,
			FileURL: func(f *ferry.File) string { return httpapi.FileURL(base, f) },
			SignedURL: func(key []byte, f *ferry.File, exp time.Time, size string) string {
				return httpapi.SignedURL(base, key, f, exp, size, false)
			}})
}

// importerService is what the console needs of the task engine.
type importerService interface {
	ferry.ImportService
	ferry.FolderTaskService
	ferry.TaskService
	ferry.WebhookService
}
