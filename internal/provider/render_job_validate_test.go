package provider

import (
	"context"
	"math/big"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// objectOf builds an object value whose attribute types follow the values,
// as HCL does for { key = value }.
func objectOf(fields map[string]attr.Value) types.Object {
	attrTypes := make(map[string]attr.Type, len(fields))
	for key, value := range fields {
		attrTypes[key] = value.Type(context.Background())
	}
	return types.ObjectValueMust(attrTypes, fields)
}

// tupleOf builds a tuple value, as HCL does for [a, b].
func tupleOf(elements ...attr.Value) types.Tuple {
	elementTypes := make([]attr.Type, len(elements))
	for i, element := range elements {
		elementTypes[i] = element.Type(context.Background())
	}
	return types.TupleValueMust(elementTypes, elements)
}

// testNode builds a node object with all four keys; inputs maps input
// names to source ids.
func testNode(id string, inputs map[string]string, params map[string]attr.Value) types.Object {
	inputValues := make(map[string]attr.Value, len(inputs))
	for name, source := range inputs {
		inputValues[name] = types.StringValue(source)
	}
	if params == nil {
		params = map[string]attr.Value{}
	}
	return objectOf(map[string]attr.Value{
		"id":     types.StringValue(id),
		"type":   types.StringValue("Maps"),
		"inputs": objectOf(inputValues),
		"params": objectOf(params),
	})
}

// withField returns a copy of a node object with one key set, or removed
// when value is nil.
func withField(node types.Object, key string, value attr.Value) types.Object {
	fields := map[string]attr.Value{}
	for k, v := range node.Attributes() {
		fields[k] = v
	}
	if value == nil {
		delete(fields, key)
	} else {
		fields[key] = value
	}
	return objectOf(fields)
}

func testNodes(elements ...attr.Value) types.Dynamic {
	return types.DynamicValue(tupleOf(elements...))
}

// testOutput returns a valid output for node "a" with changes applied.
func testOutput(changes map[string]attr.Value) types.Object {
	fields := map[string]attr.Value{
		"node":     types.StringValue("a"),
		"type":     types.StringValue("mp4"),
		"fps":      types.NumberValue(big.NewFloat(25)),
		"width":    types.NumberValue(big.NewFloat(640)),
		"height":   types.NumberValue(big.NewFloat(360)),
		"duration": types.StringValue("00:00:20"),
		"name":     types.StringValue(""),
		"test":     types.BoolValue(false),
	}
	for key, value := range changes {
		fields[key] = value
	}
	return types.ObjectValueMust(outputAttrTypes, fields)
}

// wantError is an expected error diagnostic: the attribute path it is
// attached to and texts that its detail contains.
type wantError struct {
	path     string
	contains []string
}

func TestValidateJobDefinition(t *testing.T) {
	a := testNode("a", nil, map[string]attr.Value{"position": types.StringValue("Weinheim")})
	cases := map[string]struct {
		nodes  types.Dynamic
		output types.Object
		want   []wantError
	}{
		"valid single node": {nodes: testNodes(a)},
		"valid chain": {
			nodes: testNodes(a,
				testNode("b", map[string]string{"A": "a"}, nil),
				testNode("c", map[string]string{"A": "a", "B": "b"}, nil)),
			output: testOutput(map[string]attr.Value{"node": types.StringValue("c")}),
		},

		// Shape of the list and of each node.
		"nodes not a list": {
			nodes: types.DynamicValue(types.StringValue("Maps")),
			want:  []wantError{{"nodes", []string{"must be a list of node objects", "got a string"}}},
		},
		"nodes empty": {
			nodes: testNodes(),
			want:  []wantError{{"nodes", []string{"at least one node"}}},
		},
		"node not an object": {
			nodes: testNodes(types.StringValue("a")),
			want:  []wantError{{"nodes[0]", []string{"must be an object", "got a string"}}},
		},
		"unsupported node key": {
			nodes: testNodes(withField(a, "position", types.StringValue("x"))),
			want:  []wantError{{"nodes[0].position", []string{`"position" is not one of them`, "belong in `params`"}}},
		},
		"missing inputs key": {
			nodes: testNodes(withField(a, "inputs", nil)),
			want:  []wantError{{"nodes[0]", []string{"nodes[0] has no `inputs`", "`inputs = {}`"}}},
		},
		"missing params key": {
			nodes: testNodes(withField(a, "params", nil)),
			want:  []wantError{{"nodes[0]", []string{"nodes[0] has no `params`", "`params = {}`"}}},
		},
		"missing id key": {
			nodes: testNodes(withField(a, "id", nil)),
			want:  []wantError{{"nodes[0]", []string{"nodes[0] has no `id`"}}},
		},

		// Node ids.
		"null id": {
			nodes: testNodes(withField(a, "id", types.StringNull())),
			want:  []wantError{{"nodes[0].id", []string{"non-empty string, got null"}}},
		},
		"empty id": {
			nodes: testNodes(withField(a, "id", types.StringValue(""))),
			want:  []wantError{{"nodes[0].id", []string{"`id` must be a non-empty string"}}},
		},
		"numeric id": {
			nodes: testNodes(withField(a, "id", types.NumberValue(big.NewFloat(20)))),
			want:  []wantError{{"nodes[0].id", []string{"`id` must be a string, got"}}},
		},
		"empty type": {
			nodes: testNodes(withField(a, "type", types.StringValue(""))),
			want:  []wantError{{"nodes[0].type", []string{"`type` must be a non-empty string"}}},
		},
		"duplicate ids": {
			nodes: testNodes(a, testNode("b", nil, nil), testNode("a", nil, nil)),
			want:  []wantError{{"nodes[2].id", []string{`Node id "a" is used by nodes[0] and nodes[2]`}}},
		},

		// Inputs.
		"inputs not an object": {
			nodes: testNodes(withField(a, "inputs", tupleOf(types.StringValue("b")))),
			want:  []wantError{{"nodes[0].inputs", []string{"`inputs` must be an object", "got a list"}}},
		},
		"input not a string": {
			nodes: testNodes(a, withField(testNode("b", nil, nil), "inputs",
				objectOf(map[string]attr.Value{"A": types.BoolValue(true)}))),
			want: []wantError{{`nodes[1].inputs["A"]`, []string{`Input "A" must be the id`, "got a bool"}}},
		},
		"input names a missing node": {
			nodes: testNodes(a, testNode("b", map[string]string{"A": "x"}, nil)),
			want:  []wantError{{`nodes[1].inputs["A"]`, []string{`Input "A" of node "b" names node "x"`, `"a", "b"`}}},
		},
		"input names itself": {
			nodes: testNodes(testNode("a", map[string]string{"A": "a"}, nil)),
			want:  []wantError{{`nodes[0].inputs["A"]`, []string{`cycle: "a" takes input "A" from "a".`}}},
		},
		"cycle of two": {
			nodes: testNodes(testNode("a", map[string]string{"A": "b"}, nil), testNode("b", map[string]string{"B": "a"}, nil)),
			want: []wantError{{`nodes[1].inputs["B"]`, []string{
				`cycle: "a" takes input "A" from "b", "b" takes input "B" from "a".`,
			}}},
		},
		"cycle of three beside a source": {
			nodes: testNodes(
				testNode("src", nil, nil),
				testNode("a", map[string]string{"A": "src", "B": "c"}, nil),
				testNode("b", map[string]string{"A": "a"}, nil),
				testNode("c", map[string]string{"A": "b"}, nil)),
			output: testOutput(map[string]attr.Value{"node": types.StringValue("c")}),
			want: []wantError{{`nodes[2].inputs["A"]`, []string{
				`cycle: "a" takes input "B" from "c", "c" takes input "A" from "b", "b" takes input "A" from "a".`,
			}}},
		},
		"two separate cycles": {
			nodes: testNodes(
				testNode("a", map[string]string{"A": "a"}, nil),
				testNode("b", map[string]string{"A": "c"}, nil),
				testNode("c", map[string]string{"A": "b"}, nil)),
			want: []wantError{
				{`nodes[0].inputs["A"]`, []string{`"a" takes input "A" from "a"`}},
				{`nodes[2].inputs["A"]`, []string{`"b" takes input "A" from "c", "c" takes input "A" from "b"`}},
			},
		},

		// Params.
		"params not an object": {
			nodes: testNodes(withField(a, "params", types.StringValue("x"))),
			want:  []wantError{{"nodes[0].params", []string{"`params` must be an object", "got a string"}}},
		},
		"duration param seconds": {
			nodes: testNodes(testNode("a", nil, map[string]attr.Value{"duration": types.StringValue("00:00:75")})),
			want:  []wantError{{`nodes[0].params["duration"]`, []string{`Param "duration" is "00:00:75"`, `write "00:01:15"`}}},
		},
		"duration param form": {
			nodes: testNodes(testNode("a", nil, map[string]attr.Value{"fadeDuration": types.StringValue("2s")})),
			want:  []wantError{{`nodes[0].params["fadeDuration"]`, []string{`"2s"`, "HH:MM:SS"}}},
		},
		"duration param zero allowed": {
			nodes: testNodes(testNode("a", nil, map[string]attr.Value{"fade_duration": types.StringValue("00:00:00")})),
		},
		"duration param number left alone": {
			nodes: testNodes(testNode("a", nil, map[string]attr.Value{"duration": types.NumberValue(big.NewFloat(20))})),
		},
		"other params free": {
			nodes: testNodes(testNode("a", nil, map[string]attr.Value{"offset": types.StringValue("soon")})),
		},

		// Output.
		"output node missing": {
			nodes:  testNodes(a, testNode("b", nil, nil)),
			output: testOutput(map[string]attr.Value{"node": types.StringValue("typo")}),
			want:   []wantError{{"output.node", []string{"`output.node` is \"typo\"", `"a", "b"`}}},
		},
		"output type unknown container": {
			nodes:  testNodes(a),
			output: testOutput(map[string]attr.Value{"type": types.StringValue("mov")}),
			want:   []wantError{{"output.type", []string{`"mov"`, `only these containers: "mp4"`}}},
		},
		"output type null is the default": {
			nodes:  testNodes(a),
			output: testOutput(map[string]attr.Value{"type": types.StringNull()}),
		},
		"fps zero": {
			nodes:  testNodes(a),
			output: testOutput(map[string]attr.Value{"fps": types.NumberValue(big.NewFloat(0))}),
			want:   []wantError{{"output.fps", []string{"`output.fps` is 0", "from 1 to 120"}}},
		},
		"fps fraction": {
			nodes:  testNodes(a),
			output: testOutput(map[string]attr.Value{"fps": types.NumberValue(big.NewFloat(29.97))}),
			want:   []wantError{{"output.fps", []string{"`output.fps` is 29.97", "whole number of frames per second"}}},
		},
		"fps too high": {
			nodes:  testNodes(a),
			output: testOutput(map[string]attr.Value{"fps": types.NumberValue(big.NewFloat(121))}),
			want:   []wantError{{"output.fps", []string{"is 121", "from 1 to 120"}}},
		},
		"fps at bounds": {
			nodes:  testNodes(a),
			output: testOutput(map[string]attr.Value{"fps": types.NumberValue(big.NewFloat(120)), "width": types.NumberValue(big.NewFloat(7680)), "height": types.NumberValue(big.NewFloat(1))}),
		},
		"width negative": {
			nodes:  testNodes(a),
			output: testOutput(map[string]attr.Value{"width": types.NumberValue(big.NewFloat(-640))}),
			want:   []wantError{{"output.width", []string{"is -640", "pixels from 1 to 7680"}}},
		},
		"height too high": {
			nodes:  testNodes(a),
			output: testOutput(map[string]attr.Value{"height": types.NumberValue(big.NewFloat(7681))}),
			want:   []wantError{{"output.height", []string{"is 7681", "pixels from 1 to 7680"}}},
		},
		"duration minutes": {
			nodes:  testNodes(a),
			output: testOutput(map[string]attr.Value{"duration": types.StringValue("00:60:00")}),
			want:   []wantError{{"output.duration", []string{`is "00:60:00"`, `write "01:00:00"`}}},
		},
		"duration form": {
			nodes:  testNodes(a),
			output: testOutput(map[string]attr.Value{"duration": types.StringValue("0:00:20")}),
			want:   []wantError{{"output.duration", []string{`is "0:00:20"`, "two digits each"}}},
		},
		"duration zero": {
			nodes:  testNodes(a),
			output: testOutput(map[string]attr.Value{"duration": types.StringValue("00:00:00")}),
			want:   []wantError{{"output.duration", []string{"longer than 00:00:00"}}},
		},
		"duration beyond two-digit hours": {
			nodes:  testNodes(a),
			output: testOutput(map[string]attr.Value{"duration": types.StringValue("99:99:99")}),
			want:   []wantError{{"output.duration", []string{"must not exceed 99:59:59"}}},
		},

		// Unknown values are skipped, never rejected.
		"nodes unknown": {
			nodes:  types.DynamicUnknown(),
			output: testOutput(map[string]attr.Value{"node": types.StringValue("anything")}),
		},
		"node unknown hides missing output node": {
			nodes:  testNodes(a, types.ObjectUnknown(a.AttributeTypes(context.Background()))),
			output: testOutput(map[string]attr.Value{"node": types.StringValue("b")}),
		},
		"id unknown hides missing input source": {
			nodes: testNodes(a,
				withField(a, "id", types.StringUnknown()),
				testNode("c", map[string]string{"A": "b"}, nil)),
		},
		"id unknown keeps duplicate check": {
			nodes: testNodes(a, withField(a, "id", types.StringUnknown()), testNode("a", nil, nil)),
			want:  []wantError{{"nodes[2].id", []string{`Node id "a" is used by nodes[0] and nodes[2]`}}},
		},
		"id unknown keeps cycle check": {
			nodes: testNodes(
				withField(a, "id", types.StringUnknown()),
				testNode("b", map[string]string{"A": "b"}, nil)),
			output: testOutput(map[string]attr.Value{"node": types.StringValue("b")}),
			want:   []wantError{{`nodes[1].inputs["A"]`, []string{`"b" takes input "A" from "b"`}}},
		},
		"input source unknown": {
			nodes: testNodes(a, withField(testNode("b", nil, nil), "inputs",
				objectOf(map[string]attr.Value{"A": types.StringUnknown()}))),
		},
		"inputs and params unknown": {
			nodes: testNodes(withField(withField(a, "inputs", types.DynamicUnknown()), "params", types.DynamicUnknown())),
		},
		"duration param unknown": {
			nodes: testNodes(testNode("a", nil, map[string]attr.Value{"duration": types.StringUnknown()})),
		},
		"output unknown": {
			nodes:  testNodes(a),
			output: types.ObjectUnknown(outputAttrTypes),
		},
		"output values unknown": {
			nodes: testNodes(a),
			output: testOutput(map[string]attr.Value{
				"node": types.StringUnknown(), "type": types.StringUnknown(), "fps": types.NumberUnknown(),
				"width": types.NumberUnknown(), "height": types.NumberUnknown(), "duration": types.StringUnknown(),
			}),
		},
	}

	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			output := tc.output
			if output.IsNull() && !output.IsUnknown() && len(output.AttributeTypes(context.Background())) == 0 {
				output = testOutput(nil)
			}
			diags := validateJobDefinition(tc.nodes, output)
			checkErrors(t, diags, tc.want)
		})
	}
}

