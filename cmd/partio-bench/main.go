// Command partio-bench measures the provider against plain curl and
// sha256sum on an emulator served on loopback, and writes the figures to a
// Markdown page. It measures five things: uploads, plan-time hashing,
// waiting for renders, a batch of render jobs, and refreshing many jobs.
//
// Usage (from the repository root, after building the provider):
//
//	go run ./cmd/partio-bench -provider-dir bin -out BENCHMARKS.md
//
// -quick uses small files, short renders and few runs, for trying the
// harness out; its figures are not meant to be published.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// config selects what partio-bench measures and how often.
type config struct {
	providerDir string
	outPath     string
	workDir     string
	// command is the command line that the report shows.
	command string
	quick   bool

	// sections lists the sections to run, by name; all when empty.
	sections []string

	// runs is the number of runs of each figure. longRuns replaces it for
	// waits whose render time is a minute or more.
	runs     int
	longRuns int

	// uploadSizes are the file sizes of the upload section, in bytes. The
	// largest is also the file of the plan-time hashing section.
	uploadSizes []int64

	waitRenderTimes []time.Duration

	batchJobs        int
	batchParallelism int
	batchRenderTime  time.Duration
	// shellPollInterval is the fixed wait between two status requests of
	// one job in the curl script.
	shellPollInterval time.Duration

	refreshJobs int

	// log receives progress lines and terraform's output of failed runs.
	log io.Writer
}

// Section names, in the order in which they run and appear in the report.
const (
	sectionUpload  = "upload"
	sectionHashing = "hashing"
	sectionWaiting = "waiting"
	sectionBatch   = "batch"
	sectionRefresh = "refresh"
)

var allSections = []string{sectionUpload, sectionHashing, sectionWaiting, sectionBatch, sectionRefresh}

const mebibyte = 1 << 20

// fullConfig returns the configuration of a published run.
func fullConfig() config {
	return config{
		providerDir:       "bin",
		outPath:           "BENCHMARKS.md",
		workDir:           os.TempDir(),
		runs:              5,
		longRuns:          3,
		uploadSizes:       []int64{64 * mebibyte, 256 * mebibyte, 1024 * mebibyte},
		waitRenderTimes:   []time.Duration{2 * time.Second, 10 * time.Second, 60 * time.Second},
		batchJobs:         200,
		batchParallelism:  50,
		batchRenderTime:   5 * time.Second,
		shellPollInterval: time.Second,
		refreshJobs:       500,
		log:               os.Stderr,
	}
}

// quickConfig returns a configuration that runs in about two minutes.
func quickConfig() config {
	cfg := fullConfig()
	cfg.quick = true
	cfg.runs = 2
	cfg.longRuns = 1
	cfg.uploadSizes = []int64{1 * mebibyte, 4 * mebibyte, 16 * mebibyte}
	cfg.waitRenderTimes = []time.Duration{1 * time.Second, 2 * time.Second, 3 * time.Second}
	cfg.batchJobs = 20
	cfg.batchParallelism = 5
	cfg.batchRenderTime = time.Second
	cfg.refreshJobs = 20
	return cfg
}

func main() {
	if os.Getenv(uploadHelperEnv) != "" {
		os.Exit(runUploadHelper())
	}
	cfg, err := parseFlags(os.Args[1:])
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "partio-bench:", err)
		os.Exit(2)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, cfg); err != nil {
		fmt.Fprintln(os.Stderr, "partio-bench:", err)
		os.Exit(1)
	}
}

