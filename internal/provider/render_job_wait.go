package provider

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/partio/terraform-provider-partio/internal/partio"
)

// Polling schedule for a job's status. The status is read right after
// submitting, then after pauses of a tenth of the time waited so far. So a
// finished job is noticed within 10% of its render time, and a long render
// costs few requests. Each pause is about 1.1 times the one before, which
// is a capped exponential backoff. No pause is shorter than a second, so no
// job is polled more than once a second, and the cap bounds how late a job
// of several hours is noticed.
const (
	pollMinDelay     = time.Second
	pollFraction     = 0.1
	pollMaxDelay     = 2 * time.Minute
	pollJitter       = 0.1
	progressInterval = 30 * time.Second
)

// errJobFailed is wrapped by the error of a job that ended without a video.
var errJobFailed = errors.New("job ended without a video")

// jobWaiter polls a job's status until the job is done or has failed.
type jobWaiter struct {
	client *partio.Client
	// The pause after a status read is fraction of the time waited so far,
	// at least minDelay and at most maxDelay.
	minDelay time.Duration
	fraction float64
	maxDelay time.Duration
	// jitter is the fraction by which a pause longer than minDelay is
	// shortened at random, so that jobs submitted together drift apart.
	jitter float64
	// sleep pauses for the given delay, or until ctx ends.
	sleep func(ctx context.Context, delay time.Duration) error
	now   func() time.Time
}

func newJobWaiter(client *partio.Client) *jobWaiter {
	return &jobWaiter{
		client:   client,
		minDelay: pollMinDelay,
		fraction: pollFraction,
		maxDelay: pollMaxDelay,
		jitter:   pollJitter,
		sleep:    sleepContext,
		now:      time.Now,
	}
}

// wait polls job id until its status is done or a failure, or until ctx
// ends. It returns the last job state it read, also together with an
// error, so that the caller can save it. A failure status returns an error
// wrapping errJobFailed. A transient read error (429, 502, 503, 504, or no
// response at all) only delays the next read, by the server's Retry-After
// when it sent one.
func (w *jobWaiter) wait(ctx context.Context, id string) (*partio.Job, error) {
	started := w.now()
	lastProgress := started
	var last *partio.Job
	// failedReads counts the status reads in a row that failed, and
	// lastReadErr is the last of them, for the error when the wait ends.
	failedReads := 0
	var lastReadErr error

	for attempt := 1; ; attempt++ {
		job, err := w.client.GetJob(ctx, id)
		elapsed := w.now().Sub(started).Round(time.Second).String()
		var pause time.Duration

		switch {
		case err == nil:
			failedReads, lastReadErr = 0, nil
			if last == nil || job.Status != last.Status {
				tflog.Info(ctx, "render job status", map[string]any{
					"job_id": id, "status": job.Status, "attempt": attempt, "elapsed": elapsed,
				})
			}
			last = job
			if job.Status == partio.StatusDone {
				return job, nil
			}
			if partio.IsFailure(job.Status) {
				return job, fmt.Errorf("job %s has status %q: %w", id, job.Status, errJobFailed)
			}
			pause = w.nextPause(w.now().Sub(started))
		case ctx.Err() != nil:
			return last, interruptedWait(ctx.Err(), failedReads, lastReadErr)
		case isTransientError(err):
			failedReads, lastReadErr = failedReads+1, err
			pause = retryDelay(err, w.nextPause(w.now().Sub(started)))
			tflog.Warn(ctx, "reading render job status failed; trying again", map[string]any{
				"job_id": id, "attempt": attempt, "elapsed": elapsed, "error": err.Error(),
				"retry_in": pause.Round(time.Millisecond).String(),
			})
		default:
			return last, err
		}

		if w.now().Sub(lastProgress) >= progressInterval {
			lastProgress = w.now()
			status := "unknown"
			if last != nil {
				status = last.Status
			}
			tflog.Info(ctx, "waiting for render job", map[string]any{
				"job_id": id, "status": status, "attempt": attempt, "elapsed": elapsed,
			})
		}

		if err := w.sleep(ctx, pause); err != nil {
			return last, interruptedWait(err, failedReads, lastReadErr)
		}
	}
}

// waitInterruptedError is a wait that ended with its context while the
// last status reads failed. It keeps the last read error for the message.
type waitInterruptedError struct {
	cause       error
	failedReads int
	lastReadErr error
}

func (e *waitInterruptedError) Error() string {
	return fmt.Sprintf("%v; the last %d status reads failed, the last one with: %v", e.cause, e.failedReads, e.lastReadErr)
}

func (e *waitInterruptedError) Unwrap() error { return e.cause }

// interruptedWait returns the context's error, with the failed status reads
// attached when the last reads failed.
func interruptedWait(cause error, failedReads int, lastReadErr error) error {
	if failedReads == 0 {
		return cause
	}
	return &waitInterruptedError{cause: cause, failedReads: failedReads, lastReadErr: lastReadErr}
}

