// Package bench is the load harness behind "claimq bench": producers and
// consumers driving a queue (the in-process [claimq.Queue], the Zaqar
// front of this module, a Zaqar server, or any [claimq.Engine]) with one
// workload, and one report of throughput, latency percentiles,
// allocations and memory, as a table, JSON, Go benchmark lines for
// benchstat, or HdrHistogram distributions and SVG charts.
//
// It is a package of its own, not part of the command, so that a command
// in another module can run the same harness over an engine this module
// does not import: the Redis Streams engine lives in its own module, and
// a command there registers it under the "redis" scheme with
// [Options].Engines and [EngineDriver].
//
// # Closed and open loop
//
// By default the load is a closed loop: producers keep a bounded number
// of messages in flight beyond the backlog, so the queue stays at the
// size asked for. With -rate the load is an open loop: producers post on
// a schedule whatever the consumers do, and end-to-end latency counts
// from the time each message was due, so that a stall shows in every
// message it delayed instead of in one (coordinated omission).
package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/pprof"
	"time"

	"github.com/claimq/claimq"
)

// ErrUsage is matched (with [errors.Is]) by the errors of [Run] that
// report a mistake in the command line, found before anything runs;
// commands exit with status 2 for them, as the flag package does.
var ErrUsage = errors.New("bad command line")

// usageError marks a mistake in the command line; its text is the
// mistake's alone.
type usageError struct{ err error }

func (e usageError) Error() string        { return e.err.Error() }
func (e usageError) Unwrap() error        { return e.err }
func (e usageError) Is(target error) bool { return target == ErrUsage }

func usageErrorf(format string, args ...any) error {
	return usageError{fmt.Errorf(format, args...)}
}

// Options extends [Run] with engines it does not know.
type Options struct {
	// Engines opens the engines named by -engine with a URL of these
	// schemes (such as "redis"), in place of the built-in ones: http and
	// https are the Zaqar API through a lean HTTP client, zaqar+http and
	// zaqar+https the same through the Zaqar engine, redis and rediss
	// are refused with the command that runs them. Keys are schemes
	// without "://".
	Engines map[string]Opener
}

// An Opener opens the engine of one run at t, over a queue of its own
// (t.Queue), and returns its driver, usually [EngineDriver]'s. Each run
// of a sweep opens its own.
type Opener func(ctx context.Context, t Target) (Driver, error)

// Target is what an [Opener] needs from the command line.
type Target struct {
	URL      string        // as given to -engine
	Token    string        // -token
	Project  string        // -project
	Queue    string        // a fresh name per run, so that runs do not share messages
	ClaimTTL time.Duration // -claim-ttl, for checking against the engine's minimum
	BodySize int           // -body-size
	// Workers is -producers plus -consumers, each of which may hold a
	// connection at once (a waiting claim for up to a second): size a
	// connection pool to it, or the run measures waits for the pool.
	Workers int
}

// Driver is the system under test as the load generator sees it. Only
// this package implements it; [EngineDriver] makes one of any engine.
type Driver interface {
	driver
}

// EngineDriver returns the driver of e for the runs of t: producers post
// batches with Engine.Post, consumers claim batches with Engine.Claim
// and delete each message with Engine.Delete. close, if not nil, is
// called at the end of the run. It fails if the engine does not take
// t.ClaimTTL.
func EngineDriver[T ~[]byte](e claimq.Engine[T], t Target, close func()) (Driver, error) {
	d, err := newEngineDriver(e, t.ClaimTTL, t.BodySize, close)
	if err != nil {
		return nil, err
	}
	return d, nil
}

