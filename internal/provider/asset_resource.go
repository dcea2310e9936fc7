package provider

import (
	"context"
	"fmt"
	"mime"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64planmodifier"
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
	ID          types.String `tfsdk:"id"`
	Source      types.String `tfsdk:"source"`
	Filename    types.String `tfsdk:"filename"`
	ContentType types.String `tfsdk:"content_type"`
	URL         types.String `tfsdk:"url"`
	Size        types.Int64  `tfsdk:"size"`
	SHA256      types.String `tfsdk:"sha256"`
}

func (r *assetResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_asset"
}

func (r *assetResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	useState := []planmodifier.String{stringplanmodifier.UseStateForUnknown()}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Uploads a local file to part.io, where render jobs refer to it by its file name. " +
			"The file is streamed, never read whole into memory. part.io has no call to read or delete an " +
			"uploaded file: refreshing keeps the values recorded at upload, and destroying this resource only " +
			"removes it from the Terraform state.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "Same as `url`.",
				Computed:            true,
				PlanModifiers:       useState,
			},
			"source": schema.StringAttribute{
				MarkdownDescription: "Path of the local file to upload, relative to the directory Terraform runs in " +
					"(use `${path.module}/...` inside a module). Changing it uploads the file again.",
				Required:      true,
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"filename": schema.StringAttribute{
				MarkdownDescription: "Name of the file on part.io, which render jobs use to refer to it. " +
					"Defaults to the base name of `source`. It must not contain `/` or `\\`. " +
					"Changing it uploads the file again.",
				Optional: true,
				Computed: true,
			},
			"content_type": schema.StringAttribute{
				MarkdownDescription: "MIME type declared for the file, such as `video/mp4`. Defaults to the type " +
					"that the extension of `filename` implies, or `" + defaultContentType + "` for an unknown " +
					"extension. Changing it uploads the file again.",
				Optional: true,
				Computed: true,
			},
			"url": schema.StringAttribute{
				MarkdownDescription: "Address where the file was stored: the signed upload URL without its query.",
				Computed:            true,
				PlanModifiers:       useState,
			},
			"size": schema.Int64Attribute{
				MarkdownDescription: "Number of bytes uploaded.",
				Computed:            true,
				PlanModifiers:       []planmodifier.Int64{int64planmodifier.UseStateForUnknown()},
			},
			"sha256": schema.StringAttribute{
				MarkdownDescription: "SHA-256 of the uploaded bytes, in lowercase hex.",
				Computed:            true,
				PlanModifiers:       useState,
			},
		},
	}
}

func (r *assetResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.client = clientFrom(req.ProviderData, &resp.Diagnostics)
}

func (r *assetResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var config assetResourceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}

	if !config.Source.IsNull() && !config.Source.IsUnknown() && config.Source.ValueString() == "" {
		resp.Diagnostics.AddAttributeError(path.Root("source"), "Invalid source",
			"`source` is empty. Set it to the path of the file to upload.")
	}
	if !config.Filename.IsNull() && !config.Filename.IsUnknown() {
		if problem := checkFilename(config.Filename.ValueString()); problem != "" {
			resp.Diagnostics.AddAttributeError(path.Root("filename"), "Invalid filename",
				fmt.Sprintf("`filename` is %q: %s.", config.Filename.ValueString(), problem))
		}
	}
	if !config.ContentType.IsNull() && !config.ContentType.IsUnknown() {
		if problem := checkContentType(config.ContentType.ValueString()); problem != "" {
			resp.Diagnostics.AddAttributeError(path.Root("content_type"), "Invalid content_type",
				fmt.Sprintf("`content_type` is %q, which is not a MIME type: %s. Use a value such as \"video/mp4\", "+
					"or leave it out to detect it from the file name.", config.ContentType.ValueString(), problem))
		}
	}
}

// checkContentType returns what is wrong with a MIME type, or "".
func checkContentType(value string) string {
	mediaType, _, err := mime.ParseMediaType(value)
	if err != nil {
		return err.Error()
	}
	kind, subtype, ok := strings.Cut(mediaType, "/")
	if !ok || kind == "" || subtype == "" {
		return "it must have the form type/subtype"
	}
	return ""
}

