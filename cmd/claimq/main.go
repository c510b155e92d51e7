// Command claimq serves the Zaqar v2 API over in-memory claimq queues.
//
//	claimq serve [-addr 127.0.0.1:8888] [-token T] [-project P] [-strict-project] [-fake-time]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "claimq:", err)
		}
		os.Exit(2)
	}
}

// run dispatches args[0] to its subcommand.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errors.New("usage: claimq serve [flags]")
	}
	switch args[0] {
	case "serve":
		return runServe(ctx, args[1:], stdout, stderr)
	default:
		return fmt.Errorf("unknown command %q; usage: claimq serve [flags]", args[0])
	}
}
