package provider

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/dynamicplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/objectplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/partio/terraform-provider-partio/internal/partio"
)

// defaultCreateTimeout bounds the wait for a render when the configuration
// sets no create timeout.
const defaultCreateTimeout = 60 * time.Minute

var (
	_ resource.Resource                   = (*renderJobResource)(nil)
	_ resource.ResourceWithConfigure      = (*renderJobResource)(nil)
	_ resource.ResourceWithValidateConfig = (*renderJobResource)(nil)
)

func newRenderJobResource() resource.Resource {
	return &renderJobResource{}
}

type renderJobResource struct {
	client *partio.Client
}

func (r *renderJobResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_render_job"
}

func (r *renderJobResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Submits a render job to part.io and waits until the video is rendered. " +
			"The job's graph of nodes and its output are fixed once submitted, so any change to them " +
			"submits a new job. part.io has no call to delete a job: destroying this resource only " +
			"removes it from the Terraform state.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "Job id assigned by part.io.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"nodes": schema.DynamicAttribute{
				MarkdownDescription: "The graph: a list of node objects, each with `id` (chosen by you, unique " +
					"within the job), `type` (the element, such as `Maps`), `inputs` (an object mapping an input " +
					"name to the id of the node that feeds it; `{}` for a source node) and `params` (an object of " +
					"element settings). Param values may be strings, numbers, booleans, lists or objects; they are " +
					"sent to part.io as the same JSON values. Changing the graph submits a new job.",
				Required:      true,
				PlanModifiers: []planmodifier.Dynamic{dynamicplanmodifier.RequiresReplace()},
			},
			"output": schema.SingleNestedAttribute{
				MarkdownDescription: "What to render. Changing it submits a new job.",
				Required:            true,
				PlanModifiers:       []planmodifier.Object{objectplanmodifier.RequiresReplace()},
				Attributes: map[string]schema.Attribute{
					"node": schema.StringAttribute{
						MarkdownDescription: "Id of the node whose picture and sound become the video.",
						Required:            true,
					},
					"type": schema.StringAttribute{
						MarkdownDescription: "Container format of the video. Defaults to `mp4`.",
						Optional:            true,
						Computed:            true,
						Default:             stringdefault.StaticString("mp4"),
					},
					"fps": schema.Int64Attribute{
						MarkdownDescription: "Frames per second.",
						Required:            true,
					},
					"width": schema.Int64Attribute{
						MarkdownDescription: "Width of the video in pixels.",
						Required:            true,
					},
					"height": schema.Int64Attribute{
						MarkdownDescription: "Height of the video in pixels.",
						Required:            true,
					},
					"duration": schema.StringAttribute{
						MarkdownDescription: "Length of the video as `HH:MM:SS`. part.io bills per rendered " +
							"second, with a minimum of 30 seconds per job.",
						Required: true,
					},
					"name": schema.StringAttribute{
						MarkdownDescription: "Label of the job. Defaults to an empty string.",
						Optional:            true,
						Computed:            true,
						Default:             stringdefault.StaticString(""),
					},
					"test": schema.BoolAttribute{
						MarkdownDescription: "Render in test mode: a watermarked, lower-resolution video that is " +
							"not billed and draws on the account's test minutes. Defaults to `false`.",
						Optional: true,
						Computed: true,
						Default:  booldefault.StaticBool(false),
					},
				},
			},
			"status": schema.StringAttribute{
				MarkdownDescription: "Status of the job as part.io last reported it: `done` once rendered.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"url": schema.StringAttribute{
				MarkdownDescription: "Address of the rendered video, set once the job is done.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"created_at": schema.StringAttribute{
				MarkdownDescription: "Time the job was submitted, in RFC 3339 format (UTC).",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"timeouts": timeouts.Attributes(ctx, timeouts.Opts{
				Create: true,
				CreateDescription: "How long to wait for the render after submitting the job, as a duration " +
					"string such as `30m` or `2h`. Defaults to `60m`.",
			}),
		},
	}
}

func (r *renderJobResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.client = clientFrom(req.ProviderData, &resp.Diagnostics)
}

// ValidateConfig checks the graph's shape before anything is sent. Values
// that are not known until apply are skipped here and checked at apply.
func (r *renderJobResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var config renderJobResourceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() || !isFullyKnown(config.Nodes) {
		return
	}
	nodes, diags := expandNodes(config.Nodes)
	resp.Diagnostics.Append(diags...)
	if diags.HasError() || config.Output.IsNull() || config.Output.IsUnknown() {
		return
	}

	outputNode, ok := config.Output.Attributes()["node"].(types.String)
	if !ok || outputNode.IsNull() || outputNode.IsUnknown() {
		return
	}
	for _, node := range nodes {
		if node.ID == outputNode.ValueString() {
			return
		}
	}
	resp.Diagnostics.AddAttributeError(path.Root("output").AtName("node"), "Unknown output node",
		fmt.Sprintf("`output.node` is %q, but no node has that id. Set it to the id of one of the nodes: %s.",
			outputNode.ValueString(), nodeIDList(nodes)))
}

