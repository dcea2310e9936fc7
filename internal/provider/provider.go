// Package provider implements the Terraform provider for part.io.
package provider

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/partio/terraform-provider-partio/internal/partio"
)

// Environment variables read when the provider block leaves a setting out.
const (
	envToken    = "PARTIO_TOKEN"
	envEndpoint = "PARTIO_ENDPOINT"
)

var _ provider.Provider = (*partioProvider)(nil)

// New returns a function that creates the provider, as providerserver
// expects. The version is the provider's release version, sent in the
// User-Agent of every API request.
func New(version string) func() provider.Provider {
	return func() provider.Provider {
		return &partioProvider{version: version}
	}
}

type partioProvider struct {
	version string
}

type partioProviderModel struct {
	Token             types.String  `tfsdk:"token"`
	Endpoint          types.String  `tfsdk:"endpoint"`
	MaxRetries        types.Int64   `tfsdk:"max_retries"`
	RequestTimeout    types.String  `tfsdk:"request_timeout"`
	RequestsPerSecond types.Float64 `tfsdk:"requests_per_second"`
}

func (p *partioProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "partio"
	resp.Version = p.version
}

func (p *partioProvider) Schema(_ context.Context, _ provider.SchemaRequest, resp *provider.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "[part.io](https://part.io) renders videos from a graph of elements (\"nodes\"): " +
			"maps, images, clips and HTML lower thirds, composed and cut together. This provider uploads the " +
			"media files a graph uses (`partio_asset`), submits render jobs and waits for them " +
			"(`partio_render_job`), and exposes the finished video URLs to the rest of the configuration. " +
			"The `partio_render_job` data source reads any job by its id.\n\n" +
			"**Retries.** " + retryRulesDescription,
		Attributes: map[string]schema.Attribute{
			"token": schema.StringAttribute{
				MarkdownDescription: "API token from the part.io account's API settings page. " +
					"When left out, the `" + envToken + "` environment variable is used.",
				Optional:  true,
				Sensitive: true,
			},
			"endpoint": schema.StringAttribute{
				MarkdownDescription: "Base address of the part.io API. When left out, the `" + envEndpoint +
					"` environment variable is used, and without it `" + partio.DefaultEndpoint + "`. " +
					"It must use `https`, except on a loopback host (`localhost`, `127.0.0.0/8`, `[::1]`), " +
					"where `http` is accepted for a local emulator.",
				Optional: true,
			},
			"max_retries": schema.Int64Attribute{
				MarkdownDescription: fmt.Sprintf("Number of times a failed API request is sent again, "+
					"from 0 (no retries) to %d. Defaults to `%d`. Which failures are retried is described under Retries above.",
					maxMaxRetries, partio.DefaultMaxRetries),
				Optional: true,
			},
			"request_timeout": schema.StringAttribute{
				MarkdownDescription: fmt.Sprintf("Time that one attempt of an API request may take until its "+
					"response has been read, as a duration such as `90s` or `2m`, at least `%s`. Defaults to `%s`. "+
					"For a file upload it counts from the moment the file has been sent, so that large files "+
					"are not cut off. An attempt that runs out of time is retried like a connection error.",
					minRequestTimeout, partio.DefaultRequestTimeout),
				Optional: true,
			},
			"requests_per_second": schema.Float64Attribute{
				MarkdownDescription: "Maximum rate at which the provider starts API requests, retries included, " +
					"shared by all resources. Fractions such as `0.5` are allowed. Defaults to `0`, which means no " +
					"limit: part.io's own 429 responses still slow the provider down.",
				Optional: true,
			},
		},
	}
}

