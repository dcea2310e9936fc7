package provider

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"

	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/partio/terraform-provider-partio/internal/partio"
)

// Polling schedule for a job's status. The first check comes soon because
// short jobs are common; the delay then grows so that long renders cost few
// requests, and the cap bounds how late a finished job is noticed.
const (
	pollFirstDelay   = 500 * time.Millisecond
	pollGrowth       = 1.5
	pollMaxDelay     = 5 * time.Second
	pollJitter       = 0.1
	progressInterval = 30 * time.Second
)

// errJobFailed is wrapped by the error of a job that ended without a video.
var errJobFailed = errors.New("job ended without a video")

// waitForJob polls a job until its status is terminal. It returns the last
// job state it read, also when it returns an error, so that the caller can
// save it: a timeout, a cancellation, a failed request or a failure status.
func waitForJob(ctx context.Context, client *partio.Client, id string) (*partio.Job, error) {
	started := time.Now()
	delay := pollFirstDelay
	lastProgress := started
	var last *partio.Job

	for {
		job, err := client.GetJob(ctx, id)
		if err != nil {
			return last, err
		}
		if last == nil || job.Status != last.Status {
			tflog.Debug(ctx, "render job status", map[string]any{
				"job_id": id, "status": job.Status, "elapsed": time.Since(started).Round(time.Second).String(),
			})
		}
		last = job

		if job.Status == partio.StatusDone {
			return job, nil
		}
		if partio.IsFailure(job.Status) {
			return job, errJobFailed
		}
		if time.Since(lastProgress) >= progressInterval {
			lastProgress = time.Now()
			tflog.Info(ctx, "waiting for render job", map[string]any{
				"job_id": id, "status": job.Status, "elapsed": time.Since(started).Round(time.Second).String(),
			})
		}

		timer := time.NewTimer(jittered(delay))
		select {
		case <-ctx.Done():
			timer.Stop()
			return last, ctx.Err()
		case <-timer.C:
		}
		delay = min(time.Duration(float64(delay)*pollGrowth), pollMaxDelay)
	}
}

// jittered spreads a delay by up to pollJitter in either direction, so that
// many jobs submitted together do not poll in step.
func jittered(delay time.Duration) time.Duration {
	factor := 1 + pollJitter*(2*rand.Float64()-1)
	return time.Duration(float64(delay) * factor)
}
