// Local stand-in for the "shim" package that pulumi-docker keeps as a patch on
// top of the kreuzwerker provider. It lives at an import path *inside*
// github.com/terraform-providers/terraform-provider-docker/ so that Go's
// "internal" rule (checked by import path in module mode) lets it import the
// upstream internal/provider package.
module github.com/terraform-providers/terraform-provider-docker/shim

go 1.25.8

require github.com/terraform-providers/terraform-provider-docker v0.0.0-20260916201441-96d331c98ff4
