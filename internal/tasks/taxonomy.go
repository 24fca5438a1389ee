package tasks

import (
	"ferry/internal/ferry"
	"ferry/internal/fetch"
)

// The categories of a failed task's error. SubCategory carries the precise
// cause (docs/fetch-errors.md lists them all).
const (
	categoryValidation = "VALIDATION_ERROR" // the request or the content is not acceptable
	categoryFetch      = "FETCH_FAILED"     // the origin or the network failed
	categoryConflict   = "CONFLICT"         // a duplicate was rejected, or a name collides
	categoryNotFound   = "OBJECT_NOT_FOUND" // what the task works on was deleted meanwhile
	categoryInterrupt  = "INTERRUPTED"      // the work was lost and could not resume
	categoryInternal   = "INTERNAL_ERROR"
)

// fetchStatus is the HTTP status that best describes a fetch failure.
func fetchStatus(c fetch.Code) int {
	switch c {
	case fetch.CodeInvalidURL, fetch.CodeURLTooLong, fetch.CodeSchemeNotAllowed, fetch.CodePortNotAllowed, fetch.CodeAddressNotAllowed:
		return 400
	case fetch.CodeTooLarge:
		return 413
	case fetch.CodeConnectTimeout, fetch.CodeFirstByteTimeout, fetch.CodeIdleTimeout, fetch.CodeTotalTimeout:
		return 504
	case fetch.CodeCanceled:
		return 503
	}
	return 502
}

func fetchCategory(c fetch.Code) string {
	switch fetchStatus(c) {
	case 400, 413:
		return categoryValidation
	}
	return categoryFetch
}

func kindStatus(k ferry.Kind) int {
	switch k {
	case ferry.Invalid:
		return 400
	case ferry.NotFound:
		return 404
	case ferry.Conflict:
		return 409
	case ferry.TooLarge:
		return 413
	}
	return 500
}

// kindSubCategory names the cause of a domain error that carries no
// subcategory of its own, so that a failed task always has one.
func kindSubCategory(k ferry.Kind) string {
	switch k {
	case ferry.Invalid:
		return "INVALID_REQUEST"
	case ferry.NotFound:
		return "OBJECT_NOT_FOUND"
	case ferry.Conflict:
		return "CONFLICT"
	case ferry.TooLarge:
		return "TOO_LARGE"
	}
	return "INTERNAL_ERROR"
}

func kindCategory(k ferry.Kind) string {
	switch k {
	case ferry.NotFound:
		return categoryNotFound
	case ferry.Invalid, ferry.TooLarge:
		return categoryValidation
	case ferry.Conflict:
		return categoryConflict
	}
	return categoryInternal
}
