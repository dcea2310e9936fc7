package emulator

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// This file collects the emulator's behaviour where the public part.io
// documentation is silent. Change it here once the real API is known.
//
//   - Error responses carry the body {"error":"<message>"} with Content-Type
//     application/json, on API routes and on upload and download routes alike.
//   - API routes check the bearer token before the method, so a request
//     without a valid token gets 401 even when its method is wrong. A 401 also
//     carries "WWW-Authenticate: Bearer".
//   - A wrong method on a known path gets 405 with an Allow header. An unknown
//     path gets 404.
//   - POST /job, POST /jobs and POST /asset require Content-Type
//     application/json (parameters such as charset are allowed) and get 415
//     otherwise.
//   - A job description is rejected with 400 when two nodes share an id, or
//     when a node's inputs is not an object of strings that name nodes of the
//     same description. A node's type and params are never checked.
//   - A job whose status was not forced is "queued" until Options.RenderTime
//     has passed since submission, then "done". No other status occurs unless
//     a test sets it with SetJobStatus or SetJobFailure.
//   - Where a failure reason appears is unknown. A job failed with
//     SetJobFailure carries its reason as the string member "error" of its
//     status record, next to "status". The provider's client also reads the
//     members "reason" and "message", as strings or as objects with a string
//     member "message".
//   - An unknown job id gets either 200 {"jobs":[]} or 404, as
//     Options.UnknownJobAs404 selects.
//   - A signed upload URL is valid for Options.UploadURLTTL, 15 minutes by
//     default, and is bound to the method PUT, the file name, the expiry and
//     the declared content type. A mismatch of any of them gets 403.
//   - A PUT to a signed URL that also carries an Authorization header gets
//     400, as on S3, where a request may use only one authentication method.
//     This also catches a client that leaks its API token to the upload host.
//   - A PUT without Content-Length (chunked) is accepted. Uploads have no size
//     limit.
//   - Uploaded files are public: GET /uploads/<filename> serves them without
//     a token or signature. Rendered videos at /videos/<id>.mp4 are public too.
const (
	// maxJobBodyBytes is the largest accepted body of POST /job, in bytes.
	// Larger bodies get 413.
	maxJobBodyBytes = 10 << 20

	// maxAssetBodyBytes is the largest accepted body of POST /asset, in bytes.
	maxAssetBodyBytes = 64 << 10

	// maxFilenameBytes is the longest accepted asset file name, in bytes,
	// which is NAME_MAX on common Linux file systems such as ext4.
	maxFilenameBytes = 255

	// defaultUploadURLTTL is the validity of a signed upload URL when
	// Options.UploadURLTTL is zero.
	defaultUploadURLTTL = 15 * time.Minute
)

// errorBody is the JSON body of error responses.
type errorBody struct {
	Error string `json:"error"`
}

// writeError sends an error response with the given status code and a message
// formatted as by fmt.Sprintf.
func writeError(w http.ResponseWriter, status int, format string, args ...any) {
	message := fmt.Sprintf(format, args...)
	if recorder, ok := w.(*statusRecorder); ok {
		recorder.errorMessage = message
	}
	writeJSON(w, status, errorBody{Error: message})
}

// writeJSON sends v as a JSON response with the given status code. Characters
// such as & stay unescaped, so a signed URL reads as it is.
func writeJSON(w http.ResponseWriter, status int, v any) {
	var body bytes.Buffer
	encoder := json.NewEncoder(&body)
	encoder.SetEscapeHTML(false)
	if err := encoder.Encode(v); err != nil {
		// Encoding fails only for values such as channels or NaN, and the
		// callers pass structs of strings and integers.
		http.Error(w, "failed to encode response: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(body.Len()))
	w.WriteHeader(status)
	_, _ = w.Write(body.Bytes())
}
