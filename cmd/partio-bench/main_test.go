package main

import (
	"bytes"
	"context"
	"math"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/partio/terraform-provider-partio/internal/emulator"
	"github.com/partio/terraform-provider-partio/internal/localrun"
)

// TestMain lets the test binary act as the upload helper, because the
// upload section starts its own executable again.
func TestMain(m *testing.M) {
	if os.Getenv(uploadHelperEnv) != "" {
		os.Exit(runUploadHelper())
	}
	os.Exit(m.Run())
}

func TestMedian(t *testing.T) {
	cases := []struct {
		values []float64
		want   float64
	}{
		{[]float64{3}, 3},
		{[]float64{5, 1, 3}, 3},
		{[]float64{4, 1, 3, 2}, 2.5},
	}
	for _, c := range cases {
		if got := median(c.values); got != c.want {
			t.Errorf("median(%v) = %v, want %v", c.values, got, c.want)
		}
	}
	if got := median(nil); !math.IsNaN(got) {
		t.Errorf("median(nil) = %v, want NaN", got)
	}
}

func TestParseStatus(t *testing.T) {
	status, err := parseStatus([]byte("Name:\tterraform\nVmPeak:\t  900 kB\nVmHWM:\t   2048 kB\nVmRSS:\t   1024 kB\n"))
	if err != nil {
		t.Fatal(err)
	}
	if status.hwm != 2048*1024 {
		t.Errorf("hwm = %d, want %d", status.hwm, 2048*1024)
	}
	if status.rss != 1024*1024 {
		t.Errorf("rss = %d, want %d", status.rss, 1024*1024)
	}
	if _, err := parseStatus([]byte("Name:\tzombie\nState:\tZ (zombie)\n")); err == nil {
		t.Error("parseStatus of a zombie's status succeeded, want an error")
	}
}

func TestParseFlagsQuickKeepsGivenFlags(t *testing.T) {
	cfg, err := parseFlags([]string{"-quick", "-runs", "3", "-sizes", "2,8"})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.runs != 3 {
		t.Errorf("runs = %d, want the given 3", cfg.runs)
	}
	if want := []int64{2 * mebibyte, 8 * mebibyte}; !slices.Equal(cfg.uploadSizes, want) {
		t.Errorf("uploadSizes = %v, want %v", cfg.uploadSizes, want)
	}
	if cfg.batchJobs != quickConfig().batchJobs {
		t.Errorf("batchJobs = %d, want the quick value %d", cfg.batchJobs, quickConfig().batchJobs)
	}
	if _, err := parseFlags([]string{"-sections", "upload,uploads"}); err == nil {
		t.Error("parseFlags accepted the unknown section uploads")
	}
}

func TestDescendantsFindsGrandchild(t *testing.T) {
	cmd := exec.Command("bash", "-c", "sleep 5 & wait")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	}()

	deadline := time.Now().Add(3 * time.Second)
	for time.Now().Before(deadline) {
		tree := descendants(os.Getpid())
		if len(tree) >= 3 && slices.Contains(tree, cmd.Process.Pid) {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Errorf("descendants(%d) = %v, want the test, bash %d and its sleep", os.Getpid(), descendants(os.Getpid()), cmd.Process.Pid)
}

// TestCurlBatchScript runs the shell baseline against an emulator and
// checks that every job was submitted once, done, and named as the
// provider's configuration names it.
func TestCurlBatchScript(t *testing.T) {
	for _, tool := range []string{"bash", "curl", "xargs", "sed"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not on PATH", tool)
		}
	}
	emu, err := emulator.New(emulator.Options{Token: "at_script", RenderTime: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = emu.Close() })
	counter := newRequestCounter()
	server := httptest.NewServer(counter.wrap(emu))
	t.Cleanup(server.Close)
	script := filepath.Join(t.TempDir(), "curl_batch.sh")
	if err := os.WriteFile(script, curlBatchScript, 0o600); err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", script, "3", "2", "0.1", "50")
	cmd.Env = append(os.Environ(), "PARTIO_ENDPOINT="+server.URL, "PARTIO_TOKEN=at_script")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("curl_batch.sh: %v\n%s", err, stderr.String())
	}

	if ids := strings.Fields(stdout.String()); len(ids) != 3 {
		t.Errorf("the script printed %q, want 3 job ids", stdout.String())
	}
	if got := counter.count("POST /job", nil); got != 3 {
		t.Errorf("POST /job requests = %d, want 3", got)
	}
	jobs := emu.Jobs()
	var names []string
	for _, job := range jobs {
		names = append(names, job.Name)
		if job.Status != "done" {
			t.Errorf("job %s is %q, want done", job.ID, job.Status)
		}
	}
	slices.Sort(names)
	if want := []string{"city-000", "city-001", "city-002"}; !slices.Equal(names, want) {
		t.Errorf("job names = %v, want %v", names, want)
	}
}

