// Package version holds the provider version, set at link time with
// -ldflags "-X <module>/pkg/version.Version=5.6.1".
package version

// Version must be valid semver (the pf bridge refuses to start otherwise) and
// should equal the @pulumi/tls npm version the program uses.
var Version = "0.0.1-dev"
