package emulator

import (
	"bytes"
	"encoding/json"
	"maps"
)

// countSubmissionLocked counts an accepted submission under its job
// description in canonical JSON. The caller must hold e.mu.
func (e *Emulator) countSubmissionLocked(body []byte) {
	if e.submissionsByDescription == nil {
		e.submissionsByDescription = make(map[string]int)
	}
	e.submissionsByDescription[CanonicalJSON(body)]++
}

// SubmissionsByDescription returns how many accepted submissions each job
// description had, keyed by the description in canonical JSON (see
// CanonicalJSON). A count above 1 is a job submitted more than once.
func (e *Emulator) SubmissionsByDescription() map[string]int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return maps.Clone(e.submissionsByDescription)
}

// CanonicalJSON re-encodes a JSON document with object keys sorted and
// without insignificant space, keeping every number as written, so that
// equal documents give equal strings. A body that is not JSON is returned
// unchanged.
func CanonicalJSON(body []byte) string {
	decoder := json.NewDecoder(bytes.NewReader(body))
	decoder.UseNumber()
	var value any
	if err := decoder.Decode(&value); err != nil {
		return string(body)
	}
	var out bytes.Buffer
	encoder := json.NewEncoder(&out)
	encoder.SetEscapeHTML(false)
	if err := encoder.Encode(value); err != nil {
		return string(body)
	}
	return string(bytes.TrimSuffix(out.Bytes(), []byte("\n")))
}
