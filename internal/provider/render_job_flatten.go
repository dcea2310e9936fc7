package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"math/big"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/partio/terraform-provider-partio/internal/partio"
)

// outputAttrTypes are the attribute types of the output attribute.
var outputAttrTypes = map[string]attr.Type{
	"node":     types.StringType,
	"type":     types.StringType,
	"fps":      types.NumberType,
	"width":    types.NumberType,
	"height":   types.NumberType,
	"duration": types.StringType,
	"name":     types.StringType,
	"test":     types.BoolType,
}

// flattenNodes builds the nodes value from a job description that part.io
// returned. The value has the type that HCL gives the same graph written
// as documented: a tuple of objects with id, type, inputs and params, where
// {} is an empty object, numbers are numbers and lists are tuples. A value
// of the same type and content as the configuration plans no change.
func flattenNodes(nodes []partio.Node) (types.Dynamic, error) {
	elements := make([]attr.Value, 0, len(nodes))
	for i, node := range nodes {
		inputs := make(map[string]any, len(node.Inputs))
		for name, source := range node.Inputs {
			inputs[name] = source
		}
		params := node.Params
		if params == nil {
			params = map[string]any{}
		}
		value, err := jsonToValue(map[string]any{
			"id":     node.ID,
			"type":   node.Type,
			"inputs": inputs,
			"params": params,
		})
		if err != nil {
			return types.DynamicNull(), fmt.Errorf("node %d (%q): %w", i, node.ID, err)
		}
		elements = append(elements, value)
	}
	tuple, err := tupleValue(elements)
	if err != nil {
		return types.DynamicNull(), err
	}
	return types.DynamicValue(tuple), nil
}

// flattenOutput builds the output attribute from a job description.
func flattenOutput(output partio.Output) types.Object {
	return types.ObjectValueMust(outputAttrTypes, map[string]attr.Value{
		"node":     types.StringValue(output.Node),
		"type":     types.StringValue(output.Type),
		"fps":      types.NumberValue(new(big.Float).SetInt64(output.FPS)),
		"width":    types.NumberValue(new(big.Float).SetInt64(output.Width)),
		"height":   types.NumberValue(new(big.Float).SetInt64(output.Height)),
		"duration": types.StringValue(output.Duration),
		"name":     types.StringValue(output.Name),
		"test":     types.BoolValue(output.Test),
	})
}

// jsonToValue converts a decoded JSON value, with numbers as json.Number,
// to the Terraform value that HCL gives the same literal: objects become
// objects, arrays become tuples, and JSON null becomes a dynamic null.
func jsonToValue(value any) (attr.Value, error) {
	switch v := value.(type) {
	case nil:
		return types.DynamicNull(), nil
	case string:
		return types.StringValue(v), nil
	case bool:
		return types.BoolValue(v), nil
	case json.Number:
		// Terraform parses number literals with 512 bits of precision, so
		// the same precision keeps decimals such as 0.1 equal.
		number, _, err := big.ParseFloat(v.String(), 10, 512, big.ToNearestEven)
		if err != nil {
			return nil, fmt.Errorf("invalid number %q: %w", v, err)
		}
		return types.NumberValue(number), nil
	case float64:
		return types.NumberValue(big.NewFloat(v)), nil
	case map[string]any:
		attrTypes := make(map[string]attr.Type, len(v))
		attrValues := make(map[string]attr.Value, len(v))
		for key, field := range v {
			converted, err := jsonToValue(field)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", key, err)
			}
			attrTypes[key] = converted.Type(context.Background())
			attrValues[key] = converted
		}
		object, diags := types.ObjectValue(attrTypes, attrValues)
		if diags.HasError() {
			return nil, fmt.Errorf("building an object: %v", diags)
		}
		return object, nil
	case []any:
		elements := make([]attr.Value, 0, len(v))
		for i, element := range v {
			converted, err := jsonToValue(element)
			if err != nil {
				return nil, fmt.Errorf("[%d]: %w", i, err)
			}
			elements = append(elements, converted)
		}
		return tupleValue(elements)
	}
	return nil, fmt.Errorf("unsupported JSON value of type %T", value)
}

func tupleValue(elements []attr.Value) (attr.Value, error) {
	elementTypes := make([]attr.Type, len(elements))
	for i, element := range elements {
		elementTypes[i] = element.Type(context.Background())
	}
	tuple, diags := types.TupleValue(elementTypes, elements)
	if diags.HasError() {
		return nil, fmt.Errorf("building a tuple: %v", diags)
	}
	return tuple, nil
}
