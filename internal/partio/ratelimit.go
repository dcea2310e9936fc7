package partio

import (
	"context"
	"sync"
	"time"
)

// requestGate is shared by every request of one Client. It spaces requests
// to at most one per interval. It also holds every request back while the
// API requests a slowdown (a 429 response, or any response with
// Retry-After), so that one such response slows all callers.
type requestGate struct {
	// interval is the minimum time between the starts of two requests; 0
	// means no rate limit.
	interval time.Duration

	mu sync.Mutex
	// next is the earliest start of the next request under the rate limit.
	next time.Time
	// pausedUntil is the end of the pause that the API last requested.
	pausedUntil time.Time
}

// newRequestGate returns a gate for at most requestsPerSecond requests per
// second; 0 or less means no rate limit.
func newRequestGate(requestsPerSecond float64) *requestGate {
	g := &requestGate{}
	if requestsPerSecond > 0 {
		g.interval = time.Duration(float64(time.Second) / requestsPerSecond)
	}
	return g
}

// wait blocks until a request may start, or until ctx ends. A caller that
// wakes up checks again, because a pause may have begun or another caller
// may have taken the slot in the meantime.
func (g *requestGate) wait(ctx context.Context) error {
	for {
		g.mu.Lock()
		now := time.Now()
		start := g.pausedUntil
		if g.interval > 0 && g.next.After(start) {
			start = g.next
		}
		if !start.After(now) {
			if g.interval > 0 {
				g.next = now.Add(g.interval)
			}
			g.mu.Unlock()
			return nil
		}
		g.mu.Unlock()

		if err := sleep(ctx, start.Sub(now)); err != nil {
			return err
		}
	}
}

// pause holds back every request of the client for d from now, unless a
// longer pause is already in force.
func (g *requestGate) pause(d time.Duration) {
	g.mu.Lock()
	defer g.mu.Unlock()
	until := time.Now().Add(d)
	if until.After(g.pausedUntil) {
		g.pausedUntil = until
	}
}

// sleep waits for d or until ctx ends, and returns ctx's error in that case.
func sleep(ctx context.Context, d time.Duration) error {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return nil
	}
}
