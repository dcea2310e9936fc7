package provider

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/partio/terraform-provider-partio/internal/partio"
)

// maxUploadAttempts is how many signed URLs one upload may use: the first,
// and one fresh URL after part.io rejected the first signature.
const maxUploadAttempts = 2

// uploadAsset requests a signed upload URL for filename and uploads body to
// it. It returns what was sent and the URL where the file is stored,
// without the signature in its query.
//
// A signed URL can expire between the request and the end of a slow
// upload, and part.io then rejects the PUT with 403. Such an upload gets one
// fresh signed URL and one more attempt. Other failures are returned at
// once.
func uploadAsset(ctx context.Context, client *partio.Client, filename, contentType string, body partio.UploadBody) (partio.UploadResult, string, error) {
	fields := map[string]any{"filename": filename, "content_type": contentType, "size": body.Size}
	for attempt := 1; ; attempt++ {
		fields["attempt"] = attempt
		signedURL, err := client.RequestUploadURL(ctx, filename, contentType)
		if err != nil {
			return partio.UploadResult{}, "", fmt.Errorf("requesting a signed upload URL: %w", err)
		}
		stored := stripQuery(signedURL)
		fields["url"] = stored

		start := time.Now()
		tflog.Debug(ctx, "uploading asset", fields)
		result, err := client.Upload(ctx, signedURL, contentType, body)
		fields["elapsed"] = time.Since(start).Round(time.Millisecond).String()
		if err == nil {
			return result, stored, nil
		}
		if !isRejectedSignature(err) {
			return partio.UploadResult{}, "", err
		}
		fields["status"] = http.StatusForbidden
		if attempt == maxUploadAttempts {
			tflog.Error(ctx, "part.io rejected the fresh signed upload URL too", fields)
			return partio.UploadResult{}, "", fmt.Errorf("part.io rejected the signed upload URL %d times, each time "+
				"with a freshly requested URL: %w", attempt, err)
		}
		tflog.Warn(ctx, "part.io rejected the signed upload URL; requesting a fresh one", fields)
	}
}

// isRejectedSignature reports whether err is a 403 response to an upload,
// which means that the storage rejected the signed URL.
func isRejectedSignature(err error) bool {
	var apiErr *partio.APIError
	return errors.As(err, &apiErr) && apiErr.SignedURL && apiErr.StatusCode == http.StatusForbidden
}

// stripQuery returns a URL without its query, which for a signed upload URL
// is the signature.
func stripQuery(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		before, _, _ := strings.Cut(raw, "?")
		return before
	}
	u.User = nil
	u.RawQuery = ""
	u.Fragment = ""
	return u.String()
}
