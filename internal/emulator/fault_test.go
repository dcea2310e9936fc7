package emulator

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
)

func submitMapsJob(t *testing.T, server *httptest.Server) (*http.Response, error) {
	t.Helper()
	body := `{"nodes":[{"id":"m","type":"Maps","inputs":{},"params":{}}],"output":{"node":"m","type":"mp4"}}`
	req, err := http.NewRequest(http.MethodPost, server.URL+"/job", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer tok")
	req.Header.Set("Content-Type", "application/json")
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	return client.Do(req)
}

func startFaultServer(t *testing.T) (*Emulator, *httptest.Server) {
	t.Helper()
	emu, err := New(Options{Token: "tok"})
	if err != nil {
		t.Fatal(err)
	}
	server := httptest.NewServer(emu)
	t.Cleanup(func() {
		server.Close()
		_ = emu.Close()
	})
	return emu, server
}

func TestFaultStatusThenNormal(t *testing.T) {
	emu, server := startFaultServer(t)
	emu.AddFault(Fault{Method: http.MethodPost, PathPrefix: "/job", Count: 1, Status: http.StatusTooManyRequests, RetryAfter: "2"})

	resp, err := submitMapsJob(t, server)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusTooManyRequests {
		t.Errorf("first status = %d, want 429", resp.StatusCode)
	}
	if got := resp.Header.Get("Retry-After"); got != "2" {
		t.Errorf("Retry-After = %q, want 2", got)
	}
	if got := emu.Submissions(); got != 0 {
		t.Errorf("submissions after the fault = %d, want 0", got)
	}

	resp, err = submitMapsJob(t, server)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("second status = %d, want 200 once the fault is used up", resp.StatusCode)
	}
	if got := emu.FaultHits(); got != 1 {
		t.Errorf("fault hits = %d, want 1", got)
	}
}

func TestFaultHTMLBody(t *testing.T) {
	emu, server := startFaultServer(t)
	emu.AddFault(Fault{Status: http.StatusBadGateway, Body: "<html>bad gateway</html>", ContentType: "text/html"})

	resp, err := submitMapsJob(t, server)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusBadGateway || resp.Header.Get("Content-Type") != "text/html" {
		t.Errorf("answer = %d %q, want 502 text/html", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
}

func TestFaultResetBeforeProcessing(t *testing.T) {
	emu, server := startFaultServer(t)
	emu.AddFault(Fault{PathPrefix: "/job", Count: 1, ResetBeforeProcessing: true})

	if resp, err := submitMapsJob(t, server); err == nil {
		resp.Body.Close()
		t.Fatalf("request got status %d, want a connection error", resp.StatusCode)
	}
	if got := emu.Submissions(); got != 0 {
		t.Errorf("submissions = %d, want 0: the request was never processed", got)
	}
}

func TestFaultResetAfterProcessing(t *testing.T) {
	emu, server := startFaultServer(t)
	emu.AddFault(Fault{PathPrefix: "/job", Count: 1, ResetAfterProcessing: true})

	if resp, err := submitMapsJob(t, server); err == nil {
		resp.Body.Close()
		t.Fatalf("request got status %d, want a connection error", resp.StatusCode)
	}
	if got := emu.Submissions(); got != 1 {
		t.Errorf("submissions = %d, want 1: the job was created before the reset", got)
	}
}

func getJobStatus(t *testing.T, server *httptest.Server, id string) (*http.Response, error) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, server.URL+"/job?id="+id, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer tok")
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	return client.Do(req)
}

func TestFaultTruncatedBody(t *testing.T) {
	emu, server := startFaultServer(t)
	emu.AddFault(Fault{Method: http.MethodPost, Count: 1, TruncateBody: true})

	resp, err := submitMapsJob(t, server)
	if err != nil {
		t.Fatalf("request failed before the answer: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("status = %d, want 200 from the processed request", resp.StatusCode)
	}
	body, err := io.ReadAll(resp.Body)
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("reading the body: error = %v, want unexpected EOF", err)
	}
	if int64(len(body)) >= resp.ContentLength {
		t.Errorf("read %d of %d bytes, want fewer", len(body), resp.ContentLength)
	}
	if got := emu.Submissions(); got != 1 {
		t.Errorf("submissions = %d, want 1: the job was created before the body was cut", got)
	}
}

func TestFaultCorruptedBody(t *testing.T) {
	emu, server := startFaultServer(t)
	emu.AddFault(Fault{Method: http.MethodPost, Count: 1, CorruptBody: true})

	resp, err := submitMapsJob(t, server)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("reading the body: %v", err)
	}
	if json.Valid(body) {
		t.Errorf("body %q is still JSON", body)
	}
	for i := range body {
		body[i] ^= 0x5A
	}
	var answer struct{ ID string }
	if err := json.Unmarshal(body, &answer); err != nil || answer.ID == "" {
		t.Errorf("body restored by XOR 0x5A = %q, want the answer with the job id", body)
	}
	if got := emu.Submissions(); got != 1 {
		t.Errorf("submissions = %d, want 1", got)
	}
}

