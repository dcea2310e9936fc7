package provider

import (
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
)

const mapAddress = "partio_render_job.map"

// checkNewJob fails unless the resource holds a done job other than the
// first one.
func checkNewJob(first *firstJob) resource.TestCheckFunc {
	return resource.ComposeAggregateTestCheckFunc(
		resource.TestCheckResourceAttr(mapAddress, "status", "done"),
		checkAttributeFunc(mapAddress, "id", func(id string) error {
			if id == "" || id == first.ID() {
				return fmt.Errorf("id is %q, want a new job, not the first job %s", id, first.ID())
			}
			return nil
		}),
	)
}

// replacesTaintedFirstJob returns plan checks for a plan that replaces the
// tainted first job, which is in the state with its id and status.
func replacesTaintedFirstJob(first *firstJob, status string) []plancheck.PlanCheck {
	return []plancheck.PlanCheck{
		expectPriorState(mapAddress, true, func() map[string]string {
			return map[string]string{"id": first.ID(), "status": status}
		}),
		plancheck.ExpectResourceAction(mapAddress, plancheck.ResourceActionDestroyBeforeCreate),
	}
}

// failFastTimeout bounds the wait in tests of failure statuses, so that a
// provider that kept waiting fails the test with a timeout.
const failFastTimeout = `  timeouts = { create = "30s" }`

func TestAccRenderJobOverlimit(t *testing.T) {
	parent := useWorkingDirParent(t)
	api := startTestAPI(t, 0)
	first := forceFirstJob(t, api, "overlimit", "")

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: jobConfig(api, failFastTimeout),
				ExpectError: wrapped("Render job over the monthly limit",
					"because the account is over its monthly usage limit. The job was not charged. Raise the limit"),
			},
			{
				// The job stays in the state, tainted, and a plain apply
				// submits it again.
				PreConfig:        func() { checkSavedJob(t, parent, mapAddress, first.ID(), "overlimit", true) },
				Config:           jobConfig(api, failFastTimeout),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: replacesTaintedFirstJob(first, "overlimit")},
				Check:            checkNewJob(first),
			},
		},
	})
	if got := api.emulator.Submissions(); got != 2 {
		t.Errorf("emulator saw %d submissions, want 2: the overlimit job and its new submission", got)
	}
}

func TestAccRenderJobFailureReason(t *testing.T) {
	parent := useWorkingDirParent(t)
	api := startTestAPI(t, 0)
	first := forceFirstJob(t, api, "failed", "font Fancy Sans is not installed")

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:      jobConfig(api, failFastTimeout),
				ExpectError: regexp.MustCompile(`(?s)Render job failed.*status "failed" for job [A-Za-z0-9]{8}\.\s+part\.io\s+gave\s+the\s+reason:\s+font\s+Fancy\s+Sans\s+is\s+not\s+installed`),
			},
			{
				// Even after `terraform untaint`, a failed job is replaced,
				// because it will never produce a video.
				PreConfig: func() {
					checkSavedJob(t, parent, mapAddress, first.ID(), "failed", true)
					untaint(t, parent, mapAddress)
				},
				Config: jobConfig(api, failFastTimeout),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					expectPriorState(mapAddress, false, func() map[string]string {
						return map[string]string{"id": first.ID(), "status": "failed"}
					}),
					plancheck.ExpectResourceAction(mapAddress, plancheck.ResourceActionDestroyBeforeCreate),
				}},
				Check: checkNewJob(first),
			},
		},
	})
	if got := api.emulator.Submissions(); got != 2 {
		t.Errorf("emulator saw %d submissions, want 2", got)
	}
}

