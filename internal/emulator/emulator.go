// Package emulator provides a local stand-in for the part.io HTTP API, for tests
// and demos. It follows the documented API contract: job submission and status,
// signed asset uploads, and downloads of uploaded files and rendered videos.
// Where the documentation is silent, the choices are listed in decisions.go.
package emulator

import (
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	mathrand "math/rand/v2"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"time"
)

// Options configures an Emulator.
type Options struct {
	// Token is the required bearer token. API requests without the header
	// "Authorization: Bearer <Token>" get 401.
	Token string

	// RenderTime is the time from submission until a job turns "done".
	// Zero means a job is done on its first status request.
	RenderTime time.Duration

	// UploadURLTTL is the validity of signed upload URLs. Zero means 15 minutes.
	UploadURLTTL time.Duration

	// UnknownJobAs404 selects how GET /job responds to an unknown id: false
	// sends 200 {"jobs":[]}, true sends 404 with a JSON error.
	UnknownJobAs404 bool

	// StorageDir is the directory for uploaded files. It is created if
	// missing. An empty value means a new temporary directory that Close
	// removes.
	StorageDir string

	// Now is the clock. Nil means time.Now.
	Now func() time.Time

	// Logger receives one record per request, with the error message of a
	// rejected request, and the storage errors behind a 500. Nil means no
	// logging.
	Logger *slog.Logger
}

// JobRecord is a snapshot of a submitted job.
type JobRecord struct {
	ID string
	// Status is the status that GET /job would report at snapshot time.
	Status string
	// Description is the submitted request body, byte for byte.
	Description []byte
	// Name is output.name of the description, or "" if absent.
	Name    string
	Created time.Time
	// URL is the address of the rendered video while Status is "done",
	// else "". Its scheme and host are those of the submitting request.
	URL string
	// FailureReason is the reason set with SetJobFailure, else "".
	FailureReason string
}

// AssetRecord describes an uploaded file.
type AssetRecord struct {
	Filename    string
	ContentType string
	Size        int64
	// SHA256 is the hex-encoded SHA-256 digest of the file's bytes.
	SHA256 string
}

// Emulator is an http.Handler that serves the part.io API. It is safe for
// concurrent use.
type Emulator struct {
	token           string
	renderTime      time.Duration
	uploadURLTTL    time.Duration
	unknownJobAs404 bool
	storageDir      string
	removeStorage   bool
	now             func() time.Time
	logger          *slog.Logger
	signingKey      []byte

	mu          sync.Mutex
	jobs        map[string]*job
	jobOrder    []string
	submissions int
	assets      map[string]storedAsset
	// issuedContentTypes maps the signature of each issued upload URL to the
	// declared content type, only to explain a rejected upload.
	issuedContentTypes map[string]string
	faults             []*activeFault
	// faultRandom draws for Fault.Probability; nil until first needed.
	faultRandom *mathrand.Rand
	// submissionsByDescription counts accepted submissions per job
	// description in canonical JSON.
	submissionsByDescription map[string]int
	// submitHook, when set, is called with the id of each accepted job.
	submitHook func(id string)
}

type job struct {
	id          string
	description []byte
	name        string
	created     time.Time
	// baseURL is the scheme and host of the submitting request.
	baseURL string
	// forcedStatus, when not empty, replaces the status derived from the clock.
	forcedStatus string
	// failureReason is sent as the "error" member of the status record.
	failureReason string
}

type storedAsset struct {
	record   AssetRecord
	uploaded time.Time
}

// New returns an Emulator configured by opts. It fails when opts.Token is
// empty, a duration is negative, or the storage directory cannot be created.
func New(opts Options) (*Emulator, error) {
	if opts.Token == "" {
		return nil, errors.New("emulator: missing Token")
	}
	if opts.RenderTime < 0 {
		return nil, fmt.Errorf("emulator: invalid RenderTime %s: must not be negative", opts.RenderTime)
	}
	if opts.UploadURLTTL < 0 {
		return nil, fmt.Errorf("emulator: invalid UploadURLTTL %s: must not be negative", opts.UploadURLTTL)
	}

	e := &Emulator{
		token:              opts.Token,
		renderTime:         opts.RenderTime,
		uploadURLTTL:       opts.UploadURLTTL,
		unknownJobAs404:    opts.UnknownJobAs404,
		now:                opts.Now,
		logger:             opts.Logger,
		signingKey:         make([]byte, 32),
		jobs:               make(map[string]*job),
		assets:             make(map[string]storedAsset),
		issuedContentTypes: make(map[string]string),
	}
	if e.uploadURLTTL == 0 {
		e.uploadURLTTL = defaultUploadURLTTL
	}
	if e.now == nil {
		e.now = time.Now
	}
	// crypto/rand.Read never returns an error since Go 1.24.
	_, _ = rand.Read(e.signingKey)

	if opts.StorageDir == "" {
		dir, err := os.MkdirTemp("", "partio-emulator-*")
		if err != nil {
			return nil, fmt.Errorf("emulator: failed to create temporary storage directory: %w", err)
		}
		e.storageDir = dir
		e.removeStorage = true
	} else {
		if err := os.MkdirAll(opts.StorageDir, 0o755); err != nil {
			return nil, fmt.Errorf("emulator: failed to create storage directory %s: %w", opts.StorageDir, err)
		}
		e.storageDir = opts.StorageDir
	}
	return e, nil
}

