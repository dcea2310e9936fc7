package partio

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptrace"
	"sync/atomic"
	"time"
)

// Defaults of the settings that bound each request and its retries.
const (
	// DefaultMaxRetries is the number of retries after the first attempt.
	DefaultMaxRetries = 5
	// DefaultRequestTimeout bounds each attempt of a request.
	DefaultRequestTimeout = time.Minute
	// DefaultBaseWait is the wait before the first retry.
	DefaultBaseWait = time.Second
	// DefaultMaxWait caps the wait between two attempts, unless the API
	// requests a longer one with Retry-After.
	DefaultMaxWait = 30 * time.Second
)

// maxRetryAfter is the longest Retry-After that is waited out. A response
// that requests a longer wait ends the retries.
const maxRetryAfter = 10 * time.Minute

// RetryPolicy sets how often and after which waits a failed request is
// sent again. Which failures are retried depends on the request; see send.
type RetryPolicy struct {
	// MaxRetries is the number of attempts after the first one; 0 turns
	// retries off.
	MaxRetries int
	// BaseWait is the wait before the first retry. Each further retry
	// doubles it, up to MaxWait. Every wait is drawn at random between half
	// of that value and all of it, so that clients that failed together do
	// not retry together.
	BaseWait time.Duration
	MaxWait  time.Duration
}

// DefaultRetryPolicy returns the policy that a Config without one gets.
func DefaultRetryPolicy() RetryPolicy {
	return RetryPolicy{MaxRetries: DefaultMaxRetries, BaseWait: DefaultBaseWait, MaxWait: DefaultMaxWait}
}

// backoff returns the wait before retry number n, counted from 1.
func (p RetryPolicy) backoff(n int) time.Duration {
	wait := p.BaseWait
	for i := 1; i < n && wait < p.MaxWait; i++ {
		wait *= 2
	}
	wait = min(wait, p.MaxWait)
	if wait <= 1 {
		return wait
	}
	half := wait / 2
	return half + rand.N(wait-half+1)
}

// Logger receives the client's log records. Messages and fields never
// contain the token or the query of a signed URL.
type Logger interface {
	Debug(ctx context.Context, msg string, fields map[string]any)
	Warn(ctx context.Context, msg string, fields map[string]any)
}

// sendOptions describes a request for send.
type sendOptions struct {
	// idempotent marks a request that can be sent again after any
	// retryable failure: a GET, or the PUT of a file.
	idempotent bool
	// secret is removed from error excerpts: the token for API requests.
	secret string
	// signedURL marks an upload to a signed URL, where 401 and 403 mean
	// the signature and not the token was rejected.
	signedURL bool
	// timeoutAfterBody starts the request timeout once the body has been
	// sent, so that the upload of a large file is not cut off.
	// NOTE: an upload that stalls while its body is sent is then bounded
	// only by ctx, not by the request timeout.
	timeoutAfterBody bool
	// fields are added to each log record of the request, such as job_id.
	fields map[string]any
}

// shownURL returns the address of req for errors. The query of a signed
// URL is removed, because it is the signature. An API address keeps its
// query, which carries only a job id.
func (opts sendOptions) shownURL(req *http.Request) string {
	if opts.signedURL {
		return RedactURL(req.URL.String())
	}
	return req.URL.String()
}

// errRequestTimeout ends an attempt that ran past the request timeout.
var errRequestTimeout = errors.New("request timeout")

// attemptResult is the outcome of one attempt.
type attemptResult struct {
	// resp is set for a 2xx response, with its body read into memory.
	resp *http.Response
	// err is a *RequestError or an *APIError when there is no 2xx response.
	err error
	// retryReason is the reason for sending the request again, or "" when
	// it must not be sent again.
	retryReason string
	// retryAfter is the wait that the response's Retry-After requested.
	retryAfter time.Duration
	// throttled is true for a response that requests a slowdown of every
	// request: 429, or any response with Retry-After.
	throttled bool
}