// checkFilename returns what is wrong with a file name, or "".
func checkFilename(name string) string {
	switch {
	case name == "":
		return "it must not be empty"
	case strings.ContainsAny(name, `/\`):
		return "it must be a plain file name without `/` or `\\`; the directory part of `source` is not uploaded"
	case name == "." || name == "..":
		return "it must name a file"
	}
	return ""
}

// ModifyPlan fills in the default file name and content type, so that the
// plan shows them, plans a new upload when either differs from the stored
// one, and checks that the source file can be read.
func (r *assetResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() {
		return
	}
	var plan, config assetResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}

	// Derive the defaults from values known at plan time.
	if config.Filename.IsNull() {
		plan.Filename = types.StringUnknown()
		if !plan.Source.IsUnknown() {
			plan.Filename = types.StringValue(filepath.Base(plan.Source.ValueString()))
		}
	}
	if config.ContentType.IsNull() {
		plan.ContentType = types.StringUnknown()
		if !plan.Filename.IsUnknown() {
			plan.ContentType = types.StringValue(contentTypeFor(plan.Filename.ValueString()))
		}
	}

	// Check the file that will be uploaded.
	if !plan.Source.IsUnknown() {
		if problem := checkSourceFile(plan.Source.ValueString()); problem != "" {
			resp.Diagnostics.AddAttributeError(path.Root("source"), "Invalid source", problem)
			return
		}
	}

	// A different name or content type means a new upload.
	if !req.State.Raw.IsNull() {
		var state assetResourceModel
		resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
		if resp.Diagnostics.HasError() {
			return
		}
		if !plan.Filename.Equal(state.Filename) {
			resp.RequiresReplace = append(resp.RequiresReplace, path.Root("filename"))
		}
		if !plan.ContentType.Equal(state.ContentType) {
			resp.RequiresReplace = append(resp.RequiresReplace, path.Root("content_type"))
		}
	}
	resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
}

// checkSourceFile returns what prevents uploading the file, or "".
func checkSourceFile(source string) string {
	info, err := os.Stat(source)
	switch {
	case os.IsNotExist(err):
		return fmt.Sprintf("The file %q does not exist. Check the path; relative paths start at the directory "+
			"Terraform runs in, so use \"${path.module}/...\" inside a module.", source)
	case err != nil:
		return fmt.Sprintf("The file %q cannot be read: %v.", source, err)
	case info.IsDir():
		return fmt.Sprintf("%q is a directory. Set `source` to a file; upload each file with its own resource.", source)
	case !info.Mode().IsRegular():
		return fmt.Sprintf("%q is not a regular file. Set `source` to a file.", source)
	}
	file, err := os.Open(source)
	if err != nil {
		return fmt.Sprintf("The file %q cannot be opened: %v. Check its permissions.", source, err)
	}
	_ = file.Close()
	return ""
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

	// Values unknown at plan time are known now; fill in their defaults.
	source := plan.Source.ValueString()
	if plan.Filename.IsUnknown() {
		plan.Filename = types.StringValue(filepath.Base(source))
	}
	if plan.ContentType.IsUnknown() {
		plan.ContentType = types.StringValue(contentTypeFor(plan.Filename.ValueString()))
	}
	if problem := checkFilename(plan.Filename.ValueString()); problem != "" {
		resp.Diagnostics.AddAttributeError(path.Root("filename"), "Invalid filename",
			fmt.Sprintf("The file name %q cannot be used: %s.", plan.Filename.ValueString(), problem))
		return
	}
	filename, contentType := plan.Filename.ValueString(), plan.ContentType.ValueString()

	// Request a signed URL, then stream the file to it.
	signedURL, err := r.client.RequestUploadURL(ctx, filename, contentType)
	if err != nil {
		resp.Diagnostics.AddError("Unable to request upload URL",
			fmt.Sprintf("part.io did not return an upload URL for %q: %s", filename, err))
		return
	}
	result, err := r.client.UploadFile(ctx, signedURL, contentType, source)
	if err != nil {
		resp.Diagnostics.AddError("Unable to upload file",
			fmt.Sprintf("Uploading %q as %q failed: %s\n\nNothing was saved in state; the next apply uploads the file again.",
				source, filename, err))
		return
	}
	stored := stripQuery(signedURL)
	tflog.Info(ctx, "uploaded asset", map[string]any{"filename": filename, "size": result.Size, "url": stored})

	plan.ID = types.StringValue(stored)
	plan.URL = types.StringValue(stored)
	plan.Size = types.Int64Value(result.Size)
	plan.SHA256 = types.StringValue(result.SHA256)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

// Read keeps the state as it is: part.io has no call to read an uploaded
// file back.
func (r *assetResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state assetResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

// Update is never called with a change to apply, because every attribute
// that can change forces a new upload. It only carries over the plan.
func (r *assetResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan assetResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
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

// stripQuery returns a URL without its query, which for a signed upload URL
// is the signature.
func stripQuery(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		before, _, _ := strings.Cut(raw, "?")
		return before
	}
	u.RawQuery = ""
	u.Fragment = ""
	return u.String()
}
