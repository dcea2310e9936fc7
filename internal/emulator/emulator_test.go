package emulator

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

const testToken = "at_test_token"

// validJob is a job description with two nodes, a numeric param and an
// output name. Its spacing is unusual on purpose, to show that the emulator
// stores the body unchanged.
const validJob = `{"nodes":[
  {"id":"0XuOdadtQ2","type":"Maps","inputs":{},"params":{"duration":"00:00:20","position":"Weinheim","zoom":12.50}},
  {"id":"Shift00001","type":"Time Shift","inputs":{"in":"0XuOdadtQ2"},"params":{"offset":"00:00:02"}}
 ],
 "output":{"type":"mp4","test":true,"fps":25,"width":640,"height":360,"duration":"00:00:20","name":"teaser","node":"Shift00001"}}`

// fakeClock is a settable clock for Options.Now.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2024, 7, 7, 15, 16, 18, 928_000_000, time.UTC)}
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

// startEmulator serves an Emulator on a loopback httptest server. Zero
// fields of opts get a test token, a fake clock and a temporary StorageDir.
func startEmulator(t *testing.T, opts Options) (*Emulator, *httptest.Server, *fakeClock) {
	t.Helper()
	clock := newFakeClock()
	if opts.Token == "" {
		opts.Token = testToken
	}
	if opts.Now == nil {
		opts.Now = clock.Now
	}
	if opts.StorageDir == "" {
		opts.StorageDir = t.TempDir()
	}
	emulator, err := New(opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	server := httptest.NewServer(emulator)
	t.Cleanup(func() {
		server.Close()
		if err := emulator.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return emulator, server, clock
}

// send performs a request and returns the response with its body read.
func send(t *testing.T, method, rawURL string, body io.Reader, header http.Header) (*http.Response, []byte) {
	t.Helper()
	request, err := http.NewRequest(method, rawURL, body)
	if err != nil {
		t.Fatalf("NewRequest %s %s: %v", method, rawURL, err)
	}
	for name, values := range header {
		request.Header[name] = values
	}
	response, err := http.DefaultClient.Do(request)
	if err != nil {
		t.Fatalf("%s %s: %v", method, rawURL, err)
	}
	defer response.Body.Close()
	data, err := io.ReadAll(response.Body)
	if err != nil {
		t.Fatalf("reading response of %s %s: %v", method, rawURL, err)
	}
	return response, data
}

// apiHeader returns the headers of an authorized JSON API request.
func apiHeader() http.Header {
	return http.Header{
		"Authorization": {"Bearer " + testToken},
		"Content-Type":  {"application/json"},
	}
}

// sendAPI performs an authorized JSON API request.
func sendAPI(t *testing.T, method, rawURL, body string) (*http.Response, []byte) {
	t.Helper()
	return send(t, method, rawURL, strings.NewReader(body), apiHeader())
}

// expectError checks the status code and the JSON error body of a response,
// and that the message contains want.
func expectError(t *testing.T, response *http.Response, body []byte, status int, want string) {
	t.Helper()
	if response.StatusCode != status {
		t.Errorf("status = %d, want %d (body %s)", response.StatusCode, status, body)
	}
	if got := response.Header.Get("Content-Type"); got != "application/json" {
		t.Errorf("Content-Type = %q, want application/json", got)
	}
	var decoded struct {
		Error string `json:"error"`
	}
	if err := json.Unmarshal(body, &decoded); err != nil {
		t.Fatalf("error body %q is not JSON: %v", body, err)
	}
	if !strings.Contains(decoded.Error, want) {
		t.Errorf("error message = %q, want it to contain %q", decoded.Error, want)
	}
}

// submit posts a job description to path and returns the job id.
func submit(t *testing.T, server *httptest.Server, path, description string) string {
	t.Helper()
	response, body := sendAPI(t, http.MethodPost, server.URL+path, description)
	if response.StatusCode != http.StatusOK {
		t.Fatalf("POST %s: status = %d, body %s", path, response.StatusCode, body)
	}
	var decoded struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(body, &decoded); err != nil {
		t.Fatalf("POST %s: body %q is not JSON: %v", path, body, err)
	}
	return decoded.ID
}

type statusBody struct {
	Jobs []struct {
		ID      string  `json:"id"`
		Status  string  `json:"status"`
		Job     *string `json:"job"`
		Name    *string `json:"name"`
		Created int64   `json:"created"`
		URL     string  `json:"url"`
	} `json:"jobs"`
}

// getStatus requests GET /job?id= and decodes a 200 response.
func getStatus(t *testing.T, server *httptest.Server, id string) statusBody {
	t.Helper()
	response, body := sendAPI(t, http.MethodGet, server.URL+"/job?id="+url.QueryEscape(id), "")
	if response.StatusCode != http.StatusOK {
		t.Fatalf("GET /job?id=%s: status = %d, body %s", id, response.StatusCode, body)
	}
	var decoded statusBody
	if err := json.Unmarshal(body, &decoded); err != nil {
		t.Fatalf("GET /job?id=%s: body %q is not JSON: %v", id, body, err)
	}
	return decoded
}

// requestUploadURL posts to /asset and returns the signed URL.
func requestUploadURL(t *testing.T, server *httptest.Server, filename, contentType string) string {
	t.Helper()
	request, _ := json.Marshal(assetRequest{Filename: filename, ContentType: contentType})
	response, body := sendAPI(t, http.MethodPost, server.URL+"/asset", string(request))
	if response.StatusCode != http.StatusOK {
		t.Fatalf("POST /asset: status = %d, body %s", response.StatusCode, body)
	}
	var decoded struct {
		URL string `json:"url"`
	}
	if err := json.Unmarshal(body, &decoded); err != nil {
		t.Fatalf("POST /asset: body %q is not JSON: %v", body, err)
	}
	return decoded.URL
}

// put uploads data to a signed URL with the given Content-Type and no
// Authorization header.
func put(t *testing.T, signedURL, contentType string, data []byte) (*http.Response, []byte) {
	t.Helper()
	return send(t, http.MethodPut, signedURL, bytes.NewReader(data), http.Header{"Content-Type": {contentType}})
}

// storedFiles lists the names in dir, including temporary upload files.
func storedFiles(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatalf("ReadDir %s: %v", dir, err)
	}
	names := make([]string, 0, len(entries))
	for _, entry := range entries {
		names = append(names, entry.Name())
	}
	return names
}

func TestAPIRejectsMissingOrWrongToken(t *testing.T) {
	_, server, _ := startEmulator(t, Options{})
	routes := []struct{ method, path string }{
		{http.MethodPost, "/job"},
		{http.MethodPost, "/jobs"},
		{http.MethodGet, "/job?id=DPcM0BJV"},
		{http.MethodPost, "/asset"},
	}
	headers := map[string]http.Header{
		"missing":      {"Content-Type": {"application/json"}},
		"wrong token":  {"Authorization": {"Bearer at_wrong"}, "Content-Type": {"application/json"}},
		"wrong scheme": {"Authorization": {"Basic " + testToken}, "Content-Type": {"application/json"}},
		"token only":   {"Authorization": {testToken}, "Content-Type": {"application/json"}},
	}
	for _, route := range routes {
		for name, header := range headers {
			t.Run(route.method+" "+route.path+" "+name, func(t *testing.T) {
				response, body := send(t, route.method, server.URL+route.path, strings.NewReader(validJob), header)
				expectError(t, response, body, http.StatusUnauthorized, "bearer token")
				if got := response.Header.Get("WWW-Authenticate"); got != "Bearer" {
					t.Errorf("WWW-Authenticate = %q, want Bearer", got)
				}
			})
		}
	}
}

func TestAPIAcceptsLowercaseBearerScheme(t *testing.T) {
	_, server, _ := startEmulator(t, Options{})
	header := http.Header{"Authorization": {"bearer " + testToken}, "Content-Type": {"application/json"}}
	response, body := send(t, http.MethodPost, server.URL+"/job", strings.NewReader(validJob), header)
	if response.StatusCode != http.StatusOK {
		t.Errorf("status = %d, want 200 (body %s)", response.StatusCode, body)
	}
}

func TestUnknownPathIs404(t *testing.T) {
	_, server, _ := startEmulator(t, Options{})
	for _, path := range []string{"/", "/v1/job", "/job/DPcM0BJV", "/assets", "/videos/x.mov"} {
		response, body := sendAPI(t, http.MethodGet, server.URL+path, "")
		expectError(t, response, body, http.StatusNotFound, "not found")
	}
}

func TestWrongMethodIs405(t *testing.T) {
	_, server, _ := startEmulator(t, Options{})
	cases := []struct{ method, path, allow string }{
		{http.MethodDelete, "/job?id=DPcM0BJV", "GET, POST"},
		{http.MethodPut, "/job", "GET, POST"},
		{http.MethodGet, "/jobs", "POST"},
		{http.MethodGet, "/asset", "POST"},
		{http.MethodPost, "/uploads/intro.mp4", "GET, HEAD, PUT"},
		{http.MethodDelete, "/uploads/intro.mp4", "GET, HEAD, PUT"},
		{http.MethodPost, "/videos/DPcM0BJV.mp4", "GET, HEAD"},
	}
	for _, tc := range cases {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			response, body := sendAPI(t, tc.method, server.URL+tc.path, "")
			expectError(t, response, body, http.StatusMethodNotAllowed, "not allowed")
			if got := response.Header.Get("Allow"); got != tc.allow {
				t.Errorf("Allow = %q, want %q", got, tc.allow)
			}
		})
	}
}