// failedReadsNote explains, for an error message, that the last status
// reads of a wait failed, or returns "" when they did not.
func failedReadsNote(err error) string {
	var interrupted *waitInterruptedError
	if !errors.As(err, &interrupted) {
		return ""
	}
	return fmt.Sprintf("\n\nThe last %d status reads failed, so part.io may be out of reach; the last error was: %v. "+
		"Check the provider's endpoint and the network.", interrupted.failedReads, interrupted.lastReadErr)
}

// nextPause returns the pause before the next status read, after elapsed
// time of waiting. The jitter only shortens a pause, so a finished job is
// still noticed within the fraction of its render time.
func (w *jobWaiter) nextPause(elapsed time.Duration) time.Duration {
	pause := time.Duration(float64(elapsed) * w.fraction * (1 - w.jitter*rand.Float64()))
	return min(max(pause, w.minDelay), w.maxDelay)
}

// isTransientError reports whether a failed status read is worth trying
// again: too many requests, a gateway error, or a request without a
// response. Any other status code, such as 401 or 404, will not change by
// waiting.
func isTransientError(err error) bool {
	var apiErr *partio.APIError
	if errors.As(err, &apiErr) {
		if apiErr.Problem != "" {
			return false
		}
		switch apiErr.StatusCode {
		case http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
			return true
		}
		return false
	}
	var requestErr *partio.RequestError
	return errors.As(err, &requestErr)
}

// retryDelay returns the pause before reading again after a transient
// error: the response's Retry-After when it had one, else backoff.
func retryDelay(err error, backoff time.Duration) time.Duration {
	var apiErr *partio.APIError
	if errors.As(err, &apiErr) && apiErr.RetryAfter > 0 {
		return apiErr.RetryAfter
	}
	return backoff
}

// sleepContext pauses for delay, returning ctx.Err() early when ctx ends.
func sleepContext(ctx context.Context, delay time.Duration) error {
	timer := time.NewTimer(delay)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return nil
	}
}

// waitPhase names the operation that waited, because what the user can do
// after a failed wait depends on it.
type waitPhase string

const (
	// waitAfterCreate follows a submission. Terraform taints a resource
	// whose create fails.
	waitAfterCreate waitPhase = "create"
	// waitAfterUpdate resumes waiting for a job that was already in the
	// state. A failed update does not taint the resource.
	waitAfterUpdate waitPhase = "update"
)

// addWaitError explains why waiting for job id failed and how to continue.
// The job's id and last known status are in the state when it is called.
func addWaitError(diags *diag.Diagnostics, phase waitPhase, id string, job *partio.Job, timeout time.Duration, err error) {
	resume := "The job's id and status are saved in the state, and Terraform marks the resource as tainted. " +
		"To keep waiting for this job, run `terraform untaint` on the resource (for example " +
		"`terraform untaint partio_render_job.NAME`), then `terraform apply`: it waits for the same job and " +
		"submits nothing. A plain `terraform apply` instead submits a new job, which part.io bills again."
	retry := "The resource is tainted, so the next `terraform apply` submits a new job."
	if phase == waitAfterUpdate {
		resume = "The job's id and status are saved in the state. The next `terraform apply` waits for the same " +
			"job again and submits nothing. To submit a new job instead, run " +
			"`terraform apply -replace=partio_render_job.NAME`."
		retry = "The next `terraform apply` replaces it with a new job, because this one will not produce a video."
	}

	switch {
	case errors.Is(err, errJobFailed) && job != nil && job.Status == partio.StatusOverlimit:
		diags.AddError("Render job over the monthly limit",
			fmt.Sprintf("part.io did not render job %s because the account is over its monthly usage limit. "+
				"The job was not charged. Raise the limit in the part.io account or wait for the next billing "+
				"month, then run `terraform apply` again. %s", id, retry))
	case errors.Is(err, errJobFailed) && job != nil:
		reason := "part.io gave no reason."
		if job.Reason != "" {
			reason = fmt.Sprintf("part.io gave the reason: %s", job.Reason)
		}
		diags.AddError("Render job failed",
			fmt.Sprintf("part.io reported status %q for job %s. %s\n\nFix the job's graph or params if the "+
				"reason points there, then run `terraform apply` again. %s", job.Status, id, reason, retry))
	case errors.Is(err, context.DeadlineExceeded):
		status := "no status was read"
		if job != nil {
			status = fmt.Sprintf("its last status was %q", job.Status)
		}
		diags.AddError("Timed out waiting for render job",
			fmt.Sprintf("Job %s was not done within the %s timeout of %s; %s. %s\n\n"+
				"To wait longer in one apply, raise `timeouts.%s`.%s", id, phase, timeout, status, resume, phase,
				failedReadsNote(err)))
	case errors.Is(err, context.Canceled):
		diags.AddError("Stopped waiting for render job",
			fmt.Sprintf("The wait for job %s was interrupted before the job was done. part.io keeps rendering it. %s%s",
				id, resume, failedReadsNote(err)))
	case errors.Is(err, partio.ErrNotFound):
		diags.AddError("Render job not found",
			fmt.Sprintf("part.io no longer knows job %s, so its video cannot be waited for. The next "+
				"`terraform apply` removes the job from the state and submits a new one.", id))
	default:
		diags.AddError("Unable to wait for render job",
			fmt.Sprintf("Reading the status of job %s failed: %s\n\n%s", id, err, resume))
	}
}
