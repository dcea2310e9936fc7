package provider

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
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

// wrappedPattern compiles a pattern for an error message that Terraform
// may have wrapped: each space matches any run of white space. (?s) lets
// ".*" cross lines.
func wrappedPattern(pattern string) *regexp.Regexp {
	return regexp.MustCompile(`(?s)` + strings.ReplaceAll(pattern, " ", `\s+`))
}

// sha256Hex returns the SHA-256 of data in lowercase hex.
func sha256Hex(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// checkEmulatorAsset fails unless the emulator stores filename with the
// given SHA-256 and content type.
func checkEmulatorAsset(api *testAPI, filename, wantSHA, wantContentType string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		stored, ok := api.emulator.Asset(filename)
		if !ok {
			return fmt.Errorf("emulator has no file %s", filename)
		}
		if stored.SHA256 != wantSHA {
			return fmt.Errorf("emulator stored %s with sha256 %s, want %s", filename, stored.SHA256, wantSHA)
		}
		if stored.ContentType != wantContentType {
			return fmt.Errorf("emulator stored %s with content type %q, want %q", filename, stored.ContentType, wantContentType)
		}
		return nil
	}
}

func TestAccAssetContent(t *testing.T) {
	api := startTestAPI(t, 0)
	const address = "partio_asset.clip"
	first := `<div class="lower-third">Ada Lovelace</div>`
	second := `<div class="lower-third">Grace Hopper</div>`
	config := func(attribute, value string) string {
		return api.providerConfig() + fmt.Sprintf(`
resource "partio_asset" "clip" {
  %s = %q
  filename = "lower-third.html"
}
`, attribute, value)
	}

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: config("content", first),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectKnownValue(address, tfjsonpath.New("sha256"), knownvalue.StringExact(sha256Hex([]byte(first)))),
						plancheck.ExpectKnownValue(address, tfjsonpath.New("size"), knownvalue.Int64Exact(int64(len(first)))),
						plancheck.ExpectKnownValue(address, tfjsonpath.New("content_type"), knownvalue.StringExact("text/html")),
					},
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					checkEmulatorAsset(api, "lower-third.html", sha256Hex([]byte(first)), "text/html"),
					checkURLServesBytes(address, []byte(first)),
				),
			},
			{
				// New text uploads again.
				Config: config("content", second),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(address, plancheck.ResourceActionDestroyBeforeCreate),
					},
				},
				Check: checkEmulatorAsset(api, "lower-third.html", sha256Hex([]byte(second)), "text/html"),
			},
			{
				// The same bytes given as base64 change only the state.
				Config: config("content_base64", base64.StdEncoding.EncodeToString([]byte(second))),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(address, plancheck.ResourceActionUpdate),
					},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(address, tfjsonpath.New("sha256"), knownvalue.StringExact(sha256Hex([]byte(second)))),
				},
			},
		},
	})
}

func TestAccAssetContentBase64(t *testing.T) {
	api := startTestAPI(t, 0)
	const address = "partio_asset.clip"
	// A PNG signature and header chunk followed by bytes that are not text.
	data := append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR"), 0x00, 0xff, 0x10, 0x80, 0x7f)

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		Steps: []resource.TestStep{{
			Config: api.providerConfig() + fmt.Sprintf(`
resource "partio_asset" "clip" {
  content_base64 = %q
  filename       = "watermark"
}
`, base64.StdEncoding.EncodeToString(data)),
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PreApply: []plancheck.PlanCheck{
					// No extension, so the type comes from the bytes.
					plancheck.ExpectKnownValue(address, tfjsonpath.New("content_type"), knownvalue.StringExact("image/png")),
					plancheck.ExpectKnownValue(address, tfjsonpath.New("sha256"), knownvalue.StringExact(sha256Hex(data))),
				},
			},
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(address, tfjsonpath.New("size"), knownvalue.Int64Exact(int64(len(data)))),
				statecheck.ExpectKnownValue(address, tfjsonpath.New("url"), knownvalue.StringExact(api.server.URL+"/uploads/watermark")),
			},
			Check: resource.ComposeAggregateTestCheckFunc(
				checkEmulatorAsset(api, "watermark", sha256Hex(data), "image/png"),
				checkURLServesBytes(address, data),
			),
		}},
	})
}

