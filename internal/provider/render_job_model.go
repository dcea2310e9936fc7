package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"math/big"
	"sort"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"

	"github.com/partio/terraform-provider-partio/internal/partio"
)

type renderJobResourceModel struct {
	ID        types.String   `tfsdk:"id"`
	Nodes     types.Dynamic  `tfsdk:"nodes"`
	Output    types.Object   `tfsdk:"output"`
	Status    types.String   `tfsdk:"status"`
	URL       types.String   `tfsdk:"url"`
	CreatedAt types.String   `tfsdk:"created_at"`
	Timeouts  timeouts.Value `tfsdk:"timeouts"`
}

type outputModel struct {
	Node     types.String `tfsdk:"node"`
	Type     types.String `tfsdk:"type"`
	FPS      types.Number `tfsdk:"fps"`
	Width    types.Number `tfsdk:"width"`
	Height   types.Number `tfsdk:"height"`
	Duration types.String `tfsdk:"duration"`
	Name     types.String `tfsdk:"name"`
	Test     types.Bool   `tfsdk:"test"`
}

// expandJobDescription builds the API's job description from the
// configured nodes and output. Problems are reported against the attribute
// path they concern.
func expandJobDescription(ctx context.Context, nodes types.Dynamic, output types.Object) (partio.JobDescription, diag.Diagnostics) {
	var diags diag.Diagnostics
	var desc partio.JobDescription

	desc.Nodes, diags = expandNodes(nodes)

	var out outputModel
	diags.Append(output.As(ctx, &out, basetypes.ObjectAsOptions{})...)
	if diags.HasError() {
		return desc, diags
	}
	desc.Output = partio.Output{
		Node:     out.Node.ValueString(),
		Type:     out.Type.ValueString(),
		FPS:      wholeNumber(out.FPS),
		Width:    wholeNumber(out.Width),
		Height:   wholeNumber(out.Height),
		Duration: out.Duration.ValueString(),
		Name:     out.Name.ValueString(),
		Test:     out.Test.ValueBool(),
	}
	return desc, diags
}

// wholeNumber returns a number that validation found whole and within
// bounds as an int64.
func wholeNumber(value types.Number) int64 {
	if value.IsNull() || value.IsUnknown() {
		return 0
	}
	n, _ := value.ValueBigFloat().Int64()
	return n
}

// expandNodes converts the nodes attribute, a list of objects written in
// HCL, to API nodes. The value must be fully known.
func expandNodes(nodes types.Dynamic) ([]partio.Node, diag.Diagnostics) {
	var diags diag.Diagnostics
	root := path.Root("nodes")

	elements, ok := listElements(nodes.UnderlyingValue())
	if !ok {
		diags.AddAttributeError(root, "Invalid nodes",
			fmt.Sprintf("`nodes` must be a list of node objects such as "+
				"[{ id = \"map\", type = \"Maps\", inputs = {}, params = { position = \"Weinheim\" } }], got %s.",
				describeValue(nodes.UnderlyingValue())))
		return nil, diags
	}
	if len(elements) == 0 {
		diags.AddAttributeError(root, "Invalid nodes", "`nodes` must contain at least one node.")
		return nil, diags
	}

	result := make([]partio.Node, 0, len(elements))
	for i, element := range elements {
		node, nodeDiags := expandNode(root.AtListIndex(i), element)
		diags.Append(nodeDiags...)
		result = append(result, node)
	}
	return result, diags
}

func expandNode(at path.Path, value attr.Value) (partio.Node, diag.Diagnostics) {
	var diags diag.Diagnostics
	node := partio.Node{Inputs: map[string]string{}, Params: map[string]any{}}

	fields, ok := objectFields(value)
	if !ok {
		diags.AddAttributeError(at, "Invalid node",
			fmt.Sprintf("Each node must be an object with `id`, `type`, `inputs` and `params`, got %s.", describeValue(value)))
		return node, diags
	}
	node.ID = expandString(at.AtName("id"), fields["id"], true, &diags)
	node.Type = expandString(at.AtName("type"), fields["type"], true, &diags)

	if inputs := fields["inputs"]; inputs != nil && !inputs.IsNull() {
		inputFields, ok := objectFields(inputs)
		if !ok {
			diags.AddAttributeError(at.AtName("inputs"), "Invalid node inputs",
				fmt.Sprintf("`inputs` must be an object mapping input names to node ids, such as { A = \"clip\" }, got %s.",
					describeValue(inputs)))
		}
		for name, source := range inputFields {
			node.Inputs[name] = expandString(at.AtName("inputs").AtMapKey(name), source, true, &diags)
		}
	}

	if params := fields["params"]; params != nil && !params.IsNull() {
		paramFields, ok := objectFields(params)
		if !ok {
			diags.AddAttributeError(at.AtName("params"), "Invalid node params",
				fmt.Sprintf("`params` must be an object of element settings, got %s.", describeValue(params)))
		}
		for name, param := range paramFields {
			converted, err := toJSONValue(param)
			if err != nil {
				diags.AddAttributeError(at.AtName("params").AtMapKey(name), "Invalid node param", err.Error())
				continue
			}
			node.Params[name] = converted
		}
	}
	return node, diags
}

