package provider

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
)

func assetConfig(source, extra string) string {
	return fmt.Sprintf(`
resource "partio_asset" "clip" {
  source = %q
  %s
}
`, source, extra)
}

// writeTestFile writes content to a new file in a test directory.
func writeTestFile(t *testing.T, name string, content []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, content, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestAccAssetLifecycle(t *testing.T) {
	api := startTestAPI(t, 0)
	content := bytes.Repeat([]byte("frame "), 10000)
	source := writeTestFile(t, "intro.mp4", content)
	sum := sha256.Sum256(content)
	wantSHA := hex.EncodeToString(sum[:])
	const address = "partio_asset.clip"

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: api.providerConfig() + assetConfig(source, ""),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						// The defaults are in the plan, not only in the state.
						plancheck.ExpectKnownValue(address, tfjsonpath.New("filename"), knownvalue.StringExact("intro.mp4")),
						plancheck.ExpectKnownValue(address, tfjsonpath.New("content_type"), knownvalue.StringExact("video/mp4")),
					},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(address, tfjsonpath.New("filename"), knownvalue.StringExact("intro.mp4")),
					statecheck.ExpectKnownValue(address, tfjsonpath.New("content_type"), knownvalue.StringExact("video/mp4")),
					statecheck.ExpectKnownValue(address, tfjsonpath.New("size"), knownvalue.Int64Exact(int64(len(content)))),
					statecheck.ExpectKnownValue(address, tfjsonpath.New("sha256"), knownvalue.StringExact(wantSHA)),
					statecheck.ExpectKnownValue(address, tfjsonpath.New("url"), knownvalue.StringExact(api.server.URL+"/uploads/intro.mp4")),
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					checkURLServesBytes(address, content),
					func(*terraform.State) error {
						stored, ok := api.emulator.Asset("intro.mp4")
						if !ok {
							return fmt.Errorf("emulator has no file intro.mp4")
						}
						if stored.SHA256 != wantSHA || stored.ContentType != "video/mp4" {
							return fmt.Errorf("emulator stored %+v, want sha256 %s and video/mp4", stored, wantSHA)
						}
						return nil
					},
				),
			},
			{
				// Refresh keeps the state, and nothing is planned.
				Config: api.providerConfig() + assetConfig(source, ""),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
			},
			{
				// A new file name uploads again.
				Config: api.providerConfig() + assetConfig(source, `filename = "opening.mp4"`),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(address, plancheck.ResourceActionDestroyBeforeCreate),
					},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(address, tfjsonpath.New("url"), knownvalue.StringExact(api.server.URL+"/uploads/opening.mp4")),
				},
			},
			{
				// An explicit content type wins over the detected one.
				Config: api.providerConfig() + assetConfig(source, `
  filename     = "opening.mp4"
  content_type = "application/octet-stream"`),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(address, plancheck.ResourceActionDestroyBeforeCreate),
					},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(address, tfjsonpath.New("content_type"), knownvalue.StringExact("application/octet-stream")),
				},
			},
		},
	})
	if stored, ok := api.emulator.Asset("opening.mp4"); !ok || stored.ContentType != "application/octet-stream" {
		t.Errorf("emulator stored %+v for opening.mp4, want the explicit content type", stored)
	}
}

// checkURLServesBytes fails unless the resource's url serves exactly want.
func checkURLServesBytes(address string, want []byte) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		rs, ok := s.RootModule().Resources[address]
		if !ok {
			return fmt.Errorf("%s not found in state", address)
		}
		body, err := fetch(rs.Primary.Attributes["url"])
		if err != nil {
			return err
		}
		if !bytes.Equal(body, want) {
			return fmt.Errorf("%s served %d bytes that differ from the %d uploaded", rs.Primary.Attributes["url"], len(body), len(want))
		}
		return nil
	}
}

func TestAccAssetBadInput(t *testing.T) {
	api := startTestAPI(t, 0)
	file := writeTestFile(t, "logo.png", []byte("png"))
	dir := t.TempDir()
	cases := map[string]struct {
		config string
		want   string
	}{
		"missing file": {assetConfig(filepath.Join(dir, "nope.mp4"), ""), `(?s)Invalid source.*nope.mp4.*does not exist`},
		"directory":    {assetConfig(dir, ""), `(?s)Invalid source.*is a directory`},
		"empty source": {assetConfig("", ""), `(?s)Invalid source.*empty`},
		"path in filename": {assetConfig(file, `filename = "media/logo.png"`),
			`(?s)Invalid filename.*"media/logo.png".*plain file name`},
		"bad content type": {assetConfig(file, `content_type = "png"`),
			`(?s)Invalid content_type.*"png".*not a MIME type`},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: testProviderFactories,
				Steps: []resource.TestStep{{
					Config:      api.providerConfig() + tc.config,
					ExpectError: regexp.MustCompile(tc.want),
				}},
			})
		})
	}
	if assets := api.emulator.Assets(); len(assets) != 0 {
		t.Errorf("emulator stored %d files from invalid configurations, want 0", len(assets))
	}
}
