package emulator

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

const uploadsPrefix = "/uploads/"

// uploadBufferBytes is the size of the copy buffer for uploads. Uploads are
// streamed to disk, so memory use per upload stays at this size.
const uploadBufferBytes = 256 << 10

// assetRequest is the body of POST /asset.
type assetRequest struct {
	Filename    string `json:"filename"`
	ContentType string `json:"contentType"`
}

// handleAsset serves POST /asset: it validates the file name and content type
// and returns a signed upload URL.
func (e *Emulator) handleAsset(w http.ResponseWriter, r *http.Request) {
	if !requireJSONContentType(w, r) {
		return
	}
	var request assetRequest
	decoder := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxAssetBodyBytes))
	if err := decoder.Decode(&request); err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			writeError(w, http.StatusRequestEntityTooLarge, "asset request too large: the limit is %d bytes", maxAssetBodyBytes)
			return
		}
		writeError(w, http.StatusBadRequest, "malformed JSON: %v", err)
		return
	}
	if err := validateFilename(request.Filename); err != nil {
		writeError(w, http.StatusBadRequest, "%v", err)
		return
	}
	if _, _, err := mime.ParseMediaType(request.ContentType); err != nil {
		writeError(w, http.StatusBadRequest, "invalid contentType %q: %v", request.ContentType, err)
		return
	}

	expires := e.now().Add(e.uploadURLTTL).Unix()
	signature := e.uploadSignature(request.Filename, expires, request.ContentType)
	e.mu.Lock()
	e.issuedContentTypes[signature] = request.ContentType
	e.mu.Unlock()

	query := url.Values{}
	query.Set("expires", strconv.FormatInt(expires, 10))
	query.Set("signature", signature)
	signedURL := baseURL(r) + uploadsPrefix + url.PathEscape(request.Filename) + "?" + query.Encode()
	writeJSON(w, http.StatusOK, struct {
		URL string `json:"url"`
	}{URL: signedURL})
}

