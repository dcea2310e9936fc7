package provider

import (
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

// contentTypeFor returns the MIME type for a file name from its extension.
func contentTypeFor(filename string) string {
	if ct, ok := contentTypes[strings.ToLower(filepath.Ext(filename))]; ok {
		return ct
	}
	return defaultContentType
}
