package partio_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/partio/terraform-provider-partio/internal/emulator"
	"github.com/partio/terraform-provider-partio/internal/partio"
)

const testToken = "at_client_test_token"

// fakeClock is a settable clock for the emulator.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// recordedRequest is what the test server saw of one request.
type recordedRequest struct {
	Method        string
	Path          string
	Query         string
	Authorization string
	UserAgent     string
	ContentType   string
	// Arrived is when the server received the request.
	Arrived time.Time
}

type testAPI struct {
	emulator *emulator.Emulator
	server   *httptest.Server
	clock    *fakeClock

	mu       sync.Mutex
	requests []recordedRequest
}

func (a *testAPI) recorded() []recordedRequest {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]recordedRequest(nil), a.requests...)
}

// startAPI serves an emulator on loopback with a fake clock and records
// the headers of every request.
func startAPI(t *testing.T, opts emulator.Options) *testAPI {
	t.Helper()
	api := &testAPI{clock: &fakeClock{now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}}
	if opts.Token == "" {
		opts.Token = testToken
	}
	opts.Now = api.clock.Now
	emu, err := emulator.New(opts)
	if err != nil {
		t.Fatalf("starting emulator: %v", err)
	}
	api.emulator = emu
	api.server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		api.mu.Lock()
		api.requests = append(api.requests, recordedRequest{
			Method:        r.Method,
			Path:          r.URL.Path,
			Query:         r.URL.RawQuery,
			Arrived:       time.Now(),
			Authorization: r.Header.Get("Authorization"),
			UserAgent:     r.Header.Get("User-Agent"),
			ContentType:   r.Header.Get("Content-Type"),
		})
		api.mu.Unlock()
		emu.ServeHTTP(w, r)
	}))
	t.Cleanup(func() {
		api.server.Close()
		_ = emu.Close()
	})
	return api
}

// fastRetry retries like the default policy, with waits short enough for
// tests.
var fastRetry = partio.RetryPolicy{MaxRetries: 3, BaseWait: time.Millisecond, MaxWait: 5 * time.Millisecond}

func newTestClient(t *testing.T, endpoint, token string) *partio.Client {
	t.Helper()
	return newConfiguredClient(t, partio.Config{Endpoint: endpoint, Token: token})
}

// newConfiguredClient returns a client for cfg, with the test User-Agent
// and fastRetry unless cfg sets a policy.
func newConfiguredClient(t *testing.T, cfg partio.Config) *partio.Client {
	t.Helper()
	cfg.UserAgent = "terraform-provider-partio/test"
	if cfg.Retry == nil {
		policy := fastRetry
		cfg.Retry = &policy
	}
	client, err := partio.NewClient(cfg)
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	return client
}

func mapsJob() partio.JobDescription {
	return partio.JobDescription{
		Nodes: []partio.Node{{
			ID:     "0XuOdadtQ2",
			Type:   "Maps",
			Params: map[string]any{"duration": "00:00:20", "position": "Weinheim"},
		}},
		Output: partio.Output{
			Type: "mp4", FPS: 25, Width: 640, Height: 360,
			Duration: "00:00:20", Node: "0XuOdadtQ2",
		},
	}
}

func TestSubmitJobThenDone(t *testing.T) {
	api := startAPI(t, emulator.Options{RenderTime: 10 * time.Second})
	client := newTestClient(t, api.server.URL, testToken)
	ctx := context.Background()

	id, err := client.SubmitJob(ctx, mapsJob())
	if err != nil {
		t.Fatalf("SubmitJob: %v", err)
	}
	if len(id) != 8 {
		t.Errorf("job id %q: want 8 characters", id)
	}

	job, err := client.GetJob(ctx, id)
	if err != nil {
		t.Fatalf("GetJob while rendering: %v", err)
	}
	if job.Status != partio.StatusQueued {
		t.Errorf("status while rendering = %q, want %q", job.Status, partio.StatusQueued)
	}
	if job.URL != "" {
		t.Errorf("url while rendering = %q, want none", job.URL)
	}
	if !job.Created.Equal(api.clock.Now()) {
		t.Errorf("created = %v, want %v", job.Created, api.clock.Now())
	}
	if job.Description == nil || job.Description.Output.Node != "0XuOdadtQ2" {
		t.Errorf("description not decoded from the job string: %+v", job.Description)
	}

	api.clock.Advance(11 * time.Second)
	job, err = client.GetJob(ctx, id)
	if err != nil {
		t.Fatalf("GetJob after render: %v", err)
	}
	if job.Status != partio.StatusDone {
		t.Fatalf("status after render = %q, want %q", job.Status, partio.StatusDone)
	}
	if !strings.HasPrefix(job.URL, api.server.URL+"/") {
		t.Errorf("url = %q, want an address on the emulator %s", job.URL, api.server.URL)
	}
	if got := api.emulator.Submissions(); got != 1 {
		t.Errorf("emulator saw %d submissions, want 1", got)
	}
}

