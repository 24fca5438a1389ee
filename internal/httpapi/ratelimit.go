package httpapi

import "net/http"

// HubSpot's rate-limit policies, as its 429 bodies name them.
const (
	PolicyTenSecondly = "TEN_SECONDLY_ROLLING"
	PolicySecondly    = "SECONDLY"
	PolicyDaily       = "DAILY"
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
