// Package examples_test applies every example configuration through the
// terraform CLI against the emulator, so that no example can rot.
package examples_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/partio/terraform-provider-partio/internal/localrun"
	"github.com/partio/terraform-provider-partio/internal/partio"
)

// providerDir holds the provider build that every test shares.
var providerDir string

func TestMain(m *testing.M) {
	if os.Getenv("TF_ACC") == "" {
		fmt.Println("examples: set TF_ACC=1 to apply the examples through terraform")
		os.Exit(0)
	}
	dir, err := os.MkdirTemp("", "partio-examples-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	err = localrun.BuildProvider(ctx, "..", dir)
	cancel()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	providerDir = dir
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// startExample copies an example into a session. Resource and data source
// examples are snippets without a terraform block, so the copy gets one
// that sets the provider's source address.
func startExample(t *testing.T, dir string) *localrun.Session {
	t.Helper()
	session, err := localrun.Start(localrun.Options{
		ProviderDir: providerDir,
		ConfigDir:   dir,
		RenderTime:  200 * time.Millisecond,
		Output:      testWriter{t},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(session.Close)

	if !declaresRequiredProviders(t, session.Dir) {
		block := "terraform {\n  required_providers {\n    partio = {\n      source = \"partio/partio\"\n    }\n  }\n}\n"
		if err := os.WriteFile(filepath.Join(session.Dir, "required_providers.tf"), []byte(block), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return session
}

func declaresRequiredProviders(t *testing.T, dir string) bool {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.tf"))
	if err != nil {
		t.Fatal(err)
	}
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(data), "required_providers") {
			return true
		}
	}
	return false
}

// testWriter sends terraform's output to the test log.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Helper()
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

func testContext(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// applyAndReplan applies the session's configuration, then checks that a
// second plan finds nothing to change.
func applyAndReplan(t *testing.T, session *localrun.Session, args ...string) {
	t.Helper()
	ctx := testContext(t)
	if _, err := session.Terraform(ctx, append([]string{"apply", "-auto-approve", "-input=false", "-no-color"}, args...)...); err != nil {
		t.Fatal(err)
	}
	if _, err := session.Terraform(ctx, append([]string{"plan", "-detailed-exitcode", "-input=false", "-no-color"}, args...)...); err != nil {
		t.Fatalf("plan after apply is not empty: %v", err)
	}
}

func destroy(t *testing.T, session *localrun.Session, args ...string) {
	t.Helper()
	if _, err := session.Terraform(testContext(t), append([]string{"destroy", "-auto-approve", "-input=false", "-no-color"}, args...)...); err != nil {
		t.Fatal(err)
	}
}

// outputString returns a string output of the applied configuration.
func outputString(t *testing.T, session *localrun.Session, name string) string {
	t.Helper()
	outputs, err := session.Outputs(testContext(t))
	if err != nil {
		t.Fatal(err)
	}
	value, ok := outputs[name].(string)
	if !ok {
		t.Fatalf("output %s = %#v, want a string", name, outputs[name])
	}
	return value
}

func TestExampleProvider(t *testing.T) {
	session := startExample(t, "provider")
	if _, err := session.Terraform(testContext(t), "validate", "-no-color"); err != nil {
		t.Fatal(err)
	}
	applyAndReplan(t, session)
}

func TestExampleRenderJobResource(t *testing.T) {
	session := startExample(t, "resources/partio_render_job")
	// The import examples are for an existing job; they get tests of their own.
	for _, name := range []string{"import-by-string-id.tf"} {
		if err := os.Remove(filepath.Join(session.Dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	applyAndReplan(t, session)

	url := outputString(t, session, "map_video_url")
	if !strings.HasPrefix(url, session.Endpoint+"/videos/") {
		t.Errorf("map_video_url = %q, want a video on the emulator", url)
	}
	if got := session.Emulator.Submissions(); got != 1 {
		t.Errorf("emulator saw %d submissions, want 1", got)
	}
	destroy(t, session)
}

// submitExampleJob submits the job of the render job resource example
// directly to the session's emulator and waits until it is done, as a job
// made outside this configuration would be.
func submitExampleJob(t *testing.T, session *localrun.Session) string {
	t.Helper()
	ctx := testContext(t)
	client, err := partio.NewClient(partio.Config{Endpoint: session.Endpoint, Token: localrun.Token})
	if err != nil {
		t.Fatal(err)
	}
	id, err := client.SubmitJob(ctx, partio.JobDescription{
		Nodes: []partio.Node{{
			ID:     "map",
			Type:   "Maps",
			Params: map[string]any{"duration": "00:00:20", "position": "Weinheim"},
		}},
		Output: partio.Output{
			Node: "map", Type: "mp4", FPS: 25, Width: 640, Height: 360,
			Duration: "00:00:20", Name: "Weinheim", Test: true,
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	for {
		job, err := client.GetJob(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if job.Status == partio.StatusDone {
			return id
		}
		select {
		case <-ctx.Done():
			t.Fatalf("job %s is not done: %v", id, ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// importCommand returns the arguments of the terraform command in an
// example's import.sh, with the example job id replaced by id.
func importCommand(t *testing.T, file, id string) []string {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		fields := strings.Fields(line)
		if len(fields) > 1 && fields[0] == "terraform" && fields[1] == "import" {
			args := append([]string{"import", "-input=false", "-no-color"}, fields[2:]...)
			args[len(args)-1] = strings.ReplaceAll(args[len(args)-1], exampleJobID, id)
			return args
		}
	}
	t.Fatalf("%s has no terraform import command", file)
	return nil
}

// exampleJobID is the job id that the import examples show.
const exampleJobID = "DPcM0BJV"

func TestExampleRenderJobImportCommand(t *testing.T) {
	session := startExample(t, "resources/partio_render_job")
	if err := os.Remove(filepath.Join(session.Dir, "import-by-string-id.tf")); err != nil {
		t.Fatal(err)
	}
	id := submitExampleJob(t, session)

	args := importCommand(t, filepath.Join(session.Dir, "import.sh"), id)
	if _, err := session.Terraform(testContext(t), args...); err != nil {
		t.Fatal(err)
	}
	// The imported job matches the configuration, so nothing is submitted;
	// only the timeouts, which part.io does not store, are written to state.
	if _, err := session.Terraform(testContext(t), "apply", "-auto-approve", "-input=false", "-no-color"); err != nil {
		t.Fatal(err)
	}
	if got := session.Emulator.Submissions(); got != 1 {
		t.Errorf("emulator saw %d submissions, want only the imported job", got)
	}
	if got := outputString(t, session, "map_video_url"); !strings.Contains(got, id) {
		t.Errorf("map_video_url = %q, want the imported job's video", got)
	}
}

func TestExampleRenderJobImportBlock(t *testing.T) {
	session := startExample(t, "resources/partio_render_job")
	id := submitExampleJob(t, session)
	block := filepath.Join(session.Dir, "import-by-string-id.tf")
	data, err := os.ReadFile(block)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(block, []byte(strings.ReplaceAll(string(data), exampleJobID, id)), 0o600); err != nil {
		t.Fatal(err)
	}

	out, err := session.Terraform(testContext(t), "apply", "-auto-approve", "-input=false", "-no-color")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), "1 imported, 0 added") {
		t.Errorf("apply did not report one import and no new resource:\n%s", out)
	}
	if got := session.Emulator.Submissions(); got != 1 {
		t.Errorf("emulator saw %d submissions, want only the imported job", got)
	}
}

func TestExampleRenderJobDataSource(t *testing.T) {
	session := startExample(t, "data-sources/partio_render_job")
	id := submitExampleJob(t, session)
	vars := []string{"-var", "job_id=" + id}
	applyAndReplan(t, session, vars...)

	if got := outputString(t, session, "intro_status"); got != "done" {
		t.Errorf("intro_status = %q, want done", got)
	}
	if got := outputString(t, session, "intro_video_url"); !strings.Contains(got, id) {
		t.Errorf("intro_video_url = %q, want the job's video", got)
	}
	if got := session.Emulator.Submissions(); got != 1 {
		t.Errorf("emulator saw %d submissions, want 1: reading a job submits nothing", got)
	}
}

func TestExampleLocalizedMaps(t *testing.T) {
	session := startExample(t, "modules/localized-maps")
	applyAndReplan(t, session)

	outputs, err := session.Outputs(testContext(t))
	if err != nil {
		t.Fatal(err)
	}
	urls, ok := outputs["video_urls"].(map[string]any)
	if !ok || len(urls) != 3 {
		t.Fatalf("video_urls = %#v, want three URLs", outputs["video_urls"])
	}
	positions := map[string]bool{}
	for _, job := range session.Emulator.Jobs() {
		desc, err := partio.DecodeJobDescription(job.Description)
		if err != nil {
			t.Fatal(err)
		}
		position, _ := desc.Nodes[0].Params["position"].(string)
		positions[position] = true
	}
	for _, want := range []string{"Weinheim", "Mannheim", "Heidelberg"} {
		if !positions[want] {
			t.Errorf("no job rendered %s; rendered %v", want, positions)
		}
	}
	destroy(t, session)
}

func TestExampleAssetResource(t *testing.T) {
	session := startExample(t, "resources/partio_asset")
	applyAndReplan(t, session)

	if got := outputString(t, session, "logo_filename"); got != "logo.png" {
		t.Errorf("logo_filename = %q, want logo.png", got)
	}
	logo, ok := session.Emulator.Asset("logo.png")
	if !ok || logo.ContentType != "image/png" {
		t.Errorf("emulator stored %+v for logo.png, want an image/png upload", logo)
	}
	html, ok := session.Emulator.Asset("lower-third.html")
	if !ok || html.ContentType != "text/html" {
		t.Errorf("emulator stored %+v for lower-third.html, want a text/html upload", html)
	}
	destroy(t, session)
}

func TestExampleLowerThird(t *testing.T) {
	clip := filepath.Join(t.TempDir(), "interview.mp4")
	if err := os.WriteFile(clip, []byte("a short interview clip"), 0o600); err != nil {
		t.Fatal(err)
	}
	session := startExample(t, "modules/lower-third")
	vars := []string{"-var", "clip_path=" + clip}
	applyAndReplan(t, session, vars...)

	if url := outputString(t, session, "video_url"); !strings.HasPrefix(url, session.Endpoint+"/videos/") {
		t.Errorf("video_url = %q, want a video on the emulator", url)
	}
	if _, ok := session.Emulator.Asset("interview.mp4"); !ok {
		t.Error("the clip was not uploaded")
	}
	html, ok := session.Emulator.Asset("lower-third-ada-example.html")
	if !ok || html.ContentType != "text/html" {
		t.Errorf("emulator stored %+v for the lower third, want a text/html upload", html)
	}
	jobs := session.Emulator.Jobs()
	if len(jobs) != 1 {
		t.Fatalf("emulator has %d jobs, want 1", len(jobs))
	}
	desc, err := partio.DecodeJobDescription(jobs[0].Description)
	if err != nil {
		t.Fatal(err)
	}
	if desc.Output.Node != "composed" || len(desc.Nodes) != 3 {
		t.Errorf("submitted job renders %q from %d nodes, want composed from 3", desc.Output.Node, len(desc.Nodes))
	}
	destroy(t, session, vars...)
}
