package partio_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/partio/terraform-provider-partio/internal/emulator"
	"github.com/partio/terraform-provider-partio/internal/partio"
)

// countRequests returns how many requests with this method the server saw.
func (a *testAPI) countRequests(method string) int {
	n := 0
	for _, r := range a.recorded() {
		if r.Method == method {
			n++
		}
	}
	return n
}

// submitDirectly creates a job in the emulator through a client that
// retries nothing, for tests of status requests.
func submitDirectly(t *testing.T, api *testAPI) string {
	t.Helper()
	id, err := newTestClient(t, api.server.URL, testToken).SubmitJob(context.Background(), mapsJob())
	if err != nil {
		t.Fatalf("SubmitJob: %v", err)
	}
	return id
}

func TestGetRetriedOnStatus(t *testing.T) {
	for _, status := range []int{429, 500, 502, 503, 504} {
		t.Run(fmt.Sprint(status), func(t *testing.T) {
			api := startAPI(t, emulator.Options{})
			id := submitDirectly(t, api)
			api.emulator.AddFault(emulator.Fault{Method: http.MethodGet, Count: 1, Status: status})
			client := newTestClient(t, api.server.URL, testToken)

			job, err := client.GetJob(context.Background(), id)
			if err != nil {
				t.Fatalf("GetJob: %v", err)
			}
			if job.ID != id {
				t.Errorf("job id = %q, want %q", job.ID, id)
			}
			if got := api.countRequests(http.MethodGet); got != 2 {
				t.Errorf("server saw %d GET requests, want 2", got)
			}
		})
	}
}

func TestGetNotRetriedOnClientError(t *testing.T) {
	for _, status := range []int{400, 403, 404, 409, 422} {
		t.Run(fmt.Sprint(status), func(t *testing.T) {
			api := startAPI(t, emulator.Options{})
			api.emulator.AddFault(emulator.Fault{Method: http.MethodGet, Status: status})
			client := newTestClient(t, api.server.URL, testToken)

			_, err := client.GetJob(context.Background(), "DPcM0BJV")
			apiErr, ok := errors.AsType[*partio.APIError](err)
			if !ok {
				t.Fatalf("error = %v, want *partio.APIError", err)
			}
			if apiErr.StatusCode != status {
				t.Errorf("status = %d, want %d", apiErr.StatusCode, status)
			}
			if got := api.countRequests(http.MethodGet); got != 1 {
				t.Errorf("server saw %d GET requests, want 1", got)
			}
		})
	}
}

func TestGetRetriedAfterBrokenConnection(t *testing.T) {
	cases := map[string]emulator.Fault{
		"reset before processing": {ResetBeforeProcessing: true},
		"reset after processing":  {ResetAfterProcessing: true},
		"truncated body":          {TruncateBody: true},
	}
	for name, fault := range cases {
		t.Run(name, func(t *testing.T) {
			api := startAPI(t, emulator.Options{})
			id := submitDirectly(t, api)
			fault.Method = http.MethodGet
			fault.Count = 1
			api.emulator.AddFault(fault)
			client := newTestClient(t, api.server.URL, testToken)

			if _, err := client.GetJob(context.Background(), id); err != nil {
				t.Fatalf("GetJob: %v", err)
			}
			if got := api.emulator.FaultHits(); got != 1 {
				t.Errorf("fault hits = %d, want 1", got)
			}
		})
	}
}

func TestGetRetriedAfterRequestTimeout(t *testing.T) {
	api := startAPI(t, emulator.Options{})
	id := submitDirectly(t, api)
	api.emulator.AddFault(emulator.Fault{Method: http.MethodGet, Count: 1, Delay: 5 * time.Second})
	client := newConfiguredClient(t, partio.Config{
		Endpoint: api.server.URL, Token: testToken, RequestTimeout: 200 * time.Millisecond,
	})

	if _, err := client.GetJob(context.Background(), id); err != nil {
		t.Fatalf("GetJob: %v", err)
	}
	if got := api.countRequests(http.MethodGet); got != 2 {
		t.Errorf("server saw %d GET requests, want 2", got)
	}
}

