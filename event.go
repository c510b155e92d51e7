package claimq

import (
	"log/slog"
	"strconv"
	"time"
)

// EventKind says what happened in a [Worker]; see [Event].
type EventKind uint8

// The events of a [Worker]. Message events carry the message in
// Event.Message; lease events (Claimed, Renewed, RenewFailed) only the
// lease.
const (
	// EventClaimed: a lease of Event.Count messages was claimed; their
	// handlers start now.
	EventClaimed EventKind = iota + 1
	// EventRenewed: the lease was renewed for another ClaimTTL.
	EventRenewed
	// EventRenewFailed: renewing the lease failed (Event.Err says why,
	// and matches [ErrLeaseLost]): the engine said the claim had ended, or
	// another error left no time for one more try before the claim's
	// end. The contexts of its running handlers are cancelled with that
	// cause.
	EventRenewFailed
	// EventHandled: the handler returned nil and the message was deleted.
	EventHandled
	// EventRetried: the handler failed with Event.Err and the message was
	// handed back to the engine, to be claimed again after Event.Delay.
	EventRetried
	// EventDeadLettered: the handler failed permanently, or for the last
	// allowed attempt, with Event.Err; the message was given to
	// WorkerOptions.DeadLetter and deleted.
	EventDeadLettered
	// EventDiscarded: as EventDeadLettered, but with no DeadLetter set:
	// the message was deleted, and no copy is kept.
	EventDiscarded
	// EventLost: the lease ended before the message was settled, so
	// another worker may hold it now; Event.Err matches [ErrLeaseLost]
	// and, when the engine said so, [ErrClaimExpired]. If the handler
	// succeeded, its effects happen twice unless the caller rolls back.
	EventLost
	// EventReleased: Run's shutdown timeout passed while the handler ran;
	// its context was cancelled and the message handed back at once, or,
	// when a delete or retry of another message of the claim was under
	// way, as soon as that call returned.
	EventReleased
	// EventDraining: Run has stopped claiming (its context ended or the
	// engine closed) and waits for Event.Count running handlers, up to
	// WorkerOptions.ShutdownTimeout.
	EventDraining
	// EventError: an engine call failed for another reason (Event.Err):
	// a Claim (Run tries again after a pause), a Renew that did not say
	// the claim had ended (tried again at the next renewal, while there
	// is time), a Delete, Retry or Release (the message comes back when
	// the lease expires), or the DeadLetter function (the message is
	// retried instead).
	EventError

	numEventKinds = iota + 1
)

var eventNames = [numEventKinds]string{
	EventClaimed:      "claimed",
	EventRenewed:      "renewed",
	EventRenewFailed:  "renewal failed",
	EventHandled:      "handled",
	EventRetried:      "retried",
	EventDeadLettered: "dead-lettered",
	EventDiscarded:    "discarded",
	EventLost:         "lost",
	EventReleased:     "released",
	EventDraining:     "draining",
	EventError:        "error",
}

// String returns the kind's name: "claimed", "handled", "retried", ….
func (k EventKind) String() string {
	if int(k) < len(eventNames) && eventNames[k] != "" {
		return eventNames[k]
	}
	return "EventKind(" + strconv.Itoa(int(k)) + ")"
}

// Event is what [WorkerOptions].OnEvent receives.
type Event[T any] struct {
	Kind  EventKind
	Time  time.Time // on the engine's clock
	Lease string    // the claim's ID; empty for EventDraining and a failed Claim
	// Message is the message concerned; zero for lease events.
	Message Delivery[T]
	Count   int           // messages claimed (EventClaimed) or still running (EventDraining)
	Delay   time.Duration // EventRetried: until the message is claimable again
	Err     error         // the handler's error, or the engine's; see each kind
}

// Counters are a [Worker]'s totals since it was created: messages by
// outcome, and lease renewals.
type Counters struct {
	Claimed      int64 // messages claimed
	Handled      int64 // handled successfully and deleted
	Retried      int64 // failed and handed back for a retry
	DeadLettered int64 // given to WorkerOptions.DeadLetter
	Discarded    int64 // failed permanently with no DeadLetter set
	Lost         int64 // their lease ended before they were settled
	Released     int64 // handed back unfinished at the shutdown timeout
	Panics       int64 // handler panics (also counted by outcome)
	Renewed      int64 // successful lease renewals
	RenewFailed  int64 // failed lease renewals
	Errors       int64 // other failed engine calls
	// Running is the number of messages claimed and not yet settled.
	Running int64
}

// Counters returns the worker's totals. It is safe to call at any time,
// from any goroutine; the fields are read one by one, so a total may be
// one event ahead of another. Cost: O(1).
func (w *Worker[T]) Counters() Counters {
	n := func(k EventKind) int64 { return w.counts[k].Load() }
	return Counters{
		Claimed:      w.claimed.Load(),
		Handled:      n(EventHandled),
		Retried:      n(EventRetried),
		DeadLettered: n(EventDeadLettered),
		Discarded:    n(EventDiscarded),
		Lost:         n(EventLost),
		Released:     n(EventReleased),
		Panics:       w.panics.Load(),
		Renewed:      n(EventRenewed),
		RenewFailed:  n(EventRenewFailed),
		Errors:       n(EventError),
		Running:      w.runningNow(),
	}
}

// emit counts ev, hands it to OnEvent and logs it.
func (w *Worker[T]) emit(ev Event[T]) {
	w.counts[ev.Kind].Add(1)
	if w.opts.OnEvent == nil && w.opts.Logger == nil {
		return
	}
	ev.Time = w.clock.Now()
	if w.opts.OnEvent != nil {
		w.opts.OnEvent(ev)
	}
	if w.opts.Logger == nil {
		return
	}
	level := slog.LevelDebug
	switch ev.Kind {
	case EventRetried, EventReleased, EventDraining:
		level = slog.LevelInfo
	case EventRenewFailed, EventLost, EventDiscarded, EventError, EventDeadLettered:
		level = slog.LevelWarn
	}
	// Run's context carries the caller's values (a trace ID, say) to
	// the log handler.
	ctx := w.bg
	if !w.opts.Logger.Enabled(ctx, level) {
		return
	}
	attrs := make([]slog.Attr, 0, 5)
	if ev.Lease != "" {
		attrs = append(attrs, slog.String("lease", ev.Lease))
	}
	if ev.Message.ID != "" {
		attrs = append(attrs, slog.String("message", ev.Message.ID), slog.Int("attempt", ev.Message.Attempt))
	}
	if ev.Kind == EventClaimed || ev.Kind == EventDraining {
		attrs = append(attrs, slog.Int("count", ev.Count))
	}
	if ev.Kind == EventRetried {
		attrs = append(attrs, slog.Duration("delay", ev.Delay))
	}
	if ev.Err != nil {
		attrs = append(attrs, slog.String("error", ev.Err.Error()))
	}
	w.opts.Logger.LogAttrs(ctx, level, "claimq worker: "+ev.Kind.String(), attrs...)
}
