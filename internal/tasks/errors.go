package tasks

import (
	"cmp"
	"errors"
	"fmt"

	"ferry/internal/ferry"
	"ferry/internal/fetch"
)

// fetchKinds classifies every way a fetch can fail in Ferry's error
// vocabulary: a URL that the policy refuses is Invalid, a file over the
// limit TooLarge, a timeout OriginTimeout, a fetch we stopped ourselves
// Unavailable, and anything the origin did wrong OriginFailed. The code
// itself becomes the task error's subCategory.
var fetchKinds = map[fetch.Code]ferry.Kind{
	fetch.CodeInvalidURL:        ferry.Invalid,
	fetch.CodeURLTooLong:        ferry.Invalid,
	fetch.CodeSchemeNotAllowed:  ferry.Invalid,
	fetch.CodePortNotAllowed:    ferry.Invalid,
	fetch.CodeAddressNotAllowed: ferry.Invalid,
	fetch.CodeTooLarge:          ferry.TooLarge,
	fetch.CodeConnectTimeout:    ferry.OriginTimeout,
	fetch.CodeFirstByteTimeout:  ferry.OriginTimeout,
	fetch.CodeIdleTimeout:       ferry.OriginTimeout,
	fetch.CodeTotalTimeout:      ferry.OriginTimeout,
	fetch.CodeCanceled:          ferry.Unavailable,
	fetch.CodeDNSFailure:        ferry.OriginFailed,
	fetch.CodeConnectionRefused: ferry.OriginFailed,
	fetch.CodeConnectionReset:   ferry.OriginFailed,
	fetch.CodeTLSFailure:        ferry.OriginFailed,
	fetch.CodeTooManyRedirects:  ferry.OriginFailed,
	fetch.CodeRedirectLoop:      ferry.OriginFailed,
	fetch.CodeOriginClientError: ferry.OriginFailed,
	fetch.CodeOriginRateLimited: ferry.OriginFailed,
	fetch.CodeOriginServerError: ferry.OriginFailed,
	fetch.CodeBodyTruncated:     ferry.OriginFailed,
	fetch.CodeProtocolError:     ferry.OriginFailed,
}

// fetchKind returns the Kind of a fetch failure with code c.
func fetchKind(c fetch.Code) ferry.Kind {
	if k, ok := fetchKinds[c]; ok {
		return k
	}
	return ferry.OriginFailed
}

// taskError describes why a task failed. Every task error names a
// subCategory; an internal cause is never shown.
func taskError(err error, attempts int) ferry.TaskError {
	var fe *fetch.Error
	if errors.As(err, &fe) {
		te := ferry.TaskError{Kind: fetchKind(fe.Code), SubCategory: string(fe.Code), Message: fe.Message, Context: stringsContext(fe.Context)}
		if te.Context == nil {
			te.Context = map[string][]string{}
		}
		te.Context["attempts"] = []string{fmt.Sprint(attempts)}
		return te
	}
	var de *ferry.Error
	if errors.As(err, &de) && de.Kind != ferry.Internal {
		return ferry.TaskError{Kind: de.Kind, SubCategory: cmp.Or(de.SubCategory, de.Kind.SubCategory()), Message: de.Message, Context: de.Context}
	}
	return ferry.TaskError{Kind: ferry.Internal, SubCategory: ferry.Internal.SubCategory(),
		Message: "The import failed because of an internal error."}
}

func stringsContext(m map[string]string) map[string][]string {
	if len(m) == 0 {
		return nil
	}
	out := make(map[string][]string, len(m))
	for k, v := range m {
		out[k] = []string{v}
	}
	return out
}
