package provider

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-log/tflogtest"

	"github.com/partio/terraform-provider-partio/internal/emulator"
	"github.com/partio/terraform-provider-partio/internal/partio"
)

// waitTest is an emulator on loopback, a client for it, and a waiter whose
// clock and pauses are simulated: each pause advances the clock and is
// recorded instead of slept.
type waitTest struct {
	emulator *emulator.Emulator
	client   *partio.Client
	waiter   *jobWaiter

	mu     sync.Mutex
	now    time.Time
	pauses []time.Duration
	// onPause, when set, runs at each pause with its 1-based number.
	onPause func(n int)
}

// maxTestPauses bounds the simulated pauses of one wait, so that a waiter
// that never stops fails the test instead of looping.
const maxTestPauses = 100

var errTooManyPauses = errors.New("the waiter paused more than 100 times")

func newWaitTest(t *testing.T, renderTime time.Duration) *waitTest {
	t.Helper()
	emu, err := emulator.New(emulator.Options{Token: testToken, RenderTime: renderTime})
	if err != nil {
		t.Fatalf("starting emulator: %v", err)
	}
	server := httptest.NewServer(emu)
	t.Cleanup(func() {
		server.Close()
		_ = emu.Close()
	})
	// The client's own retries are off, so that the waiter receives every
	// transient error that the emulator injects.
	client, err := partio.NewClient(partio.Config{Endpoint: server.URL, Token: testToken, Retry: &partio.RetryPolicy{}})
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}

	w := &waitTest{emulator: emu, client: client, now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	w.waiter = newJobWaiter(client)
	w.waiter.now = func() time.Time {
		w.mu.Lock()
		defer w.mu.Unlock()
		return w.now
	}
	w.waiter.sleep = func(ctx context.Context, delay time.Duration) error {
		w.mu.Lock()
		w.now = w.now.Add(delay)
		w.pauses = append(w.pauses, delay)
		n := len(w.pauses)
		hook := w.onPause
		w.mu.Unlock()
		if n > maxTestPauses {
			return errTooManyPauses
		}
		if hook != nil {
			hook(n)
		}
		return ctx.Err()
	}
	return w
}

func (w *waitTest) submit(t *testing.T) string {
	t.Helper()
	id, err := w.client.SubmitJob(context.Background(), partio.JobDescription{
		Nodes:  []partio.Node{{ID: "a", Type: "Maps", Params: map[string]any{"position": "Weinheim"}}},
		Output: partio.Output{Type: "mp4", FPS: 25, Width: 640, Height: 360, Duration: "00:00:20", Node: "a"},
	})
	if err != nil {
		t.Fatalf("SubmitJob: %v", err)
	}
	return id
}

func (w *waitTest) recordedPauses() []time.Duration {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]time.Duration(nil), w.pauses...)
}

func TestJobWaiterReturnsDoneJob(t *testing.T) {
	w := newWaitTest(t, 0)
	id := w.submit(t)

	job, err := w.waiter.wait(context.Background(), id)
	if err != nil {
		t.Fatalf("wait: %v", err)
	}
	if job.Status != partio.StatusDone || job.URL == "" {
		t.Errorf("job = %+v, want status done with a URL", job)
	}
	if got := len(w.recordedPauses()); got != 0 {
		t.Errorf("waited %d times for a job done on the first read, want 0", got)
	}
}