func TestAccAssetChangeDetection(t *testing.T) {
	api := startTestAPI(t, 0)
	const address = "partio_asset.clip"
	original := bytes.Repeat([]byte("first cut "), 5000)
	edited := bytes.Repeat([]byte("final cut "), 5000)
	source := writeTestFile(t, "intro.mp4", original)
	moved := filepath.Join(t.TempDir(), "intro.mp4")

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: api.providerConfig() + assetConfig(source, ""),
				Check:  checkEmulatorAsset(api, "intro.mp4", sha256Hex(original), "video/mp4"),
			},
			{
				// A touched file with the same bytes plans nothing.
				PreConfig: func() {
					later := time.Now().Add(time.Hour)
					if err := os.Chtimes(source, later, later); err != nil {
						t.Fatal(err)
					}
				},
				Config: api.providerConfig() + assetConfig(source, ""),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
			},
			{
				// New bytes in the same file plan a new upload.
				PreConfig: func() {
					if err := os.WriteFile(source, edited, 0o600); err != nil {
						t.Fatal(err)
					}
				},
				Config: api.providerConfig() + assetConfig(source, ""),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(address, plancheck.ResourceActionDestroyBeforeCreate),
						plancheck.ExpectKnownValue(address, tfjsonpath.New("sha256"), knownvalue.StringExact(sha256Hex(edited))),
					},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(address, tfjsonpath.New("sha256"), knownvalue.StringExact(sha256Hex(edited))),
				},
				Check: checkEmulatorAsset(api, "intro.mp4", sha256Hex(edited), "video/mp4"),
			},
			{
				// The same bytes and file name at another path upload nothing.
				PreConfig: func() {
					if err := os.WriteFile(moved, edited, 0o600); err != nil {
						t.Fatal(err)
					}
				},
				Config: api.providerConfig() + assetConfig(moved, ""),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(address, plancheck.ResourceActionUpdate),
					},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(address, tfjsonpath.New("source"), knownvalue.StringExact(moved)),
				},
			},
		},
	})
}

func TestAccAssetContentTypeDetection(t *testing.T) {
	api := startTestAPI(t, 0)
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	cases := []struct {
		resource, source, extra, want string
	}{
		{"by_extension", write("title.html", []byte("plain words")), "", "text/html"},
		{"upper_case_extension", write("LOGO.PNG", []byte("not really a png")), "", "image/png"},
		{"sniffed_html", write("card.tpl", []byte("<!DOCTYPE html><p>Weinheim</p>")), "", "text/html; charset=utf-8"},
		{"sniffed_png", write("frame", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR")), "", "image/png"},
		{"unrecognized", write("blob.xyz", []byte{0x00, 0x01, 0x02, 0xfe}), "", "application/octet-stream"},
		{"explicit", write("clip.mp4", []byte("frames")), `content_type = "video/quicktime"`, "video/quicktime"},
	}
	var config strings.Builder
	config.WriteString(api.providerConfig())
	var planChecks []plancheck.PlanCheck
	var checks []resource.TestCheckFunc
	for _, tc := range cases {
		fmt.Fprintf(&config, "resource \"partio_asset\" %q {\n  source = %q\n  %s\n}\n", tc.resource, tc.source, tc.extra)
		address := "partio_asset." + tc.resource
		planChecks = append(planChecks, plancheck.ExpectKnownValue(address, tfjsonpath.New("content_type"), knownvalue.StringExact(tc.want)))
		data, err := os.ReadFile(tc.source)
		if err != nil {
			t.Fatal(err)
		}
		checks = append(checks, checkEmulatorAsset(api, filepath.Base(tc.source), sha256Hex(data), tc.want))
	}

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:           config.String(),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: planChecks},
				Check:            resource.ComposeAggregateTestCheckFunc(checks...),
			},
			{
				// Detection returns the same types on the next plan.
				Config: config.String(),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
			},
		},
	})
}

