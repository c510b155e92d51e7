package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/metrics"
	"runtime/pprof"
	"sync"
	"sync/atomic"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

const (
	// heldTTL is the claim TTL of the messages held by -held, the longest
	// the queue allows, so that they stay held whatever the run's length.
	heldTTL = 12 * time.Hour
	// heapSampleInterval is how often the heap is sampled for its peak.
	heapSampleInterval = 20 * time.Millisecond
)

// runBench is "claimq bench": it parses args, runs one measurement or one
// per value of -sweep, and prints the results to stdout; progress goes to
// stderr so that stdout stays a clean table or JSON document.
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
	prog := newProgress(stderr, isTerminal(stderr))
	var results []result
	for _, point := range cfg.points() {
		label := ""
		if cfg.sweep.param != "" {
			label = fmt.Sprintf("%s=%d", cfg.sweep.param, point.value)
		}
		prog.start(label)
		r, err := measure(ctx, point.cfg, prog)
		if err != nil {
			return err
		}
		results = append(results, r)
		if r.Interrupted {
			break
		}
	}
	switch {
	case cfg.json:
		err = writeJSON(stdout, cfg.sweep.param, results)
	case cfg.sweep.param != "":
		err = writeSweep(stdout, cfg.sweep.param, results)
	default:
		err = writeTable(stdout, results[0])
	}
	if err == nil && ctx.Err() != nil {
		err = fmt.Errorf("bench: interrupted: %w", context.Cause(ctx))
	}
	return err
}

// newDriver returns the driver for cfg over a fresh queue, so that no run
// of a sweep sees what the previous one left.
func newDriver(cfg benchConfig) (driver, string, error) {
	if !cfg.http {
		return newInProcess(), "in-process", nil
	}
	d, err := newHTTPDriver(cfg)
	return d, "http", err
}

// trial is the shared state of one measurement.
type trial struct {
	cfg   benchConfig
	start time.Time
	gate  gate

	done    atomic.Int64 // messages deleted
	toPost  atomic.Int64 // with -messages: posts not yet taken by a producer
	toClaim atomic.Int64 // with -messages: messages not yet taken by a consumer

	cancel  context.CancelFunc
	errOnce sync.Once
	err     error
}

// consumerStats is what one consumer measured; merged at the end so that
// consumers never share a histogram.
type consumerStats struct {
	e2e, claim         *hdrhistogram.Histogram
	calls, waits, lost int64
}

// measure runs one measurement: it fills the queue, then runs producers
// and consumers until -messages are done or -duration has passed.
func measure(parent context.Context, cfg benchConfig, prog *progress) (result, error) {
	drv, mode, err := newDriver(cfg)
	if err != nil {
		return result{}, err
	}
	defer drv.close()
	if err := fill(parent, cfg, drv, prog); err != nil {
		return result{}, err
	}

	r := &trial{cfg: cfg}
	r.toPost.Store(int64(cfg.messages))
	r.toClaim.Store(int64(cfg.messages))
	// The window lets each worker have two batches in flight, so that
	// consumers seldom find the queue empty, while keeping it near its
	// backlog whichever side is faster. Messages wait in it, so it sets
	// the end-to-end latency at saturation (Little's law): four batches
	// per worker doubled that latency with no measurable gain in
	// throughput.
	r.gate.init(window(cfg))
	stats := make([]consumerStats, cfg.consumers)
	for i := range stats {
		stats[i].e2e, stats[i].claim = newHistogram(), newHistogram()
	}

	// Start from a collected heap so that the peak is that of this run,
	// not garbage left by filling or by the previous run of a sweep.
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	peak := heapNow()

	// The start is read before the timeout is armed, so that a duration
	// run lasts at least -duration by construction.
	r.start = time.Now()
	var ctx context.Context
	if cfg.messages > 0 {
		ctx, r.cancel = context.WithCancel(parent)
	} else {
		ctx, r.cancel = context.WithDeadline(parent, r.start.Add(cfg.duration))
	}
	defer r.cancel()
	stopGate := context.AfterFunc(ctx, r.gate.close)
	defer stopGate()
	var workers sync.WaitGroup
	for range cfg.producers {
		p := drv.newProducer()
		workers.Go(func() { r.produce(ctx, p) })
	}
	for i := range stats {
		c, s := drv.newConsumer(), &stats[i]
		workers.Go(func() { r.consume(ctx, c, s) })
	}
	monitorDone := make(chan struct{})
	go func() {
		defer close(monitorDone)
		peak = max(peak, r.monitor(ctx, prog))
	}()
	workers.Wait()
	elapsed := time.Since(r.start)
	r.cancel()
	<-monitorDone
	runtime.ReadMemStats(&after)
	peak = max(peak, heapNow())
	if r.err != nil {
		return result{}, r.err
	}
	done := r.done.Load()
	prog.finish(done, elapsed)

	e2e, claim := newHistogram(), newHistogram()
	res := result{
		Mode:          mode,
		Producers:     cfg.producers,
		Consumers:     cfg.consumers,
		Batch:         cfg.batch,
		Backlog:       cfg.backlog,
		Held:          cfg.held,
		ClaimTTL:      cfg.claimTTL.String(),
		Messages:      done,
		Seconds:       elapsed.Seconds(),
		Throughput:    float64(done) / elapsed.Seconds(),
		PeakHeapBytes: peak,
		Interrupted:   parent.Err() != nil,
	}
	for _, s := range stats {
		e2e.Merge(s.e2e)
		claim.Merge(s.claim)
		res.ClaimCalls += s.calls
		res.Waits += s.waits
		res.Lost += s.lost
	}
	res.EndToEnd, res.Claim = summarize(e2e), summarize(claim)
	if done > 0 {
		res.AllocsPerMessage = float64(after.Mallocs-before.Mallocs) / float64(done)
	}
	return res, nil
}

