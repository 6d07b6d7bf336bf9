// Package docker describes how the kreuzwerker terraform-provider-docker
// (an SDKv2 provider) is exposed as the Pulumi "docker" package, with the
// tokens that the published @pulumi/docker npm SDK (4.11.2) uses.
package docker

import (
	_ "embed"

	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge"
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge/tokens"
	shimv2 "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfshim/sdk-v2"
	"github.com/terraform-providers/terraform-provider-docker/shim"

	"dpg-cluster/toolchain/providers/docker/pkg/version"
)

// bridge-metadata.json is tfgen output kept in git (like upstream does);
// pulumi-tfgen-docker rewrites it, identically, on every build.
//
//go:embed cmd/pulumi-resource-docker/bridge-metadata.json
var metadata []byte

// Provider returns the bridge configuration.
func Provider() tfbridge.ProviderInfo {
	prov := tfbridge.ProviderInfo{
		P:            shimv2.NewProvider(shim.NewProvider()),
		Name:         "docker",
		Version:      version.Version,
		GitHubOrg:    "kreuzwerker",
		Publisher:    "Pulumi",
		DisplayName:  "Docker",
		License:      "Apache-2.0",
		Repository:   "https://github.com/pulumi/pulumi-docker",
		MetadataInfo: tfbridge.NewProviderMetadata(metadata),
		Config: map[string]*tfbridge.SchemaInfo{
			// The SDK calls this singular (it is a set of blocks upstream).
			"registry_auth": {Name: "registryAuth"},
			"host": {Default: &tfbridge.DefaultInfo{
				EnvVars: []string{"DOCKER_HOST"},
				Value:   "unix:///var/run/docker.sock",
			}},
		},
		// Names that do not follow the mechanical docker_foo -> Foo rule.
		// pulumi-docker renames these because its native (buildkit) Image
		// resource owns the "Image" name.
		Resources: map[string]*tfbridge.ResourceInfo{
			"docker_image": {
				Tok: "docker:index/remoteImage:RemoteImage",
				// "name" is the image reference, never auto-generated (the SDK
				// makes it required); listing it keeps SetAutonaming off it.
				Fields: map[string]*tfbridge.SchemaInfo{"name": {Name: "name"}},
			},
			"docker_config": {Tok: "docker:index/serviceConfig:ServiceConfig"},
			"docker_container": {
				// A container with a fixed name cannot be created while the
				// old one still exists, so replace = delete, then create.
				DeleteBeforeReplace: true,
				Fields: map[string]*tfbridge.SchemaInfo{
					// Keep the SDK's names; the bridge would otherwise
					// pluralise these list properties.
					"command":           {Name: "command"},
					"networks_advanced": {Name: "networksAdvanced"},
				},
			},
		},
		DataSources: map[string]*tfbridge.DataSourceInfo{
			"docker_image": {Tok: "docker:index/getRemoteImage:getRemoteImage"},
		},
	}
	// Everything else: docker_container -> docker:index/container:Container,
	// data docker_network -> docker:index/getNetwork:getNetwork, etc.
	prov.MustComputeTokens(tokens.SingleModule("docker_", "index", tokens.MakeStandard("docker")))
	prov.SetAutonaming(255, "-")
	return prov
}