// send sends req, retrying it as the policy allows, and returns a 2xx
// response whose body has been read into memory, at most
// maxResponseBytes+1 bytes of it. Any other outcome is an error: an
// *APIError for a response with another status, or a *RequestError for a
// request without a response.
//
// An idempotent request is retried after a connection error, a timeout, or
// a 429, 500, 502, 503 or 504 response. Any other request (a POST that
// submits a job or requests an upload URL) is retried only when it
// provably never reached the server, because no connection could be made,
// or when the server responded 429 or 503. After any other failure it is
// not retried, because part.io may have acted on it. Each retry waits at
// least as long as Retry-After requests, and no retry starts after ctx's
// deadline.
func (c *Client) send(ctx context.Context, req *http.Request, opts sendOptions) (*http.Response, error) {
	var last error
	for attempt := 1; ; attempt++ {
		if err := c.gate.wait(ctx); err != nil {
			if last != nil {
				return nil, &retryError{err: last, cause: err,
					note: fmt.Sprintf("stopped waiting to retry after %d attempts: %v", attempt-1, err)}
			}
			return nil, &RequestError{Method: req.Method, URL: opts.shownURL(req), Err: err}
		}
		result := c.attempt(ctx, req, attempt, opts)
		if result.err == nil {
			return result.resp, nil
		}
		if result.retryReason == "" {
			return nil, stopRetrying(result.err, attempt, "")
		}
		last = result.err

		wait := c.retry.backoff(attempt)
		if result.retryAfter > maxRetryAfter {
			return nil, stopRetrying(result.err, attempt,
				fmt.Sprintf("not retried, because part.io requested a wait of %s", result.retryAfter))
		}
		wait = max(wait, result.retryAfter)
		if result.throttled {
			c.gate.pause(wait)
		}
		if attempt > c.retry.MaxRetries {
			return nil, stopRetrying(result.err, attempt, "")
		}
		if deadline, ok := ctx.Deadline(); ok && time.Now().Add(wait).After(deadline) {
			return nil, stopRetrying(result.err, attempt,
				fmt.Sprintf("not retried, because the wait of %s would end after the deadline", wait.Round(time.Millisecond)))
		}

		c.logWarn(ctx, "retrying part.io request", req, opts, map[string]any{
			"attempt": attempt,
			"reason":  result.retryReason,
			"wait":    wait.Round(time.Millisecond).String(),
		})
		if err := sleep(ctx, wait); err != nil {
			return nil, &retryError{err: result.err, cause: err,
				note: fmt.Sprintf("stopped waiting to retry after %d attempts: %v", attempt, err)}
		}
	}
}

// attempt sends req once and classifies the outcome.
func (c *Client) attempt(ctx context.Context, req *http.Request, attempt int, opts sendOptions) attemptResult {
	started := time.Now()
	shownURL := opts.shownURL(req)

	// The attempt's context ends at the request timeout, which starts now
	// or, for an upload, once the body has been sent.
	attemptCtx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var timer atomic.Pointer[time.Timer]
	startTimeout := func() {
		timer.Store(time.AfterFunc(c.requestTimeout, func() { cancel(errRequestTimeout) }))
	}
	defer func() {
		if t := timer.Load(); t != nil {
			t.Stop()
		}
	}()
	if !opts.timeoutAfterBody {
		startTimeout()
	}

	// A POST may be sent again after a connection error only when it
	// never got a connection, so none of it reached the server.
	var connected atomic.Bool
	trace := &httptrace.ClientTrace{
		GotConn: func(httptrace.GotConnInfo) { connected.Store(true) },
		WroteRequest: func(httptrace.WroteRequestInfo) {
			if opts.timeoutAfterBody {
				startTimeout()
			}
		},
	}
	attemptReq := req.Clone(httptrace.WithClientTrace(attemptCtx, trace))
	if attempt > 1 && req.Body != nil && req.Body != http.NoBody {
		if req.GetBody == nil {
			return attemptResult{err: &RequestError{Method: req.Method, URL: shownURL,
				Err: errors.New("the request body cannot be sent again")}}
		}
		body, err := req.GetBody()
		if err != nil {
			return attemptResult{err: &RequestError{Method: req.Method, URL: shownURL,
				Err: fmt.Errorf("reopening the request body: %w", err)}}
		}
		attemptReq.Body = body
	}

	resp, err := c.httpClient.Do(attemptReq)
	var data []byte
	if err == nil {
		data, err = io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes+1))
		_ = resp.Body.Close()
		if err != nil {
			err = fmt.Errorf("reading response: %w", err)
		}
	}

	fields := map[string]any{"attempt": attempt, "duration": time.Since(started).Round(time.Millisecond).String()}
	if resp != nil {
		fields["status"] = resp.StatusCode
	}
	if err != nil {
		result := c.connectionFailure(ctx, attemptCtx, req, shownURL, err, connected.Load() || resp != nil, opts)
		fields["error"] = result.err.Error()
		c.logDebug(ctx, "part.io request failed", req, opts, fields)
		return result
	}
	c.logDebug(ctx, "part.io request", req, opts, fields)

	if resp.StatusCode >= 200 && resp.StatusCode <= 299 {
		resp.Body = io.NopCloser(bytes.NewReader(data))
		return attemptResult{resp: resp}
	}
	apiErr := newAPIError(req.Method, shownURL, resp, data, opts.secret, "")
	apiErr.SignedURL = opts.signedURL
	if !opts.signedURL {
		apiErr.Help = c.authHelp
	}
	result := attemptResult{err: apiErr, retryAfter: apiErr.RetryAfter}
	if retryableStatus(resp.StatusCode, opts.idempotent) {
		result.retryReason = fmt.Sprintf("status %d", resp.StatusCode)
		result.throttled = resp.StatusCode == http.StatusTooManyRequests || apiErr.RetryAfter > 0
	}
	return result
}

