package claimq

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// lease is a claim the worker holds, with its messages' jobs. It is
// renewed while any job wants it, and finished when every job is settled
// and no renewal runs. Its jobs share one context: every reason to cancel
// a handler (a failed renewal, a settling call that finds the claim ended,
// MaxLease, which passes for all of them at once, the shutdown timeout)
// concerns the whole claim.
type lease[T any] struct {
	w      *Worker[T]
	id     string
	ctx    context.Context
	cancel context.CancelCauseFunc
	limit  Timer // MaxLease; nil without one

	mu        sync.Mutex // guards the fields below and the jobs' flags
	jobs      []job[T]   // in one when the claim took a single message
	one       [1]job[T]
	want      int       // jobs on whose behalf the lease is renewed
	leaving   int       // of those, jobs whose settling call is under way
	unsettled int       // jobs not yet settled
	timer     Timer     // the next renewal; nil when none is due
	expires   time.Time // when the claim ends unless renewed, as far as the worker knows
	renewing  bool      // a renewal call is under way
	lost      error     // why renewal failed, if it did
	released  bool      // the shutdown timeout handed the lease back, or will
	// At the shutdown timeout, the messages whose handlers still ran, to
	// release once the settling calls then under way (the jobs marked
	// holdsRelease) have returned.
	unreleased []Delivery[T]
	finished   bool
}

// job is one message being handled.
type job[T any] struct {
	l *lease[T]
	d Delivery[T]
	// id holds d.ID as the variadic argument of the engine calls, so
	// that passing it to an interface method allocates nothing.
	id [1]string
	// Guarded by l.mu: wants is true while the lease is renewed on the
	// job's behalf, from the claim until the engine call that settles
	// the message has returned (or MaxLease has passed); leaving while
	// that call is under way; done once the handler has returned;
	// settled once the message is settled; holdsRelease while the
	// shutdown's release waits for its settling call.
	wants, leaving, done, settled, holdsRelease bool
}

// start takes the messages of nl into a lease, schedules the renewal of
// its claim, and returns their jobs, for the claimer to hand to handlers.
func (w *Worker[T]) start(nl Lease[T]) []job[T] {
	l := &lease[T]{w: w, id: nl.ID}
	l.jobs = l.one[:]
	if len(nl.Messages) > 1 {
		l.jobs = make([]job[T], len(nl.Messages))
	}
	l.ctx, l.cancel = context.WithCancelCause(w.bg)
	l.want, l.unsettled = len(nl.Messages), len(nl.Messages)
	for i, d := range nl.Messages {
		l.jobs[i] = job[T]{l: l, d: d, id: [1]string{d.ID}, wants: true}
	}
	w.mu.Lock()
	w.free -= len(nl.Messages)
	w.leases[l] = struct{}{}
	w.mu.Unlock()
	w.leaseWG.Add(1)
	w.claimed.Add(int64(len(nl.Messages)))

	// The first renewal counts from when the engine made the claim, so
	// that time spent since (a slow network, a fast fake clock) does not
	// push it past the claim's expiry.
	now := w.clock.Now()
	first, expires := w.opts.RenewEvery, nl.Expires
	if expires.IsZero() {
		expires = now.Add(w.opts.ClaimTTL)
	}
	first -= now.Sub(expires.Add(-w.opts.ClaimTTL))
	l.mu.Lock()
	l.expires = expires
	l.timer = w.clock.AfterFunc(first, l.renew)
	if w.opts.MaxLease > 0 {
		l.limit = w.clock.AfterFunc(w.opts.MaxLease, l.maxLeasePassed)
	}
	l.mu.Unlock()
	w.emit(Event[T]{Kind: EventClaimed, Lease: l.id, Count: len(nl.Messages)})
	return l.jobs
}

// unwantLocked stops renewing the lease for j, and stops the timer when
// no job wants it any more.
func (l *lease[T]) unwantLocked(j *job[T]) {
	if !j.wants {
		return
	}
	j.wants = false
	if j.leaving {
		l.leaving--
	}
	if l.want--; l.want == 0 && l.timer != nil {
		l.timer.Stop()
		l.timer = nil
	}
}

// leave marks the start of the engine call that takes j's message out of
// the lease (a delete or retry). Such a call may end the claim, so a
// renewal failing while every job still wanting the lease is leaving it
// is no sign of a lost lease.
func (l *lease[T]) leave(j *job[T]) {
	l.mu.Lock()
	if j.wants && !j.leaving {
		j.leaving = true
		l.leaving++
	}
	l.mu.Unlock()
}

// finishLocked reports whether l has just finished: every job settled and
// no renewal under way. It is true once per lease.
func (l *lease[T]) finishLocked() bool {
	if l.finished || l.unsettled > 0 || l.renewing {
		return false
	}
	l.finished = true
	return true
}

// finish forgets the finished lease l and releases what it held.
func (w *Worker[T]) finish(l *lease[T]) {
	l.cancel(nil)
	if l.limit != nil {
		l.limit.Stop()
	}
	w.mu.Lock()
	delete(w.leases, l)
	w.mu.Unlock()
	w.leaseWG.Done()
}

