// pulumi-language-nodejs: a small Node.js language host for the Pulumi engine.
//
// Why this exists: the upstream host lives in its own untagged Go module
// (github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3), and the module proxy
// reachable from this workplace refuses every version of it (HTTP 403), while the CLI's
// modules (pkg/sdk v3.259.0) are served. The engine only needs the LanguageRuntime gRPC
// contract from sdk/v3's pulumirpc, so we implement the parts a TypeScript program and a
// TypeScript policy pack use: Run, RunPlugin, GetRequiredPackages/Plugins, GetPluginInfo,
// InstallDependencies. Everything else answers Unimplemented, which the engine tolerates.
//
// The actual program runs in @pulumi/pulumi's own bootstrap scripts (cmd/run,
// cmd/run-policy-pack) resolved from the program's node_modules, exactly as upstream does.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// version is set at build time (-X main.version=...) to the CLI version it was built beside.
var version = "0.0.0-dev"

// exitCodeUserActionable is what @pulumi/pulumi's cmd/run exits with after it has already
// printed a user-facing error; the engine must then "bail" without adding its own message.
const exitCodeUserActionable = 32

func main() {
	// The engine passes its own address as the last positional argument; older engines put
	// flags such as -tracing before it, which we accept and ignore.
	args := os.Args[1:]
	engineAddress := ""
	if len(args) > 0 && !strings.HasPrefix(args[len(args)-1], "-") {
		engineAddress = args[len(args)-1]
	}

	host := &languageHost{engineAddress: engineAddress}
	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Init: func(srv *grpc.Server) error {
			pulumirpc.RegisterLanguageRuntimeServer(srv, host)
			return nil
		},
		Options: rpcutil.OpenTracingServerInterceptorOptions(nil),
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-language-nodejs: could not start: %v\n", err)
		os.Exit(1)
	}
	// The engine reads the port from our first line of stdout.
	fmt.Printf("%d\n", handle.Port)
	if err := <-handle.Done; err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-language-nodejs: %v\n", err)
		os.Exit(1)
	}
}

type languageHost struct {
	pulumirpc.UnimplementedLanguageRuntimeServer
	engineAddress string
}

func (h *languageHost) Handshake(ctx context.Context, req *pulumirpc.LanguageHandshakeRequest) (*pulumirpc.LanguageHandshakeResponse, error) {
	if req.GetEngineAddress() != "" {
		h.engineAddress = req.GetEngineAddress()
	}
	return &pulumirpc.LanguageHandshakeResponse{}, nil
}

func (h *languageHost) GetPluginInfo(ctx context.Context, _ *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: version}, nil
}

// packageJSON is the part of a package.json that marks a Pulumi resource plugin SDK.
type packageJSON struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	Pulumi  *struct {
		Resource bool   `json:"resource"`
		Name     string `json:"name"`
		Version  string `json:"version"`
		Server   string `json:"server"`
	} `json:"pulumi"`
}

// requiredPackages lists the provider plugins the program's installed SDKs ask for, so the
// engine can check they are installed before the program starts (and fail early, offline).
func requiredPackages(programDir string) ([]*pulumirpc.PackageDependency, error) {
	nodeModules, err := findNodeModules(programDir)
	if err != nil {
		return nil, err
	}
	var deps []*pulumirpc.PackageDependency
	seen := map[string]bool{}
	var visit func(dir string, depth int) error
	visit = func(dir string, depth int) error {
		entries, err := os.ReadDir(dir)
		if err != nil {
			return nil // a missing or unreadable folder holds no plugins
		}
		for _, e := range entries {
			if !e.IsDir() && e.Type()&os.ModeSymlink == 0 {
				continue
			}
			name := e.Name()
			pkgDir := filepath.Join(dir, name)
			if strings.HasPrefix(name, "@") && depth == 0 {
				if err := visit(pkgDir, depth+1); err != nil {
					return err
				}
				continue
			}
			raw, err := os.ReadFile(filepath.Join(pkgDir, "package.json"))
			if err != nil {
				continue
			}
			var pkg packageJSON
			if json.Unmarshal(raw, &pkg) != nil || pkg.Pulumi == nil || !pkg.Pulumi.Resource {
				continue
			}
			pluginName := pkg.Pulumi.Name
			if pluginName == "" {
				pluginName = strings.TrimPrefix(pkg.Name, "@pulumi/")
			}
			pluginVersion := pkg.Pulumi.Version
			if pluginVersion == "" {
				pluginVersion = pkg.Version
			}
			key := pluginName + "@" + pluginVersion
			if seen[key] {
				continue
			}
			seen[key] = true
			deps = append(deps, &pulumirpc.PackageDependency{
				Kind:    "resource",
				Name:    pluginName,
				Version: "v" + strings.TrimPrefix(pluginVersion, "v"),
				Server:  pkg.Pulumi.Server,
			})
		}
		return nil
	}
	if err := visit(nodeModules, 0); err != nil {
		return nil, err
	}
	return deps, nil
}

