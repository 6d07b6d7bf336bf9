// Stand-in for github.com/pulumi/pulumi-yaml, used only through the bridge's
// tfgen example converter (HCL examples -> Pulumi YAML in generated docs).
// The bridge pins an untagged pulumi-yaml pseudo-version the module mirror
// does not serve; the tags the mirror does serve either do not compile against
// pulumi pkg v3.253 (v1.37.0) or drag pkg to v3.254+ which breaks pulumi-java
// v1.32.0 (v1.38.x). We never generate docs/SDKs, so a stub is enough.
module github.com/pulumi/pulumi-yaml

go 1.25.8

require (
	github.com/hashicorp/hcl/v2 v2.24.0
	github.com/pulumi/pulumi/pkg/v3 v3.253.0
)
