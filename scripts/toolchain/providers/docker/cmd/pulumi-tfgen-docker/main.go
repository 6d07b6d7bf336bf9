// pulumi-tfgen-docker: build-time tool that writes the Pulumi package schema
// (and bridge-metadata.json) from the Terraform schema.
// Usage: pulumi-tfgen-docker schema --out ../pulumi-resource-docker
package main

import (
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfgen"

	docker "dpg-cluster/toolchain/providers/docker"
	"dpg-cluster/toolchain/providers/docker/pkg/version"
)

func main() {
	tfgen.Main("docker", version.Version, docker.Provider())
}
