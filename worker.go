package claimq

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"
)

// Causes with which a [Worker] cancels a handler's context, read with
// [context.Cause]; ErrLeaseLost also marks the errors of [EventLost] and
// [EventRenewFailed].
var (
	// ErrLeaseLost: the claim holding the message ended before the worker
	// settled it (a renewal failed, or the engine reported the claim
	// expired), so another worker may hold the message now. It wraps the
	// engine's error.
	ErrLeaseLost = errors.New("claimq: lease lost")
	// ErrMaxLease: the handler ran for WorkerOptions.MaxLease; the lease
	// is no longer renewed on its behalf.
	ErrMaxLease = errors.New("claimq: maximum lease passed")
	// ErrShutdown: Run's shutdown timeout passed; the message was handed
	// back to the engine.
	ErrShutdown = errors.New("claimq: worker shut down")
)

// Handler handles one message. Its return value decides what happens to
// the message: nil deletes it; an error retries it after a backoff, or
// dead-letters it when the error matches [ErrPermanent] or the attempts
// are used up. A panic is recovered and counts as an error (a
// [*PanicError]). ctx is cancelled, with a cause among [ErrLeaseLost],
// [ErrMaxLease] and [ErrShutdown], when the worker can no longer hold the
// message; a handler that stops then should return ctx's error.
type Handler[T any] func(ctx context.Context, m Delivery[T]) error

// PanicError is the error a [Worker] records for a handler that panicked.
type PanicError struct {
	Value any    // the value passed to panic
	Stack []byte // the handler goroutine's stack at the panic
}

// Error returns "claimq: handler panicked: " and the panic value.
func (e *PanicError) Error() string { return fmt.Sprintf("claimq: handler panicked: %v", e.Value) }

// Unwrap returns the panic value if it is an error.
func (e *PanicError) Unwrap() error {
	err, _ := e.Value.(error)
	return err
}

// WorkerOptions configures a [Worker]. The zero value is usable: one
// handler at a time, one-minute claims renewed every 20 s, exponential
// backoff, no attempt limit, no dead-letter destination.
type WorkerOptions[T any] struct {
	// Concurrency is the most handlers running at once; 0 means 1. The
	// worker never holds more messages than this.
	Concurrency int
	// Batch is the most messages one claim takes; 0 means
	// min(Concurrency, 10). A claim never takes more than the handlers
	// free at the time. It must not exceed what the engine takes in one
	// claim (Zaqar: 20), or Run fails with the engine's ErrInvalid.
	Batch int
	// ClaimTTL is the life of a claim between renewals; 0 means one
	// minute, or the engine's MinClaimTTL if that is longer. It is how
	// long a crashed worker's messages wait before another worker gets
	// them.
	ClaimTTL time.Duration
	// Grace extends the life of claimed messages that would expire during
	// the claim (see [ClaimOptions]); 0 means the engine's MinGrace.
	Grace time.Duration
	// RenewEvery is the time between renewals while any message of a
	// claim is being handled or settled; 0 means ClaimTTL/3, so that one failed or
	// slow renewal still leaves time for the next. It must be below
	// ClaimTTL.
	RenewEvery time.Duration
	// Wait bounds each Claim's wait for a message (ClaimRequest.Wait); 0
	// means 20 s. A longer wait costs nothing on engines that wait on the
	// server (Capabilities.Wait).
	Wait time.Duration
	// MaxLease, when positive, is the longest a handler may hold a
	// message: after it the handler's context is cancelled with cause
	// [ErrMaxLease] and the claim is no longer renewed for it.
	MaxLease time.Duration
	// ShutdownTimeout is how long Run lets running handlers finish once
	// it stops claiming; 0 means 30 s, a negative value none. Then it
	// cancels them with cause [ErrShutdown] and releases their claims.
	ShutdownTimeout time.Duration
	// MaxAttempts, when positive, dead-letters a message whose handler
	// failed on its MaxAttempts-th delivery. It needs an engine that
	// counts deliveries (Capabilities.Attempts): a worker cannot count
	// them alone, as the other deliveries may be to other workers. Zero
	// leaves the limit to the engine (a [Queue]'s MaxClaimCount) or to
	// nobody.
	MaxAttempts int
	// Backoff returns the delay before a failed message is claimable
	// again, given the attempt that failed (1 for the first delivery; 0
	// from an engine that does not count) and the handler's error. nil
	// means [ExponentialBackoff]{}.Delay. It must be safe for concurrent
	// use.
	Backoff func(attempt int, err error) time.Duration
	// DeadLetter receives each message that failed permanently or for the
	// last allowed attempt, with the handler's error, before the worker
	// deletes it; [DeadLetterTo] posts it to an engine. If it fails, the
	// message is retried instead. nil means such messages are deleted and
	// reported as [EventDiscarded].
	DeadLetter func(ctx context.Context, m Delivery[T], cause error) error
	// OnEvent, if set, receives every [Event], synchronously, from the
	// worker's goroutines (with a FakeClock, renewals run in the goroutine
	// that advances the clock). It must be safe for concurrent use, and
	// must not block for long or move the clock.
	OnEvent func(Event[T])
	// Logger, if set, logs every event: renewals and successes at Debug,
	// retries and shutdown at Info, failures at Warn.
	Logger *slog.Logger
	// ClientID names the worker in its claims (ClaimRequest.ClientID).
	ClientID string
}

