// Package random describes how hashicorp/terraform-provider-random (a
// plugin-framework provider) is exposed as the Pulumi "random" package, with
// the tokens used by the published @pulumi/random npm SDK (4.21.1).
package random

import (
	_ "embed"

	pf "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/pf/tfbridge"
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge"
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge/tokens"
	"github.com/terraform-providers/terraform-provider-random/shim"

	"dpg-cluster/toolchain/providers/random/pkg/version"
)

// bridge-metadata.json is tfgen output kept in git (like upstream does);
// pulumi-tfgen-random rewrites it, identically, on every build.
//
//go:embed cmd/pulumi-resource-random/bridge-metadata.json
var metadata []byte

// Provider returns the bridge configuration.
func Provider() tfbridge.ProviderInfo {
	prov := tfbridge.ProviderInfo{
		P:            pf.ShimProvider(shim.NewProvider()),
		Name:         "random",
		Version:      version.Version,
		GitHubOrg:    "hashicorp",
		Publisher:    "Pulumi",
		DisplayName:  "random",
		License:      "Apache-2.0",
		Repository:   "https://github.com/pulumi/pulumi-random",
		MetadataInfo: tfbridge.NewProviderMetadata(metadata),
	}
	// The SDK keeps the "random" prefix in its names:
	// random_password -> random:index/randomPassword:RandomPassword.
	prov.MustComputeTokens(tokens.SingleModule("", "index", tokens.MakeStandard("random")))
	return prov
}