// connectionFailure classifies a request that got no usable response. sent
// is true when a connection was made, so the request may have reached
// the server.
func (c *Client) connectionFailure(ctx, attemptCtx context.Context, req *http.Request, shownURL string, err error, sent bool, opts sendOptions) attemptResult {
	reqErr := &RequestError{Method: req.Method, URL: shownURL, Err: unwrapURLError(err), Sent: sent}
	if ctx.Err() != nil {
		reqErr.Err = ctx.Err()
		return attemptResult{err: reqErr}
	}
	reason := "connection failed: " + reqErr.Err.Error()
	if errors.Is(context.Cause(attemptCtx), errRequestTimeout) {
		reqErr.Err = fmt.Errorf("no response within the request timeout of %s", c.requestTimeout)
		reason = "request timeout"
	}
	if opts.idempotent || !sent {
		return attemptResult{err: reqErr, retryReason: reason}
	}
	return attemptResult{err: reqErr}
}

// retryableStatus reports whether a response with this status may be
// retried. 429 and 503 mean that the server did not take the request on,
// so even a POST may be sent again. After 500, 502 and 504 the request may
// have been processed, so only an idempotent request is sent again.
func retryableStatus(status int, idempotent bool) bool {
	switch status {
	case http.StatusTooManyRequests, http.StatusServiceUnavailable:
		return true
	case http.StatusInternalServerError, http.StatusBadGateway, http.StatusGatewayTimeout:
		return idempotent
	}
	return false
}

// stopRetrying returns the last failure of a request, noting how many
// attempts were made and, when not empty, why no further one was.
func stopRetrying(err error, attempts int, why string) error {
	note := why
	if attempts > 1 {
		note = fmt.Sprintf("after %d attempts", attempts)
		if why != "" {
			note = fmt.Sprintf("%d attempts, then %s", attempts, why)
		}
	}
	if note == "" {
		return err
	}
	return &retryError{err: err, note: note}
}

// retryError is the last failure of a retried request with a note on why
// the retries ended. errors.As reaches the *APIError or *RequestError
// inside, and errors.Is the context error that cut a wait short.
type retryError struct {
	err   error
	cause error
	note  string
}

func (e *retryError) Error() string { return fmt.Sprintf("%v (%s)", e.err, e.note) }

func (e *retryError) Unwrap() []error {
	if e.cause != nil {
		return []error{e.err, e.cause}
	}
	return []error{e.err}
}

func (c *Client) logDebug(ctx context.Context, msg string, req *http.Request, opts sendOptions, fields map[string]any) {
	if c.logger != nil {
		c.logger.Debug(ctx, msg, requestFields(req, opts, fields))
	}
}

func (c *Client) logWarn(ctx context.Context, msg string, req *http.Request, opts sendOptions, fields map[string]any) {
	if c.logger != nil {
		c.logger.Warn(ctx, msg, requestFields(req, opts, fields))
	}
}

// requestFields returns the log fields of a request: its method and path,
// never its query, which for a signed URL is the signature.
func requestFields(req *http.Request, opts sendOptions, fields map[string]any) map[string]any {
	all := map[string]any{"method": req.Method, "path": req.URL.Path}
	for key, value := range opts.fields {
		all[key] = value
	}
	for key, value := range fields {
		all[key] = value
	}
	return all
}
