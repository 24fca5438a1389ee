package ferry_test

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"ferry/internal/ferry"
)

func TestCleanFolderPath(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in     string
		want   string
		wantOK bool
	}{
		{"/", "/", true},
		{"", "/", true},
		{"//", "/", true},
		{"/a/b", "/a/b", true},
		{"a/b", "/a/b", true},
		{"/a/b/", "/a/b", true},
		{"//a///b//", "/a/b", true},
		{"/a/./b/.", "/a/b", true},
		{"/library/cat archive", "/library/cat archive", true},
		{"/café/ünï", "/café/ünï", true},
		{"/a/../b", "", false},
		{"..", "", false},
		{"/a/..", "", false},
		{`/a\b`, "", false},
		{"/a\x00b", "", false},
		{"/a\nb", "", false},
		{"/a\x7fb", "", false},
		{"/" + strings.Repeat("x", 255), "/" + strings.Repeat("x", 255), true},
		{"/" + strings.Repeat("x", 256), "", false},
	}
	for _, tc := range tests {
		got, ok := ferry.CleanFolderPath(tc.in)
		if got != tc.want || ok != tc.wantOK {
			t.Errorf("CleanFolderPath(%q)=%q, %v, want %q, %v", tc.in, got, ok, tc.want, tc.wantOK)
		}
	}
}

func TestSplitName(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, name, ext string }{
		{"cat.png", "cat", "png"},
		{"cat.PNG", "cat", "png"},
		{"archive.tar.gz", "archive.tar", "gz"},
		{"README", "README", ""},
		{".env", ".env", ""},
		{"..env", ".", "env"},
		{"trailing.", "trailing", ""},
		{"", "", ""},
		{"My Photo.JPeg", "My Photo", "jpeg"},
	}
	for _, tc := range tests {
		name, ext := ferry.SplitName(tc.in)
		if name != tc.name || ext != tc.ext {
			t.Errorf("SplitName(%q)=%q, %q, want %q, %q", tc.in, name, ext, tc.name, tc.ext)
		}
		if tc.in != "" && tc.ext != "" {
			if got := ferry.JoinName(name, ext); !strings.EqualFold(got, tc.in) {
				t.Errorf("JoinName(SplitName(%q))=%q, want it back up to case", tc.in, got)
			}
		}
	}
}

func TestValidName(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want bool
	}{
		{"cat.png", true},
		{"cat archive (1).png", true},
		{"ünïcødé", true},
		{".env", true},
		{"...", true},
		{strings.Repeat("x", 255), true},
		{strings.Repeat("x", 256), false},
		{"", false},
		{".", false},
		{"..", false},
		{"a/b", false},
		{`a\b`, false},
		{"a\x00b", false},
		{"a\tb", false},
		{"a\x1fb", false},
		{"a\x7fb", false},
	}
	for _, tc := range tests {
		if got := ferry.ValidName(tc.in); got != tc.want {
			t.Errorf("ValidName(%q)=%v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestParseFileID(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want ferry.FileID // 0: invalid
	}{
		{"1", 1},
		{"122692044085", 122692044085},
		{"9223372036854775807", 9223372036854775807},
		{"9223372036854775808", 0},
		{"0", 0},
		{"00", 0},
		{"007", 0},
		{"-1", 0},
		{"+1", 0}, // the spec's pattern is \d+: no sign
		{"1.0", 0},
		{"1e3", 0},
		{" 1", 0},
		{"", 0},
		{"abc", 0},
		{"0x10", 0},
	}
	for _, tc := range tests {
		got, err := ferry.ParseFileID(tc.in, "fileId")
		if tc.want == 0 {
			if err == nil {
				t.Errorf("ParseFileID(%q)=%v, want an error", tc.in, got)
				continue
			}
			if got := problemFields(t, err); !reflect.DeepEqual(got, []string{"fileId"}) {
				t.Errorf("ParseFileID(%q): problems in %q, want %q", tc.in, got, []string{"fileId"})
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("ParseFileID(%q)=%v, %v, want %v", tc.in, got, err, tc.want)
		}
	}
}

func TestAddPeriod(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 1, 31, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		period string
		want   time.Time
	}{
		{"P1D", time.Date(2026, 2, 1, 10, 0, 0, 0, time.UTC)},
		{"p1d", time.Date(2026, 2, 1, 10, 0, 0, 0, time.UTC)},
		{"P1W", time.Date(2026, 2, 7, 10, 0, 0, 0, time.UTC)},
		{"P2W3D", time.Date(2026, 2, 17, 10, 0, 0, 0, time.UTC)},
		{"P3M", time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)}, // April 31st normalises to May 1st
		{"P1Y", time.Date(2027, 1, 31, 10, 0, 0, 0, time.UTC)},
		{"PT36H", time.Date(2026, 2, 1, 22, 0, 0, 0, time.UTC)},
		{"PT90M", time.Date(2026, 1, 31, 11, 30, 0, 0, time.UTC)},
		{"PT1S", time.Date(2026, 1, 31, 10, 0, 1, 0, time.UTC)},
		{"P1Y2M3DT4H5M6S", time.Date(2027, 4, 3, 14, 5, 6, 0, time.UTC)},
		{"P0D", start},
	}
	for _, tc := range tests {
		got, err := ferry.AddPeriod(start, tc.period)
		if err != nil || !got.Equal(tc.want) {
			t.Errorf("AddPeriod(%v, %q)=%v, %v, want %v", start, tc.period, got, err, tc.want)
		}
	}
	for _, bad := range []string{"", "P", "PT", "P1DT", "1D", "P1.5D", "P-1D", "PT1D", "P1H", "P1D1Y", "P100001D", "P99999999999999999999D", "nonsense", " P1D"} {
		if got, err := ferry.AddPeriod(start, bad); err == nil {
			t.Errorf("AddPeriod(%q)=%v, want an error", bad, got)
		} else if k := ferry.KindOf(err); k != ferry.Invalid {
			t.Errorf("AddPeriod(%q): kind %v, want %v", bad, k, ferry.Invalid)
		}
	}
}

