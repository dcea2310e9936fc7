package provider

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"mime"
	"os"
	"path/filepath"
	"strings"
	"unicode"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// ValidateConfig checks the values that are known before planning: that
// exactly one way to give the bytes is set, that the file name is plain,
// and that the content type is a MIME type. ModifyPlan checks the file.
func (r *assetResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var config assetResourceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}

	// Exactly one of source, content and content_base64.
	var set []string
	for _, candidate := range []struct {
		name  string
		value types.String
	}{{"source", config.Source}, {"content", config.Content}, {"content_base64", config.ContentBase64}} {
		if !candidate.value.IsNull() {
			set = append(set, candidate.name)
		}
	}
	switch {
	case len(set) == 0:
		resp.Diagnostics.AddAttributeError(path.Root("source"), "Invalid source",
			"None of `source`, `content` and `content_base64` is set. Set exactly one of them: `source` to the "+
				"path of a file, `content` to UTF-8 text, or `content_base64` to base64-encoded bytes.")
	case len(set) > 1:
		for _, name := range set[1:] {
			resp.Diagnostics.AddAttributeError(path.Root(name), "Invalid "+name,
				fmt.Sprintf("`%s` is set together with %s, but an asset takes its bytes from exactly one of "+
					"`source`, `content` and `content_base64`. Remove all but one of them.",
					name, describeSetAttribute(set[0], config)))
		}
	}

	// The file name: required unless source gives the default.
	if config.Filename.IsNull() && config.Source.IsNull() && (!config.Content.IsNull() || !config.ContentBase64.IsNull()) {
		resp.Diagnostics.AddAttributeError(path.Root("filename"), "Invalid filename",
			"`filename` is not set. It is required with `content` and `content_base64`, because there is no "+
				"file to take the name from. Set it to the name that render jobs use, such as \"lower-third.html\".")
	}
	if !config.Filename.IsNull() && !config.Filename.IsUnknown() {
		if problem := checkFilename(config.Filename.ValueString()); problem != "" {
			resp.Diagnostics.AddAttributeError(path.Root("filename"), "Invalid filename",
				fmt.Sprintf("`filename` is %q: %s.", config.Filename.ValueString(), problem))
		}
	}

	// Values that can be checked without reading a file.
	if !config.Source.IsNull() && !config.Source.IsUnknown() && config.Source.ValueString() == "" {
		resp.Diagnostics.AddAttributeError(path.Root("source"), "Invalid source",
			"`source` is empty. Set it to the path of the file to upload.")
	}
	for _, content := range []assetContent{
		{path.Root("content"), config.Content},
		{path.Root("content_base64"), config.ContentBase64},
	} {
		if content.value.IsNull() || content.value.IsUnknown() {
			continue
		}
		if _, problem := content.digest(); problem != "" {
			resp.Diagnostics.AddAttributeError(content.attribute, "Invalid "+content.attribute.String(), problem)
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

// describeSetAttribute names an attribute for a conflict message, with its
// value when that is a short path.
func describeSetAttribute(name string, config assetResourceModel) string {
	if name == "source" && !config.Source.IsUnknown() {
		return fmt.Sprintf("`source` (%q)", config.Source.ValueString())
	}
	return "`" + name + "`"
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
	case strings.IndexFunc(name, unicode.IsControl) >= 0:
		return "it must not contain control characters such as a line break or a tab"
	case name == "." || name == "..":
		return "it must name a file"
	}
	return ""
}

// ModifyPlan computes what the plan shows about the bytes: their SHA-256
// and size, the default file name and the detected content type. It plans
// a new upload when the hash, the file name or the content type differs
// from the uploaded one, and reports a source file that cannot be uploaded.
func (r *assetResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	// A destroy plan reads no file, so it works after the file is gone.
	if req.Plan.Raw.IsNull() {
		return
	}
	var plan, config assetResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}
	var state *assetResourceModel
	if !req.State.Raw.IsNull() {
		state = &assetResourceModel{}
		resp.Diagnostics.Append(req.State.Get(ctx, state)...)
		if resp.Diagnostics.HasError() {
			return
		}
	}
	content, ok := contentOf(&plan)
	if !ok {
		// ValidateConfig has reported the missing source.
		return
	}

	// A directory gets its own error before its base name is checked.
	if content.isSource() && !content.value.IsUnknown() {
		if info, err := os.Stat(content.value.ValueString()); err == nil && info.IsDir() {
			resp.Diagnostics.AddAttributeError(path.Root("source"), "Invalid source",
				directorySourceProblem(content.value.ValueString()))
			return
		}
	}

	// The default file name is the base name of source.
	if config.Filename.IsNull() && content.isSource() {
		plan.Filename = types.StringUnknown()
		if !content.value.IsUnknown() {
			plan.Filename = types.StringValue(filepath.Base(content.value.ValueString()))
			if problem := checkFilename(plan.Filename.ValueString()); problem != "" {
				resp.Diagnostics.AddAttributeError(path.Root("source"), "Invalid source",
					fmt.Sprintf("The base name %q of `source` cannot be the file name on part.io: %s. "+
						"Set `filename`.", plan.Filename.ValueString(), problem))
				return
			}
		}
	}

	// Hash the bytes when they are known.
	digest, known := assetDigest{}, !content.value.IsUnknown()
	if known {
		if state != nil && content.isSource() && state.Source.Equal(content.value) && sourceIsMissing(content.value.ValueString()) {
			// Keep the uploaded values, so the plan changes nothing and a
			// destroy, which plans with the configuration first, still works.
			resp.Diagnostics.AddAttributeWarning(content.attribute, "Source file not found", sourceVanishedDetail(*state))
			plan.SHA256, plan.Size = state.SHA256, state.Size
			if config.ContentType.IsNull() {
				plan.ContentType = state.ContentType
			}
			resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
			return
		}
		var problem string
		if digest, problem = content.digest(); problem != "" {
			resp.Diagnostics.AddAttributeError(content.attribute, "Invalid "+content.attribute.String(), problem)
			return
		}
	}
	plan.SHA256, plan.Size = types.StringUnknown(), types.Int64Unknown()
	if known {
		plan.SHA256, plan.Size = types.StringValue(digest.sha256), types.Int64Value(digest.size)
	}

	if config.ContentType.IsNull() {
		plan.ContentType = plannedContentType(plan.Filename, digest, known)
	}

	// Different bytes, an unknown hash, a new name or a new content type
	// mean a new upload.
	if state != nil {
		resp.RequiresReplace = append(resp.RequiresReplace, changedUploadAttributes(plan, *state)...)
	}
	resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
}

