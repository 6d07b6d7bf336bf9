// Package shim exposes hashicorp/terraform-provider-tls's plugin-framework
// provider, which upstream keeps in an internal/ package.
package shim

import (
	"github.com/hashicorp/terraform-plugin-framework/provider"
	upstream "github.com/hashicorp/terraform-provider-tls/internal/provider"
)

// NewProvider returns a fresh upstream provider instance.
func NewProvider() provider.Provider {
	return upstream.New()
}