// DeadLetterTo returns a WorkerOptions.DeadLetter function that posts the
// message's body to engine e, with e's default TTL and delay. Its errors
// are e's.
func DeadLetterTo[T any](e Engine[T]) func(ctx context.Context, m Delivery[T], cause error) error {
	return func(ctx context.Context, m Delivery[T], _ error) error {
		_, err := e.Post(ctx, Post[T]{Body: m.Body})
		return err
	}
}

// Worker consumes an [Engine]: it claims messages as handlers become free,
// runs a [Handler] for each, renews the claims while handlers run, and
// settles each message by the handler's result (delete, retry after a
// backoff, dead letter). All its times (renewals, backoff, maximum lease,
// shutdown) are measured on the engine's [Clock], so a [FakeClock] drives a
// worker exactly, with no sleeping.
//
// A Worker assumes nothing of its engine beyond the [Engine] contract and
// the engine's [Capabilities]: the defaults of ClaimTTL and Grace rise to
// the engine's minimums, and MaxAttempts needs an engine that counts
// deliveries. Where an engine's Retry is approximate (Capabilities.Retry
// false), a retried message comes back as that engine documents.
//
// A Worker is safe for concurrent use; Run may be called once. Counters
// and OnEvent observe it while it runs. The zero Worker is not usable:
// use [NewWorker].
//
// Cost: per message, its share of one Claim call, one Delete or Retry call
// and, but for the one the claiming goroutine keeps for itself, a
// hand-off to another of Concurrency long-lived goroutines; per claim, one
// context, one renewal timer and a Renew call every RenewEvery while any
// of its messages is held. Memory is bounded by Concurrency: the
// worker never holds more messages than it has handlers.
type Worker[T any] struct {
	// How a Worker runs. Concurrency goroutines live as long as Run; one
	// of them at a time is the claimer (see handlers), which claims at
	// most as many messages as there are free slots and hands them to the
	// others. Run's goroutine waits for ctx and then shuts down. A claim
	// becomes a lease (lease.go), which owns the timers on the engine's
	// clock: renewal, MaxLease. A message's life
	// is claimed → handled → settled (deleted, retried, dead-lettered),
	// and the lease is renewed until the engine call that settles its
	// last message has returned. Shutdown (drain) waits for the leases,
	// then aborts them. free counts slots, leaseWG leases, handlerWG the
	// goroutines; Run returns when all three are back to rest.
	engine   Engine[T]
	handler  Handler[T]
	opts     WorkerOptions[T] // defaults filled in
	clock    Clock
	backoff  func(int, error) time.Duration
	maxCause error // ErrMaxLease with the lease's length, built once

	counts  [numEventKinds]atomic.Int64
	claimed atomic.Int64
	panics  atomic.Int64
	started atomic.Bool

	ctx       context.Context // Run's context: for claiming
	bg        context.Context // Run's context without its cancellation: for settling
	jobs      chan *job[T]    // from the claimer to the other handler goroutines
	stopped   chan struct{}   // closed when claiming has stopped for good
	runErr    error           // Run's result; written before stopped is closed
	handlerWG sync.WaitGroup  // the handler goroutines
	leaseWG   sync.WaitGroup  // one per lease not yet finished

	mu       sync.Mutex // guards the fields below
	free     int        // handler slots not holding a message
	claiming bool       // a handler goroutine is the claimer
	leases   map[*lease[T]]struct{}
}