func (r *renderJobResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan renderJobResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if r.client == nil {
		addNotConfiguredError(&resp.Diagnostics)
		return
	}

	// Build the job description; values unknown at plan time are known now.
	desc, diags := expandJobDescription(ctx, plan.Nodes, plan.Output)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}

	// Submit the job and record its id at once, so that a failed wait
	// leaves the job in state instead of losing track of it.
	id, err := r.client.SubmitJob(ctx, desc)
	if err != nil {
		resp.Diagnostics.AddError("Unable to submit render job",
			fmt.Sprintf("part.io did not accept the job: %s\n\nNo job id was returned, so nothing was saved in state. "+
				"If the request timed out after it was sent, a job may exist anyway; "+
				"check the account's jobs before applying again.", err))
		return
	}
	tflog.Info(ctx, "submitted render job", map[string]any{"job_id": id})
	plan.ID = types.StringValue(id)
	plan.Status = types.StringNull()
	plan.URL = types.StringNull()
	plan.CreatedAt = types.StringNull()
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}

	// Wait for the render within the create timeout.
	timeout, diags := plan.Timeouts.Create(ctx, defaultCreateTimeout)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	waitCtx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	job, waitErr := waitForJob(waitCtx, r.client, id)

	// Save what is known about the job, whatever the wait's outcome.
	if job != nil {
		setJobState(&plan, job)
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
	if waitErr != nil {
		addWaitError(resp, id, job, timeout, waitErr)
	}
}

// addWaitError explains why waiting for a submitted job failed and what the
// user can do next. The job's id is in state when this is called.
func addWaitError(resp *resource.CreateResponse, id string, job *partio.Job, timeout time.Duration, err error) {
	switch {
	case errors.Is(err, errJobFailed) && job != nil && job.Status == partio.StatusOverlimit:
		resp.Diagnostics.AddError("Render job over the monthly limit",
			fmt.Sprintf("part.io did not render job %s because the account is over its monthly usage limit. "+
				"The job was not charged. Raise the limit or wait for the next billing month, then run "+
				"`terraform apply` again: the resource is tainted, so a new job will be submitted.", id))
	case errors.Is(err, errJobFailed):
		resp.Diagnostics.AddError("Render job failed",
			fmt.Sprintf("part.io reported status %q for job %s. Check the job's graph and params, then run "+
				"`terraform apply` again: the resource is tainted, so a new job will be submitted.", job.Status, id))
	case errors.Is(err, context.DeadlineExceeded):
		resp.Diagnostics.AddError("Timed out waiting for render job",
			fmt.Sprintf("Job %s was submitted, but it was not done within the create timeout of %s. "+
				"Its id is saved in state and the resource is tainted. A plain `terraform apply` submits a new job. "+
				"To keep this job instead, wait until it has finished, then run `terraform untaint` on the "+
				"resource; the next refresh records the video URL. To wait longer next time, raise "+
				"`timeouts.create`.", id, timeout))
	case errors.Is(err, context.Canceled):
		resp.Diagnostics.AddError("Stopped waiting for render job",
			fmt.Sprintf("Job %s was submitted, but the wait was interrupted before it was done. "+
				"Its id is saved in state and the resource is tainted. A plain `terraform apply` submits a new job. "+
				"To keep this job instead, run `terraform untaint` on the resource once it has finished; "+
				"the next refresh records the video URL.", id))
	default:
		resp.Diagnostics.AddError("Unable to wait for render job",
			fmt.Sprintf("Job %s was submitted, but reading its status failed: %s\n\n"+
				"Its id is saved in state and the resource is tainted. A plain `terraform apply` submits a new job. "+
				"To keep this job instead, run `terraform untaint` on the resource once it has finished; "+
				"the next refresh records the video URL.", id, err))
	}
}

func (r *renderJobResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state renderJobResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if r.client == nil {
		addNotConfiguredError(&resp.Diagnostics)
		return
	}

	// Refresh the job's status; the definition in state stays as configured.
	job, err := r.client.GetJob(ctx, state.ID.ValueString())
	if errors.Is(err, partio.ErrNotFound) {
		resp.Diagnostics.AddWarning("Render job not found",
			fmt.Sprintf("part.io no longer knows job %s, so it was removed from the state. "+
				"The next apply submits a new job.", state.ID.ValueString()))
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		resp.Diagnostics.AddError("Unable to read render job",
			fmt.Sprintf("Reading job %s failed: %s", state.ID.ValueString(), err))
		return
	}
	setJobState(&state, job)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

// Update is never called with a change to apply, because every attribute
// that can change forces a new job. It only carries over the plan.
func (r *renderJobResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan renderJobResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

// Delete removes the job from state only, because part.io has no call to
// delete or cancel one.
func (r *renderJobResource) Delete(ctx context.Context, req resource.DeleteRequest, _ *resource.DeleteResponse) {
	var state renderJobResourceModel
	if diags := req.State.Get(ctx, &state); !diags.HasError() {
		tflog.Info(ctx, "removed render job from state; part.io keeps it", map[string]any{"job_id": state.ID.ValueString()})
	}
}

// setJobState copies the server's view of a job into the model.
func setJobState(model *renderJobResourceModel, job *partio.Job) {
	model.Status = types.StringValue(job.Status)
	model.URL = types.StringNull()
	if job.URL != "" {
		model.URL = types.StringValue(job.URL)
	}
	model.CreatedAt = types.StringNull()
	if !job.Created.IsZero() {
		model.CreatedAt = types.StringValue(job.Created.UTC().Format(time.RFC3339))
	}
}

// isFullyKnown reports whether a value and everything inside it is known.
func isFullyKnown(value attr.Value) bool {
	if value == nil {
		return true
	}
	if value.IsUnknown() {
		return false
	}
	if d, ok := value.(types.Dynamic); ok {
		if d.IsUnderlyingValueUnknown() {
			return false
		}
		return isFullyKnown(d.UnderlyingValue())
	}
	if fields, ok := objectFields(value); ok {
		for _, field := range fields {
			if !isFullyKnown(field) {
				return false
			}
		}
	}
	if elements, ok := listElements(value); ok {
		for _, element := range elements {
			if !isFullyKnown(element) {
				return false
			}
		}
	}
	return true
}

func nodeIDList(nodes []partio.Node) string {
	ids := ""
	for i, node := range nodes {
		if i > 0 {
			ids += ", "
		}
		ids += fmt.Sprintf("%q", node.ID)
	}
	return ids
}
