package provider

import (
	"fmt"
	"math/big"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// Bounds of the output settings. part.io documents none, so these only
// catch typing mistakes: 8K UHD is 7680x4320 (or 4320x7680 upright), and
// 120 frames per second covers high-frame-rate video.
const (
	minFPS       = 1
	maxFPS       = 120
	minDimension = 1
	maxDimension = 7680
)

// outputTypes are the containers that output.type accepts.
//
// NOTE: mp4 is the only container that the part.io documentation names.
// Add others here once part.io is known to render them.
var outputTypes = []string{"mp4"}

// nodeKeys are the keys that every node object has, in the order that
// messages list them.
var nodeKeys = []string{"id", "type", "inputs", "params"}

// durationPattern matches the HH:MM:SS form of output.duration and of
// duration params.
var durationPattern = regexp.MustCompile(`^(\d{2}):(\d{2}):(\d{2})$`)

// graphNode is the validated part of one node. Values that are not known
// yet are left out, so that the checks skip them.
type graphNode struct {
	index  int
	id     string
	inputs []graphInput
}

// graphInput is one known entry of a node's inputs: the input name and the
// id of the node that feeds it.
type graphInput struct {
	name   string
	source string
}

// jobGraph is the result of checking the nodes attribute.
type jobGraph struct {
	nodes []graphNode
	// complete is true when every node and every node id is known and
	// valid, so that a reference to a missing id is certainly wrong.
	complete bool
}

// validateJobDefinition checks the nodes and output of a render job and
// returns one error per problem, attached to the attribute path that it is
// about. Values that are not known yet are skipped: Create checks the
// definition again, once everything is known, before submitting it.
func validateJobDefinition(nodes types.Dynamic, output types.Object) diag.Diagnostics {
	var diags diag.Diagnostics
	graph := validateNodes(nodes, &diags)
	if graph != nil {
		checkUniqueIDs(graph, &diags)
		checkInputSources(graph, &diags)
		checkCycles(graph, &diags)
	}
	validateOutput(output, graph, &diags)
	return diags
}

// validateNodes checks the shape of each node and collects the graph. It
// returns nil when the list itself is unknown or invalid.
func validateNodes(nodes types.Dynamic, diags *diag.Diagnostics) *jobGraph {
	root := path.Root("nodes")
	if isNullValue(nodes) || isUnknownValue(nodes) {
		return nil
	}
	elements, ok := listElements(nodes)
	if !ok {
		diags.AddAttributeError(root, "Invalid nodes",
			fmt.Sprintf("`nodes` must be a list of node objects such as "+
				"[{ id = \"map\", type = \"Maps\", inputs = {}, params = { position = \"Weinheim\" } }], got %s.",
				describeValue(nodes)))
		return nil
	}
	if len(elements) == 0 {
		diags.AddAttributeError(root, "Invalid nodes", "`nodes` must contain at least one node.")
		return nil
	}

	graph := &jobGraph{complete: true}
	for i, element := range elements {
		node, complete := validateNode(root.AtListIndex(i), i, element, diags)
		graph.complete = graph.complete && complete
		if node != nil {
			graph.nodes = append(graph.nodes, *node)
		}
	}
	return graph
}

// validateNode checks one node. It returns what it learned, or nil for an
// unknown or invalid node, and whether the node's id is known and valid.
func validateNode(at path.Path, index int, value attr.Value, diags *diag.Diagnostics) (*graphNode, bool) {
	if isUnknownValue(value) {
		return nil, false
	}
	fields, ok := objectFields(value)
	if !ok || isNullValue(value) {
		diags.AddAttributeError(at, "Invalid node",
			fmt.Sprintf("Each node must be an object with `id`, `type`, `inputs` and `params`, got %s.", describeValue(value)))
		return nil, false
	}
	for _, key := range sortedKeys(fields) {
		if !isNodeKey(key) {
			diags.AddAttributeError(at.AtName(key), "Invalid node",
				fmt.Sprintf("A node has the keys `id`, `type`, `inputs` and `params`; %q is not one of them. "+
					"Element settings belong in `params`.", key))
		}
	}
	for _, key := range nodeKeys {
		if _, present := fields[key]; !present {
			diags.AddAttributeError(at, "Invalid node",
				fmt.Sprintf("%s has no `%s`. Every node sets `id`, `type`, `inputs` and `params`, the same four keys "+
					"that part.io stores; write `inputs = {}` for a node that takes no input and `params = {}` for one "+
					"without settings.", at, key))
		}
	}

	node := &graphNode{index: index}
	id, idOK := checkNonEmptyString(at.AtName("id"), "Invalid node id", fields["id"], diags)
	node.id = id
	checkNonEmptyString(at.AtName("type"), "Invalid node type", fields["type"], diags)
	node.inputs = validateInputs(at.AtName("inputs"), fields["inputs"], diags)
	validateParams(at.AtName("params"), fields["params"], diags)
	return node, idOK
}

// checkNonEmptyString reports a value that is not a non-empty string. It
// returns the string and true only when the value is known and valid.
func checkNonEmptyString(at path.Path, summary string, value attr.Value, diags *diag.Diagnostics) (string, bool) {
	if value == nil {
		return "", false // missing keys are reported by the caller
	}
	if isUnknownValue(value) {
		return "", false
	}
	if isNullValue(value) {
		diags.AddAttributeError(at, summary, fmt.Sprintf("`%s` must be set to a non-empty string, got null.", lastStep(at)))
		return "", false
	}
	s, ok := stringValue(value)
	if !ok {
		diags.AddAttributeError(at, summary, fmt.Sprintf("`%s` must be a string, got %s.", lastStep(at), describeValue(value)))
		return "", false
	}
	if s == "" {
		diags.AddAttributeError(at, summary, fmt.Sprintf("`%s` must be a non-empty string.", lastStep(at)))
		return "", false
	}
	return s, true
}

// validateInputs checks that inputs is an object of strings and returns its
// known entries sorted by input name.
func validateInputs(at path.Path, value attr.Value, diags *diag.Diagnostics) []graphInput {
	if value == nil || isUnknownValue(value) {
		return nil
	}
	fields, ok := objectFields(value)
	if !ok || isNullValue(value) {
		diags.AddAttributeError(at, "Invalid node inputs",
			fmt.Sprintf("`inputs` must be an object mapping input names to node ids, such as { A = \"clip\" }, "+
				"or {} for a node that takes no input; got %s.", describeValue(value)))
		return nil
	}
	var inputs []graphInput
	for _, name := range sortedKeys(fields) {
		source := fields[name]
		if isUnknownValue(source) {
			continue
		}
		s, ok := stringValue(source)
		if !ok || isNullValue(source) {
			diags.AddAttributeError(at.AtMapKey(name), "Invalid node inputs",
				fmt.Sprintf("Input %q must be the id of the node that feeds it, as a string; got %s.", name, describeValue(source)))
			continue
		}
		inputs = append(inputs, graphInput{name: name, source: s})
	}
	return inputs
}

// validateParams checks that params is an object, and that every known
// string param whose name ends in "duration" is in HH:MM:SS form. Other
// params are free, because part.io documents no element's settings.
func validateParams(at path.Path, value attr.Value, diags *diag.Diagnostics) {
	if value == nil || isUnknownValue(value) {
		return
	}
	fields, ok := objectFields(value)
	if !ok || isNullValue(value) {
		diags.AddAttributeError(at, "Invalid node params",
			fmt.Sprintf("`params` must be an object of element settings, or {} for none; got %s.", describeValue(value)))
		return
	}
	for _, name := range sortedKeys(fields) {
		if !isDurationParam(name) || isUnknownValue(fields[name]) {
			continue
		}
		text, ok := stringValue(fields[name])
		if !ok || isNullValue(fields[name]) {
			continue
		}
		if problem := checkDuration(text); problem != "" {
			diags.AddAttributeError(at.AtMapKey(name), "Invalid node params",
				fmt.Sprintf("Param %q is %q, but %s.", name, text, problem))
		}
	}
}

// isDurationParam reports whether a param name ends in "duration", as in
// duration, fadeDuration and fade_duration, ignoring case.
func isDurationParam(name string) bool {
	return strings.HasSuffix(strings.ToLower(name), "duration")
}

// checkUniqueIDs reports every node whose id an earlier node already uses.
func checkUniqueIDs(graph *jobGraph, diags *diag.Diagnostics) {
	first := map[string]int{}
	for _, node := range graph.nodes {
		if node.id == "" {
			continue
		}
		if earlier, seen := first[node.id]; seen {
			diags.AddAttributeError(path.Root("nodes").AtListIndex(node.index).AtName("id"), "Invalid node id",
				fmt.Sprintf("Node id %q is used by nodes[%d] and nodes[%d]. Give each node its own id, because "+
					"inputs and output.node refer to nodes by id.", node.id, earlier, node.index))
			continue
		}
		first[node.id] = node.index
	}
}

// checkInputSources reports inputs that name no node. It does nothing while
// some node id is unknown, because that id may be the one named.
func checkInputSources(graph *jobGraph, diags *diag.Diagnostics) {
	if !graph.complete {
		return
	}
	ids := graph.ids()
	for _, node := range graph.nodes {
		for _, input := range node.inputs {
			if _, found := ids[input.source]; found {
				continue
			}
			diags.AddAttributeError(path.Root("nodes").AtListIndex(node.index).AtName("inputs").AtMapKey(input.name),
				"Invalid node inputs",
				fmt.Sprintf("Input %q of node %q names node %q, but no node has that id. Set it to the id of one "+
					"of the nodes: %s.", input.name, node.id, input.source, graph.idList()))
		}
	}
}

// Search states of a node in cycleFinder.
const (
	unvisited = iota
	onPath
	finished
)

// checkCycles reports every cycle among the known inputs, attached to the
// input that closes it. The depth-first search visits nodes in list order
// and inputs by name, so the same graph always gets the same messages.
func checkCycles(graph *jobGraph, diags *diag.Diagnostics) {
	finder := cycleFinder{graph: graph, ids: graph.ids(), state: make([]int, len(graph.nodes)), diags: diags}
	for position := range graph.nodes {
		if finder.state[position] == unvisited {
			finder.visit(position)
		}
	}
}

// cycleFinder is the state of checkCycles' depth-first search. Positions
// index graph.nodes, which leaves out invalid nodes, so a position is not
// always the node's index in the nodes list.
type cycleFinder struct {
	graph *jobGraph
	ids   map[string]int
	state []int
	// path holds the positions on the current search path, and via[k] is
	// the input of path[k] that leads to path[k+1].
	path  []int
	via   []string
	diags *diag.Diagnostics
}

func (f *cycleFinder) visit(position int) {
	f.state[position] = onPath
	f.path = append(f.path, position)
	for _, input := range f.graph.nodes[position].inputs {
		next, found := f.ids[input.source]
		if !found {
			continue
		}
		switch f.state[next] {
		case onPath:
			f.report(next, input.name)
		case unvisited:
			f.via = append(f.via, input.name)
			f.visit(next)
			f.via = f.via[:len(f.via)-1]
		}
	}
	f.path = f.path[:len(f.path)-1]
	f.state[position] = finished
}

// report adds the error for the cycle that the input closing, of the last
// node on the path, closes by leading back to the node at position target.
func (f *cycleFinder) report(target int, closing string) {
	start := slices.Index(f.path, target)
	var links []string
	for k := start; k < len(f.path); k++ {
		input, next := closing, target
		if k+1 < len(f.path) {
			input, next = f.via[k], f.path[k+1]
		}
		links = append(links, fmt.Sprintf("%q takes input %q from %q",
			f.graph.nodes[f.path[k]].id, input, f.graph.nodes[next].id))
	}
	last := f.graph.nodes[f.path[len(f.path)-1]]
	f.diags.AddAttributeError(path.Root("nodes").AtListIndex(last.index).AtName("inputs").AtMapKey(closing),
		"Invalid node inputs",
		fmt.Sprintf("The inputs form a cycle: %s. A node cannot take its own picture as an input, directly or "+
			"through other nodes; remove one of these inputs.", strings.Join(links, ", ")))
}

// validateOutput checks the known values of the output attribute. The
// output node is checked only when every node id is known.
func validateOutput(output types.Object, graph *jobGraph, diags *diag.Diagnostics) {
	if output.IsNull() || output.IsUnknown() {
		return
	}
	root := path.Root("output")
	fields := output.Attributes()

	if node, ok := knownString(fields["node"]); ok && graph != nil && graph.complete {
		if _, found := graph.ids()[node]; !found {
			diags.AddAttributeError(root.AtName("node"), "Invalid output node",
				fmt.Sprintf("`output.node` is %q, but no node has that id. Set it to the id of one of the nodes: %s.",
					node, graph.idList()))
		}
	}

	if container, ok := knownString(fields["type"]); ok && !slices.Contains(outputTypes, container) {
		diags.AddAttributeError(root.AtName("type"), "Invalid output type",
			fmt.Sprintf("`output.type` is %q, but part.io renders only these containers: %s.",
				container, quotedList(outputTypes)))
	}

	checkBounds(root.AtName("fps"), "frames per second", fields["fps"], minFPS, maxFPS, diags)
	checkBounds(root.AtName("width"), "pixels", fields["width"], minDimension, maxDimension, diags)
	checkBounds(root.AtName("height"), "pixels", fields["height"], minDimension, maxDimension, diags)

	if duration, ok := knownString(fields["duration"]); ok {
		problem := checkDuration(duration)
		if problem == "" && duration == "00:00:00" {
			problem = "a video must be longer than 00:00:00"
		}
		if problem != "" {
			diags.AddAttributeError(root.AtName("duration"), "Invalid output duration",
				fmt.Sprintf("`output.duration` is %q, but %s.", duration, problem))
		}
	}
}

// checkBounds reports a known number that is not whole or lies outside
// [low, high]. The schema types these settings as numbers rather than
// integers, so that a fraction such as 29.97 gets this message instead of
// the framework's conversion error.
func checkBounds(at path.Path, unit string, value attr.Value, low, high int64, diags *diag.Diagnostics) {
	number, ok := value.(types.Number)
	if !ok || number.IsNull() || number.IsUnknown() {
		return
	}
	f := number.ValueBigFloat()
	if f.IsInt() && f.Cmp(big.NewFloat(float64(low))) >= 0 && f.Cmp(big.NewFloat(float64(high))) <= 0 {
		return
	}
	diags.AddAttributeError(at, fmt.Sprintf("Invalid output %s", lastStep(at)),
		fmt.Sprintf("`output.%s` is %s, but it must be a whole number of %s from %d to %d.",
			lastStep(at), f.Text('g', -1), unit, low, high))
}

// checkDuration returns what is wrong with a length written as HH:MM:SS,
// or "" when nothing is. The problem names the correct form where one
// exists, so 00:75:00 suggests 01:15:00.
func checkDuration(text string) string {
	match := durationPattern.FindStringSubmatch(text)
	if match == nil {
		return "a length must be written as HH:MM:SS with two digits each, such as \"00:00:30\""
	}
	hours, _ := strconv.Atoi(match[1])
	minutes, _ := strconv.Atoi(match[2])
	seconds, _ := strconv.Atoi(match[3])
	if minutes < 60 && seconds < 60 {
		return ""
	}
	total := hours*3600 + minutes*60 + seconds
	if total/3600 > 99 {
		return "minutes and seconds must be below 60, and the length must not exceed 99:59:59"
	}
	return fmt.Sprintf("minutes and seconds must be below 60; write %q instead",
		fmt.Sprintf("%02d:%02d:%02d", total/3600, total/60%60, total%60))
}

// ids maps each known node id to its position in graph.nodes; a repeated
// id maps to its first node.
func (g *jobGraph) ids() map[string]int {
	ids := make(map[string]int, len(g.nodes))
	for position, node := range g.nodes {
		if _, seen := ids[node.id]; node.id != "" && !seen {
			ids[node.id] = position
		}
	}
	return ids
}

// idList returns the known node ids, quoted and comma-separated.
func (g *jobGraph) idList() string {
	var ids []string
	for _, node := range g.nodes {
		if node.id != "" {
			ids = append(ids, node.id)
		}
	}
	return quotedList(ids)
}

func quotedList(items []string) string {
	quoted := make([]string, len(items))
	for i, item := range items {
		quoted[i] = strconv.Quote(item)
	}
	return strings.Join(quoted, ", ")
}

func isNodeKey(key string) bool {
	return slices.Contains(nodeKeys, key)
}
