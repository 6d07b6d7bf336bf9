// Package codegen is a stub of pulumi-yaml's program generator with the one
// entry point the terraform bridge calls. It always reports "unsupported", so
// YAML examples are simply left out of generated docs.
package codegen

import (
	"errors"

	"github.com/hashicorp/hcl/v2"
	"github.com/pulumi/pulumi/pkg/v3/codegen/pcl"
)

// GenerateProgram matches the upstream signature.
func GenerateProgram(program *pcl.Program) (map[string][]byte, hcl.Diagnostics, error) {
	return nil, nil, errors.New("pulumi-yaml codegen is not available in this build")
}
