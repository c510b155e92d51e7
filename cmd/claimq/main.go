// Command claimq runs claimq queues outside a Go program: it serves them
// over the Zaqar v1.0, v1.1 and v2 APIs and measures them under load.
//
// Usage:
//
//	claimq serve [flags]   serve the Zaqar APIs (v1, v1.1, v2) over in-memory queues
//	claimq bench [flags]   load a queue and report throughput and latency
//	claimq version         print the module version and VCS revision
//	claimq help            print this text
//
// Run "claimq serve -h" or "claimq bench -h" for their flags.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"syscall"
)

const usage = `claimq runs claimq queues outside a Go program.

Usage:

	claimq serve [flags]   serve the Zaqar APIs (v1, v1.1, v2) over in-memory queues
	claimq bench [flags]   load a queue and report throughput and latency
	claimq version         print the module version and VCS revision
	claimq help            print this text

Run "claimq serve -h" or "claimq bench -h" for their flags.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	// Once the first signal has started a graceful shutdown, a second one
	// ends the process the default way.
	context.AfterFunc(ctx, stop)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	code := exitCode(err)
	if code != 0 {
		fmt.Fprintln(os.Stderr, "claimq:", err)
	}
	os.Exit(code)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return usageErrorf("no command given")
	}
	switch args[0] {
	case "serve":
		return runServe(ctx, args[1:], stdout, stderr)
	case "bench":
		return runBench(ctx, args[1:], stdout, stderr)
	case "version":
		if len(args) > 1 {
			return usageErrorf("version: unexpected arguments %q", args[1:])
		}
		fmt.Fprintln(stdout, versionLine())
		return nil
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	default:
		return usageErrorf("unknown command %q; run \"claimq help\"", args[0])
	}
}

// usageError marks a mistake in the command line, which exits with status
// 2 as the flag package does, so that scripts can tell it from a failed run.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func usageErrorf(format string, args ...any) error {
	return usageError{fmt.Errorf(format, args...)}
}

// exitCode maps the result of run to the process status: 0 for success,
// 2 for a bad command line, 1 for a run that failed.
func exitCode(err error) int {
	var ue usageError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ue):
		return 2
	default:
		return 1
	}
}

// versionLine describes the binary as its build info records it: the
// module version ("(devel)" when built from a work tree), the VCS
// revision and whether the tree was modified, and the Go version.
func versionLine() string {
	line := "claimq"
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return line + " (no build info) " + runtime.Version()
	}
	line += " " + info.Main.Version
	var rev, modified string
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				modified = "+modified"
			}
		}
	}
	if rev != "" {
		line += " " + rev + modified
	}
	return line + " " + info.GoVersion
}