// findNodeModules walks up from dir like Node's resolver does.
func findNodeModules(dir string) (string, error) {
	for d := dir; ; d = filepath.Dir(d) {
		candidate := filepath.Join(d, "node_modules")
		if st, err := os.Stat(candidate); err == nil && st.IsDir() {
			return candidate, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("no node_modules above %s: run `npm ci` in the project first", dir)
		}
	}
}

func (h *languageHost) GetRequiredPackages(ctx context.Context, req *pulumirpc.GetRequiredPackagesRequest) (*pulumirpc.GetRequiredPackagesResponse, error) {
	deps, err := requiredPackages(req.GetInfo().GetProgramDirectory())
	if err != nil {
		return nil, err
	}
	return &pulumirpc.GetRequiredPackagesResponse{Packages: deps}, nil
}

func (h *languageHost) GetRequiredPlugins(ctx context.Context, req *pulumirpc.GetRequiredPluginsRequest) (*pulumirpc.GetRequiredPluginsResponse, error) {
	deps, err := requiredPackages(req.GetInfo().GetProgramDirectory())
	if err != nil {
		return nil, err
	}
	var plugins []*pulumirpc.PluginDependency
	for _, d := range deps {
		plugins = append(plugins, &pulumirpc.PluginDependency{Kind: d.Kind, Name: d.Name, Version: d.Version, Server: d.Server})
	}
	return &pulumirpc.GetRequiredPluginsResponse{Plugins: plugins}, nil
}

// resolveScript finds one of @pulumi/pulumi's bootstrap scripts as Node would from dir.
func resolveScript(dir, module string) (string, error) {
	cmd := exec.Command("node", "-e", fmt.Sprintf("console.log(require.resolve(%q))", module))
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("cannot resolve %s from %s (is @pulumi/pulumi installed? run `npm ci`): %w", module, dir, err)
	}
	return strings.TrimSpace(string(out)), nil
}

// runtimeOptionEnv maps Pulumi.yaml `runtime.options` to the variables cmd/run reads.
func runtimeOptionEnv(options *structpb.Struct) []string {
	opts := options.AsMap()
	typescript := true
	if v, ok := opts["typescript"].(bool); ok {
		typescript = v
	}
	env := []string{fmt.Sprintf("PULUMI_NODEJS_TYPESCRIPT=%t", typescript)}
	if v, ok := opts["tsconfig"].(string); ok && v != "" {
		env = append(env, "PULUMI_NODEJS_TSCONFIG_PATH="+v)
	}
	return env
}

func nodeArgs(options *structpb.Struct) []string {
	if v, ok := options.AsMap()["nodeargs"].(string); ok && v != "" {
		return strings.Fields(v)
	}
	return nil
}

func (h *languageHost) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	info := req.GetInfo()
	programDir := info.GetProgramDirectory()
	runScript, err := resolveScript(programDir, "@pulumi/pulumi/cmd/run")
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}

	args := append(nodeArgs(info.GetOptions()), runScript,
		"--monitor="+req.GetMonitorAddress(),
		"--engine="+h.engineAddress,
		"--project="+req.GetProject(),
		"--stack="+req.GetStack(),
		"--pwd="+req.GetPwd(),
		"--root-directory="+info.GetRootDirectory(),
		fmt.Sprintf("--parallel=%d", req.GetParallel()),
	)
	if req.GetOrganization() != "" {
		args = append(args, "--organization="+req.GetOrganization())
	}
	if req.GetDryRun() {
		args = append(args, "--dry-run")
	}
	if req.GetQueryMode() {
		args = append(args, "--query-mode")
	}
	entry := filepath.Join(programDir, info.GetEntryPoint())
	args = append(args, entry)
	args = append(args, req.GetArgs()...)

	// @pulumi/pulumi expects an object here even when the stack has no config at all.
	config := req.GetConfig()
	if config == nil {
		config = map[string]string{}
	}
	configJSON, err := json.Marshal(config)
	if err != nil {
		return nil, err
	}
	secretKeys := req.GetConfigSecretKeys()
	if secretKeys == nil {
		secretKeys = []string{}
	}
	secretKeysJSON, err := json.Marshal(secretKeys)
	if err != nil {
		return nil, err
	}

	cmd := exec.CommandContext(ctx, "node", args...)
	cmd.Dir = req.GetPwd()
	cmd.Stdout = os.Stdout
	cmd.Stderr = os.Stderr
	cmd.Env = append(os.Environ(), runtimeOptionEnv(info.GetOptions())...)
	cmd.Env = append(cmd.Env, "PULUMI_CONFIG="+string(configJSON), "PULUMI_CONFIG_SECRET_KEYS="+string(secretKeysJSON))

	if err := cmd.Run(); err != nil {
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) {
			if exitErr.ExitCode() == exitCodeUserActionable {
				return &pulumirpc.RunResponse{Bail: true}, nil
			}
			return &pulumirpc.RunResponse{Error: fmt.Sprintf("Program exited with non-zero exit code: %d", exitErr.ExitCode())}, nil
		}
		return &pulumirpc.RunResponse{Error: fmt.Sprintf("Problem executing program (could not run language executor): %v", err)}, nil
	}
	return &pulumirpc.RunResponse{}, nil
}

