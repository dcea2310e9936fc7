package main

import (
	"testing"
)

func TestQuietUnrequestedLogs(t *testing.T) {
	cases := map[string]struct {
		env       map[string]string
		wantQuiet bool
	}{
		"no log variables":     {map[string]string{}, true},
		"other variables only": {map[string]string{"TF_LOG_PATH": "/tmp/x", "TF_LOG_CORE": "TRACE"}, true},
		"TF_LOG":               {map[string]string{"TF_LOG": "TRACE"}, false},
		"TF_LOG_PROVIDER":      {map[string]string{"TF_LOG_PROVIDER": "DEBUG"}, false},
		"TF_LOG_SDK_FRAMEWORK": {map[string]string{"TF_LOG_SDK_FRAMEWORK": "TRACE"}, false},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			set := map[string]string{}
			lookup := func(key string) (string, bool) {
				value, ok := tc.env[key]
				return value, ok
			}
			err := quietUnrequestedLogs(lookup, func(key, value string) error {
				set[key] = value
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			for _, key := range []string{"TF_LOG_SDK", "TF_LOG_SDK_PROTO", "TF_LOG_SDK_FRAMEWORK"} {
				if got, want := set[key] == "OFF", tc.wantQuiet; got != want {
					t.Errorf("%s set to OFF: %v, want %v", key, got, want)
				}
			}
			if _, ok := set["TF_LOG_PROVIDER"]; ok {
				t.Errorf("TF_LOG_PROVIDER was changed; the provider's own logs keep their default")
			}
		})
	}
}
