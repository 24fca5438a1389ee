package ferry

import (
	"errors"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// ImportInput is an import-from-URL request as the client sent it, before
// validation. Nil means the field was absent.
type ImportInput struct {
	URL               *string
	Access            *string
	FolderID          *string
	FolderPath        *string
	Name              *string
	DuplicateStrategy *string
	DuplicateScope    *string
	Overwrite         *bool
	TTL               *string
	ExpiresAt         *string
}

// URLCheck checks an import's URL against the fetch policy, the one home
// of the rules for URLs, and describes a refusal as a problem with the url
// field; nil means the URL is acceptable.
type URLCheck func(url string) *Detail

// Validate checks every field, the URL with checkURL, and returns the
// request, or an Invalid error that lists every problem found, each naming
// its field.
func (in ImportInput) Validate(now time.Time, checkURL URLCheck) (ImportRequest, error) {
	var (
		req ImportRequest
		p   Problems
	)
	req.URL = validateImportURL(in.URL, checkURL, &p)
	req.Access = validateAccess(in.Access, "access", &p)
	req.FolderID, req.FolderPath = validateFolder(in.FolderID, in.FolderPath, &p)
	if in.Name != nil {
		req.Name = validateName(*in.Name, "name", &p)
	}
	req.DuplicateStrategy, req.DuplicateScope = validateDuplicates(in.DuplicateStrategy, in.DuplicateScope, "", &p)
	if in.Overwrite != nil {
		req.Overwrite = *in.Overwrite
	}
	req.TTL, req.ExpiresAt = validateExpiry(in.TTL, in.ExpiresAt, now, "", &p)
	return req, p.Err()
}

func accessList() string {
	s := make([]string, len(Accesses))
	for i, a := range Accesses {
		s[i] = string(a)
	}
	return strings.Join(s, ", ")
}

func validateImportURL(raw *string, checkURL URLCheck, p *Problems) string {
	if raw == nil || strings.TrimSpace(*raw) == "" {
		p.Add("url", "REQUIRED", "url is required")
		return ""
	}
	s := strings.TrimSpace(*raw)
	if d := checkURL(s); d != nil {
		*p = append(*p, *d)
		return ""
	}
	return s
}

func validateFolder(id, path *string, p *Problems) (FolderID, string) {
	switch {
	case id != nil && path != nil:
		p.Add("folderId", "CONFLICT", "give folderId or folderPath, not both")
	case id == nil && path == nil:
		p.Add("folderPath", "REQUIRED", "one of folderId or folderPath is required")
	case id != nil && *id == "0":
		return 0, "/" // the root folder, as in the folder and file update inputs
	case id != nil:
		return validateFolderID(*id, "folderId", p), ""
	default:
		clean, ok := CleanFolderPath(*path)
		if !ok || strings.TrimSpace(*path) == "" {
			p.Add("folderPath", "INVALID_PATH", "folderPath %q is not a valid folder path", *path)
		}
		return 0, clean
	}
	return 0, ""
}

func validateExpiry(ttl, expiresAt *string, now time.Time, prefix string, p *Problems) (string, time.Time) {
	if ttl != nil && expiresAt != nil {
		p.Add(prefix+"ttl", "CONFLICT", "give ttl or expiresAt, not both")
		return "", time.Time{}
	}
	if ttl != nil {
		// Calendar arithmetic in UTC: a day is a calendar day whatever the
		// caller's zone and its daylight-saving shifts.
		now = now.UTC()
		end, err := AddPeriod(now, *ttl)
		switch {
		case err != nil:
			p.Add(prefix+"ttl", "INVALID_PERIOD", "ttl %q is not an ISO-8601 period such as P1D or P3M", *ttl)
		case end.Before(now.AddDate(0, 0, 1)) || end.After(now.AddDate(1, 0, 0)):
			p.Add(prefix+"ttl", "OUT_OF_RANGE", "ttl %q must be between one day and one year", *ttl)
		default:
			return *ttl, end.UTC().Truncate(time.Millisecond)
		}
		return "", time.Time{}
	}
	if expiresAt != nil {
		t, err := ParseTime(*expiresAt)
		switch {
		case err != nil:
			p.AddTime(prefix+"expiresAt", *expiresAt, err)
		case !t.After(now):
			p.Add(prefix+"expiresAt", "IN_THE_PAST", "expiresAt %q is not in the future", *expiresAt)
		default:
			return "", t.UTC().Truncate(time.Millisecond)
		}
	}
	return "", time.Time{}
}

var periodRE = regexp.MustCompile(`^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$`)

// AddPeriod adds an ISO-8601 period such as "P1Y2M3DT4H" to t.
func AddPeriod(t time.Time, period string) (time.Time, error) {
	m := periodRE.FindStringSubmatch(strings.ToUpper(period))
	if m == nil || period == "P" || strings.HasSuffix(strings.ToUpper(period), "T") {
		return time.Time{}, Invalidf("ttl", "not an ISO-8601 period: %q", period)
	}
	n := make([]int, len(m))
	for i := 1; i < len(m); i++ {
		if m[i] != "" {
			v, err := strconv.Atoi(m[i])
			if err != nil || v > 100000 {
				return time.Time{}, Invalidf("ttl", "period component out of range: %q", period)
			}
			n[i] = v
		}
	}
	t = t.AddDate(n[1], n[2], n[3]*7+n[4])
	return t.Add(time.Duration(n[5])*time.Hour + time.Duration(n[6])*time.Minute + time.Duration(n[7])*time.Second), nil
}

// ParseTime accepts an ISO-8601 date-time (RFC 3339, with or without
// fractional seconds) or a decimal number of Unix epoch milliseconds.
// A time outside [MinTime, MaxTime] is an Invalid error: it is checked
// here, before any arithmetic, so that no route stores a time a client
// cannot read back.
func ParseTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	var t time.Time
	if ms, err := strconv.ParseInt(s, 10, 64); err == nil {
		if ms < MinTime.UnixMilli() || ms > MaxTime.UnixMilli() {
			return time.Time{}, CheckTime("", MaxTime.Add(time.Millisecond))
		}
		t = time.UnixMilli(ms)
	} else if t, err = time.Parse(time.RFC3339Nano, s); err != nil {
		return time.Time{}, Invalidf("", "not an ISO-8601 date-time: %q", s)
	}
	t = t.UTC()
	return t, CheckTime("", t)
}

// AddTime records the problem ParseTime found with the time s of the
// input in: out of range, or not a date-time.
func (p *Problems) AddTime(in, s string, err error) {
	var fe *Error
	if errors.As(err, &fe) && len(fe.Details) == 1 && fe.Details[0].Code == "OUT_OF_RANGE" {
		p.Add(in, "OUT_OF_RANGE", "%s %q is out of range: a time must lie between %s and %s", in, s,
			MinTime.Format(time.RFC3339), MaxTime.Format("2006-01-02T15:04:05.000Z"))
		return
	}
	p.Add(in, "INVALID_DATE", "%s must be an ISO-8601 date-time or epoch milliseconds, got %q", in, s)
}

// RedactURL hides a URL's userinfo (user:password@), so that a source URL
// can be shown without its credentials.
func RedactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return raw
	}
	u.User = url.User("REDACTED")
	return u.String()
}