// streamWriter forwards a child's output to the engine as RunPlugin messages.
type streamWriter struct {
	mu     *sync.Mutex
	send   func(*pulumirpc.RunPluginResponse) error
	stderr bool
}

func (w streamWriter) Write(p []byte) (int, error) {
	buf := append([]byte(nil), p...)
	msg := &pulumirpc.RunPluginResponse{Output: &pulumirpc.RunPluginResponse_Stdout{Stdout: buf}}
	if w.stderr {
		msg = &pulumirpc.RunPluginResponse{Output: &pulumirpc.RunPluginResponse_Stderr{Stderr: buf}}
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.send(msg); err != nil {
		return 0, err
	}
	return len(p), nil
}

// RunPlugin starts a plugin written in Node: since CLI 3.221 this is how policy packs run.
func (h *languageHost) RunPlugin(req *pulumirpc.RunPluginRequest, server grpc.ServerStreamingServer[pulumirpc.RunPluginResponse]) error {
	info := req.GetInfo()
	programDir := info.GetProgramDirectory()
	module := "@pulumi/pulumi/cmd/run-plugin"
	if req.GetKind() == "analyzer" {
		module = "@pulumi/pulumi/cmd/run-policy-pack"
	}
	script, err := resolveScript(programDir, module)
	if err != nil {
		return status.Error(codes.FailedPrecondition, err.Error())
	}
	args := append(nodeArgs(info.GetOptions()), script)
	args = append(args, req.GetArgs()...)
	args = append(args, programDir)

	cmd := exec.CommandContext(server.Context(), "node", args...)
	// Plugins read their own package.json (a policy pack's version, say) relative to the
	// working directory, so they run in their own folder, not the program's.
	cmd.Dir = programDir
	cmd.Env = append(append(os.Environ(), req.GetEnv()...), runtimeOptionEnv(info.GetOptions())...)
	mu := &sync.Mutex{}
	cmd.Stdout = streamWriter{mu: mu, send: server.Send}
	cmd.Stderr = streamWriter{mu: mu, send: server.Send, stderr: true}

	exitCode := int32(0)
	if err := cmd.Run(); err != nil {
		var exitErr *exec.ExitError
		if !errors.As(err, &exitErr) {
			return err
		}
		exitCode = int32(exitErr.ExitCode())
	}
	mu.Lock()
	defer mu.Unlock()
	return server.Send(&pulumirpc.RunPluginResponse{Output: &pulumirpc.RunPluginResponse_Exitcode{Exitcode: exitCode}})
}

// InstallDependencies backs `pulumi install`: npm ci when a lockfile exists, else npm install.
func (h *languageHost) InstallDependencies(req *pulumirpc.InstallDependenciesRequest, server grpc.ServerStreamingServer[pulumirpc.InstallDependenciesResponse]) error {
	dir := req.GetInfo().GetProgramDirectory()
	if dir == "" {
		dir = req.GetDirectory()
	}
	sub := "install"
	if _, err := os.Stat(filepath.Join(dir, "package-lock.json")); err == nil {
		sub = "ci"
	}
	cmd := exec.CommandContext(server.Context(), "npm", sub)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if sendErr := server.Send(&pulumirpc.InstallDependenciesResponse{Stdout: out}); sendErr != nil {
		return sendErr
	}
	if err != nil {
		return fmt.Errorf("npm %s in %s failed: %w", sub, dir, err)
	}
	return nil
}

func (h *languageHost) About(ctx context.Context, _ *pulumirpc.AboutRequest) (*pulumirpc.AboutResponse, error) {
	out, err := exec.Command("node", "--version").Output()
	if err != nil {
		return nil, fmt.Errorf("node not found on PATH: %w", err)
	}
	return &pulumirpc.AboutResponse{Executable: "node", Version: strings.TrimSpace(string(out))}, nil
}

func (h *languageHost) GetProgramDependencies(ctx context.Context, req *pulumirpc.GetProgramDependenciesRequest) (*pulumirpc.GetProgramDependenciesResponse, error) {
	dir := req.GetInfo().GetProgramDirectory()
	raw, err := os.ReadFile(filepath.Join(dir, "package.json"))
	if err != nil {
		return nil, err
	}
	var pkg struct {
		Dependencies map[string]string `json:"dependencies"`
	}
	if err := json.Unmarshal(raw, &pkg); err != nil {
		return nil, err
	}
	var deps []*pulumirpc.DependencyInfo
	for name, v := range pkg.Dependencies {
		deps = append(deps, &pulumirpc.DependencyInfo{Name: name, Version: v})
	}
	return &pulumirpc.GetProgramDependenciesResponse{Dependencies: deps}, nil
}

var _ io.Writer = streamWriter{}
