package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/partio/terraform-provider-partio/internal/partio"
)

var (
	_ resource.Resource                   = (*assetResource)(nil)
	_ resource.ResourceWithConfigure      = (*assetResource)(nil)
	_ resource.ResourceWithValidateConfig = (*assetResource)(nil)
	_ resource.ResourceWithModifyPlan     = (*assetResource)(nil)
)

func newAssetResource() resource.Resource {
	return &assetResource{}
}

type assetResource struct {
	client *partio.Client
}

type assetResourceModel struct {
	ID            types.String `tfsdk:"id"`
	Source        types.String `tfsdk:"source"`
	Content       types.String `tfsdk:"content"`
	ContentBase64 types.String `tfsdk:"content_base64"`
	Filename      types.String `tfsdk:"filename"`
	ContentType   types.String `tfsdk:"content_type"`
	URL           types.String `tfsdk:"url"`
	Size          types.Int64  `tfsdk:"size"`
	SHA256        types.String `tfsdk:"sha256"`
}

func (r *assetResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_asset"
}

func (r *assetResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	useState := []planmodifier.String{stringplanmodifier.UseStateForUnknown()}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Uploads a file to part.io, where render jobs refer to it by its file name. " +
			"The bytes come from exactly one of `source` (a local file, streamed from disk and never read " +
			"whole into memory), `content` (UTF-8 text) and `content_base64`. Empty assets are rejected.\n\n" +
			"**Change detection.** Every plan computes the SHA-256 of the bytes, reading `source` in small " +
			"pieces, and compares it with `sha256`, the hash of the uploaded bytes. A different hash, " +
			"`filename` or `content_type` plans a new upload, which replaces this resource. A file that was " +
			"only touched, or a `source` path that changed to a file with the same bytes and file name, plans " +
			"no upload. When `source` is not known until apply, the plan shows `sha256` and `size` as unknown " +
			"and plans a new upload.\n\n" +
			"**Read.** part.io has no call to read an uploaded file back, so a refresh keeps the values " +
			"recorded at upload and cannot notice a file that changed on part.io. If the `source` file is " +
			"missing at a later plan, the plan warns on `source` and plans no change to the asset; the " +
			"uploaded copy on part.io is unaffected, and destroying the resource still works.\n\n" +
			"**Destroy and import.** part.io has no call to delete an uploaded file, so destroying this " +
			"resource only removes it from the Terraform state. Import is not supported: part.io has no " +
			"call to read a file back, so an import could not fill in the file's `sha256`, `size` or " +
			"`content_type`, nor check that the file exists.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "Same as `url`.",
				Computed:            true,
				PlanModifiers:       useState,
			},
			"source": schema.StringAttribute{
				MarkdownDescription: "Path of a local file to upload, relative to the directory Terraform runs in " +
					"(use `${path.module}/...` inside a module). Every plan reads the file to compute its SHA-256, " +
					"so new bytes plan a new upload, while a new path to a file with the same bytes and file name " +
					"does not. The file must exist, be readable and not be empty when it is uploaded; if it is deleted " +
					"later, the plan warns and plans no change to the asset. Exactly one of `source`, `content` and `content_base64` must be set.",
				Optional: true,
			},
			"content": schema.StringAttribute{
				MarkdownDescription: "UTF-8 text to upload, such as an HTML lower third or subtitles. Requires " +
					"`filename`. The text is kept in the Terraform state. Exactly one of `source`, `content` and " +
					"`content_base64` must be set; changing the text uploads it again.",
				Optional: true,
			},
			"content_base64": schema.StringAttribute{
				MarkdownDescription: "Bytes to upload, base64-encoded with the standard alphabet and padding, as " +
					"`base64encode()` and `filebase64()` write them. Requires `filename`. The encoded bytes are " +
					"kept in the Terraform state, so use `source` for large media. Exactly one of `source`, " +
					"`content` and `content_base64` must be set; changing the bytes uploads them again.",
				Optional: true,
			},
			"filename": schema.StringAttribute{
				MarkdownDescription: "Name of the file on part.io, which render jobs use to refer to it. " +
					"Required with `content` and `content_base64`; defaults to the base name of `source`. " +
					"It must not contain `/` or `\\`. Changing it uploads the file again.",
				Optional: true,
				Computed: true,
			},
			"content_type": schema.StringAttribute{
				MarkdownDescription: "MIME type declared for the file, such as `video/mp4`. When left out, the " +
					"plan shows the detected type: the one that the extension of `filename` implies, from a " +
					"fixed table that is the same on every machine, or else the one that Go's " +
					"`http.DetectContentType` finds in the first 512 bytes (the WHATWG MIME sniffing algorithm), " +
					"which is `" + defaultContentType + "` for bytes it does not recognize. Changing it " +
					"uploads the file again.",
				Optional: true,
				Computed: true,
			},
			"url": schema.StringAttribute{
				MarkdownDescription: "Address where the file was stored: the signed upload URL without its query.",
				Computed:            true,
				PlanModifiers:       useState,
			},
			"size": schema.Int64Attribute{
				MarkdownDescription: "Number of bytes. The plan computes it from the current bytes, and " +
					"after apply it is the number of bytes uploaded.",
				Computed: true,
			},
			"sha256": schema.StringAttribute{
				MarkdownDescription: "SHA-256 of the bytes, in lowercase hex. The plan computes it from the " +
					"current bytes and plans a new upload when it differs from the hash of the uploaded bytes. " +
					"If `source` changes after the plan, the apply stops before uploading, with Terraform's " +
					"error that the provider produced an inconsistent final plan for `sha256`. If it changes " +
					"during the upload, the apply fails because the sent bytes do not have the planned hash. " +
					"Plan again in either case.",
				Computed: true,
			},
		},
	}
}