func TestJobWaiterBacksOffUntilDone(t *testing.T) {
	w := newWaitTest(t, time.Hour)
	id := w.submit(t)
	w.waiter.jitter = 0
	w.waiter.maxDelay = 3 * time.Second
	// An unknown status word is treated as pending.
	if err := w.emulator.SetJobStatus(id, "rendering"); err != nil {
		t.Fatal(err)
	}
	const pausesUntilDone = 25
	w.onPause = func(n int) {
		if n == pausesUntilDone {
			_ = w.emulator.SetJobStatus(id, partio.StatusDone)
		}
	}

	job, err := w.waiter.wait(context.Background(), id)
	if err != nil {
		t.Fatalf("wait: %v", err)
	}
	if job.Status != partio.StatusDone {
		t.Errorf("status = %q, want done", job.Status)
	}

	// A second at first, then a tenth of the time waited, up to the cap.
	var want []time.Duration
	var elapsed time.Duration
	for range pausesUntilDone {
		pause := min(max(elapsed/10, time.Second), 3*time.Second)
		want = append(want, pause)
		elapsed += pause
	}
	got := w.recordedPauses()
	if len(got) != len(want) {
		t.Fatalf("pauses = %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("pause %d = %s, want %s", i+1, got[i], want[i])
		}
	}
	if got[11] <= time.Second || got[len(got)-1] != 3*time.Second {
		t.Errorf("pauses = %v, want growth after ten seconds and the 3s cap at the end", got)
	}
}

func TestJobWaiterJitterKeepsBounds(t *testing.T) {
	w := newWaitTest(t, 0)
	for _, elapsed := range []time.Duration{0, 5 * time.Second, 20 * time.Second, time.Minute, 10 * time.Minute, 5 * time.Hour} {
		limit := min(max(elapsed/10, pollMinDelay), pollMaxDelay)
		for range 200 {
			pause := w.waiter.nextPause(elapsed)
			if pause < pollMinDelay {
				t.Fatalf("pause after %s = %s, want at least %s: no job is polled more than once a second", elapsed, pause, pollMinDelay)
			}
			if pause > limit {
				t.Fatalf("pause after %s = %s, want at most %s", elapsed, pause, limit)
			}
			if elapsed/10 > 2*pollMinDelay && elapsed/10 < pollMaxDelay && pause < time.Duration(float64(elapsed/10)*(1-pollJitter)) {
				t.Fatalf("pause after %s = %s, shortened by more than the jitter", elapsed, pause)
			}
		}
	}
}

func TestJobWaiterFailureStatuses(t *testing.T) {
	for _, status := range []string{"failed", "error", "cancelled", "canceled", "rejected", partio.StatusOverlimit} {
		t.Run(status, func(t *testing.T) {
			w := newWaitTest(t, time.Hour)
			id := w.submit(t)
			if err := w.emulator.SetJobFailure(id, status, "reason for "+status); err != nil {
				t.Fatal(err)
			}

			job, err := w.waiter.wait(context.Background(), id)
			if !errors.Is(err, errJobFailed) {
				t.Fatalf("wait error = %v, want errJobFailed", err)
			}
			if job == nil || job.Status != status {
				t.Fatalf("job = %+v, want status %q", job, status)
			}
			if job.Reason != "reason for "+status {
				t.Errorf("reason = %q, want the emulator's reason", job.Reason)
			}
		})
	}
}

func TestJobWaiterRetriesTransientErrors(t *testing.T) {
	w := newWaitTest(t, 0)
	id := w.submit(t)
	w.emulator.AddFault(emulator.Fault{Method: http.MethodGet, PathPrefix: "/job", Count: 1, Status: http.StatusServiceUnavailable})
	w.emulator.AddFault(emulator.Fault{Method: http.MethodGet, PathPrefix: "/job", Count: 1, Status: http.StatusTooManyRequests, RetryAfter: "7"})
	w.emulator.AddFault(emulator.Fault{Method: http.MethodGet, PathPrefix: "/job", Count: 1, Status: http.StatusGatewayTimeout})

	job, err := w.waiter.wait(context.Background(), id)
	if err != nil {
		t.Fatalf("wait: %v", err)
	}
	if job.Status != partio.StatusDone {
		t.Errorf("status = %q, want done", job.Status)
	}
	if hits := w.emulator.FaultHits(); hits != 3 {
		t.Errorf("faults hit %d times, want 3", hits)
	}
	pauses := w.recordedPauses()
	if len(pauses) != 3 {
		t.Fatalf("pauses = %v, want one per transient error", pauses)
	}
	if pauses[1] != 7*time.Second {
		t.Errorf("pause after 429 with Retry-After: 7 = %s, want 7s", pauses[1])
	}
	if w.emulator.Submissions() != 1 {
		t.Errorf("emulator saw %d submissions, want 1", w.emulator.Submissions())
	}
}

