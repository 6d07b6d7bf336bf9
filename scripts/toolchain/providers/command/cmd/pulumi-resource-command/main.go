// pulumi-resource-command: a small provider plugin that serves the
// command:local:Command resource of the @pulumi/command npm SDK.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/pulumi/pulumi-go-provider/infer"

	"dpg-cluster/toolchain/providers/command/local"
	"dpg-cluster/toolchain/providers/command/pkg/version"
)

func main() {
	// Same convention as the bridged providers: "-version" prints the version.
	if len(os.Args) == 2 && (os.Args[1] == "-version" || os.Args[1] == "--version") {
		fmt.Println(version.Version)
		return
	}
	prov, err := infer.NewProviderBuilder().
		WithDisplayName("Command").
		WithDescription("Runs local commands as part of a Pulumi deployment (dpg-cluster's own subset of pulumi-command).").
		WithLicense("Apache-2.0").
		WithNamespace("pulumi").
		WithResources(infer.Resource(&local.Command{})).
		Build()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if err := prov.Run(context.Background(), "command", version.Version); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
