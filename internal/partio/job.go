package partio

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// JobDescription is the definition of a render job: a graph of nodes and
// the output to take from it. It is the body of a submission to the API.
type JobDescription struct {
	Nodes  []Node `json:"nodes"`
	Output Output `json:"output"`
}

// Node is one element of the graph.
type Node struct {
	ID   string `json:"id"`
	Type string `json:"type"`
	// Inputs maps an input name of this node to the id of the node that
	// feeds it.
	Inputs map[string]string `json:"inputs"`
	// Params holds the element's settings. Values are any JSON value;
	// numbers should be json.Number so that they reach the API unchanged.
	Params map[string]any `json:"params"`
}

// Output selects the node to render and the video to produce.
type Output struct {
	Type     string `json:"type"`
	Test     bool   `json:"test"`
	FPS      int64  `json:"fps"`
	Width    int64  `json:"width"`
	Height   int64  `json:"height"`
	Duration string `json:"duration"`
	Name     string `json:"name"`
	Node     string `json:"node"`
}

// MarshalJSON sends empty inputs and params as {} rather than null, as the
// API's own example does.
func (n Node) MarshalJSON() ([]byte, error) {
	type plain Node
	p := plain(n)
	if p.Inputs == nil {
		p.Inputs = map[string]string{}
	}
	if p.Params == nil {
		p.Params = map[string]any{}
	}
	return json.Marshal(p)
}

// Job is the state of a submitted job as the status call returns it.
type Job struct {
	ID     string
	Status string
	// Description is the submitted job description, decoded from the
	// string the API returns. It is nil when that string is not valid JSON.
	Description *JobDescription
	// RawDescription is the job description exactly as the API returned it.
	RawDescription string
	Name           string
	Created        time.Time
	// URL is the address of the rendered video, set once the job is done.
	URL string
	// Reason is the server's explanation of a failure status, or "" when the
	// response carried none.
	Reason string
}

// Job statuses with a known meaning. Any other status is treated as pending.
const (
	StatusQueued    = "queued"
	StatusDone      = "done"
	StatusOverlimit = "overlimit"
)

// failureStatuses are status words that similar services use for a job that
// ended without a video. The part.io documentation names none of them, so
// they are treated as terminal failures on sight.
var failureStatuses = map[string]bool{
	"failed":    true,
	"error":     true,
	"cancelled": true,
	"canceled":  true,
	"rejected":  true,
}

// IsTerminal reports whether a job in this status will not change any more.
func IsTerminal(status string) bool {
	return status == StatusDone || status == StatusOverlimit || failureStatuses[status]
}

// IsFailure reports whether a job in this status ended without a video.
func IsFailure(status string) bool {
	return status == StatusOverlimit || failureStatuses[status]
}

// jobRecord is one entry of the status call's "jobs" list.
type jobRecord struct {
	ID      string `json:"id"`
	Status  string `json:"status"`
	Job     string `json:"job"`
	Name    string `json:"name"`
	Created int64  `json:"created"`
	URL     string `json:"url"`
	// The documentation does not say where a failure reason appears, so
	// each of these plausible members is read; see failureReason.
	Error   any `json:"error"`
	Reason  any `json:"reason"`
	Message any `json:"message"`
}

func (r jobRecord) toJob() *Job {
	job := &Job{
		ID:             r.ID,
		Status:         r.Status,
		RawDescription: r.Job,
		Name:           r.Name,
		URL:            r.URL,
		Reason:         r.failureReason(),
	}
	if r.Created > 0 {
		job.Created = time.UnixMilli(r.Created).UTC()
	}
	if desc, err := DecodeJobDescription([]byte(r.Job)); err == nil {
		job.Description = desc
	}
	return job
}

// failureReason returns the first non-empty reason among the members
// error, reason and message. Each may be a string or an object with a
// string member message, as in {"error":{"message":"..."}}.
func (r jobRecord) failureReason() string {
	for _, value := range []any{r.Error, r.Reason, r.Message} {
		switch v := value.(type) {
		case string:
			if text := strings.TrimSpace(v); text != "" {
				return text
			}
		case map[string]any:
			if text, ok := v["message"].(string); ok && strings.TrimSpace(text) != "" {
				return strings.TrimSpace(text)
			}
		}
	}
	return ""
}

// DecodeJobDescription parses a job description, keeping every number of
// the params as a json.Number so that it can be sent back unchanged.
func DecodeJobDescription(data []byte) (*JobDescription, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var desc JobDescription
	if err := dec.Decode(&desc); err != nil {
		return nil, fmt.Errorf("decoding job description: %w", err)
	}
	return &desc, nil
}