func TestRequestsCarryTokenAndUserAgent(t *testing.T) {
	api := startAPI(t, emulator.Options{})
	client := newTestClient(t, api.server.URL, testToken)

	if _, err := client.SubmitJob(context.Background(), mapsJob()); err != nil {
		t.Fatalf("SubmitJob: %v", err)
	}
	requests := api.recorded()
	if len(requests) != 1 {
		t.Fatalf("server saw %d requests, want 1", len(requests))
	}
	if got := requests[0].Authorization; got != "Bearer "+testToken {
		t.Errorf("Authorization = %q, want the bearer token", got)
	}
	if got := requests[0].UserAgent; got != "terraform-provider-partio/test" {
		t.Errorf("User-Agent = %q", got)
	}
	if got := requests[0].Path; got != "/job" {
		t.Errorf("path = %q, want /job", got)
	}
}

func TestJobDescriptionKeepsJSONValues(t *testing.T) {
	desc := partio.JobDescription{
		Nodes: []partio.Node{{
			ID:   "a",
			Type: "Maps",
			Params: map[string]any{
				"zoom":    json.Number("12.50"),
				"big":     json.Number("12345678901234567890"),
				"enabled": true,
				"tags":    []any{"x", json.Number("1")},
				"box":     map[string]any{"left": json.Number("0.1")},
				"nothing": nil,
			},
		}},
		Output: partio.Output{Node: "a", Type: "mp4"},
	}
	data, err := json.Marshal(desc)
	if err != nil {
		t.Fatalf("Marshal: %v", err)
	}
	text := string(data)
	for _, want := range []string{
		`"inputs":{}`,
		`"zoom":12.50`,
		`"big":12345678901234567890`,
		`"enabled":true`,
		`"tags":["x",1]`,
		`"box":{"left":0.1}`,
		`"nothing":null`,
		`"test":false`,
		`"name":""`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("encoded job description lacks %s:\n%s", want, text)
		}
	}
	if n := strings.Count(text, `"test"`); n != 1 {
		t.Errorf("key \"test\" appears %d times, want once", n)
	}

	back, err := partio.DecodeJobDescription(data)
	if err != nil {
		t.Fatalf("DecodeJobDescription: %v", err)
	}
	if got := back.Nodes[0].Params["big"]; got != json.Number("12345678901234567890") {
		t.Errorf("decoded big number = %#v, want json.Number with every digit", got)
	}
}

func TestGetJobUnknownID(t *testing.T) {
	for _, as404 := range []bool{false, true} {
		name := "empty list"
		if as404 {
			name = "404"
		}
		t.Run(name, func(t *testing.T) {
			api := startAPI(t, emulator.Options{UnknownJobAs404: as404})
			client := newTestClient(t, api.server.URL, testToken)

			_, err := client.GetJob(context.Background(), "NoSuchJb")
			if !errors.Is(err, partio.ErrNotFound) {
				t.Fatalf("GetJob error = %v, want ErrNotFound", err)
			}
			if !strings.Contains(err.Error(), "NoSuchJb") {
				t.Errorf("error %q does not name the job id", err)
			}
		})
	}
}

