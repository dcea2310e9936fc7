package provider

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/partio/terraform-provider-partio/internal/partio"
)

// Bounds of the request settings of the provider block.
const (
	maxMaxRetries     = 20
	minRequestTimeout = time.Second
)

// authHelp is added to the error for a token that part.io rejected.
const authHelp = "set `token` in the provider block or the " + envToken +
	" environment variable to a token from the part.io account's API settings page"

// retryRulesDescription explains in the provider's documentation which
// failures are retried.
var retryRulesDescription = fmt.Sprintf("Every API request is retried by the same rules. "+
	"A status request and a file upload are retried after a connection error, a request timeout, "+
	"or the statuses 429, 500, 502, 503 and 504. A request that submits a job or asks for an upload URL "+
	"is retried only when no connection could be made or part.io responded 429 or 503, because after any "+
	"other failure part.io may have acted on it, and a job submitted twice is billed twice. Such an error "+
	"says that a job may exist. The wait before a retry starts at %s and doubles up to %s, with random "+
	"jitter, and is at least as long as a `Retry-After` header requests. A 429 response, or any response with "+
	"`Retry-After`, holds back every request of the provider for that wait. No retry starts after the "+
	"operation's deadline, such as a create timeout.", partio.DefaultBaseWait, partio.DefaultMaxWait)

// clientSettings reads the request settings of the provider block into
// cfg, reporting invalid values against their attribute.
func clientSettings(config partioProviderModel, cfg *partio.Config) diag.Diagnostics {
	var diags diag.Diagnostics

	policy := partio.DefaultRetryPolicy()
	if !config.MaxRetries.IsNull() {
		retries := config.MaxRetries.ValueInt64()
		if retries < 0 || retries > maxMaxRetries {
			diags.AddAttributeError(path.Root("max_retries"), "Invalid max_retries",
				fmt.Sprintf("`max_retries` is %d, but it must be between 0 and %d. Set it to 0 to turn retries off.",
					retries, maxMaxRetries))
		}
		policy.MaxRetries = int(retries)
	}
	cfg.Retry = &policy

	cfg.RequestTimeout = partio.DefaultRequestTimeout
	if !config.RequestTimeout.IsNull() {
		value := config.RequestTimeout.ValueString()
		timeout, err := time.ParseDuration(value)
		switch {
		case err != nil:
			diags.AddAttributeError(path.Root("request_timeout"), "Invalid request_timeout",
				fmt.Sprintf("`request_timeout` is %q, which is not a duration. Write it as a number with a unit, "+
					"such as \"90s\" or \"2m\".", value))
		case timeout < minRequestTimeout:
			diags.AddAttributeError(path.Root("request_timeout"), "Invalid request_timeout",
				fmt.Sprintf("`request_timeout` is %q, but it must be at least %s.", value, minRequestTimeout))
		default:
			cfg.RequestTimeout = timeout
		}
	}

	if !config.RequestsPerSecond.IsNull() {
		rate := config.RequestsPerSecond.ValueFloat64()
		if rate < 0 {
			diags.AddAttributeError(path.Root("requests_per_second"), "Invalid requests_per_second",
				fmt.Sprintf("`requests_per_second` is %g, but it must not be negative. Set it to 0 for no limit.", rate))
		}
		cfg.RequestsPerSecond = rate
	}
	return diags
}

// tflogLogger passes the API client's log records to tflog, masking the
// token in case a message or field should ever contain it.
type tflogLogger struct {
	token string
}

func (l tflogLogger) Debug(ctx context.Context, msg string, fields map[string]any) {
	tflog.Debug(l.mask(ctx), msg, fields)
}

func (l tflogLogger) Warn(ctx context.Context, msg string, fields map[string]any) {
	tflog.Warn(l.mask(ctx), msg, fields)
}

func (l tflogLogger) mask(ctx context.Context) context.Context {
	ctx = tflog.MaskMessageStrings(ctx, l.token)
	return tflog.MaskAllFieldValuesStrings(ctx, l.token)
}