func TestSubmitThenQueuedThenDone(t *testing.T) {
	emulator, server, clock := startEmulator(t, Options{RenderTime: time.Minute})
	submitted := clock.Now()
	id := submit(t, server, "/job", validJob)
	if len(id) != 8 {
		t.Errorf("job id %q has %d characters, want 8", id, len(id))
	}
	for _, c := range id {
		if !strings.ContainsRune(jobIDAlphabet, c) {
			t.Errorf("job id %q contains %q, want only letters and digits", id, c)
		}
	}

	queued := getStatus(t, server, id)
	if len(queued.Jobs) != 1 {
		t.Fatalf("jobs = %+v, want one job", queued.Jobs)
	}
	got := queued.Jobs[0]
	if got.ID != id {
		t.Errorf("id = %q, want %q", got.ID, id)
	}
	if got.Status != StatusQueued {
		t.Errorf("status = %q, want queued", got.Status)
	}
	if got.Job == nil || *got.Job != validJob {
		t.Errorf("job = %v, want the submitted description unchanged", got.Job)
	}
	if got.Name == nil || *got.Name != "teaser" {
		t.Errorf("name = %v, want teaser", got.Name)
	}
	if got.Created != submitted.UnixMilli() {
		t.Errorf("created = %d, want %d", got.Created, submitted.UnixMilli())
	}
	if got.URL != "" {
		t.Errorf("url = %q while queued, want none", got.URL)
	}

	clock.Advance(time.Minute - time.Millisecond)
	if status := getStatus(t, server, id).Jobs[0].Status; status != StatusQueued {
		t.Errorf("status just before RenderTime = %q, want queued", status)
	}

	clock.Advance(time.Millisecond)
	done := getStatus(t, server, id).Jobs[0]
	if done.Status != StatusDone {
		t.Fatalf("status after RenderTime = %q, want done", done.Status)
	}
	wantURL := server.URL + "/videos/" + id + ".mp4"
	if done.URL != wantURL {
		t.Errorf("url = %q, want %q", done.URL, wantURL)
	}
	record, found := emulator.Job(id)
	if !found {
		t.Fatalf("Job(%q) not found", id)
	}
	if record.URL != wantURL {
		t.Errorf("JobRecord.URL = %q, want %q", record.URL, wantURL)
	}

	response, video := send(t, http.MethodGet, done.URL, nil, nil)
	if response.StatusCode != http.StatusOK {
		t.Fatalf("GET video: status = %d", response.StatusCode)
	}
	if got := response.Header.Get("Content-Type"); got != "video/mp4" {
		t.Errorf("video Content-Type = %q, want video/mp4", got)
	}
	if !bytes.Contains(video, []byte(id)) {
		t.Errorf("video body does not contain the job id %s", id)
	}
	if len(video) < 100 || len(video) > 1000 {
		t.Errorf("video has %d bytes, want a few hundred", len(video))
	}
	if !bytes.Equal(video[4:8], []byte("ftyp")) {
		t.Errorf("video starts with %q, want an MP4 ftyp box", video[:8])
	}
}

