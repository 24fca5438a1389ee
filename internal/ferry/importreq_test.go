package ferry_test

import (
	"errors"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // America/New_York for the DST case

	"ferry/internal/ferry"
	"ferry/internal/fetch"
)

// validateNow is the "now" every Validate case runs at.
var validateNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func ptr[T any](v T) *T { return &v }

// policyURLCheck checks URLs with the fetcher's default policy, as the
// task engine does.
func policyURLCheck(raw string) *ferry.Detail {
	f, err := fetch.New(fetch.Config{})
	if err != nil {
		panic(err)
	}
	var fe *fetch.Error
	if !errors.As(f.CheckURL(raw), &fe) {
		return nil
	}
	return &ferry.Detail{In: "url", Code: string(fe.Code), Message: fe.Message}
}

// validImport returns an input that passes validation; cases change one
// field at a time.
func validImport() ferry.ImportInput {
	return ferry.ImportInput{
		URL:        ptr("https://example.com/cat.png"),
		Access:     ptr("PUBLIC_NOT_INDEXABLE"),
		FolderPath: ptr("/library/cats"),
	}
}

// problemFields returns the In of every Detail of err, which must be an
// Invalid *ferry.Error, or nil if err is nil.
func problemFields(tb testing.TB, err error) []string {
	tb.Helper()
	if err == nil {
		return nil
	}
	var fe *ferry.Error
	if !errors.As(err, &fe) {
		tb.Fatalf("err=%T %v, want a *ferry.Error", err, err)
	}
	if fe.Kind != ferry.Invalid {
		tb.Errorf("Kind=%v, want %v", fe.Kind, ferry.Invalid)
	}
	var in []string
	for _, d := range fe.Details {
		if d.Message == "" || d.Code == "" {
			tb.Errorf("detail %+v: want a message and a code", d)
		}
		in = append(in, d.In)
	}
	return in
}

