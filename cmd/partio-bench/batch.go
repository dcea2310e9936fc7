package main

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/partio/terraform-provider-partio/internal/emulator"
)

// curlBatchScript is the shell baseline of the batch section.
//
//go:embed curl_batch.sh
var curlBatchScript []byte

// batchSlack bounds how long the curl script polls beyond the render time.
const batchSlack = 5 * time.Minute

// batchFigures are the figures of one side of the batch comparison.
type batchFigures struct {
	wallTime      *figure
	requests      *figure
	statusPerJob  *figure
	noticed       *figure
	cpu           *figure
	providerCPU   *figure
	treePeak      *figure
	providerPeak  *figure
	terraformPeak *figure
	largestPeak   *figure
}

func (b *bench) batchSection(ctx context.Context, _ *testFiles) (*section, error) {
	cfg := b.cfg
	sec := &section{
		number: 4,
		title:  "Batch apply",
		method: []string{
			fmt.Sprintf("Each run serves a fresh emulator with a render time of %s and times `terraform apply -parallelism=%d` of %d `partio_render_job` "+
				"resources from one `for_each`. Then a fresh emulator serves the same %d jobs to `curl_batch.sh` (in `cmd/partio-bench`), "+
				"which submits each job with `curl` to `POST /job` and polls `GET /job?id=` until it is done, %d jobs at a time through `xargs -P %d`.",
				cfg.batchRenderTime, cfg.batchParallelism, cfg.batchJobs, cfg.batchJobs, cfg.batchParallelism, cfg.batchParallelism),
			fmt.Sprintf("The script waits a fixed %s before each status request. That is the fastest polling that the waiting goal allows a client "+
				"(no job polled more than once a second), so the script notices a done job at most %s late and the comparison does not favour the provider.",
				cfg.shellPollInterval, cfg.shellPollInterval),
			"Requests are counted on the emulator's side. \"Noticed after done\" is the mean over jobs of the last status request's arrival minus " +
				"the job's creation plus render time. Memory: \"process tree\" is the highest sum of `VmRSS` over the command and all its descendants, " +
				"sampled every " + terraformSampleInterval.String() + " for terraform and every " + treeSampleInterval.String() + " for the script; " +
				"\"largest process\" is wait4's `ru_maxrss`, the peak of the largest single process that was waited for.",
		},
	}
	script, err := os.CreateTemp("", "curl_batch-*.sh")
	if err != nil {
		return nil, err
	}
	defer os.Remove(script.Name())
	if _, err := script.Write(curlBatchScript); err != nil {
		return nil, err
	}
	if err := script.Close(); err != nil {
		return nil, err
	}

	tbl := sec.newTable(fmt.Sprintf("%d jobs, parallelism %d, %s render time", cfg.batchJobs, cfg.batchParallelism, cfg.batchRenderTime))
	tf := batchFigures{
		wallTime:      tbl.newFigure("terraform apply: wall time", unitSeconds),
		requests:      tbl.newFigure("terraform apply: requests sent", unitCount),
		statusPerJob:  tbl.newFigure("terraform apply: status requests per job (mean)", unitCount),
		noticed:       tbl.newFigure("terraform apply: noticed after done (mean)", unitSeconds),
		cpu:           tbl.newFigure("terraform apply: terraform CPU time, without the provider", unitSeconds),
		providerCPU:   tbl.newFigure("terraform apply: provider CPU time", unitSeconds),
		treePeak:      tbl.newFigure("terraform apply: process tree peak memory", unitBytes),
		providerPeak:  tbl.newFigure("terraform apply: provider peak memory", unitBytes),
		terraformPeak: tbl.newFigure("terraform apply: terraform peak memory", unitBytes),
	}
	sh := batchFigures{
		wallTime:     tbl.newFigure("curl script: wall time", unitSeconds),
		requests:     tbl.newFigure("curl script: requests sent", unitCount),
		statusPerJob: tbl.newFigure("curl script: status requests per job (mean)", unitCount),
		noticed:      tbl.newFigure("curl script: noticed after done (mean)", unitSeconds),
		cpu:          tbl.newFigure("curl script: CPU time of all its processes", unitSeconds),
		treePeak:     tbl.newFigure("curl script: process tree peak memory", unitBytes),
		largestPeak:  tbl.newFigure("curl script: largest process peak memory", unitBytes),
	}
	for run := 1; run <= cfg.runs; run++ {
		b.logf("batch run %d/%d: terraform", run, cfg.runs)
		tfJobs, err := b.batchWithTerraform(ctx, tf)
		if err != nil {
			return nil, err
		}
		b.logf("batch run %d/%d: curl script", run, cfg.runs)
		shJobs, err := b.batchWithCurl(ctx, script.Name(), sh)
		if err != nil {
			return nil, err
		}
		if err := sameDescriptions(tfJobs, shJobs); err != nil {
			return nil, err
		}
	}

	wallRatio := ratio(tf.wallTime, sh.wallTime)
	sec.targets = append(sec.targets, target{
		goal: fmt.Sprintf("batch apply of %d jobs within 1.2× of the curl script", cfg.batchJobs),
		measured: fmt.Sprintf("%.2f× (%s vs %s); requests %s vs %s; process tree peak %s vs %s",
			wallRatio, unitSeconds.format(tf.wallTime.median()), unitSeconds.format(sh.wallTime.median()),
			unitCount.format(tf.requests.median()), unitCount.format(sh.requests.median()),
			unitBytes.format(tf.treePeak.median()), unitBytes.format(sh.treePeak.median())),
		met: wallRatio <= 1.2,
		note: fmt.Sprintf("On average the provider noticed a done job %s after it was done, the script %s. "+
			"Terraform and the provider used %s of CPU, the script's processes %s.",
			unitSeconds.format(tf.noticed.median()), unitSeconds.format(sh.noticed.median()),
			unitSeconds.format(tf.cpu.median()+tf.providerCPU.median()), unitSeconds.format(sh.cpu.median())),
	})
	return sec, nil
}

