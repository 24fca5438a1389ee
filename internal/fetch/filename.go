package fetch

import (
	"mime"
	"net/url"
	"path"
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxFileNameBytes is the longest name SanitizeFileName returns.
const maxFileNameBytes = 255

// FileNameFromDisposition returns the file name carried by a
// Content-Disposition header value, preferring the RFC 5987 filename*
// form over filename, sanitized with SanitizeFileName. It returns "" when
// there is no name or nothing safe remains of it.
func FileNameFromDisposition(header string) string {
	if strings.TrimSpace(header) == "" {
		return ""
	}
	return SanitizeFileName(dispositionName(header))
}

// dispositionName extracts the raw name. Origins often send headers the
// strict parser refuses (an unquoted path, a stray byte), so a lenient
// parse follows a failed strict one.
func dispositionName(header string) string {
	if _, params, err := mime.ParseMediaType(header); err == nil {
		// ParseMediaType stores a decoded filename* under "filename".
		return params["filename"]
	}
	var plain, extended string
	for _, part := range strings.Split(header, ";") {
		key, value, ok := strings.Cut(part, "=")
		if !ok {
			continue
		}
		switch strings.ToLower(strings.TrimSpace(key)) {
		case "filename":
			plain = unquote(strings.TrimSpace(value))
		case "filename*":
			extended = decodeExtValue(strings.TrimSpace(value))
		}
	}
	if extended != "" {
		return extended
	}
	return plain
}

// unquote removes surrounding double quotes and backslash escapes.
func unquote(s string) string {
	if len(s) < 2 || s[0] != '"' || s[len(s)-1] != '"' {
		return s
	}
	s = s[1 : len(s)-1]
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// decodeExtValue decodes an RFC 5987 value: charset'language'%XX-text.
// UTF-8, US-ASCII and ISO-8859-1 are understood; anything else gives "".
func decodeExtValue(v string) string {
	parts := strings.SplitN(v, "'", 3)
	if len(parts) != 3 {
		return ""
	}
	text, err := url.PathUnescape(parts[2])
	if err != nil {
		return ""
	}
	switch strings.ToLower(parts[0]) {
	case "utf-8", "us-ascii":
		return text
	case "iso-8859-1":
		runes := make([]rune, 0, len(text))
		for i := 0; i < len(text); i++ {
			runes = append(runes, rune(text[i]))
		}
		return string(runes)
	}
	return ""
}

// SanitizeFileName makes an untrusted name safe to store and to offer for
// download: it keeps only the last path element (either separator),
// removes control and invisible formatting characters, replaces
// characters Windows forbids, trims spaces and leading and trailing dots,
// prefixes Windows device names (CON, NUL, COM1...) with "_" and cuts the
// result to 255 bytes, keeping a short extension. It returns "" when
// nothing is left.
func SanitizeFileName(name string) string {
	name = strings.ToValidUTF8(name, "")
	name = strings.ReplaceAll(name, `\`, "/")
	name = name[strings.LastIndexByte(name, '/')+1:]
	name = strings.Map(cleanRune, name)
	name = trimName(name)
	if isWindowsDevice(name) {
		name = "_" + name
	}
	return trimName(truncateName(name, maxFileNameBytes))
}

// cleanRune drops control and format characters (which include the
// right-to-left override used to disguise extensions) and replaces the
// characters Windows refuses in names.
func cleanRune(r rune) rune {
	switch {
	case unicode.IsControl(r), unicode.Is(unicode.Cf, r), r == utf8.RuneError:
		return -1
	case strings.ContainsRune(`<>:"|?*`, r):
		return '_'
	}
	return r
}

// trimName trims spaces everywhere, dots at the start (hidden files, "..")
// and dots at the end (which Windows silently drops).
func trimName(s string) string {
	for {
		t := strings.TrimSpace(s)
		t = strings.TrimLeft(t, ".")
		t = strings.TrimRight(t, ". ")
		if t == s {
			return s
		}
		s = t
	}
}

// windowsDevices are the reserved device names, compared without case.
var windowsDevices = map[string]bool{
	"con": true, "prn": true, "aux": true, "nul": true, "conin$": true, "conout$": true,
	"com0": true, "com1": true, "com2": true, "com3": true, "com4": true, "com5": true,
	"com6": true, "com7": true, "com8": true, "com9": true, "com¹": true, "com²": true, "com³": true,
	"lpt0": true, "lpt1": true, "lpt2": true, "lpt3": true, "lpt4": true, "lpt5": true,
	"lpt6": true, "lpt7": true, "lpt8": true, "lpt9": true, "lpt¹": true, "lpt²": true, "lpt³": true,
}

// isWindowsDevice reports names Windows treats as devices, with or
// without an extension ("nul.txt" is NUL).
func isWindowsDevice(name string) bool {
	stem, _, _ := strings.Cut(name, ".")
	return windowsDevices[strings.ToLower(strings.TrimRight(stem, " "))]
}

// truncateName cuts name to limit bytes on a rune boundary, keeping an
// extension of up to 16 bytes.
func truncateName(name string, limit int) string {
	if len(name) <= limit {
		return name
	}
	ext := path.Ext(name)
	if len(ext) > 16 || len(ext) == len(name) {
		ext = ""
	}
	stem := name[:len(name)-len(ext)]
	cut := limit - len(ext)
	for cut > 0 && !utf8.RuneStart(stem[cut]) {
		cut--
	}
	return stem[:cut] + ext
}