// parseFlags builds the configuration from the command line. Flags that are
// not explicit take the values of -quick when it is set.
func parseFlags(args []string) (config, error) {
	flags := flag.NewFlagSet("partio-bench", flag.ContinueOnError)
	full := fullConfig()
	providerDir := flags.String("provider-dir", full.providerDir, "directory that contains the terraform-provider-partio binary")
	outPath := flags.String("out", full.outPath, "Markdown file to write the report to")
	workDir := flags.String("work-dir", full.workDir, "directory for the generated test files, which need about twice the largest size plus the sum of all sizes")
	quick := flags.Bool("quick", false, "small files, short renders and few runs, to try the harness out")
	sections := flags.String("sections", strings.Join(allSections, ","), "comma-separated sections to run")
	runs := flags.Int("runs", full.runs, "runs per figure; the report gives their median")
	longRuns := flags.Int("long-runs", full.longRuns, "runs per figure for waits of a minute or more")
	sizes := flags.String("sizes", "64,256,1024", "upload file sizes in MiB, comma-separated; the largest is also hashed at plan time")
	renders := flags.String("render-times", "2s,10s,60s", "render times of the waiting section, comma-separated")
	batchJobs := flags.Int("batch-jobs", full.batchJobs, "render jobs in the batch section")
	batchParallelism := flags.Int("batch-parallelism", full.batchParallelism, "terraform -parallelism and curl script parallelism in the batch section")
	batchRender := flags.Duration("batch-render-time", full.batchRenderTime, "render time of each job in the batch section")
	pollInterval := flags.Duration("shell-poll-interval", full.shellPollInterval, "wait between two status requests of one job in the curl script")
	refreshJobs := flags.Int("refresh-jobs", full.refreshJobs, "existing jobs (and terraform_data resources) in the refresh section")
	if err := flags.Parse(args); err != nil {
		return config{}, err
	}
	if flags.NArg() > 0 {
		return config{}, fmt.Errorf("unexpected argument %q", flags.Arg(0))
	}

	cfg := full
	if *quick {
		cfg = quickConfig()
	}
	var err error
	explicit := map[string]bool{}
	flags.Visit(func(f *flag.Flag) { explicit[f.Name] = true })
	cfg.providerDir, cfg.outPath, cfg.workDir = *providerDir, *outPath, *workDir
	cfg.command = commandLine(args)
	if cfg.sections, err = parseSections(*sections); err != nil {
		return config{}, err
	}
	if explicit["runs"] {
		cfg.runs = *runs
	}
	if explicit["long-runs"] {
		cfg.longRuns = *longRuns
	}
	if explicit["sizes"] {
		if cfg.uploadSizes, err = parseSizes(*sizes); err != nil {
			return config{}, err
		}
	}
	if explicit["render-times"] {
		if cfg.waitRenderTimes, err = parseDurations(*renders); err != nil {
			return config{}, err
		}
	}
	if explicit["batch-jobs"] {
		cfg.batchJobs = *batchJobs
	}
	if explicit["batch-parallelism"] {
		cfg.batchParallelism = *batchParallelism
	}
	if explicit["batch-render-time"] {
		cfg.batchRenderTime = *batchRender
	}
	if explicit["shell-poll-interval"] {
		cfg.shellPollInterval = *pollInterval
	}
	if explicit["refresh-jobs"] {
		cfg.refreshJobs = *refreshJobs
	}
	return cfg, cfg.validate()
}

// commandLine returns the command that the report shows, with the current
// directory left out of paths so that the page names no local directory.
func commandLine(args []string) string {
	words := append([]string{"go", "run", "./cmd/partio-bench"}, args...)
	if cwd, err := os.Getwd(); err == nil {
		for i, word := range words {
			words[i] = strings.ReplaceAll(word, cwd+string(filepath.Separator), "")
		}
	}
	return strings.Join(words, " ")
}

func (cfg config) validate() error {
	switch {
	case cfg.runs < 1:
		return fmt.Errorf("invalid -runs %d: must be at least 1", cfg.runs)
	case cfg.longRuns < 1:
		return fmt.Errorf("invalid -long-runs %d: must be at least 1", cfg.longRuns)
	case len(cfg.uploadSizes) == 0:
		return errors.New("invalid -sizes: give at least one size")
	case len(cfg.waitRenderTimes) == 0:
		return errors.New("invalid -render-times: give at least one duration")
	case cfg.batchJobs < 1 || cfg.batchParallelism < 1:
		return fmt.Errorf("invalid -batch-jobs %d or -batch-parallelism %d: both must be at least 1", cfg.batchJobs, cfg.batchParallelism)
	case cfg.batchRenderTime < 0:
		return fmt.Errorf("invalid -batch-render-time %s: must not be negative", cfg.batchRenderTime)
	case cfg.shellPollInterval <= 0:
		return fmt.Errorf("invalid -shell-poll-interval %s: must be positive", cfg.shellPollInterval)
	case cfg.refreshJobs < 1:
		return fmt.Errorf("invalid -refresh-jobs %d: must be at least 1", cfg.refreshJobs)
	}
	return nil
}