// NewWorker returns a worker that runs handler for the messages of engine,
// configured by opts; call [Worker.Run] to start it. It reads the engine's
// Capabilities and Clock once, and starts nothing. Cost: O(1).
//
// Errors: [ErrInvalid] for a nil engine or handler, negative counts or
// durations, a ClaimTTL or Grace below the engine's minimum, RenewEvery
// not below ClaimTTL, or MaxAttempts with an engine that does not count
// deliveries.
func NewWorker[T any](engine Engine[T], handler Handler[T], opts WorkerOptions[T]) (*Worker[T], error) {
	if engine == nil || handler == nil {
		return nil, fmt.Errorf("%w: NewWorker needs an engine and a handler", ErrInvalid)
	}
	caps := engine.Capabilities()
	o := &opts
	if o.Concurrency < 0 || o.Batch < 0 || o.MaxAttempts < 0 || o.ClaimTTL < 0 || o.Grace < 0 ||
		o.RenewEvery < 0 || o.Wait < 0 || o.MaxLease < 0 {
		return nil, fmt.Errorf("%w: WorkerOptions: negative count or duration", ErrInvalid)
	}
	if o.Concurrency == 0 {
		o.Concurrency = 1
	}
	if o.Batch == 0 {
		o.Batch = min(o.Concurrency, 10)
	}
	if o.ClaimTTL == 0 {
		o.ClaimTTL = max(time.Minute, caps.MinClaimTTL)
	}
	if o.Grace == 0 {
		o.Grace = caps.MinGrace
	}
	if o.RenewEvery == 0 {
		o.RenewEvery = o.ClaimTTL / 3
	}
	if o.Wait == 0 {
		o.Wait = 20 * time.Second
	}
	if o.ShutdownTimeout == 0 {
		o.ShutdownTimeout = 30 * time.Second
	}
	switch {
	case o.ClaimTTL < caps.MinClaimTTL:
		return nil, fmt.Errorf("%w: WorkerOptions.ClaimTTL %v below the engine's minimum %v", ErrInvalid, o.ClaimTTL, caps.MinClaimTTL)
	case o.Grace < caps.MinGrace:
		return nil, fmt.Errorf("%w: WorkerOptions.Grace %v below the engine's minimum %v", ErrInvalid, o.Grace, caps.MinGrace)
	case o.RenewEvery >= o.ClaimTTL:
		return nil, fmt.Errorf("%w: WorkerOptions.RenewEvery %v not below ClaimTTL %v", ErrInvalid, o.RenewEvery, o.ClaimTTL)
	case o.MaxAttempts > 0 && !caps.Attempts:
		return nil, fmt.Errorf("%w: WorkerOptions.MaxAttempts needs an engine that counts deliveries", ErrInvalid)
	}
	w := &Worker[T]{
		engine:   engine,
		handler:  handler,
		opts:     opts,
		clock:    engine.Clock(),
		backoff:  opts.Backoff,
		maxCause: fmt.Errorf("%w (%v)", ErrMaxLease, opts.MaxLease),
		free:     opts.Concurrency,
		stopped:  make(chan struct{}),
		jobs:     make(chan *job[T], opts.Concurrency),
		leases:   make(map[*lease[T]]struct{}),
	}
	if w.backoff == nil {
		w.backoff = ExponentialBackoff{}.Delay
	}
	return w, nil
}

