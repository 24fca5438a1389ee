package ferry

import "mime"

// activeTypes are media types that a browser runs as a document. They are
// only ever served as what the bytes say they are, never as a declared or
// extension type, and the host serves them as attachments.
var activeTypes = []string{"text/html", "image/svg+xml", "application/xhtml+xml", "text/xml", "application/xml", "text/javascript", "application/javascript"}

// IsActive reports whether a media type is one a browser would run.
func IsActive(contentType string) bool {
	mt, _, _ := mime.ParseMediaType(contentType)
	for _, a := range activeTypes {
		if mt == a {
			return true
		}
	}
	return false
}
