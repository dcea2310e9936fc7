package emulator

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"mime"
	"net/http"
	"slices"
	"strings"
)

// Status words of the part.io API. queued, done and overlimit are documented.
const (
	StatusQueued    = "queued"
	StatusDone      = "done"
	StatusOverlimit = "overlimit"
)

// jobIDLength is the length of a job id, as in the documented example "DPcM0BJV".
const jobIDLength = 8

const videosPrefix = "/videos/"

// jobIDAlphabet contains the characters of a job id.
const jobIDAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// jobStatusResponse is the body of GET /job.
type jobStatusResponse struct {
	Jobs []jobStatus `json:"jobs"`
}

type jobStatus struct {
	ID     string `json:"id"`
	Status string `json:"status"`
	// Job is the submitted description as a JSON string, not an object.
	Job  string `json:"job"`
	Name string `json:"name"`
	// Created is a Unix time in milliseconds.
	Created int64  `json:"created"`
	URL     string `json:"url,omitempty"`
	// Error is the reason of a failure status set with SetJobFailure.
	Error string `json:"error,omitempty"`
}

// handleSubmit serves POST /job and POST /jobs.
func (e *Emulator) handleSubmit(w http.ResponseWriter, r *http.Request) {
	if !requireJSONContentType(w, r) {
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxJobBodyBytes))
	if err != nil {
		if maxErr, ok := errors.AsType[*http.MaxBytesError](err); ok {
			writeError(w, http.StatusRequestEntityTooLarge, "job description too large: the limit is %d bytes", maxErr.Limit)
			return
		}
		writeError(w, http.StatusBadRequest, "failed to read request body: %v", err)
		return
	}

	name, err := validateJobDescription(body)
	if err != nil {
		writeError(w, http.StatusBadRequest, "%v", err)
		return
	}

	e.mu.Lock()
	id := e.newJobIDLocked()
	e.jobs[id] = &job{
		id:          id,
		description: body,
		name:        name,
		created:     e.now(),
		baseURL:     baseURL(r),
	}
	e.jobOrder = append(e.jobOrder, id)
	e.submissions++
	e.countSubmissionLocked(body)
	hook := e.submitHook
	e.mu.Unlock()

	if hook != nil {
		hook(id)
	}

	writeJSON(w, http.StatusOK, struct {
		ID string `json:"id"`
	}{ID: id})
}

// validateJobDescription checks the shape of a job description and returns
// output.name, or "" if absent.
func validateJobDescription(body []byte) (string, error) {
	decoder := json.NewDecoder(bytes.NewReader(body))
	decoder.UseNumber()
	var value any
	if err := decoder.Decode(&value); err != nil {
		return "", fmt.Errorf("malformed JSON: %w", err)
	}
	if _, err := decoder.Token(); err != io.EOF {
		return "", errors.New("malformed JSON: data after the job description")
	}

	description, ok := value.(map[string]any)
	if !ok {
		return "", errors.New("invalid job description: must be a JSON object")
	}
	nodeIDs, err := validateNodes(description["nodes"])
	if err != nil {
		return "", err
	}
	return validateOutput(description["output"], nodeIDs)
}

// validateNodes checks the nodes member and returns the set of node ids.
func validateNodes(value any) (map[string]bool, error) {
	if value == nil {
		return nil, errors.New("invalid job description: missing nodes")
	}
	nodes, ok := value.([]any)
	if !ok {
		return nil, errors.New("invalid job description: nodes must be an array")
	}
	if len(nodes) == 0 {
		return nil, errors.New("invalid job description: nodes must not be empty")
	}

	ids := make(map[string]bool, len(nodes))
	for i, item := range nodes {
		node, ok := item.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("invalid job description: nodes[%d] must be an object", i)
		}
		id, ok := node["id"].(string)
		if !ok || id == "" {
			return nil, fmt.Errorf("invalid job description: nodes[%d] is missing a non-empty string id", i)
		}
		if ids[id] {
			return nil, fmt.Errorf("invalid job description: duplicate node id %q", id)
		}
		ids[id] = true
	}

	for i, item := range nodes {
		// The loop above returned for any node that is not an object.
		node, _ := item.(map[string]any)
		if err := validateInputs(i, node["inputs"], ids); err != nil {
			return nil, err
		}
	}
	return ids, nil
}