func TestVideoSupportsRangeAndHead(t *testing.T) {
	_, server, _ := startEmulator(t, Options{})
	id := submit(t, server, "/job", validJob)
	videoURL := getStatus(t, server, id).Jobs[0].URL
	whole := placeholderVideo(id)

	response, part := send(t, http.MethodGet, videoURL, nil, http.Header{"Range": {"bytes=4-7"}})
	if response.StatusCode != http.StatusPartialContent {
		t.Errorf("range status = %d, want 206", response.StatusCode)
	}
	if !bytes.Equal(part, whole[4:8]) {
		t.Errorf("range body = %q, want %q", part, whole[4:8])
	}

	response, body := send(t, http.MethodHead, videoURL, nil, nil)
	if response.StatusCode != http.StatusOK {
		t.Errorf("HEAD status = %d, want 200", response.StatusCode)
	}
	if len(body) != 0 {
		t.Errorf("HEAD body has %d bytes, want none", len(body))
	}
	if response.ContentLength != int64(len(whole)) {
		t.Errorf("HEAD Content-Length = %d, want %d", response.ContentLength, len(whole))
	}
}

func TestPlaceholderVideoIsDeterministic(t *testing.T) {
	first := placeholderVideo("DPcM0BJV")
	if !bytes.Equal(first, placeholderVideo("DPcM0BJV")) {
		t.Error("two placeholders for the same id differ")
	}
	if bytes.Equal(first, placeholderVideo("AAAAAAAA")) {
		t.Error("placeholders for different ids are equal")
	}
}

func TestRenderTimeZeroDoneOnFirstStatus(t *testing.T) {
	_, server, _ := startEmulator(t, Options{})
	id := submit(t, server, "/job", validJob)
	got := getStatus(t, server, id).Jobs[0]
	if got.Status != StatusDone {
		t.Errorf("status = %q, want done", got.Status)
	}
	if got.URL == "" {
		t.Error("done job has no url")
	}
}

func TestVideoOfQueuedJobIs404(t *testing.T) {
	_, server, _ := startEmulator(t, Options{RenderTime: time.Hour})
	id := submit(t, server, "/job", validJob)
	response, body := send(t, http.MethodGet, server.URL+"/videos/"+id+".mp4", nil, nil)
	expectError(t, response, body, http.StatusNotFound, id)

	response, body = send(t, http.MethodGet, server.URL+"/videos/NOSUCHID.mp4", nil, nil)
	expectError(t, response, body, http.StatusNotFound, "NOSUCHID")
}

func TestSubmitToJobsPath(t *testing.T) {
	emulator, server, _ := startEmulator(t, Options{})
	id := submit(t, server, "/jobs", validJob)
	if got := getStatus(t, server, id).Jobs; len(got) != 1 || got[0].ID != id {
		t.Errorf("status of job submitted to /jobs = %+v, want job %s", got, id)
	}
	if got := emulator.Submissions(); got != 1 {
		t.Errorf("Submissions() = %d, want 1", got)
	}
}

func TestSubmitStoresRawDescription(t *testing.T) {
	emulator, server, clock := startEmulator(t, Options{RenderTime: time.Second})
	id := submit(t, server, "/job", validJob)
	record, found := emulator.Job(id)
	if !found {
		t.Fatalf("Job(%q) not found", id)
	}
	if string(record.Description) != validJob {
		t.Errorf("Description = %s, want the body unchanged", record.Description)
	}
	if record.Name != "teaser" {
		t.Errorf("Name = %q, want teaser", record.Name)
	}
	if !record.Created.Equal(clock.Now()) {
		t.Errorf("Created = %s, want %s", record.Created, clock.Now())
	}
	if record.Status != StatusQueued {
		t.Errorf("Status = %q, want queued", record.Status)
	}
	if record.URL != "" {
		t.Errorf("URL = %q while queued, want none", record.URL)
	}

	record.Description[0] = 'X'
	if again, _ := emulator.Job(id); string(again.Description) != validJob {
		t.Error("changing a returned Description changed the stored one")
	}
}

func TestSubmitNameDefaultsToEmpty(t *testing.T) {
	_, server, _ := startEmulator(t, Options{})
	id := submit(t, server, "/job", `{"nodes":[{"id":"a"}],"output":{"node":"a"}}`)
	got := getStatus(t, server, id).Jobs[0]
	if got.Name == nil {
		t.Fatal("name is missing, want an empty string")
	}
	if *got.Name != "" {
		t.Errorf("name = %q, want empty", *got.Name)
	}
}

