package provider

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/partio/terraform-provider-partio/internal/emulator"
	"github.com/partio/terraform-provider-partio/internal/partio"
)

func newTestClient(t *testing.T, api *testAPI) *partio.Client {
	t.Helper()
	client, err := partio.NewClient(partio.Config{Endpoint: api.server.URL, Token: testToken})
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	return client
}

func TestUploadAssetFreshURLAfter403(t *testing.T) {
	api := startTestAPI(t, 0)
	client := newTestClient(t, api)
	data := []byte("lower third")
	api.emulator.AddFault(emulator.Fault{Method: http.MethodPut, PathPrefix: "/uploads/", Count: 1, Status: http.StatusForbidden})

	result, stored, err := uploadAsset(context.Background(), client, "title.html", "text/html", partio.BytesBody(data))
	if err != nil {
		t.Fatalf("uploadAsset: %v", err)
	}
	if hits := api.emulator.FaultHits(); hits != 1 {
		t.Errorf("the 403 fault answered %d uploads, want 1", hits)
	}
	if want := api.server.URL + "/uploads/title.html"; stored != want {
		t.Errorf("stored URL = %q, want %q", stored, want)
	}
	if result.SHA256 != sha256Hex(data) {
		t.Errorf("result sha256 = %s, want %s", result.SHA256, sha256Hex(data))
	}
	if record, _ := api.emulator.Asset("title.html"); record.SHA256 != sha256Hex(data) {
		t.Errorf("emulator stored sha256 %s, want %s", record.SHA256, sha256Hex(data))
	}
}

func TestUploadAssetRejectedTwice(t *testing.T) {
	api := startTestAPI(t, 0)
	client := newTestClient(t, api)
	api.emulator.AddFault(emulator.Fault{Method: http.MethodPut, PathPrefix: "/uploads/", Count: 5, Status: http.StatusForbidden})

	_, _, err := uploadAsset(context.Background(), client, "title.html", "text/html", partio.BytesBody([]byte("x")))
	if err == nil {
		t.Fatal("uploadAsset succeeded, want an error")
	}
	if hits := api.emulator.FaultHits(); hits != 2 {
		t.Errorf("uploadAsset sent %d uploads, want 2", hits)
	}
	if !strings.Contains(err.Error(), "rejected the signed upload URL 2 times") {
		t.Errorf("error %q does not say that both signed URLs were rejected", err)
	}
	if !strings.Contains(err.Error(), "/uploads/title.html") {
		t.Errorf("error %q does not name the upload address", err)
	}
	if strings.Contains(err.Error(), "signature=") || strings.Contains(err.Error(), "expires=") {
		t.Errorf("error %q contains the signed URL's query", err)
	}
}

func TestUploadAssetOtherErrorNotRetried(t *testing.T) {
	api := startTestAPI(t, 0)
	client := newTestClient(t, api)
	api.emulator.AddFault(emulator.Fault{Method: http.MethodPut, PathPrefix: "/uploads/", Count: 5, Status: http.StatusBadRequest})

	_, _, err := uploadAsset(context.Background(), client, "title.html", "text/html", partio.BytesBody([]byte("x")))
	if err == nil {
		t.Fatal("uploadAsset succeeded, want an error")
	}
	if hits := api.emulator.FaultHits(); hits != 1 {
		t.Errorf("uploadAsset sent %d uploads after a 400, want 1", hits)
	}
}

// createAsset calls Create directly with a plan, as Terraform does after
// planning, and returns the response.
func createAsset(t *testing.T, api *testAPI, plan assetResourceModel) *resource.CreateResponse {
	t.Helper()
	ctx := context.Background()
	r := &assetResource{client: newTestClient(t, api)}
	var schemaResp resource.SchemaResponse
	r.Schema(ctx, resource.SchemaRequest{}, &schemaResp)
	objectType := schemaResp.Schema.Type().TerraformType(ctx)

	req := resource.CreateRequest{Plan: tfsdk.Plan{Schema: schemaResp.Schema, Raw: tftypes.NewValue(objectType, nil)}}
	if diags := req.Plan.Set(ctx, &plan); diags.HasError() {
		t.Fatalf("setting plan: %v", diags)
	}
	req.Config = tfsdk.Config{Schema: schemaResp.Schema, Raw: req.Plan.Raw}
	resp := &resource.CreateResponse{State: tfsdk.State{Schema: schemaResp.Schema, Raw: tftypes.NewValue(objectType, nil)}}
	r.Create(ctx, req, resp)
	return resp
}

// plannedAsset returns the plan for uploading the file at source whose
// bytes had the given digest at plan time.
func plannedAsset(source string, planned []byte) assetResourceModel {
	return assetResourceModel{
		ID:            types.StringUnknown(),
		Source:        types.StringValue(source),
		Content:       types.StringNull(),
		ContentBase64: types.StringNull(),
		Filename:      types.StringValue(filepath.Base(source)),
		ContentType:   types.StringValue("video/mp4"),
		URL:           types.StringUnknown(),
		Size:          types.Int64Value(int64(len(planned))),
		SHA256:        types.StringValue(sha256Hex(planned)),
	}
}

