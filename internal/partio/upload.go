package partio

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
)

// RequestUploadURL requests from the API a signed URL that accepts one upload of
// a file with this name and content type.
func (c *Client) RequestUploadURL(ctx context.Context, filename, contentType string) (string, error) {
	if filename == "" {
		return "", errors.New("requesting upload URL: missing file name")
	}
	if contentType == "" {
		return "", errors.New("requesting upload URL: missing content type")
	}
	request := struct {
		Filename    string `json:"filename"`
		ContentType string `json:"contentType"`
	}{filename, contentType}
	var answer struct {
		URL string `json:"url"`
	}
	if err := c.doJSON(ctx, http.MethodPost, "/asset", nil, request, &answer); err != nil {
		return "", err
	}
	u, err := url.Parse(answer.URL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return "", fmt.Errorf("requesting upload URL for %q: the API returned an unusable URL %q", filename, RedactURL(answer.URL))
	}
	// The signature would cross the network in clear text over http, so
	// http is accepted only on a loopback host, as for the endpoint.
	if u.Scheme == "http" && !IsLoopbackHost(u.Hostname()) {
		return "", fmt.Errorf("requesting upload URL for %q: the API returned %q, which uses http on a host that "+
			"is not loopback; only https upload URLs are accepted there", filename, RedactURL(answer.URL))
	}
	return answer.URL, nil
}

// IsLoopbackHost reports whether a URL's host name is localhost or a
// loopback IP address (127.0.0.0/8 or ::1).
func IsLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// UploadResult describes the bytes that an upload sent.
type UploadResult struct {
	Size   int64
	SHA256 string
}

// UploadBody is the content of an upload: its size in bytes, and a function
// that opens it from the start. Open is called once for each attempt, so a
// request sent again carries the same bytes.
type UploadBody struct {
	Size int64
	Open func() (io.ReadCloser, error)
}

// FileBody returns the body for the regular file at path. The file is
// opened for each attempt and read in small pieces, never whole.
func FileBody(path string) (UploadBody, error) {
	info, err := os.Stat(path)
	if err != nil {
		return UploadBody{}, err
	}
	if !info.Mode().IsRegular() {
		return UploadBody{}, fmt.Errorf("%s is not a regular file", path)
	}
	open := func() (io.ReadCloser, error) { return os.Open(path) }
	return UploadBody{Size: info.Size(), Open: open}, nil
}

// BytesBody returns the body for content that is already in memory.
func BytesBody(data []byte) UploadBody {
	open := func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }
	return UploadBody{Size: int64(len(data)), Open: open}
}

// UploadFile streams the file at path to a signed upload URL with the
// content type that was declared when the URL was requested.
func (c *Client) UploadFile(ctx context.Context, signedURL, contentType, path string) (UploadResult, error) {
	body, err := FileBody(path)
	if err != nil {
		return UploadResult{}, fmt.Errorf("uploading %s: %w", path, err)
	}
	return c.Upload(ctx, signedURL, contentType, body)
}

// Upload streams body to a signed upload URL with the content type that
// was declared when the URL was requested, and returns the size and
// SHA-256 of the bytes it sent. The request sets Content-Length, so the
// body is never buffered whole. The signed URL carries its own
// authorization, so the request has no Authorization header.
func (c *Client) Upload(ctx context.Context, signedURL, contentType string, body UploadBody) (UploadResult, error) {
	shownURL := RedactURL(signedURL)
	hashed := &hashingBody{open: body.Open}
	first, err := hashed.reopen()
	if err != nil {
		return UploadResult{}, fmt.Errorf("uploading to %s: %w", shownURL, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, signedURL, first)
	if err != nil {
		_ = first.Close()
		return UploadResult{}, fmt.Errorf("uploading to %s: %w", shownURL, unwrapURLError(err))
	}
	req.ContentLength = body.Size
	if body.Size == 0 {
		// An empty body would otherwise be sent without Content-Length.
		_ = first.Close()
		req.Body = http.NoBody
	}
	// The transport calls GetBody when it must send the request again on a
	// new connection, so the body is read from the start each time.
	req.GetBody = hashed.reopen
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("User-Agent", c.userAgent)

	// A PUT of the same bytes is idempotent, so send may retry it after
	// any retryable failure, reopening the file through GetBody.
	resp, err := c.send(ctx, req, sendOptions{idempotent: true, signedURL: true, timeoutAfterBody: true})
	if err != nil {
		return UploadResult{}, err
	}
	_ = resp.Body.Close()

	size, sum := hashed.result()
	if size != body.Size {
		return UploadResult{}, fmt.Errorf("uploading to %s: the content changed while it was sent (%d bytes sent, %d expected)",
			shownURL, size, body.Size)
	}
	return UploadResult{Size: size, SHA256: sum}, nil
}

// hashingBody opens a request body and hashes what is read from its latest
// opening, so that the result describes the bytes of the attempt that got
// the response.
type hashingBody struct {
	open func() (io.ReadCloser, error)

	mu   sync.Mutex
	hash hash.Hash
	size int64
}

func (b *hashingBody) reopen() (io.ReadCloser, error) {
	body, err := b.open()
	if err != nil {
		return nil, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.hash = sha256.New()
	b.size = 0
	return &hashingReader{body: body, owner: b, hash: b.hash}, nil
}

func (b *hashingBody) result() (int64, string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.hash == nil {
		return 0, ""
	}
	return b.size, hex.EncodeToString(b.hash.Sum(nil))
}

type hashingReader struct {
	body  io.ReadCloser
	owner *hashingBody
	hash  hash.Hash
}

func (r *hashingReader) Read(p []byte) (int, error) {
	n, err := r.body.Read(p)
	if n > 0 {
		r.owner.mu.Lock()
		// Bytes read from an older opening are not counted.
		if r.owner.hash == r.hash {
			r.hash.Write(p[:n])
			r.owner.size += int64(n)
		}
		r.owner.mu.Unlock()
	}
	return n, err
}

func (r *hashingReader) Close() error { return r.body.Close() }