func TestSubmitRejectsInvalidDescription(t *testing.T) {
	cases := []struct {
		name, body, want string
	}{
		{"malformed JSON", `{"nodes":[`, "malformed JSON"},
		{"empty body", ``, "malformed JSON"},
		{"trailing data", `{"nodes":[{"id":"a"}],"output":{"node":"a"}} {}`, "malformed JSON"},
		{"array", `[{"id":"a"}]`, "must be a JSON object"},
		{"missing nodes", `{"output":{"node":"a"}}`, "missing nodes"},
		{"null nodes", `{"nodes":null,"output":{"node":"a"}}`, "missing nodes"},
		{"nodes not array", `{"nodes":{"id":"a"},"output":{"node":"a"}}`, "nodes must be an array"},
		{"empty nodes", `{"nodes":[],"output":{"node":"a"}}`, "nodes must not be empty"},
		{"node not object", `{"nodes":["a"],"output":{"node":"a"}}`, "nodes[0] must be an object"},
		{"node without id", `{"nodes":[{"id":"a"},{"type":"Maps"}],"output":{"node":"a"}}`, "nodes[1] is missing"},
		{"node with empty id", `{"nodes":[{"id":""}],"output":{"node":""}}`, "nodes[0] is missing"},
		{"node with numeric id", `{"nodes":[{"id":7}],"output":{"node":"7"}}`, "nodes[0] is missing"},
		{"duplicate node id", `{"nodes":[{"id":"a"},{"id":"a"}],"output":{"node":"a"}}`, `duplicate node id "a"`},
		{"input names no node", `{"nodes":[{"id":"a","inputs":{"A":"ghost"}}],"output":{"node":"a"}}`, `"ghost"`},
		{"input not string", `{"nodes":[{"id":"a","inputs":{"A":1}}],"output":{"node":"a"}}`, "nodes[0].inputs.A"},
		{"inputs not object", `{"nodes":[{"id":"a","inputs":["b"]}],"output":{"node":"a"}}`, "nodes[0].inputs must be an object"},
		{"missing output", `{"nodes":[{"id":"a"}]}`, "missing output"},
		{"output not object", `{"nodes":[{"id":"a"}],"output":"a"}`, "output must be an object"},
		{"missing output node", `{"nodes":[{"id":"a"}],"output":{"type":"mp4"}}`, "missing output.node"},
		{"output node names no node", `{"nodes":[{"id":"a"}],"output":{"node":"0XuOdadtQ2"}}`, `"0XuOdadtQ2"`},
		{"output name not string", `{"nodes":[{"id":"a"}],"output":{"node":"a","name":3}}`, "output.name must be a string"},
	}
	emulator, server, _ := startEmulator(t, Options{})
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			response, body := sendAPI(t, http.MethodPost, server.URL+"/job", tc.body)
			expectError(t, response, body, http.StatusBadRequest, tc.want)
		})
	}
	if got := emulator.Submissions(); got != 0 {
		t.Errorf("Submissions() = %d after only rejected requests, want 0", got)
	}
	if got := emulator.Jobs(); len(got) != 0 {
		t.Errorf("Jobs() = %+v after only rejected requests, want none", got)
	}
}

func TestSubmitRequiresJSONContentType(t *testing.T) {
	_, server, _ := startEmulator(t, Options{})
	for _, contentType := range []string{"", "text/plain", "application/x-www-form-urlencoded"} {
		header := http.Header{"Authorization": {"Bearer " + testToken}}
		if contentType != "" {
			header.Set("Content-Type", contentType)
		}
		response, body := send(t, http.MethodPost, server.URL+"/job", strings.NewReader(validJob), header)
		expectError(t, response, body, http.StatusUnsupportedMediaType, "application/json")
	}

	header := apiHeader()
	header.Set("Content-Type", "application/json; charset=utf-8")
	response, body := send(t, http.MethodPost, server.URL+"/job", strings.NewReader(validJob), header)
	if response.StatusCode != http.StatusOK {
		t.Errorf("status with charset parameter = %d, want 200 (body %s)", response.StatusCode, body)
	}
}

func TestSubmitBodyTooLargeIs413(t *testing.T) {
	emulator, server, _ := startEmulator(t, Options{})
	padding := strings.Repeat(" ", maxJobBodyBytes)
	response, body := sendAPI(t, http.MethodPost, server.URL+"/job", validJob+padding)
	expectError(t, response, body, http.StatusRequestEntityTooLarge, "too large")
	if got := emulator.Submissions(); got != 0 {
		t.Errorf("Submissions() = %d, want 0", got)
	}

	// A body just at the limit is accepted.
	response, body = sendAPI(t, http.MethodPost, server.URL+"/job", validJob+padding[len(validJob):])
	if response.StatusCode != http.StatusOK {
		t.Errorf("status at the limit = %d, want 200 (body %.200s)", response.StatusCode, body)
	}
}

func TestStatusMissingIDIs400(t *testing.T) {
	_, server, _ := startEmulator(t, Options{})
	for _, path := range []string{"/job", "/job?id=", "/job?other=1"} {
		response, body := sendAPI(t, http.MethodGet, server.URL+path, "")
		expectError(t, response, body, http.StatusBadRequest, "missing query parameter id")
	}
}

func TestStatusUnknownIDEmptyList(t *testing.T) {
	_, server, _ := startEmulator(t, Options{})
	response, body := sendAPI(t, http.MethodGet, server.URL+"/job?id=NOSUCHID", "")
	if response.StatusCode != http.StatusOK {
		t.Fatalf("status = %d, want 200 (body %s)", response.StatusCode, body)
	}
	if got := strings.TrimSpace(string(body)); got != `{"jobs":[]}` {
		t.Errorf("body = %s, want {\"jobs\":[]}", got)
	}
}

func TestStatusUnknownIDAs404(t *testing.T) {
	_, server, _ := startEmulator(t, Options{UnknownJobAs404: true})
	response, body := sendAPI(t, http.MethodGet, server.URL+"/job?id=NOSUCHID", "")
	expectError(t, response, body, http.StatusNotFound, "NOSUCHID")
}

func TestSetJobStatus(t *testing.T) {
	emulator, server, _ := startEmulator(t, Options{RenderTime: time.Hour})
	overlimit := submit(t, server, "/job", validJob)
	if err := emulator.SetJobStatus(overlimit, StatusOverlimit); err != nil {
		t.Fatalf("SetJobStatus overlimit: %v", err)
	}
	got := getStatus(t, server, overlimit).Jobs[0]
	if got.Status != StatusOverlimit {
		t.Errorf("status = %q, want overlimit", got.Status)
	}
	if got.URL != "" {
		t.Errorf("url = %q for an overlimit job, want none", got.URL)
	}
	response, body := send(t, http.MethodGet, server.URL+"/videos/"+overlimit+".mp4", nil, nil)
	expectError(t, response, body, http.StatusNotFound, overlimit)

	done := submit(t, server, "/job", validJob)
	if err := emulator.SetJobStatus(done, StatusDone); err != nil {
		t.Fatalf("SetJobStatus done: %v", err)
	}
	got = getStatus(t, server, done).Jobs[0]
	if got.Status != StatusDone {
		t.Errorf("status = %q, want done", got.Status)
	}
	if want := server.URL + "/videos/" + done + ".mp4"; got.URL != want {
		t.Errorf("url = %q, want %q", got.URL, want)
	}

	if err := emulator.SetJobStatus("NOSUCHID", "failed"); err == nil {
		t.Error("SetJobStatus on an unknown job succeeded, want an error")
	}
	if err := emulator.SetJobStatus(done, ""); err == nil {
		t.Error("SetJobStatus with an empty status succeeded, want an error")
	}
}

