package provider

import (
	"bytes"
	"strings"
	"testing"
)

func TestDigestFileReadsWholeFile(t *testing.T) {
	// Larger than the buffer, and not a multiple of it.
	data := bytes.Repeat([]byte("0123456789abcdef"), digestBufferBytes/16*3+7)
	path := writeTestFile(t, "clip.mp4", data)

	digest, err := digestFile(path)
	if err != nil {
		t.Fatalf("digestFile: %v", err)
	}
	if digest.size != int64(len(data)) {
		t.Errorf("size = %d, want %d", digest.size, len(data))
	}
	if digest.sha256 != sha256Hex(data) {
		t.Errorf("sha256 = %s, want %s", digest.sha256, sha256Hex(data))
	}
	if !bytes.Equal(digest.head, data[:sniffBytes]) {
		t.Errorf("head has %d bytes that differ from the file's first %d", len(digest.head), sniffBytes)
	}
}

func TestDetectContentType(t *testing.T) {
	png := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR")
	cases := []struct {
		filename string
		head     []byte
		want     string
	}{
		{"intro.mp4", []byte("<html>"), "video/mp4"},
		{"INTRO.MP4", nil, "video/mp4"},
		{"subtitles.vtt", nil, "text/vtt"},
		{"logo", png, "image/png"},
		{"card.tpl", []byte("<!DOCTYPE html><p>x</p>"), "text/html; charset=utf-8"},
		{"notes", []byte("plain words"), "text/plain; charset=utf-8"},
		{"blob.xyz", []byte{0x00, 0x01, 0xfe}, "application/octet-stream"},
		// Only the first 512 bytes count.
		{"late", append(bytes.Repeat([]byte{0}, sniffBytes), png...), "application/octet-stream"},
	}
	for _, tc := range cases {
		if got := detectContentType(tc.filename, tc.head); got != tc.want {
			t.Errorf("detectContentType(%q, %q) = %q, want %q", tc.filename, tc.head, got, tc.want)
		}
	}
}

func TestDecodeContentBase64(t *testing.T) {
	if data, problem := decodeContentBase64("cGFydC5pbw=="); problem != "" || string(data) != "part.io" {
		t.Errorf("decodeContentBase64 = %q, %q, want \"part.io\" and no problem", data, problem)
	}
	for _, value := range []string{"cGFydC5pbw", "not base64!", "cGFy dC5pbw=="} {
		if _, problem := decodeContentBase64(value); !strings.Contains(problem, "not valid base64") {
			t.Errorf("decodeContentBase64(%q) problem = %q, want it to say the value is not valid base64", value, problem)
		}
	}
}
