package provider

import (
	"context"
	"fmt"
	"math/big"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/partio/terraform-provider-partio/internal/partio"
)

func TestAccRenderJobDataSource(t *testing.T) {
	api := startTestAPI(t, 0)
	const lookup = "data.partio_render_job.lookup"

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		Steps: []resource.TestStep{{
			Config: api.providerConfig() + mapsJobConfig("") + `
data "partio_render_job" "lookup" {
  id = partio_render_job.map.id
}
`,
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.CompareValuePairs(lookup, tfjsonpath.New("id"), mapAddress, tfjsonpath.New("id"), compare.ValuesSame()),
				statecheck.CompareValuePairs(lookup, tfjsonpath.New("url"), mapAddress, tfjsonpath.New("url"), compare.ValuesSame()),
				statecheck.CompareValuePairs(lookup, tfjsonpath.New("created_at"), mapAddress, tfjsonpath.New("created_at"), compare.ValuesSame()),
				statecheck.CompareValuePairs(lookup, tfjsonpath.New("nodes"), mapAddress, tfjsonpath.New("nodes"), compare.ValuesSame()),
				statecheck.CompareValuePairs(lookup, tfjsonpath.New("output"), mapAddress, tfjsonpath.New("output"), compare.ValuesSame()),
				statecheck.ExpectKnownValue(lookup, tfjsonpath.New("status"), knownvalue.StringExact("done")),
				statecheck.ExpectKnownValue(lookup, tfjsonpath.New("nodes"), knownvalue.ListExact([]knownvalue.Check{
					knownvalue.ObjectExact(map[string]knownvalue.Check{
						"id":     knownvalue.StringExact("0XuOdadtQ2"),
						"type":   knownvalue.StringExact("Maps"),
						"inputs": knownvalue.ObjectExact(map[string]knownvalue.Check{}),
						"params": knownvalue.ObjectExact(map[string]knownvalue.Check{
							"duration": knownvalue.StringExact("00:00:20"),
							"position": knownvalue.StringExact("Weinheim"),
						}),
					}),
				})),
				statecheck.ExpectKnownValue(lookup, tfjsonpath.New("output"), knownvalue.ObjectExact(map[string]knownvalue.Check{
					"node":     knownvalue.StringExact("0XuOdadtQ2"),
					"type":     knownvalue.StringExact("mp4"),
					"fps":      knownvalue.NumberExact(big.NewFloat(25)),
					"width":    knownvalue.NumberExact(big.NewFloat(640)),
					"height":   knownvalue.NumberExact(big.NewFloat(360)),
					"duration": knownvalue.StringExact("00:00:20"),
					"name":     knownvalue.StringExact(""),
					"test":     knownvalue.Bool(false),
				})),
			},
			Check: checkURLServes(lookup, "url"),
		}},
	})
	if got := api.emulator.Submissions(); got != 1 {
		t.Errorf("emulator saw %d submissions, want 1: the data source never submits", got)
	}
}

func TestAccRenderJobDataSourceUnfinishedJobs(t *testing.T) {
	api := startTestAPI(t, time.Hour)
	client, err := partio.NewClient(partio.Config{Endpoint: api.server.URL, Token: testToken})
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	desc := partio.JobDescription{
		Nodes:  []partio.Node{{ID: "a", Type: "Maps", Params: map[string]any{"position": "Weinheim"}}},
		Output: partio.Output{Type: "mp4", FPS: 25, Width: 640, Height: 360, Duration: "00:00:20", Node: "a"},
	}
	queued, err := client.SubmitJob(context.Background(), desc)
	if err != nil {
		t.Fatalf("SubmitJob: %v", err)
	}
	failed, err := client.SubmitJob(context.Background(), desc)
	if err != nil {
		t.Fatalf("SubmitJob: %v", err)
	}
	if err := api.emulator.SetJobFailure(failed, "failed", "out of memory"); err != nil {
		t.Fatal(err)
	}

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		Steps: []resource.TestStep{{
			Config: api.providerConfig() + fmt.Sprintf(`
data "partio_render_job" "queued" {
  id = %q
}

data "partio_render_job" "failed" {
  id = %q
}
`, queued, failed),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("data.partio_render_job.queued", tfjsonpath.New("status"), knownvalue.StringExact("queued")),
				statecheck.ExpectKnownValue("data.partio_render_job.queued", tfjsonpath.New("url"), knownvalue.Null()),
				statecheck.ExpectKnownValue("data.partio_render_job.failed", tfjsonpath.New("status"), knownvalue.StringExact("failed")),
				statecheck.ExpectKnownValue("data.partio_render_job.failed", tfjsonpath.New("url"), knownvalue.Null()),
				statecheck.ExpectKnownValue("data.partio_render_job.failed", tfjsonpath.New("output").AtMapKey("node"), knownvalue.StringExact("a")),
			},
		}},
	})
	if got := api.emulator.Submissions(); got != 2 {
		t.Errorf("emulator saw %d submissions, want the 2 made by the test", got)
	}
}

func TestAccRenderJobDataSourceNotFound(t *testing.T) {
	api := startTestAPI(t, 0)

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		Steps: []resource.TestStep{{
			Config: api.providerConfig() + `
data "partio_render_job" "lookup" {
  id = "NoSuchJb"
}
`,
			ExpectError: wrapped("Render job not found", `part.io has no job with the id "NoSuchJb".`),
		}},
	})
}
