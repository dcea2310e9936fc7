package provider

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"

	"github.com/partio/terraform-provider-partio/internal/emulator"
)

const testToken = "at_acceptance_test_token"

var testProviderFactories = map[string]func() (tfprotov6.ProviderServer, error){
	"partio": providerserver.NewProtocol6WithError(New("test")()),
}

// TestMain points terraform-plugin-testing at the installed terraform, so
// that acceptance tests never try to download one, and turns off
// Terraform's version check.
func TestMain(m *testing.M) {
	if os.Getenv("TF_ACC") != "" && os.Getenv("TF_ACC_TERRAFORM_PATH") == "" {
		path, err := exec.LookPath("terraform")
		if err != nil {
			fmt.Fprintln(os.Stderr, "acceptance tests need the terraform CLI on PATH or in TF_ACC_TERRAFORM_PATH: "+
				"no terraform was found, and the tests never download one")
			os.Exit(1)
		}
		_ = os.Setenv("TF_ACC_TERRAFORM_PATH", path)
	}
	_ = os.Setenv("CHECKPOINT_DISABLE", "1")

	// An empty CLI configuration keeps a developer's own settings, such as
	// dev_overrides, out of the tests.
	if os.Getenv("TF_CLI_CONFIG_FILE") == "" {
		dir, err := os.MkdirTemp("", "partio-acc-")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		config := filepath.Join(dir, "terraformrc")
		if err := os.WriteFile(config, nil, 0o600); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		_ = os.Setenv("TF_CLI_CONFIG_FILE", config)
		code := m.Run()
		_ = os.RemoveAll(dir)
		os.Exit(code)
	}
	os.Exit(m.Run())
}

// testAPI is an emulator served on loopback for one test.
type testAPI struct {
	emulator *emulator.Emulator
	server   *httptest.Server
}

func startTestAPI(t *testing.T, renderTime time.Duration) *testAPI {
	t.Helper()
	emu, err := emulator.New(emulator.Options{Token: testToken, RenderTime: renderTime})
	if err != nil {
		t.Fatalf("starting emulator: %v", err)
	}
	server := httptest.NewServer(emu)
	t.Cleanup(func() {
		server.Close()
		_ = emu.Close()
	})
	return &testAPI{emulator: emu, server: server}
}

// providerConfig returns a provider block that points at the emulator.
func (a *testAPI) providerConfig() string {
	return fmt.Sprintf(`
provider "partio" {
  endpoint = %q
  token    = %q
}
`, a.server.URL, testToken)
}

// fetch downloads a URL and returns its body, failing on any status but 200.
func fetch(url string) ([]byte, error) {
	client := &http.Client{Timeout: 10 * time.Second}
	resp, err := client.Get(url)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: status %d", url, resp.StatusCode)
	}
	return io.ReadAll(resp.Body)
}
