// Package partio is a client for the part.io HTTP API: submitting render
// jobs, reading their status, and uploading the files that jobs refer to.
package partio

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// DefaultEndpoint is the address of the part.io API.
const DefaultEndpoint = "https://api.part.io"

// maxResponseBytes caps how much of an API response is read. Status answers
// carry a job description, which stays far below this.
const maxResponseBytes = 10 << 20

// Config holds what a Client needs. Endpoint and Token are required.
type Config struct {
	Endpoint string
	Token    string
	// UserAgent is sent with every request, for example
	// "terraform-provider-partio/1.2.3".
	UserAgent string
	// HTTPClient sends the requests; nil means a client with sane
	// connection timeouts.
	HTTPClient *http.Client
}

// Client calls the part.io API. It is safe for concurrent use.
type Client struct {
	endpoint   *url.URL
	token      string
	userAgent  string
	httpClient *http.Client
}

// NewClient checks the configuration and returns a client.
func NewClient(cfg Config) (*Client, error) {
	if cfg.Token == "" {
		return nil, errors.New("missing API token")
	}
	endpoint, err := url.Parse(strings.TrimRight(cfg.Endpoint, "/"))
	if err != nil {
		return nil, fmt.Errorf("invalid endpoint %q: %w", cfg.Endpoint, err)
	}
	if endpoint.Scheme != "https" && endpoint.Scheme != "http" {
		return nil, fmt.Errorf("invalid endpoint %q: the scheme must be https or http", cfg.Endpoint)
	}
	if endpoint.Host == "" {
		return nil, fmt.Errorf("invalid endpoint %q: missing host", cfg.Endpoint)
	}
	if endpoint.RawQuery != "" || endpoint.User != nil {
		return nil, fmt.Errorf("invalid endpoint %q: it must not carry a query or credentials", cfg.Endpoint)
	}
	httpClient := cfg.HTTPClient
	if httpClient == nil {
		httpClient = newHTTPClient()
	}
	userAgent := cfg.UserAgent
	if userAgent == "" {
		userAgent = "terraform-provider-partio"
	}
	return &Client{
		endpoint:   endpoint,
		token:      cfg.Token,
		userAgent:  userAgent,
		httpClient: httpClient,
	}, nil
}

// newHTTPClient builds a client that bounds connecting and waiting for
// response headers but not the whole request, because an upload of a large
// file may take a long time. Callers bound each call with its context.
func newHTTPClient() *http.Client {
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.ResponseHeaderTimeout = 2 * time.Minute
	transport.MaxIdleConnsPerHost = 64
	return &http.Client{
		Transport: transport,
		// The API does not redirect. Following a redirect could carry the
		// token to another host, so a redirect is returned as an error.
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

// apiURL returns the address of an API path with an optional query.
func (c *Client) apiURL(path string, query url.Values) string {
	u := *c.endpoint
	u.Path = strings.TrimRight(u.Path, "/") + path
	u.RawQuery = query.Encode()
	return u.String()
}

// doJSON sends a request to the API with the token, encoding in as the JSON
// body when it is not nil, and decodes a successful answer into out.
func (c *Client) doJSON(ctx context.Context, method, path string, query url.Values, in, out any) error {
	var body io.Reader
	if in != nil {
		data, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("encoding %s %s request: %w", method, path, err)
		}
		body = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.apiURL(path, query), body)
	if err != nil {
		return fmt.Errorf("building %s %s request: %w", method, path, err)
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.userAgent)
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}

	resp, err := c.httpClient.Do(req)
	if err != nil {
		return &RequestError{Method: method, URL: req.URL.String(), Err: unwrapURLError(err)}
	}
	defer resp.Body.Close()

	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes+1))
	if err != nil {
		return &RequestError{Method: method, URL: req.URL.String(), Err: fmt.Errorf("reading response: %w", err)}
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return newAPIError(method, req.URL.String(), resp, data, c.token, "")
	}
	if len(data) > maxResponseBytes {
		problem := fmt.Sprintf("the response is larger than %d bytes", maxResponseBytes)
		return newAPIError(method, req.URL.String(), resp, data[:maxResponseBytes], c.token, problem)
	}
	if out == nil {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(out); err != nil {
		problem := fmt.Sprintf("the response is not the expected JSON: %v", err)
		return newAPIError(method, req.URL.String(), resp, data, c.token, problem)
	}
	return nil
}

// unwrapURLError drops the *url.Error wrapper, whose message repeats the
// full request URL.
func unwrapURLError(err error) error {
	var urlErr *url.Error
	if errors.As(err, &urlErr) {
		return urlErr.Err
	}
	return err
}

// SubmitJob submits a job description for rendering and returns the new
// job's id. Every successful call starts a job that is billed.
func (c *Client) SubmitJob(ctx context.Context, desc JobDescription) (string, error) {
	var answer struct {
		ID string `json:"id"`
	}
	if err := c.doJSON(ctx, http.MethodPost, "/job", nil, desc, &answer); err != nil {
		return "", err
	}
	if answer.ID == "" {
		return "", fmt.Errorf("submitting job: the API accepted the job but returned no id")
	}
	return answer.ID, nil
}

// GetJob returns the current state of a job. It returns an error wrapping
// ErrNotFound when the API does not know the id.
func (c *Client) GetJob(ctx context.Context, id string) (*Job, error) {
	if id == "" {
		return nil, errors.New("getting job: missing job id")
	}
	var answer struct {
		Jobs []jobRecord `json:"jobs"`
	}
	err := c.doJSON(ctx, http.MethodGet, "/job", url.Values{"id": {id}}, nil, &answer)
	if err != nil {
		return nil, err
	}
	for _, record := range answer.Jobs {
		if record.ID == id {
			return record.toJob(), nil
		}
	}
	if len(answer.Jobs) == 0 {
		return nil, fmt.Errorf("job %q: %w", id, ErrNotFound)
	}
	return nil, fmt.Errorf("getting job %q: the API returned %d other jobs", id, len(answer.Jobs))
}
