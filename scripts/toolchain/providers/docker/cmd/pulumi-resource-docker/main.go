// pulumi-resource-docker: the provider plugin the Pulumi engine launches.
package main

import (
	_ "embed"

	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge"

	docker "dpg-cluster/toolchain/providers/docker"
	"dpg-cluster/toolchain/providers/docker/pkg/version"
)

// schema-embed.json is schema.json from pulumi-tfgen-docker with "version"
// filled in; build-providers.sh writes it (it is not committed).
//
//go:embed schema-embed.json
var pulumiSchema []byte

func main() {
	tfbridge.Main("docker", version.Version, docker.Provider(), pulumiSchema)
}