func (p *partioProvider) Configure(ctx context.Context, req provider.ConfigureRequest, resp *provider.ConfigureResponse) {
	var config partioProviderModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}

	// Settings computed from other resources are not known while planning.
	if config.Token.IsUnknown() {
		resp.Diagnostics.AddAttributeError(path.Root("token"), "Unknown part.io API token",
			"The token depends on a value that is not known until apply, so the provider cannot be configured. "+
				"Set it to a known value, or set the "+envToken+" environment variable.")
	}
	if config.Endpoint.IsUnknown() {
		resp.Diagnostics.AddAttributeError(path.Root("endpoint"), "Unknown part.io API endpoint",
			"The endpoint depends on a value that is not known until apply, so the provider cannot be configured. "+
				"Set it to a known value, or set the "+envEndpoint+" environment variable.")
	}
	for name, value := range map[string]attr.Value{
		"max_retries":         config.MaxRetries,
		"request_timeout":     config.RequestTimeout,
		"requests_per_second": config.RequestsPerSecond,
	} {
		if value.IsUnknown() {
			resp.Diagnostics.AddAttributeError(path.Root(name), "Unknown "+name,
				fmt.Sprintf("`%s` depends on a value that is not known until apply, so the provider cannot be "+
					"configured. Set it to a known value or leave it out.", name))
		}
	}
	if resp.Diagnostics.HasError() {
		return
	}

	// Read each setting from the configuration, then the environment.
	token := os.Getenv(envToken)
	if !config.Token.IsNull() {
		token = config.Token.ValueString()
	}
	endpoint := os.Getenv(envEndpoint)
	if !config.Endpoint.IsNull() {
		endpoint = config.Endpoint.ValueString()
	}
	if endpoint == "" {
		endpoint = partio.DefaultEndpoint
	}

	if strings.TrimSpace(token) == "" {
		resp.Diagnostics.AddAttributeError(path.Root("token"), "Missing part.io API token",
			"The provider needs an API token to call part.io. Set `token` in the provider block, "+
				"or set the "+envToken+" environment variable. Tokens are created on the account's API settings page.")
		return
	}
	if err := checkEndpoint(endpoint); err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("endpoint"), "Invalid part.io API endpoint",
			fmt.Sprintf("The endpoint %q cannot be used: %s. Set `endpoint` in the provider block or the %s "+
				"environment variable to an https address such as %s, or to an http address on a loopback host "+
				"for a local emulator.", partio.RedactURL(endpoint), err, envEndpoint, partio.DefaultEndpoint))
		return
	}

	clientConfig := partio.Config{
		Endpoint:  endpoint,
		Token:     token,
		UserAgent: fmt.Sprintf("terraform-provider-partio/%s", p.version),
		AuthHelp:  authHelp,
		Logger:    tflogLogger{token: token},
	}
	resp.Diagnostics.Append(clientSettings(config, &clientConfig)...)
	if resp.Diagnostics.HasError() {
		return
	}
	client, err := partio.NewClient(clientConfig)
	if err != nil {
		resp.Diagnostics.AddError("Unable to create part.io API client", err.Error())
		return
	}
	tflog.Debug(ctx, "configured part.io API client", map[string]any{
		"endpoint":            endpoint,
		"max_retries":         clientConfig.Retry.MaxRetries,
		"request_timeout":     clientConfig.RequestTimeout.String(),
		"requests_per_second": clientConfig.RequestsPerSecond,
	})

	data := &providerData{client: client}
	resp.ResourceData = data
	resp.DataSourceData = data
}

// checkEndpoint accepts https addresses and http addresses on a loopback
// host, so that the token never crosses a network in clear text.
func checkEndpoint(endpoint string) error {
	u, err := url.Parse(endpoint)
	if err != nil {
		// The parse error repeats the whole URL, which may hold a password.
		var urlErr *url.Error
		if errors.As(err, &urlErr) {
			err = urlErr.Err
		}
		return fmt.Errorf("it is not a valid URL: %w", err)
	}
	if u.Host == "" {
		return fmt.Errorf("it has no host")
	}
	if u.RawQuery != "" || u.User != nil || u.Fragment != "" {
		return fmt.Errorf("it must not carry a query, a fragment or credentials")
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		if partio.IsLoopbackHost(u.Hostname()) {
			return nil
		}
		return fmt.Errorf("http is only accepted on a loopback host, because the token would be sent unencrypted")
	default:
		return fmt.Errorf("the scheme must be https")
	}
}

func (p *partioProvider) Resources(_ context.Context) []func() resource.Resource {
	return []func() resource.Resource{
		newAssetResource,
		newRenderJobResource,
	}
}

func (p *partioProvider) DataSources(_ context.Context) []func() datasource.DataSource {
	return []func() datasource.DataSource{
		newRenderJobDataSource,
	}
}

// providerData is the value that Configure passes to every resource and
// data source.
type providerData struct {
	client *partio.Client
}
