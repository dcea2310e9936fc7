package provider

import (
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
)

// typedJobConfig renders a graph whose params use every kind of JSON value
// and whose nodes are written in the documented form, with all four keys.
const typedJobConfig = `
resource "partio_render_job" "typed" {
  nodes = [
    {
      id     = "clip"
      type   = "Video Asset"
      inputs = {}
      params = {
        filename = "intro.mp4"
        volume   = 0.1
        big      = 12345678901234567890
        loop     = true
        crop     = [10, 20.5, "auto"]
        box      = { left = 1, label = { text = "hi", bold = false }, tags = [] }
        nothing  = {}
        empty    = null
      }
    },
    {
      id     = "late"
      type   = "Time Shift"
      inputs = { A = "clip" }
      params = { offset = "00:00:02" }
    },
    {
      id     = "plain"
      type   = "Maps"
      inputs = {}
      params = {}
    },
  ]
  output = {
    node     = "late"
    fps      = 30
    width    = 1920
    height   = 1080
    duration = "00:00:30"
    name     = "typed params"
    test     = true
  }
}
`

func TestAccRenderJobImport(t *testing.T) {
	api := startTestAPI(t, 0)
	const address = "partio_render_job.typed"

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: api.providerConfig() + typedJobConfig,
			},
			{
				// terraform import rebuilds the same state from the job
				// description that part.io returns.
				Config:                  api.providerConfig() + typedJobConfig,
				ResourceName:            address,
				ImportState:             true,
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"timeouts"},
			},
			{
				// An import block followed by the original configuration
				// plans an import and nothing else.
				Config:          api.providerConfig() + typedJobConfig,
				ResourceName:    address,
				ImportState:     true,
				ImportStateKind: resource.ImportBlockWithID,
			},
		},
	})
	if got := api.emulator.Submissions(); got != 1 {
		t.Errorf("emulator saw %d submissions, want 1: import never submits", got)
	}
}

func TestAccRenderJobImportUnknownID(t *testing.T) {
	api := startTestAPI(t, 0)

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		Steps: []resource.TestStep{{
			Config:        api.providerConfig() + mapsJobConfig(""),
			ResourceName:  mapAddress,
			ImportState:   true,
			ImportStateId: "NoSuchJb",
			ExpectError:   regexp.MustCompile(`(?s)Cannot import non-existent remote object`),
		}},
	})
	if got := api.emulator.Submissions(); got != 0 {
		t.Errorf("emulator saw %d submissions, want 0", got)
	}
}

// typedVariableConfig passes the nodes through a typed variable, so that
// they reach the provider as a list of objects with maps inside, not as
// the tuple that a literal gives.
const typedVariableConfig = `
variable "nodes" {
  type = list(object({ id = string, type = string, inputs = map(string), params = map(string) }))
  default = [
    { id = "map", type = "Maps", inputs = {}, params = { position = "Weinheim", duration = "00:00:20" } },
    { id = "late", type = "Time Shift", inputs = { A = "map" }, params = { offset = "00:00:02" } },
  ]
}

resource "partio_render_job" "typed" {
  nodes  = var.nodes
  output = { node = "late", fps = 25, width = 640, height = 360, duration = "00:00:20" }
}
`

func TestAccRenderJobTypedVariable(t *testing.T) {
	api := startTestAPI(t, 0)
	const address = "partio_render_job.typed"

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: api.providerConfig() + typedVariableConfig,
			},
			{
				// Refresh keeps the definition as configured.
				Config: api.providerConfig() + typedVariableConfig,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
			},
			{
				// An import rebuilds tuples and objects. They differ from the
				// variable's list and maps in type only, which is applied in
				// place without a new job.
				Config:             api.providerConfig() + typedVariableConfig,
				ResourceName:       address,
				ImportState:        true,
				ImportStateKind:    resource.ImportBlockWithID,
				ExpectNonEmptyPlan: true,
				ImportPlanChecks: resource.ImportPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(address, plancheck.ResourceActionUpdate)},
				},
			},
		},
	})
	if got := api.emulator.Submissions(); got != 1 {
		t.Errorf("emulator saw %d submissions, want 1", got)
	}
}