// batchWithTerraform applies the batch and returns the submitted jobs.
func (b *bench) batchWithTerraform(ctx context.Context, figures batchFigures) ([]emulator.JobRecord, error) {
	cfg := b.cfg
	session, err := b.startSession(cfg.batchRenderTime, map[string]string{"main.tf": renderJobConfig(cfg.batchJobs)})
	if err != nil {
		return nil, err
	}
	defer session.Close()
	used, err := b.terraform(ctx, session, "apply", "-auto-approve", "-input=false", "-no-color",
		"-parallelism="+strconv.Itoa(cfg.batchParallelism))
	if err != nil {
		return nil, err
	}
	noticed, err := checkBatch(session, cfg.batchJobs, cfg.batchRenderTime)
	if err != nil {
		return nil, fmt.Errorf("terraform apply: %w", err)
	}
	figures.wallTime.addDuration(used.elapsed)
	figures.requests.add(float64(session.counter.total(nil)))
	figures.statusPerJob.add(float64(session.counter.count("GET /job", nil)) / float64(cfg.batchJobs))
	figures.noticed.addDuration(noticed)
	figures.cpu.addDuration(used.cpu - used.providerCPU)
	figures.providerCPU.addDuration(used.providerCPU)
	figures.treePeak.add(float64(used.treePeak))
	figures.providerPeak.add(float64(used.providerPeak))
	figures.terraformPeak.add(float64(used.rootPeak))
	return session.Emulator.Jobs(), nil
}

// batchWithCurl runs the curl script and returns the submitted jobs.
func (b *bench) batchWithCurl(ctx context.Context, script string, figures batchFigures) ([]emulator.JobRecord, error) {
	cfg := b.cfg
	session, err := b.startSession(cfg.batchRenderTime, nil)
	if err != nil {
		return nil, err
	}
	defer session.Close()

	maxPolls := int(math.Ceil(float64(cfg.batchRenderTime+batchSlack) / float64(cfg.shellPollInterval)))
	cmd := exec.CommandContext(ctx, "bash", script, strconv.Itoa(cfg.batchJobs), strconv.Itoa(cfg.batchParallelism),
		strconv.FormatFloat(cfg.shellPollInterval.Seconds(), 'f', -1, 64), strconv.Itoa(maxPolls))
	cmd.Env = session.Env()
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	used, err := runWatched(cmd, watchOptions{interval: treeSampleInterval})
	if err != nil {
		return nil, fmt.Errorf("%s: %w\n%s", filepath.Base(script), err, tail(stderr.String(), 4000))
	}

	if ids := strings.Fields(stdout.String()); len(ids) != cfg.batchJobs {
		return nil, fmt.Errorf("the curl script printed %d job ids, want %d", len(ids), cfg.batchJobs)
	}
	noticed, err := checkBatch(session, cfg.batchJobs, cfg.batchRenderTime)
	if err != nil {
		return nil, fmt.Errorf("curl script: %w", err)
	}

	figures.wallTime.addDuration(used.elapsed)
	figures.requests.add(float64(session.counter.total(nil)))
	figures.statusPerJob.add(float64(session.counter.count("GET /job", nil)) / float64(cfg.batchJobs))
	figures.noticed.addDuration(noticed)
	figures.cpu.addDuration(used.cpu)
	figures.treePeak.add(float64(used.treePeak))
	figures.largestPeak.add(float64(used.rusagePeak))
	return session.Emulator.Jobs(), nil
}

// checkBatch checks that the emulator has count done jobs with distinct
// names and returns the mean time from a job being done until its last
// status request.
func checkBatch(session *benchSession, count int, renderTime time.Duration) (time.Duration, error) {
	jobs := session.Emulator.Jobs()
	if len(jobs) != count {
		return 0, fmt.Errorf("the emulator has %d jobs, want %d", len(jobs), count)
	}
	names := map[string]bool{}
	var noticed time.Duration
	for _, job := range jobs {
		if job.Status != "done" {
			return 0, fmt.Errorf("job %s is %q, want done", job.ID, job.Status)
		}
		names[job.Name] = true
		times := session.counter.statusRequests(job.ID)
		if len(times) == 0 {
			return 0, fmt.Errorf("job %s: its status was never requested", job.ID)
		}
		noticed += times[len(times)-1].Sub(job.Created.Add(renderTime))
	}
	if len(names) != count {
		return 0, fmt.Errorf("the %d jobs have %d distinct names, want one per job", count, len(names))
	}
	return noticed / time.Duration(count), nil
}

// sameDescriptions checks that terraform and the curl script submitted the
// same job descriptions, compared as JSON values by job name.
func sameDescriptions(terraformJobs, scriptJobs []emulator.JobRecord) error {
	byName := map[string]any{}
	for _, job := range terraformJobs {
		var description any
		if err := json.Unmarshal(job.Description, &description); err != nil {
			return fmt.Errorf("job %s: %w", job.ID, err)
		}
		byName[job.Name] = description
	}
	for _, job := range scriptJobs {
		var description any
		if err := json.Unmarshal(job.Description, &description); err != nil {
			return fmt.Errorf("job %s: %w", job.ID, err)
		}
		if !reflect.DeepEqual(byName[job.Name], description) {
			return fmt.Errorf("the curl script submitted job %q as %s, which differs from what the provider submitted",
				job.Name, job.Description)
		}
	}
	return nil
}