func TestJobWaiterRetriesWithoutAnswer(t *testing.T) {
	w := newWaitTest(t, 0)
	// A listener that is closed at once refuses every connection.
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	client, err := partio.NewClient(partio.Config{Endpoint: closed.URL, Token: testToken, Retry: &partio.RetryPolicy{}})
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	w.waiter.client = client
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	w.onPause = func(n int) {
		if n == 3 {
			cancel()
		}
	}

	job, err := w.waiter.wait(ctx, "DPcM0BJV")
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("wait error = %v, want it to keep trying until the context ends", err)
	}
	if job != nil {
		t.Errorf("job = %+v, want nil without any answer", job)
	}
	if got := len(w.recordedPauses()); got != 3 {
		t.Errorf("%d pauses, want 3: one after each refused connection", got)
	}
	note := failedReadsNote(err)
	for _, want := range []string{"last 3 status reads failed", "connection refused", "endpoint"} {
		if !strings.Contains(note, want) {
			t.Errorf("failed-reads note %q does not contain %q", note, want)
		}
	}
}

func TestJobWaiterStopsOnPermanentError(t *testing.T) {
	cases := map[string]struct {
		fault emulator.Fault
		check func(error) bool
	}{
		"token rejected": {
			emulator.Fault{Method: http.MethodGet, PathPrefix: "/job", Status: http.StatusUnauthorized},
			func(err error) bool {
				var apiErr *partio.APIError
				return errors.As(err, &apiErr) && apiErr.StatusCode == http.StatusUnauthorized
			},
		},
		"internal server error": {
			emulator.Fault{Method: http.MethodGet, PathPrefix: "/job", Status: http.StatusInternalServerError},
			func(err error) bool {
				var apiErr *partio.APIError
				return errors.As(err, &apiErr) && apiErr.StatusCode == http.StatusInternalServerError
			},
		},
		"job not found": {
			emulator.Fault{Method: http.MethodGet, PathPrefix: "/job", Status: http.StatusOK, Body: `{"jobs":[]}`},
			func(err error) bool { return errors.Is(err, partio.ErrNotFound) },
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			w := newWaitTest(t, 0)
			id := w.submit(t)
			w.emulator.AddFault(tc.fault)

			job, err := w.waiter.wait(context.Background(), id)
			if err == nil || !tc.check(err) {
				t.Fatalf("wait error = %v, want the %s error", err, name)
			}
			if job != nil {
				t.Errorf("job = %+v, want nil before any status was read", job)
			}
			if pauses := w.recordedPauses(); len(pauses) != 0 {
				t.Errorf("pauses = %v, want none for an error that waiting cannot fix", pauses)
			}
		})
	}
}

