package provider

import (
	"context"
	"errors"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/partio/terraform-provider-partio/internal/partio"
)

var (
	_ datasource.DataSource              = (*renderJobDataSource)(nil)
	_ datasource.DataSourceWithConfigure = (*renderJobDataSource)(nil)
)

func newRenderJobDataSource() datasource.DataSource {
	return &renderJobDataSource{}
}

type renderJobDataSource struct {
	client *partio.Client
}

type renderJobDataSourceModel struct {
	ID        types.String  `tfsdk:"id"`
	Status    types.String  `tfsdk:"status"`
	URL       types.String  `tfsdk:"url"`
	CreatedAt types.String  `tfsdk:"created_at"`
	Nodes     types.Dynamic `tfsdk:"nodes"`
	Output    types.Object  `tfsdk:"output"`
}

func (d *renderJobDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_render_job"
}

func (d *renderJobDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Looks up an existing part.io render job by its id: its status, the video URL once " +
			"it is done, and the nodes and output it was submitted with. Reading a job never submits one and " +
			"does not wait for it.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "Job id assigned by part.io, such as `DPcM0BJV`.",
				Required:            true,
			},
			"status": schema.StringAttribute{
				MarkdownDescription: "Status of the job: `done` once rendered, `overlimit` when the account was " +
					"over its monthly limit, a failure such as `failed`, or another word, such as `queued`, while " +
					"the job waits or renders.",
				Computed: true,
			},
			"url": schema.StringAttribute{
				MarkdownDescription: "Address of the rendered video, set once the job is done; null before.",
				Computed:            true,
			},
			"created_at": schema.StringAttribute{
				MarkdownDescription: "Time the job was submitted, in RFC 3339 format (UTC).",
				Computed:            true,
			},
			"nodes": schema.DynamicAttribute{
				MarkdownDescription: "The job's graph, as a list of node objects with `id`, `type`, `inputs` and " +
					"`params`, in the form that the `nodes` attribute of `partio_render_job` takes.",
				Computed: true,
			},
			"output": schema.SingleNestedAttribute{
				MarkdownDescription: "What the job renders.",
				Computed:            true,
				Attributes: map[string]schema.Attribute{
					"node":     schema.StringAttribute{MarkdownDescription: "Id of the node that becomes the video.", Computed: true},
					"type":     schema.StringAttribute{MarkdownDescription: "Container format, such as `mp4`.", Computed: true},
					"fps":      schema.NumberAttribute{MarkdownDescription: "Frames per second.", Computed: true},
					"width":    schema.NumberAttribute{MarkdownDescription: "Width in pixels.", Computed: true},
					"height":   schema.NumberAttribute{MarkdownDescription: "Height in pixels.", Computed: true},
					"duration": schema.StringAttribute{MarkdownDescription: "Length as `HH:MM:SS`.", Computed: true},
					"name":     schema.StringAttribute{MarkdownDescription: "Label of the job.", Computed: true},
					"test":     schema.BoolAttribute{MarkdownDescription: "Whether the job renders in test mode.", Computed: true},
				},
			},
		},
	}
}

func (d *renderJobDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.client = clientFrom(req.ProviderData, &resp.Diagnostics)
}

func (d *renderJobDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var config renderJobDataSourceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if d.client == nil {
		addNotConfiguredError(&resp.Diagnostics)
		return
	}

	// Look the job up.
	id := config.ID.ValueString()
	if id == "" {
		resp.Diagnostics.AddAttributeError(path.Root("id"), "Invalid render job id",
			"`id` must be the id of a part.io job, such as \"DPcM0BJV\", not an empty string.")
		return
	}
	job, err := d.client.GetJob(ctx, id)
	if errors.Is(err, partio.ErrNotFound) {
		resp.Diagnostics.AddAttributeError(path.Root("id"), "Render job not found",
			fmt.Sprintf("part.io has no job with the id %q. Check the id, and that the provider's token "+
				"belongs to the account that submitted the job.", id))
		return
	}
	if err != nil {
		resp.Diagnostics.AddError("Unable to read render job", fmt.Sprintf("Reading job %s failed: %s", id, err))
		return
	}

	// Copy the job into the model.
	var model renderJobResourceModel
	resp.Diagnostics.Append(setJobDefinition(&model, job)...)
	if resp.Diagnostics.HasError() {
		return
	}
	setJobState(&model, job)
	config.Status = model.Status
	config.URL = model.URL
	config.CreatedAt = model.CreatedAt
	config.Nodes = model.Nodes
	config.Output = model.Output
	resp.Diagnostics.Append(resp.State.Set(ctx, &config)...)
}
