package provider

import (
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
)

func TestAccProviderMissingToken(t *testing.T) {
	api := startTestAPI(t, 0)
	t.Setenv("PARTIO_TOKEN", "")
	t.Setenv("PARTIO_ENDPOINT", api.server.URL)

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		Steps: []resource.TestStep{{
			Config:      mapsJobConfig(""),
			ExpectError: regexp.MustCompile(`(?s)Missing part.io API token.*PARTIO_TOKEN`),
		}},
	})
	if got := api.emulator.Submissions(); got != 0 {
		t.Errorf("emulator saw %d submissions without a token, want 0", got)
	}
}

func TestAccProviderSettingsFromEnvironment(t *testing.T) {
	api := startTestAPI(t, 0)
	t.Setenv("PARTIO_TOKEN", testToken)
	t.Setenv("PARTIO_ENDPOINT", api.server.URL)

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		Steps: []resource.TestStep{{
			Config: mapsJobConfig(""),
			Check:  resource.TestCheckResourceAttr("partio_render_job.map", "status", "done"),
		}},
	})
	if got := api.emulator.Submissions(); got != 1 {
		t.Errorf("emulator saw %d submissions, want 1", got)
	}
}

func TestAccProviderRejectsPlainHTTPEndpoint(t *testing.T) {
	t.Setenv("PARTIO_TOKEN", testToken)

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		Steps: []resource.TestStep{{
			Config: `
provider "partio" {
  endpoint = "http://api.example.com"
}
` + mapsJobConfig(""),
			ExpectError: regexp.MustCompile(`(?s)Invalid part.io API endpoint.*http is only accepted\s+on a loopback host`),
		}},
	})
}
