package emulator

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// defaultFaultSeed seeds the random source of Fault.Probability until
// SetFaultSeed sets another seed.
const defaultFaultSeed = 1

// Fault is a scripted misbehaviour for tests: the requests it matches are
// delayed, given an error response, or cut off, instead of or after being
// processed normally. Faults are set with Go calls only; the emulator's HTTP
// routes never offer them.
type Fault struct {
	// Method and PathPrefix select the requests; empty values match all.
	Method     string
	PathPrefix string
	// Count is how many matching requests the fault affects; 0 means all
	// until ClearFaults.
	Count int
	// Probability, when above 0, applies the fault to each matching
	// request only with this probability, drawn from the emulator's seeded
	// random source (see SetFaultSeed). A request that the draw spares is
	// offered to the next fault.
	Probability float64

	// Delay holds the request back before anything else happens.
	Delay time.Duration
	// ResetBeforeProcessing closes the connection without processing the
	// request or responding to it.
	ResetBeforeProcessing bool
	// Status, when not zero, is sent as the response status instead of
	// processing the request, with RetryAfter as the Retry-After header
	// when set, and Body (of type ContentType, default application/json)
	// when set.
	Status      int
	RetryAfter  string
	Body        string
	ContentType string
	// ResetAfterProcessing processes the request, so a submitted job
	// exists, then closes the connection without a response.
	ResetAfterProcessing bool
	// TruncateBody processes the request, then sends the response's status
	// and headers with the full Content-Length but only the first half of
	// the body, and closes the connection.
	TruncateBody bool
	// CorruptBody processes the request, then sends the response with every
	// byte of its body garbled (XOR 0x5A), so that a JSON body no longer
	// parses. The length stays the same.
	CorruptBody bool
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

// SetFaultSeed restarts the random source that Fault.Probability draws
// from. With the same seed and the same order of requests, the same
// requests get faults.
func (e *Emulator) SetFaultSeed(seed uint64) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.faultRandom = rand.New(rand.NewPCG(seed, seed))
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
		if f.Probability > 0 {
			if e.faultRandom == nil {
				e.faultRandom = rand.New(rand.NewPCG(defaultFaultSeed, defaultFaultSeed))
			}
			if e.faultRandom.Float64() >= f.Probability {
				continue
			}
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
		next(newBufferedResponse(), r)
		resetConnection(w)
	case f.TruncateBody:
		answer := newBufferedResponse()
		next(answer, r)
		writeTruncated(w, answer)
	case f.CorruptBody:
		answer := newBufferedResponse()
		next(answer, r)
		body := answer.body.Bytes()
		for i := range body {
			body[i] ^= 0x5A
		}
		for key, values := range answer.header {
			w.Header()[key] = values
		}
		w.WriteHeader(answer.status)
		_, _ = w.Write(body)
	default:
		next(w, r)
	}
}

// writeTruncated sends the status and headers of response with the full
// Content-Length, then half of its body, and closes the connection.
func writeTruncated(w http.ResponseWriter, response *bufferedResponse) {
	conn, buffer, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	defer conn.Close()
	body := response.body.Bytes()
	response.header.Set("Content-Length", strconv.Itoa(len(body)))
	fmt.Fprintf(buffer, "HTTP/1.1 %d %s\r\n", response.status, http.StatusText(response.status))
	_ = response.header.Write(buffer)
	_, _ = buffer.WriteString("\r\n")
	_, _ = buffer.Write(body[:len(body)/2])
	_ = buffer.Flush()
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

// bufferedResponse keeps a response in memory instead of sending it.
type bufferedResponse struct {
	header      http.Header
	status      int
	wroteHeader bool
	body        bytes.Buffer
}

func newBufferedResponse() *bufferedResponse {
	return &bufferedResponse{header: http.Header{}, status: http.StatusOK}
}

func (b *bufferedResponse) Header() http.Header { return b.header }

func (b *bufferedResponse) Write(p []byte) (int, error) {
	b.wroteHeader = true
	return b.body.Write(p)
}

func (b *bufferedResponse) WriteHeader(status int) {
	if !b.wroteHeader {
		b.status = status
		b.wroteHeader = true
	}
}
