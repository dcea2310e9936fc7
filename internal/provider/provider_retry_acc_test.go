package provider

import (
	"bytes"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/partio/terraform-provider-partio/internal/emulator"
)

// recordingAPI is an emulator served on loopback that keeps the upload
// signatures it was sent and the server's own error log, where a panic in
// a handler would appear.
type recordingAPI struct {
	testAPI

	mu         sync.Mutex
	requests   int
	signatures []string
	errorLog   bytes.Buffer
}

func startRecordingAPI(t *testing.T, renderTime time.Duration) *recordingAPI {
	t.Helper()
	emu, err := emulator.New(emulator.Options{Token: testToken, RenderTime: renderTime})
	if err != nil {
		t.Fatalf("starting emulator: %v", err)
	}
	api := &recordingAPI{}
	api.emulator = emu
	api.server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		api.mu.Lock()
		api.requests++
		if signature := r.URL.Query().Get("signature"); signature != "" {
			api.signatures = append(api.signatures, signature)
		}
		api.mu.Unlock()
		emu.ServeHTTP(w, r)
	}))
	api.server.Config.ErrorLog = log.New(&lockedWriter{mu: &api.mu, w: &api.errorLog}, "", 0)
	api.server.Start()
	t.Cleanup(func() {
		api.server.Close()
		_ = emu.Close()
	})
	return api
}

func (a *recordingAPI) recordedSignatures() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]string(nil), a.signatures...)
}

func (a *recordingAPI) requestCount() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.requests
}

func (a *recordingAPI) serverErrors() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.errorLog.String()
}

// lockedWriter serializes writes to w under mu.
type lockedWriter struct {
	mu *sync.Mutex
	w  *bytes.Buffer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func TestAccProviderMaxRetries(t *testing.T) {
	api := startTestAPI(t, 0)
	api.emulator.AddFault(emulator.Fault{Method: http.MethodPost, PathPrefix: "/job", Status: http.StatusServiceUnavailable})

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		Steps: []resource.TestStep{{
			Config: fmt.Sprintf(`
provider "partio" {
  endpoint    = %q
  token       = %q
  max_retries = 1
}
`, api.server.URL, testToken) + mapsJobConfig(""),
			ExpectError: regexp.MustCompile(`(?s)status 503.*` + wordsPattern("after 2 attempts")),
		}},
	})
	if got := api.emulator.FaultHits(); got != 2 {
		t.Errorf("emulator answered %d submissions with 503, want 2: the first attempt and one retry", got)
	}
	if got := api.emulator.Submissions(); got != 0 {
		t.Errorf("emulator has %d jobs, want 0", got)
	}
}

func TestAccProviderRequestTimeout(t *testing.T) {
	api := startTestAPI(t, 0)
	api.emulator.AddFault(emulator.Fault{Method: http.MethodPost, PathPrefix: "/job", Count: 1, Delay: 3 * time.Second})

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		Steps: []resource.TestStep{{
			Config: fmt.Sprintf(`
provider "partio" {
  endpoint        = %q
  token           = %q
  request_timeout = "1s"
}
`, api.server.URL, testToken) + mapsJobConfig(""),
			ExpectError: regexp.MustCompile(wordsPattern("no response within the request timeout of 1s") + `.*` +
				wordsPattern("A job may exist")),
		}},
	})
	if got := api.emulator.FaultHits(); got != 1 {
		t.Errorf("emulator delayed %d submissions, want 1: a POST that timed out is not sent again", got)
	}
}

func TestAccProviderInvalidRequestSettings(t *testing.T) {
	api := startTestAPI(t, 0)
	cases := map[string]struct {
		setting string
		want    string
	}{
		"timeout":     {`request_timeout = "soon"`, `(?s)Invalid request_timeout.*"soon"`},
		"retries":     {`max_retries = 100`, `(?s)Invalid max_retries.*100`},
		"rate":        {`requests_per_second = -2`, `(?s)Invalid requests_per_second`},
		"plain http":  {`endpoint = "http://api.example.com"`, `(?s)Invalid part.io API endpoint`},
		"no host":     {`endpoint = "https://"`, `(?s)Invalid part.io API endpoint.*no host`},
		"ftp":         {`endpoint = "ftp://api.part.io"`, `(?s)Invalid part.io API endpoint.*scheme must be\s+https`},
		"public IPv4": {`endpoint = "http://192.0.2.10:8787"`, wordsPattern("only accepted on a loopback host")},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			endpoint := ""
			if !strings.HasPrefix(tc.setting, "endpoint") {
				endpoint = fmt.Sprintf("endpoint = %q", api.server.URL)
			}
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: testProviderFactories,
				Steps: []resource.TestStep{{
					Config: fmt.Sprintf(`
provider "partio" {
  token = %q
  %s
  %s
}
`, testToken, endpoint, tc.setting) + mapsJobConfig(""),
					ExpectError: regexp.MustCompile(tc.want),
				}},
			})
		})
	}
	if got := api.emulator.Submissions(); got != 0 {
		t.Errorf("emulator has %d jobs from invalid provider settings, want 0", got)
	}
}