func TestRetriesEndAfterMaxRetries(t *testing.T) {
	for _, maxRetries := range []int{0, 2} {
		t.Run(fmt.Sprint(maxRetries), func(t *testing.T) {
			api := startAPI(t, emulator.Options{})
			api.emulator.AddFault(emulator.Fault{Method: http.MethodGet, Status: http.StatusServiceUnavailable})
			policy := fastRetry
			policy.MaxRetries = maxRetries
			client := newConfiguredClient(t, partio.Config{Endpoint: api.server.URL, Token: testToken, Retry: &policy})

			_, err := client.GetJob(context.Background(), "DPcM0BJV")
			apiErr, ok := errors.AsType[*partio.APIError](err)
			if !ok {
				t.Fatalf("error = %v, want *partio.APIError", err)
			}
			if apiErr.StatusCode != http.StatusServiceUnavailable {
				t.Errorf("status = %d, want 503", apiErr.StatusCode)
			}
			if got := api.countRequests(http.MethodGet); got != maxRetries+1 {
				t.Errorf("server saw %d GET requests, want %d", got, maxRetries+1)
			}
			if maxRetries > 0 && !strings.Contains(err.Error(), fmt.Sprintf("after %d attempts", maxRetries+1)) {
				t.Errorf("error %q does not count the attempts", err)
			}
			if !strings.Contains(err.Error(), "id=DPcM0BJV") {
				t.Errorf("error %q does not name the job id", err)
			}
		})
	}
}

// arrivalGap returns the time between the first two requests the server saw.
func arrivalGap(t *testing.T, api *testAPI) time.Duration {
	t.Helper()
	requests := api.recorded()
	if len(requests) < 2 {
		t.Fatalf("server saw %d requests, want at least 2", len(requests))
	}
	return requests[1].Arrived.Sub(requests[0].Arrived)
}

func TestRetryAfterSecondsHonoured(t *testing.T) {
	api := startAPI(t, emulator.Options{UnknownJobAs404: true})
	api.emulator.AddFault(emulator.Fault{Method: http.MethodGet, Count: 1, Status: http.StatusServiceUnavailable, RetryAfter: "1"})
	client := newTestClient(t, api.server.URL, testToken)

	_, err := client.GetJob(context.Background(), "DPcM0BJV")
	if !errors.Is(err, partio.ErrNotFound) {
		t.Fatalf("GetJob error = %v, want the 404 of the retry", err)
	}
	if gap := arrivalGap(t, api); gap < time.Second {
		t.Errorf("retry came %s after the answer with Retry-After: 1", gap)
	}
}

func TestRetryAfterDateHonoured(t *testing.T) {
	api := startAPI(t, emulator.Options{UnknownJobAs404: true})
	// HTTP dates have whole seconds, so this requests a wait above 1s.
	retryAt := time.Now().Add(2 * time.Second).UTC().Format(http.TimeFormat)
	api.emulator.AddFault(emulator.Fault{Method: http.MethodGet, Count: 1, Status: http.StatusTooManyRequests, RetryAfter: retryAt})
	client := newTestClient(t, api.server.URL, testToken)

	_, err := client.GetJob(context.Background(), "DPcM0BJV")
	if !errors.Is(err, partio.ErrNotFound) {
		t.Fatalf("GetJob error = %v, want the 404 of the retry", err)
	}
	if gap := arrivalGap(t, api); gap < 900*time.Millisecond {
		t.Errorf("retry came %s after the answer with Retry-After: %s", gap, retryAt)
	}
}

func TestRetriesEndAtDeadline(t *testing.T) {
	api := startAPI(t, emulator.Options{})
	api.emulator.AddFault(emulator.Fault{Method: http.MethodGet, Status: http.StatusServiceUnavailable, RetryAfter: "30"})
	client := newTestClient(t, api.server.URL, testToken)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()

	started := time.Now()
	_, err := client.GetJob(ctx, "DPcM0BJV")
	if _, ok := errors.AsType[*partio.APIError](err); !ok {
		t.Fatalf("error = %v, want the 503 as *partio.APIError", err)
	}
	if !strings.Contains(err.Error(), "after the deadline") {
		t.Errorf("error %q does not say the retry would pass the deadline", err)
	}
	if got := api.countRequests(http.MethodGet); got != 1 {
		t.Errorf("server saw %d GET requests, want 1", got)
	}
	if ctx.Err() != nil {
		t.Errorf("GetJob returned after the deadline (%s), want at once", time.Since(started))
	}
}