// Run claims and handles messages until ctx ends or the engine closes,
// then shuts down: it stops claiming, keeps renewing while the running
// handlers finish, and once ShutdownTimeout has passed cancels those still
// running and releases their claims at once, so that other workers get
// their messages (a claim another of whose messages is being deleted or
// retried is released once that call has returned, so that the call does
// not fail and a handled message does not come back). Deletes, retries
// and releases run on a context that keeps ctx's values but not its
// cancellation. Run returns once every
// handler, renewal and engine call it started has returned; a handler
// that ignores its context keeps it waiting.
//
// Errors: nil after ctx ended; an error matching [ErrClosed] when the
// engine closed; the engine's error when it refused the claim request
// ([ErrInvalid]); [ErrInvalid] when Run is called a second time or on a
// Worker not made by NewWorker. Other
// errors of Claim are reported as [EventError], and the claim is tried
// again after a pause, on the engine's clock, that doubles from 1 s to
// 30 s while they last.
func (w *Worker[T]) Run(ctx context.Context) error {
	if w == nil || w.engine == nil {
		return fmt.Errorf("%w: nil or zero Worker: use NewWorker", ErrInvalid)
	}
	if !w.started.CompareAndSwap(false, true) {
		return fmt.Errorf("%w: Worker.Run called twice", ErrInvalid)
	}
	w.ctx, w.bg = ctx, context.WithoutCancel(ctx)
	w.claiming = true // by the first handler goroutine
	w.handlerWG.Add(w.opts.Concurrency)
	for i := range w.opts.Concurrency {
		go w.handlers(i == 0)
	}
	select {
	case <-w.stopped:
	case <-ctx.Done():
		// The claimer, if there is one, sees ctx end in its Claim call;
		// with every slot busy there is none to see it.
		w.mu.Lock()
		if !w.claiming && !w.stoppedLocked() {
			w.stopLocked(nil)
		}
		w.mu.Unlock()
		<-w.stopped
	}
	w.drain()
	close(w.jobs)
	w.handlerWG.Wait()
	return w.runErr
}

// handlers is one of the Concurrency goroutines that run handlers; they
// live as long as Run, so that their stacks, once grown, are reused. One
// of them at a time is the claimer: it claims while slots are free, hands
// the messages to the others, and when a claim takes the last free slot,
// keeps one message for itself and gives up the role, which the next
// goroutine to free a slot takes. A message thus reaches its handler with
// no hand-off between goroutines when slots free one at a time.
func (w *Worker[T]) handlers(claimer bool) {
	defer w.handlerWG.Done()
	var j *job[T]
	if claimer {
		j = w.claim()
	}
	for {
		if j == nil {
			var ok bool
			if j, ok = <-w.jobs; !ok {
				return
			}
		}
		if j, claimer = nil, w.work(j); claimer {
			j = w.claim()
		}
	}
}