func TestAccAssetUnknownSource(t *testing.T) {
	api := startTestAPI(t, 0)
	content := []byte("opening titles")
	first := writeTestFile(t, "opening.mp4", content)
	second := writeTestFile(t, "opening.mp4", content)
	const address = "partio_asset.clip"
	const named = "partio_asset.named"
	config := func(source string) string {
		return api.providerConfig() + fmt.Sprintf(`
resource "terraform_data" "path" {
  input = %q
}

resource "partio_asset" "clip" {
  source = terraform_data.path.output
}

resource "partio_asset" "named" {
  source   = terraform_data.path.output
  filename = "named.mp4"
}
`, source)
	}

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: config(first),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectUnknownValue(address, tfjsonpath.New("sha256")),
						plancheck.ExpectUnknownValue(address, tfjsonpath.New("size")),
						plancheck.ExpectUnknownValue(address, tfjsonpath.New("filename")),
						plancheck.ExpectUnknownValue(address, tfjsonpath.New("content_type")),
						// A known file name still gives the content type.
						plancheck.ExpectUnknownValue(named, tfjsonpath.New("sha256")),
						plancheck.ExpectKnownValue(named, tfjsonpath.New("content_type"), knownvalue.StringExact("video/mp4")),
					},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(address, tfjsonpath.New("sha256"), knownvalue.StringExact(sha256Hex(content))),
					statecheck.ExpectKnownValue(address, tfjsonpath.New("filename"), knownvalue.StringExact("opening.mp4")),
					statecheck.ExpectKnownValue(address, tfjsonpath.New("content_type"), knownvalue.StringExact("video/mp4")),
				},
				Check: checkEmulatorAsset(api, "opening.mp4", sha256Hex(content), "video/mp4"),
			},
			{
				// A source that becomes unknown again cannot be compared, so
				// the plan uploads again.
				Config: config(second),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectUnknownValue(address, tfjsonpath.New("sha256")),
						plancheck.ExpectResourceAction(address, plancheck.ResourceActionDestroyBeforeCreate),
					},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(address, tfjsonpath.New("source"), knownvalue.StringExact(second)),
				},
			},
		},
	})
}

// readLog returns the log file that the test sink and terraform wrote.
func readLog(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("reading log: %v", err)
	}
	return string(data)
}

func TestAccAssetSignedURLRejectedOnce(t *testing.T) {
	api := startTestAPI(t, 0)
	content := bytes.Repeat([]byte("logo "), 1000)
	source := writeTestFile(t, "logo.png", content)
	// The provider runs in this process, so its logs go to this file.
	logPath := filepath.Join(t.TempDir(), "terraform.log")
	t.Setenv("TF_ACC_LOG_PATH", logPath)
	api.emulator.AddFault(emulator.Fault{Method: http.MethodPut, PathPrefix: "/uploads/", Count: 1, Status: http.StatusForbidden})

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		Steps: []resource.TestStep{{
			Config: api.providerConfig() + assetConfig(source, ""),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("partio_asset.clip", tfjsonpath.New("url"), knownvalue.StringExact(api.server.URL+"/uploads/logo.png")),
				statecheck.ExpectKnownValue("partio_asset.clip", tfjsonpath.New("sha256"), knownvalue.StringExact(sha256Hex(content))),
			},
			Check: checkEmulatorAsset(api, "logo.png", sha256Hex(content), "image/png"),
		}},
	})
	if hits := api.emulator.FaultHits(); hits != 1 {
		t.Errorf("the 403 fault answered %d uploads, want 1", hits)
	}
	logged := readLog(t, logPath)
	if !strings.Contains(logged, "part.io rejected the signed upload URL; requesting a fresh one") {
		t.Errorf("the log does not record the rejected signed URL")
	}
	if strings.Contains(logged, "signature=") {
		t.Errorf("the log contains a signed URL's query")
	}
}

func TestAccAssetSignedURLRejectedTwice(t *testing.T) {
	api := startTestAPI(t, 0)
	source := writeTestFile(t, "logo.png", []byte("logo"))
	// More rejections than the provider may cause, to count its attempts.
	api.emulator.AddFault(emulator.Fault{Method: http.MethodPut, PathPrefix: "/uploads/", Count: 5, Status: http.StatusForbidden})

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		Steps: []resource.TestStep{{
			Config:      api.providerConfig() + assetConfig(source, ""),
			ExpectError: wrappedPattern(`Unable to upload asset.*rejected the signed upload URL 2 times.*status 403`),
		}},
	})
	if hits := api.emulator.FaultHits(); hits != 2 {
		t.Errorf("the provider sent %d uploads, want 2: the first and one with a fresh URL", hits)
	}
	if assets := api.emulator.Assets(); len(assets) != 0 {
		t.Errorf("emulator stored %d files, want 0", len(assets))
	}
}

