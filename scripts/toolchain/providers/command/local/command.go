// Package local implements command:local:Command, the part of the
// @pulumi/command SDK that dpg-cluster uses: run a shell command on create,
// update and delete, and return its stdout and stderr.
//
// Written for this repo on top of pulumi-go-provider's infer package; it
// follows the documented behaviour of pulumi-command 1.2.1:
//   - create runs on create; update (or create again, when update is unset)
//     runs when an input other than triggers changes; a change of triggers
//     replaces the resource; delete runs on delete.
//   - interpreter defaults to ["/bin/sh", "-c"]; dir defaults to the
//     provider's working directory (the Pulumi project directory).
//   - environment is added to the provider's own environment; unless
//     addPreviousOutputInEnv is false, the previous stdout and stderr are
//     passed as PULUMI_COMMAND_STDOUT and PULUMI_COMMAND_STDERR.
//   - stdout and stderr lose one trailing newline; a non-zero exit fails the
//     step and the error shows the command's output.
//
// Not supported: assetPaths and archivePaths (rejected when set), so the
// assets / archive outputs stay empty.
package local

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"

	p "github.com/pulumi/pulumi-go-provider"
	"github.com/pulumi/pulumi-go-provider/infer"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// Logging selects which output streams are echoed into the Pulumi log.
type Logging string

const (
	LogStdout          Logging = "stdout"
	LogStderr          Logging = "stderr"
	LogStdoutAndStderr Logging = "stdoutAndStderr"
	LogNone            Logging = "none"
)

// Values makes Logging a schema enum (command:local:Logging).
func (Logging) Values() []infer.EnumValue[Logging] {
	return []infer.EnumValue[Logging]{
		{Name: "Stdout", Value: LogStdout, Description: "Capture stdout in logs but not stderr"},
		{Name: "Stderr", Value: LogStderr, Description: "Capture stderr in logs but not stdout"},
		{Name: "StdoutAndStderr", Value: LogStdoutAndStderr, Description: "Capture stdout and stderr in logs"},
		{Name: "None", Value: LogNone, Description: "Capture no logs"},
	}
}

// CommandArgs are the inputs; property names follow the npm SDK.
type CommandArgs struct {
	Create                 *string            `pulumi:"create,optional"`
	Update                 *string            `pulumi:"update,optional"`
	Delete                 *string            `pulumi:"delete,optional"`
	Dir                    *string            `pulumi:"dir,optional"`
	Environment            *map[string]string `pulumi:"environment,optional"`
	Interpreter            *[]string          `pulumi:"interpreter,optional"`
	Triggers               *[]any             `pulumi:"triggers,optional" provider:"replaceOnChanges"`
	Stdin                  *string            `pulumi:"stdin,optional"`
	Logging                *Logging           `pulumi:"logging,optional"`
	AddPreviousOutputInEnv *bool              `pulumi:"addPreviousOutputInEnv,optional"`
	AssetPaths             *[]string          `pulumi:"assetPaths,optional"`
	ArchivePaths           *[]string          `pulumi:"archivePaths,optional"`
}

// Annotate adds schema descriptions and defaults.
func (a *CommandArgs) Annotate(an infer.Annotator) {
	an.Describe(&a.Create, "The command to run on create.")
	an.Describe(&a.Update, "The command to run on update; if unset, create runs again.")
	an.Describe(&a.Delete, "The command to run on delete.")
	an.Describe(&a.Dir, "Working directory of the command (default: the provider's working directory).")
	an.Describe(&a.Environment, "Additional environment variables for the command.")
	an.Describe(&a.Interpreter, "Program and arguments that run the command (default [\"/bin/sh\", \"-c\"]).")
	an.Describe(&a.Triggers, "Any change to these values replaces the resource.")
	an.Describe(&a.Stdin, "Text passed to the command on standard input.")
	an.Describe(&a.Logging, "Which output streams are shown in the Pulumi log (default stdoutAndStderr).")
	an.Describe(&a.AddPreviousOutputInEnv,
		"Pass the previous stdout and stderr as PULUMI_COMMAND_STDOUT and PULUMI_COMMAND_STDERR. Defaults to true.")
	an.SetDefault(&a.AddPreviousOutputInEnv, true)
	an.Describe(&a.AssetPaths, "Not supported by this build of the provider.")
	an.Describe(&a.ArchivePaths, "Not supported by this build of the provider.")
}

// CommandState is what is kept in the Pulumi state: the inputs plus outputs.
type CommandState struct {
	CommandArgs
	Stdout string `pulumi:"stdout"`
	Stderr string `pulumi:"stderr"`
	// Declared so the schema matches the SDK; always empty here because
	// assetPaths/archivePaths are rejected.
	Assets  *map[string]*resource.Asset `pulumi:"assets,optional"`
	Archive *resource.Archive           `pulumi:"archive,optional"`
}

// Annotate adds schema descriptions.
func (s *CommandState) Annotate(an infer.Annotator) {
	s.CommandArgs.Annotate(an)
	an.Describe(&s.Stdout, "Standard output of the last create or update command.")
	an.Describe(&s.Stderr, "Standard error of the last create or update command.")
	an.Describe(&s.Assets, "Not supported by this build of the provider (always empty).")
	an.Describe(&s.Archive, "Not supported by this build of the provider (always empty).")
}

// Command is the resource controller. Its Go package name ("local") gives the
// token command:local:Command.
type Command struct{}

// Annotate describes the resource.
func (c *Command) Annotate(an infer.Annotator) {
	an.Describe(&c, "A command run on the machine that runs Pulumi, on create, update and delete.")
}

