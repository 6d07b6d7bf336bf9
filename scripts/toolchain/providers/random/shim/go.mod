// Local shim at an import path *inside* terraform-provider-random's tree, so
// Go's "internal" rule (checked by import path in module mode) lets it import
// the upstream internal/provider package.
module github.com/terraform-providers/terraform-provider-random/shim

go 1.25.8

require (
	github.com/hashicorp/terraform-plugin-framework v1.19.0
	github.com/terraform-providers/terraform-provider-random v1.3.2-0.20260513075824-f8d869dc98d9
)
