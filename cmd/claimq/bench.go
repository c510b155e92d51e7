package main

import (
	"context"
	"errors"
	"io"

	"github.com/claimq/claimq/bench"
)

// runBench is "claimq bench": the harness of package bench with the
// engines of this module. Its mistakes of the command line exit with
// status 2.
func runBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	err := bench.Run(ctx, args, stdout, stderr, bench.Options{})
	if errors.Is(err, bench.ErrUsage) {
		return usageError{err}
	}
	return err
}
