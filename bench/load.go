package bench

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

const (
	// heldTTL is the claim TTL of the messages held by -held, the
	// longest the queue allows, so that they stay held whatever the
	// run's length.
	heldTTL = 12 * time.Hour
	// maxOpenLoopQueued bounds the queue in an open loop, where nothing
	// else does: beyond it the consumers have fallen hopelessly behind
	// the rate, and the run ends with errOverloaded rather than use
	// gigabytes to say so.
	maxOpenLoopQueued = maxCount
)

// errOverloaded ends an open-loop run whose queue grew past
// maxOpenLoopQueued.
var errOverloaded = errors.New("the consumers fell behind the offered rate")

// trial is one run of the load against one driver: the queue filled to
// the state measured, an optional warm-up phase, then the measured phase.
// Send times are stamped in nanoseconds since epoch.
type trial struct {
	cfg   benchConfig
	drv   driver
	epoch time.Time
	gate  gate // closed loop: bounds the messages in flight

	filled  int64        // messages posted by fill
	posted  atomic.Int64 // messages posted by producers, every phase
	deleted atomic.Int64 // messages deleted by consumers, every phase

	consumers []consumerStats // one per consumer
	producers []producerStats // one per producer
}

// consumerStats is what one consumer measured; merged at the end so that
// consumers never share a histogram.
type consumerStats struct {
	endToEnd    *hdrhistogram.Histogram // send time to delete
	claimCall   *hdrhistogram.Histogram // claims that found messages at once
	claimWaited *hdrhistogram.Histogram // claims that waited for messages, wait included
}

// producerStats is what one producer measured.
type producerStats struct {
	sendLag *hdrhistogram.Histogram // open loop: how late each batch was posted
}

func newTrial(cfg benchConfig, drv driver) *trial {
	t := &trial{cfg: cfg, drv: drv, epoch: time.Now()}
	// The window lets each worker have two batches in flight, so that
	// consumers seldom find the queue empty, while keeping it near its
	// backlog whichever side is faster. Messages wait in it, so it sets
	// the end-to-end latency at saturation (Little's law): four batches
	// per worker doubled that latency with no measurable gain in
	// throughput.
	t.gate.init(2 * cfg.batch * (cfg.producers + cfg.consumers))
	t.consumers = make([]consumerStats, cfg.consumers)
	for i := range t.consumers {
		t.consumers[i] = consumerStats{newHistogram(), newHistogram(), newHistogram()}
	}
	t.producers = make([]producerStats, cfg.producers)
	for i := range t.producers {
		t.producers[i] = producerStats{newHistogram()}
	}
	return t
}

// stamp is the time since the trial's epoch, the unit of send times.
func (t *trial) stamp() time.Duration { return time.Since(t.epoch) }

// queued is how many messages the queue holds between phases: the fill,
// plus what producers posted, less what consumers deleted.
func (t *trial) queued() int64 { return t.filled + t.posted.Load() - t.deleted.Load() }

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

// fill puts the queue in the state the run measures: first the held
// messages, posted and claimed so that they are the oldest and stay
// claimed, then the backlog, which consumers work through in the run.
func (t *trial) fill(ctx context.Context, prog *progress) error {
	stamps := make([]int64, maxBatch)
	for i := range stamps {
		stamps[i] = unstamped
	}
	post := func(n int) error {
		p := t.drv.newProducer()
		for n > 0 && ctx.Err() == nil {
			k := min(n, maxBatch)
			if err := p.post(ctx, stamps[:k]); err != nil {
				return fmt.Errorf("filling the queue: %w", err)
			}
			t.filled += int64(k)
			n -= k
		}
		return ctx.Err()
	}
	if t.cfg.held > 0 {
		prog.note("posting and claiming %d messages to hold", t.cfg.held)
		if err := post(t.cfg.held); err != nil {
			return err
		}
		c := t.drv.newConsumer()
		for n := t.cfg.held; n > 0 && ctx.Err() == nil; {
			ds, _, err := c.claim(ctx, min(n, maxBatch), heldTTL)
			if err != nil {
				return fmt.Errorf("claiming the held messages: %w", err)
			}
			n -= len(ds)
		}
	}
	if t.cfg.backlog > 0 {
		prog.note("posting a backlog of %d messages", t.cfg.backlog)
		if err := post(t.cfg.backlog); err != nil {
			return err
		}
	}
	return ctx.Err()
}

// phase is one stretch of load: the warm-up, unrecorded, or the
// measurement.
type phase struct {
	t       *trial
	record  bool          // record latencies
	start   time.Duration // stamp of the phase's start
	counted bool          // ends after a number of deletes, not a duration

	toPost  atomic.Int64 // counted: posts not yet taken by a producer
	toClaim atomic.Int64 // counted: messages not yet taken by a consumer
	done    atomic.Int64 // messages deleted in the phase
	lost    atomic.Int64 // deletes refused because the claim had expired

	cancel context.CancelFunc // ends the whole phase: its end, or an error
	// finish ends a counted phase's consumers once every message is
	// deleted; its producers run on until they have posted every
	// message, or the deletes of the backlog would end the phase with
	// posts missing and leave the queue short of its backlog.
	finish  context.CancelFunc
	errOnce sync.Once
	err     error
}

