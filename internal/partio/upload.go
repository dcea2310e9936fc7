package partio

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/http"
	"net/url"
	"os"
	"sync"
)

// RequestUploadURL asks the API for a signed URL that accepts one upload of
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
	return answer.URL, nil
}

// UploadResult describes the bytes that an upload sent.
type UploadResult struct {
	Size   int64
	SHA256 string
}

// UploadFile streams the file at path to a signed upload URL with the
// content type that was declared when the URL was requested. The file is
// read in small pieces, never whole into memory. The signed URL carries
// its own authorization, so the request has no Authorization header.
func (c *Client) UploadFile(ctx context.Context, signedURL, contentType, path string) (UploadResult, error) {
	shownURL := RedactURL(signedURL)
	info, err := os.Stat(path)
	if err != nil {
		return UploadResult{}, fmt.Errorf("uploading %s: %w", path, err)
	}
	if !info.Mode().IsRegular() {
		return UploadResult{}, fmt.Errorf("uploading %s: not a regular file", path)
	}

	body := &hashingFile{path: path}
	first, err := body.open()
	if err != nil {
		return UploadResult{}, fmt.Errorf("uploading %s: %w", path, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, signedURL, first)
	if err != nil {
		_ = first.Close()
		return UploadResult{}, fmt.Errorf("uploading %s to %s: %w", path, shownURL, err)
	}
	req.ContentLength = info.Size()
	if info.Size() == 0 {
		// An empty body would otherwise be sent without Content-Length.
		req.Body = http.NoBody
	}
	// The transport calls GetBody when it must send the request again on a
	// new connection, so the file is read from the start each time.
	req.GetBody = func() (io.ReadCloser, error) { return body.open() }
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("User-Agent", c.userAgent)

	// A PUT of the same bytes is idempotent, so send may retry it after
	// any retryable failure, reopening the file through GetBody.
	resp, err := c.send(ctx, req, sendOptions{idempotent: true, signedURL: true, timeoutAfterBody: true})
	if err != nil {
		return UploadResult{}, err
	}
	_ = resp.Body.Close()

	size, sum := body.result()
	if size != info.Size() {
		return UploadResult{}, fmt.Errorf("uploading %s: the file changed while it was sent (%d bytes sent, %d expected)", path, size, info.Size())
	}
	return UploadResult{Size: size, SHA256: sum}, nil
}

// hashingFile opens a file as a request body, hashing what is read from the
// last opening.
type hashingFile struct {
	path string

	mu   sync.Mutex
	hash hash.Hash
	size int64
}

func (f *hashingFile) open() (io.ReadCloser, error) {
	file, err := os.Open(f.path)
	if err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.hash = sha256.New()
	f.size = 0
	return &hashingReader{file: file, owner: f, hash: f.hash}, nil
}

func (f *hashingFile) result() (int64, string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.size, hex.EncodeToString(f.hash.Sum(nil))
}

type hashingReader struct {
	file  *os.File
	owner *hashingFile
	hash  hash.Hash
}

func (r *hashingReader) Read(p []byte) (int, error) {
	n, err := r.file.Read(p)
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

func (r *hashingReader) Close() error { return r.file.Close() }
