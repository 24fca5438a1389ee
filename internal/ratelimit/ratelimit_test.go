package ratelimit_test

import (
	"testing"
	"time"

	"ferry/internal/ferry"
	"ferry/internal/ratelimit"
)

func TestParse(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want ratelimit.Limits
		ok   bool
	}{
		{"none", ratelimit.Limits{}, true},
		{"Professional", ratelimit.Limits{TenSecondly: 190, Daily: 650_000}, true},
		{"100/10s,250000/day,10/s", ratelimit.Limits{TenSecondly: 100, Secondly: 10, Daily: 250_000}, true},
		{"5/s", ratelimit.Limits{Secondly: 5}, true},
		{"0/10s", ratelimit.Limits{}, false},
		{"10/hour", ratelimit.Limits{}, false},
		{"platinum", ratelimit.Limits{}, false},
	} {
		got, err := ratelimit.Parse(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("Parse(%q) = %+v, %v; want %+v, ok %v", tc.in, got, err, tc.want, tc.ok)
		}
	}
}

func TestLimiterWindows(t *testing.T) {
	t.Parallel()
	now := time.Date(2030, 1, 1, 23, 59, 0, 0, time.UTC)
	clock := ferry.ClockFunc(func() time.Time { return now })
	l := ratelimit.New(ratelimit.Limits{TenSecondly: 3, Secondly: 2, Daily: 5}, clock)
	take := func(p ferry.PortalID) ratelimit.Result { return l.Take(p) }

	// Two per second, then the secondly quota refuses the third.
	if r := take(1); !r.Allowed || r.TenSecondlyRemaining != 2 || r.SecondlyRemaining != 1 || r.DailyRemaining != 4 {
		t.Fatalf("first call = %+v", r)
	}
	take(1)
	if r := take(1); r.Allowed || r.Policy != ratelimit.Secondly {
		t.Fatalf("third call in one second = %+v, want SECONDLY", r)
	}
	if r := take(2); !r.Allowed {
		t.Fatalf("another portal = %+v, want its own quota", r)
	}
	// A second later: one more fits the ten-second window, then it is full.
	now = now.Add(time.Second)
	if r := take(1); !r.Allowed || r.TenSecondlyRemaining != 0 {
		t.Fatalf("after a second = %+v", r)
	}
	if r := take(1); r.Allowed || r.Policy != ratelimit.TenSecondly {
		t.Fatalf("fourth call in ten seconds = %+v, want TEN_SECONDLY_ROLLING", r)
	}
	// Nine seconds on, the first two have left the window, not the third.
	now = now.Add(9 * time.Second)
	if r := take(1); !r.Allowed || r.TenSecondlyRemaining != 1 {
		t.Fatalf("ten seconds after the first = %+v, want one left", r)
	}
	if r := take(1); !r.Allowed || r.DailyRemaining != 0 {
		t.Fatalf("fifth allowed call of the day = %+v, want the last one", r)
	}
	now = now.Add(5 * time.Second)
	if r := take(1); r.Allowed || r.Policy != ratelimit.Daily {
		t.Fatalf("one past the daily quota = %+v, want DAILY", r)
	}
	// The next UTC day starts afresh.
	now = now.Add(time.Hour)
	if r := take(1); !r.Allowed || r.DailyRemaining != 4 {
		t.Fatalf("next day = %+v", r)
	}
	if ratelimit.New(ratelimit.Limits{}, clock) != nil {
		t.Error("New with no quota should return nil")
	}
}