// claim is the claimer's loop: it claims as many messages as there are
// free slots, until no slot is free or claiming stops (ctx ended, the
// engine refused for good). It returns the message it keeps for itself,
// or nil.
func (w *Worker[T]) claim() *job[T] {
	ctx := w.ctx
	var pause time.Duration
	for {
		w.mu.Lock()
		n := w.free
		if n == 0 {
			w.claiming = false
		}
		w.mu.Unlock()
		if n == 0 {
			return nil
		}
		l, err := w.engine.Claim(ctx, ClaimRequest{
			Limit:    min(n, w.opts.Batch),
			TTL:      w.opts.ClaimTTL,
			Grace:    w.opts.Grace,
			Wait:     w.opts.Wait,
			ClientID: w.opts.ClientID,
		})
		var jobs []job[T]
		if len(l.Messages) > 0 {
			jobs = w.start(l) // even if ctx has ended: the messages are held now
		}
		stop, stopErr := false, error(nil)
		switch {
		case ctx.Err() != nil:
			stop = true
		case errors.Is(err, ErrClosed), errors.Is(err, ErrInvalid):
			stop, stopErr = true, err
		}
		w.mu.Lock()
		keep := len(jobs) > 0 && (stop || w.free == 0)
		switch {
		case stop:
			w.stopLocked(stopErr)
		case keep:
			w.claiming = false
		}
		w.mu.Unlock()
		var mine *job[T]
		if keep {
			mine, jobs = &jobs[len(jobs)-1], jobs[:len(jobs)-1]
		}
		for i := range jobs {
			w.jobs <- &jobs[i]
		}
		switch {
		case mine != nil || stop:
			return mine
		case err == nil:
			pause = 0
			continue
		}
		w.emit(Event[T]{Kind: EventError, Err: err})
		pause = min(max(2*pause, time.Second), 30*time.Second)
		if !w.sleep(ctx, pause) {
			w.mu.Lock()
			w.stopLocked(nil)
			w.mu.Unlock()
			return nil
		}
	}
}

// stopLocked ends claiming for good, with Run's result err.
func (w *Worker[T]) stopLocked(err error) {
	w.claiming, w.runErr = false, err
	close(w.stopped)
}

// stoppedLocked reports whether claiming has stopped for good. w.mu
// orders it with stopLocked.
func (w *Worker[T]) stoppedLocked() bool {
	select {
	case <-w.stopped:
		return true
	default:
		return false
	}
}

// runningNow is the number of messages held: claimed, not yet settled.
func (w *Worker[T]) runningNow() int64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	return int64(w.opts.Concurrency - w.free)
}

// sleep waits d on the engine's clock; false if ctx ended first.
func (w *Worker[T]) sleep(ctx context.Context, d time.Duration) bool {
	done := make(chan struct{})
	t := w.clock.AfterFunc(d, func() { close(done) })
	defer t.Stop()
	select {
	case <-done:
		return true
	case <-ctx.Done():
		return false
	}
}

// drain is the shutdown: it waits for the leases to finish, up to the
// shutdown timeout, then aborts the rest and waits for them too.
func (w *Worker[T]) drain() {
	finished := make(chan struct{})
	go func() {
		w.leaseWG.Wait()
		close(finished)
	}()
	timeout := make(chan struct{})
	if d := w.opts.ShutdownTimeout; d >= 0 {
		t := w.clock.AfterFunc(d, func() { close(timeout) })
		defer t.Stop()
	} else {
		close(timeout)
	}
	w.emit(Event[T]{Kind: EventDraining, Count: int(w.runningNow())})
	select {
	case <-finished:
		return
	case <-timeout:
	}
	w.mu.Lock()
	leases := make([]*lease[T], 0, len(w.leases))
	for l := range w.leases {
		leases = append(leases, l)
	}
	w.mu.Unlock()
	for _, l := range leases {
		l.abort()
	}
	<-finished
}

// work runs the handler of j and settles the message. It reports whether
// the goroutine, having freed a slot while nobody claims, is the claimer
// now.
func (w *Worker[T]) work(j *job[T]) (claimer bool) {
	err := w.call(j)
	l := j.l
	l.mu.Lock()
	j.done = true
	released, lost := l.released, l.lost
	l.mu.Unlock()
	w.settle(j, err, released, lost)
	l.releaseHeld(j)

	// The slot is freed before the lease may finish, so that a Run
	// that returns finds every slot free.
	w.mu.Lock()
	w.free++
	if !w.claiming && !w.stoppedLocked() {
		w.claiming, claimer = true, true
	}
	w.mu.Unlock()
	l.mu.Lock()
	l.unwantLocked(j)
	l.unsettled--
	done := l.finishLocked()
	l.mu.Unlock()
	if done {
		w.finish(l)
	}
	return claimer
}

