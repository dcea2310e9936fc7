package provider

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/partio/terraform-provider-partio/internal/emulator"
)

// mapsJobConfig is the Maps job of the part.io documentation, rendering
// the given place (Weinheim when empty).
func mapsJobConfig(position string) string {
	if position == "" {
		position = "Weinheim"
	}
	return fmt.Sprintf(`
resource "partio_render_job" "map" {
  nodes = [{
    id     = "0XuOdadtQ2"
    type   = "Maps"
    inputs = {}
    params = {
      duration = "00:00:20"
      position = %q
    }
  }]
  output = {
    node     = "0XuOdadtQ2"
    fps      = 25
    width    = 640
    height   = 360
    duration = "00:00:20"
  }
}
`, position)
}

// checkURLServes fails unless the attribute holds a URL that serves bytes.
func checkURLServes(address, attribute string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		rs, ok := s.RootModule().Resources[address]
		if !ok {
			return fmt.Errorf("%s not found in state", address)
		}
		url := rs.Primary.Attributes[attribute]
		if url == "" {
			return fmt.Errorf("%s.%s is empty", address, attribute)
		}
		body, err := fetch(url)
		if err != nil {
			return err
		}
		if len(body) == 0 {
			return fmt.Errorf("%s served no bytes", url)
		}
		return nil
	}
}

