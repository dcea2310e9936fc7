package partio_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/partio/terraform-provider-partio/internal/emulator"
	"github.com/partio/terraform-provider-partio/internal/partio"
)

func TestGetJobFailureReasonMembers(t *testing.T) {
	cases := map[string]struct {
		members string
		want    string
	}{
		"error string":         {`"error":"font not found"`, "font not found"},
		"reason string":        {`"reason":"font not found"`, "font not found"},
		"message string":       {`"message":"font not found"`, "font not found"},
		"error object":         {`"error":{"code":17,"message":"font not found"}`, "font not found"},
		"first non-empty wins": {`"error":"","reason":"  ","message":"font not found"`, "font not found"},
		"error before reason":  {`"error":"first","reason":"second"`, "first"},
		"number ignored":       {`"error":17`, ""},
		"none":                 {`"name":""`, ""},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				fmt.Fprintf(w, `{"jobs":[{"id":"DPcM0BJV","status":"failed","job":"{}","created":1657205778928,%s}]}`, tc.members)
			}))
			t.Cleanup(server.Close)
			client := newTestClient(t, server.URL, testToken)

			job, err := client.GetJob(context.Background(), "DPcM0BJV")
			if err != nil {
				t.Fatalf("GetJob: %v", err)
			}
			if job.Reason != tc.want {
				t.Errorf("Reason = %q, want %q", job.Reason, tc.want)
			}
		})
	}
}

func TestGetJobReasonFromEmulator(t *testing.T) {
	api := startAPI(t, emulator.Options{})
	client := newTestClient(t, api.server.URL, testToken)
	ctx := context.Background()

	id, err := client.SubmitJob(ctx, mapsJob())
	if err != nil {
		t.Fatalf("SubmitJob: %v", err)
	}
	if err := api.emulator.SetJobFailure(id, "rejected", "position is outside the map"); err != nil {
		t.Fatalf("SetJobFailure: %v", err)
	}
	job, err := client.GetJob(ctx, id)
	if err != nil {
		t.Fatalf("GetJob: %v", err)
	}
	if job.Status != "rejected" || !partio.IsFailure(job.Status) {
		t.Errorf("status = %q, want the failure status rejected", job.Status)
	}
	if job.Reason != "position is outside the map" {
		t.Errorf("Reason = %q, want the emulator's reason", job.Reason)
	}
}
