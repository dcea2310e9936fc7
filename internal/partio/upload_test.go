package partio_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/partio/terraform-provider-partio/internal/emulator"
	"github.com/partio/terraform-provider-partio/internal/partio"
)

func hexSHA256(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// countOpenings wraps body so that each opening adds one to opened.
func countOpenings(body partio.UploadBody, opened *atomic.Int32) partio.UploadBody {
	open := body.Open
	body.Open = func() (io.ReadCloser, error) {
		opened.Add(1)
		return open()
	}
	return body
}

func TestUploadBytesBody(t *testing.T) {
	api := startAPI(t, emulator.Options{})
	client := newTestClient(t, api.server.URL, testToken)
	ctx := context.Background()
	data := []byte(`<div class="lower-third">Weinheim</div>`)

	signedURL, err := client.RequestUploadURL(ctx, "lower-third.html", "text/html")
	if err != nil {
		t.Fatalf("RequestUploadURL: %v", err)
	}
	result, err := client.Upload(ctx, signedURL, "text/html", partio.BytesBody(data))
	if err != nil {
		t.Fatalf("Upload: %v", err)
	}
	if result.Size != int64(len(data)) {
		t.Errorf("result size = %d, want %d", result.Size, len(data))
	}
	if result.SHA256 != hexSHA256(data) {
		t.Errorf("result sha256 = %s, want %s", result.SHA256, hexSHA256(data))
	}
	stored, ok := api.emulator.Asset("lower-third.html")
	if !ok {
		t.Fatal("emulator stored no file named lower-third.html")
	}
	if stored.SHA256 != hexSHA256(data) {
		t.Errorf("emulator stored sha256 %s, want %s", stored.SHA256, hexSHA256(data))
	}
}

// reopeningTransport reads part of each PUT body, as an attempt that failed
// on the way would, and then sends the request with the body from GetBody.
type reopeningTransport struct {
	next http.RoundTripper
}

func (t *reopeningTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Method != http.MethodPut {
		return t.next.RoundTrip(req)
	}
	if req.GetBody == nil {
		return nil, io.ErrUnexpectedEOF
	}
	if _, err := io.CopyN(io.Discard, req.Body, 5); err != nil {
		return nil, err
	}
	_ = req.Body.Close()
	body, err := req.GetBody()
	if err != nil {
		return nil, err
	}
	again := req.Clone(req.Context())
	again.Body = body
	return t.next.RoundTrip(again)
}

func TestUploadReopensBodyForRetry(t *testing.T) {
	api := startAPI(t, emulator.Options{})
	httpClient := &http.Client{Transport: &reopeningTransport{next: http.DefaultTransport}}
	client, err := partio.NewClient(partio.Config{Endpoint: api.server.URL, Token: testToken, HTTPClient: httpClient})
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	ctx := context.Background()
	data := []byte(strings.Repeat("frame ", 2000))
	path := filepath.Join(t.TempDir(), "intro.mp4")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	body, err := partio.FileBody(path)
	if err != nil {
		t.Fatalf("FileBody: %v", err)
	}
	var opened atomic.Int32
	body = countOpenings(body, &opened)

	signedURL, err := client.RequestUploadURL(ctx, "intro.mp4", "video/mp4")
	if err != nil {
		t.Fatalf("RequestUploadURL: %v", err)
	}
	result, err := client.Upload(ctx, signedURL, "video/mp4", body)
	if err != nil {
		t.Fatalf("Upload: %v", err)
	}
	if got := opened.Load(); got != 2 {
		t.Errorf("the file was opened %d times, want 2", got)
	}
	// The bytes read from the first opening are not counted.
	if result.Size != int64(len(data)) {
		t.Errorf("result size = %d, want %d", result.Size, len(data))
	}
	if result.SHA256 != hexSHA256(data) {
		t.Errorf("result sha256 = %s, want %s", result.SHA256, hexSHA256(data))
	}
	if stored, _ := api.emulator.Asset("intro.mp4"); stored.SHA256 != hexSHA256(data) {
		t.Errorf("emulator stored sha256 %s, want %s", stored.SHA256, hexSHA256(data))
	}
}

func TestUploadSendsContentLength(t *testing.T) {
	var contentLength, transferEncoding atomic.Value
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		contentLength.Store(r.Header.Get("Content-Length"))
		transferEncoding.Store(strings.Join(r.TransferEncoding, ","))
		_, _ = io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(server.Close)
	client := newTestClient(t, server.URL, testToken)
	path := filepath.Join(t.TempDir(), "clip.mp4")
	if err := os.WriteFile(path, []byte("twelve bytes"), 0o600); err != nil {
		t.Fatal(err)
	}
	fileBody, err := partio.FileBody(path)
	if err != nil {
		t.Fatalf("FileBody: %v", err)
	}
	cases := map[string]struct {
		body partio.UploadBody
		want string
	}{
		"empty": {partio.BytesBody(nil), "0"},
		"bytes": {partio.BytesBody([]byte("seven b")), "7"},
		"file":  {fileBody, "12"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			result, err := client.Upload(context.Background(), server.URL+"/uploads/clip?signature=x", "video/mp4", tc.body)
			if err != nil {
				t.Fatalf("Upload: %v", err)
			}
			if got := contentLength.Load(); got != tc.want {
				t.Errorf("Content-Length = %q, want %q", got, tc.want)
			}
			if got := transferEncoding.Load(); got != "" {
				t.Errorf("Transfer-Encoding = %q, want none", got)
			}
			if result.Size != tc.body.Size {
				t.Errorf("result size = %d, want %d", result.Size, tc.body.Size)
			}
		})
	}
}

func TestUploadBodyOfWrongSizeFails(t *testing.T) {
	api := startAPI(t, emulator.Options{})
	client := newTestClient(t, api.server.URL, testToken)
	ctx := context.Background()
	cases := map[string]int64{
		"longer than declared":  4,
		"shorter than declared": 40,
	}
	for name, declared := range cases {
		t.Run(name, func(t *testing.T) {
			signedURL, err := client.RequestUploadURL(ctx, "clip.mp4", "video/mp4")
			if err != nil {
				t.Fatalf("RequestUploadURL: %v", err)
			}
			body := partio.BytesBody([]byte("twelve bytes"))
			body.Size = declared
			if _, err := client.Upload(ctx, signedURL, "video/mp4", body); err == nil {
				t.Errorf("Upload of 12 bytes declared as %d succeeded, want an error", declared)
			} else if strings.Contains(err.Error(), "signature=") {
				t.Errorf("error %q contains the signed URL's query", err)
			}
		})
	}
}
