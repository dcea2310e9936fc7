package main

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

// terraformDataConfig returns count terraform_data resources from one
// for_each. terraform_data is built into terraform, so planning it
// downloads nothing and needs no terraform init.
func terraformDataConfig(count int) string {
	return fmt.Sprintf(`resource "terraform_data" "city" {
  for_each = toset([for i in range(%d) : format("city-%%03d", i)])

  input = each.key
}
`, count)
}

// refreshSetupParallelism speeds up creating the jobs that are refreshed.
const refreshSetupParallelism = "-parallelism=50"

// quietLogsEnv turns off the logs of the provider and of the plugin
// libraries it is built on. Without them, terraform-plugin-log formats
// every log entry down to TRACE as JSON for terraform, which discards those
// below its own TF_LOG level.
var quietLogsEnv = []string{"TF_LOG_SDK=OFF", "TF_LOG_SDK_PROTO=OFF", "TF_LOG_SDK_FRAMEWORK=OFF", "TF_LOG_PROVIDER=OFF"}

func (b *bench) refreshSection(ctx context.Context, _ *testFiles) (*section, error) {
	count := b.cfg.refreshJobs
	sec := &section{
		number: 5,
		title:  "Refresh",
		method: []string{
			fmt.Sprintf("%d `partio_render_job` resources (render time 0) and, in a second working directory, %d `terraform_data` resources "+
				"are applied once. Each run then times `terraform plan -refresh=true -detailed-exitcode` of both, interleaved; "+
				"both plans must exit 0 (no changes) and use terraform's default parallelism of 10. "+
				"The plan of the jobs must send one `GET /job` per job.", count, count),
			"`terraform_data` is built into terraform, so the second plan measures terraform's own cost for the same number of resources.",
			"A third plan of the jobs runs with `" + strings.Join(quietLogsEnv, " ") + "` in the environment. terraform-plugin-log, which the provider " +
				"and its plugin libraries log through, defaults to the level TRACE when these variables are unset: it formats every entry as JSON and " +
				"sends it to terraform, which drops the entries below its own `TF_LOG` level. The third plan shows what that costs; " +
				"it is not part of the target.",
		},
	}
	jobs, err := b.startSession(0, map[string]string{"main.tf": renderJobConfig(count)})
	if err != nil {
		return nil, err
	}
	defer jobs.Close()
	data, err := b.startSession(0, map[string]string{"main.tf": terraformDataConfig(count)})
	if err != nil {
		return nil, err
	}
	defer data.Close()
	b.logf("refresh: creating %d jobs and %d terraform_data resources", count, count)
	for _, s := range []*benchSession{jobs, data} {
		if _, err := b.terraform(ctx, s, "apply", "-auto-approve", "-input=false", "-no-color", refreshSetupParallelism); err != nil {
			return nil, err
		}
	}
	if got := len(jobs.Emulator.Jobs()); got != count {
		return nil, fmt.Errorf("the apply submitted %d jobs, want %d", got, count)
	}

	tbl := sec.newTable(fmt.Sprintf("%d existing resources", count))
	jobPlan := tbl.newFigure(fmt.Sprintf("terraform plan, %d partio_render_job: wall time", count), unitSeconds)
	dataPlan := tbl.newFigure(fmt.Sprintf("terraform plan, %d terraform_data: wall time", count), unitSeconds)
	quietPlan := tbl.newFigure(fmt.Sprintf("terraform plan, %d partio_render_job, logs off: wall time", count), unitSeconds)
	providerCPU := tbl.newFigure("partio_render_job plan: provider CPU time", unitSeconds)
	jobTerraformCPU := tbl.newFigure("partio_render_job plan: terraform CPU time, without the provider", unitSeconds)
	dataTerraformCPU := tbl.newFigure("terraform_data plan: terraform CPU time", unitSeconds)
	quietProviderCPU := tbl.newFigure("partio_render_job plan, logs off: provider CPU time", unitSeconds)
	quietTerraformCPU := tbl.newFigure("partio_render_job plan, logs off: terraform CPU time, without the provider", unitSeconds)
	statusRequests := tbl.newFigure("partio_render_job plan: status requests", unitCount)
	providerPeak := tbl.newFigure("partio_render_job plan: provider peak memory", unitBytes)
	jobTerraformPeak := tbl.newFigure("partio_render_job plan: terraform peak memory", unitBytes)
	dataTerraformPeak := tbl.newFigure("terraform_data plan: terraform peak memory", unitBytes)
	args := append(slices.Clone(planArgs), "-refresh=true")
	for run := 1; run <= b.cfg.runs; run++ {
		b.logf("refresh run %d/%d", run, b.cfg.runs)
		before := jobs.counter.snapshot()
		used, err := b.terraform(ctx, jobs, args...)
		if err != nil {
			return nil, fmt.Errorf("plan of %d existing jobs: %w", count, err)
		}
		requests := jobs.counter.count("GET /job", before)
		if requests != count {
			return nil, fmt.Errorf("the plan of %d jobs sent %d status requests, want one per job", count, requests)
		}
		jobPlan.addDuration(used.elapsed)
		providerCPU.addDuration(used.providerCPU)
		jobTerraformCPU.addDuration(used.cpu - used.providerCPU)
		statusRequests.add(float64(requests))
		providerPeak.add(float64(used.providerPeak))
		jobTerraformPeak.add(float64(used.rootPeak))

		used, err = b.terraform(ctx, data, args...)
		if err != nil {
			return nil, fmt.Errorf("plan of %d terraform_data resources: %w", count, err)
		}
		dataPlan.addDuration(used.elapsed)
		dataTerraformCPU.addDuration(used.cpu)
		dataTerraformPeak.add(float64(used.rootPeak))

		used, err = b.terraformWithEnv(ctx, jobs, quietLogsEnv, args...)
		if err != nil {
			return nil, fmt.Errorf("plan of %d existing jobs with the logs off: %w", count, err)
		}
		quietPlan.addDuration(used.elapsed)
		quietProviderCPU.addDuration(used.providerCPU)
		quietTerraformCPU.addDuration(used.cpu - used.providerCPU)
	}

	planRatio := ratio(jobPlan, dataPlan)
	sec.targets = append(sec.targets, target{
		goal: fmt.Sprintf("plan of %d existing jobs within 1.5× of %d terraform_data", count, count),
		measured: fmt.Sprintf("%.2f× (%s vs %s)", planRatio,
			unitSeconds.format(jobPlan.median()), unitSeconds.format(dataPlan.median())),
		met: planRatio <= 1.5,
		note: fmt.Sprintf("The provider used %s of CPU and terraform %s beside it, against %s for terraform_data. "+
			"With the logs off the plan took %s (%.2f× terraform_data), and the provider used %s of CPU.",
			unitSeconds.format(providerCPU.median()), unitSeconds.format(jobTerraformCPU.median()),
			unitSeconds.format(dataTerraformCPU.median()), unitSeconds.format(quietPlan.median()),
			ratio(quietPlan, dataPlan), unitSeconds.format(quietProviderCPU.median())),
	})
	return sec, nil
}