func TestRetryWaitEndsWithContext(t *testing.T) {
	api := startAPI(t, emulator.Options{})
	api.emulator.AddFault(emulator.Fault{Method: http.MethodGet, Status: http.StatusServiceUnavailable, RetryAfter: "30"})
	client := newTestClient(t, api.server.URL, testToken)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(200*time.Millisecond, cancel)

	_, err := client.GetJob(ctx, "DPcM0BJV")
	if !errors.Is(err, context.Canceled) {
		t.Errorf("error = %v, want one that wraps context.Canceled", err)
	}
	if _, ok := errors.AsType[*partio.APIError](err); !ok {
		t.Errorf("error = %v, want one that keeps the 503 as *partio.APIError", err)
	}
}

func TestPostRetriedOnStatus(t *testing.T) {
	for _, status := range []int{429, 503} {
		t.Run(fmt.Sprint(status), func(t *testing.T) {
			api := startAPI(t, emulator.Options{})
			api.emulator.AddFault(emulator.Fault{Method: http.MethodPost, Count: 1, Status: status})
			client := newTestClient(t, api.server.URL, testToken)

			if _, err := client.SubmitJob(context.Background(), mapsJob()); err != nil {
				t.Fatalf("SubmitJob: %v", err)
			}
			if got := api.countRequests(http.MethodPost); got != 2 {
				t.Errorf("server saw %d POST requests, want 2", got)
			}
			if got := api.emulator.Submissions(); got != 1 {
				t.Errorf("emulator has %d jobs, want 1", got)
			}
		})
	}
}

func TestPostNotRetriedOnServerError(t *testing.T) {
	for _, status := range []int{500, 502, 504} {
		t.Run(fmt.Sprint(status), func(t *testing.T) {
			api := startAPI(t, emulator.Options{})
			api.emulator.AddFault(emulator.Fault{Method: http.MethodPost, Status: status})
			client := newTestClient(t, api.server.URL, testToken)

			_, err := client.SubmitJob(context.Background(), mapsJob())
			apiErr, ok := errors.AsType[*partio.APIError](err)
			if !ok {
				t.Fatalf("error = %v, want *partio.APIError", err)
			}
			if apiErr.StatusCode != status {
				t.Errorf("status = %d, want %d", apiErr.StatusCode, status)
			}
			if got := api.countRequests(http.MethodPost); got != 1 {
				t.Errorf("server saw %d POST requests, want 1", got)
			}
			if !strings.Contains(err.Error(), "A job may exist") {
				t.Errorf("error %q does not warn that a job may exist", err)
			}
		})
	}
}