// checkErrors fails unless diags holds exactly the wanted errors, in order.
func checkErrors(t *testing.T, diags diag.Diagnostics, want []wantError) {
	t.Helper()
	errs := diags.Errors()
	if len(errs) != len(want) {
		t.Errorf("got %d errors, want %d:", len(errs), len(want))
		for _, d := range errs {
			t.Errorf("  %s", formatDiagnostic(d))
		}
		return
	}
	for i, d := range errs {
		withPath, ok := d.(diag.DiagnosticWithPath)
		if !ok {
			t.Errorf("error %d has no attribute path: %s", i, formatDiagnostic(d))
			continue
		}
		if got := withPath.Path().String(); got != want[i].path {
			t.Errorf("error %d is attached to %s, want %s: %s", i, got, want[i].path, formatDiagnostic(d))
		}
		for _, text := range want[i].contains {
			if !strings.Contains(d.Detail(), text) {
				t.Errorf("error %d detail lacks %q: %s", i, text, formatDiagnostic(d))
			}
		}
	}
}

func formatDiagnostic(d diag.Diagnostic) string {
	if withPath, ok := d.(diag.DiagnosticWithPath); ok {
		return withPath.Path().String() + ": " + d.Summary() + ": " + d.Detail()
	}
	return d.Summary() + ": " + d.Detail()
}

