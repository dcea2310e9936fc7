package provider

import (
	"bytes"
	"context"
	"encoding/json"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/partio/terraform-provider-partio/internal/partio"
)

// ModifyPlan plans a wait for a job in the state that is not done yet, such
// as a job kept with `terraform untaint` after its wait timed out. Status
// and url become unknown, so the apply calls Update, which waits for the
// same job. A job that failed or went over the limit is replaced instead,
// because it will never produce a video.
func (r *renderJobResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.State.Raw.IsNull() || req.Plan.Raw.IsNull() {
		return
	}
	var state renderJobResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() || state.Status.ValueString() == partio.StatusDone {
		return
	}

	resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("status"), types.StringUnknown())...)
	resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("url"), types.StringUnknown())...)
	if partio.IsFailure(state.Status.ValueString()) {
		resp.RequiresReplace = append(resp.RequiresReplace, path.Root("status"))
	}
	tflog.Info(ctx, "render job in state is not done; planning to wait for it or replace it", map[string]any{
		"job_id": state.ID.ValueString(), "status": state.Status.ValueString(),
	})
}

// nodesRequireReplace forces a new job when the nodes would reach part.io
// as different JSON. A change of type alone, such as a list from a typed
// variable where the state holds the tuple that an import rebuilt, is
// applied in place, because it submits the same job.
type nodesRequireReplace struct{}

func (nodesRequireReplace) Description(context.Context) string {
	return "Changing the graph in a way that changes the submitted JSON submits a new job."
}

func (m nodesRequireReplace) MarkdownDescription(ctx context.Context) string {
	return m.Description(ctx)
}

func (nodesRequireReplace) PlanModifyDynamic(_ context.Context, req planmodifier.DynamicRequest, resp *planmodifier.DynamicResponse) {
	if req.State.Raw.IsNull() || req.Plan.Raw.IsNull() || req.PlanValue.Equal(req.StateValue) {
		return
	}
	resp.RequiresReplace = !sameJSON(req.PlanValue, req.StateValue)
}

// sameJSON reports whether two nodes values are known and encode to the
// same JSON.
func sameJSON(a, b types.Dynamic) bool {
	if !isFullyKnown(a) || !isFullyKnown(b) {
		return false
	}
	encodedA, errA := encodeJSON(a)
	encodedB, errB := encodeJSON(b)
	return errA == nil && errB == nil && bytes.Equal(encodedA, encodedB)
}

// encodeJSON encodes a value as the JSON that the client would send. Object
// keys are sorted, so equal values give equal bytes.
func encodeJSON(value types.Dynamic) ([]byte, error) {
	converted, err := toJSONValue(value)
	if err != nil {
		return nil, err
	}
	return json.Marshal(converted)
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
