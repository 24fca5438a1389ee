package ferry

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// Dependency is something Ferry cannot serve without, such as the
// database or the blob store, with a cheap check that it answers.
type Dependency struct {
	Name  string
	Check func(ctx context.Context) error
}

// DependencyState is the outcome of one Dependency's last check.
type DependencyState struct {
	Name string
	Err  error // nil when it answered
}

// Readiness watches the dependencies. Its checks run at most once a
// second, however many callers ask, so that an outage that makes every
// request ask does not add load to what is failing.
type Readiness struct {
	deps    []Dependency
	timeout time.Duration

	mu      sync.Mutex
	checked time.Time
	states  []DependencyState
}

// NewReadiness returns a Readiness over deps.
func NewReadiness(deps ...Dependency) *Readiness {
	return &Readiness{deps: deps, timeout: 2 * time.Second}
}

// States checks every dependency (or reuses a check under a second old)
// and returns their states in order.
func (r *Readiness) States(ctx context.Context) []DependencyState {
	if r == nil {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if time.Since(r.checked) < time.Second {
		return r.states
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), r.timeout)
	defer cancel()
	states := make([]DependencyState, len(r.deps))
	var wg sync.WaitGroup
	for i, d := range r.deps {
		wg.Go(func() { states[i] = DependencyState{Name: d.Name, Err: d.Check(ctx)} })
	}
	wg.Wait()
	r.states, r.checked = states, time.Now()
	return states
}

// Down returns nil when every dependency answers, else an Unavailable
// error that names the first one that does not (its cause is kept for
// the log).
func (r *Readiness) Down(ctx context.Context) error {
	for _, s := range r.States(ctx) {
		if s.Err != nil {
			return &Error{Kind: Unavailable, SubCategory: "DEPENDENCY_DOWN",
				Message: fmt.Sprintf("The %s is unavailable; retry shortly.", s.Name),
				Context: map[string][]string{"dependency": {s.Name}}, Err: s.Err}
		}
	}
	return nil
}
