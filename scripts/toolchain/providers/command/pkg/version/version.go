// Package version holds the provider version, set at link time with
// -ldflags "-X <module>/pkg/version.Version=1.2.1".
package version

// Version should equal the @pulumi/command npm version the program uses.
var Version = "0.0.1-dev"
