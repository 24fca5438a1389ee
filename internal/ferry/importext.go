package ferry

import (
	"net/textproto"
	"regexp"
	"strings"
)

// Limits on an import's source headers.
const (
	MaxSourceHeaders     = 20
	MaxSourceHeaderBytes = 8 << 10 // names and values together
)

// ExpectedInput is the expected object of a Ferry import as sent.
type ExpectedInput struct {
	Size   *int64
	MD5    *string
	SHA256 *string
}

// refusedHeaders are the headers a caller may not set for the origin: they
// belong to the connection, the framing, the encoding or the range
// requests that Ferry makes itself.
var refusedHeaders = map[string]bool{
	"Host": true, "Content-Length": true, "Transfer-Encoding": true, "Connection": true, "Keep-Alive": true,
	"Upgrade": true, "Te": true, "Trailer": true, "Proxy-Authorization": true, "Proxy-Connection": true,
	"Range": true, "If-Range": true, "Accept-Encoding": true, "Expect": true,
}

var headerNameRE = regexp.MustCompile("^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")

// ValidateSourceHeaders checks the headers an import sends to its origin
// and returns them with canonical names.
func ValidateSourceHeaders(in map[string]string, p *Problems) map[string]string {
	if len(in) == 0 {
		return nil
	}
	if len(in) > MaxSourceHeaders {
		p.Add("sourceHeaders", "TOO_MANY", "sourceHeaders may hold at most %d headers, got %d", MaxSourceHeaders, len(in))
		return nil
	}
	out, size := make(map[string]string, len(in)), 0
	for name, value := range in {
		size += len(name) + len(value)
		canon := textproto.CanonicalMIMEHeaderKey(name)
		switch {
		case !headerNameRE.MatchString(name):
			p.Add("sourceHeaders", "INVALID_HEADER_NAME", "sourceHeaders: %q is not a valid header name", name)
		case refusedHeaders[canon] || strings.HasPrefix(canon, "Proxy-"):
			p.Add("sourceHeaders", "HEADER_NOT_ALLOWED", "sourceHeaders: %s is set by Ferry itself and cannot be sent", canon)
		case strings.ContainsAny(value, "\r\n\x00") || strings.TrimSpace(value) != value:
			// The value is not echoed: it is likely a secret.
			p.Add("sourceHeaders", "INVALID_HEADER_VALUE", "sourceHeaders: the value of %s has line breaks, NUL bytes or surrounding spaces", canon)
		case out[canon] != "":
			p.Add("sourceHeaders", "DUPLICATE_HEADER", "sourceHeaders: %s is given twice", canon)
		default:
			out[canon] = value
		}
	}
	if size > MaxSourceHeaderBytes {
		p.Add("sourceHeaders", "TOO_LARGE", "sourceHeaders may hold at most %d bytes of names and values, got %d", MaxSourceHeaderBytes, size)
	}
	return out
}

var (
	md5RE    = regexp.MustCompile("^[0-9a-f]{32}$")
	sha256RE = regexp.MustCompile("^[0-9a-f]{64}$")
)

// ValidateExpected checks the expected size and digests of an import.
func ValidateExpected(in *ExpectedInput, p *Problems) Expected {
	var e Expected
	if in == nil {
		return e
	}
	if in.Size != nil {
		if *in.Size < 0 {
			p.Add("expected.size", "OUT_OF_RANGE", "expected.size must not be negative, got %d", *in.Size)
		} else {
			e.Size = in.Size
		}
	}
	if in.MD5 != nil {
		if v := strings.ToLower(*in.MD5); md5RE.MatchString(v) {
			e.MD5 = v
		} else {
			p.Add("expected.md5", "INVALID_DIGEST", "expected.md5 must be 32 hexadecimal digits")
		}
	}
	if in.SHA256 != nil {
		if v := strings.ToLower(*in.SHA256); sha256RE.MatchString(v) {
			e.SHA256 = v
		} else {
			p.Add("expected.sha256", "INVALID_DIGEST", "expected.sha256 must be 64 hexadecimal digits")
		}
	}
	return e
}