var (
	_ infer.CustomResource[CommandArgs, CommandState] = (*Command)(nil)
	_ infer.CustomUpdate[CommandArgs, CommandState]   = (*Command)(nil)
	_ infer.CustomDelete[CommandState]                = (*Command)(nil)
)

// Create runs the create command (nothing during a preview).
func (*Command) Create(ctx context.Context, req infer.CreateRequest[CommandArgs]) (infer.CreateResponse[CommandState], error) {
	id, err := resource.NewUniqueHex(req.Name+"-", 8, 0)
	if err != nil {
		return infer.CreateResponse[CommandState]{}, err
	}
	state := CommandState{CommandArgs: req.Inputs}
	if err := unsupported(req.Inputs); err != nil {
		return infer.CreateResponse[CommandState]{ID: id, Output: state}, err
	}
	if req.DryRun || req.Inputs.Create == nil {
		return infer.CreateResponse[CommandState]{ID: id, Output: state}, nil
	}
	state.Stdout, state.Stderr, err = run(ctx, *req.Inputs.Create, req.Inputs, "", "")
	return infer.CreateResponse[CommandState]{ID: id, Output: state}, err
}

// Update runs update, or create when update is unset.
func (*Command) Update(ctx context.Context, req infer.UpdateRequest[CommandArgs, CommandState]) (infer.UpdateResponse[CommandState], error) {
	state := CommandState{CommandArgs: req.Inputs, Stdout: req.State.Stdout, Stderr: req.State.Stderr}
	if err := unsupported(req.Inputs); err != nil {
		return infer.UpdateResponse[CommandState]{Output: state}, err
	}
	cmd := req.Inputs.Update
	if cmd == nil {
		cmd = req.Inputs.Create
	}
	if req.DryRun || cmd == nil {
		return infer.UpdateResponse[CommandState]{Output: state}, nil
	}
	var err error
	state.Stdout, state.Stderr, err = run(ctx, *cmd, req.Inputs, req.State.Stdout, req.State.Stderr)
	return infer.UpdateResponse[CommandState]{Output: state}, err
}

// Delete runs the delete command recorded in the state, if any.
func (*Command) Delete(ctx context.Context, req infer.DeleteRequest[CommandState]) (infer.DeleteResponse, error) {
	if req.State.Delete == nil {
		return infer.DeleteResponse{}, nil
	}
	_, _, err := run(ctx, *req.State.Delete, req.State.CommandArgs, req.State.Stdout, req.State.Stderr)
	return infer.DeleteResponse{}, err
}

func unsupported(in CommandArgs) error {
	if (in.AssetPaths != nil && len(*in.AssetPaths) > 0) || (in.ArchivePaths != nil && len(*in.ArchivePaths) > 0) {
		return errors.New("assetPaths/archivePaths are not supported by this build of pulumi-resource-command")
	}
	return nil
}

// run executes command with the settings from in; prevOut/prevErr are the
// previous outputs, exported to the command unless disabled.
func run(ctx context.Context, command string, in CommandArgs, prevOut, prevErr string) (string, string, error) {
	argv := []string{"/bin/sh", "-c"}
	if in.Interpreter != nil && len(*in.Interpreter) > 0 {
		argv = append([]string{}, *in.Interpreter...)
	}
	argv = append(argv, command)

	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	if in.Dir != nil && *in.Dir != "" {
		cmd.Dir = *in.Dir
	}
	cmd.Env = os.Environ()
	if in.Environment != nil {
		for k, v := range *in.Environment {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
	}
	if in.AddPreviousOutputInEnv == nil || *in.AddPreviousOutputInEnv {
		if prevOut != "" {
			cmd.Env = append(cmd.Env, "PULUMI_COMMAND_STDOUT="+prevOut)
		}
		if prevErr != "" {
			cmd.Env = append(cmd.Env, "PULUMI_COMMAND_STDERR="+prevErr)
		}
	}
	if in.Stdin != nil && *in.Stdin != "" {
		cmd.Stdin = strings.NewReader(*in.Stdin)
	}

	logging := LogStdoutAndStderr
	if in.Logging != nil {
		logging = *in.Logging
	}
	log := p.GetLogger(ctx)
	var stdout, stderr bytes.Buffer
	combined := &lockedBuffer{}
	outLog := &lineLogger{emit: func(l string) { log.Info(l) }, on: logging == LogStdout || logging == LogStdoutAndStderr}
	errLog := &lineLogger{emit: func(l string) { log.Info(l) }, on: logging == LogStderr || logging == LogStdoutAndStderr}
	cmd.Stdout = io.MultiWriter(&stdout, combined, outLog)
	cmd.Stderr = io.MultiWriter(&stderr, combined, errLog)

	err := cmd.Run()
	outLog.flush()
	errLog.flush()
	if err != nil {
		return "", "", fmt.Errorf("%w: running %q:\n%s", err, command, combined.String())
	}
	return strings.TrimSuffix(stdout.String(), "\n"), strings.TrimSuffix(stderr.String(), "\n"), nil
}

// lockedBuffer interleaves stdout and stderr, which exec copies from two
// goroutines.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// lineLogger forwards complete lines to emit (when on).
type lineLogger struct {
	on      bool
	emit    func(string)
	pending []byte
}

func (l *lineLogger) Write(p []byte) (int, error) {
	if !l.on {
		return len(p), nil
	}
	l.pending = append(l.pending, p...)
	for {
		i := bytes.IndexByte(l.pending, '\n')
		if i < 0 {
			break
		}
		l.emit(string(l.pending[:i]))
		l.pending = l.pending[i+1:]
	}
	return len(p), nil
}

func (l *lineLogger) flush() {
	if l.on && len(l.pending) > 0 {
		l.emit(string(l.pending))
		l.pending = nil
	}
}