func TestPostNotRetriedAfterSent(t *testing.T) {
	api := startAPI(t, emulator.Options{})
	api.emulator.AddFault(emulator.Fault{Method: http.MethodPost, PathPrefix: "/job", Count: 1, ResetAfterProcessing: true})
	client := newTestClient(t, api.server.URL, testToken)

	_, err := client.SubmitJob(context.Background(), mapsJob())
	if err == nil {
		t.Fatal("SubmitJob succeeded, want the reset connection as an error")
	}
	if got := len(api.emulator.Jobs()); got != 1 {
		t.Errorf("emulator has %d jobs, want exactly 1", got)
	}
	if got := api.countRequests(http.MethodPost); got != 1 {
		t.Errorf("server saw %d POST requests, want 1", got)
	}
	reqErr, ok := errors.AsType[*partio.RequestError](err)
	if !ok {
		t.Fatalf("error = %v (%T), want *partio.RequestError", err, err)
	}
	if !reqErr.Sent {
		t.Errorf("RequestError.Sent = false, want true")
	}
	for _, want := range []string{"part.io may have processed it", "A job may exist", "before submitting it again"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
}

func TestPostNotRetriedAfterBrokenAnswer(t *testing.T) {
	cases := map[string]struct {
		fault    emulator.Fault
		wantJobs int
	}{
		// The client cannot tell this from a reset after processing.
		"reset before processing": {emulator.Fault{ResetBeforeProcessing: true}, 0},
		"truncated body":          {emulator.Fault{TruncateBody: true}, 1},
		"corrupted body":          {emulator.Fault{CorruptBody: true}, 1},
		// The emulator processes the request once the delay is over, after
		// the client gave up waiting.
		"request timeout": {emulator.Fault{Delay: time.Second}, 1},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			api := startAPI(t, emulator.Options{})
			tc.fault.Method = http.MethodPost
			tc.fault.Count = 1
			api.emulator.AddFault(tc.fault)
			client := newConfiguredClient(t, partio.Config{
				Endpoint: api.server.URL, Token: testToken, RequestTimeout: 300 * time.Millisecond,
			})

			_, err := client.SubmitJob(context.Background(), mapsJob())
			if err == nil {
				t.Fatal("SubmitJob succeeded, want an error")
			}
			if !strings.Contains(err.Error(), "A job may exist") {
				t.Errorf("error %q does not warn that a job may exist", err)
			}
			if got := api.countRequests(http.MethodPost); got != 1 {
				t.Errorf("server saw %d POST requests, want 1", got)
			}
			api.server.Close() // waits for the delayed request to finish
			if got := api.emulator.Submissions(); got != tc.wantJobs {
				t.Errorf("emulator has %d jobs, want %d", got, tc.wantJobs)
			}
		})
	}
}

// closedPort returns a loopback address on which nothing listens, so that
// a connection to it is refused.
func closedPort(t *testing.T) string {
	t.Helper()
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := listener.Addr().String()
	_ = listener.Close()
	return addr
}

func TestPostRetriedWhenConnectionRefused(t *testing.T) {
	api := startAPI(t, emulator.Options{})
	refused := closedPort(t)
	var dials atomic.Int32
	transport := &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			if dials.Add(1) == 1 {
				addr = refused
			}
			var dialer net.Dialer
			return dialer.DialContext(ctx, network, addr)
		},
	}
	client := newConfiguredClient(t, partio.Config{
		Endpoint: api.server.URL, Token: testToken, HTTPClient: &http.Client{Transport: transport},
	})

	if _, err := client.SubmitJob(context.Background(), mapsJob()); err != nil {
		t.Fatalf("SubmitJob: %v", err)
	}
	if got := dials.Load(); got != 2 {
		t.Errorf("client dialled %d times, want 2", got)
	}
	if got := api.emulator.Submissions(); got != 1 {
		t.Errorf("emulator has %d jobs, want 1", got)
	}
}

func TestUploadRetried(t *testing.T) {
	cases := map[string]emulator.Fault{
		"503":                     {Status: http.StatusServiceUnavailable},
		"500":                     {Status: http.StatusInternalServerError},
		"reset before processing": {ResetBeforeProcessing: true},
		"reset after processing":  {ResetAfterProcessing: true},
	}
	for name, fault := range cases {
		t.Run(name, func(t *testing.T) {
			api := startAPI(t, emulator.Options{})
			client := newTestClient(t, api.server.URL, testToken)
			ctx := context.Background()
			content := strings.Repeat("frame ", 50000)
			path := filepath.Join(t.TempDir(), "intro.mp4")
			if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
				t.Fatal(err)
			}
			signedURL, err := client.RequestUploadURL(ctx, "intro.mp4", "video/mp4")
			if err != nil {
				t.Fatalf("RequestUploadURL: %v", err)
			}
			fault.Method = http.MethodPut
			fault.Count = 1
			api.emulator.AddFault(fault)

			result, err := client.UploadFile(ctx, signedURL, "video/mp4", path)
			if err != nil {
				t.Fatalf("UploadFile: %v", err)
			}
			sum := sha256.Sum256([]byte(content))
			if result.SHA256 != hex.EncodeToString(sum[:]) || result.Size != int64(len(content)) {
				t.Errorf("upload result = %+v, want the file's size and digest", result)
			}
			if stored, ok := api.emulator.Asset("intro.mp4"); !ok || stored.SHA256 != result.SHA256 {
				t.Errorf("emulator stored %+v, want the file's digest", stored)
			}
			if got := api.countRequests(http.MethodPut); got != 2 {
				t.Errorf("server saw %d PUT requests, want 2", got)
			}
			for _, r := range api.recorded() {
				if r.Method == http.MethodPut && r.Authorization != "" {
					t.Errorf("a PUT to the signed URL carried an Authorization header")
				}
			}
		})
	}
}