// TestBenchWritesEverySection runs every section with tiny sizes, short
// renders and one run, and checks that the report has every section, a
// number in every cell and a result for every target. It checks that the
// harness works, not how fast the provider is.
func TestBenchWritesEverySection(t *testing.T) {
	if os.Getenv("TF_ACC") == "" {
		t.Skip("set TF_ACC=1 to run the benchmark harness through terraform")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	binDir := t.TempDir()
	if err := localrun.BuildProvider(ctx, "../..", binDir); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "BENCHMARKS.md")
	cfg := config{
		providerDir:       binDir,
		outPath:           out,
		workDir:           t.TempDir(),
		command:           "go test ./cmd/partio-bench",
		runs:              1,
		longRuns:          1,
		uploadSizes:       []int64{256 << 10, 1 << 20},
		waitRenderTimes:   []time.Duration{200 * time.Millisecond, 500 * time.Millisecond},
		batchJobs:         4,
		batchParallelism:  2,
		batchRenderTime:   300 * time.Millisecond,
		shellPollInterval: 200 * time.Millisecond,
		refreshJobs:       5,
		log:               testWriter{t},
	}
	if err := run(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	report := string(data)

	for _, heading := range []string{"## 1. Upload", "## 2. Plan-time hashing", "## 3. Waiting", "## 4. Batch apply", "## 5. Refresh", "## Machine", "## Method"} {
		if !strings.Contains(report, "\n"+heading+"\n") {
			t.Errorf("the report has no heading %q", heading)
		}
	}
	if strings.Contains(report, "n/a") {
		t.Errorf("the report has a missing value (n/a):\n%s", report)
	}

	// Every figure row has a number in median, min and max, and one run.
	figureRow := regexp.MustCompile(`(?m)^\| [^|]+ \| ([^|]+) \| ([^|]+) \| ([^|]+) \| (\d+) \|$`)
	number := regexp.MustCompile(`^-?[0-9]+(\.[0-9]+)?( s| MiB)?$`)
	rows := figureRow.FindAllStringSubmatch(report, -1)
	if len(rows) < 30 {
		t.Errorf("the report has %d figure rows, want at least 30", len(rows))
	}
	for _, row := range rows {
		for _, cell := range row[1:4] {
			if !number.MatchString(cell) {
				t.Errorf("figure row %q has %q where a number belongs", row[0], cell)
			}
		}
		if row[4] != "1" {
			t.Errorf("figure row %q has %s runs, want 1", row[0], row[4])
		}
	}

	// The summary lists every target with a result: two for uploads, one
	// for hashing, one per render time and one for polling, one for the
	// batch and one for the refresh.
	summary, _, _ := strings.Cut(report, "## Machine")
	results := regexp.MustCompile(`(?m)\| (met|\*\*not met\*\*) \|$`).FindAllString(summary, -1)
	if want := 2 + 1 + len(cfg.waitRenderTimes) + 1 + 1 + 1; len(results) != want {
		t.Errorf("the summary has %d target results, want %d:\n%s", len(results), want, summary)
	}
}

// testWriter sends progress lines to the test log.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Helper()
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}
