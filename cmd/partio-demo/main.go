// Command partio-demo applies the demo configuration in examples/demo
// against an embedded part.io emulator. It serves the emulator on loopback
// and points terraform at a local build of the provider through
// dev_overrides. Then it applies the configuration, downloads every video
// URL it outputs, and stops the emulator.
//
// Usage (from the repository root, after building the provider):
//
//	go run ./cmd/partio-demo -provider-dir bin -config examples/demo
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/partio/terraform-provider-partio/internal/localrun"
)

func main() {
	providerDir := flag.String("provider-dir", "bin", "directory that contains the terraform-provider-partio binary")
	configDir := flag.String("config", "examples/demo", "Terraform configuration to apply")
	renderTime := flag.Duration("render-time", 3*time.Second, "time the emulator takes to render each job")
	keep := flag.Bool("keep", false, "keep the working directory with the Terraform state instead of removing it")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	opts := localrun.Options{
		ProviderDir: *providerDir,
		ConfigDir:   *configDir,
		RenderTime:  *renderTime,
		Output:      os.Stdout,
		KeepDir:     *keep,
	}
	if err := run(ctx, opts); err != nil {
		fmt.Fprintln(os.Stderr, "demo failed:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, opts localrun.Options) error {
	session, err := localrun.Start(opts)
	if err != nil {
		return err
	}
	defer func() {
		session.Close()
		fmt.Println("==> Stopped the emulator")
	}()
	fmt.Printf("==> Serving the part.io emulator at %s (render time %s)\n", session.Endpoint, opts.RenderTime)
	if opts.KeepDir {
		fmt.Printf("==> Keeping the working directory %s\n", session.Dir)
	}

	// Apply. With dev_overrides, terraform needs no init.
	fmt.Printf("==> terraform apply -auto-approve (provider from %s)\n", opts.ProviderDir)
	if _, err := session.Terraform(ctx, "apply", "-auto-approve", "-input=false", "-no-color"); err != nil {
		return err
	}

	// Read the outputs and download every video.
	outputs, err := session.Outputs(ctx)
	if err != nil {
		return err
	}
	names := make([]string, 0, len(outputs))
	for name := range outputs {
		names = append(names, name)
	}
	sort.Strings(names)

	fmt.Println("==> Downloading the rendered videos")
	videos := 0
	for _, name := range names {
		url, ok := outputs[name].(string)
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

	jobs, assets := session.Emulator.Jobs(), session.Emulator.Assets()
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
