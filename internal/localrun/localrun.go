// Package localrun runs the terraform CLI against a local build of the
// provider and an emulator served on loopback, as a user would with
// dev_overrides. The demo and the example tests use it; Terraform never
// downloads a provider or checks for a new version.
package localrun

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/partio/terraform-provider-partio/internal/emulator"
)

// Token is the API token the emulator of a Session accepts.
const Token = "at_local_run_token"

// BuildProvider compiles the provider in repoRoot into outDir, under the
// binary name that dev_overrides looks for.
func BuildProvider(ctx context.Context, repoRoot, outDir string) error {
	cmd := exec.CommandContext(ctx, "go", "build", "-o", filepath.Join(outDir, "terraform-provider-partio"), ".")
	cmd.Dir = repoRoot
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("building the provider: %w\n%s", err, out)
	}
	return nil
}

// Options configures a Session.
type Options struct {
	// ProviderDir contains the terraform-provider-partio binary.
	ProviderDir string
	// ConfigDir is the Terraform configuration, copied into a new working
	// directory so that its state stays out of the source tree.
	ConfigDir string
	// RenderTime is the emulator's time to render a job.
	RenderTime time.Duration
	// Output receives what terraform prints; nil discards it.
	Output io.Writer
	// KeepDir leaves the working directory in place on Close.
	KeepDir bool
	// WrapHandler, when set, wraps the emulator's handler before it is
	// served, for example to count requests.
	WrapHandler func(http.Handler) http.Handler
}

// Session is a working directory with its own emulator and CLI
// configuration.
type Session struct {
	// Dir is the working directory with the copied configuration.
	Dir string
	// Endpoint is the emulator's address, such as http://127.0.0.1:40123.
	Endpoint string
	Emulator *emulator.Emulator

	terraform string
	keepDir   bool
	env       []string
	output    io.Writer
	server    *http.Server
}

// Start serves an emulator on a free loopback port and prepares a working
// directory whose CLI configuration points terraform at the local build.
func Start(opts Options) (*Session, error) {
	terraform, err := exec.LookPath("terraform")
	if err != nil {
		return nil, errors.New("terraform is not on PATH; install Terraform 1.11 or later")
	}
	providerDir, err := filepath.Abs(opts.ProviderDir)
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(filepath.Join(providerDir, "terraform-provider-partio")); err != nil {
		return nil, fmt.Errorf("no provider build in %s (run `make build` first): %w", providerDir, err)
	}
	dir, err := os.MkdirTemp("", "partio-run-")
	if err != nil {
		return nil, err
	}
	s := &Session{Dir: dir, terraform: terraform, keepDir: opts.KeepDir, output: opts.Output}
	if s.output == nil {
		s.output = io.Discard
	}
	if err := s.start(opts, providerDir); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

func (s *Session) start(opts Options, providerDir string) error {
	if err := os.CopyFS(s.Dir, os.DirFS(opts.ConfigDir)); err != nil {
		return fmt.Errorf("copying %s: %w", opts.ConfigDir, err)
	}
	cliConfig := filepath.Join(s.Dir, ".terraformrc")
	overrides := fmt.Sprintf("provider_installation {\n  dev_overrides {\n    \"partio/partio\" = %q\n  }\n  direct {}\n}\n", providerDir)
	if err := os.WriteFile(cliConfig, []byte(overrides), 0o600); err != nil {
		return err
	}

	emu, err := emulator.New(emulator.Options{Token: Token, RenderTime: opts.RenderTime})
	if err != nil {
		return err
	}
	s.Emulator = emu
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	var handler http.Handler = emu
	if opts.WrapHandler != nil {
		handler = opts.WrapHandler(emu)
	}
	s.server = &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = s.server.Serve(listener) }()
	s.Endpoint = "http://" + listener.Addr().String()

	s.env = append(os.Environ(),
		"TF_CLI_CONFIG_FILE="+cliConfig,
		"CHECKPOINT_DISABLE=1",
		"TF_IN_AUTOMATION=1",
		"PARTIO_ENDPOINT="+s.Endpoint,
		"PARTIO_TOKEN="+Token,
	)
	return nil
}

// Terraform runs terraform in the working directory with the given
// arguments. It returns what terraform wrote to standard output, which it
// also copies to the session's Output, and an error that includes standard
// error when terraform fails.
func (s *Session) Terraform(ctx context.Context, args ...string) ([]byte, error) {
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, s.terraform, append([]string{"-chdir=" + s.Dir}, args...)...)
	cmd.Env = s.env
	cmd.Stdout = io.MultiWriter(&stdout, s.output)
	cmd.Stderr = io.MultiWriter(&stderr, s.output)
	if err := cmd.Run(); err != nil {
		return stdout.Bytes(), fmt.Errorf("terraform %v: %w\n%s", args, err, stderr.String())
	}
	return stdout.Bytes(), nil
}

// Outputs runs `terraform output -json` and decodes the value of every
// output, without copying the JSON to the session's Output.
func (s *Session) Outputs(ctx context.Context) (map[string]any, error) {
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, s.terraform, "-chdir="+s.Dir, "output", "-json")
	cmd.Env = s.env
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("terraform output: %w\n%s", err, stderr.String())
	}
	var outputs map[string]struct {
		Value any `json:"value"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &outputs); err != nil {
		return nil, fmt.Errorf("decoding terraform output: %w", err)
	}
	values := make(map[string]any, len(outputs))
	for name, output := range outputs {
		values[name] = output.Value
	}
	return values, nil
}

// Close stops the emulator and removes the working directory unless the
// session keeps it.
func (s *Session) Close() {
	if s.server != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = s.server.Shutdown(ctx)
	}
	if s.Emulator != nil {
		_ = s.Emulator.Close()
	}
	if !s.keepDir {
		_ = os.RemoveAll(s.Dir)
	}
}
