// Package shim exposes the upstream (kreuzwerker) SDKv2 provider, which is
// otherwise only reachable through its internal/ package.
package shim

import (
	"github.com/hashicorp/terraform-plugin-sdk/v2/helper/schema"
	upstream "github.com/terraform-providers/terraform-provider-docker/internal/provider"
)

// NewProvider builds the upstream terraform-provider-docker SDKv2 provider.
func NewProvider() *schema.Provider {
	return upstream.New("dev")()
}
