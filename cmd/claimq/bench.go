package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/pprof"
	"time"
)

// runBench is "claimq bench": it parses args, runs -count measurements
// per point (one point, or one per value of -sweep), and prints the
// results to stdout; progress goes to stderr so that stdout stays a clean
// table, JSON document or benchmark lines.
func runBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, err := parseBenchFlags(args, stdout)
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

	r := newResult(cfg, ph, t.histograms())
	if ph.deleted > 0 {
		r.AllocsPerMessage = float64(allocs) / float64(ph.deleted)
	}
	r.Memory = mem.end(t.queued())
	r.Interrupted = ctx.Err() != nil
	return r, nil
}

// histograms merges what the workers recorded.
func (t *trial) histograms() histograms {
	h := histograms{newHistogram(), newHistogram(), newHistogram(), newHistogram()}
	for _, s := range t.consumers {
		h.endToEnd.Merge(s.endToEnd)
		h.claimCall.Merge(s.claimCall)
		h.claimWaited.Merge(s.claimWaited)
	}
	for _, s := range t.producers {
		h.sendLag.Merge(s.sendLag)
	}
	return h
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
