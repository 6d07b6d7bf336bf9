// Package version holds the provider version, set at link time with
// -ldflags "-X <module>/pkg/version.Version=4.11.2".
package version

// Version is the provider's semver; it must match the npm @pulumi/docker
// package version so the plugin cache lookup finds the binary.
var Version = "0.0.1-dev"