func TestJobWaiterStopsWhenCanceled(t *testing.T) {
	w := newWaitTest(t, time.Hour)
	id := w.submit(t)
	// Real pauses of an hour, ended by the cancellation.
	w.waiter.minDelay = time.Hour
	w.waiter.maxDelay = time.Hour
	w.waiter.sleep = sleepContext
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	type result struct {
		job *partio.Job
		err error
	}
	done := make(chan result, 1)
	go func() {
		job, err := w.waiter.wait(ctx, id)
		done <- result{job, err}
	}()
	cancel()

	select {
	case r := <-done:
		if !errors.Is(r.err, context.Canceled) {
			t.Errorf("wait error = %v, want context.Canceled", r.err)
		}
		if r.job != nil && r.job.Status != partio.StatusQueued {
			t.Errorf("last job = %+v, want nil or queued", r.job)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("wait did not return after its context was canceled")
	}
}

func TestJobWaiterDeadlineKeepsLastJob(t *testing.T) {
	w := newWaitTest(t, time.Hour)
	id := w.submit(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// The simulated pause ends the context, as the create timeout would.
	w.onPause = func(n int) {
		if n == 3 {
			cancel()
		}
	}

	job, err := w.waiter.wait(ctx, id)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("wait error = %v, want the context's error", err)
	}
	if job == nil || job.ID != id || job.Status != partio.StatusQueued {
		t.Errorf("last job = %+v, want job %s with status queued", job, id)
	}
}

func TestJobWaiterLogsProgress(t *testing.T) {
	w := newWaitTest(t, time.Hour)
	id := w.submit(t)
	w.waiter.minDelay = 10 * time.Second
	w.waiter.maxDelay = 10 * time.Second
	w.waiter.jitter = 0
	statuses := map[int]string{3: "rendering", 8: partio.StatusDone}
	w.onPause = func(n int) {
		if status, ok := statuses[n]; ok {
			_ = w.emulator.SetJobStatus(id, status)
		}
	}
	var output bytes.Buffer
	ctx := tflogtest.RootLogger(context.Background(), &output)

	if _, err := w.waiter.wait(ctx, id); err != nil {
		t.Fatalf("wait: %v", err)
	}
	entries, err := tflogtest.MultilineJSONDecode(&output)
	if err != nil {
		t.Fatalf("decoding logs: %v", err)
	}

	var changes []string
	progress := 0
	for _, entry := range entries {
		if entry["job_id"] != id {
			t.Errorf("log entry without job_id %s: %v", id, entry)
		}
		switch entry["@message"] {
		case "render job status":
			changes = append(changes, fmt.Sprint(entry["status"]))
		case "waiting for render job":
			progress++
			if entry["@level"] != "info" || entry["elapsed"] == nil || entry["status"] == nil {
				t.Errorf("progress entry lacks level info, elapsed or status: %v", entry)
			}
		}
	}
	// Statuses are logged once per new value.
	if got := strings.Join(changes, ","); got != "queued,rendering,done" {
		t.Errorf("status entries = %s, want queued,rendering,done", got)
	}
	// Reads at 0 s, 10 s, ... 80 s, the last one done: progress entries
	// after the reads at 30 s and 60 s.
	if progress != 2 {
		t.Errorf("%d progress entries, want 2 (one per 30 s)", progress)
	}
}

func TestIsTransientError(t *testing.T) {
	cases := map[string]struct {
		err  error
		want bool
	}{
		"429":             {&partio.APIError{StatusCode: 429}, true},
		"502":             {&partio.APIError{StatusCode: 502}, true},
		"503":             {&partio.APIError{StatusCode: 503}, true},
		"504":             {&partio.APIError{StatusCode: 504}, true},
		"wrapped 503":     {fmt.Errorf("getting job: %w", &partio.APIError{StatusCode: 503}), true},
		"no answer":       {&partio.RequestError{Method: "GET", URL: "http://127.0.0.1/job", Err: errors.New("connection reset")}, true},
		"400":             {&partio.APIError{StatusCode: 400}, false},
		"401":             {&partio.APIError{StatusCode: 401}, false},
		"404":             {&partio.APIError{StatusCode: 404}, false},
		"500":             {&partio.APIError{StatusCode: 500}, false},
		"unreadable 200":  {&partio.APIError{StatusCode: 200, Problem: "not JSON"}, false},
		"not found":       {fmt.Errorf("job %q: %w", "x", partio.ErrNotFound), false},
		"unrelated error": {errors.New("boom"), false},
	}
	for name, tc := range cases {
		if got := isTransientError(tc.err); got != tc.want {
			t.Errorf("%s: isTransientError = %v, want %v", name, got, tc.want)
		}
	}
}

func TestRetryDelayHonoursRetryAfter(t *testing.T) {
	if got := retryDelay(&partio.APIError{StatusCode: 429, RetryAfter: 42 * time.Second}, time.Second); got != 42*time.Second {
		t.Errorf("retryDelay with Retry-After 42s = %s, want 42s", got)
	}
	if got := retryDelay(&partio.APIError{StatusCode: 503}, 4*time.Second); got != 4*time.Second {
		t.Errorf("retryDelay without Retry-After = %s, want the backoff delay 4s", got)
	}
	if got := retryDelay(&partio.RequestError{Err: errors.New("reset")}, 2*time.Second); got != 2*time.Second {
		t.Errorf("retryDelay after no answer = %s, want the backoff delay 2s", got)
	}
}

func TestAddWaitErrorMessages(t *testing.T) {
	queued := &partio.Job{ID: "DPcM0BJV", Status: "queued"}
	cases := map[string]struct {
		phase    waitPhase
		job      *partio.Job
		err      error
		summary  string
		contains []string
	}{
		"overlimit": {
			waitAfterCreate, &partio.Job{ID: "DPcM0BJV", Status: "overlimit"}, errJobFailed,
			"Render job over the monthly limit",
			[]string{"DPcM0BJV", "over its monthly usage limit", "was not charged", "next billing month", "submits a new job"},
		},
		"failed with reason": {
			waitAfterCreate, &partio.Job{ID: "DPcM0BJV", Status: "failed", Reason: "font not found"}, errJobFailed,
			"Render job failed",
			[]string{`status "failed" for job DPcM0BJV`, "font not found", "tainted", "submits a new job"},
		},
		"failed without reason": {
			waitAfterUpdate, &partio.Job{ID: "DPcM0BJV", Status: "rejected"}, errJobFailed,
			"Render job failed",
			[]string{`status "rejected"`, "gave no reason", "replaces it with a new job"},
		},
		"create timeout without a status": {
			waitAfterCreate, nil,
			&waitInterruptedError{cause: context.DeadlineExceeded, failedReads: 4, lastReadErr: errors.New("connection refused")},
			"Timed out waiting for render job",
			[]string{"DPcM0BJV", "no status was read", "last 4 status reads failed", "connection refused", "endpoint"},
		},
		"create timeout": {
			waitAfterCreate, queued, context.DeadlineExceeded,
			"Timed out waiting for render job",
			[]string{"DPcM0BJV", "create timeout of 2s", `"queued"`, "terraform untaint", "waits for the same job",
				"plain `terraform apply` instead submits a new job", "timeouts.create"},
		},
		"update timeout": {
			waitAfterUpdate, queued, context.DeadlineExceeded,
			"Timed out waiting for render job",
			[]string{"update timeout of 2s", "waits for the same job again", "-replace", "timeouts.update"},
		},
		"interrupted": {
			waitAfterCreate, nil, context.Canceled,
			"Stopped waiting for render job",
			[]string{"DPcM0BJV", "interrupted", "keeps rendering", "terraform untaint"},
		},
		"not found": {
			waitAfterCreate, queued, fmt.Errorf("job: %w", partio.ErrNotFound),
			"Render job not found",
			[]string{"no longer knows job DPcM0BJV", "submits a new one"},
		},
		"request failed": {
			waitAfterCreate, queued, errors.New("GET /job: status 401: the API rejected the token"),
			"Unable to wait for render job",
			[]string{"DPcM0BJV", "rejected the token", "terraform untaint"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			var diags diag.Diagnostics
			addWaitError(&diags, tc.phase, "DPcM0BJV", tc.job, 2*time.Second, tc.err)
			if len(diags) != 1 || diags[0].Severity() != diag.SeverityError {
				t.Fatalf("diagnostics = %v, want one error", diags)
			}
			if diags[0].Summary() != tc.summary {
				t.Errorf("summary = %q, want %q", diags[0].Summary(), tc.summary)
			}
			for _, text := range tc.contains {
				if !strings.Contains(diags[0].Detail(), text) {
					t.Errorf("detail lacks %q:\n%s", text, diags[0].Detail())
				}
			}
		})
	}
}