// TestAccRenderJobTimeoutThenUntaint follows a slow job through a create
// timeout, `terraform untaint`, an update that times out again, and an
// update that finishes: one job, submitted once.
func TestAccRenderJobTimeoutThenUntaint(t *testing.T) {
	parent := useWorkingDirParent(t)
	api := startTestAPI(t, 0)
	// "rendering" is not a documented status, so the provider keeps waiting.
	first := forceFirstJob(t, api, "rendering", "")
	timeouts := `  timeouts = { create = "2s", update = "2s" }`
	firstJobState := func(status string) func() map[string]string {
		return func() map[string]string { return map[string]string{"id": first.ID(), "status": status} }
	}

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: jobConfig(api, timeouts),
				ExpectError: wrapped("Timed out waiting for render job",
					`was not done within the create timeout of 2s; its last status was "rendering".`),
			},
			{
				// After untaint, the pending job plans an in-place update
				// that waits for it, and times out again without a taint.
				PreConfig: func() {
					checkSavedJob(t, parent, mapAddress, first.ID(), "rendering", true)
					untaint(t, parent, mapAddress)
				},
				Config: jobConfig(api, timeouts),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					expectPriorState(mapAddress, false, firstJobState("rendering")),
					plancheck.ExpectResourceAction(mapAddress, plancheck.ResourceActionUpdate),
					plancheck.ExpectUnknownValue(mapAddress, tfjsonpath.New("url")),
				}},
				ExpectError: wrapped("Timed out waiting for render job",
					"within the update timeout of 2s; its last status was \"rendering\". The job's id and status "+
						"are saved in the state. The next `terraform apply` waits for the same job again"),
			},
			{
				// The next apply waits again; the job finishes meanwhile.
				PreConfig: func() { checkSavedJob(t, parent, mapAddress, first.ID(), "rendering", false) },
				Config:    jobConfig(api, timeouts),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					expectPriorState(mapAddress, false, firstJobState("rendering")),
					plancheck.ExpectResourceAction(mapAddress, plancheck.ResourceActionUpdate),
					beforeApply(func() {
						if err := api.emulator.SetJobStatus(first.ID(), "done"); err != nil {
							t.Errorf("finishing job %s: %v", first.ID(), err)
						}
					}),
				}},
				Check: resource.ComposeAggregateTestCheckFunc(
					checkAttributeFunc(mapAddress, "id", func(id string) error {
						if id != first.ID() {
							return fmt.Errorf("id is %q, want the first job %s", id, first.ID())
						}
						return nil
					}),
					resource.TestCheckResourceAttr(mapAddress, "status", "done"),
					checkURLServes(mapAddress, "url"),
				),
			},
			{
				Config: jobConfig(api, timeouts),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
			},
		},
	})
	if got := api.emulator.Submissions(); got != 1 {
		t.Errorf("emulator saw %d submissions, want exactly 1: resuming must not submit again", got)
	}
}

func TestAccRenderJobTimeoutThenPlainApply(t *testing.T) {
	parent := useWorkingDirParent(t)
	api := startTestAPI(t, 0)
	first := forceFirstJob(t, api, "queued", "")
	timeouts := `  timeouts = { create = "2s" }`

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:      jobConfig(api, timeouts),
				ExpectError: wrapped("Timed out waiting for render job", "A plain `terraform apply` instead submits a new job"),
			},
			{
				PreConfig:        func() { checkSavedJob(t, parent, mapAddress, first.ID(), "queued", true) },
				Config:           jobConfig(api, timeouts),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: replacesTaintedFirstJob(first, "queued")},
				Check:            checkNewJob(first),
			},
		},
	})
	if got := api.emulator.Submissions(); got != 2 {
		t.Errorf("emulator saw %d submissions, want 2", got)
	}
}

func TestAccRenderJobDeletedOnServer(t *testing.T) {
	api := startTestAPI(t, 0)
	var firstID string

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: jobConfig(api, ""),
				Check: func(s *terraform.State) error {
					id, err := stateAttribute(s, mapAddress, "id")
					firstID = id
					return err
				},
			},
			{
				// Refresh drops the lost job, so the plan creates a new one.
				PreConfig: func() {
					if !api.emulator.DeleteJob(firstID) {
						t.Errorf("job %q was not in the emulator", firstID)
					}
				},
				Config: jobConfig(api, ""),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(mapAddress, plancheck.ResourceActionCreate)},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(mapAddress, tfjsonpath.New("status"), knownvalue.StringExact("done")),
				},
				Check: checkAttributeFunc(mapAddress, "id", func(id string) error {
					if id == firstID {
						return fmt.Errorf("id is still the deleted job %s", id)
					}
					return nil
				}),
			},
		},
	})
	if got := api.emulator.Submissions(); got != 2 {
		t.Errorf("emulator saw %d submissions, want 2", got)
	}
}