// expandString returns a string value, reporting a missing or non-string
// value against its path.
func expandString(at path.Path, value attr.Value, required bool, diags *diag.Diagnostics) string {
	if value == nil || value.IsNull() {
		if required {
			diags.AddAttributeError(at, "Missing value", fmt.Sprintf("`%s` must be set to a non-empty string.", lastStep(at)))
		}
		return ""
	}
	s, ok := value.(types.String)
	if !ok {
		diags.AddAttributeError(at, "Invalid value", fmt.Sprintf("`%s` must be a string, got %s.", lastStep(at), describeValue(value)))
		return ""
	}
	if required && s.ValueString() == "" {
		diags.AddAttributeError(at, "Missing value", fmt.Sprintf("`%s` must be a non-empty string.", lastStep(at)))
	}
	return s.ValueString()
}

// toJSONValue converts a Terraform value to the Go value that encodes to
// the same JSON: numbers keep every digit, objects and maps become JSON
// objects, and lists, tuples and sets become JSON arrays.
func toJSONValue(value attr.Value) (any, error) {
	if value == nil || value.IsNull() {
		return nil, nil
	}
	if value.IsUnknown() {
		return nil, fmt.Errorf("the value is not known yet")
	}
	switch v := value.(type) {
	case types.Dynamic:
		return toJSONValue(v.UnderlyingValue())
	case types.String:
		return v.ValueString(), nil
	case types.Bool:
		return v.ValueBool(), nil
	case types.Number:
		return formatNumber(v.ValueBigFloat()), nil
	case types.Int64:
		return json.Number(fmt.Sprint(v.ValueInt64())), nil
	case types.Float64:
		return formatNumber(big.NewFloat(v.ValueFloat64())), nil
	}
	if fields, ok := objectFields(value); ok {
		result := make(map[string]any, len(fields))
		for key, field := range fields {
			converted, err := toJSONValue(field)
			if err != nil {
				return nil, err
			}
			result[key] = converted
		}
		return result, nil
	}
	if elements, ok := listElements(value); ok {
		result := make([]any, 0, len(elements))
		for _, element := range elements {
			converted, err := toJSONValue(element)
			if err != nil {
				return nil, err
			}
			result = append(result, converted)
		}
		return result, nil
	}
	return nil, fmt.Errorf("a value of type %s cannot be sent as JSON", value.Type(context.Background()))
}

// formatNumber writes a number with as many digits as it has, so that
// 0.1 stays 0.1 and 12345678901234567890 keeps every digit.
func formatNumber(f *big.Float) json.Number {
	if f.IsInt() {
		i, _ := f.Int(nil)
		return json.Number(i.String())
	}
	return json.Number(f.Text('g', -1))
}

// objectFields returns the attributes of an object or the elements of a
// map, which HCL produces for { key = value } depending on context.
func objectFields(value attr.Value) (map[string]attr.Value, bool) {
	switch v := value.(type) {
	case types.Dynamic:
		return objectFields(v.UnderlyingValue())
	case types.Object:
		return v.Attributes(), true
	case types.Map:
		return v.Elements(), true
	}
	return nil, false
}

// listElements returns the elements of a tuple, list or set.
func listElements(value attr.Value) ([]attr.Value, bool) {
	switch v := value.(type) {
	case types.Dynamic:
		return listElements(v.UnderlyingValue())
	case types.Tuple:
		return v.Elements(), true
	case types.List:
		return v.Elements(), true
	case types.Set:
		return v.Elements(), true
	}
	return nil, false
}

// isUnknownValue reports whether a value, or the value inside a dynamic
// one, is unknown.
func isUnknownValue(value attr.Value) bool {
	if d, ok := value.(types.Dynamic); ok {
		return d.IsUnknown() || d.IsUnderlyingValueUnknown()
	}
	return value.IsUnknown()
}

// isNullValue reports whether a value, or the value inside a dynamic one,
// is null.
func isNullValue(value attr.Value) bool {
	if d, ok := value.(types.Dynamic); ok {
		return d.IsNull() || d.IsUnderlyingValueNull()
	}
	return value.IsNull()
}

// stringValue returns the string inside a string value or a dynamic value
// that holds one.
func stringValue(value attr.Value) (string, bool) {
	switch v := value.(type) {
	case types.Dynamic:
		return stringValue(v.UnderlyingValue())
	case types.String:
		return v.ValueString(), true
	}
	return "", false
}

// knownString returns a string value that is neither null nor unknown.
func knownString(value attr.Value) (string, bool) {
	if value == nil || isNullValue(value) || isUnknownValue(value) {
		return "", false
	}
	return stringValue(value)
}

// describeValue names the kind of a value for error messages.
func describeValue(value attr.Value) string {
	if d, ok := value.(types.Dynamic); ok && !d.IsNull() && !d.IsUnknown() {
		return describeValue(d.UnderlyingValue())
	}
	if value == nil || value.IsNull() {
		return "null"
	}
	switch value.(type) {
	case types.String:
		return "a string"
	case types.Number, types.Int64, types.Float64:
		return "a number"
	case types.Bool:
		return "a bool"
	}
	if _, ok := objectFields(value); ok {
		return "an object"
	}
	if _, ok := listElements(value); ok {
		return "a list"
	}
	return value.Type(context.Background()).String()
}

func lastStep(at path.Path) string {
	steps := at.Steps()
	if len(steps) == 0 {
		return at.String()
	}
	last := steps[len(steps)-1]
	if name, ok := last.(path.PathStepAttributeName); ok {
		return string(name)
	}
	return at.String()
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for key := range m {
		keys = append(keys, key)
	}
	sort.Strings(keys)
	return keys
}