func TestSetJobStatusOverridesClock(t *testing.T) {
	emulator, server, clock := startEmulator(t, Options{RenderTime: time.Minute})
	id := submit(t, server, "/job", validJob)
	if err := emulator.SetJobStatus(id, "failed"); err != nil {
		t.Fatalf("SetJobStatus: %v", err)
	}
	clock.Advance(time.Hour)
	if got := getStatus(t, server, id).Jobs[0].Status; got != "failed" {
		t.Errorf("status after RenderTime = %q, want failed", got)
	}
}

func TestDeleteJob(t *testing.T) {
	emulator, server, _ := startEmulator(t, Options{})
	id := submit(t, server, "/job", validJob)
	remaining := submit(t, server, "/job", validJob)
	if !emulator.DeleteJob(id) {
		t.Fatalf("DeleteJob(%q) = false, want true", id)
	}
	if emulator.DeleteJob(id) {
		t.Errorf("second DeleteJob(%q) = true, want false", id)
	}
	if got := getStatus(t, server, id).Jobs; len(got) != 0 {
		t.Errorf("status of deleted job = %+v, want no jobs", got)
	}
	if _, found := emulator.Job(id); found {
		t.Error("Job() found the deleted job")
	}
	if got := emulator.Jobs(); len(got) != 1 || got[0].ID != remaining {
		t.Errorf("Jobs() = %+v, want only %s", got, remaining)
	}
	if got := emulator.Submissions(); got != 2 {
		t.Errorf("Submissions() = %d after a deletion, want 2", got)
	}
}

func TestJobsInSubmissionOrder(t *testing.T) {
	emulator, server, _ := startEmulator(t, Options{})
	var ids []string
	for range 5 {
		ids = append(ids, submit(t, server, "/job", validJob))
	}
	jobs := emulator.Jobs()
	if len(jobs) != len(ids) {
		t.Fatalf("Jobs() has %d jobs, want %d", len(jobs), len(ids))
	}
	for i, record := range jobs {
		if record.ID != ids[i] {
			t.Errorf("Jobs()[%d].ID = %q, want %q", i, record.ID, ids[i])
		}
	}
}

func TestSubmissionsCountsAcceptedOnly(t *testing.T) {
	emulator, server, _ := startEmulator(t, Options{})
	submit(t, server, "/job", validJob)
	submit(t, server, "/jobs", validJob)
	sendAPI(t, http.MethodPost, server.URL+"/job", `{"nodes":[]}`)
	send(t, http.MethodPost, server.URL+"/job", strings.NewReader(validJob), nil)
	if got := emulator.Submissions(); got != 2 {
		t.Errorf("Submissions() = %d, want 2", got)
	}
}

func TestConcurrentSubmissions(t *testing.T) {
	emulator, server, _ := startEmulator(t, Options{})
	const count = 20
	ids := make(chan string, count)
	var wg sync.WaitGroup
	for range count {
		wg.Go(func() {
			response, body := sendAPI(t, http.MethodPost, server.URL+"/job", validJob)
			var decoded struct {
				ID string `json:"id"`
			}
			if response.StatusCode != http.StatusOK || json.Unmarshal(body, &decoded) != nil {
				t.Errorf("POST /job: status = %d, body %s", response.StatusCode, body)
			}
			ids <- decoded.ID
		})
	}
	wg.Wait()
	close(ids)

	unique := map[string]bool{}
	for id := range ids {
		unique[id] = true
	}
	if len(unique) != count {
		t.Errorf("%d distinct ids from %d submissions, want %d", len(unique), count, count)
	}
	if got := emulator.Submissions(); got != count {
		t.Errorf("Submissions() = %d, want %d", got, count)
	}
}

func TestAssetUploadRoundTrip(t *testing.T) {
	emulator, server, _ := startEmulator(t, Options{})
	signedURL := requestUploadURL(t, server, "intro clip.mp4", "video/mp4")

	parsed, err := url.Parse(signedURL)
	if err != nil {
		t.Fatalf("signed URL %q does not parse: %v", signedURL, err)
	}
	serverURL, _ := url.Parse(server.URL)
	if parsed.Scheme != "http" || parsed.Host != serverURL.Host {
		t.Errorf("signed URL %q does not point at the server %s", signedURL, server.URL)
	}
	if parsed.EscapedPath() != "/uploads/intro%20clip.mp4" {
		t.Errorf("signed URL path = %q, want /uploads/intro%%20clip.mp4", parsed.EscapedPath())
	}
	if parsed.Query().Get("expires") == "" || parsed.Query().Get("signature") == "" {
		t.Errorf("signed URL %q lacks expires or signature", signedURL)
	}

	data := bytes.Repeat([]byte("part.io asset bytes\x00\xff"), 5000)
	response, body := put(t, signedURL, "video/mp4", data)
	if response.StatusCode != http.StatusOK {
		t.Fatalf("PUT: status = %d, body %s", response.StatusCode, body)
	}

	record, found := emulator.Asset("intro clip.mp4")
	if !found {
		t.Fatal("Asset() did not find the upload")
	}
	sum := sha256.Sum256(data)
	want := AssetRecord{Filename: "intro clip.mp4", ContentType: "video/mp4", Size: int64(len(data)), SHA256: hex.EncodeToString(sum[:])}
	if record != want {
		t.Errorf("Asset() = %+v, want %+v", record, want)
	}
	if assets := emulator.Assets(); len(assets) != 1 || assets[0] != want {
		t.Errorf("Assets() = %+v, want [%+v]", assets, want)
	}
	stored, err := os.ReadFile(filepath.Join(emulator.StorageDir(), "intro clip.mp4"))
	if err != nil {
		t.Fatalf("reading stored file: %v", err)
	}
	if !bytes.Equal(stored, data) {
		t.Error("stored file differs from the uploaded bytes")
	}

	downloadURL := server.URL + "/uploads/intro%20clip.mp4"
	response, downloaded := send(t, http.MethodGet, downloadURL, nil, nil)
	if response.StatusCode != http.StatusOK {
		t.Fatalf("GET upload: status = %d", response.StatusCode)
	}
	if got := response.Header.Get("Content-Type"); got != "video/mp4" {
		t.Errorf("download Content-Type = %q, want video/mp4", got)
	}
	if !bytes.Equal(downloaded, data) {
		t.Error("downloaded bytes differ from the uploaded bytes")
	}

	response, part := send(t, http.MethodGet, downloadURL, nil, http.Header{"Range": {"bytes=10-19"}})
	if response.StatusCode != http.StatusPartialContent || !bytes.Equal(part, data[10:20]) {
		t.Errorf("range download: status = %d, body %q, want 206 and %q", response.StatusCode, part, data[10:20])
	}
}

