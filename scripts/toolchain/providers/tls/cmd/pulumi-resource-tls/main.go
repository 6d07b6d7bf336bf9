// pulumi-resource-tls: the provider plugin the Pulumi engine launches.
package main

import (
	"context"
	_ "embed"

	pf "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/pf/tfbridge"

	tls "dpg-cluster/toolchain/providers/tls"
)

// schema-embed.json is schema.json from pulumi-tfgen-tls with "version"
// filled in; build-providers.sh writes it (it is not committed).
//
//go:embed schema-embed.json
var pulumiSchema []byte

func main() {
	pf.Main(context.Background(), "tls", tls.Provider(), pf.ProviderMetadata{PackageSchema: pulumiSchema})
}