// fill puts the queue in the state the run measures: first the held
// messages, posted and claimed so that they are the oldest and stay
// claimed, then the backlog, which consumers work through in the run.
func fill(ctx context.Context, cfg benchConfig, drv driver, prog *progress) error {
	stamps := make([]int64, maxBatch)
	for i := range stamps {
		stamps[i] = unstamped
	}
	post := func(n int) error {
		p := drv.newProducer()
		for n > 0 && ctx.Err() == nil {
			k := min(n, maxBatch)
			if err := p.post(ctx, stamps[:k]); err != nil {
				return fmt.Errorf("filling the queue: %w", err)
			}
			n -= k
		}
		return ctx.Err()
	}
	if cfg.held > 0 {
		prog.note("posting and claiming %d messages to hold", cfg.held)
		if err := post(cfg.held); err != nil {
			return err
		}
		c := drv.newConsumer()
		for n := cfg.held; n > 0 && ctx.Err() == nil; {
			ds, _, _, err := c.claim(ctx, min(n, maxBatch), heldTTL)
			if err != nil {
				return fmt.Errorf("claiming the held messages: %w", err)
			}
			n -= len(ds)
		}
	}
	if cfg.backlog > 0 {
		prog.note("posting a backlog of %d messages", cfg.backlog)
		if err := post(cfg.backlog); err != nil {
			return err
		}
	}
	return ctx.Err()
}

// window is the most messages in flight beyond the backlog.
func window(cfg benchConfig) int {
	return 2 * cfg.batch * (cfg.producers + cfg.consumers)
}

// take reserves up to want units from a budget shared by workers and
// returns how many it got; 0 means the budget is spent.
func take(budget *atomic.Int64, want int) int {
	for {
		left := budget.Load()
		if left <= 0 {
			return 0
		}
		k := min(int64(want), left)
		if budget.CompareAndSwap(left, left-k) {
			return int(k)
		}
	}
}

// fail records the first error of a worker and stops the run. Errors that
// follow the end of the run are only the workers noticing it.
func (r *trial) fail(ctx context.Context, err error) {
	if ctx.Err() != nil {
		return
	}
	r.errOnce.Do(func() {
		r.err = err
		r.cancel()
	})
}