func TestCheckDuration(t *testing.T) {
	cases := map[string]string{
		"00:00:20":  "",
		"00:00:00":  "",
		"01:59:59":  "",
		"99:59:59":  "",
		"00:00:60":  `write "00:01:00"`,
		"00:61:01":  `write "01:01:01"`,
		"99:60:00":  "must not exceed 99:59:59",
		"20":        "HH:MM:SS",
		"00:20":     "HH:MM:SS",
		"0:00:20":   "HH:MM:SS",
		"00:00:2":   "HH:MM:SS",
		"000:00:20": "HH:MM:SS",
		"00:00:20 ": "HH:MM:SS",
		"-0:00:20":  "HH:MM:SS",
		"":          "HH:MM:SS",
	}
	for text, want := range cases {
		got := checkDuration(text)
		if want == "" && got != "" {
			t.Errorf("checkDuration(%q) = %q, want no problem", text, got)
		}
		if want != "" && !strings.Contains(got, want) {
			t.Errorf("checkDuration(%q) = %q, want a problem containing %q", text, got, want)
		}
	}
}

func TestIsDurationParam(t *testing.T) {
	for name, want := range map[string]bool{
		"duration":      true,
		"Duration":      true,
		"fadeDuration":  true,
		"fade_duration": true,
		"durationMode":  false,
		"offset":        false,
		"position":      false,
	} {
		if got := isDurationParam(name); got != want {
			t.Errorf("isDurationParam(%q) = %v, want %v", name, got, want)
		}
	}
}