// faultPattern sends n status requests one at a time and returns which of
// them got the injected 503.
func faultPattern(t *testing.T, seed uint64, n int) []bool {
	t.Helper()
	emu, server := startFaultServer(t)
	emu.SetFaultSeed(seed)
	emu.AddFault(Fault{Method: http.MethodGet, Probability: 0.3, Status: http.StatusServiceUnavailable})
	pattern := make([]bool, n)
	for i := range pattern {
		resp, err := getJobStatus(t, server, "NoSuchJb")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		pattern[i] = resp.StatusCode == http.StatusServiceUnavailable
	}
	return pattern
}

func TestFaultProbabilityIsSeeded(t *testing.T) {
	const n = 100
	first := faultPattern(t, 7, n)
	again := faultPattern(t, 7, n)
	other := faultPattern(t, 8, n)

	hits := 0
	for _, hit := range first {
		if hit {
			hits++
		}
	}
	if hits < 10 || hits > 60 {
		t.Errorf("%d of %d requests got the fault with probability 0.3", hits, n)
	}
	if !slices.Equal(first, again) {
		t.Errorf("the same seed gave different faults:\n%v\n%v", first, again)
	}
	if slices.Equal(first, other) {
		t.Errorf("seeds 7 and 8 gave the same faults")
	}
}

func TestFaultProbabilityPassesToNextFault(t *testing.T) {
	emu, server := startFaultServer(t)
	emu.AddFault(Fault{Method: http.MethodGet, Probability: 0.5, Status: http.StatusTooManyRequests})
	emu.AddFault(Fault{Method: http.MethodGet, Status: http.StatusServiceUnavailable})

	seen := map[int]int{}
	for range 40 {
		resp, err := getJobStatus(t, server, "NoSuchJb")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		seen[resp.StatusCode]++
	}
	if seen[http.StatusTooManyRequests] == 0 || seen[http.StatusServiceUnavailable] == 0 {
		t.Errorf("statuses %v: want both 429 and 503", seen)
	}
	if seen[http.StatusOK] != 0 {
		t.Errorf("%d requests passed both faults, want none", seen[http.StatusOK])
	}
}

func TestSubmissionsByDescription(t *testing.T) {
	emu, server := startFaultServer(t)
	bodies := []string{
		`{"nodes":[{"id":"m","type":"Maps","inputs":{},"params":{"zoom":1.50}}],"output":{"node":"m"}}`,
		`{ "output": {"node": "m"}, "nodes": [{"params": {"zoom": 1.50}, "inputs": {}, "type": "Maps", "id": "m"}] }`,
		`{"nodes":[{"id":"m","type":"Maps","inputs":{},"params":{"zoom":1.5}}],"output":{"node":"m"}}`,
	}
	client := &http.Client{}
	for _, body := range bodies {
		req, err := http.NewRequest(http.MethodPost, server.URL+"/job", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer tok")
		req.Header.Set("Content-Type", "application/json")
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("submission got status %d", resp.StatusCode)
		}
	}

	counts := emu.SubmissionsByDescription()
	if len(counts) != 2 {
		t.Errorf("counts = %v, want 2 descriptions", counts)
	}
	if got := counts[CanonicalJSON([]byte(bodies[0]))]; got != 2 {
		t.Errorf("the description sent twice in different layouts counted %d, want 2", got)
	}
	if got := counts[CanonicalJSON([]byte(bodies[2]))]; got != 1 {
		t.Errorf("the description with zoom 1.5 counted %d, want 1: numbers keep their digits", got)
	}
}
