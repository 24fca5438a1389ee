package fetch

import (
	"fmt"
	"strings"
	"time"
)

// Code names one way a fetch can fail. The values are stable: they are
// stored with failed import tasks and documented in docs/fetch-errors.md.
type Code string

// The error vocabulary. Each code's meaning, the HTTP status an import
// task reports for it, and retry advice are listed in docs/fetch-errors.md.
const (
	CodeInvalidURL        Code = "INVALID_URL"
	CodeURLTooLong        Code = "URL_TOO_LONG"
	CodeSchemeNotAllowed  Code = "SCHEME_NOT_ALLOWED"
	CodePortNotAllowed    Code = "PORT_NOT_ALLOWED"
	CodeAddressNotAllowed Code = "ADDRESS_NOT_ALLOWED"
	CodeDNSFailure        Code = "DNS_FAILURE"
	CodeConnectionRefused Code = "CONNECTION_REFUSED"
	CodeConnectionReset   Code = "CONNECTION_RESET"
	CodeTLSFailure        Code = "TLS_FAILURE"
	CodeConnectTimeout    Code = "CONNECT_TIMEOUT"
	CodeFirstByteTimeout  Code = "FIRST_BYTE_TIMEOUT"
	CodeIdleTimeout       Code = "IDLE_TIMEOUT"
	CodeTotalTimeout      Code = "TOTAL_TIMEOUT"
	CodeTooLarge          Code = "TOO_LARGE"
	CodeTooManyRedirects  Code = "TOO_MANY_REDIRECTS"
	CodeRedirectLoop      Code = "REDIRECT_LOOP"
	CodeOriginClientError Code = "ORIGIN_CLIENT_ERROR" // 4xx except 429
	CodeOriginRateLimited Code = "ORIGIN_RATE_LIMITED" // 429
	CodeOriginServerError Code = "ORIGIN_SERVER_ERROR" // 5xx
	CodeBodyTruncated     Code = "BODY_TRUNCATED"      // fewer bytes than announced, or the stream broke mid-body
	CodeProtocolError     Code = "PROTOCOL_ERROR"      // the origin did not speak HTTP correctly
	CodeCanceled          Code = "CANCELED"            // the caller's context ended; not the origin's fault
)

// Context keys used in Error.Context.
const (
	KeyURL           = "url"           // the URL being fetched, redacted
	KeyAddress       = "address"       // the refused or failing IP address
	KeyHost          = "host"          // the host name involved
	KeyPort          = "port"          // the port involved
	KeyScheme        = "scheme"        // the refused scheme
	KeyReason        = "reason"        // why an address was refused, e.g. "loopback"
	KeyStatusCode    = "statusCode"    // the origin's final HTTP status
	KeyBytesReceived = "bytesReceived" // body bytes received before the failure
	KeyContentLength = "contentLength" // the origin's Content-Length
	KeyLimit         = "limit"         // the limit that was exceeded (bytes or redirects)
	KeyLength        = "length"        // the URL's length
	KeyRedirects     = "redirects"     // redirects followed before the failure
	KeyTimeout       = "timeout"       // the timeout that expired, e.g. "30s"
	KeyRetryAfter    = "retryAfter"    // seconds, from Retry-After
)

// Error is the only error type returned by this package. Message and
// Context are safe to show to API clients: they never contain URL
// userinfo. Err is the cause, for logs, and is scrubbed of userinfo too.
type Error struct {
	Code       Code
	Message    string            // short English sentence
	Context    map[string]string // facts; see the Key constants
	Transient  bool              // retrying later may succeed
	RetryAfter time.Duration     // from Retry-After on 429/503, capped at one hour
	Err        error             // the cause, may be nil
}

// Error implements error.
func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "fetch: %s: %s", e.Code, e.Message)
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// transientCodes are the codes whose errors are worth retrying by default.
// DNS_FAILURE and ORIGIN_CLIENT_ERROR are decided per error.
var transientCodes = map[Code]bool{
	CodeConnectionRefused: true, CodeConnectionReset: true,
	CodeConnectTimeout: true, CodeFirstByteTimeout: true,
	CodeIdleTimeout: true, CodeOriginRateLimited: true,
	CodeOriginServerError: true, CodeBodyTruncated: true,
	CodeCanceled: true,
}

// newError builds an *Error with the default Transient for code.
func newError(code Code, msg string, cause error, kv ...string) *Error {
	e := &Error{Code: code, Message: msg, Err: cause, Transient: transientCodes[code]}
	e.set(kv...)
	return e
}

// set adds key/value pairs to the context.
func (e *Error) set(kv ...string) *Error {
	if len(kv) == 0 {
		return e
	}
	if e.Context == nil {
		e.Context = make(map[string]string, len(kv)/2+2)
	}
	for i := 0; i+1 < len(kv); i += 2 {
		e.Context[kv[i]] = kv[i+1]
	}
	return e
}

// setDefault adds a key only when it is not already present.
func (e *Error) setDefault(key, value string) {
	if _, ok := e.Context[key]; !ok {
		e.set(key, value)
	}
}