func TestParseTime(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want time.Time
	}{
		{"2026-03-01T12:00:00.123Z", time.Date(2026, 3, 1, 12, 0, 0, 123e6, time.UTC)},
		{"2026-03-01T12:00:00Z", time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)},
		{"2026-03-01T12:00:00.5Z", time.Date(2026, 3, 1, 12, 0, 0, 500e6, time.UTC)},
		{"2026-03-01T14:00:00.000+02:00", time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)},
		{" 2026-03-01T12:00:00Z ", time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)},
		{"1772373600123", time.Date(2026, 3, 1, 14, 0, 0, 123e6, time.UTC)},
		{"0", time.Unix(0, 0)},
	}
	for _, tc := range tests {
		got, err := ferry.ParseTime(tc.in)
		if err != nil || !got.Equal(tc.want) {
			t.Errorf("ParseTime(%q)=%v, %v, want %v", tc.in, got, err, tc.want)
			continue
		}
		if got.Location() != time.UTC {
			t.Errorf("ParseTime(%q): location %v, want UTC", tc.in, got.Location())
		}
	}
	for _, bad := range []string{"", "tomorrow", "2026-03-01", "2026-03-01 12:00:00", "12:00:00Z", "1.5e12"} {
		if got, err := ferry.ParseTime(bad); err == nil {
			t.Errorf("ParseTime(%q)=%v, want an error", bad, got)
		} else if k := ferry.KindOf(err); k != ferry.Invalid {
			t.Errorf("ParseTime(%q): kind %v, want %v", bad, k, ferry.Invalid)
		}
	}
}

func TestParseScopes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want []ferry.Scope // nil: invalid
	}{
		{"files", []ferry.Scope{ferry.ScopeFiles}},
		{"files.read files.ui_hidden.write", []ferry.Scope{ferry.ScopeFilesRead, ferry.ScopeHiddenWrite}},
		{"files.read,files.write", []ferry.Scope{ferry.ScopeFilesRead, ferry.ScopeFilesWrite}},
		{" files.delete , files.read ,", []ferry.Scope{ferry.ScopeFilesDelete, ferry.ScopeFilesRead}},
		{"files files files.read files", []ferry.Scope{ferry.ScopeFiles, ferry.ScopeFilesRead}},
		{"files files_ui_hidden.read", nil},
		{"FILES", nil},
		{"crm.objects.contacts.read", nil},
		{"", nil},
		{" , ", nil},
	}
	for _, tc := range tests {
		got, err := ferry.ParseScopes(tc.in)
		if tc.want == nil {
			if err == nil {
				t.Errorf("ParseScopes(%q)=%v, want an error", tc.in, got)
			} else if fields := problemFields(t, err); !reflect.DeepEqual(fields, []string{"scopes"}) {
				t.Errorf("ParseScopes(%q): problems in %q, want %q", tc.in, fields, []string{"scopes"})
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("ParseScopes(%q)=%v, %v, want %v", tc.in, got, err, tc.want)
		}
	}
}

