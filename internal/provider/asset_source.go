package provider

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/partio/terraform-provider-partio/internal/partio"
)

// digestBufferBytes is the size of the buffer that hashes a source file, so
// planning reads a file of any size with this much memory.
const digestBufferBytes = 64 << 10

// emptyAssetReason explains why an asset without bytes is rejected.
const emptyAssetReason = "Empty assets are not allowed: a render job cannot use a file without content, " +
	"and an empty file usually means that the step which wrote it failed."

// assetDigest describes the bytes of an asset.
type assetDigest struct {
	size   int64
	sha256 string
	// head is the first bytes, at most sniffBytes, for content type
	// detection.
	head []byte
}

// digestBytes describes content held in memory.
func digestBytes(data []byte) assetDigest {
	sum := sha256.Sum256(data)
	return assetDigest{
		size:   int64(len(data)),
		sha256: hex.EncodeToString(sum[:]),
		head:   data[:min(len(data), sniffBytes)],
	}
}

// digestFile hashes the file at name, reading it through a small buffer
// rather than whole.
func digestFile(name string) (assetDigest, error) {
	file, err := os.Open(name)
	if err != nil {
		return assetDigest{}, err
	}
	defer file.Close()

	hash := sha256.New()
	head := &headWriter{limit: sniffBytes}
	size, err := io.CopyBuffer(io.MultiWriter(hash, head), file, make([]byte, digestBufferBytes))
	if err != nil {
		return assetDigest{}, err
	}
	return assetDigest{size: size, sha256: hex.EncodeToString(hash.Sum(nil)), head: head.data}, nil
}

// headWriter keeps the first limit bytes written to it.
type headWriter struct {
	limit int
	data  []byte
}

func (w *headWriter) Write(p []byte) (int, error) {
	if room := w.limit - len(w.data); room > 0 {
		w.data = append(w.data, p[:min(room, len(p))]...)
	}
	return len(p), nil
}

// digestSourceFile checks that the file at source can be uploaded and hashes
// it. On failure it returns a message for the user that names the file.
func digestSourceFile(source string) (assetDigest, string) {
	info, err := os.Stat(source)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return assetDigest{}, fmt.Sprintf("The file %q does not exist. Check the path; relative paths start at the "+
			"directory Terraform runs in, so use \"${path.module}/...\" inside a module.", source)
	case errors.Is(err, fs.ErrPermission):
		return assetDigest{}, fmt.Sprintf("The file %q cannot be read: %v. Check the permissions of its directories.",
			source, pathErrorCause(err))
	case err != nil:
		return assetDigest{}, fmt.Sprintf("The file %q cannot be read: %v.", source, pathErrorCause(err))
	case info.IsDir():
		return assetDigest{}, directorySourceProblem(source)
	case !info.Mode().IsRegular():
		return assetDigest{}, fmt.Sprintf("%q is not a regular file (its mode is %s). Set `source` to a file.", source, info.Mode().Type())
	}

	digest, err := digestFile(source)
	switch {
	case errors.Is(err, fs.ErrPermission):
		return assetDigest{}, fmt.Sprintf("The file %q cannot be opened: %v. Check its permissions.", source, pathErrorCause(err))
	case err != nil:
		return assetDigest{}, fmt.Sprintf("The file %q cannot be read: %v.", source, pathErrorCause(err))
	case digest.size == 0:
		return assetDigest{}, fmt.Sprintf("The file %q is empty (0 bytes). %s Check the file, or remove this resource.",
			source, emptyAssetReason)
	}
	return digest, ""
}

// pathErrorCause drops the operation and path that *fs.PathError adds,
// because the messages that show the cause name the file themselves.
func pathErrorCause(err error) error {
	var pathErr *fs.PathError
	if errors.As(err, &pathErr) {
		return pathErr.Err
	}
	return err
}

// decodeContentBase64 decodes the value of content_base64, which uses the
// standard alphabet with padding, as Terraform's base64encode and
// filebase64 functions write it.
func decodeContentBase64(value string) ([]byte, string) {
	data, err := base64.StdEncoding.DecodeString(value)
	if err != nil {
		var corrupt base64.CorruptInputError
		if errors.As(err, &corrupt) {
			return nil, fmt.Sprintf("`content_base64` is not valid base64: the input is corrupt at byte %d. "+
				"Encode the bytes with base64encode() or filebase64(), which use the standard alphabet with padding.", int64(corrupt))
		}
		return nil, fmt.Sprintf("`content_base64` is not valid base64: %v.", err)
	}
	return data, ""
}

// assetContent is the attribute that gives an asset's bytes: exactly one
// of source, content and content_base64 is set.
type assetContent struct {
	attribute path.Path
	value     types.String
}

// contentOf returns the attribute that holds the asset's bytes, or false
// when none is set.
func contentOf(model *assetResourceModel) (assetContent, bool) {
	for _, candidate := range []assetContent{
		{path.Root("source"), model.Source},
		{path.Root("content"), model.Content},
		{path.Root("content_base64"), model.ContentBase64},
	} {
		if !candidate.value.IsNull() {
			return candidate, true
		}
	}
	return assetContent{}, false
}

// isSource reports whether the bytes come from a local file.
func (c assetContent) isSource() bool {
	return c.attribute.Equal(path.Root("source"))
}

// digest describes the bytes when they are known. It returns a message for
// the user when they cannot be uploaded.
func (c assetContent) digest() (assetDigest, string) {
	switch c.attribute.String() {
	case "source":
		return digestSourceFile(c.value.ValueString())
	case "content":
		if c.value.ValueString() == "" {
			return assetDigest{}, "`content` is empty. " + emptyAssetReason
		}
		return digestBytes([]byte(c.value.ValueString())), ""
	default:
		data, problem := decodeContentBase64(c.value.ValueString())
		if problem != "" {
			return assetDigest{}, problem
		}
		if len(data) == 0 {
			return assetDigest{}, "`content_base64` is empty. " + emptyAssetReason
		}
		return digestBytes(data), ""
	}
}

// body returns the bytes to upload: a file opened for each attempt, or the
// content held in memory.
func (c assetContent) body() (partio.UploadBody, error) {
	switch c.attribute.String() {
	case "source":
		return partio.FileBody(c.value.ValueString())
	case "content":
		return partio.BytesBody([]byte(c.value.ValueString())), nil
	default:
		data, problem := decodeContentBase64(c.value.ValueString())
		if problem != "" {
			return partio.UploadBody{}, errors.New(problem)
		}
		return partio.BytesBody(data), nil
	}
}

// directorySourceProblem explains that source is a directory.
func directorySourceProblem(source string) string {
	return fmt.Sprintf("%q is a directory. Set `source` to a file; upload each file with its own resource.", source)
}
