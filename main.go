package main

import (
	"context"
	"flag"
	"log"
	"os"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"

	"github.com/partio/terraform-provider-partio/internal/provider"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

// logLevelVariables are the variables that ask Terraform, or the plugin
// libraries, for provider logs.
var logLevelVariables = []string{
	"TF_LOG", "TF_LOG_PROVIDER", "TF_LOG_SDK", "TF_LOG_SDK_PROTO", "TF_LOG_SDK_FRAMEWORK",
}

// quietUnrequestedLogs turns the plugin libraries' logs off when no log
// level variable is set. Those libraries log at TRACE by default, and
// Terraform discards provider logs unless TF_LOG or TF_LOG_PROVIDER is
// set, so formatting them only costs time: about a quarter of the
// provider's CPU time when planning 500 render jobs (see BENCHMARKS.md).
// The provider's own logs keep their default.
func quietUnrequestedLogs(lookup func(string) (string, bool), set func(string, string) error) error {
	for _, name := range logLevelVariables {
		if _, ok := lookup(name); ok {
			return nil
		}
	}
	for _, name := range []string{"TF_LOG_SDK", "TF_LOG_SDK_PROTO", "TF_LOG_SDK_FRAMEWORK"} {
		if err := set(name, "OFF"); err != nil {
			return err
		}
	}
	return nil
}

func main() {
	var debug bool
	flag.BoolVar(&debug, "debug", false, "start the provider in debug mode, for use with a debugger such as delve")
	flag.Parse()

	if err := quietUnrequestedLogs(os.LookupEnv, os.Setenv); err != nil {
		log.Fatal(err)
	}
	err := providerserver.Serve(context.Background(), provider.New(version), providerserver.ServeOpts{
		Address: "registry.terraform.io/partio/partio",
		Debug:   debug,
	})
	if err != nil {
		log.Fatal(err)
	}
}