func TestAccAssetSourceRemovedAfterApply(t *testing.T) {
	api := startTestAPI(t, 0)
	content := []byte("end credits")
	source := writeTestFile(t, "credits.mp4", content)
	remove := func() {
		if err := os.Remove(source); err != nil {
			t.Fatal(err)
		}
	}

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: api.providerConfig() + assetConfig(source, ""),
			},
			{
				// A missing file plans no change: nothing is replaced, and
				// the warning is checked by TestModifyPlanSourceVanished.
				PreConfig: remove,
				Config:    api.providerConfig() + assetConfig(source, ""),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
			},
			{
				// Restoring the file brings back an empty plan.
				PreConfig: func() {
					if err := os.WriteFile(source, content, 0o600); err != nil {
						t.Fatal(err)
					}
				},
				Config: api.providerConfig() + assetConfig(source, ""),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
			},
			{
				// A plain destroy works without the file.
				PreConfig: remove,
				Config:    api.providerConfig() + assetConfig(source, ""),
				Destroy:   true,
			},
		},
	})
	if stored, ok := api.emulator.Asset("credits.mp4"); !ok || stored.SHA256 != sha256Hex(content) {
		t.Errorf("emulator stored %+v for credits.mp4, want the uploaded bytes kept", stored)
	}
}

func TestAccAssetDestroyWithoutRefresh(t *testing.T) {
	api := startTestAPI(t, 0)
	source := writeTestFile(t, "credits.mp4", []byte("end credits"))

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		// The same as terraform destroy -refresh=false.
		AdditionalCLIOptions: &resource.AdditionalCLIOptions{Plan: resource.PlanOptions{NoRefresh: true}},
		Steps: []resource.TestStep{
			{
				Config: api.providerConfig() + assetConfig(source, ""),
			},
			{
				PreConfig: func() {
					if err := os.Remove(source); err != nil {
						t.Fatal(err)
					}
				},
				Config:  api.providerConfig() + assetConfig(source, ""),
				Destroy: true,
			},
		},
	})
}

func TestAccAssetImportNotSupported(t *testing.T) {
	api := startTestAPI(t, 0)
	source := writeTestFile(t, "logo.png", []byte("logo"))

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: api.providerConfig() + assetConfig(source, ""),
			},
			{
				Config:        api.providerConfig() + assetConfig(source, ""),
				ResourceName:  "partio_asset.clip",
				ImportState:   true,
				ImportStateId: api.server.URL + "/uploads/logo.png",
				ExpectError:   regexp.MustCompile(`(?i)does not support import`),
			},
		},
	})
}

// writeRandomFile writes size pseudo-random bytes to a new file in pieces
// of 1 MiB and returns its path and SHA-256, never holding it whole.
func writeRandomFile(t *testing.T, name string, size int64) (string, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	file, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	random := rand.NewChaCha8([32]byte{'p', 'a', 'r', 't', 'i', 'o'})
	hash := sha256.New()
	if _, err := io.CopyN(io.MultiWriter(file, hash), random, size); err != nil {
		t.Fatal(err)
	}
	if err := file.Close(); err != nil {
		t.Fatal(err)
	}
	return path, hex.EncodeToString(hash.Sum(nil))
}

func TestAccAssetLargeFile(t *testing.T) {
	api := startTestAPI(t, 0)
	// Larger than 64 MiB, and not a multiple of any buffer size.
	const size = 64<<20 + 4099
	source, wantSHA := writeRandomFile(t, "footage.mp4", size)
	const address = "partio_asset.clip"

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		Steps: []resource.TestStep{{
			Config: api.providerConfig() + assetConfig(source, ""),
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PreApply: []plancheck.PlanCheck{
					plancheck.ExpectKnownValue(address, tfjsonpath.New("sha256"), knownvalue.StringExact(wantSHA)),
				},
			},
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(address, tfjsonpath.New("size"), knownvalue.Int64Exact(size)),
				statecheck.ExpectKnownValue(address, tfjsonpath.New("sha256"), knownvalue.StringExact(wantSHA)),
			},
			Check: checkEmulatorAsset(api, "footage.mp4", wantSHA, "video/mp4"),
		}},
	})
	if stored, _ := api.emulator.Asset("footage.mp4"); stored.Size != size {
		t.Errorf("emulator stored %d bytes, want %d", stored.Size, size)
	}
}

// unreadableFile returns a path that exists as a regular file but cannot
// be read. A file without permissions is readable for root, so as root on
// Linux it is /proc/self/mem, which opens but fails to read at offset 0.
func unreadableFile(t *testing.T) string {
	t.Helper()
	if os.Geteuid() != 0 {
		path := writeTestFile(t, "locked.mp4", []byte("locked"))
		if err := os.Chmod(path, 0); err != nil {
			t.Fatal(err)
		}
		return path
	}
	if runtime.GOOS == "linux" {
		return "/proc/self/mem"
	}
	t.Skip("running as root, for which every file is readable")
	return ""
}

