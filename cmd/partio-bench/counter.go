package main

import (
	"net/http"
	"strings"
	"sync"
	"time"
)

// requestCounter counts the requests that reach the emulator, by method and
// route, and records when each job's status was requested.
type requestCounter struct {
	mu     sync.Mutex
	counts map[string]int
	// statusTimes maps a job id to the arrival times of GET /job?id=.
	statusTimes map[string][]time.Time
}

func newRequestCounter() *requestCounter {
	return &requestCounter{counts: map[string]int{}, statusTimes: map[string][]time.Time{}}
}

// wrap returns a handler that counts each request, then serves it with next.
func (c *requestCounter) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		arrived := time.Now()
		key := r.Method + " " + route(r.URL.Path)
		c.mu.Lock()
		c.counts[key]++
		if key == "GET /job" {
			id := r.URL.Query().Get("id")
			c.statusTimes[id] = append(c.statusTimes[id], arrived)
		}
		c.mu.Unlock()
		next.ServeHTTP(w, r)
	})
}

// route drops the file name or video id from upload and video paths.
func route(path string) string {
	for _, prefix := range []string{"/uploads/", "/videos/"} {
		if strings.HasPrefix(path, prefix) {
			return prefix
		}
	}
	return path
}

// snapshot returns a copy of the counts, to subtract from a later one.
func (c *requestCounter) snapshot() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	counts := make(map[string]int, len(c.counts))
	for key, n := range c.counts {
		counts[key] = n
	}
	return counts
}

// total returns the number of requests since a snapshot; nil counts from
// the start.
func (c *requestCounter) total(since map[string]int) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for key, count := range c.counts {
		n += count - since[key]
	}
	return n
}

// count returns the number of requests with a key, such as "GET /job",
// since a snapshot; nil counts from the start.
func (c *requestCounter) count(key string, since map[string]int) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.counts[key] - since[key]
}

// statusRequests returns the arrival times of the status requests of a job.
func (c *requestCounter) statusRequests(id string) []time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Time(nil), c.statusTimes[id]...)
}

// minInterval returns the shortest time between two consecutive status
// requests of a job and the number of the first of the two, counted from
// 1. It returns false when there were fewer than two requests.
func minInterval(times []time.Time) (time.Duration, int, bool) {
	if len(times) < 2 {
		return 0, 0, false
	}
	shortest, position := times[1].Sub(times[0]), 1
	for i := 2; i < len(times); i++ {
		if interval := times[i].Sub(times[i-1]); interval < shortest {
			shortest, position = interval, i
		}
	}
	return shortest, position, true
}
