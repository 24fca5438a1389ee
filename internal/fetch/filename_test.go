package fetch_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"ferry/internal/fetch"
)

func TestFileNameFromDisposition(t *testing.T) {
	t.Parallel()

	long := strings.Repeat("a", 300)
	euros := strings.Repeat("€", 100) // 300 bytes
	tests := []struct {
		name, header, want string
	}{
		{name: "Absent", header: "", want: ""},
		{name: "NoFilename", header: "attachment", want: ""},
		{name: "Inline", header: "inline", want: ""},
		{name: "Quoted", header: `attachment; filename="report.pdf"`, want: "report.pdf"},
		{name: "Token", header: "attachment; filename=report.pdf", want: "report.pdf"},
		{name: "ExtendedPreferred", header: `attachment; filename="EUR rates.txt"; filename*=UTF-8''%E2%82%AC%20rates.txt`, want: "€ rates.txt"},
		{name: "ExtendedFirst", header: `attachment; filename*=UTF-8''%E2%82%AC.txt; filename="fallback.txt"`, want: "€.txt"},
		{name: "ExtendedOnly", header: `attachment; filename*=UTF-8''%E2%82%AC.txt`, want: "€.txt"},
		{name: "ExtendedLatin1", header: `attachment; filename*=ISO-8859-1''caf%E9.txt; x=/`, want: "café.txt"},
		{name: "ExtendedUnknownCharset", header: `attachment; filename*=KOI8-R''%C1.txt; filename="plain.txt"`, want: "plain.txt"},
		{name: "TraversalQuoted", header: `attachment; filename="../../etc/passwd"`, want: "passwd"},
		{name: "TraversalUnquoted", header: "attachment; filename=../../etc/passwd", want: "passwd"},
		{name: "TraversalExtended", header: `attachment; filename*=UTF-8''..%2F..%2Fetc%2Fpasswd`, want: "passwd"},
		{name: "WindowsPath", header: `attachment; filename="C:\\Users\\x\\evil.exe"`, want: "evil.exe"},
		{name: "BackslashUnquoted", header: `attachment; filename=..\..\boot.ini`, want: "boot.ini"},
		{name: "NulByte", header: "attachment; filename=\"a\x00b\"", want: "ab"},
		{name: "EncodedControls", header: `attachment; filename*=UTF-8''a%00b%0D%0Ac%1B.txt`, want: "abc.txt"},
		{name: "RightToLeftOverride", header: `attachment; filename*=UTF-8''invoice%E2%80%AEfdp.exe`, want: "invoicefdp.exe"},
		{name: "DotDot", header: `attachment; filename=".."`, want: ""},
		{name: "Dot", header: `attachment; filename="."`, want: ""},
		{name: "OnlySlash", header: `attachment; filename="/"`, want: ""},
		{name: "HiddenFile", header: `attachment; filename=".bashrc"`, want: "bashrc"},
		{name: "TrailingDotsAndSpaces", header: `attachment; filename="  notes.txt. . "`, want: "notes.txt"},
		{name: "Con", header: `attachment; filename="CON"`, want: "_CON"},
		{name: "NulWithExtension", header: `attachment; filename="nul.txt"`, want: "_nul.txt"},
		{name: "Com1", header: `attachment; filename="com1.tar.gz"`, want: "_com1.tar.gz"},
		{name: "LptSuperscript", header: `attachment; filename*=UTF-8''LPT%C2%B9`, want: "_LPT¹"},
		{name: "NotReserved", header: `attachment; filename="console.log"`, want: "console.log"},
		{name: "WindowsForbiddenChars", header: `attachment; filename="a<b>c:d|e?f*.txt"`, want: "a_b_c_d_e_f_.txt"},
		{name: "InvalidUTF8", header: "attachment; filename=\"a\xffb.txt\"", want: "ab.txt"},
		{name: "LongKeepsExtension", header: `attachment; filename="` + long + `.pdf"`, want: long[:251] + ".pdf"},
		{name: "LongMultibyte", header: `attachment; filename*=UTF-8''` + strings.Repeat("%E2%82%AC", 100) + ".txt", want: euros[:249] + ".txt"},
		{name: "LongHugeExtension", header: `attachment; filename="x.` + long + `"`, want: ("x." + long)[:255]},
		{name: "Garbage", header: `;;;=;filename`, want: ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := fetch.FileNameFromDisposition(tc.header)
			if got != tc.want {
				t.Fatalf("FileNameFromDisposition(%q)=%q, want %q", tc.header, got, tc.want)
			}
			if len(got) > 255 || !utf8.ValidString(got) {
				t.Fatalf("result %q is %d bytes or not UTF-8", got, len(got))
			}
		})
	}
}

func FuzzSanitizeFileName(f *testing.F) {
	for _, s := range []string{"../../etc/passwd", "a\x00b", "CON", "..", "€.txt", strings.Repeat("é", 200)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		got := fetch.SanitizeFileName(name)
		if len(got) > 255 || !utf8.ValidString(got) {
			t.Fatalf("SanitizeFileName(%q)=%q: too long or not UTF-8", name, got)
		}
		if strings.ContainsAny(got, `/\`) || strings.HasPrefix(got, ".") || got != strings.TrimSpace(got) {
			t.Fatalf("SanitizeFileName(%q)=%q: unsafe", name, got)
		}
		if again := fetch.SanitizeFileName(got); again != got {
			t.Fatalf("SanitizeFileName is not idempotent: %q then %q", got, again)
		}
	})
}
