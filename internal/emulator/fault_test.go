package emulator

import (
	"net/http"
	"net/http/httptest"
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