func TestAssetResponseKeepsAmpersand(t *testing.T) {
	_, server, _ := startEmulator(t, Options{})
	response, body := sendAPI(t, http.MethodPost, server.URL+"/asset", `{"filename":"a.png","contentType":"image/png"}`)
	if response.StatusCode != http.StatusOK {
		t.Fatalf("status = %d, body %s", response.StatusCode, body)
	}
	if !bytes.Contains(body, []byte("&signature=")) {
		t.Errorf("body %s does not contain a literal &signature=", body)
	}
}

func TestUploadWithoutAuthorizationHeader(t *testing.T) {
	emulator, server, _ := startEmulator(t, Options{})
	signedURL := requestUploadURL(t, server, "logo.png", "image/png")

	request, err := http.NewRequest(http.MethodPut, signedURL, strings.NewReader("png"))
	if err != nil {
		t.Fatal(err)
	}
	request.Header.Set("Content-Type", "image/png")
	if request.Header.Get("Authorization") != "" {
		t.Fatal("test request carries an Authorization header")
	}
	response, err := http.DefaultClient.Do(request)
	if err != nil {
		t.Fatal(err)
	}
	response.Body.Close()
	if response.StatusCode != http.StatusOK {
		t.Errorf("status = %d, want 200", response.StatusCode)
	}
	if _, found := emulator.Asset("logo.png"); !found {
		t.Error("upload without Authorization was not stored")
	}
}

func TestUploadWithAuthorizationHeaderIs400(t *testing.T) {
	emulator, server, _ := startEmulator(t, Options{})
	signedURL := requestUploadURL(t, server, "logo.png", "image/png")
	header := http.Header{"Content-Type": {"image/png"}, "Authorization": {"Bearer " + testToken}}
	response, body := send(t, http.MethodPut, signedURL, strings.NewReader("png"), header)
	expectError(t, response, body, http.StatusBadRequest, "Authorization")
	if _, found := emulator.Asset("logo.png"); found {
		t.Error("rejected upload was stored")
	}
}

func TestUploadRejectsInvalidSignedURL(t *testing.T) {
	emulator, server, clock := startEmulator(t, Options{UploadURLTTL: time.Minute})
	signedURL := requestUploadURL(t, server, "intro.mp4", "video/mp4")
	parsed, _ := url.Parse(signedURL)

	withQuery := func(change func(url.Values)) string {
		query := parsed.Query()
		change(query)
		changed := *parsed
		changed.RawQuery = query.Encode()
		return changed.String()
	}
	tamperedSignature := withQuery(func(q url.Values) {
		signature := []byte(q.Get("signature"))
		if signature[0] == '0' {
			signature[0] = '1'
		} else {
			signature[0] = '0'
		}
		q.Set("signature", string(signature))
	})
	laterExpiry := withQuery(func(q url.Values) {
		q.Set("expires", fmt.Sprint(clock.Now().Add(time.Hour).Unix()))
	})
	otherFile := server.URL + "/uploads/other.mp4?" + parsed.RawQuery

	cases := []struct {
		name, url, contentType, want string
	}{
		{"wrong content type", signedURL, "video/quicktime", `differs from the declared "video/mp4"`},
		{"content type with parameter", signedURL, "video/mp4; codecs=avc1", "signature does not match"},
		{"missing content type", signedURL, "", "signature does not match"},
		{"tampered signature", tamperedSignature, "video/mp4", "signature does not match"},
		{"missing signature", withQuery(func(q url.Values) { q.Del("signature") }), "video/mp4", "missing signature"},
		{"missing expires", withQuery(func(q url.Values) { q.Del("expires") }), "video/mp4", "missing signature or expires"},
		{"invalid expires", withQuery(func(q url.Values) { q.Set("expires", "soon") }), "video/mp4", "invalid expires"},
		{"extended expiry", laterExpiry, "video/mp4", "signature does not match"},
		{"other file name", otherFile, "video/mp4", "signature does not match"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			response, body := put(t, tc.url, tc.contentType, []byte("data"))
			expectError(t, response, body, http.StatusForbidden, tc.want)
		})
	}
	if got := emulator.Assets(); len(got) != 0 {
		t.Errorf("Assets() = %+v after rejected uploads, want none", got)
	}
	if got := storedFiles(t, emulator.StorageDir()); len(got) != 0 {
		t.Errorf("storage directory contains %v after rejected uploads, want nothing", got)
	}
}

func TestUploadExpiredIs403(t *testing.T) {
	emulator, server, clock := startEmulator(t, Options{UploadURLTTL: time.Minute})
	signedURL := requestUploadURL(t, server, "intro.mp4", "video/mp4")

	clock.Advance(time.Minute)
	response, body := put(t, signedURL, "video/mp4", []byte("in time"))
	if response.StatusCode != http.StatusOK {
		t.Fatalf("PUT at the expiry second: status = %d, body %s", response.StatusCode, body)
	}

	clock.Advance(time.Second)
	response, body = put(t, signedURL, "video/mp4", []byte("too late"))
	expectError(t, response, body, http.StatusForbidden, "expired")
	if record, _ := emulator.Asset("intro.mp4"); record.Size != int64(len("in time")) {
		t.Errorf("stored size = %d, want the size of the upload made in time", record.Size)
	}
}