func TestTokenHasAny(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		token []ferry.Scope
		any   []ferry.Scope
		want  bool
	}{
		{"OneOfMany", []ferry.Scope{ferry.ScopeFilesRead}, ferry.ReadScopes, true},
		{"LastOfSet", []ferry.Scope{ferry.ScopeHiddenRead}, ferry.ReadScopes, true},
		{"ReadIsNotWrite", []ferry.Scope{ferry.ScopeFilesRead, ferry.ScopeHiddenRead}, ferry.WriteScopes, false},
		{"FilesIsBoth", []ferry.Scope{ferry.ScopeFiles}, ferry.WriteScopes, true},
		{"NoScopes", nil, ferry.ReadScopes, false},
		{"EmptySet", []ferry.Scope{ferry.ScopeFiles}, nil, false},
	}
	for _, tc := range tests {
		tok := ferry.Token{Scopes: tc.token}
		if got := tok.HasAny(tc.any); got != tc.want {
			t.Errorf("%s: HasAny(%v) with %v=%v, want %v", tc.name, tc.any, tc.token, got, tc.want)
		}
	}
}

func TestAccess(t *testing.T) {
	t.Parallel()
	tests := []struct {
		access                               ferry.Access
		public, hidden, indexable, sensitive bool
	}{
		{ferry.AccessPublicIndexable, true, false, true, false},
		{ferry.AccessPublicNotIndexable, true, false, false, false},
		{ferry.AccessHiddenIndexable, true, true, true, false},
		{ferry.AccessHiddenNotIndexable, true, true, false, false},
		{ferry.AccessPrivate, false, false, false, false},
		{ferry.AccessHiddenPrivate, false, true, false, false},
		{ferry.AccessSensitive, false, false, false, true},
		{ferry.AccessHiddenSensitive, false, true, false, true},
	}
	if len(tests) != len(ferry.Accesses) {
		t.Fatalf("%d cases, want one per access level (%d)", len(tests), len(ferry.Accesses))
	}
	for _, tc := range tests {
		a := tc.access
		if !a.Valid() {
			t.Errorf("%s: Valid=false", a)
		}
		if got := a.Public(); got != tc.public {
			t.Errorf("%s: Public=%v, want %v", a, got, tc.public)
		}
		if got := a.Hidden(); got != tc.hidden {
			t.Errorf("%s: Hidden=%v, want %v", a, got, tc.hidden)
		}
		if got := a.Indexable(); got != tc.indexable {
			t.Errorf("%s: Indexable=%v, want %v", a, got, tc.indexable)
		}
		if got := a.Sensitive(); got != tc.sensitive {
			t.Errorf("%s: Sensitive=%v, want %v", a, got, tc.sensitive)
		}
	}
	for _, bad := range []ferry.Access{"", "public_indexable", "PUBLIC", "HIDDEN_"} {
		if bad.Valid() {
			t.Errorf("Access(%q).Valid=true, want false", bad)
		}
	}
}

func TestIsActive(t *testing.T) {
	t.Parallel()
	tests := []struct {
		ct   string
		want bool
	}{
		{"text/html", true},
		{"text/html; charset=utf-8", true},
		{"TEXT/HTML", true},
		{"image/svg+xml", true},
		{"application/xhtml+xml", true},
		{"text/xml", true},
		{"application/xml", true},
		{"text/javascript", true},
		{"application/javascript", true},
		{"image/png", false},
		{"text/plain; charset=utf-8", false},
		{"application/pdf", false},
		{"application/octet-stream", false},
		{"", false},
	}
	for _, tc := range tests {
		if got := ferry.IsActive(tc.ct); got != tc.want {
			t.Errorf("IsActive(%q)=%v, want %v", tc.ct, got, tc.want)
		}
	}
}

func TestNewTaskIDNeverLooksLikeAFlag(t *testing.T) {
	t.Parallel()
	for range 2000 {
		id := string(ferry.NewTaskID())
		if len(id) != 22 || id[0] == '-' || id[0] == '_' {
			t.Fatalf("NewTaskID()=%q, want 22 URL-safe characters not starting with - or _", id)
		}
	}
}