// eventLogger records the client's log records.
type eventLogger struct {
	mu      sync.Mutex
	records []logRecord
	// onWarn, when set, is called after each warning is recorded.
	onWarn func()
}

type logRecord struct {
	level  string
	msg    string
	fields map[string]any
}

func (l *eventLogger) Debug(_ context.Context, msg string, fields map[string]any) {
	l.add("debug", msg, fields)
}

func (l *eventLogger) Warn(_ context.Context, msg string, fields map[string]any) {
	l.add("warn", msg, fields)
	if l.onWarn != nil {
		l.onWarn()
	}
}

func (l *eventLogger) add(level, msg string, fields map[string]any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.records = append(l.records, logRecord{level: level, msg: msg, fields: fields})
}

func (l *eventLogger) snapshot() []logRecord {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]logRecord(nil), l.records...)
}

func TestThrottleHoldsBackOtherCallers(t *testing.T) {
	api := startAPI(t, emulator.Options{})
	first := submitDirectly(t, api)
	second := submitDirectly(t, api)
	api.emulator.AddFault(emulator.Fault{Method: http.MethodGet, Count: 1, Status: http.StatusTooManyRequests, RetryAfter: "1"})
	retrying := make(chan struct{})
	var once sync.Once
	logger := &eventLogger{onWarn: func() { once.Do(func() { close(retrying) }) }}
	client := newConfiguredClient(t, partio.Config{Endpoint: api.server.URL, Token: testToken, Logger: logger})

	firstDone := make(chan error, 1)
	go func() {
		_, err := client.GetJob(context.Background(), first)
		firstDone <- err
	}()
	select {
	case <-retrying:
	case <-time.After(10 * time.Second):
		t.Fatal("the first caller did not retry its 429 within 10s")
	}
	if _, err := client.GetJob(context.Background(), second); err != nil {
		t.Fatalf("GetJob of the second job: %v", err)
	}
	if err := <-firstDone; err != nil {
		t.Fatalf("GetJob of the first job: %v", err)
	}

	var throttled, secondArrived time.Time
	for _, r := range api.recorded() {
		switch {
		case r.Method == http.MethodGet && throttled.IsZero():
			throttled = r.Arrived
		case r.Method == http.MethodGet && r.Query == "id="+second:
			secondArrived = r.Arrived
		}
	}
	if gap := secondArrived.Sub(throttled); gap < time.Second {
		t.Errorf("the second caller's request came %s after the 429 with Retry-After: 1", gap)
	}
}

func TestRequestsPerSecondSpacesRequests(t *testing.T) {
	api := startAPI(t, emulator.Options{UnknownJobAs404: true})
	client := newConfiguredClient(t, partio.Config{Endpoint: api.server.URL, Token: testToken, RequestsPerSecond: 10})

	var wg sync.WaitGroup
	for i := range 6 {
		wg.Go(func() {
			_, _ = client.GetJob(context.Background(), fmt.Sprintf("Job%05d", i))
		})
	}
	wg.Wait()

	requests := api.recorded()
	if len(requests) != 6 {
		t.Fatalf("server saw %d requests, want 6", len(requests))
	}
	// Six starts at 10 per second span at least 500ms. Arrival times are
	// taken after the network, so the first may come late by up to 100ms.
	if span := requests[5].Arrived.Sub(requests[0].Arrived); span < 400*time.Millisecond {
		t.Errorf("6 requests arrived within %s, want them spread over about 500ms at 10 per second", span)
	}
}

