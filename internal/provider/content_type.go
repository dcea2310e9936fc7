package provider

import (
	"net/http"
	"path/filepath"
	"strings"
)

// defaultContentType is declared for files whose extension is not listed in
// contentTypes.
const defaultContentType = "application/octet-stream"

// contentTypes maps file extensions to the MIME types declared on upload.
// The table is fixed, rather than read from the operating system's MIME
// database, so that a plan shows the same content type on every machine.
var contentTypes = map[string]string{
	".aac":   "audio/aac",
	".avi":   "video/x-msvideo",
	".bmp":   "image/bmp",
	".css":   "text/css",
	".flac":  "audio/flac",
	".gif":   "image/gif",
	".htm":   "text/html",
	".html":  "text/html",
	".jpeg":  "image/jpeg",
	".jpg":   "image/jpeg",
	".js":    "text/javascript",
	".json":  "application/json",
	".m4a":   "audio/mp4",
	".m4v":   "video/mp4",
	".mkv":   "video/x-matroska",
	".mov":   "video/quicktime",
	".mp3":   "audio/mpeg",
	".mp4":   "video/mp4",
	".mpeg":  "video/mpeg",
	".mpg":   "video/mpeg",
	".oga":   "audio/ogg",
	".ogg":   "audio/ogg",
	".ogv":   "video/ogg",
	".otf":   "font/otf",
	".pdf":   "application/pdf",
	".png":   "image/png",
	".srt":   "application/x-subrip",
	".svg":   "image/svg+xml",
	".tif":   "image/tiff",
	".tiff":  "image/tiff",
	".ttf":   "font/ttf",
	".txt":   "text/plain",
	".vtt":   "text/vtt",
	".wav":   "audio/wav",
	".webm":  "video/webm",
	".webp":  "image/webp",
	".woff":  "font/woff",
	".woff2": "font/woff2",
}

// sniffBytes is how many leading bytes http.DetectContentType considers.
const sniffBytes = 512

// contentTypeByExtension returns the MIME type that contentTypes lists for
// the extension of filename, compared without regard to case.
func contentTypeByExtension(filename string) (string, bool) {
	ct, ok := contentTypes[strings.ToLower(filepath.Ext(filename))]
	return ct, ok
}

// detectContentType returns the MIME type for a file: the one its
// extension implies, or else the one that http.DetectContentType finds in
// its first 512 bytes. That function returns defaultContentType for bytes
// it does not recognize, and its result depends only on the bytes, so every
// machine plans the same value.
func detectContentType(filename string, head []byte) string {
	if ct, ok := contentTypeByExtension(filename); ok {
		return ct
	}
	return http.DetectContentType(head)
}