func TestImportInputValidate(t *testing.T) {
	t.Parallel()
	longURL := func(n int) *string {
		prefix := "https://example.com/"
		return ptr(prefix + strings.Repeat("a", n-len(prefix)))
	}
	tests := []struct {
		name   string
		change func(in *ferry.ImportInput)
		want   []string // the In of each problem; nil: valid
	}{
		{"Valid", func(in *ferry.ImportInput) {}, nil},
		{"MissingURL", func(in *ferry.ImportInput) { in.URL = nil }, []string{"url"}},
		{"BlankURL", func(in *ferry.ImportInput) { in.URL = ptr("  ") }, []string{"url"}},
		{"RelativeURL", func(in *ferry.ImportInput) { in.URL = ptr("/cat.png") }, []string{"url"}},
		{"HostlessURL", func(in *ferry.ImportInput) { in.URL = ptr("https:///cat.png") }, []string{"url"}},
		{"FTPScheme", func(in *ferry.ImportInput) { in.URL = ptr("ftp://example.com/cat.png") }, []string{"url"}},
		{"HTTPScheme", func(in *ferry.ImportInput) { in.URL = ptr("http://example.com/cat.png") }, nil},
		{"URLAtLimit", func(in *ferry.ImportInput) { in.URL = longURL(fetch.DefaultMaxURLLength) }, nil},
		{"URLOverLimit", func(in *ferry.ImportInput) { in.URL = longURL(fetch.DefaultMaxURLLength + 1) }, []string{"url"}},
		{"MissingAccess", func(in *ferry.ImportInput) { in.Access = nil }, []string{"access"}},
		{"BadAccess", func(in *ferry.ImportInput) { in.Access = ptr("public_indexable") }, []string{"access"}},
		{"FolderIDAndPath", func(in *ferry.ImportInput) { in.FolderID = ptr("12") }, []string{"folderId"}},
		{"NoFolder", func(in *ferry.ImportInput) { in.FolderPath = nil }, []string{"folderPath"}},
		{"FolderID", func(in *ferry.ImportInput) { in.FolderPath, in.FolderID = nil, ptr("12") }, nil},
		{"NonNumericFolderID", func(in *ferry.ImportInput) { in.FolderPath, in.FolderID = nil, ptr("abc") }, []string{"folderId"}},
		{"ZeroFolderIDIsTheRoot", func(in *ferry.ImportInput) { in.FolderPath, in.FolderID = nil, ptr("0") }, nil},
		{"LeadingZeroFolderID", func(in *ferry.ImportInput) { in.FolderPath, in.FolderID = nil, ptr("007") }, []string{"folderId"}},
		{"NegativeFolderID", func(in *ferry.ImportInput) { in.FolderPath, in.FolderID = nil, ptr("-3") }, []string{"folderId"}},
		{"DotDotFolderPath", func(in *ferry.ImportInput) { in.FolderPath = ptr("/a/../b") }, []string{"folderPath"}},
		{"EmptyFolderPath", func(in *ferry.ImportInput) { in.FolderPath = ptr("") }, []string{"folderPath"}},
		{"RootFolderPath", func(in *ferry.ImportInput) { in.FolderPath = ptr("/") }, nil},
		{"Name", func(in *ferry.ImportInput) { in.Name = ptr("cat.png") }, nil},
		{"NameWithSlash", func(in *ferry.ImportInput) { in.Name = ptr("a/cat.png") }, []string{"name"}},
		{"BlankName", func(in *ferry.ImportInput) { in.Name = ptr("  ") }, []string{"name"}},
		{"Strategies", func(in *ferry.ImportInput) {
			in.DuplicateStrategy, in.DuplicateScope = ptr("RETURN_EXISTING"), ptr("EXACT_FOLDER")
		}, nil},
		{"BadStrategy", func(in *ferry.ImportInput) { in.DuplicateStrategy = ptr("ALWAYS") }, []string{"duplicateValidationStrategy"}},
		{"BadScope", func(in *ferry.ImportInput) { in.DuplicateScope = ptr("FOLDER") }, []string{"duplicateValidationScope"}},
		{"TTLOneDay", func(in *ferry.ImportInput) { in.TTL = ptr("P1D") }, nil},
		{"TTLOneYear", func(in *ferry.ImportInput) { in.TTL = ptr("P1Y") }, nil},
		{"TTLOneHour", func(in *ferry.ImportInput) { in.TTL = ptr("PT1H") }, []string{"ttl"}},
		{"TTLTwoYears", func(in *ferry.ImportInput) { in.TTL = ptr("P2Y") }, []string{"ttl"}},
		{"TTLNonsense", func(in *ferry.ImportInput) { in.TTL = ptr("nonsense") }, []string{"ttl"}},
		{"TTLAndExpiresAt", func(in *ferry.ImportInput) { in.TTL, in.ExpiresAt = ptr("P1D"), ptr("2027-01-01T00:00:00Z") }, []string{"ttl"}},
		{"ExpiresAtISO", func(in *ferry.ImportInput) { in.ExpiresAt = ptr("2026-03-02T00:00:00.000Z") }, nil},
		{"ExpiresAtEpochMillis", func(in *ferry.ImportInput) {
			in.ExpiresAt = ptr(strconv.FormatInt(validateNow.Add(time.Hour).UnixMilli(), 10))
		}, nil},
		{"ExpiresAtPast", func(in *ferry.ImportInput) { in.ExpiresAt = ptr("2026-02-28T12:00:00Z") }, []string{"expiresAt"}},
		{"ExpiresAtNow", func(in *ferry.ImportInput) { in.ExpiresAt = ptr("2026-03-01T12:00:00Z") }, []string{"expiresAt"}},
		{"ExpiresAtNonsense", func(in *ferry.ImportInput) { in.ExpiresAt = ptr("tomorrow") }, []string{"expiresAt"}},
		{"EveryProblemAtOnce", func(in *ferry.ImportInput) {
			*in = ferry.ImportInput{
				URL: ptr("ftp://example.com/x"), Access: ptr("OPEN"), FolderID: ptr("1"), FolderPath: ptr("/a"),
				Name: ptr("a/b"), DuplicateStrategy: ptr("X"), DuplicateScope: ptr("Y"), TTL: ptr("PT1S"),
			}
		}, []string{"url", "access", "folderId", "name", "duplicateValidationStrategy", "duplicateValidationScope", "ttl"}},
		{"EveryRequiredFieldMissing", func(in *ferry.ImportInput) { *in = ferry.ImportInput{} }, []string{"url", "access", "folderPath"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			in := validImport()
			tc.change(&in)
			_, err := in.Validate(validateNow, policyURLCheck)
			if got := problemFields(t, err); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("problems in %q, want %q (err: %v)", got, tc.want, err)
			}
		})
	}
}

