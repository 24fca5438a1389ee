package tasks

import "sync"

// portalSlots bounds how many imports of one portal run at once on this
// instance, so that one busy portal cannot take every worker while others
// wait.
type portalSlots struct {
	mu    sync.Mutex
	max   int
	inUse map[int64]int
}

func newPortalSlots(max int) *portalSlots {
	return &portalSlots{max: max, inUse: map[int64]int{}}
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