// phaseResult is what a phase did, read once its workers have stopped.
type phaseResult struct {
	elapsed time.Duration
	deleted int64
	lost    int64
}

// run runs the load for d, or until messages are posted and as many
// deleted when messages is positive, and records latencies if record is
// set. Workers stop claiming and posting at the end of the phase but
// finish the batch in hand, so that the queue is left in a state the
// next phase can start from (a counted phase leaves it as it found it);
// elapsed includes that last batch.
func (t *trial) run(parent context.Context, d time.Duration, messages int, record bool, prog *progress) (phaseResult, error) {
	ph := &phase{t: t, record: record, counted: messages > 0}
	ph.toPost.Store(int64(messages))
	ph.toClaim.Store(int64(messages))
	// The start is read before the deadline is armed, so that a
	// duration phase lasts at least d by construction.
	ph.start = t.stamp()
	// ctx is the consumers' and pctx the producers': the same but in a
	// counted phase, where consumers end at the last delete and
	// producers when their budget is spent.
	var ctx, pctx context.Context
	if ph.counted {
		pctx, ph.cancel = context.WithCancel(parent)
		ctx, ph.finish = context.WithCancel(pctx)
		defer ph.finish()
	} else {
		if t.cfg.phaseEnd != nil {
			ctx, ph.cancel = t.cfg.phaseEnd(parent)
		} else {
			ctx, ph.cancel = context.WithDeadline(parent, t.epoch.Add(ph.start+d))
		}
		pctx = ctx
	}
	defer ph.cancel()
	// pctx ends before or with ctx, so this wakes producers in either.
	defer context.AfterFunc(ctx, t.gate.wake)()

	var workers sync.WaitGroup
	for i := range t.cfg.producers {
		p, s := t.drv.newProducer(), &t.producers[i]
		workers.Go(func() { ph.produce(pctx, parent, p, i, s) })
	}
	for i := range t.consumers {
		c, s := t.drv.newConsumer(), &t.consumers[i]
		workers.Go(func() { ph.consume(ctx, parent, c, s) })
	}
	monitorDone := make(chan struct{})
	go func() {
		defer close(monitorDone)
		if record {
			ph.monitor(ctx, prog)
		}
	}()
	workers.Wait()
	elapsed := t.stamp() - ph.start
	ph.cancel()
	<-monitorDone
	if ph.err != nil {
		return phaseResult{}, ph.err
	}
	return phaseResult{elapsed: elapsed, deleted: ph.done.Load(), lost: ph.lost.Load()}, nil
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
// follow the end of the phase are only the workers noticing it.
func (ph *phase) fail(ctx context.Context, err error) {
	if ctx.Err() != nil {
		return
	}
	ph.errOnce.Do(func() {
		ph.err = err
		ph.cancel()
	})
}

// produce posts batches until the phase ends or, when counted, until
// every message has been posted. In a closed loop it posts when the gate
// lets it, stamping the time of posting; in an open loop it posts on its
// schedule, stamping the time the batch was due, so that a late post
// (a stall of the system or of this producer) adds to the latency of
// every message it delayed instead of hiding it: coordinated omission.
// Posts run on parent so that the batch in hand completes at the end of
// the phase.
func (ph *phase) produce(ctx, parent context.Context, p producer, i int, s *producerStats) {
	cfg := ph.t.cfg
	stamps := make([]int64, cfg.batch)
	var sched schedule
	if cfg.rate > 0 {
		sched = newSchedule(ph.t.epoch.Add(ph.start), cfg, i)
		defer sched.stop()
	}
	for k := 0; ctx.Err() == nil; k++ {
		n := cfg.batch
		if ph.counted {
			if n = take(&ph.toPost, n); n == 0 {
				return
			}
		}
		var due time.Duration
		if cfg.rate > 0 {
			if q := ph.t.queued(); q > maxOpenLoopQueued {
				ph.fail(ctx, fmt.Errorf("post: %w: %d messages queued at %d msgs/s; try a lower -rate", errOverloaded, q, cfg.rate))
				return
			}
			at := sched.at(k)
			if !sched.wait(ctx, at) {
				return
			}
			due = at.Sub(ph.t.epoch)
			if ph.record {
				record(s.sendLag, ph.t.stamp()-due)
			}
		} else {
			if !ph.t.gate.acquire(ctx, n) {
				return
			}
			due = ph.t.stamp()
		}
		for j := range n {
			stamps[j] = int64(due)
		}
		if err := p.post(parent, stamps[:n]); err != nil {
			ph.fail(ctx, fmt.Errorf("post: %w", err))
			return
		}
		ph.t.posted.Add(int64(n))
	}
}

// consume claims batches and deletes each message with its claim until the
// phase ends. When counted it reserves what it claims from a shared
// budget, so that exactly that many messages are deleted however many
// consumers race for the last ones. Every claim that returns messages is
// timed, in claimCall or, when it had to wait for them, claimWaited.
func (ph *phase) consume(ctx, parent context.Context, c consumer, s *consumerStats) {
	cfg := ph.t.cfg
	for ctx.Err() == nil {
		k := cfg.batch
		if ph.counted {
			if k = take(&ph.toClaim, k); k == 0 {
				return
			}
		}
		begin := time.Now()
		ds, waited, err := c.claim(ctx, k, cfg.claimTTL)
		took := time.Since(begin)
		if err != nil {
			ph.fail(ctx, fmt.Errorf("claim: %w", err))
			return
		}
		if ph.record {
			if waited {
				record(s.claimWaited, took)
			} else {
				record(s.claimCall, took)
			}
		}
		if ph.counted && len(ds) < k {
			ph.toClaim.Add(int64(k - len(ds)))
		}
		deleted, err := ph.deleteAll(parent, c, ds, s)
		// Counted before any error, so that the count matches the
		// latencies recorded when a run ends in the middle of a batch.
		ph.t.gate.release(deleted)
		ph.t.deleted.Add(int64(deleted))
		n := ph.done.Add(int64(deleted))
		if err != nil {
			ph.fail(ctx, fmt.Errorf("delete: %w", err))
			return
		}
		if ph.counted && n >= int64(cfg.messages) {
			ph.finish()
		}
	}
}

// deleteAll deletes the claimed messages ds, recording the end-to-end
// latency of each that was sent during the phase, and returns how many it
// deleted before any error.
func (ph *phase) deleteAll(ctx context.Context, c consumer, ds []delivery, s *consumerStats) (int, error) {
	deleted := 0
	for _, d := range ds {
		err := c.delete(ctx, d)
		if errors.Is(err, errLost) {
			// The message is back in the queue, so someone must claim
			// it again.
			ph.lost.Add(1)
			if ph.counted {
				ph.toClaim.Add(1)
			}
			continue
		}
		if err != nil {
			return deleted, err
		}
		deleted++
		if ph.record && d.stamp >= int64(ph.start) {
			record(s.endToEnd, ph.t.stamp()-time.Duration(d.stamp))
		}
	}
	return deleted, nil
}

// monitor reports progress until ctx ends.
func (ph *phase) monitor(ctx context.Context, prog *progress) {
	t := time.NewTicker(prog.interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if el := ph.t.stamp() - ph.start; prog.due(el) {
			prog.report(ph.done.Load(), el)
		}
	}
}

// schedule gives an open-loop producer the times its batches are due:
// producer i of P sends batch k at start + (k·P + i)·batch/rate, so that
// the producers together offer rate messages per second, evenly spaced.
type schedule struct {
	start        time.Time
	first, every float64 // in nanoseconds
	timer        *time.Timer
}

func newSchedule(start time.Time, cfg benchConfig, i int) schedule {
	every := float64(time.Second) * float64(cfg.producers*cfg.batch) / float64(cfg.rate)
	return schedule{
		start: start,
		first: every * float64(i) / float64(cfg.producers),
		every: every,
		timer: time.NewTimer(time.Hour),
	}
}

// at is when batch k is due; computed from k, not by adding intervals, so
// that rounding does not drift.
func (s *schedule) at(k int) time.Time {
	return s.start.Add(time.Duration(s.first + float64(k)*s.every))
}

// wait waits until at, at once if it has passed, and reports false if
// ctx ended first. The timer is reused so that a batch costs no
// allocation of the harness's.
func (s *schedule) wait(ctx context.Context, at time.Time) bool {
	d := time.Until(at)
	if d <= 0 {
		return ctx.Err() == nil
	}
	s.timer.Reset(d)
	select {
	case <-ctx.Done():
		return false
	case <-s.timer.C:
		return true
	}
}

func (s *schedule) stop() { s.timer.Stop() }

// gate bounds the messages in flight (posted and not yet deleted) beyond
// the backlog in a closed loop: without it the faster side would grow or
// drain the queue, and the run would measure a queue of no particular
// size.
type gate struct {
	mu   sync.Mutex
	cond sync.Cond
	free int
}

func (g *gate) init(free int) {
	g.cond.L = &g.mu
	g.free = free
}

// acquire waits until n messages may be posted and takes them; false
// means ctx ended first. A phase calls wake when its context ends.
func (g *gate) acquire(ctx context.Context, n int) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	for g.free < n && ctx.Err() == nil {
		g.cond.Wait()
	}
	if ctx.Err() != nil {
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

// wake wakes every acquire so that it sees its context has ended; taking
// the lock orders it after a waiter's check of the context.
func (g *gate) wake() {
	g.mu.Lock()
	g.cond.Broadcast()
	g.mu.Unlock()
}