func TestWrongTokenIsAPIError401(t *testing.T) {
	api := startAPI(t, emulator.Options{})
	client := newTestClient(t, api.server.URL, "at_wrong_token")

	_, err := client.SubmitJob(context.Background(), mapsJob())
	var apiErr *partio.APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("error = %v (%T), want *partio.APIError", err, err)
	}
	if apiErr.StatusCode != http.StatusUnauthorized {
		t.Errorf("status = %d, want 401", apiErr.StatusCode)
	}
	if !strings.Contains(err.Error(), "rejected the token") {
		t.Errorf("error %q does not say the token was rejected", err)
	}
	if strings.Contains(err.Error(), "at_wrong_token") {
		t.Errorf("error %q contains the token", err)
	}
	if errors.Is(err, partio.ErrNotFound) {
		t.Errorf("a 401 must not count as not found")
	}
	if got := api.emulator.Submissions(); got != 0 {
		t.Errorf("emulator accepted %d jobs with a wrong token", got)
	}
}

func TestInvalidJobIsAPIError400(t *testing.T) {
	api := startAPI(t, emulator.Options{})
	client := newTestClient(t, api.server.URL, testToken)
	desc := mapsJob()
	desc.Output.Node = "missing"

	_, err := client.SubmitJob(context.Background(), desc)
	var apiErr *partio.APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("error = %v (%T), want *partio.APIError", err, err)
	}
	if apiErr.StatusCode != http.StatusBadRequest {
		t.Errorf("status = %d, want 400", apiErr.StatusCode)
	}
	if apiErr.Message == "" || !strings.Contains(apiErr.Message, "missing") {
		t.Errorf("message = %q, want the API's reason naming the node id", apiErr.Message)
	}
}

func TestNonJSONAnswerKeepsExcerpt(t *testing.T) {
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusBadGateway)
		_, _ = io.WriteString(w, "<html>\n<body>Bad gateway: upstream "+testToken+" down</body></html>")
	}))
	t.Cleanup(server.Close)
	client := newTestClient(t, server.URL, testToken)

	_, err := client.GetJob(context.Background(), "DPcM0BJV")
	var apiErr *partio.APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("error = %v (%T), want *partio.APIError", err, err)
	}
	if apiErr.StatusCode != http.StatusBadGateway {
		t.Errorf("status = %d, want 502", apiErr.StatusCode)
	}
	if !strings.Contains(apiErr.Body, "Bad gateway: upstream") {
		t.Errorf("body excerpt = %q, want the start of the page on one line", apiErr.Body)
	}
	if strings.Contains(err.Error(), testToken) {
		t.Errorf("error %q contains the token", err)
	}
}

func TestUploadFileStoresSameBytes(t *testing.T) {
	api := startAPI(t, emulator.Options{})
	client := newTestClient(t, api.server.URL, testToken)
	ctx := context.Background()
	content := strings.Repeat("part.io upload test\n", 5000)
	path := filepath.Join(t.TempDir(), "intro.mp4")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}

	signedURL, err := client.RequestUploadURL(ctx, "intro.mp4", "video/mp4")
	if err != nil {
		t.Fatalf("RequestUploadURL: %v", err)
	}
	if !strings.HasPrefix(signedURL, api.server.URL+"/") {
		t.Errorf("signed URL does not point at the emulator: %s", partio.RedactURL(signedURL))
	}
	result, err := client.UploadFile(ctx, signedURL, "video/mp4", path)
	if err != nil {
		t.Fatalf("UploadFile: %v", err)
	}

	sum := sha256.Sum256([]byte(content))
	want := hex.EncodeToString(sum[:])
	if result.SHA256 != want || result.Size != int64(len(content)) {
		t.Errorf("upload result = %+v, want size %d and sha256 %s", result, len(content), want)
	}
	stored, ok := api.emulator.Asset("intro.mp4")
	if !ok {
		t.Fatal("emulator stored no file named intro.mp4")
	}
	if stored.SHA256 != want {
		t.Errorf("emulator stored sha256 %s, want %s", stored.SHA256, want)
	}
	for _, r := range api.recorded() {
		if r.Method == http.MethodPut && r.Authorization != "" {
			t.Errorf("the upload carried an Authorization header")
		}
		if r.Method == http.MethodPut && r.ContentType != "video/mp4" {
			t.Errorf("the upload's Content-Type = %q, want video/mp4", r.ContentType)
		}
	}
}