func TestRedirectNotFollowed(t *testing.T) {
	var elsewhere atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		elsewhere.Add(1)
		if r.Header.Get("Authorization") != "" {
			t.Errorf("the token reached the redirect target")
		}
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(other.Close)
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+r.URL.RequestURI(), http.StatusTemporaryRedirect)
	}))
	t.Cleanup(api.Close)
	client := newTestClient(t, api.URL, testToken)

	_, err := client.GetJob(context.Background(), "DPcM0BJV")
	apiErr, ok := errors.AsType[*partio.APIError](err)
	if !ok || apiErr.StatusCode != http.StatusTemporaryRedirect {
		t.Errorf("error = %v, want the 307 as *partio.APIError", err)
	}
	if got := elsewhere.Load(); got != 0 {
		t.Errorf("the redirect target got %d requests, want 0", got)
	}
}

func TestRejectedTokenSaysHowToSetIt(t *testing.T) {
	api := startAPI(t, emulator.Options{})
	const help = "set `token` in the provider block"
	client := newConfiguredClient(t, partio.Config{Endpoint: api.server.URL, Token: "at_wrong", AuthHelp: help})

	_, err := client.GetJob(context.Background(), "DPcM0BJV")
	if err == nil {
		t.Fatal("GetJob succeeded with a wrong token")
	}
	for _, want := range []string{"rejected the token", help} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if got := api.countRequests(http.MethodGet); got != 1 {
		t.Errorf("server saw %d requests, want 1: a rejected token is not retried", got)
	}
}

func TestLogRecordsOmitSecrets(t *testing.T) {
	api := startAPI(t, emulator.Options{})
	logger := &eventLogger{}
	client := newConfiguredClient(t, partio.Config{Endpoint: api.server.URL, Token: testToken, Logger: logger})
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "logo.png")
	if err := os.WriteFile(path, []byte("png bytes"), 0o600); err != nil {
		t.Fatal(err)
	}

	signedURL, err := client.RequestUploadURL(ctx, "logo.png", "image/png")
	if err != nil {
		t.Fatalf("RequestUploadURL: %v", err)
	}
	api.emulator.AddFault(emulator.Fault{Method: http.MethodPut, Count: 1, Status: http.StatusServiceUnavailable})
	if _, err := client.UploadFile(ctx, signedURL, "image/png", path); err != nil {
		t.Fatalf("UploadFile: %v", err)
	}
	id, err := client.SubmitJob(ctx, mapsJob())
	if err != nil {
		t.Fatalf("SubmitJob: %v", err)
	}
	// Go's transport itself resends a GET whose reused connection was
	// closed before any response, so a body cut short serves as the
	// connection failure that reaches the client.
	api.emulator.AddFault(emulator.Fault{Method: http.MethodGet, Count: 1, TruncateBody: true})
	if _, err := client.GetJob(ctx, id); err != nil {
		t.Fatalf("GetJob: %v", err)
	}

	_, query, _ := strings.Cut(signedURL, "?")
	records := logger.snapshot()
	var retries []logRecord
	for _, record := range records {
		text := fmt.Sprint(record.msg, record.fields)
		for _, secret := range []string{testToken, query} {
			if strings.Contains(text, secret) {
				t.Errorf("log record %s contains a secret", text)
			}
		}
		if record.level == "warn" {
			retries = append(retries, record)
		}
	}
	if len(retries) != 2 {
		t.Fatalf("logged %d retries, want 2: %v", len(retries), retries)
	}
	upload, status := retries[0].fields, retries[1].fields
	if upload["method"] != http.MethodPut || upload["path"] != "/uploads/logo.png" || upload["reason"] != "status 503" {
		t.Errorf("upload retry fields = %v, want method PUT, path /uploads/logo.png and reason status 503", upload)
	}
	if status["job_id"] != id || status["attempt"] != 1 || status["wait"] == nil {
		t.Errorf("status retry fields = %v, want job_id %s, attempt 1 and the wait", status, id)
	}
	if reason, _ := status["reason"].(string); !strings.HasPrefix(reason, "connection failed") {
		t.Errorf("status retry reason = %q, want a connection failure", reason)
	}
	for _, record := range records {
		if record.level == "debug" && record.fields["duration"] == nil {
			t.Errorf("request record %v has no duration", record.fields)
		}
	}
}