func TestUploadURLDefaultTTL(t *testing.T) {
	_, server, clock := startEmulator(t, Options{})
	signedURL := requestUploadURL(t, server, "intro.mp4", "video/mp4")
	parsed, _ := url.Parse(signedURL)
	want := fmt.Sprint(clock.Now().Add(15 * time.Minute).Unix())
	if got := parsed.Query().Get("expires"); got != want {
		t.Errorf("expires = %s, want %s (15 minutes ahead)", got, want)
	}
}

func TestUploadReplacesFile(t *testing.T) {
	emulator, server, _ := startEmulator(t, Options{})
	first := requestUploadURL(t, server, "logo.png", "image/png")
	if response, body := put(t, first, "image/png", []byte("first version")); response.StatusCode != http.StatusOK {
		t.Fatalf("first PUT: status = %d, body %s", response.StatusCode, body)
	}
	second := requestUploadURL(t, server, "logo.png", "image/webp")
	if response, body := put(t, second, "image/webp", []byte("second")); response.StatusCode != http.StatusOK {
		t.Fatalf("second PUT: status = %d, body %s", response.StatusCode, body)
	}

	record, _ := emulator.Asset("logo.png")
	if record.Size != int64(len("second")) || record.ContentType != "image/webp" {
		t.Errorf("Asset() = %+v, want the second upload", record)
	}
	response, body := send(t, http.MethodGet, server.URL+"/uploads/logo.png", nil, nil)
	if string(body) != "second" {
		t.Errorf("download = %q, want %q", body, "second")
	}
	if got := response.Header.Get("Content-Type"); got != "image/webp" {
		t.Errorf("download Content-Type = %q, want image/webp", got)
	}
	if got := storedFiles(t, emulator.StorageDir()); len(got) != 1 {
		t.Errorf("storage directory contains %v, want only logo.png", got)
	}
}

func TestUploadWithoutContentLength(t *testing.T) {
	emulator, server, _ := startEmulator(t, Options{})
	signedURL := requestUploadURL(t, server, "stream.bin", "application/octet-stream")
	// An io.Reader of unknown length makes the client send a chunked body.
	body := io.MultiReader(strings.NewReader("chunk one "), strings.NewReader("chunk two"))
	response, data := send(t, http.MethodPut, signedURL, body, http.Header{"Content-Type": {"application/octet-stream"}})
	if response.StatusCode != http.StatusOK {
		t.Fatalf("status = %d, body %s", response.StatusCode, data)
	}
	if record, _ := emulator.Asset("stream.bin"); record.Size != int64(len("chunk one chunk two")) {
		t.Errorf("Size = %d, want %d", record.Size, len("chunk one chunk two"))
	}
}

func TestUploadStreamsLargeBody(t *testing.T) {
	emulator, server, _ := startEmulator(t, Options{})
	signedURL := requestUploadURL(t, server, "large.bin", "application/octet-stream")

	const size = 64 << 20
	hash := sha256.New()
	body := io.TeeReader(io.LimitReader(repeatingReader{}, size), hash)
	request, err := http.NewRequest(http.MethodPut, signedURL, body)
	if err != nil {
		t.Fatal(err)
	}
	request.ContentLength = size
	request.Header.Set("Content-Type", "application/octet-stream")
	response, err := http.DefaultClient.Do(request)
	if err != nil {
		t.Fatalf("PUT: %v", err)
	}
	response.Body.Close()
	if response.StatusCode != http.StatusOK {
		t.Fatalf("status = %d, want 200", response.StatusCode)
	}

	record, _ := emulator.Asset("large.bin")
	if record.Size != size {
		t.Errorf("Size = %d, want %d", record.Size, size)
	}
	if want := hex.EncodeToString(hash.Sum(nil)); record.SHA256 != want {
		t.Errorf("SHA256 = %s, want %s", record.SHA256, want)
	}
}

// repeatingReader produces the bytes 0 to 250 over and over.
type repeatingReader struct{}

func (repeatingReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(i % 251)
	}
	return len(p), nil
}

func TestUploadShortBodyStoresNothing(t *testing.T) {
	emulator, server, _ := startEmulator(t, Options{})
	signedURL := requestUploadURL(t, server, "short.bin", "application/octet-stream")
	parsed, _ := url.Parse(signedURL)

	// A raw connection can declare more bytes than it sends, which
	// net/http's client does not allow.
	connection, err := net.Dial("tcp", parsed.Host)
	if err != nil {
		t.Fatal(err)
	}
	defer connection.Close()
	fmt.Fprintf(connection, "PUT %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/octet-stream\r\nContent-Length: 100\r\n\r\nonly ten b",
		parsed.RequestURI(), parsed.Host)
	tcpConnection, ok := connection.(*net.TCPConn)
	if !ok {
		t.Fatalf("connection is a %T, want *net.TCPConn", connection)
	}
	if err := tcpConnection.CloseWrite(); err != nil {
		t.Fatal(err)
	}
	response, err := http.ReadResponse(bufio.NewReader(connection), nil)
	if err != nil {
		t.Fatalf("reading response: %v", err)
	}
	body, _ := io.ReadAll(response.Body)
	response.Body.Close()
	expectError(t, response, body, http.StatusBadRequest, "short.bin")

	if _, found := emulator.Asset("short.bin"); found {
		t.Error("incomplete upload was recorded")
	}
	if got := storedFiles(t, emulator.StorageDir()); len(got) != 0 {
		t.Errorf("storage directory contains %v after an incomplete upload, want nothing", got)
	}
}