func TestAccProviderLogsOmitSecrets(t *testing.T) {
	api := startRecordingAPI(t, 0)
	logPath := filepath.Join(t.TempDir(), "terraform.log")
	t.Setenv("TF_LOG", "TRACE")
	t.Setenv("TF_ACC_LOG_PATH", logPath)
	// The test framework logs the configuration it writes, so the token
	// comes from the environment, as it should in real use too.
	t.Setenv("PARTIO_TOKEN", testToken)
	source := writeTestFile(t, "logo.png", []byte("png bytes for the log test"))
	// One retry of the upload and one of a status request, so that the
	// log has retry records for both kinds of address.
	api.emulator.AddFault(emulator.Fault{Method: http.MethodPut, Count: 1, Status: http.StatusServiceUnavailable})
	api.emulator.AddFault(emulator.Fault{Method: http.MethodGet, PathPrefix: "/job", Count: 1, Status: http.StatusBadGateway})

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		Steps: []resource.TestStep{{
			Config: fmt.Sprintf("provider \"partio\" {\n  endpoint = %q\n}\n", api.server.URL) +
				assetConfig(source, "") + `
resource "partio_render_job" "card" {
  nodes = [{
    id     = "logo"
    type   = "Image Asset"
    inputs = {}
    params = { filename = partio_asset.clip.filename, duration = "00:00:05" }
  }]
  output = { node = "logo", fps = 25, width = 640, height = 360, duration = "00:00:05" }
}
`,
			Check: resource.TestCheckResourceAttr("partio_render_job.card", "status", "done"),
		}},
	})

	data, err := os.ReadFile(logPath)
	if err != nil {
		t.Fatalf("reading the log: %v", err)
	}
	logText := string(data)
	for _, want := range []string{
		"retrying part.io request",
		"path=/uploads/logo.png",
		`reason="status 503"`,
		`reason="status 502"`,
		"configured part.io API client",
	} {
		if !strings.Contains(logText, want) {
			t.Errorf("the TRACE log of %d bytes lacks %q", len(data), want)
		}
	}
	if strings.Contains(logText, testToken) {
		t.Errorf("the TRACE log contains the API token")
	}
	signatures := api.recordedSignatures()
	if len(signatures) != 2 {
		t.Fatalf("emulator saw %d uploads with a signature, want 2: the failed one and its retry", len(signatures))
	}
	for _, signature := range signatures {
		if strings.Contains(logText, signature) {
			t.Errorf("the TRACE log contains the signature of the upload URL")
		}
	}
}

// wordsPattern returns a pattern that matches the words of phrase with any
// white space between them, because Terraform wraps long error lines.
func wordsPattern(phrase string) string {
	words := strings.Fields(phrase)
	for i, word := range words {
		words[i] = regexp.QuoteMeta(word)
	}
	return `(?s)` + strings.Join(words, `\s+`)
}

// soakJobs is the number of render jobs the soak test applies.
const soakJobs = 100

// addSoakFaults makes about one response in five a fault: throttling,
// unavailability and delays for any request, and broken connections for
// status requests only. A submission cut off after it was sent is rightly
// not retried, so it would fail the apply.
func addSoakFaults(emu *emulator.Emulator) {
	emu.SetFaultSeed(20261204)
	faults := []emulator.Fault{
		{Probability: 0.05, Status: http.StatusTooManyRequests},
		{Probability: 0.02, Status: http.StatusTooManyRequests, RetryAfter: "1"},
		{Probability: 0.05, Status: http.StatusServiceUnavailable},
		{Method: http.MethodGet, Probability: 0.03, ResetBeforeProcessing: true},
		{Method: http.MethodGet, Probability: 0.03, ResetAfterProcessing: true},
		{Probability: 0.05, Delay: 200 * time.Millisecond},
	}
	for _, fault := range faults {
		emu.AddFault(fault)
	}
}

// checkAllJobsDone fails unless the state has n render jobs, all done with
// a video URL.
func checkAllJobsDone(n int) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		done := 0
		for address, rs := range s.RootModule().Resources {
			if rs.Type != "partio_render_job" {
				continue
			}
			if status := rs.Primary.Attributes["status"]; status != "done" {
				return fmt.Errorf("%s has status %q, want done", address, status)
			}
			if rs.Primary.Attributes["url"] == "" {
				return fmt.Errorf("%s has no url", address)
			}
			done++
		}
		if done != n {
			return fmt.Errorf("state has %d render jobs, want %d", done, n)
		}
		return nil
	}
}

func TestAccRenderJobSoakWithFaults(t *testing.T) {
	if testing.Short() {
		t.Skip("the soak test applies 100 jobs; skipped with -short")
	}
	api := startRecordingAPI(t, 200*time.Millisecond)
	addSoakFaults(api.emulator)

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		Steps: []resource.TestStep{{
			Config: api.providerConfig() + fmt.Sprintf(`
resource "partio_render_job" "soak" {
  count = %d
  nodes = [{
    id     = "map"
    type   = "Maps"
    inputs = {}
    params = { position = "Town ${count.index}", duration = "00:00:05" }
  }]
  output   = { node = "map", fps = 25, width = 640, height = 360, duration = "00:00:05" }
  timeouts = { create = "3m" }
}
`, soakJobs),
			Check: checkAllJobsDone(soakJobs),
		}},
	})

	counts := api.emulator.SubmissionsByDescription()
	if len(counts) != soakJobs {
		t.Errorf("emulator saw %d distinct job descriptions, want %d", len(counts), soakJobs)
	}
	for description, count := range counts {
		if count != 1 {
			t.Errorf("job description submitted %d times, want once: %s", count, description)
		}
	}
	// About 20% of several hundred responses; far fewer means the faults
	// were not injected and the test proves nothing.
	hits := api.emulator.FaultHits()
	t.Logf("emulator injected %d faults into %d requests", hits, api.requestCount())
	if hits < 40 {
		t.Errorf("emulator injected %d faults, want at least 40", hits)
	}
	if serverLog := api.serverErrors(); strings.Contains(serverLog, "panic") {
		t.Errorf("emulator server logged a panic:\n%s", serverLog)
	}
}