// plannedContentType returns the content type that the plan shows when the
// configuration leaves it out. That is the type the file name's extension
// implies, or else the one detected from the first bytes. It is unknown
// while the file name or the bytes are.
func plannedContentType(filename types.String, digest assetDigest, known bool) types.String {
	if filename.IsUnknown() {
		return types.StringUnknown()
	}
	if ct, ok := contentTypeByExtension(filename.ValueString()); ok {
		return types.StringValue(ct)
	}
	if !known {
		return types.StringUnknown()
	}
	return types.StringValue(detectContentType(filename.ValueString(), digest.head))
}

// changedUploadAttributes returns the attributes whose planned value differs
// from the uploaded one. An unknown value counts as different.
func changedUploadAttributes(plan, state assetResourceModel) path.Paths {
	var changed path.Paths
	if !plan.SHA256.Equal(state.SHA256) {
		changed = append(changed, path.Root("sha256"))
	}
	if !plan.Filename.Equal(state.Filename) {
		changed = append(changed, path.Root("filename"))
	}
	if !plan.ContentType.Equal(state.ContentType) {
		changed = append(changed, path.Root("content_type"))
	}
	return changed
}

// sourceIsMissing reports whether the file at source does not exist.
func sourceIsMissing(source string) bool {
	_, err := os.Stat(source)
	return errors.Is(err, fs.ErrNotExist)
}

// sourceVanishedDetail explains a source file that was uploaded and is gone
// now, and what the user can do.
func sourceVanishedDetail(state assetResourceModel) string {
	return fmt.Sprintf("The file %q no longer exists. It was uploaded to part.io as %q (%d bytes, SHA-256 %s), "+
		"and that copy is unaffected. Without the file the plan cannot tell whether it changed, so it plans "+
		"no change to this asset. Restore the file to detect changes again, or remove the resource from the "+
		"configuration (or run `terraform destroy`) to stop managing it; part.io keeps the uploaded file.",
		state.Source.ValueString(), state.Filename.ValueString(), state.Size.ValueInt64(), state.SHA256.ValueString())
}