// call runs the handler, turning a panic into a *PanicError.
func (w *Worker[T]) call(j *job[T]) (err error) {
	defer func() {
		if v := recover(); v != nil {
			w.panics.Add(1)
			err = &PanicError{Value: v, Stack: debug.Stack()}
		}
	}()
	return w.handler(j.l.ctx, j.d)
}

// settle acts on the handler's result herr for j's message.
func (w *Worker[T]) settle(j *job[T], herr error, released bool, lost error) {
	l, d := j.l, j.d
	if herr == nil {
		// Even a lease known to be lost is tried: the engine has the last
		// word, and its error is the one to roll back on.
		w.delete(j, EventHandled, nil)
		return
	}
	switch {
	case released:
		return // handed back already, and reported then
	case lost != nil:
		// Another worker may hold the message: neither a retry nor a dead
		// letter may touch it now.
		w.emit(Event[T]{Kind: EventLost, Lease: l.id, Message: d, Err: lost})
		return
	case errors.Is(herr, ErrPermanent) || (w.opts.MaxAttempts > 0 && d.Attempt >= w.opts.MaxAttempts):
		if w.opts.DeadLetter == nil {
			w.delete(j, EventDiscarded, herr)
			return
		}
		if err := w.opts.DeadLetter(w.bg, d, herr); err != nil {
			w.emit(Event[T]{Kind: EventError, Lease: l.id, Message: d, Err: fmt.Errorf("claimq: dead letter: %w", err)})
			break // retried below
		}
		w.delete(j, EventDeadLettered, herr)
		return
	}
	delay := w.backoff(d.Attempt, herr)
	l.leave(j)
	if err := w.engine.Retry(w.bg, l.id, delay, j.id[:]...); err != nil {
		w.deleted(j, err, EventRetried, herr)
		return
	}
	w.emit(Event[T]{Kind: EventRetried, Lease: l.id, Message: d, Delay: delay, Err: herr})
}

// delete deletes j's message with its claim and reports the outcome as
// deleted does.
func (w *Worker[T]) delete(j *job[T], ok EventKind, herr error) {
	j.l.leave(j)
	w.deleted(j, w.engine.Delete(w.bg, j.l.id, j.id[:]...), ok, herr)
}

// deleted reports the outcome of the engine call that settled j: ok with
// a nil err, the race as EventLost, anything else as EventError. herr is
// the handler's error, carried by the ok event.
func (w *Worker[T]) deleted(j *job[T], err error, ok EventKind, herr error) {
	l, d := j.l, j.d
	switch {
	case err == nil:
		w.emit(Event[T]{Kind: ok, Lease: l.id, Message: d, Err: herr})
	case claimEnded(err):
		lost := fmt.Errorf("%w: %w", ErrLeaseLost, err)
		w.emit(Event[T]{Kind: EventLost, Lease: l.id, Message: d, Err: lost})
		if errors.Is(err, ErrClaimExpired) {
			// The claim itself has ended, not only its hold on this
			// message: the other handlers' messages may be another
			// worker's too. Cancelled after the event, which says why.
			l.lose(lost)
		}
	default:
		w.emit(Event[T]{Kind: EventError, Lease: l.id, Message: d, Err: err})
	}
}

// claimEnded reports whether an engine's error says the claim given no
// longer holds the message.
func claimEnded(err error) bool {
	return errors.Is(err, ErrClaimExpired) || errors.Is(err, ErrClaimNotFound) ||
		errors.Is(err, ErrClaimedByOther) || errors.Is(err, ErrNotClaimed)
}
