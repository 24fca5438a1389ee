// Package ratelimit counts API calls per portal against HubSpot-style
// quotas: a rolling ten-second window, an optional per-second one and a
// daily one, all read on Ferry's clock.
package ratelimit

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"ferry/internal/ferry"
)

// Limits are the quotas of one portal; zero means no limit of that kind.
type Limits struct {
	TenSecondly int // requests in any rolling ten seconds
	Secondly    int // requests in one clock second
	Daily       int // requests in one UTC day
}

// None reports whether no limit is set.
func (l Limits) None() bool { return l == Limits{} }

// Presets are HubSpot's published per-portal quotas for private apps by
// tier (100 requests per ten seconds on the base tiers, 190 on
// Professional and Enterprise; 250,000, 650,000 and 1,000,000 a day).
var Presets = map[string]Limits{
	"none":         {},
	"free":         {TenSecondly: 100, Daily: 250_000},
	"starter":      {TenSecondly: 100, Daily: 250_000},
	"professional": {TenSecondly: 190, Daily: 650_000},
	"enterprise":   {TenSecondly: 190, Daily: 1_000_000},
}

// Parse reads a preset name, or explicit quotas such as
// "100/10s,250000/day,10/s" (any of the three, in any order).
func Parse(s string) (Limits, error) {
	s = strings.TrimSpace(strings.ToLower(s))
	if l, ok := Presets[s]; ok {
		return l, nil
	}
	var l Limits
	for _, part := range strings.Split(s, ",") {
		n, per, ok := strings.Cut(strings.TrimSpace(part), "/")
		v, err := strconv.Atoi(n)
		if !ok || err != nil || v <= 0 {
			return Limits{}, fmt.Errorf("%q is neither a preset (%s) nor quotas such as 100/10s,250000/day,10/s", s, presetNames())
		}
		switch per {
		case "10s":
			l.TenSecondly = v
		case "s", "1s":
			l.Secondly = v
		case "day", "d":
			l.Daily = v
		default:
			return Limits{}, fmt.Errorf("%q: the period of %q is not 10s, s or day", s, part)
		}
	}
	return l, nil
}

func presetNames() string {
	var names []string
	for n := range Presets {
		names = append(names, n)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

// Policies, as HubSpot's 429 bodies name them.
const (
	TenSecondly = "TEN_SECONDLY_ROLLING"
	Secondly    = "SECONDLY"
	Daily       = "DAILY"
)

// Result is the outcome of one call: allowed or refused under Policy, and
// what remains of each quota afterwards.
type Result struct {
	Allowed              bool
	Policy               string // the quota that refused the call
	Limits               Limits
	TenSecondlyRemaining int
	SecondlyRemaining    int
	DailyRemaining       int
}

// bucket is how finely the rolling window is counted.
const (
	window  = 10 * time.Second
	bucket  = 100 * time.Millisecond
	buckets = int(window / bucket)
)

// counter is one portal's counts.
type counter struct {
	ring   [buckets]int
	ringAt [buckets]int64 // the bucket number each slot counts
	second int64
	perSec int
	day    int64
	perDay int
}

// Limiter counts calls per portal. The counts live in the process: each
// instance of a cluster counts on its own.
type Limiter struct {
	limits Limits
	clock  ferry.Clock
	mu     sync.Mutex
	counts map[ferry.PortalID]*counter
}

// New returns a Limiter for limits on clock (nil: the real time), or nil
// if limits set no quota.
func New(limits Limits, clock ferry.Clock) *Limiter {
	if limits.None() {
		return nil
	}
	return &Limiter{limits: limits, clock: ferry.OrSystem(clock), counts: map[ferry.PortalID]*counter{}}
}

// Take counts a call of portal if every quota allows it.
func (l *Limiter) Take(portal ferry.PortalID) Result {
	now := l.clock.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	c := l.counts[portal]
	if c == nil {
		c = &counter{}
		l.counts[portal] = c
	}
	b := now.UnixNano() / int64(bucket)
	sec := now.Unix()
	day := now.UTC().Unix() / 86400
	if c.second != sec {
		c.second, c.perSec = sec, 0
	}
	if c.day != day {
		c.day, c.perDay = day, 0
	}
	inWindow := 0
	for i := range c.ring {
		// A slot counts if it belongs to the last ten seconds; a clock
		// moved back makes later slots stale too.
		if age := b - c.ringAt[i]; age >= 0 && age < int64(buckets) {
			inWindow += c.ring[i]
		}
	}
	r := Result{Allowed: true, Limits: l.limits}
	switch {
	case l.limits.Daily > 0 && c.perDay >= l.limits.Daily:
		r.Allowed, r.Policy = false, Daily
	case l.limits.TenSecondly > 0 && inWindow >= l.limits.TenSecondly:
		r.Allowed, r.Policy = false, TenSecondly
	case l.limits.Secondly > 0 && c.perSec >= l.limits.Secondly:
		r.Allowed, r.Policy = false, Secondly
	}
	if r.Allowed {
		slot := int(b % int64(buckets))
		if c.ringAt[slot] != b {
			c.ring[slot], c.ringAt[slot] = 0, b
		}
		c.ring[slot]++
		inWindow++
		c.perSec++
		c.perDay++
	}
	r.TenSecondlyRemaining = max(0, l.limits.TenSecondly-inWindow)
	r.SecondlyRemaining = max(0, l.limits.Secondly-c.perSec)
	r.DailyRemaining = max(0, l.limits.Daily-c.perDay)
	return r
}