func (r *assetResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.client = clientFrom(req.ProviderData, &resp.Diagnostics)
}

func (r *assetResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan assetResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if r.client == nil {
		addNotConfiguredError(&resp.Diagnostics)
		return
	}

	// ModifyPlan runs again at apply time, when every value in the
	// configuration is known, so it has filled in all of these.
	content, ok := contentOf(&plan)
	if !ok || plan.Filename.IsUnknown() || plan.ContentType.IsUnknown() || plan.SHA256.IsUnknown() {
		resp.Diagnostics.AddError("Unable to upload asset",
			"The plan left the asset's bytes, file name, content type or SHA-256 unknown at apply time. "+
				"This is a bug in the provider; please report it.")
		return
	}
	filename, contentType := plan.Filename.ValueString(), plan.ContentType.ValueString()
	body, err := content.body()
	if err != nil {
		resp.Diagnostics.AddAttributeError(content.attribute, "Unable to upload asset",
			fmt.Sprintf("Reading %s failed: %s\n\nNothing was uploaded.", describeContent(content), err))
		return
	}

	// Upload the bytes to a signed URL.
	result, stored, err := uploadAsset(ctx, r.client, filename, contentType, body)
	if err != nil {
		resp.Diagnostics.AddError("Unable to upload asset",
			fmt.Sprintf("Uploading %s as %q failed: %s\n\nNothing was saved in state; the next apply uploads it again.",
				describeContent(content), filename, err))
		return
	}
	tflog.Info(ctx, "uploaded asset", map[string]any{
		"filename": filename, "size": result.Size, "sha256": result.SHA256, "url": stored,
	})

	// Check that the bytes sent are the ones the plan showed.
	if result.SHA256 != plan.SHA256.ValueString() {
		resp.Diagnostics.AddAttributeError(content.attribute, "Unable to upload asset",
			fmt.Sprintf("%s changed between plan and apply: the plan computed %d bytes with SHA-256 %s, but "+
				"the upload sent %d bytes with SHA-256 %s. part.io now stores the sent bytes as %q, but they are "+
				"not recorded in the state. Run the apply again once the file stays unchanged; it plans an "+
				"upload of the current bytes.",
				upperFirst(describeContent(content)), plan.Size.ValueInt64(), plan.SHA256.ValueString(),
				result.Size, result.SHA256, filename))
		return
	}

	plan.ID = types.StringValue(stored)
	plan.URL = types.StringValue(stored)
	plan.Size = types.Int64Value(result.Size)
	plan.SHA256 = types.StringValue(result.SHA256)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

// describeContent names where the asset's bytes come from, for messages.
func describeContent(content assetContent) string {
	if content.isSource() {
		return fmt.Sprintf("the file %q", content.value.ValueString())
	}
	return "the bytes of `" + content.attribute.String() + "`"
}

// upperFirst capitalizes the first letter of an ASCII message.
func upperFirst(text string) string {
	if text == "" || text[0] < 'a' || text[0] > 'z' {
		return text
	}
	return string(text[0]-'a'+'A') + text[1:]
}

// Read keeps the state as it is, because part.io has no call to read an
// uploaded file back. Changes to the local bytes are found by ModifyPlan,
// which hashes them at every plan.
func (r *assetResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state assetResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

// Update records a new way to give the same bytes, such as another
// `source` path to a file with the same SHA-256. ModifyPlan plans a new
// upload for any change to the bytes, file name or content type, so the
// uploaded file stays as it is.
func (r *assetResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state assetResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	plan.ID = state.ID
	plan.URL = state.URL
	plan.Size = state.Size
	plan.SHA256 = state.SHA256
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

// Delete removes the file from state only, because part.io has no call to
// delete one.
func (r *assetResource) Delete(ctx context.Context, req resource.DeleteRequest, _ *resource.DeleteResponse) {
	var state assetResourceModel
	if diags := req.State.Get(ctx, &state); !diags.HasError() {
		tflog.Info(ctx, "removed asset from state; part.io keeps the file", map[string]any{"url": state.URL.ValueString()})
	}
}
