// pulumi-tfgen-random: build-time tool that writes the Pulumi package schema
// and bridge-metadata.json from the Terraform schema.
// Usage: pulumi-tfgen-random schema --out ../pulumi-resource-random
package main

import (
	pfgen "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/pf/tfgen"

	random "dpg-cluster/toolchain/providers/random"
)

func main() {
	pfgen.Main("random", random.Provider())
}