// produce posts batches stamped with the time of posting until the run
// ends or, with -messages, until every message has been posted; the gate
// holds it back while the queue is full enough.
func (r *trial) produce(ctx context.Context, p producer) {
	stamps := make([]int64, r.cfg.batch)
	for ctx.Err() == nil {
		k := r.cfg.batch
		if r.cfg.messages > 0 {
			if k = take(&r.toPost, k); k == 0 {
				return
			}
		}
		if !r.gate.acquire(k) {
			return
		}
		now := int64(time.Since(r.start))
		for i := range k {
			stamps[i] = now
		}
		if err := p.post(ctx, stamps[:k]); err != nil {
			r.fail(ctx, fmt.Errorf("post: %w", err))
			return
		}
	}
}

// consume claims batches and deletes each message with its claim until the
// run ends. With -messages it reserves what it claims from a shared
// budget, so that exactly that many messages are deleted however many
// consumers race for the last ones.
func (r *trial) consume(ctx context.Context, c consumer, s *consumerStats) {
	counted := r.cfg.messages > 0
	for ctx.Err() == nil {
		k := r.cfg.batch
		if counted {
			if k = take(&r.toClaim, k); k == 0 {
				return
			}
		}
		ds, took, waited, err := c.claim(ctx, k, r.cfg.claimTTL)
		if err != nil {
			r.fail(ctx, fmt.Errorf("claim: %w", err))
			return
		}
		s.calls++
		if waited {
			s.waits++
		}
		if took >= 0 {
			record(s.claim, took)
		}
		if counted && len(ds) < k {
			r.toClaim.Add(int64(k - len(ds)))
		}
		deleted, err := r.deleteAll(ctx, c, ds, s)
		// Counted before any error, so that the count matches the
		// latencies recorded when a run ends in the middle of a batch.
		r.gate.release(deleted)
		n := r.done.Add(int64(deleted))
		if err != nil {
			r.fail(ctx, fmt.Errorf("delete: %w", err))
			return
		}
		if counted && n >= int64(r.cfg.messages) {
			r.cancel()
		}
	}
}

// deleteAll deletes the claimed messages ds, recording the latency of
// each, and returns how many it deleted before any error.
func (r *trial) deleteAll(ctx context.Context, c consumer, ds []delivery, s *consumerStats) (int, error) {
	deleted := 0
	for _, d := range ds {
		err := c.delete(ctx, d)
		if errors.Is(err, errLost) {
			// The message is back in the queue, so someone must claim
			// it again.
			s.lost++
			if r.cfg.messages > 0 {
				r.toClaim.Add(1)
			}
			continue
		}
		if err != nil {
			return deleted, err
		}
		deleted++
		if d.stamp != unstamped {
			record(s.e2e, time.Since(r.start)-time.Duration(d.stamp))
		}
	}
	return deleted, nil
}

// monitor samples the heap and reports progress until ctx ends, and
// returns the peak heap it saw.
func (r *trial) monitor(ctx context.Context, prog *progress) uint64 {
	var peak uint64
	t := time.NewTicker(heapSampleInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return peak
		case <-t.C:
		}
		peak = max(peak, heapNow())
		if el := time.Since(r.start); prog.due(el) {
			prog.report(r.done.Load(), el)
		}
	}
}

// heapNow returns the bytes of heap objects, live or not yet swept, read
// without stopping the world as runtime.ReadMemStats would.
func heapNow() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// gate bounds the messages in flight (posted and not yet deleted) beyond
// the backlog: without it the faster side would grow or drain the queue,
// and the run would measure a queue of no particular size.
type gate struct {
	mu     sync.Mutex
	cond   sync.Cond
	free   int
	closed bool
}

func (g *gate) init(free int) {
	g.cond.L = &g.mu
	g.free = free
}

// acquire waits until n messages may be posted and takes them; false
// means the run is over.
func (g *gate) acquire(n int) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	for g.free < n && !g.closed {
		g.cond.Wait()
	}
	if g.closed {
		return false
	}
	g.free -= n
	return true
}

// release returns n deleted messages to the gate.
func (g *gate) release(n int) {
	if n == 0 {
		return
	}
	g.mu.Lock()
	g.free += n
	g.mu.Unlock()
	g.cond.Broadcast()
}

func (g *gate) close() {
	g.mu.Lock()
	g.closed = true
	g.mu.Unlock()
	g.cond.Broadcast()
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
