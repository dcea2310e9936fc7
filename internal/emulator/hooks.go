package emulator

import (
	"errors"
	"fmt"
)

// SetJobFailure forces the status of an existing job, like SetJobStatus, and
// sets the reason that the status record carries in its "error" member. An
// empty reason sends no "error" member. It fails when the job does not exist
// or status is empty.
func (e *Emulator) SetJobFailure(id, status, reason string) error {
	if status == "" {
		return errors.New("emulator: invalid status: must not be empty")
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	j, found := e.jobs[id]
	if !found {
		return fmt.Errorf("emulator: job %s not found", id)
	}
	j.forcedStatus = status
	j.failureReason = reason
	return nil
}

// SetSubmitHook sets a function that is called with the id of every job
// accepted from now on, after the job is stored and before the response to
// the submission is sent. A hook can therefore force the job's status before the client
// first reads it. A nil hook removes the current one. The hook runs on the
// request's goroutine and may call the emulator's other methods.
func (e *Emulator) SetSubmitHook(hook func(id string)) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.submitHook = hook
}
