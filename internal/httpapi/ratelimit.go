package httpapi

import (
	"net/http"
	"strconv"

	"ferry/internal/ferry"
	"ferry/internal/ratelimit"
)

// HubSpot's rate-limit policies, as its 429 bodies name them.
const (
	PolicyTenSecondly = ratelimit.TenSecondly
	PolicySecondly    = ratelimit.Secondly
	PolicyDaily       = ratelimit.Daily
)

// PolicyMessages are the messages of HubSpot's 429 bodies. HubSpot's Node
// SDK retries a 429 only with policyName TEN_SECONDLY_ROLLING or the
// secondly message, so both must be exactly these.
var PolicyMessages = map[string]string{
	PolicyTenSecondly: "You have reached your ten_secondly_rolling limit.",
	PolicySecondly:    "You have reached your secondly limit.",
	PolicyDaily:       "You have reached your daily limit.",
}

// rateLimitGroup is the groupName of Ferry's 429 bodies.
const rateLimitGroup = "ferry-files-api"

// rateLimitBody is HubSpot's 429 body: errorType, policyName and
// groupName as seen in real answers, plus the category RATE_LIMITS that
// HubSpot's Error schema requires of every error body.
type rateLimitBody struct {
	Status        string `json:"status"`
	Message       string `json:"message"`
	ErrorType     string `json:"errorType"`
	CorrelationID string `json:"correlationId"`
	Category      string `json:"category"`
	PolicyName    string `json:"policyName"`
	GroupName     string `json:"groupName"`
}

// WriteRateLimited answers 429 with HubSpot's body for policy.
func WriteRateLimited(w http.ResponseWriter, r *http.Request, policy string) {
	encode(w, http.StatusTooManyRequests, rateLimitBody{Status: "error", Message: PolicyMessages[policy], ErrorType: "RATE_LIMIT",
		CorrelationID: correlationID(r.Context()), Category: "RATE_LIMITS", PolicyName: policy, GroupName: rateLimitGroup})
}

// rateLimited counts each call against its portal's quotas, reports them
// in HubSpot's X-HubSpot-RateLimit-* headers, and refuses a call over a
// quota with 429. It runs after authentication.
func (s *server) rateLimited(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok, _ := ferry.TokenFrom(r.Context())
		res := s.opts.RateLimit.Take(tok.Portal)
		h, l := w.Header(), res.Limits
		if l.TenSecondly > 0 {
			h.Set("X-HubSpot-RateLimit-Max", strconv.Itoa(l.TenSecondly))
			h.Set("X-HubSpot-RateLimit-Remaining", strconv.Itoa(res.TenSecondlyRemaining))
			h.Set("X-HubSpot-RateLimit-Interval-Milliseconds", "10000")
		}
		if l.Secondly > 0 {
			h.Set("X-HubSpot-RateLimit-Secondly", strconv.Itoa(l.Secondly))
			h.Set("X-HubSpot-RateLimit-Secondly-Remaining", strconv.Itoa(res.SecondlyRemaining))
		}
		if l.Daily > 0 {
			h.Set("X-HubSpot-RateLimit-Daily", strconv.Itoa(l.Daily))
			h.Set("X-HubSpot-RateLimit-Daily-Remaining", strconv.Itoa(res.DailyRemaining))
		}
		if !res.Allowed {
			WriteRateLimited(w, r, res.Policy)
			return
		}
		next.ServeHTTP(w, r)
	})
}