func TestAccAssetBadInput(t *testing.T) {
	api := startTestAPI(t, 0)
	file := writeTestFile(t, "logo.png", []byte("png"))
	empty := writeTestFile(t, "blank.mp4", nil)
	dir := t.TempDir()
	cases := map[string]struct {
		config string
		want   string
	}{
		"missing file":     {assetConfig(filepath.Join(dir, "nope.mp4"), ""), `Invalid source.*nope.mp4.*does not exist`},
		"directory":        {assetConfig(dir, ""), `Invalid source.*is a directory`},
		"module directory": {assetConfig(".", ""), `(?s)Invalid source.*"\." is a directory`},
		"empty file": {assetConfig(empty, ""),
			`Invalid source.*blank.mp4.*is empty \(0 bytes\).*Empty assets are not allowed`},
		"empty source": {assetConfig("", ""), `Invalid source.*empty`},
		"path in filename": {assetConfig(file, `filename = "media/logo.png"`),
			`Invalid filename.*"media/logo.png".*plain file name`},
		"backslash in filename": {assetConfig(file, `filename = "media\\logo.png"`),
			`Invalid filename.*plain file name`},
		"line break in filename": {assetConfig(file, `filename = "logo\nfinal.png"`),
			`Invalid filename.*control characters`},
		"bad content type": {assetConfig(file, `content_type = "png"`),
			`Invalid content_type.*"png".*not a MIME type`},
		"source and content": {assetConfig(file, `content = "text"`),
			`Invalid content.*set together with .source. \(".*logo.png"\).*exactly one`},
		"content and content_base64": {`
resource "partio_asset" "clip" {
  content        = "text"
  content_base64 = "dGV4dA=="
  filename       = "a.txt"
}`, `Invalid content_base64.*set together with .content..*exactly one`},
		"no source": {`
resource "partio_asset" "clip" {
  filename = "a.txt"
}`, `Invalid source.*None of .source., .content. and .content_base64. is set`},
		"content without filename": {`
resource "partio_asset" "clip" {
  content = "text"
}`, `Invalid filename.*not set.*required with .content.`},
		"empty content": {`
resource "partio_asset" "clip" {
  content  = ""
  filename = "a.txt"
}`, `Invalid content.*empty.*Empty assets are not allowed`},
		"empty content_base64": {`
resource "partio_asset" "clip" {
  content_base64 = ""
  filename       = "a.bin"
}`, `Invalid content_base64.*empty.*Empty assets are not allowed`},
		"invalid content_base64": {`
resource "partio_asset" "clip" {
  content_base64 = "not base64!"
  filename       = "a.bin"
}`, `Invalid content_base64.*not valid base64.*byte 3`},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: testProviderFactories,
				Steps: []resource.TestStep{{
					Config:      api.providerConfig() + tc.config,
					ExpectError: wrappedPattern(tc.want),
				}},
			})
		})
	}
	t.Run("unreadable file", func(t *testing.T) {
		source := unreadableFile(t)
		resource.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: testProviderFactories,
			Steps: []resource.TestStep{{
				Config:      api.providerConfig() + assetConfig(source, `filename = "locked.mp4"`),
				ExpectError: wrappedPattern(`Invalid source.*` + regexp.QuoteMeta(source) + `.*cannot be (opened|read)`),
			}},
		})
	})
	if assets := api.emulator.Assets(); len(assets) != 0 {
		t.Errorf("emulator stored %d files from invalid configurations, want 0", len(assets))
	}
}

// rewriteFile is a plan check with a side effect: it writes new bytes to a
// file after the plan, so that the apply finds the file changed.
type rewriteFile struct {
	path string
	data []byte
}

func (c rewriteFile) CheckPlan(_ context.Context, _ plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	resp.Error = os.WriteFile(c.path, c.data, 0o600)
}

func TestAccAssetFileChangedAfterPlan(t *testing.T) {
	api := startTestAPI(t, 0)
	source := writeTestFile(t, "intro.mp4", []byte("first cut"))

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		Steps: []resource.TestStep{{
			Config: api.providerConfig() + assetConfig(source, ""),
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PreApply: []plancheck.PlanCheck{rewriteFile{path: source, data: []byte("final cut")}},
			},
			// Terraform plans again at apply time and rejects the new hash
			// before the upload starts.
			ExpectError: wrappedPattern(`inconsistent final plan.*invalid new value for .sha256`),
		}},
	})
	if assets := api.emulator.Assets(); len(assets) != 0 {
		t.Errorf("emulator stored %d files, want 0", len(assets))
	}
}