// renew is the renewal timer's callback; it schedules the next one.
func (l *lease[T]) renew() {
	w := l.w
	l.mu.Lock()
	if l.want == 0 || l.lost != nil || l.released || l.finished {
		l.mu.Unlock()
		return
	}
	l.timer, l.renewing = nil, true
	l.mu.Unlock()

	at := w.clock.Now()
	err := w.engine.Renew(w.bg, l.id, w.opts.ClaimTTL, w.opts.Grace)

	l.mu.Lock()
	l.renewing = false
	var ev Event[T]
	switch {
	case l.want == 0 || l.released:
		// Settled or handed back while the call ran: its result no
		// longer matters.
	case err != nil && l.want == l.leaving:
		// The settling calls may have ended the claim; they report for
		// themselves whether it was lost.
	case err != nil && !claimEnded(err) && w.clock.Now().Add(w.opts.RenewEvery).Before(l.expires):
		// A failure that says nothing of the claim (a network error)
		// is tried again at the next renewal, while that still comes
		// before the claim's end.
		l.timer = w.clock.AfterFunc(w.opts.RenewEvery, l.renew)
		ev = Event[T]{Kind: EventError, Lease: l.id, Err: fmt.Errorf("claimq: renewing claim %s: %w", l.id, err)}
	case err != nil:
		l.lost = fmt.Errorf("%w: renewing claim %s: %w", ErrLeaseLost, l.id, err)
		l.cancel(l.lost)
		ev = Event[T]{Kind: EventRenewFailed, Lease: l.id, Err: l.lost}
	default:
		l.expires = at.Add(w.opts.ClaimTTL)
		l.timer = w.clock.AfterFunc(w.opts.RenewEvery, l.renew)
		ev = Event[T]{Kind: EventRenewed, Lease: l.id}
	}
	done := l.finishLocked()
	l.mu.Unlock()
	if ev.Kind != 0 {
		w.emit(ev)
	}
	if done {
		w.finish(l)
	}
}

// lose records that the engine reported the claim ended (cause matches
// [ErrLeaseLost]): it is no longer renewed, its running handlers are
// cancelled, and their failures are not retried.
func (l *lease[T]) lose(cause error) {
	l.mu.Lock()
	if l.lost == nil {
		l.lost = cause
	}
	if l.timer != nil {
		l.timer.Stop()
		l.timer = nil
	}
	l.mu.Unlock()
	l.cancel(cause)
}

// maxLeasePassed is the MaxLease timer's callback: the lease is no longer
// renewed for the handlers still running, and they are cancelled.
func (l *lease[T]) maxLeasePassed() {
	l.mu.Lock()
	for i := range l.jobs {
		if j := &l.jobs[i]; !j.done {
			l.unwantLocked(j)
		}
	}
	l.mu.Unlock()
	l.cancel(l.w.maxCause)
}

// abort cancels the lease's running handlers and releases their messages.
// A settling call under way for another message of the lease (a delete
// after a success) would fail if the claim ended under it, and a message
// already handled would come back: the release waits for those calls, and
// the last of them makes it (see releaseHeld).
func (l *lease[T]) abort() {
	l.mu.Lock()
	if l.finished || l.released {
		l.mu.Unlock()
		return
	}
	var running []Delivery[T]
	for i := range l.jobs {
		if j := &l.jobs[i]; !j.done {
			running = append(running, j.d)
		}
	}
	if len(running) == 0 {
		// Every handler has returned: the settling calls under way end
		// the claim without help.
		l.mu.Unlock()
		return
	}
	holding := false
	for i := range l.jobs {
		if j := &l.jobs[i]; j.done && !j.settled {
			j.holdsRelease, holding = true, true
		}
	}
	l.released = true
	if l.timer != nil {
		l.timer.Stop()
		l.timer = nil
	}
	if holding {
		l.unreleased = running
		running = nil
	}
	l.mu.Unlock()
	l.cancel(ErrShutdown)
	if running != nil {
		l.release(running)
	}
}

// releaseHeld is called by j's goroutine once its message is settled: if
// the shutdown's release waited for j, and j was the last it waited for,
// it releases now. It returns before the lease can finish, so that Run
// waits for the release.
func (l *lease[T]) releaseHeld(j *job[T]) {
	l.mu.Lock()
	j.settled = true
	var running []Delivery[T]
	if j.holdsRelease {
		j.holdsRelease = false
		if !l.holdingLocked() {
			running, l.unreleased = l.unreleased, nil
		}
	}
	l.mu.Unlock()
	if running != nil {
		l.release(running)
	}
}

// holdingLocked reports whether the shutdown's release still waits for a
// settling call.
func (l *lease[T]) holdingLocked() bool {
	for i := range l.jobs {
		if l.jobs[i].holdsRelease {
			return true
		}
	}
	return false
}

// release hands the lease back to the engine for the messages running,
// whose handlers the shutdown timeout cancelled.
func (l *lease[T]) release(running []Delivery[T]) {
	w := l.w
	if err := w.engine.Release(w.bg, l.id); err != nil {
		w.emit(Event[T]{Kind: EventError, Lease: l.id, Err: err})
		return
	}
	for _, d := range running {
		w.emit(Event[T]{Kind: EventReleased, Lease: l.id, Message: d, Err: ErrShutdown})
	}
}
