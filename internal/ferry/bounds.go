package ferry

import (
	"fmt"
	"strings"
	"time"
)

// MaxSafeInteger is 2^53−1, the largest integer a JavaScript client reads
// exactly. No number Ferry accepts, stores or sends is larger.
const MaxSafeInteger = 1<<53 - 1

// The range of every time Ferry accepts: from the Unix epoch to the last
// millisecond of year 9999, the last an ISO-8601 date-time can hold. Both
// ends are far inside MaxSafeInteger as epoch milliseconds.
var (
	MinTime = time.UnixMilli(0).UTC()
	MaxTime = time.Date(9999, 12, 31, 23, 59, 59, 999e6, time.UTC)
)

// Bounds is the inclusive range of an integer input.
type Bounds struct{ Min, Max int64 }

// SignedURLMaxSeconds is the longest life of a signed URL, in seconds.
const SignedURLMaxSeconds = 366 * 24 * 60 * 60

// numberBounds is the real range of every integer input of every route,
// query parameter or JSON field, by name; a range filter ("sizeGte",
// "sizeLte") has its field's range. This is the one place where numeric
// inputs are bounded: CheckNumber reads it before any arithmetic.
var numberBounds = map[string]Bounds{
	"expirationSeconds": {1, SignedURLMaxSeconds},
	"limit":             {1, SearchLimitMax},
	"size":              {0, MaxSafeInteger},
	"height":            {0, 1 << 31},
	"width":             {0, 1 << 31},
	"id":                {1, MaxSafeInteger},
}

// CheckNumber returns an Invalid error naming in when n lies outside the
// range of the input in. An input with no entry of its own may hold any
// integer up to MaxSafeInteger in magnitude.
func CheckNumber(in string, n int64) error {
	b, ok := numberBounds[strings.TrimSuffix(strings.TrimSuffix(in, "Gte"), "Lte")]
	if !ok {
		b = Bounds{-MaxSafeInteger, MaxSafeInteger}
	}
	if n < b.Min || n > b.Max {
		msg := fmt.Sprintf("%s must be between %d and %d, got %d", in, b.Min, b.Max, n)
		return &Error{Kind: Invalid, Message: msg, Details: []Detail{{In: in, Code: "OUT_OF_RANGE", Message: msg}}}
	}
	return nil
}

// CheckTime returns an Invalid error naming in when t lies outside
// [MinTime, MaxTime].
func CheckTime(in string, t time.Time) error {
	if t.Before(MinTime) || t.After(MaxTime) {
		msg := fmt.Sprintf("%s must lie between %s and %s", in, MinTime.Format(time.RFC3339), MaxTime.Format("2006-01-02T15:04:05.000Z"))
		return &Error{Kind: Invalid, Message: msg, Details: []Detail{{In: in, Code: "OUT_OF_RANGE", Message: msg}}}
	}
	return nil
}