func TestImportInputValidateResult(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		change func(in *ferry.ImportInput)
		want   ferry.ImportRequest
	}{
		{"Defaults", func(in *ferry.ImportInput) {}, ferry.ImportRequest{
			URL: "https://example.com/cat.png", Access: ferry.AccessPublicNotIndexable, FolderPath: "/library/cats",
			DuplicateStrategy: ferry.DuplicateNone, DuplicateScope: ferry.ScopeEntirePortal}},
		{"Everything", func(in *ferry.ImportInput) {
			*in = ferry.ImportInput{URL: ptr(" http://example.com/a "), Access: ptr("PRIVATE"), FolderID: ptr("42"),
				Name: ptr(" cat.png "), DuplicateStrategy: ptr("REJECT"), DuplicateScope: ptr("EXACT_FOLDER"),
				Overwrite: ptr(true), TTL: ptr("P1D")}
		}, ferry.ImportRequest{
			URL: "http://example.com/a", Access: ferry.AccessPrivate, FolderID: 42, Name: "cat.png",
			DuplicateStrategy: ferry.DuplicateReject, DuplicateScope: ferry.ScopeExactFolder, Overwrite: true,
			TTL: "P1D", ExpiresAt: validateNow.Add(24 * time.Hour)}},
		{"CleansFolderPath", func(in *ferry.ImportInput) { in.FolderPath = ptr("library//cats/") }, ferry.ImportRequest{
			URL: "https://example.com/cat.png", Access: ferry.AccessPublicNotIndexable, FolderPath: "/library/cats",
			DuplicateStrategy: ferry.DuplicateNone, DuplicateScope: ferry.ScopeEntirePortal}},
		{"ExpiresAtEpochMillis", func(in *ferry.ImportInput) { in.ExpiresAt = ptr("1772373600123") }, ferry.ImportRequest{
			URL: "https://example.com/cat.png", Access: ferry.AccessPublicNotIndexable, FolderPath: "/library/cats",
			DuplicateStrategy: ferry.DuplicateNone, DuplicateScope: ferry.ScopeEntirePortal,
			ExpiresAt: time.Date(2026, 3, 1, 14, 0, 0, 123e6, time.UTC)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			in := validImport()
			tc.change(&in)
			got, err := in.Validate(validateNow, policyURLCheck)
			if err != nil {
				t.Fatalf("Validate: %v", err)
			}
			if !got.ExpiresAt.Equal(tc.want.ExpiresAt) {
				t.Errorf("ExpiresAt=%v, want %v", got.ExpiresAt, tc.want.ExpiresAt)
			}
			got.ExpiresAt, tc.want.ExpiresAt = time.Time{}, time.Time{}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Validate=%+v\nwant %+v", got, tc.want)
			}
		})
	}
}

// A ttl is a calendar period: "P1D" is one day even when the server's
// clock is in a zone whose day is 23 hours long (spring DST change), and
// "P1Y" is one year even if DST makes that year an hour longer than 366
// days of 24 hours. The HTTP layer passes time.Now(), which is in the
// server's local zone.
func TestImportInputValidateTTLAcrossDST(t *testing.T) {
	t.Parallel()
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatalf("LoadLocation: %v", err)
	}
	tests := []struct {
		name string
		ttl  string
		now  time.Time
	}{
		{"OneDayBeforeSpringForward", "P1D", time.Date(2026, 3, 7, 12, 0, 0, 0, ny)},
		{"OneYearIntoLongerYear", "P1Y", time.Date(2027, 11, 6, 12, 0, 0, 0, ny)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			in := validImport()
			in.TTL = &tc.ttl
			if _, err := in.Validate(tc.now, policyURLCheck); err != nil {
				t.Errorf("Validate(ttl %s at %v): %v, want it accepted", tc.ttl, tc.now, err)
			}
		})
	}
}
