// Local shim at an import path *inside* terraform-provider-tls's tree, so Go's
// "internal" rule (checked by import path in module mode) lets it import the
// upstream internal/provider package.
module github.com/hashicorp/terraform-provider-tls/shim

go 1.25.8

require (
	github.com/hashicorp/terraform-plugin-framework v1.19.0
	github.com/hashicorp/terraform-provider-tls v1.2.1-0.20260819085117-d044ca7c6f52
)