func TestAccRenderJobLifecycle(t *testing.T) {
	api := startTestAPI(t, 2*time.Second)
	const address = "partio_render_job.map"

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: api.providerConfig() + mapsJobConfig("Weinheim"),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(address, tfjsonpath.New("id"), knownvalue.StringRegexp(regexp.MustCompile(`^[A-Za-z0-9]{8}$`))),
					statecheck.ExpectKnownValue(address, tfjsonpath.New("status"), knownvalue.StringExact("done")),
					statecheck.ExpectKnownValue(address, tfjsonpath.New("url"), knownvalue.StringRegexp(regexp.MustCompile(`^`+regexp.QuoteMeta(api.server.URL)+`/`))),
					statecheck.ExpectKnownValue(address, tfjsonpath.New("created_at"), knownvalue.StringRegexp(regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$`))),
					statecheck.ExpectKnownValue(address, tfjsonpath.New("output").AtMapKey("type"), knownvalue.StringExact("mp4")),
					statecheck.ExpectKnownValue(address, tfjsonpath.New("output").AtMapKey("test"), knownvalue.Bool(false)),
				},
				Check: checkURLServes(address, "url"),
			},
			{
				// The same configuration right after apply plans nothing.
				Config: api.providerConfig() + mapsJobConfig("Weinheim"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
			},
			{
				// A changed param submits a new job.
				Config: api.providerConfig() + mapsJobConfig("Mannheim"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(address, plancheck.ResourceActionDestroyBeforeCreate),
					},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(address, tfjsonpath.New("status"), knownvalue.StringExact("done")),
				},
			},
		},
	})
	if got := api.emulator.Submissions(); got != 2 {
		t.Errorf("emulator saw %d submissions, want 2: one per definition", got)
	}
}

func TestAccRenderJobParamsReachAPIUnchanged(t *testing.T) {
	api := startTestAPI(t, 0)

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		Steps: []resource.TestStep{{
			Config: api.providerConfig() + `
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
        box      = { left = 1, label = { text = "hi", bold = false } }
      }
    },
    {
      id     = "late"
      type   = "Time Shift"
      inputs = { A = "clip" }
      params = { offset = "00:00:02" }
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
`,
			Check: resource.TestCheckResourceAttr("partio_render_job.typed", "status", "done"),
		}},
	})

	jobs := api.emulator.Jobs()
	if len(jobs) != 1 {
		t.Fatalf("emulator has %d jobs, want 1", len(jobs))
	}
	body := string(jobs[0].Description)
	for _, want := range []string{
		`"volume":0.1`,
		`"big":12345678901234567890`,
		`"loop":true`,
		`"crop":[10,20.5,"auto"]`,
		`"box":{"label":{"bold":false,"text":"hi"},"left":1}`,
		`"inputs":{"A":"clip"}`,
		`"inputs":{}`,
		`"test":true`,
		`"name":"typed params"`,
		`"fps":30`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("submitted job lacks %s:\n%s", want, body)
		}
	}
	var decoded map[string]any
	if err := json.Unmarshal(jobs[0].Description, &decoded); err != nil {
		t.Errorf("submitted job is not JSON: %v", err)
	}
}

// validJobNodes and validJobOutput make a valid job of two nodes. The
// cases of TestAccRenderJobRejectsInvalidConfig break one rule each.
const (
	validJobNodes = `[
    { id = "a", type = "Maps", inputs = {}, params = { duration = "00:00:05" } },
    { id = "b", type = "Time Shift", inputs = { A = "a" }, params = { offset = "00:00:02" } },
  ]`
	validJobOutput = `{ node = "b", fps = 25, width = 640, height = 360, duration = "00:00:05" }`
)

func TestAccRenderJobRejectsInvalidConfig(t *testing.T) {
	api := startTestAPI(t, 0)
	cases := map[string]struct {
		nodes  string
		output string
		want   *regexp.Regexp
	}{
		"nodes not a list": {`"Maps"`, "", wrapped("Invalid nodes", "`nodes` must be a list of node objects")},
		"nodes empty":      {`[]`, "", wrapped("Invalid nodes", "`nodes` must contain at least one node.")},
		"node not an object": {`["a"]`, `{ node = "a", fps = 25, width = 640, height = 360, duration = "00:00:05" }`,
			wrapped("Invalid node", "Each node must be an object with `id`, `type`, `inputs` and `params`, got a string.")},
		"unsupported key": {`[{ id = "b", type = "Maps", inputs = {}, params = {}, position = "x" }]`, "",
			wrapped("Invalid node", `"position" is not one of them. Element settings belong in `+"`params`.")},
		"missing inputs": {`[{ id = "b", type = "Maps", params = {} }]`, "",
			wrapped("Invalid node", "nodes[0] has no `inputs`.")},
		"missing id": {`[{ type = "Maps", inputs = {}, params = {} }]`, `{ node = "a", fps = 25, width = 640, height = 360, duration = "00:00:05" }`,
			wrapped("Invalid node", "nodes[0] has no `id`.")},
		"empty id": {`[{ id = "", type = "Maps", inputs = {}, params = {} }]`, `{ node = "a", fps = 25, width = 640, height = 360, duration = "00:00:05" }`,
			wrapped("Invalid node id", "At nodes[0].id: `id` must be a non-empty string.")},
		"numeric type": {`[{ id = "b", type = 3, inputs = {}, params = {} }]`, "",
			wrapped("Invalid node type", "At nodes[0].type: `type` must be a string, got a number.")},
		"duplicate id": {`[
    { id = "b", type = "Maps", inputs = {}, params = {} },
    { id = "b", type = "Maps", inputs = {}, params = {} },
  ]`, "", wrapped("Invalid node id", `Node id "b" is used by nodes[0] and nodes[1].`)},
		"inputs not an object": {`[{ id = "b", type = "Maps", inputs = ["a"], params = {} }]`, "",
			wrapped("Invalid node inputs", "`inputs` must be an object mapping input names to node ids")},
		"input names no node": {`[
    { id = "a", type = "Maps", inputs = {}, params = {} },
    { id = "b", type = "Time Shift", inputs = { A = "typo" }, params = {} },
  ]`, "", wrapped("Invalid node inputs", `Input "A" of node "b" names node "typo", but no node has that id. `+
			`Set it to the id of one of the nodes: "a", "b".`)},
		"cycle": {`[
    { id = "a", type = "Compose", inputs = { A = "c", B = "b" }, params = {} },
    { id = "b", type = "Time Shift", inputs = { A = "a" }, params = {} },
    { id = "c", type = "Maps", inputs = {}, params = {} },
  ]`, "", wrapped("Invalid node inputs",
			`The inputs form a cycle: "a" takes input "B" from "b", "b" takes input "A" from "a".`)},
		"params not an object": {`[{ id = "b", type = "Maps", inputs = {}, params = "x" }]`, "",
			wrapped("Invalid node params", "`params` must be an object of element settings")},
		"duration param": {`[{ id = "b", type = "Maps", inputs = {}, params = { duration = "00:61:00" } }]`, "",
			wrapped("Invalid node params", `Param "duration" is "00:61:00", but minutes and seconds must be below 60; write "01:01:00" instead.`)},
		"output node": {"", `{ node = "typo", fps = 25, width = 640, height = 360, duration = "00:00:05" }`,
			wrapped("Invalid output node", "`output.node` is \"typo\", but no node has that id.")},
		"output type": {"", `{ node = "b", type = "mov", fps = 25, width = 640, height = 360, duration = "00:00:05" }`,
			wrapped("Invalid output type", "`output.type` is \"mov\", but part.io renders only these containers: \"mp4\".")},
		"fps": {"", `{ node = "b", fps = 0, width = 640, height = 360, duration = "00:00:05" }`,
			wrapped("Invalid output fps", "`output.fps` is 0, but it must be a whole number of frames per second from 1 to 120.")},
		"width": {"", `{ node = "b", fps = 25, width = 10000, height = 360, duration = "00:00:05" }`,
			wrapped("Invalid output width", "`output.width` is 10000, but it must be a whole number of pixels from 1 to 7680.")},
		"height": {"", `{ node = "b", fps = 25, width = 640, height = -360, duration = "00:00:05" }`,
			wrapped("Invalid output height", "`output.height` is -360")},
		"fractional fps": {"", `{ node = "b", fps = 29.97, width = 640, height = 360, duration = "00:00:05" }`,
			wrapped("Invalid output fps", "`output.fps` is 29.97, but it must be a whole number of frames per second")},
		"duration form": {"", `{ node = "b", fps = 25, width = 640, height = 360, duration = "20s" }`,
			wrapped("Invalid output duration", "`output.duration` is \"20s\", but a length must be written as HH:MM:SS")},
		"duration seconds": {"", `{ node = "b", fps = 25, width = 640, height = 360, duration = "00:00:90" }`,
			wrapped("Invalid output duration", `but minutes and seconds must be below 60; write "00:01:30" instead.`)},
		"duration zero": {"", `{ node = "b", fps = 25, width = 640, height = 360, duration = "00:00:00" }`,
			wrapped("Invalid output duration", "a video must be longer than 00:00:00.")},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			nodes, output := tc.nodes, tc.output
			if nodes == "" {
				nodes = validJobNodes
			}
			if output == "" {
				output = validJobOutput
			}
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: testProviderFactories,
				Steps: []resource.TestStep{{
					Config: api.providerConfig() + fmt.Sprintf(`
resource "partio_render_job" "bad" {
  nodes  = %s
  output = %s
}
`, nodes, output),
					ExpectError: tc.want,
				}},
			})
		})
	}
	if got := api.emulator.Submissions(); got != 0 {
		t.Errorf("emulator saw %d submissions for invalid jobs, want 0", got)
	}
}

func TestAccRenderJobRejectsNonPositiveTimeout(t *testing.T) {
	api := startTestAPI(t, 0)
	for _, timeout := range []string{"0s", "-5m"} {
		t.Run(timeout, func(t *testing.T) {
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: testProviderFactories,
				Steps: []resource.TestStep{{
					Config: api.providerConfig() + strings.Replace(mapsJobConfig(""), "  output = {",
						fmt.Sprintf("  timeouts = { update = %q }\n  output = {", timeout), 1),
					ExpectError: wrapped("Invalid timeout", fmt.Sprintf("`timeouts.update` is %q, but it must be longer than zero", timeout)),
				}},
			})
		})
	}
	if got := api.emulator.Submissions(); got != 0 {
		t.Errorf("emulator saw %d submissions, want 0", got)
	}
}

func TestAccRenderJobValidConfigPasses(t *testing.T) {
	api := startTestAPI(t, 0)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		Steps: []resource.TestStep{{
			Config: api.providerConfig() + fmt.Sprintf(`
resource "partio_render_job" "good" {
  nodes  = %s
  output = %s
}
`, validJobNodes, validJobOutput),
			Check: resource.TestCheckResourceAttr("partio_render_job.good", "status", "done"),
		}},
	})
	if got := api.emulator.Submissions(); got != 1 {
		t.Errorf("emulator saw %d submissions, want 1", got)
	}
}

// TestAccRenderJobUnknownValuesCheckedAtApply uses values that are unknown
// while planning: validation skips them, and Create checks them before it
// submits anything.
func TestAccRenderJobUnknownValuesCheckedAtApply(t *testing.T) {
	config := func(api *testAPI, duration string) string {
		return api.providerConfig() + fmt.Sprintf(`
resource "terraform_data" "late" {
  input = { id = "late", place = "Mannheim", duration = %q }
}

resource "partio_render_job" "late" {
  nodes = [
    { id = terraform_data.late.output.id, type = "Maps", inputs = {}, params = { position = terraform_data.late.output.place } },
    { id = "shift", type = "Time Shift", inputs = { A = terraform_data.late.output.id }, params = {} },
  ]
  output = {
    node     = terraform_data.late.output.id
    fps      = 25
    width    = 640
    height   = 360
    duration = terraform_data.late.output.duration
  }
}
`, duration)
	}

	t.Run("valid once known", func(t *testing.T) {
		api := startTestAPI(t, 0)
		resource.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: testProviderFactories,
			Steps: []resource.TestStep{{
				Config: config(api, "00:00:05"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectUnknownValue("partio_render_job.late", tfjsonpath.New("output").AtMapKey("duration")),
				}},
				Check: resource.TestCheckResourceAttr("partio_render_job.late", "status", "done"),
			}},
		})
		jobs := api.emulator.Jobs()
		if len(jobs) != 1 || !strings.Contains(string(jobs[0].Description), `"position":"Mannheim"`) {
			t.Errorf("emulator jobs = %d, want 1 with the position known at apply", len(jobs))
		}
	})

	t.Run("invalid once known", func(t *testing.T) {
		api := startTestAPI(t, 0)
		resource.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: testProviderFactories,
			Steps: []resource.TestStep{{
				Config:      config(api, "00:00:75"),
				ExpectError: wrapped("Invalid output duration", "`output.duration` is \"00:00:75\""),
			}},
		})
		if got := api.emulator.Submissions(); got != 0 {
			t.Errorf("emulator saw %d submissions for a job invalid at apply, want 0", got)
		}
	})
}

func TestAccRenderJobSubmitRejected(t *testing.T) {
	api := startTestAPI(t, 0)
	api.emulator.AddFault(emulator.Fault{Method: http.MethodPost, PathPrefix: "/job", Count: 1,
		Status: http.StatusBadRequest, Body: `{"error":"unsupported element"}`})

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		Steps: []resource.TestStep{{
			Config:      api.providerConfig() + mapsJobConfig(""),
			ExpectError: regexp.MustCompile(`(?s)Unable to submit render job.*unsupported element.*No job was\s+created`),
		}},
	})
	if got := api.emulator.Submissions(); got != 0 {
		t.Errorf("emulator saw %d submissions, want 0", got)
	}
}

func TestAccRenderJobSubmitLostAnswer(t *testing.T) {
	api := startTestAPI(t, 0)
	// The job is created, but the connection closes before the response.
	api.emulator.AddFault(emulator.Fault{Method: http.MethodPost, PathPrefix: "/job", Count: 1, ResetAfterProcessing: true})

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		Steps: []resource.TestStep{{
			Config:      api.providerConfig() + mapsJobConfig(""),
			ExpectError: regexp.MustCompile(`(?s)Unable to submit render job.*A job may\s+exist.*No job id came back`),
		}},
	})
	if got := api.emulator.Submissions(); got != 1 {
		t.Errorf("emulator saw %d submissions, want exactly 1: the submission must not be retried", got)
	}
}
