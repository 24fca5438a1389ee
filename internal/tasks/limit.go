package tasks

import (
	"sync"
	"time"
)

// portalSlots bounds how many imports of one portal run at once on this
// instance, so that one busy portal cannot take every worker while others
// wait. It also remembers, for waitingMemo, whether other portals had
// imports waiting when a portal last wanted more than its share.
type portalSlots struct {
	mu      sync.Mutex
	max     int
	inUse   map[int64]int
	answers map[int64]waitingAnswer
}

// waitingMemo is how long the answer to "do other portals have imports
// waiting?" stands for a portal whose share is busy. Under a stream of
// one portal's imports the question came with nearly every job, one read
// of the database each; another portal's import now waits at most this
// much longer before the busy portal keeps to its share.
const waitingMemo = 100 * time.Millisecond

// waitingMemoMax bounds the portals whose answers are kept; past it they
// are all forgotten, and each is asked again when it next needs to be.
const waitingMemoMax = 1024

type waitingAnswer struct {
	waiting bool
	at      time.Time
}

func newPortalSlots(max int) *portalSlots {
	return &portalSlots{max: max, inUse: map[int64]int{}, answers: map[int64]waitingAnswer{}}
}

// acquire takes a slot for portal, reporting false if none is free.
func (p *portalSlots) acquire(portal int64) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.inUse[portal] >= p.max {
		return false
	}
	p.inUse[portal]++
	return true
}

// take takes a slot for portal even beyond its share.
func (p *portalSlots) take(portal int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.inUse[portal]++
}

// release gives a slot back.
func (p *portalSlots) release(portal int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.inUse[portal]--; p.inUse[portal] <= 0 {
		delete(p.inUse, portal)
	}
}

// recall returns the answer remembered for portal at now, if it is less
// than waitingMemo old.
func (p *portalSlots) recall(portal int64, now time.Time) (waiting, ok bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	a, ok := p.answers[portal]
	if !ok || now.Sub(a.at) >= waitingMemo || now.Before(a.at) {
		return false, false
	}
	return a.waiting, true
}

// remember keeps the answer for portal, given at now. Answers of portals
// that stopped asking go when the map grows large.
func (p *portalSlots) remember(portal int64, waiting bool, now time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.answers) >= waitingMemoMax {
		clear(p.answers)
	}
	p.answers[portal] = waitingAnswer{waiting, now}
}
