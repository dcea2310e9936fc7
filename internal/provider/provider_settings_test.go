package provider

import (
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/partio/terraform-provider-partio/internal/partio"
)

func TestCheckEndpoint(t *testing.T) {
	cases := map[string]struct {
		endpoint string
		// wantError is a part of the expected error, or "" for none.
		wantError string
	}{
		"https":                  {"https://api.part.io", ""},
		"https with path":        {"https://api.part.io/v1", ""},
		"http on localhost":      {"http://localhost:8787", ""},
		"http on LOCALHOST":      {"http://LOCALHOST:8787", ""},
		"http on 127.0.0.1":      {"http://127.0.0.1:8787", ""},
		"http on 127.0.0.5":      {"http://127.0.0.5", ""},
		"http on ::1":            {"http://[::1]:8787", ""},
		"http on a public host":  {"http://api.example.com", "only accepted on a loopback host"},
		"http on a public IP":    {"http://203.0.113.7", "only accepted on a loopback host"},
		"http on localhost.evil": {"http://localhost.example.com", "only accepted on a loopback host"},
		"http on 128.0.0.1":      {"http://128.0.0.1", "only accepted on a loopback host"},
		"ftp":                    {"ftp://api.part.io", "scheme must be https"},
		"no scheme":              {"api.part.io", "no host"},
		"missing host":           {"https://", "no host"},
		"query":                  {"https://api.part.io/?token=x", "must not carry a query"},
		"credentials":            {"https://user:secret@api.part.io", "credentials"},
		"unparsable credentials": {"https://user:secret@api.part.io:port", "not a valid URL"},
		"not a URL":              {"https://api.part.io:port", "not a valid URL"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			err := checkEndpoint(tc.endpoint)
			if tc.wantError == "" {
				if err != nil {
					t.Errorf("checkEndpoint(%q) = %v, want no error", tc.endpoint, err)
				}
				return
			}
			if err == nil {
				t.Fatalf("checkEndpoint(%q) accepted it, want an error with %q", tc.endpoint, tc.wantError)
			}
			if !strings.Contains(err.Error(), tc.wantError) {
				t.Errorf("checkEndpoint(%q) = %q, want it to contain %q", tc.endpoint, err, tc.wantError)
			}
			if strings.Contains(err.Error(), "secret") {
				t.Errorf("checkEndpoint(%q) = %q, which repeats the password", tc.endpoint, err)
			}
		})
	}
}

func TestClientSettingsDefaults(t *testing.T) {
	config := partioProviderModel{
		MaxRetries:        types.Int64Null(),
		RequestTimeout:    types.StringNull(),
		RequestsPerSecond: types.Float64Null(),
	}
	var cfg partio.Config
	if diags := clientSettings(config, &cfg); diags.HasError() {
		t.Fatalf("clientSettings: %v", diags)
	}
	if cfg.Retry == nil || *cfg.Retry != partio.DefaultRetryPolicy() {
		t.Errorf("retry policy = %+v, want the default %+v", cfg.Retry, partio.DefaultRetryPolicy())
	}
	if cfg.RequestTimeout != partio.DefaultRequestTimeout {
		t.Errorf("request timeout = %s, want %s", cfg.RequestTimeout, partio.DefaultRequestTimeout)
	}
	if cfg.RequestsPerSecond != 0 {
		t.Errorf("requests per second = %g, want 0 (no limit)", cfg.RequestsPerSecond)
	}
}

func TestClientSettingsValues(t *testing.T) {
	config := partioProviderModel{
		MaxRetries:        types.Int64Value(0),
		RequestTimeout:    types.StringValue("90s"),
		RequestsPerSecond: types.Float64Value(2.5),
	}
	var cfg partio.Config
	if diags := clientSettings(config, &cfg); diags.HasError() {
		t.Fatalf("clientSettings: %v", diags)
	}
	if cfg.Retry.MaxRetries != 0 {
		t.Errorf("max retries = %d, want 0", cfg.Retry.MaxRetries)
	}
	if cfg.RequestTimeout != 90*time.Second {
		t.Errorf("request timeout = %s, want 1m30s", cfg.RequestTimeout)
	}
	if cfg.RequestsPerSecond != 2.5 {
		t.Errorf("requests per second = %g, want 2.5", cfg.RequestsPerSecond)
	}
}

func TestClientSettingsInvalid(t *testing.T) {
	cases := map[string]struct {
		config partioProviderModel
		want   string
	}{
		"negative retries": {partioProviderModel{MaxRetries: types.Int64Value(-1)}, "Invalid max_retries"},
		"too many retries": {partioProviderModel{MaxRetries: types.Int64Value(21)}, "Invalid max_retries"},
		"timeout no unit":  {partioProviderModel{RequestTimeout: types.StringValue("30")}, "not a duration"},
		"timeout too short": {partioProviderModel{RequestTimeout: types.StringValue("10ms")},
			"at least 1s"},
		"negative rate": {partioProviderModel{RequestsPerSecond: types.Float64Value(-1)}, "Invalid requests_per_second"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			// Settings left out of the case are null, the zero value.
			var cfg partio.Config
			diags := clientSettings(tc.config, &cfg)
			if !diags.HasError() {
				t.Fatalf("clientSettings accepted %+v", tc.config)
			}
			text := diags[0].Summary() + ": " + diags[0].Detail()
			if !strings.Contains(text, tc.want) {
				t.Errorf("diagnostic %q lacks %q", text, tc.want)
			}
		})
	}
}