// validateInputs checks that the inputs of nodes[index], if present, map input
// names to ids of nodes in the same description.
func validateInputs(index int, value any, nodeIDs map[string]bool) error {
	if value == nil {
		return nil
	}
	inputs, ok := value.(map[string]any)
	if !ok {
		return fmt.Errorf("invalid job description: nodes[%d].inputs must be an object", index)
	}
	for input, source := range inputs {
		sourceID, ok := source.(string)
		if !ok {
			return fmt.Errorf("invalid job description: nodes[%d].inputs.%s must be a node id string", index, input)
		}
		if !nodeIDs[sourceID] {
			return fmt.Errorf("invalid job description: nodes[%d].inputs.%s names node %q, which is not in nodes", index, input, sourceID)
		}
	}
	return nil
}

// validateOutput checks the output member and returns output.name.
func validateOutput(value any, nodeIDs map[string]bool) (string, error) {
	if value == nil {
		return "", errors.New("invalid job description: missing output")
	}
	output, ok := value.(map[string]any)
	if !ok {
		return "", errors.New("invalid job description: output must be an object")
	}
	node, ok := output["node"].(string)
	if !ok {
		return "", errors.New("invalid job description: missing output.node: must be a string")
	}
	if !nodeIDs[node] {
		return "", fmt.Errorf("invalid job description: output.node names node %q, which is not in nodes", node)
	}

	var name string
	if rawName, present := output["name"]; present {
		name, ok = rawName.(string)
		if !ok {
			return "", errors.New("invalid job description: output.name must be a string")
		}
	}
	return name, nil
}

// newJobIDLocked returns a random job id that no stored job uses. The caller
// must hold e.mu.
func (e *Emulator) newJobIDLocked() string {
	id := make([]byte, jobIDLength)
	for {
		for i := range id {
			id[i] = jobIDAlphabet[rand.IntN(len(jobIDAlphabet))]
		}
		if _, exists := e.jobs[string(id)]; !exists {
			return string(id)
		}
	}
}

// handleStatus serves GET /job?id=<id>.
func (e *Emulator) handleStatus(w http.ResponseWriter, r *http.Request) {
	id := r.URL.Query().Get("id")
	if id == "" {
		writeError(w, http.StatusBadRequest, "missing query parameter id")
		return
	}

	record, found := e.Job(id)

	if !found {
		if e.unknownJobAs404 {
			writeError(w, http.StatusNotFound, "job %s not found", id)
			return
		}
		writeJSON(w, http.StatusOK, jobStatusResponse{Jobs: []jobStatus{}})
		return
	}

	status := jobStatus{
		ID:      record.ID,
		Status:  record.Status,
		Job:     string(record.Description),
		Name:    record.Name,
		Created: record.Created.UnixMilli(),
		Error:   record.FailureReason,
	}
	if record.Status == StatusDone {
		status.URL = videoURL(baseURL(r), record.ID)
	}
	writeJSON(w, http.StatusOK, jobStatusResponse{Jobs: []jobStatus{status}})
}

// handleVideo serves GET /videos/<id>.mp4 with a placeholder body while the
// job is done.
func (e *Emulator) handleVideo(w http.ResponseWriter, r *http.Request) {
	id, ok := strings.CutSuffix(strings.TrimPrefix(r.URL.Path, videosPrefix), ".mp4")
	if !ok {
		writeError(w, http.StatusNotFound, "not found: %s", r.URL.Path)
		return
	}

	record, found := e.Job(id)

	if !found || record.Status != StatusDone {
		writeError(w, http.StatusNotFound, "no rendered video for job %s", id)
		return
	}
	w.Header().Set("Content-Type", "video/mp4")
	http.ServeContent(w, r, id+".mp4", record.Created, bytes.NewReader(placeholderVideo(id)))
}

