package emulator

import (
	"encoding/json"
	"net/http"
	"net/url"
	"testing"
	"time"
)

// statusMembers returns the members of the first record of GET /job?id=.
func statusMembers(t *testing.T, serverURL, id string) map[string]any {
	t.Helper()
	response, body := sendAPI(t, http.MethodGet, serverURL+"/job?id="+url.QueryEscape(id), "")
	if response.StatusCode != http.StatusOK {
		t.Fatalf("GET /job?id=%s: status = %d, body %s", id, response.StatusCode, body)
	}
	var decoded struct {
		Jobs []map[string]any `json:"jobs"`
	}
	if err := json.Unmarshal(body, &decoded); err != nil {
		t.Fatalf("GET /job?id=%s: body %q is not JSON: %v", id, body, err)
	}
	if len(decoded.Jobs) != 1 {
		t.Fatalf("GET /job?id=%s: %d jobs, want 1", id, len(decoded.Jobs))
	}
	return decoded.Jobs[0]
}

func TestSetJobFailureSendsReason(t *testing.T) {
	emulator, server, _ := startEmulator(t, Options{RenderTime: time.Hour})
	id := submit(t, server, "/job", validJob)
	if err := emulator.SetJobFailure(id, "failed", "font not found: Comic Sans"); err != nil {
		t.Fatalf("SetJobFailure: %v", err)
	}

	record := statusMembers(t, server.URL, id)
	if record["status"] != "failed" {
		t.Errorf("status = %v, want failed", record["status"])
	}
	if record["error"] != "font not found: Comic Sans" {
		t.Errorf("error = %v, want the reason", record["error"])
	}
	if _, present := record["url"]; present {
		t.Errorf("url = %v for a failed job, want none", record["url"])
	}
	if stored, _ := emulator.Job(id); stored.FailureReason != "font not found: Comic Sans" {
		t.Errorf("Job().FailureReason = %q, want the reason", stored.FailureReason)
	}

	// A later SetJobStatus replaces the failure and its reason.
	if err := emulator.SetJobStatus(id, StatusDone); err != nil {
		t.Fatalf("SetJobStatus: %v", err)
	}
	record = statusMembers(t, server.URL, id)
	if _, present := record["error"]; present {
		t.Errorf("error = %v after SetJobStatus done, want none", record["error"])
	}
}

func TestSetJobFailureWithoutReason(t *testing.T) {
	emulator, server, _ := startEmulator(t, Options{})
	id := submit(t, server, "/job", validJob)
	if err := emulator.SetJobFailure(id, "error", ""); err != nil {
		t.Fatalf("SetJobFailure: %v", err)
	}
	record := statusMembers(t, server.URL, id)
	if record["status"] != "error" {
		t.Errorf("status = %v, want error", record["status"])
	}
	if _, present := record["error"]; present {
		t.Errorf("error member = %v for an empty reason, want none", record["error"])
	}
}

func TestSetJobFailureRejectsBadInput(t *testing.T) {
	emulator, server, _ := startEmulator(t, Options{})
	id := submit(t, server, "/job", validJob)
	if err := emulator.SetJobFailure("NOSUCHID", "failed", "x"); err == nil {
		t.Error("SetJobFailure on an unknown job succeeded, want an error")
	}
	if err := emulator.SetJobFailure(id, "", "x"); err == nil {
		t.Error("SetJobFailure with an empty status succeeded, want an error")
	}
}

func TestSubmitHookSeesEveryJobBeforeAnswer(t *testing.T) {
	emulator, server, _ := startEmulator(t, Options{})
	var seen []string
	emulator.SetSubmitHook(func(id string) {
		seen = append(seen, id)
		if err := emulator.SetJobStatus(id, StatusOverlimit); err != nil {
			t.Errorf("SetJobStatus from the hook: %v", err)
		}
	})

	first := submit(t, server, "/job", validJob)
	second := submit(t, server, "/jobs", validJob)
	if len(seen) != 2 || seen[0] != first || seen[1] != second {
		t.Errorf("hook saw %v, want [%s %s]", seen, first, second)
	}
	// The hook ran before the response, so the first status read is forced.
	if got := statusMembers(t, server.URL, first)["status"]; got != StatusOverlimit {
		t.Errorf("status of %s = %v, want overlimit", first, got)
	}

	// A rejected submission does not call the hook.
	sendAPI(t, http.MethodPost, server.URL+"/job", `{"nodes":[]}`)
	if len(seen) != 2 {
		t.Errorf("hook called %d times after a rejected submission, want 2", len(seen))
	}

	emulator.SetSubmitHook(nil)
	submit(t, server, "/job", validJob)
	if len(seen) != 2 {
		t.Errorf("hook called %d times after removal, want 2", len(seen))
	}
}