func TestCreateAssetChecksPlannedSHA256(t *testing.T) {
	api := startTestAPI(t, 0)
	source := writeTestFile(t, "intro.mp4", []byte("first cut"))

	resp := createAsset(t, api, plannedAsset(source, []byte("first cut")))
	if resp.Diagnostics.HasError() {
		t.Fatalf("Create: %v", resp.Diagnostics)
	}
	var state assetResourceModel
	if diags := resp.State.Get(context.Background(), &state); diags.HasError() {
		t.Fatalf("reading state: %v", diags)
	}
	if state.SHA256.ValueString() != sha256Hex([]byte("first cut")) {
		t.Errorf("state sha256 = %s, want the uploaded bytes' hash", state.SHA256)
	}
	if want := api.server.URL + "/uploads/intro.mp4"; state.URL.ValueString() != want {
		t.Errorf("state url = %s, want %s", state.URL, want)
	}
}

func TestCreateAssetFileChangedAfterPlan(t *testing.T) {
	api := startTestAPI(t, 0)
	source := writeTestFile(t, "intro.mp4", []byte("first cut"))
	plan := plannedAsset(source, []byte("first cut"))
	if err := os.WriteFile(source, []byte("final cut, longer"), 0o600); err != nil {
		t.Fatal(err)
	}

	resp := createAsset(t, api, plan)
	if !resp.Diagnostics.HasError() {
		t.Fatal("Create succeeded although the file changed after the plan")
	}
	detail := resp.Diagnostics.Errors()[0].Detail()
	for _, want := range []string{"changed between plan and apply", sha256Hex([]byte("first cut")), sha256Hex([]byte("final cut, longer"))} {
		if !strings.Contains(detail, want) {
			t.Errorf("error detail %q does not contain %q", detail, want)
		}
	}
	if !resp.State.Raw.IsNull() {
		t.Errorf("Create recorded a state for bytes that the plan did not show")
	}
}

func TestModifyPlanSourceVanished(t *testing.T) {
	ctx := context.Background()
	source := writeTestFile(t, "credits.mp4", []byte("end credits"))
	state := plannedAsset(source, []byte("end credits"))
	state.ID = types.StringValue("http://127.0.0.1/uploads/credits.mp4")
	state.URL = state.ID
	if err := os.Remove(source); err != nil {
		t.Fatal(err)
	}

	r := &assetResource{}
	var schemaResp resource.SchemaResponse
	r.Schema(ctx, resource.SchemaRequest{}, &schemaResp)
	objectType := schemaResp.Schema.Type().TerraformType(ctx)
	priorState := tfsdk.State{Schema: schemaResp.Schema, Raw: tftypes.NewValue(objectType, nil)}
	if diags := priorState.Set(ctx, &state); diags.HasError() {
		t.Fatalf("setting state: %v", diags)
	}
	config := state
	config.ID, config.URL, config.Size, config.SHA256 = types.StringNull(), types.StringNull(), types.Int64Null(), types.StringNull()
	config.Filename, config.ContentType = types.StringNull(), types.StringNull()
	// tfsdk.Config has no Set, so the value is built as a state first.
	configState := tfsdk.State{Schema: schemaResp.Schema, Raw: tftypes.NewValue(objectType, nil)}
	if diags := configState.Set(ctx, &config); diags.HasError() {
		t.Fatalf("setting config: %v", diags)
	}
	configValue := tfsdk.Config{Schema: schemaResp.Schema, Raw: configState.Raw}
	req := resource.ModifyPlanRequest{
		Config: configValue,
		State:  priorState,
		Plan:   tfsdk.Plan{Schema: schemaResp.Schema, Raw: priorState.Raw},
	}
	resp := &resource.ModifyPlanResponse{Plan: req.Plan}
	r.ModifyPlan(ctx, req, resp)

	if resp.Diagnostics.HasError() {
		t.Fatalf("ModifyPlan returned errors: %v", resp.Diagnostics)
	}
	warnings := resp.Diagnostics.Warnings()
	if len(warnings) != 1 {
		t.Fatalf("ModifyPlan returned %d warnings, want 1", len(warnings))
	}
	for _, want := range []string{source, "no longer exists", "unaffected", "plans no change"} {
		if !strings.Contains(warnings[0].Detail(), want) {
			t.Errorf("warning detail %q does not contain %q", warnings[0].Detail(), want)
		}
	}
	if len(resp.RequiresReplace) != 0 {
		t.Errorf("ModifyPlan requires replacing %v, want no replacement", resp.RequiresReplace)
	}
	var planned assetResourceModel
	if diags := resp.Plan.Get(ctx, &planned); diags.HasError() {
		t.Fatalf("reading plan: %v", diags)
	}
	if !planned.SHA256.Equal(state.SHA256) || !planned.Size.Equal(state.Size) || !planned.ContentType.Equal(state.ContentType) {
		t.Errorf("planned %s/%s/%s, want the uploaded values %s/%s/%s",
			planned.SHA256, planned.Size, planned.ContentType, state.SHA256, state.Size, state.ContentType)
	}
}
