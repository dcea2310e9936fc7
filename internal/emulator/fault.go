package emulator

import (
	"bytes"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Fault is a scripted misbehaviour for tests: the requests it matches are
// delayed, answered with an error, or cut off, instead of or after being
// processed normally. Faults are set with Go calls only; the emulator's HTTP
// routes never offer them.
type Fault struct {
	// Method and PathPrefix select the requests; empty values match all.
	Method     string
	PathPrefix string
	// Count is how many matching requests the fault affects; 0 means all
	// until ClearFaults.
	Count int

	// Delay holds the request back before anything else happens.
	Delay time.Duration
	// ResetBeforeProcessing closes the connection without processing the
	// request or answering it.
	ResetBeforeProcessing bool
	// Status, when not zero, answers with this status instead of processing
	// the request, with RetryAfter as the Retry-After header when set, and
	// Body (of type ContentType, default application/json) when set.
	Status      int
	RetryAfter  string
	Body        string
	ContentType string
	// ResetAfterProcessing processes the request, so a submitted job
	// exists, then closes the connection without answering.
	ResetAfterProcessing bool
}

// activeFault is a Fault with the number of requests it may still affect.
type activeFault struct {
	Fault
	remaining int
	hits      int
}

// AddFault adds a fault. Faults are tried in the order they were added, and
// the first one that matches a request applies to it.
func (e *Emulator) AddFault(f Fault) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.faults = append(e.faults, &activeFault{Fault: f, remaining: f.Count})
}

// ClearFaults removes every fault.
func (e *Emulator) ClearFaults() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.faults = nil
}

// FaultHits returns how many requests the faults have affected in total.
func (e *Emulator) FaultHits() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	hits := 0
	for _, f := range e.faults {
		hits += f.hits
	}
	return hits
}

// takeFault returns the fault that applies to r, counting the request
// against it, or nil.
func (e *Emulator) takeFault(r *http.Request) *Fault {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, f := range e.faults {
		if f.Method != "" && f.Method != r.Method {
			continue
		}
		if !strings.HasPrefix(r.URL.Path, f.PathPrefix) {
			continue
		}
		if f.Count > 0 && f.remaining == 0 {
			continue
		}
		f.remaining--
		f.hits++
		fault := f.Fault
		return &fault
	}
	return nil
}

// serveWithFault applies a fault to a request, calling next when the fault
// lets the request be processed.
func serveWithFault(w http.ResponseWriter, r *http.Request, f *Fault, next http.HandlerFunc) {
	if f.Delay > 0 {
		timer := time.NewTimer(f.Delay)
		select {
		case <-r.Context().Done():
			timer.Stop()
			return
		case <-timer.C:
		}
	}

	switch {
	case f.ResetBeforeProcessing:
		resetConnection(w)
	case f.Status != 0:
		if f.RetryAfter != "" {
			w.Header().Set("Retry-After", f.RetryAfter)
		}
		if f.Body == "" {
			writeError(w, f.Status, "injected fault: status %d", f.Status)
			return
		}
		contentType := f.ContentType
		if contentType == "" {
			contentType = "application/json"
		}
		w.Header().Set("Content-Type", contentType)
		w.Header().Set("Content-Length", strconv.Itoa(len(f.Body)))
		w.WriteHeader(f.Status)
		_, _ = w.Write([]byte(f.Body))
	case f.ResetAfterProcessing:
		next(&discardWriter{header: http.Header{}}, r)
		resetConnection(w)
	default:
		next(w, r)
	}
}

// resetConnection closes the client's connection without an answer. A
// server that cannot hand over its connection (HTTP/2) aborts the handler
// instead, which also ends the stream without an answer.
func resetConnection(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	_ = conn.Close()
}

// discardWriter takes a response that is never sent.
type discardWriter struct {
	header http.Header
	body   bytes.Buffer
}

func (d *discardWriter) Header() http.Header         { return d.header }
func (d *discardWriter) Write(p []byte) (int, error) { return d.body.Write(p) }
func (d *discardWriter) WriteHeader(int)             {}
