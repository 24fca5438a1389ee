package httpapi

import (
	"net/http"
)

// readyBody is the answer of GET /readyz: "ok" or "unavailable", and the
// state of each dependency ("ok" or "unavailable"). Causes are logged,
// never sent: they can name hosts and paths.
type readyBody struct {
	Status       string            `json:"status"`
	Dependencies map[string]string `json:"dependencies"`
}

// handleReady serves GET /readyz: 200 when the database and the blob
// store answer, else 503 with Retry-After, naming the one that failed.
// GET /healthz only says that the process serves (liveness).
func (s *server) handleReady(w http.ResponseWriter, r *http.Request) {
	body := readyBody{Status: "ok", Dependencies: map[string]string{}}
	status := http.StatusOK
	for _, st := range s.opts.Ready.States(r.Context()) {
		body.Dependencies[st.Name] = "ok"
		if st.Err != nil {
			s.log.Warn("readiness check failed", "dependency", st.Name, "err", st.Err)
			body.Dependencies[st.Name] = "unavailable"
			body.Status, status = "unavailable", http.StatusServiceUnavailable
		}
	}
	if status != http.StatusOK {
		w.Header().Set("Retry-After", "1")
	}
	encode(w, status, body)
}
