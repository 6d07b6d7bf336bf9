// Package tls describes how hashicorp/terraform-provider-tls (a
// plugin-framework provider) is exposed as the Pulumi "tls" package, with the
// tokens used by the published @pulumi/tls npm SDK (5.6.1).
package tls

import (
	_ "embed"

	"github.com/hashicorp/terraform-provider-tls/shim"
	pf "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/pf/tfbridge"
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge"
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge/tokens"

	"dpg-cluster/toolchain/providers/tls/pkg/version"
)

// bridge-metadata.json is tfgen output kept in git; pulumi-tfgen-tls
// rewrites it, identically, on every build.
//
//go:embed cmd/pulumi-resource-tls/bridge-metadata.json
var metadata []byte

// Provider returns the bridge configuration.
func Provider() tfbridge.ProviderInfo {
	prov := tfbridge.ProviderInfo{
		P:            pf.ShimProvider(shim.NewProvider()),
		Name:         "tls",
		Version:      version.Version,
		GitHubOrg:    "hashicorp",
		Publisher:    "Pulumi",
		DisplayName:  "TLS",
		License:      "Apache-2.0",
		Repository:   "https://github.com/pulumi/pulumi-tls",
		MetadataInfo: tfbridge.NewProviderMetadata(metadata),
		// The SDK's resources were generated with schema version 0 states in
		// mind (the provider moved from SDKv2 to the plugin framework).
		EnableZeroDefaultSchemaVersion: true,
	}
	// Unlike random, the SDK drops the "tls_" prefix:
	// tls_private_key -> tls:index/privateKey:PrivateKey,
	// data tls_public_key -> tls:index/getPublicKey:getPublicKey.
	prov.MustComputeTokens(tokens.SingleModule("tls_", "index", tokens.MakeStandard("tls")))
	return prov
}
