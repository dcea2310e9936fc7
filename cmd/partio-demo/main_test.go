package main

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/partio/terraform-provider-partio/internal/localrun"
)

// TestDemoApplies builds the provider and runs the demo configuration end
// to end through the terraform CLI, so that `make demo` keeps working.
func TestDemoApplies(t *testing.T) {
	if os.Getenv("TF_ACC") == "" {
		t.Skip("set TF_ACC=1 to run the demo through terraform")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	binDir := t.TempDir()
	if err := localrun.BuildProvider(ctx, "../..", binDir); err != nil {
		t.Fatal(err)
	}

	opts := localrun.Options{ProviderDir: binDir, ConfigDir: "../../examples/demo", RenderTime: time.Second}
	if err := run(ctx, opts); err != nil {
		t.Fatalf("demo: %v", err)
	}
}
