package ferry

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// NormalizeName is the one rule for every name and path that enters
// Ferry: upload, import, PATCH, folders, stat, search and the file host.
// It returns s in Unicode normalization form C, so that "é" composed and
// decomposed are one name. Whether the result may be a name is ValidName's
// to say.
func NormalizeName(s string) string { return norm.NFC.String(s) }

// invisible reports whether r is a bidirectional control or another
// invisible format character (Unicode category Cf), which could make one
// name look like another: U+202E turns "cod.exe" around. The joiners
// U+200C and U+200D are kept: scripts and emoji need them.
func invisible(r rune) bool {
	return unicode.Is(unicode.Cf, r) && r != 0x200C && r != 0x200D
}

// HasInvisible reports whether s holds a character invisible refuses.
func HasInvisible(s string) bool { return strings.IndexFunc(s, invisible) >= 0 }

// StripInvisible removes the characters invisible refuses, for names
// stored before the rule existed.
func StripInvisible(s string) string {
	return strings.Map(func(r rune) rune {
		if invisible(r) {
			return -1
		}
		return r
	}, s)
}