func TestUploadWrongContentTypeIs403(t *testing.T) {
	api := startAPI(t, emulator.Options{})
	client := newTestClient(t, api.server.URL, testToken)
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "logo.png")
	if err := os.WriteFile(path, []byte("not really a png"), 0o600); err != nil {
		t.Fatal(err)
	}

	signedURL, err := client.RequestUploadURL(ctx, "logo.png", "image/png")
	if err != nil {
		t.Fatalf("RequestUploadURL: %v", err)
	}
	_, err = client.UploadFile(ctx, signedURL, "image/jpeg", path)
	var apiErr *partio.APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("error = %v (%T), want *partio.APIError", err, err)
	}
	if apiErr.StatusCode != http.StatusForbidden {
		t.Errorf("status = %d, want 403", apiErr.StatusCode)
	}
	if !strings.Contains(err.Error(), "signed upload URL was rejected") {
		t.Errorf("error %q does not explain the rejected signed URL", err)
	}
	if _, query, _ := strings.Cut(signedURL, "?"); strings.Contains(err.Error(), query) {
		t.Errorf("error %q contains the signed URL's query", err)
	}
	if _, ok := api.emulator.Asset("logo.png"); ok {
		t.Errorf("emulator stored a file despite the wrong content type")
	}
}

func TestNewClientRejectsBadConfig(t *testing.T) {
	cases := map[string]partio.Config{
		"missing token":    {Endpoint: "https://api.part.io"},
		"no scheme":        {Endpoint: "api.part.io", Token: "t"},
		"ftp scheme":       {Endpoint: "ftp://api.part.io", Token: "t"},
		"query":            {Endpoint: "https://api.part.io/?x=1", Token: "t"},
		"credentials":      {Endpoint: "https://user:pw@api.part.io", Token: "t"},
		"negative rate":    {Endpoint: "https://api.part.io", Token: "t", RequestsPerSecond: -1},
		"negative timeout": {Endpoint: "https://api.part.io", Token: "t", RequestTimeout: -time.Second},
		"negative retries": {Endpoint: "https://api.part.io", Token: "t", Retry: &partio.RetryPolicy{MaxRetries: -1}},
		"wait cap below base": {Endpoint: "https://api.part.io", Token: "t",
			Retry: &partio.RetryPolicy{BaseWait: time.Second, MaxWait: time.Millisecond}},
	}
	for name, cfg := range cases {
		t.Run(name, func(t *testing.T) {
			if _, err := partio.NewClient(cfg); err == nil {
				t.Errorf("NewClient(%+v) succeeded, want an error", cfg)
			}
		})
	}
}

func TestRequestUploadURLRejectsPlainHTTPElsewhere(t *testing.T) {
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"url":"http://uploads.example.com/intro.mp4?signature=secret123"}`)
	}))
	t.Cleanup(server.Close)
	client := newTestClient(t, server.URL, testToken)

	_, err := client.RequestUploadURL(context.Background(), "intro.mp4", "video/mp4")
	if err == nil {
		t.Fatal("RequestUploadURL accepted an http upload URL on a host that is not loopback")
	}
	if !strings.Contains(err.Error(), "only https upload URLs are accepted") {
		t.Errorf("error %q does not say that https is required", err)
	}
	if strings.Contains(err.Error(), "secret123") {
		t.Errorf("error %q contains the signature", err)
	}
}

func TestIsLoopbackHost(t *testing.T) {
	cases := map[string]bool{
		"localhost": true, "LOCALHOST": true, "127.0.0.1": true, "127.8.9.10": true, "::1": true,
		"example.com": false, "10.0.0.1": false, "localhost.example.com": false, "": false,
	}
	for host, want := range cases {
		if got := partio.IsLoopbackHost(host); got != want {
			t.Errorf("IsLoopbackHost(%q) = %v, want %v", host, got, want)
		}
	}
}
