package provider

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/objectplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/partio/terraform-provider-partio/internal/partio"
)

// defaultWaitTimeout bounds the wait for a render when the configuration
// sets no create or update timeout.
const defaultWaitTimeout = 60 * time.Minute

var (
	_ resource.Resource                   = (*renderJobResource)(nil)
	_ resource.ResourceWithConfigure      = (*renderJobResource)(nil)
	_ resource.ResourceWithValidateConfig = (*renderJobResource)(nil)
	_ resource.ResourceWithModifyPlan     = (*renderJobResource)(nil)
	_ resource.ResourceWithImportState    = (*renderJobResource)(nil)
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
			"submits a new job, which part.io bills again (per rendered second, at least 30 seconds).\n\n" +
			"The graph is checked while planning, so a broken graph is never submitted. The job id is " +
			"returned to Terraform with the result of the apply, also a failed one, so it reaches the state. " +
			"The exception is a Terraform process that is killed (for example with SIGKILL) while it waits. " +
			"Then the only record of the id is the `submitted render job` line that `TF_LOG=INFO` shows, " +
			"and `terraform import` brings the job back.\n\n" +
			"A wait can fail because the create timeout passes, the job fails or goes over the monthly " +
			"limit, the run is interrupted, or part.io cannot be reached. The apply then fails, but the " +
			"resource stays in the state with its id and last status, marked as tainted. `terraform untaint` " +
			"on the resource followed by `terraform apply` waits for the same job again without submitting " +
			"a new one. A plain `terraform apply` submits a new job instead. A job that is not `done` when a " +
			"plan is made plans an in-place update that waits for it. A job that failed or went over the " +
			"limit is replaced.\n\n" +
			"part.io has no call to delete or cancel a job: destroying this resource only removes it from the " +
			"Terraform state, and part.io keeps the job and its video. An existing job can be imported by its " +
			"id, with `terraform import` or an `import` block.",
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
					"element settings; `{}` for none). All four keys are required, which keeps the value identical " +
					"to what an import rebuilds. Param values may be strings, numbers, booleans, lists or objects; " +
					"they are sent to part.io as the same JSON values, and `null` is sent as JSON `null`. Node " +
					"types and param names are not restricted, except that a string param whose name ends in " +
					"`duration` (such as `duration` or `fadeDuration`) must be a length in `HH:MM:SS` form; " +
					"this check covers the params of each node, not values nested inside them. While planning, the provider checks that " +
					"node ids are non-empty and unique, that every input names a node of the job, and that the " +
					"inputs form no cycle. Changing the graph submits a new job.",
				Required:      true,
				PlanModifiers: []planmodifier.Dynamic{nodesRequireReplace{}},
			},
			"output": schema.SingleNestedAttribute{
				MarkdownDescription: "What to render. Changing it submits a new job.",
				Required:            true,
				PlanModifiers:       []planmodifier.Object{objectplanmodifier.RequiresReplace()},
				Attributes: map[string]schema.Attribute{
					"node": schema.StringAttribute{
						MarkdownDescription: "Id of the node whose picture and sound become the video. It must be " +
							"the id of one of the nodes.",
						Required: true,
					},
					"type": schema.StringAttribute{
						MarkdownDescription: "Container format of the video. Defaults to `mp4`, which is also the " +
							"only accepted value, because it is the only container that part.io documents.",
						Optional: true,
						Computed: true,
						Default:  stringdefault.StaticString("mp4"),
					},
					"fps": schema.NumberAttribute{
						MarkdownDescription: "Frames per second, a whole number from 1 to 120.",
						Required:            true,
					},
					"width": schema.NumberAttribute{
						MarkdownDescription: "Width of the video in pixels, a whole number from 1 to 7680.",
						Required:            true,
					},
					"height": schema.NumberAttribute{
						MarkdownDescription: "Height of the video in pixels, a whole number from 1 to 7680.",
						Required:            true,
					},
					"duration": schema.StringAttribute{
						MarkdownDescription: "Length of the video as `HH:MM:SS`, two digits each, with minutes " +
							"and seconds below 60 and a length above `00:00:00`. part.io bills per rendered " +
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
				MarkdownDescription: "Status of the job as part.io last reported it: `done` once rendered, " +
					"`overlimit` when the account was over its monthly limit (not rendered, not charged), or a " +
					"failure such as `failed`. Any other word, such as `queued`, means the job is still waiting " +
					"or rendering.",
				Computed:      true,
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
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
					"string such as `30m` or `2h`. Defaults to `60m`. When it passes, the apply fails and the " +
					"job stays in the state, tainted: `terraform untaint` and another apply resume the wait.",
				Update: true,
				UpdateDescription: "How long an apply waits for a job that was in the state but not done yet, " +
					"for example after `terraform untaint`, as a duration string such as `30m`. Defaults to " +
					"`60m`. When it passes, the apply fails and the next apply waits again.",
			}),
		},
	}
}