// StorageDir returns the directory where uploaded files are written.
func (e *Emulator) StorageDir() string {
	return e.storageDir
}

// Close removes the storage directory if New created it. A StorageDir given in
// Options is left in place. The Emulator must not serve requests afterwards.
func (e *Emulator) Close() error {
	if !e.removeStorage {
		return nil
	}
	if err := os.RemoveAll(e.storageDir); err != nil {
		return fmt.Errorf("emulator: failed to remove storage directory %s: %w", e.storageDir, err)
	}
	return nil
}

// ServeHTTP applies a matching fault, if any, and routes the request to the
// API, upload or download handler.
func (e *Emulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if e.logger != nil {
		recorder := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		start := time.Now()
		defer func() {
			// The query is left out because it carries upload signatures.
			attributes := []any{
				"method", r.Method,
				"path", r.URL.Path,
				"status", recorder.status,
				"elapsed", time.Since(start),
			}
			if recorder.errorMessage != "" {
				attributes = append(attributes, "error", recorder.errorMessage)
			}
			e.logger.Info("request", attributes...)
		}()
		w = recorder
	}
	if fault := e.takeFault(r); fault != nil {
		serveWithFault(w, r, fault, e.serve)
		return
	}
	e.serve(w, r)
}

// serve routes a request to the API, upload or download handler.
func (e *Emulator) serve(w http.ResponseWriter, r *http.Request) {
	path := r.URL.Path
	switch {
	case path == "/job":
		e.route(w, r, true, map[string]http.HandlerFunc{
			http.MethodGet:  e.handleStatus,
			http.MethodPost: e.handleSubmit,
		})
	case path == "/jobs":
		e.route(w, r, true, map[string]http.HandlerFunc{
			http.MethodPost: e.handleSubmit,
		})
	case path == "/asset":
		e.route(w, r, true, map[string]http.HandlerFunc{
			http.MethodPost: e.handleAsset,
		})
	case strings.HasPrefix(path, uploadsPrefix):
		e.route(w, r, false, map[string]http.HandlerFunc{
			http.MethodPut:  e.handleUpload,
			http.MethodGet:  e.handleDownload,
			http.MethodHead: e.handleDownload,
		})
	case strings.HasPrefix(path, videosPrefix):
		e.route(w, r, false, map[string]http.HandlerFunc{
			http.MethodGet:  e.handleVideo,
			http.MethodHead: e.handleVideo,
		})
	default:
		writeError(w, http.StatusNotFound, "not found: %s", path)
	}
}

// route checks the bearer token when requireToken is set, then calls the
// handler for the request's method, or sends 405.
func (e *Emulator) route(w http.ResponseWriter, r *http.Request, requireToken bool, handlers map[string]http.HandlerFunc) {
	if requireToken && !e.authorized(r) {
		w.Header().Set("WWW-Authenticate", "Bearer")
		writeError(w, http.StatusUnauthorized, "missing or invalid bearer token")
		return
	}

	handler, ok := handlers[r.Method]
	if !ok {
		allowed := make([]string, 0, len(handlers))
		for method := range handlers {
			allowed = append(allowed, method)
		}
		slices.Sort(allowed)
		w.Header().Set("Allow", strings.Join(allowed, ", "))
		writeError(w, http.StatusMethodNotAllowed, "method %s not allowed on %s", r.Method, r.URL.Path)
		return
	}
	handler(w, r)
}

// authorized reports whether r carries "Authorization: Bearer <token>". The
// scheme name is case-insensitive, as RFC 9110 section 11.1 specifies.
func (e *Emulator) authorized(r *http.Request) bool {
	scheme, token, found := strings.Cut(r.Header.Get("Authorization"), " ")
	if !found || !strings.EqualFold(scheme, "Bearer") {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(token), []byte(e.token)) == 1
}

// baseURL returns the scheme and host that r was sent to, such as
// "http://127.0.0.1:8787".
func baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// statusRecorder stores the status code and error message written through it
// for the request log.
type statusRecorder struct {
	http.ResponseWriter
	status       int
	errorMessage string
}

func (s *statusRecorder) WriteHeader(status int) {
	s.status = status
	s.ResponseWriter.WriteHeader(status)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (s *statusRecorder) Unwrap() http.ResponseWriter {
	return s.ResponseWriter
}
