package provider

import (
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/partio/terraform-provider-partio/internal/partio"
)

// clientFrom returns the API client that the provider's Configure made. It
// returns nil without an error while the provider is not configured yet,
// which happens when Terraform validates a configuration.
func clientFrom(providerDataValue any, diags *diag.Diagnostics) *partio.Client {
	if providerDataValue == nil {
		return nil
	}
	data, ok := providerDataValue.(*providerData)
	if !ok {
		diags.AddError("Unexpected provider data",
			fmt.Sprintf("Expected *providerData, got %T. This is a bug in the provider; please report it.", providerDataValue))
		return nil
	}
	return data.client
}

// addNotConfiguredError reports a call that needs the API before the
// provider was configured.
func addNotConfiguredError(diags *diag.Diagnostics) {
	diags.AddError("Provider not configured",
		"The part.io provider has no API client, so the request cannot be sent. This is a bug in the provider; please report it.")
}