func (r *renderJobResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.client = clientFrom(req.ProviderData, &resp.Diagnostics)
}

// ValidateConfig checks the job's definition before anything is sent.
// Values that are not known until apply are skipped here, and Create checks
// them before it submits the job.
func (r *renderJobResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var config renderJobResourceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(withNodePosition(validateJobDefinition(config.Nodes, config.Output))...)
	resp.Diagnostics.Append(validateTimeouts(config.Timeouts)...)
}

// validateTimeouts rejects a timeout of zero or less, which would submit a
// billed job and then give up waiting for it at once.
func validateTimeouts(value timeouts.Value) diag.Diagnostics {
	var diags diag.Diagnostics
	if value.IsNull() || value.IsUnknown() {
		return diags
	}
	for _, name := range []string{"create", "update"} {
		setting, ok := value.Attributes()[name].(types.String)
		if !ok || setting.IsNull() || setting.IsUnknown() {
			continue
		}
		duration, err := time.ParseDuration(setting.ValueString())
		if err == nil && duration <= 0 {
			diags.AddAttributeError(path.Root("timeouts").AtName(name), "Invalid timeout",
				fmt.Sprintf("`timeouts.%s` is %q, but it must be longer than zero, or the apply would give up "+
					"waiting for the job right after submitting it. Use a duration such as \"30m\", or leave it "+
					"out for the default of %s.", name, setting.ValueString(), defaultWaitTimeout))
		}
	}
	return diags
}

// withNodePosition starts the detail of each diagnostic about a nested
// attribute with that attribute's path, such as nodes[1].inputs["A"].
// Terraform shows such diagnostics at the resource block, so in a graph of
// many nodes the text is the only pointer to the node.
func withNodePosition(diags diag.Diagnostics) diag.Diagnostics {
	result := make(diag.Diagnostics, 0, len(diags))
	for _, d := range diags {
		withPath, ok := d.(diag.DiagnosticWithPath)
		if !ok || len(withPath.Path().Steps()) < 2 {
			result = append(result, d)
			continue
		}
		detail := fmt.Sprintf("At %s: %s", withPath.Path(), d.Detail())
		if d.Severity() == diag.SeverityWarning {
			result.AddAttributeWarning(withPath.Path(), d.Summary(), detail)
		} else {
			result.AddAttributeError(withPath.Path(), d.Summary(), detail)
		}
	}
	return result
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

	// Check the definition again, because values that were unknown at plan
	// time are known now, and part.io bills every job it accepts.
	resp.Diagnostics.Append(withNodePosition(validateJobDefinition(plan.Nodes, plan.Output))...)
	if resp.Diagnostics.HasError() {
		return
	}
	desc, diags := expandJobDescription(ctx, plan.Nodes, plan.Output)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, diags := plan.Timeouts.Create(ctx, defaultWaitTimeout)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}

	// Submit the job and record its id at once, so that a failed wait
	// leaves the job in state instead of losing track of it.
	id, err := r.client.SubmitJob(ctx, desc)
	if err != nil {
		detail := fmt.Sprintf("part.io did not accept the job: %s\n\nNo job was created, so nothing was saved in "+
			"state. Fix the cause above and apply again.", err)
		if partio.MayHaveCreatedJob(err) {
			detail = fmt.Sprintf("Submitting the job failed: %s\n\nNo job id came back, so nothing was saved in "+
				"state. Another apply submits the job again, which is a second billed job if part.io did "+
				"create this one.", err)
		}
		resp.Diagnostics.AddError("Unable to submit render job", detail)
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

	// Wait for the render, then save what is known whatever the outcome.
	r.waitAndSave(ctx, &plan, timeout, waitAfterCreate, &resp.State, &resp.Diagnostics)
}

