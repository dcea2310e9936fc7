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

// maxResponseBytes caps how much of an API response is read. Status responses
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

	// Retry sets how failed requests are retried; nil means
	// DefaultRetryPolicy.
	Retry *RetryPolicy
	// RequestTimeout bounds each attempt of a request, from its start
	// until its response has been read. For the upload of a file it counts
	// from the moment the file has been sent. 0 means
	// DefaultRequestTimeout.
	RequestTimeout time.Duration
	// RequestsPerSecond caps the rate at which this client starts
	// requests, retries included; 0 means no cap.
	RequestsPerSecond float64
	// AuthHelp is added to the error for a rejected token, to say where
	// the token is set.
	AuthHelp string
	// Logger receives one record per attempt and one per retry; nil means
	// no logging.
	Logger Logger
}

// Client calls the part.io API. It is safe for concurrent use. All its
// requests share one rate limit and one pause after a 429 response.
type Client struct {
	endpoint       *url.URL
	token          string
	userAgent      string
	httpClient     *http.Client
	retry          RetryPolicy
	requestTimeout time.Duration
	gate           *requestGate
	authHelp       string
	logger         Logger
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

	retry := DefaultRetryPolicy()
	if cfg.Retry != nil {
		retry = *cfg.Retry
	}
	if retry.MaxRetries < 0 || retry.BaseWait < 0 || retry.MaxWait < retry.BaseWait {
		return nil, fmt.Errorf("invalid retry policy %+v: counts and waits must not be negative, and MaxWait must not be below BaseWait", retry)
	}
	requestTimeout := cfg.RequestTimeout
	if requestTimeout == 0 {
		requestTimeout = DefaultRequestTimeout
	}
	if requestTimeout < 0 {
		return nil, fmt.Errorf("invalid request timeout %s: must be positive", requestTimeout)
	}
	if cfg.RequestsPerSecond < 0 {
		return nil, fmt.Errorf("invalid requests per second %g: must not be negative", cfg.RequestsPerSecond)
	}
	return &Client{
		endpoint:       endpoint,
		token:          cfg.Token,
		userAgent:      userAgent,
		httpClient:     httpClient,
		retry:          retry,
		requestTimeout: requestTimeout,
		gate:           newRequestGate(cfg.RequestsPerSecond),
		authHelp:       cfg.AuthHelp,
		logger:         cfg.Logger,
	}, nil
}

// newHTTPClient builds a client with the default transport's connection
// timeouts. It does not bound the whole request, because an upload of a
// large file may take a long time. send bounds each attempt with the
// request timeout instead.
func newHTTPClient() *http.Client {
	// NOTE: http.DefaultTransport is an *http.Transport unless a program
	// replaces it, which this provider never does.
	transport, _ := http.DefaultTransport.(*http.Transport)
	transport = transport.Clone()
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
// body when it is not nil, and decodes a successful response into out. A GET
// is retried on any retryable failure; other methods only as send allows.
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

	opts := sendOptions{idempotent: method == http.MethodGet, secret: c.token}
	if id := query.Get("id"); id != "" {
		opts.fields = map[string]any{"job_id": id}
	}
	resp, err := c.send(ctx, req, opts)
	if err != nil {
		return err
	}
	defer resp.Body.Close()

	// send has read the body into memory, with at most one byte more
	// than maxResponseBytes.
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return &RequestError{Method: method, URL: req.URL.String(), Err: fmt.Errorf("reading response: %w", err)}
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
		if MayHaveCreatedJob(err) {
			return "", fmt.Errorf("%w. A job may exist although no id came back: look for it among the jobs of "+
				"the part.io account before submitting it again, because every job is billed", err)
		}
		return "", err
	}
	if answer.ID == "" {
		return "", fmt.Errorf("submitting job: the API accepted the job but returned no id")
	}
	return answer.ID, nil
}

// MayHaveCreatedJob reports whether a failed submission may have created a
// job: the request was sent but no response came, the response could not
// be read, or the server failed in a way that leaves open whether it
// processed the request.
func MayHaveCreatedJob(err error) bool {
	if reqErr, ok := errors.AsType[*RequestError](err); ok {
		return reqErr.Sent
	}
	if apiErr, ok := errors.AsType[*APIError](err); ok {
		switch apiErr.StatusCode {
		case http.StatusInternalServerError, http.StatusBadGateway, http.StatusGatewayTimeout:
			return true
		}
		return apiErr.StatusCode >= 200 && apiErr.StatusCode <= 299
	}
	return false
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