// validateFilename rejects a file name that is empty, too long, not UTF-8,
// contains a control character, a path separator or "..", or is ".".
func validateFilename(filename string) error {
	switch {
	case filename == "":
		return errors.New("missing filename")
	case len(filename) > maxFilenameBytes:
		return fmt.Errorf("invalid filename: longer than %d bytes", maxFilenameBytes)
	case !utf8.ValidString(filename):
		return fmt.Errorf("invalid filename %q: not valid UTF-8", filename)
	case strings.ContainsFunc(filename, isControl):
		return fmt.Errorf("invalid filename %q: contains a control character", filename)
	case strings.ContainsAny(filename, `/\`):
		return fmt.Errorf("invalid filename %q: must not contain a path separator", filename)
	case strings.Contains(filename, ".."), filename == ".":
		return fmt.Errorf("invalid filename %q: must not be \".\" or contain \"..\"", filename)
	}
	return nil
}

func isControl(r rune) bool {
	return r < 0x20 || r == 0x7f
}

// uploadSignature returns the hex HMAC-SHA256 that authorizes a PUT of
// filename with the given content type until the Unix time expires. The
// fields are separated by newlines. Only the content type, which comes last,
// may contain one, so each signed message has a single reading.
func (e *Emulator) uploadSignature(filename string, expires int64, contentType string) string {
	mac := hmac.New(sha256.New, e.signingKey)
	fmt.Fprintf(mac, "%s\n%s%s\n%d\n%s", http.MethodPut, uploadsPrefix, filename, expires, contentType)
	return hex.EncodeToString(mac.Sum(nil))
}

// verifyUploadURL checks the signature and expiry of a PUT to filename.
func (e *Emulator) verifyUploadURL(r *http.Request, filename string) error {
	query := r.URL.Query()
	signature := query.Get("signature")
	rawExpires := query.Get("expires")
	if signature == "" || rawExpires == "" {
		return errors.New("missing signature or expires query parameter")
	}
	expires, err := strconv.ParseInt(rawExpires, 10, 64)
	if err != nil {
		return fmt.Errorf("invalid expires %q", rawExpires)
	}

	contentType := r.Header.Get("Content-Type")
	expected := e.uploadSignature(filename, expires, contentType)
	if !hmac.Equal([]byte(signature), []byte(expected)) {
		e.mu.Lock()
		declared, issued := e.issuedContentTypes[signature]
		e.mu.Unlock()
		if issued && declared != contentType {
			return fmt.Errorf("signature does not match: Content-Type %q differs from the declared %q", contentType, declared)
		}
		return errors.New("signature does not match")
	}
	if e.now().Unix() > expires {
		return fmt.Errorf("signed URL expired at %s", time.Unix(expires, 0).UTC().Format(time.RFC3339))
	}
	return nil
}

// handleUpload serves PUT /uploads/<filename> to a signed URL. It streams the
// body to a temporary file, then renames it into place, so a failed upload
// leaves the storage directory as it was.
func (e *Emulator) handleUpload(w http.ResponseWriter, r *http.Request) {
	filename := strings.TrimPrefix(r.URL.Path, uploadsPrefix)
	if err := validateFilename(filename); err != nil {
		writeError(w, http.StatusBadRequest, "%v", err)
		return
	}
	if r.Header.Get("Authorization") != "" {
		writeError(w, http.StatusBadRequest, "invalid upload: a signed URL request must not carry an Authorization header")
		return
	}
	if err := e.verifyUploadURL(r, filename); err != nil {
		writeError(w, http.StatusForbidden, "upload of %s rejected: %v", filename, err)
		return
	}

	temp, err := os.CreateTemp(e.storageDir, ".upload-*")
	if err != nil {
		e.internalError(w, "failed to create temporary upload file", err, filename)
		return
	}
	tempPath := temp.Name()
	defer os.Remove(tempPath) // After a successful rename this removes nothing.

	hash := sha256.New()
	file := &errorRecorder{writer: io.MultiWriter(temp, hash)}
	size, copyErr := io.CopyBuffer(file, r.Body, make([]byte, uploadBufferBytes))
	closeErr := temp.Close()
	switch {
	case file.err != nil:
		e.internalError(w, "failed to write upload", file.err, filename)
		return
	case copyErr != nil:
		writeError(w, http.StatusBadRequest, "failed to read upload body of %s after %d bytes: %v", filename, size, copyErr)
		return
	case r.ContentLength >= 0 && size != r.ContentLength:
		writeError(w, http.StatusBadRequest, "incomplete upload of %s: received %d of %d bytes", filename, size, r.ContentLength)
		return
	case closeErr != nil:
		e.internalError(w, "failed to write upload", closeErr, filename)
		return
	}

	// The rename and the record change together, so the record always
	// describes the file on disk.
	record := AssetRecord{
		Filename:    filename,
		ContentType: r.Header.Get("Content-Type"),
		Size:        size,
		SHA256:      hex.EncodeToString(hash.Sum(nil)),
	}
	e.mu.Lock()
	err = os.Rename(tempPath, filepath.Join(e.storageDir, filename))
	if err == nil {
		e.assets[filename] = storedAsset{record: record, uploaded: e.now()}
	}
	e.mu.Unlock()
	if err != nil {
		e.internalError(w, "failed to store upload", err, filename)
		return
	}
	w.WriteHeader(http.StatusOK)
}

// handleDownload serves GET and HEAD /uploads/<filename> without
// authorization, like a public bucket.
func (e *Emulator) handleDownload(w http.ResponseWriter, r *http.Request) {
	filename := strings.TrimPrefix(r.URL.Path, uploadsPrefix)
	e.mu.Lock()
	stored, found := e.assets[filename]
	var file *os.File
	var err error
	if found {
		// Opening under the lock pairs the file with its record, because a
		// concurrent upload renames a new file into place under the same lock.
		file, err = os.Open(filepath.Join(e.storageDir, filename))
	}
	e.mu.Unlock()

	if !found {
		writeError(w, http.StatusNotFound, "asset %s not found", filename)
		return
	}
	if err != nil {
		e.internalError(w, "failed to open asset", err, filename)
		return
	}
	defer file.Close()

	w.Header().Set("Content-Type", stored.record.ContentType)
	http.ServeContent(w, r, filename, stored.uploaded, file)
}

// internalError logs err and sends 500.
func (e *Emulator) internalError(w http.ResponseWriter, message string, err error, filename string) {
	if e.logger != nil {
		e.logger.Error(message, "filename", filename, "error", err)
	}
	writeError(w, http.StatusInternalServerError, "%s %s: %v", message, filename, err)
}

// errorRecorder is an io.Writer that stores the first write error, so that a
// failed disk write is distinguished from a failed body read.
type errorRecorder struct {
	writer io.Writer
	err    error
}

func (w *errorRecorder) Write(p []byte) (int, error) {
	n, err := w.writer.Write(p)
	if err != nil && w.err == nil {
		w.err = err
	}
	return n, err
}

// Asset returns the record of the uploaded file with the given name.
func (e *Emulator) Asset(filename string) (AssetRecord, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	stored, found := e.assets[filename]
	return stored.record, found
}

// Assets returns the records of all uploaded files, sorted by file name.
func (e *Emulator) Assets() []AssetRecord {
	e.mu.Lock()
	defer e.mu.Unlock()
	records := make([]AssetRecord, 0, len(e.assets))
	for _, stored := range e.assets {
		records = append(records, stored.record)
	}
	slices.SortFunc(records, func(a, b AssetRecord) int { return strings.Compare(a.Filename, b.Filename) })
	return records
}
