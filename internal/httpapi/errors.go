package httpapi

import (
	"errors"
	"log/slog"
	"net/http"

	"ferry/internal/ferry"
)

// errorBody is HubSpot's Error schema, plus the "status":"error" field that
// real HubSpot responses carry.
type errorBody struct {
	Status        string              `json:"status"`
	Message       string              `json:"message"`
	CorrelationID string              `json:"correlationId"`
	Category      string              `json:"category"`
	SubCategory   string              `json:"subCategory,omitempty"`
	Errors        []errorDetail       `json:"errors,omitempty"`
	Context       map[string][]string `json:"context,omitempty"`
	Links         map[string]string   `json:"links,omitempty"`
}

// errorDetail is HubSpot's ErrorDetail schema.
type errorDetail struct {
	Message     string              `json:"message"`
	In          string              `json:"in,omitempty"`
	Code        string              `json:"code,omitempty"`
	SubCategory string              `json:"subCategory,omitempty"`
	Context     map[string][]string `json:"context,omitempty"`
}

// internalMessage is all a client learns of an internal error.
const internalMessage = "Internal error. Quote the correlationId if you report it."

// writeError writes err as HubSpot's error body. It is the only way a
// handler writes an error. Internal errors are logged with the correlation
// id and shown to the client only as a generic message.
func writeError(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	var fe *ferry.Error
	if !errors.As(err, &fe) {
		fe = &ferry.Error{Kind: ferry.Internal, Err: err}
	}
	cid := correlationID(r.Context())
	if fe.Kind == ferry.Internal {
		// An internal error while a dependency is down is the outage:
		// say so, with Retry-After, rather than blame Ferry.
		if down := readinessFrom(r.Context()).Down(r.Context()); down != nil {
			log.Warn("dependency down", "correlationId", cid, "method", r.Method, "path", r.URL.Path, "err", err, "down", down)
			fe = down.(*ferry.Error)
		}
	}
	if fe.Kind.Status() == http.StatusInternalServerError {
		// Nothing of an internal error reaches the client but the fact.
		log.Error("internal error", "correlationId", cid, "method", r.Method, "path", r.URL.Path, "err", err)
		encode(w, fe.Kind.Status(), errorBody{Status: "error", Message: internalMessage, CorrelationID: cid, Category: ferry.Internal.Category()})
		return
	}
	body := errorBody{Status: "error", Message: fe.Message, CorrelationID: cid,
		Category: fe.Kind.Category(), SubCategory: fe.SubCategory, Context: fe.Context}
	for _, d := range fe.Details {
		body.Errors = append(body.Errors, errorDetail{Message: d.Message, In: d.In, Code: d.Code, SubCategory: d.SubCategory, Context: d.Context})
	}
	if fe.Kind == ferry.Unauthenticated {
		w.Header().Set("X-HubSpot-Auth-Failure", "401 Unauthorized")
	}
	if (fe.Kind == ferry.Unavailable || fe.Kind == ferry.RateLimited) && w.Header().Get("Retry-After") == "" {
		w.Header().Set("Retry-After", "1") // a dependency or a share that comes back soon
	}
	if fe.Kind == ferry.Forbidden {
		body.Links = map[string]string{"scopes": "https://developers.hubspot.com/scopes"}
	}
	encode(w, fe.Kind.Status(), body)
}

// WriteError is writeError for the emulator's control routes, so that
// they answer with the same HubSpot error body as the API.
func WriteError(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	writeError(w, r, log, err)
}

// WriteStatus writes HubSpot's error body with any status, category and
// message: the emulator's injected failures (500, 502, 503, 504).
func WriteStatus(w http.ResponseWriter, r *http.Request, status int, category, message string) {
	encode(w, status, errorBody{Status: "error", Message: message, CorrelationID: correlationID(r.Context()), Category: category})
}
