// Command partio-demo runs the demo configuration in examples/demo against
// an embedded part.io emulator: it serves the emulator on loopback, points
// terraform at a local build of the provider through dev_overrides, applies
// the configuration, downloads every video URL it outputs, and stops.
//
// Usage (from the repository root, after building the provider):
//
//	go run ./cmd/partio-demo -provider-dir bin -config examples/demo
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/partio/terraform-provider-partio/internal/emulator"
)

const demoToken = "at_demo_token"

func main() {
	providerDir := flag.String("provider-dir", "bin", "directory that contains the terraform-provider-partio binary")
	configDir := flag.String("config", "examples/demo", "Terraform configuration to apply")
	renderTime := flag.Duration("render-time", 3*time.Second, "time the emulator takes to render each job")
	keep := flag.Bool("keep", false, "keep the working directory with the Terraform state instead of removing it")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, *providerDir, *configDir, *renderTime, *keep); err != nil {
		fmt.Fprintln(os.Stderr, "demo failed:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, providerDir, configDir string, renderTime time.Duration, keep bool) error {
	terraform, err := exec.LookPath("terraform")
	if err != nil {
		return errors.New("terraform is not on PATH; install Terraform 1.11 or later")
	}
	providerDir, err = filepath.Abs(providerDir)
	if err != nil {
		return err
	}
	if _, err := os.Stat(filepath.Join(providerDir, "terraform-provider-partio")); err != nil {
		return fmt.Errorf("no provider build in %s (run `make build` first): %w", providerDir, err)
	}

	// Serve the emulator on a free loopback port.
	emu, err := emulator.New(emulator.Options{Token: demoToken, RenderTime: renderTime})
	if err != nil {
		return err
	}
	defer emu.Close()
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	server := &http.Server{Handler: emu, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = server.Serve(listener) }()
	defer func() {
		shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = server.Shutdown(shutdownCtx)
		fmt.Println("==> Stopped the emulator")
	}()
	endpoint := "http://" + listener.Addr().String()
	fmt.Printf("==> Serving the part.io emulator at %s (render time %s)\n", endpoint, renderTime)

	// Work on a copy of the configuration, so the repository gets no state.
	workDir, err := os.MkdirTemp("", "partio-demo-")
	if err != nil {
		return err
	}
	if keep {
		fmt.Printf("==> Keeping the working directory %s\n", workDir)
	} else {
		defer os.RemoveAll(workDir)
	}
	if err := os.CopyFS(workDir, os.DirFS(configDir)); err != nil {
		return fmt.Errorf("copying %s: %w", configDir, err)
	}
	cliConfig := filepath.Join(workDir, ".terraformrc")
	overrides := fmt.Sprintf("provider_installation {\n  dev_overrides {\n    \"partio/partio\" = %q\n  }\n  direct {}\n}\n", providerDir)
	if err := os.WriteFile(cliConfig, []byte(overrides), 0o600); err != nil {
		return err
	}
	env := append(os.Environ(),
		"TF_CLI_CONFIG_FILE="+cliConfig,
		"CHECKPOINT_DISABLE=1",
		"TF_IN_AUTOMATION=1",
		"PARTIO_ENDPOINT="+endpoint,
		"PARTIO_TOKEN="+demoToken,
	)

	// Apply. With dev_overrides, terraform needs no init.
	fmt.Printf("==> terraform apply -auto-approve (provider from %s)\n", providerDir)
	apply := exec.CommandContext(ctx, terraform, "-chdir="+workDir, "apply", "-auto-approve", "-input=false", "-no-color")
	apply.Env, apply.Stdout, apply.Stderr = env, os.Stdout, os.Stderr
	if err := apply.Run(); err != nil {
		return fmt.Errorf("terraform apply: %w", err)
	}

	// Read the outputs and download every video.
	outputCmd := exec.CommandContext(ctx, terraform, "-chdir="+workDir, "output", "-json")
	outputCmd.Env, outputCmd.Stderr = env, os.Stderr
	raw, err := outputCmd.Output()
	if err != nil {
		return fmt.Errorf("terraform output: %w", err)
	}
	var outputs map[string]struct {
		Value any `json:"value"`
	}
	if err := json.Unmarshal(raw, &outputs); err != nil {
		return fmt.Errorf("decoding terraform output: %w", err)
	}
	names := make([]string, 0, len(outputs))
	for name := range outputs {
		names = append(names, name)
	}
	sort.Strings(names)

	fmt.Println("==> Downloading the rendered videos")
	videos := 0
	for _, name := range names {
		url, ok := outputs[name].Value.(string)
		if !ok || !strings.HasSuffix(name, "_url") {
			continue
		}
		size, contentType, err := download(ctx, url)
		if err != nil {
			return fmt.Errorf("output %s: %w", name, err)
		}
		fmt.Printf("    %s = %s (%d bytes, %s)\n", name, url, size, contentType)
		videos++
	}
	if videos == 0 {
		return errors.New("the configuration has no output ending in _url")
	}

	jobs, assets := emu.Jobs(), emu.Assets()
	fmt.Printf("==> Done: %d file uploaded, %d jobs submitted, %d videos downloaded\n", len(assets), len(jobs), videos)
	return nil
}

// download fetches a URL and returns the number of bytes and the content
// type it served.
func download(ctx context.Context, url string) (int64, string, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, "", err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, "", fmt.Errorf("GET %s: status %d", url, resp.StatusCode)
	}
	size, err := io.Copy(io.Discard, resp.Body)
	if err != nil {
		return 0, "", err
	}
	if size == 0 {
		return 0, "", fmt.Errorf("GET %s: empty body", url)
	}
	return size, resp.Header.Get("Content-Type"), nil
}