// waitAndSave waits for the job in model within timeout, saves the job's
// last known state to state, and reports a failed wait.
func (r *renderJobResource) waitAndSave(ctx context.Context, model *renderJobResourceModel, timeout time.Duration,
	phase waitPhase, state *tfsdk.State, diags *diag.Diagnostics) {
	id := model.ID.ValueString()
	waitCtx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	job, err := newJobWaiter(r.client).wait(waitCtx, id)

	if job != nil {
		setJobState(model, job)
	}
	diags.Append(state.Set(ctx, model)...)
	if err != nil {
		addWaitError(diags, phase, id, job, timeout, err)
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

	// Refresh the job's status.
	id := state.ID.ValueString()
	job, err := r.client.GetJob(ctx, id)
	if errors.Is(err, partio.ErrNotFound) {
		resp.Diagnostics.AddWarning("Render job not found",
			fmt.Sprintf("part.io no longer knows job %s, so it is removed from the state. "+
				"The next apply submits a new job.", id))
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		resp.Diagnostics.AddError("Unable to read render job",
			fmt.Sprintf("Reading job %s failed: %s", id, err))
		return
	}

	// The definition stays as configured, except on import, where the
	// state holds only the id and the definition comes from part.io.
	if state.Nodes.IsNull() {
		resp.Diagnostics.Append(setJobDefinition(&state, job)...)
		if resp.Diagnostics.HasError() {
			return
		}
	}
	setJobState(&state, job)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

// Update waits for a job that was not done when the plan was made, such as
// a job whose create timed out and that `terraform untaint` kept. It never
// submits a job, because a change to the JSON that part.io would receive
// forces a new resource.
func (r *renderJobResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state renderJobResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if r.client == nil {
		addNotConfiguredError(&resp.Diagnostics)
		return
	}

	// The job is the one in the state. Only timeouts, and the type of nodes
	// without a change to their JSON, change in place.
	plan.ID = state.ID
	plan.Status = state.Status
	plan.URL = state.URL
	plan.CreatedAt = state.CreatedAt
	if state.Status.ValueString() == partio.StatusDone {
		resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
		return
	}

	// Wait for the same job again.
	timeout, diags := plan.Timeouts.Update(ctx, defaultWaitTimeout)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	tflog.Info(ctx, "resuming the wait for render job", map[string]any{
		"job_id": state.ID.ValueString(), "status": state.Status.ValueString(),
	})
	r.waitAndSave(ctx, &plan, timeout, waitAfterUpdate, &resp.State, &resp.Diagnostics)
}

// Delete removes the job from state only, because part.io has no call to
// delete or cancel one.
func (r *renderJobResource) Delete(ctx context.Context, req resource.DeleteRequest, _ *resource.DeleteResponse) {
	var state renderJobResourceModel
	if diags := req.State.Get(ctx, &state); !diags.HasError() {
		tflog.Info(ctx, "removed render job from state; part.io keeps it", map[string]any{"job_id": state.ID.ValueString()})
	}
}

// ImportState records the job id; Read then fills in the definition from
// the job description that part.io returns.
func (r *renderJobResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	resource.ImportStatePassthroughID(ctx, path.Root("id"), req, resp)
}

// setJobDefinition copies the job description that part.io returned into
// the model's nodes and output.
func setJobDefinition(model *renderJobResourceModel, job *partio.Job) diag.Diagnostics {
	var diags diag.Diagnostics
	if job.Description == nil {
		diags.AddError("Unable to read render job definition",
			fmt.Sprintf("part.io returned a description of job %s that is not a valid job description, so the "+
				"job's nodes and output cannot be rebuilt: %q", job.ID, truncate(job.RawDescription, 200)))
		return diags
	}
	nodes, err := flattenNodes(job.Description.Nodes)
	if err != nil {
		diags.AddError("Unable to read render job definition",
			fmt.Sprintf("The nodes of job %s cannot be converted to Terraform values: %s", job.ID, err))
		return diags
	}
	model.Nodes = nodes
	model.Output = flattenOutput(job.Description.Output)
	return diags
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

// truncate shortens text to at most limit runes, marking a cut with "...".
func truncate(text string, limit int) string {
	runes := []rune(text)
	if len(runes) <= limit {
		return text
	}
	return string(runes[:limit]) + "..."
}