func TestAssetRejectsInvalidRequest(t *testing.T) {
	cases := []struct {
		name, body, want string
	}{
		{"malformed JSON", `{"filename":`, "malformed JSON"},
		{"empty filename", `{"filename":"","contentType":"video/mp4"}`, "missing filename"},
		{"missing filename", `{"contentType":"video/mp4"}`, "missing filename"},
		{"slash", `{"filename":"clips/intro.mp4","contentType":"video/mp4"}`, "path separator"},
		{"backslash", `{"filename":"clips\\intro.mp4","contentType":"video/mp4"}`, "path separator"},
		{"dot dot", `{"filename":"..","contentType":"video/mp4"}`, `".."`},
		{"dot dot inside", `{"filename":"intro..mp4","contentType":"video/mp4"}`, `".."`},
		{"dot", `{"filename":".","contentType":"video/mp4"}`, `".."`},
		{"control character", `{"filename":"intro\n.mp4","contentType":"video/mp4"}`, "control character"},
		{"too long", `{"filename":"` + strings.Repeat("a", maxFilenameBytes+1) + `","contentType":"video/mp4"}`, "longer than"},
		{"missing content type", `{"filename":"intro.mp4"}`, "invalid contentType"},
		{"invalid content type", `{"filename":"intro.mp4","contentType":"video/"}`, "invalid contentType"},
		{"content type with bad parameter", `{"filename":"intro.mp4","contentType":"video/mp4; =x"}`, "invalid contentType"},
	}
	_, server, _ := startEmulator(t, Options{})
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			response, body := sendAPI(t, http.MethodPost, server.URL+"/asset", tc.body)
			expectError(t, response, body, http.StatusBadRequest, tc.want)
		})
	}

	header := http.Header{"Authorization": {"Bearer " + testToken}, "Content-Type": {"text/plain"}}
	response, body := send(t, http.MethodPost, server.URL+"/asset", strings.NewReader(`{"filename":"a.png","contentType":"image/png"}`), header)
	expectError(t, response, body, http.StatusUnsupportedMediaType, "application/json")
}

func TestDownloadMissingIs404(t *testing.T) {
	_, server, _ := startEmulator(t, Options{})
	response, body := send(t, http.MethodGet, server.URL+"/uploads/missing.png", nil, nil)
	expectError(t, response, body, http.StatusNotFound, "missing.png")
}

func TestDownloadIgnoresUnrecordedFiles(t *testing.T) {
	emulator, server, _ := startEmulator(t, Options{})
	if err := os.WriteFile(filepath.Join(emulator.StorageDir(), "planted.txt"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	response, body := send(t, http.MethodGet, server.URL+"/uploads/planted.txt", nil, nil)
	expectError(t, response, body, http.StatusNotFound, "planted.txt")
}

func TestTLSURLsUseHTTPS(t *testing.T) {
	emulator, err := New(Options{Token: testToken, StorageDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	server := httptest.NewTLSServer(emulator)
	defer server.Close()
	client := server.Client()

	request, _ := http.NewRequest(http.MethodPost, server.URL+"/asset", strings.NewReader(`{"filename":"a.png","contentType":"image/png"}`))
	request.Header = apiHeader()
	response, err := client.Do(request)
	if err != nil {
		t.Fatal(err)
	}
	var decoded struct {
		URL string `json:"url"`
	}
	err = json.NewDecoder(response.Body).Decode(&decoded)
	response.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(decoded.URL, server.URL+"/uploads/a.png?") {
		t.Errorf("signed URL = %q, want it to start with %s/uploads/a.png?", decoded.URL, server.URL)
	}
	if !strings.HasPrefix(server.URL, "https://") {
		t.Fatalf("TLS server URL %q is not https", server.URL)
	}

	request, _ = http.NewRequest(http.MethodPost, server.URL+"/job", strings.NewReader(validJob))
	request.Header = apiHeader()
	response, err = client.Do(request)
	if err != nil {
		t.Fatal(err)
	}
	response.Body.Close()
	jobs := emulator.Jobs()
	if len(jobs) != 1 {
		t.Fatalf("Jobs() has %d jobs, want 1", len(jobs))
	}
	if want := server.URL + "/videos/" + jobs[0].ID + ".mp4"; jobs[0].URL != want {
		t.Errorf("JobRecord.URL = %q, want %q", jobs[0].URL, want)
	}
}

func TestLoggerRecordsRequests(t *testing.T) {
	var logs lockedLog
	_, server, _ := startEmulator(t, Options{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	signedURL := requestUploadURL(t, server, "intro.mp4", "video/mp4")
	put(t, signedURL, "video/quicktime", []byte("data"))
	send(t, http.MethodGet, server.URL+"/job?id=DPcM0BJV", nil, nil)
	// The request log is written after the response, and Close waits for
	// the handlers to return.
	server.Close()

	output := logs.String()
	for _, want := range []string{
		"method=POST path=/asset status=200",
		"method=PUT path=/uploads/intro.mp4 status=403",
		"differs from the declared",
		"method=GET path=/job status=401",
	} {
		if !strings.Contains(output, want) {
			t.Errorf("log does not contain %q:\n%s", want, output)
		}
	}
	signature, _ := url.Parse(signedURL)
	if strings.Contains(output, signature.Query().Get("signature")) {
		t.Errorf("log contains the upload signature:\n%s", output)
	}
	if strings.Contains(output, testToken) {
		t.Errorf("log contains the token:\n%s", output)
	}
}

// lockedLog is an io.Writer for log output that the test reads after the
// server goroutines wrote to it.
type lockedLog struct {
	mu     sync.Mutex
	buffer bytes.Buffer
}

func (l *lockedLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buffer.Write(p)
}

func (l *lockedLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buffer.String()
}

func TestNewValidatesOptions(t *testing.T) {
	cases := []struct {
		name string
		opts Options
	}{
		{"missing token", Options{}},
		{"negative render time", Options{Token: testToken, RenderTime: -time.Second}},
		{"negative upload URL TTL", Options{Token: testToken, UploadURLTTL: -time.Second}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := New(tc.opts); err == nil {
				t.Error("New succeeded, want an error")
			}
		})
	}
}

func TestCloseRemovesTemporaryStorage(t *testing.T) {
	emulator, err := New(Options{Token: testToken})
	if err != nil {
		t.Fatal(err)
	}
	dir := emulator.StorageDir()
	if _, err := os.Stat(dir); err != nil {
		t.Fatalf("temporary storage directory: %v", err)
	}
	if err := emulator.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("after Close, Stat(%s) = %v, want not exist", dir, err)
	}
}

func TestCloseKeepsGivenStorageDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "created")
	emulator, err := New(Options{Token: testToken, StorageDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if err := emulator.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if _, err := os.Stat(dir); err != nil {
		t.Errorf("given storage directory after Close: %v, want it kept", err)
	}
}
