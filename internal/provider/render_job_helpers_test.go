package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	tfjson "github.com/hashicorp/terraform-json"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
)

// wrapped returns a pattern for text in a Terraform error message, which
// Terraform wraps at word boundaries, so any space may be a line break.
func wrapped(summary, detail string) *regexp.Regexp {
	words := strings.Fields(detail)
	for i, word := range words {
		words[i] = regexp.QuoteMeta(word)
	}
	return regexp.MustCompile(`(?s)` + regexp.QuoteMeta(summary) + `.*` + strings.Join(words, `\s+`))
}

// firstJob forces the status of the first job that the emulator accepts,
// before the provider first reads it, and records its id. Later jobs render
// normally.
type firstJob struct {
	mu sync.Mutex
	id string
}

func forceFirstJob(t *testing.T, api *testAPI, status, reason string) *firstJob {
	t.Helper()
	first := &firstJob{}
	api.emulator.SetSubmitHook(func(id string) {
		first.mu.Lock()
		defer first.mu.Unlock()
		if first.id != "" {
			return
		}
		first.id = id
		if err := api.emulator.SetJobFailure(id, status, reason); err != nil {
			t.Errorf("forcing status %q on job %s: %v", status, id, err)
		}
	})
	return first
}

func (f *firstJob) ID() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.id
}

// stateAttribute returns an attribute of a resource in the state.
func stateAttribute(s *terraform.State, address, attribute string) (string, error) {
	rs, ok := s.RootModule().Resources[address]
	if !ok {
		return "", fmt.Errorf("%s not found in state", address)
	}
	return rs.Primary.Attributes[attribute], nil
}

// checkAttributeFunc fails unless check accepts the attribute's value.
func checkAttributeFunc(address, attribute string, check func(string) error) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		value, err := stateAttribute(s, address, attribute)
		if err != nil {
			return err
		}
		if err := check(value); err != nil {
			return fmt.Errorf("%s.%s: %w", address, attribute, err)
		}
		return nil
	}
}

// priorStateCheck checks the state that a plan started from: whether the
// resource is tainted, and the values of string attributes.
type priorStateCheck struct {
	address string
	tainted bool
	values  func() map[string]string
}

// expectPriorState returns a plan check of the resource's prior state.
// values is called when the check runs, so it may read ids recorded
// during earlier steps.
func expectPriorState(address string, tainted bool, values func() map[string]string) plancheck.PlanCheck {
	return priorStateCheck{address: address, tainted: tainted, values: values}
}

func (c priorStateCheck) CheckPlan(_ context.Context, req plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	if req.Plan.PriorState == nil || req.Plan.PriorState.Values == nil {
		resp.Error = fmt.Errorf("the plan has no prior state")
		return
	}
	var found *tfjson.StateResource
	for _, r := range req.Plan.PriorState.Values.RootModule.Resources {
		if r.Address == c.address {
			found = r
		}
	}
	if found == nil {
		resp.Error = fmt.Errorf("%s is not in the prior state", c.address)
		return
	}
	if found.Tainted != c.tainted {
		resp.Error = fmt.Errorf("%s tainted = %v in the prior state, want %v", c.address, found.Tainted, c.tainted)
		return
	}
	for attribute, want := range c.values() {
		if got := fmt.Sprint(found.AttributeValues[attribute]); got != want {
			resp.Error = fmt.Errorf("%s.%s = %q in the prior state, want %q", c.address, attribute, got, want)
			return
		}
	}
}

// beforeApply is a plan check that runs a function after the plan is made
// and before it is applied, for changes on the emulator that the plan must
// not see.
type beforeApply func()

func (f beforeApply) CheckPlan(context.Context, plancheck.CheckPlanRequest, *plancheck.CheckPlanResponse) {
	f()
}

// useWorkingDirParent makes terraform-plugin-testing create its working
// directory under a new temporary directory, which it returns, so that a
// test step can run terraform commands there.
func useWorkingDirParent(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	t.Setenv("TF_ACC_TEMP_DIR", dir)
	return dir
}

// workingDir returns the working directory that terraform-plugin-testing
// created under parent.
func workingDir(t *testing.T, parent string) string {
	t.Helper()
	dirs, err := filepath.Glob(filepath.Join(parent, "plugintest*", "work*"))
	if err != nil || len(dirs) != 1 {
		t.Fatalf("finding the working directory under %s: found %v (%v), want one", parent, dirs, err)
	}
	return dirs[0]
}

// untaint runs `terraform untaint address` in the test's working directory,
// as a user would between two applies.
func untaint(t *testing.T, parent, address string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Getenv("TF_ACC_TERRAFORM_PATH"), "untaint", "-no-color", address)
	cmd.Dir = workingDir(t, parent)
	if output, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("terraform untaint %s: %v\n%s", address, err, output)
	}
}

// savedInstance returns the attributes of a resource instance as the state
// file in the test's working directory holds them, without the refresh that
// every plan makes, and whether the instance is tainted.
func savedInstance(t *testing.T, parent, address string) (map[string]any, bool) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(workingDir(t, parent), "terraform.tfstate"))
	if err != nil {
		t.Fatalf("reading the state: %v", err)
	}
	var state struct {
		Resources []struct {
			Type      string `json:"type"`
			Name      string `json:"name"`
			Instances []struct {
				Status     string         `json:"status"`
				Attributes map[string]any `json:"attributes"`
			} `json:"instances"`
		} `json:"resources"`
	}
	if err := json.Unmarshal(data, &state); err != nil {
		t.Fatalf("decoding the state: %v", err)
	}
	for _, r := range state.Resources {
		if r.Type+"."+r.Name == address && len(r.Instances) == 1 {
			return r.Instances[0].Attributes, r.Instances[0].Status == "tainted"
		}
	}
	t.Fatalf("%s is not in the saved state:\n%s", address, data)
	return nil, false
}

// checkSavedJob fails the test unless the saved state holds the resource
// with the given job id and status, tainted or not as expected.
func checkSavedJob(t *testing.T, parent, address, id, status string, tainted bool) {
	t.Helper()
	attributes, isTainted := savedInstance(t, parent, address)
	if attributes["id"] != id {
		t.Errorf("saved %s.id = %v, want %s", address, attributes["id"], id)
	}
	if attributes["status"] != status {
		t.Errorf("saved %s.status = %v, want %q", address, attributes["status"], status)
	}
	if isTainted != tainted {
		t.Errorf("saved %s tainted = %v, want %v", address, isTainted, tainted)
	}
}

// jobConfig is the Maps job of the part.io documentation with extra
// arguments, such as a timeouts block, added to the resource.
func jobConfig(api *testAPI, extra string) string {
	return api.providerConfig() + strings.Replace(mapsJobConfig(""), "  nodes = [{", extra+"\n  nodes = [{", 1)
}