func TestUploadURLRequestNotRetriedAfterSent(t *testing.T) {
	api := startAPI(t, emulator.Options{})
	api.emulator.AddFault(emulator.Fault{Method: http.MethodPost, PathPrefix: "/asset", Count: 1, Status: http.StatusBadGateway})
	client := newTestClient(t, api.server.URL, testToken)

	_, err := client.RequestUploadURL(context.Background(), "intro.mp4", "video/mp4")
	if apiErr, ok := errors.AsType[*partio.APIError](err); !ok || apiErr.StatusCode != http.StatusBadGateway {
		t.Fatalf("error = %v, want the 502 as *partio.APIError", err)
	}
	if got := api.countRequests(http.MethodPost); got != 1 {
		t.Errorf("server saw %d POST requests, want 1", got)
	}
}

func TestUnknownFieldsIgnored(t *testing.T) {
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"jobs":[{"id":"DPcM0BJV","status":"done","job":"{}","name":"",`+
			`"created":1657205778928,"url":"https://videos.example/DPcM0BJV.mp4","progress":1,"owner":{"plan":"pro"}}],`+
			`"next":null,"meta":{"count":1}}`)
	}))
	t.Cleanup(server.Close)
	client := newTestClient(t, server.URL, testToken)

	job, err := client.GetJob(context.Background(), "DPcM0BJV")
	if err != nil {
		t.Fatalf("GetJob: %v", err)
	}
	if job.Status != partio.StatusDone || job.URL != "https://videos.example/DPcM0BJV.mp4" {
		t.Errorf("job = %+v, want status done and the video URL", job)
	}
}

func TestResponseSizeCapped(t *testing.T) {
	const chunk = 64 << 10
	const limit = 64 << 20
	var written atomic.Int64
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"jobs":[`)
		padding := []byte(strings.Repeat(" ", chunk))
		for written.Load() < limit {
			n, err := w.Write(padding)
			written.Add(int64(n))
			if err != nil {
				return
			}
		}
	}))
	t.Cleanup(server.Close)
	client := newTestClient(t, server.URL, testToken)

	_, err := client.GetJob(context.Background(), "DPcM0BJV")
	if err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("error = %v, want one about the size of the response", err)
	}
	server.Close() // waits for the handler, which stops once the client hangs up
	if got := written.Load(); got >= limit {
		t.Errorf("server wrote all %d bytes, want the client to stop reading at the cap", got)
	}
}

func TestUploadErrorRedactsSignature(t *testing.T) {
	api := startAPI(t, emulator.Options{})
	client := newTestClient(t, api.server.URL, testToken)
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "logo.png")
	if err := os.WriteFile(path, []byte("png bytes"), 0o600); err != nil {
		t.Fatal(err)
	}
	signedURL, err := client.RequestUploadURL(ctx, "logo.png", "image/png")
	if err != nil {
		t.Fatalf("RequestUploadURL: %v", err)
	}
	api.emulator.AddFault(emulator.Fault{Method: http.MethodPut, Status: http.StatusServiceUnavailable})

	_, err = client.UploadFile(ctx, signedURL, "image/png", path)
	if err == nil {
		t.Fatal("UploadFile succeeded against a server that always answers 503")
	}
	if !strings.Contains(err.Error(), "/uploads/logo.png?REDACTED") {
		t.Errorf("error %q does not show the upload address with its query redacted", err)
	}
	_, query, _ := strings.Cut(signedURL, "?")
	for _, part := range strings.Split(query, "&") {
		if strings.Contains(err.Error(), part) {
			t.Errorf("error %q contains %q from the signed URL's query", err, part)
		}
	}
	if got := api.countRequests(http.MethodPut); got != fastRetry.MaxRetries+1 {
		t.Errorf("server saw %d PUT requests, want %d", got, fastRetry.MaxRetries+1)
	}
}
