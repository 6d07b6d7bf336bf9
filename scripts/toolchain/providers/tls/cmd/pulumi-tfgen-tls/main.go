// pulumi-tfgen-tls: build-time tool that writes the Pulumi package schema and
// bridge-metadata.json from the Terraform schema.
// Usage: pulumi-tfgen-tls schema --out <dir>
package main

import (
	pfgen "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/pf/tfgen"

	tls "dpg-cluster/toolchain/providers/tls"
)

func main() {
	pfgen.Main("tls", tls.Provider())
}
