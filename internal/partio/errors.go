package partio

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// ErrNotFound is wrapped by errors for a job that the API does not know.
// The API responds to such a request either with 404 or with an empty list,
// and both become this error.
var ErrNotFound = errors.New("not found")

// maxExcerptRunes bounds the body excerpt kept in an APIError.
const maxExcerptRunes = 200

// APIError is an API response with a status other than 2xx, or a 2xx
// response whose body could not be used.
type APIError struct {
	Method string
	// URL is the request address with secrets in its query removed.
	URL        string
	StatusCode int
	// Message is the API's own error message when the body carried one.
	Message string
	// Body is a short excerpt of the response body with secrets removed.
	Body string
	// Problem describes what was wrong with a 2xx response.
	Problem string
	// RetryAfter is the wait that the answer's Retry-After header asked
	// for, in either its seconds or its HTTP-date form; 0 when absent.
	RetryAfter time.Duration
	// SignedURL is true for an upload to a signed URL, where 401 and 403
	// mean that the signature was rejected rather than the token.
	SignedURL bool
	// Help is the hint on where to set the token. It is shown with a 401
	// or 403 response of the API.
	Help string
}

func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s: ", e.Method, e.URL)
	switch {
	case e.Problem != "":
		fmt.Fprintf(&b, "status %d: %s", e.StatusCode, e.Problem)
	case e.SignedURL && e.StatusCode == http.StatusForbidden:
		fmt.Fprintf(&b, "status 403: the signed upload URL was rejected (expired, or the content type differs from the declared one)")
	case e.StatusCode == http.StatusUnauthorized || e.StatusCode == http.StatusForbidden:
		fmt.Fprintf(&b, "status %d: the API rejected the token", e.StatusCode)
		if e.Help != "" {
			fmt.Fprintf(&b, " (%s)", e.Help)
		}
	default:
		fmt.Fprintf(&b, "status %d %s", e.StatusCode, http.StatusText(e.StatusCode))
	}
	if e.Message != "" {
		fmt.Fprintf(&b, ": %s", e.Message)
	} else if e.Body != "" {
		fmt.Fprintf(&b, " (response body: %q)", e.Body)
	}
	return b.String()
}

// Is makes errors.Is(err, ErrNotFound) true for a 404 response.
func (e *APIError) Is(target error) bool {
	return target == ErrNotFound && e.StatusCode == http.StatusNotFound && e.Problem == ""
}

// RequestError is a request that got no response: the connection failed,
// the context ended, or the body could not be read.
type RequestError struct {
	Method string
	// URL is the request address with secrets in its query removed.
	URL string
	Err error
	// Sent is true when the failure came after a connection to the server
	// was made, so the server may have received the request and acted on
	// it. A POST that failed this way is never sent again.
	Sent bool
}

func (e *RequestError) Error() string {
	if e.Sent && e.Method == http.MethodPost {
		return fmt.Sprintf("%s %s: %v: the request was sent before the failure, so part.io may have processed it",
			e.Method, e.URL, e.Err)
	}
	return fmt.Sprintf("%s %s: %v", e.Method, e.URL, e.Err)
}

func (e *RequestError) Unwrap() error { return e.Err }

// newAPIError builds the error for an unusable response to a request sent
// to shownURL. A non-empty problem describes what was wrong with an
// otherwise successful response.
func newAPIError(method, shownURL string, resp *http.Response, body []byte, secret, problem string) *APIError {
	e := &APIError{
		Method:     method,
		URL:        shownURL,
		StatusCode: resp.StatusCode,
		Body:       redactSecret(excerpt(body), secret),
		Problem:    problem,
		RetryAfter: parseRetryAfter(resp.Header.Get("Retry-After"), time.Now()),
	}
	if problem == "" {
		e.Message = redactSecret(apiMessage(body), secret)
	}
	return e
}

// apiMessage returns the message of a JSON error body such as
// {"error":"..."} or {"message":"..."}, or "" when there is none.
func apiMessage(body []byte) string {
	var fields map[string]any
	if err := json.Unmarshal(body, &fields); err != nil {
		return ""
	}
	for _, key := range []string{"error", "message", "detail"} {
		switch v := fields[key].(type) {
		case string:
			return v
		case map[string]any:
			if msg, ok := v["message"].(string); ok {
				return msg
			}
		}
	}
	return ""
}

// excerpt returns the start of a body as one line of printable text, for
// error messages about answers that are not the expected JSON (an HTML page
// from a proxy, for example).
func excerpt(body []byte) string {
	text := strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return ' '
		}
		if !unicode.IsPrint(r) {
			return -1
		}
		return r
	}, string(body))
	text = strings.Join(strings.Fields(text), " ")
	runes := []rune(text)
	if len(runes) > maxExcerptRunes {
		return string(runes[:maxExcerptRunes]) + "..."
	}
	return text
}

func redactSecret(text, secret string) string {
	if secret == "" {
		return text
	}
	return strings.ReplaceAll(text, secret, "REDACTED")
}

// RedactURL removes the query of a URL, which for a signed upload URL is
// the signature that authorizes the upload. Text that does not parse as a
// URL is cut at the first "?".
func RedactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		before, _, _ := strings.Cut(raw, "?")
		return before
	}
	if u.RawQuery != "" {
		u.RawQuery = "REDACTED"
	}
	u.User = nil
	u.Fragment = ""
	return u.String()
}

// parseRetryAfter reads a Retry-After header, which is either a number of
// seconds or an HTTP date (RFC 9110, section 10.2.3). It returns 0 for an
// absent, invalid or past value.
func parseRetryAfter(value string, now time.Time) time.Duration {
	value = strings.TrimSpace(value)
	if value == "" {
		return 0
	}
	if seconds, err := strconv.ParseInt(value, 10, 64); err == nil {
		if seconds <= 0 {
			return 0
		}
		return time.Duration(min(seconds, int64(24*time.Hour/time.Second))) * time.Second
	}
	if date, err := http.ParseTime(value); err == nil && date.After(now) {
		return date.Sub(now)
	}
	return 0
}