// Run is "claimq bench": it parses args (without the command's name),
// runs -count measurements per point (one point, or one per value of
// -sweep), and prints the results to stdout; progress goes to stderr so
// that stdout stays a clean table, JSON document or benchmark lines. A
// mistake in args is an error matching [ErrUsage]; an interrupted run
// (ctx ended) prints what it measured and returns ctx's cause; -h prints
// the help and returns nil.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer, opts Options) error {
	cfg, err := parseBenchFlags(args, stdout, opts.Engines)
	if errors.Is(err, errHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	if cfg.cpuProf != "" {
		stop, err := startCPUProfile(cfg.cpuProf)
		if err != nil {
			return err
		}
		defer stop()
	}
	if cfg.memProf != "" {
		defer writeAllocProfile(cfg.memProf, stderr)
	}
	rep := report{meta: newRunMeta(cfg.args, time.Now()), sweep: cfg.sweep.param}
	if err := runPoints(ctx, cfg, newProgress(stderr, isTerminal(stderr)), &rep); err != nil {
		return err
	}
	if err := rep.write(stdout, cfg.format); err != nil {
		return err
	}
	if cfg.outDir != "" {
		files, err := writeOut(cfg.outDir, rep)
		if err != nil {
			return err
		}
		fmt.Fprintf(stderr, "wrote %d files to %s\n", len(files), cfg.outDir)
	}
	if ctx.Err() != nil {
		return fmt.Errorf("bench: interrupted: %w", context.Cause(ctx))
	}
	return nil
}

// runPoints measures every point -count times into rep, stopping at the
// first interrupted run.
func runPoints(ctx context.Context, cfg benchConfig, prog *progress, rep *report) error {
	for _, p := range cfg.points() {
		pr := pointResult{label: p.label, Value: p.value}
		for i := range cfg.count {
			label := p.label
			if cfg.count > 1 {
				label = fmt.Sprintf("%s#%d", label, i+1)
			}
			prog.start(label)
			r, err := measure(ctx, p.cfg, prog)
			if err != nil {
				return err
			}
			pr.Runs = append(pr.Runs, r)
			if r.Interrupted {
				break
			}
		}
		pr.summarize()
		rep.points = append(rep.points, pr)
		if pr.Median.Interrupted {
			break
		}
	}
	return nil
}

// measure runs one measurement: a fresh queue filled to the state asked
// for, the warm-up, then the measured phase, and the memory the queue
// holds at its end.
func measure(ctx context.Context, cfg benchConfig, prog *progress) (result, error) {
	drv, err := openDriver(ctx, cfg)
	if err != nil {
		return result{}, err
	}
	defer drv.close()
	t := newTrial(cfg, drv)
	// The baseline is taken with the driver and the histograms allocated
	// and the queue empty, so that what grows after it is the queue.
	mem := newMemoryGauge(cfg.engine.local())
	if err := t.fill(ctx, prog); err != nil {
		return result{}, err
	}
	mem.filled(t.filled)
	if cfg.warmup > 0 {
		prog.note("warming up for %v", cfg.warmup)
		if _, err := t.run(ctx, cfg.warmup, 0, false, prog); err != nil {
			return result{}, err
		}
	}
	before := mallocs()
	ph, err := t.run(ctx, cfg.duration, cfg.messages, true, prog)
	if err != nil {
		return result{}, err
	}
	allocs := mallocs() - before
	prog.finish(ph.deleted, ph.elapsed)

	// Memory first, before the merged histograms exist, so that the
	// live heap holds only what the run itself needs.
	m := mem.end(t.queued())
	r, err := newResult(cfg, ph, t.histograms())
	if err != nil {
		return result{}, err
	}
	if ph.deleted > 0 {
		r.AllocsPerMessage = float64(allocs) / float64(ph.deleted)
	}
	r.Memory = m
	r.Interrupted = ctx.Err() != nil
	return r, nil
}

// startCPUProfile profiles the whole command, filling included, since a
// sweep's filling is part of what its reader waits for.
func startCPUProfile(path string) (stop func(), err error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("bench: -cpuprofile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("bench: -cpuprofile: %w", err)
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}, nil
}

// writeAllocProfile writes the allocations since the start of the process;
// a failure is only reported, as the results are printed by then.
func writeAllocProfile(path string, stderr io.Writer) {
	f, err := os.Create(path)
	if err == nil {
		err = pprof.Lookup("allocs").WriteTo(f, 0)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		fmt.Fprintf(stderr, "claimq bench: -memprofile: %v\n", err)
	}
}
