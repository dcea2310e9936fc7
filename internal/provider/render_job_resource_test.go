package provider

import (
	"encoding/json"
	"fmt"
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

func TestAccRenderJobUnknownOutputNode(t *testing.T) {
	api := startTestAPI(t, 0)

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		Steps: []resource.TestStep{{
			Config: api.providerConfig() + strings.Replace(mapsJobConfig(""),
				`node     = "0XuOdadtQ2"`, `node     = "typo"`, 1),
			ExpectError: regexp.MustCompile(`(?s)Unknown output node.*"typo".*"0XuOdadtQ2"`),
		}},
	})
	if got := api.emulator.Submissions(); got != 0 {
		t.Errorf("emulator saw %d submissions for an invalid job, want 0", got)
	}
}

func TestAccRenderJobMalformedNodes(t *testing.T) {
	api := startTestAPI(t, 0)
	cases := map[string]struct {
		nodes string
		want  string
	}{
		"not a list":   {`"Maps"`, `must be a list of node objects`},
		"empty list":   {`[]`, `at least one node`},
		"missing id":   {`[{ type = "Maps" }]`, `(?s)nodes\[0\]\.id.*non-empty string|(?s)Missing value.*id`},
		"unknown key":  {`[{ id = "a", type = "Maps", position = "x" }]`, `(?s)Unsupported node key.*"position"`},
		"inputs list":  {`[{ id = "a", type = "Maps", inputs = ["b"] }]`, `(?s)Invalid node inputs`},
		"numeric type": {`[{ id = "a", type = 3 }]`, `(?s)must be a string, got a number`},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: testProviderFactories,
				Steps: []resource.TestStep{{
					Config: api.providerConfig() + fmt.Sprintf(`
resource "partio_render_job" "bad" {
  nodes  = %s
  output = { node = "a", fps = 25, width = 640, height = 360, duration = "00:00:05" }
}
`, tc.nodes),
					ExpectError: regexp.MustCompile(tc.want),
				}},
			})
		})
	}
	if got := api.emulator.Submissions(); got != 0 {
		t.Errorf("emulator saw %d submissions for invalid jobs, want 0", got)
	}
}