func parseSections(value string) ([]string, error) {
	var sections []string
	for name := range strings.SplitSeq(value, ",") {
		name = strings.TrimSpace(name)
		known := false
		for _, section := range allSections {
			known = known || section == name
		}
		if !known {
			return nil, fmt.Errorf("invalid -sections: unknown section %q; the sections are %s", name, strings.Join(allSections, ", "))
		}
		sections = append(sections, name)
	}
	return sections, nil
}

func parseSizes(value string) ([]int64, error) {
	var sizes []int64
	for field := range strings.SplitSeq(value, ",") {
		mib, err := strconv.ParseFloat(strings.TrimSpace(field), 64)
		if err != nil || mib <= 0 {
			return nil, fmt.Errorf("invalid -sizes: %q is not a positive number of MiB", field)
		}
		sizes = append(sizes, int64(mib*mebibyte))
	}
	// The last size is taken as the largest.
	slices.Sort(sizes)
	return sizes, nil
}

func parseDurations(value string) ([]time.Duration, error) {
	var durations []time.Duration
	for field := range strings.SplitSeq(value, ",") {
		d, err := time.ParseDuration(strings.TrimSpace(field))
		if err != nil || d < 0 {
			return nil, fmt.Errorf("invalid -render-times: %q is not a duration such as 10s", field)
		}
		durations = append(durations, d)
	}
	return durations, nil
}

// selected reports whether a section is to run.
func (cfg config) selected(section string) bool {
	if len(cfg.sections) == 0 {
		return true
	}
	for _, name := range cfg.sections {
		if name == section {
			return true
		}
	}
	return false
}

// run measures the selected sections and writes the report.
func run(ctx context.Context, cfg config) error {
	providerExe, err := filepath.Abs(filepath.Join(cfg.providerDir, "terraform-provider-partio"))
	if err != nil {
		return err
	}
	// /proc/PID/exe shows the path with every symbolic link resolved.
	if providerExe, err = filepath.EvalSymlinks(providerExe); err != nil {
		return fmt.Errorf("no provider build in %s (run `make build` first): %w", cfg.providerDir, err)
	}
	for _, tool := range []string{"terraform", "curl", "sha256sum", "bash", "xargs"} {
		if _, err := exec.LookPath(tool); err != nil {
			return fmt.Errorf("%s is not on PATH; the benchmarks compare the provider with it", tool)
		}
	}

	started := time.Now()
	machine := describeMachine(ctx)
	b := &bench{cfg: cfg, providerExe: providerExe, log: cfg.log}
	if b.log == nil {
		b.log = io.Discard
	}
	files, err := newTestFiles(cfg.workDir, cfg.uploadSizes)
	if err != nil {
		return err
	}
	defer files.remove()

	var sections []*section
	steps := []struct {
		name string
		run  func(context.Context, *testFiles) (*section, error)
	}{
		{sectionUpload, b.uploadSection},
		{sectionHashing, b.hashingSection},
		{sectionWaiting, b.waitingSection},
		{sectionBatch, b.batchSection},
		{sectionRefresh, b.refreshSection},
	}
	for _, step := range steps {
		if !cfg.selected(step.name) {
			continue
		}
		b.logf("== %s", step.name)
		sec, err := step.run(ctx, files)
		if err != nil {
			return fmt.Errorf("%s section: %w", step.name, err)
		}
		sections = append(sections, sec)
	}

	report := renderReport(cfg, machine, sections, time.Since(started))
	if err := os.WriteFile(cfg.outPath, []byte(report), 0o644); err != nil {
		return err
	}
	b.logf("wrote %s after %s", cfg.outPath, time.Since(started).Round(time.Second))
	return nil
}

// bench carries what every section needs.
type bench struct {
	cfg         config
	providerExe string
	log         io.Writer
}

func (b *bench) logf(format string, args ...any) {
	fmt.Fprintf(b.log, format+"\n", args...)
}