// placeholderVideo returns 256 bytes that stand in for a rendered video: an
// MP4 "ftyp" box followed by a "free" box whose payload names the job id.
// The bytes depend only on id.
func placeholderVideo(id string) []byte {
	const size = 256
	video := make([]byte, 0, size)

	ftyp := []byte("\x00\x00\x00\x00ftypisom\x00\x00\x02\x00isomiso2mp41")
	binary.BigEndian.PutUint32(ftyp, uint32(len(ftyp)))
	video = append(video, ftyp...)

	free := make([]byte, size-len(ftyp))
	binary.BigEndian.PutUint32(free, uint32(len(free)))
	copy(free[4:], "free")
	copy(free[8:], "part.io emulator placeholder video for job "+id+"\n")
	return append(video, free...)
}

// videoURL returns the address of the rendered video of job id.
func videoURL(base, id string) string {
	return base + videosPrefix + id + ".mp4"
}

// statusLocked returns the status of j at the current time. The caller must
// hold e.mu.
func (e *Emulator) statusLocked(j *job) string {
	if j.forcedStatus != "" {
		return j.forcedStatus
	}
	if e.now().Before(j.created.Add(e.renderTime)) {
		return StatusQueued
	}
	return StatusDone
}

// recordLocked returns a snapshot of j. The caller must hold e.mu.
func (e *Emulator) recordLocked(j *job) JobRecord {
	record := JobRecord{
		ID:            j.id,
		Status:        e.statusLocked(j),
		Description:   bytes.Clone(j.description),
		Name:          j.name,
		Created:       j.created,
		FailureReason: j.failureReason,
	}
	if record.Status == StatusDone {
		record.URL = videoURL(j.baseURL, j.id)
	}
	return record
}

// requireJSONContentType sends 415 and returns false unless the request's
// Content-Type is application/json.
func requireJSONContentType(w http.ResponseWriter, r *http.Request) bool {
	contentType := r.Header.Get("Content-Type")
	mediaType, _, err := mime.ParseMediaType(contentType)
	if err != nil || mediaType != "application/json" {
		writeError(w, http.StatusUnsupportedMediaType, "invalid Content-Type %q: must be application/json", contentType)
		return false
	}
	return true
}

// Submissions returns the number of accepted POST /job and POST /jobs requests.
func (e *Emulator) Submissions() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.submissions
}

// Jobs returns a snapshot of all stored jobs in submission order.
func (e *Emulator) Jobs() []JobRecord {
	e.mu.Lock()
	defer e.mu.Unlock()
	records := make([]JobRecord, 0, len(e.jobOrder))
	for _, id := range e.jobOrder {
		records = append(records, e.recordLocked(e.jobs[id]))
	}
	return records
}

// Job returns a snapshot of the job with the given id.
func (e *Emulator) Job(id string) (JobRecord, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	j, found := e.jobs[id]
	if !found {
		return JobRecord{}, false
	}
	return e.recordLocked(j), true
}

// SetJobStatus forces the status of an existing job, replacing the status
// derived from the clock for good, and clears a reason set with
// SetJobFailure. A job set to "done" gets a video URL. It fails when the job
// does not exist or status is empty.
func (e *Emulator) SetJobStatus(id, status string) error {
	return e.SetJobFailure(id, status, "")
}

// DeleteJob removes a job, as if the server had lost it, and reports whether
// the job existed. It leaves Submissions unchanged.
func (e *Emulator) DeleteJob(id string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	if _, found := e.jobs[id]; !found {
		return false
	}
	delete(e.jobs, id)
	e.jobOrder = slices.DeleteFunc(e.jobOrder, func(stored string) bool { return stored == id })
	return true
}
