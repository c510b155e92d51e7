package claimq

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The worker tests run inside synctest bubbles with a FakeClock as the
// engine's clock: the FakeClock drives every deadline of queue and worker,
// and the bubble lets a test wait until every goroutine is blocked
// (synctest.Wait) before it asserts that something has not happened, and
// turns an event that can no longer come into a failure instead of a hang
// (see next).

// workerEnv is one queue, its engine and a worker's events.
type workerEnv struct {
	t      *testing.T
	q      *Queue[string]
	clock  *FakeClock
	engine Engine[string]
	events chan Event[string]
}

func newWorkerEnv(t *testing.T) *workerEnv {
	t.Helper()
	q, clock := newTestQueue(t, Options[string]{Limits: wideLimits()})
	return &workerEnv{t: t, q: q, clock: clock, engine: Local(q), events: make(chan Event[string], 4096)}
}

// start runs a worker over env's engine until the returned stop is called;
// stop cancels Run's context and returns Run's error once it returned.
func (e *workerEnv) start(opts WorkerOptions[string], h Handler[string]) (w *Worker[string], stop func() error) {
	e.t.Helper()
	if opts.OnEvent == nil {
		opts.OnEvent = func(ev Event[string]) { e.events <- ev }
	}
	w, err := NewWorker(e.engine, h, opts)
	require.NoError(e.t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	stopped := false
	stop = func() error {
		if stopped {
			return nil
		}
		stopped = true
		cancel()
		return <-done
	}
	e.t.Cleanup(func() { _ = stop() })
	return w, stop
}

// next returns the next event of one of kinds, skipping the others. It
// fails the test once every goroutine of the bubble is blocked with no
// such event sent: it can no longer come.
func (e *workerEnv) next(kinds ...EventKind) Event[string] {
	e.t.Helper()
	for {
		var ev Event[string]
		select {
		case ev = <-e.events:
		default:
			synctest.Wait()
			select {
			case ev = <-e.events:
			default:
				e.t.Fatalf("no event among %v: the worker is idle", kinds)
			}
		}
		for _, k := range kinds {
			if ev.Kind == k {
				return ev
			}
		}
	}
}

// noEvent asserts that no event of kinds is pending once every goroutine
// has blocked.
func (e *workerEnv) noEvent(kinds ...EventKind) {
	e.t.Helper()
	synctest.Wait()
	for {
		select {
		case ev := <-e.events:
			for _, k := range kinds {
				assert.NotEqual(e.t, k, ev.Kind, "unexpected event %v", ev)
			}
		default:
			return
		}
	}
}

func (e *workerEnv) post(bodies ...string) []MessageID {
	e.t.Helper()
	ps := make([]Post[string], len(bodies))
	for i, b := range bodies {
		ps[i] = Post[string]{Body: b, TTL: 24 * time.Hour}
	}
	ids, err := e.q.Post(ps...)
	require.NoError(e.t, err)
	return ids
}

// errPanic is a handler result that makes the test handler panic.
var errPanic = errors.New("panic")

// TestWorkerOutcomes runs one message through a handler whose result is
// scripted per attempt and checks each event of its life: every retry
// happens exactly after its backoff (not a nanosecond earlier), and the
// message ends handled, dead-lettered or discarded.
func TestWorkerOutcomes(t *testing.T) {
	errBoom := errors.New("boom")
	backoff := func(attempt int, err error) time.Duration { return time.Duration(attempt) * 7 * time.Second }
	tests := []struct {
		name        string
		results     []error // the handler's result at each attempt
		maxAttempts int
		deadLetter  bool
		want        []EventKind // message events, in order
		wantDLQ     []string
		wantPanics  int64
	}{
		{name: "success", results: []error{nil}, want: []EventKind{EventHandled}},
		{name: "error then success", results: []error{errBoom, errBoom, nil},
			want: []EventKind{EventRetried, EventRetried, EventHandled}},
		{name: "permanent", results: []error{Permanent(errBoom)}, deadLetter: true,
			want: []EventKind{EventDeadLettered}, wantDLQ: []string{"job"}},
		{name: "permanent wrapped", results: []error{errBoom, fmt.Errorf("bad input: %w", ErrPermanent)}, deadLetter: true,
			want: []EventKind{EventRetried, EventDeadLettered}, wantDLQ: []string{"job"}},
		{name: "permanent without dead letter", results: []error{Permanent(errBoom)},
			want: []EventKind{EventDiscarded}},
		{name: "max attempts", results: []error{errBoom, errBoom, errBoom}, maxAttempts: 3, deadLetter: true,
			want: []EventKind{EventRetried, EventRetried, EventDeadLettered}, wantDLQ: []string{"job"}},
		{name: "panic", results: []error{errPanic, nil}, want: []EventKind{EventRetried, EventHandled}, wantPanics: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				env := newWorkerEnv(t)
				dlq := New(Options[string]{Clock: env.clock, Limits: wideLimits()})
				var calls []time.Time // when each attempt started
				var mu sync.Mutex
				h := func(ctx context.Context, m Delivery[string]) error {
					mu.Lock()
					calls = append(calls, env.clock.Now())
					n := len(calls)
					mu.Unlock()
					assert.Equal(t, "job", m.Body)
					assert.Equal(t, n, m.Attempt, "Attempt")
					if err := tt.results[n-1]; err != errPanic {
						return err
					}
					panic("handler bug")
				}
				opts := WorkerOptions[string]{Backoff: backoff, MaxAttempts: tt.maxAttempts}
				if tt.deadLetter {
					opts.DeadLetter = DeadLetterTo(Local(dlq))
				}
				w, stop := env.start(opts, h)
				id := env.post("job")[0]
				for i, kind := range tt.want {
					ev := env.next(EventHandled, EventRetried, EventDeadLettered, EventDiscarded, EventLost, EventError)
					require.Equal(t, kind, ev.Kind, "event %d: %v", i, ev)
					require.Equal(t, i+1, ev.Message.Attempt)
					if kind == EventHandled {
						require.NoError(t, ev.Err)
						continue
					}
					require.Error(t, ev.Err, "the handler's error")
					if tt.results[i] == errPanic {
						var pe *PanicError
						require.ErrorAs(t, ev.Err, &pe)
						assert.Equal(t, "handler bug", pe.Value)
					} else {
						require.ErrorIs(t, ev.Err, tt.results[i])
					}
					if kind != EventRetried {
						continue
					}
					delay := time.Duration(i+1) * 7 * time.Second
					require.Equal(t, delay, ev.Delay)
					// The retried message keeps its ID, waits out the delay
					// exactly, and comes back no sooner.
					m, err := env.q.Get(id)
					require.NoError(t, err)
					require.Equal(t, env.clock.Now().Add(delay), m.DelayedUntil)
					env.clock.Advance(delay - 1)
					synctest.Wait()
					mu.Lock()
					require.Len(t, calls, i+1, "attempt %d started before its backoff passed", i+2)
					mu.Unlock()
					env.clock.Advance(1)
				}
				require.NoError(t, stop())
				require.Len(t, calls, len(tt.want))
				for i := 1; i < len(calls); i++ {
					assert.Equal(t, time.Duration(i)*7*time.Second, calls[i].Sub(calls[i-1]), "gap before attempt %d", i+1)
				}
				assert.Equal(t, 0, env.q.Len(), "messages left in the queue")
				var dead []string
				msgs, _ := dlq.List(ListOptions{})
				for _, m := range msgs {
					dead = append(dead, m.Body)
				}
				assert.Equal(t, tt.wantDLQ, dead)
				c := w.Counters()
				assert.Equal(t, int64(len(tt.want)), c.Claimed)
				assert.Equal(t, tt.wantPanics, c.Panics)
				assert.Equal(t, int64(0), c.Running)
			})
		})
	}
}

// TestWorkerLeases runs the scenarios of a claim's life in a worker: its
// renewal, its loss, and the shutdown of the worker holding it.
func TestWorkerLeases(t *testing.T) {
	for _, tt := range []struct {
		name string
		run  func(*testing.T)
	}{
		{"renewal keeps a 10-minute job alive on a 1-minute claim", testWorkerRenewsWhileHandling},
		{"renewal failure cancels the handler", testWorkerRenewalFailureCancelsHandler},
		{"a delete finding the claim ended cancels the claim's other handlers", testWorkerLostDeleteCancelsOthers},
		{"maximum lease cancels the handler and lets the claim expire", testWorkerMaxLease},
		{"never more messages than free handlers", testWorkerNeverHoldsMoreThanItsHandlers},
		{"shutdown with a job in flight finishes it", testWorkerShutdownFinishesInFlight},
		{"shutdown timeout releases the job to another worker at once", testWorkerShutdownTimeoutReleases},
		{"negative shutdown timeout releases at once", testWorkerShutdownAtOnce},
		{"shutdown timeout lets a delete under way finish before releasing", testWorkerShutdownReleaseAfterDelete},
		{"engine closing stops Run", testWorkerStopsWhenEngineCloses},
		{"renewal network errors retried while there is time", testWorkerRenewalTransientError},
	} {
		t.Run(tt.name, tt.run)
	}
}

// blocking is a handler that reports each call on started and returns
// what finish sends it.
type blocking struct {
	started chan context.Context
	finish  chan error
}

func newBlocking() *blocking {
	return &blocking{started: make(chan context.Context, 100), finish: make(chan error, 100)}
}

func (b *blocking) handle(ctx context.Context, m Delivery[string]) error {
	b.started <- ctx
	return <-b.finish
}

func testWorkerRenewsWhileHandling(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		env := newWorkerEnv(t)
		h := newBlocking()
		w, stop := env.start(WorkerOptions[string]{ClaimTTL: time.Minute}, h.handle)
		env.post("ten-minute job")
		claimed := env.next(EventClaimed)
		ctx := <-h.started

		// A 10-minute job on a 1-minute claim: renewed every 20 s, at the
		// very instants the fake clock passes, so the claim never lapses.
		env.clock.Advance(10 * time.Minute)
		require.NoError(t, ctx.Err(), "handler cancelled")
		c := w.Counters()
		assert.Equal(t, int64(30), c.Renewed)
		assert.Equal(t, int64(0), c.RenewFailed)
		live, err := env.q.GetClaim(mustParseClaim(t, claimed.Lease))
		require.NoError(t, err)
		assert.Equal(t, env.clock.Now().Add(time.Minute), live.Expires)

		h.finish <- nil
		ev := env.next(EventHandled, EventLost, EventError)
		require.Equal(t, EventHandled, ev.Kind, "%v", ev)
		assert.Equal(t, 0, env.q.Len())

		// Renewal stops with the last message of the claim.
		env.clock.Advance(time.Hour)
		env.noEvent(EventRenewed, EventRenewFailed)
		require.NoError(t, stop())
	})
}

func testWorkerRenewalFailureCancelsHandler(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		env := newWorkerEnv(t)
		h := newBlocking()
		w, stop := env.start(WorkerOptions[string]{ClaimTTL: time.Minute}, h.handle)
		env.post("job")
		claimed := env.next(EventClaimed)
		ctx := <-h.started

		// Someone else ends the claim; the next renewal finds out.
		require.NoError(t, env.q.Release(mustParseClaim(t, claimed.Lease)))
		env.clock.Advance(20*time.Second - 1)
		synctest.Wait()
		require.NoError(t, ctx.Err(), "cancelled before the renewal")
		env.clock.Advance(1)
		ev := env.next(EventRenewFailed)
		require.ErrorIs(t, ev.Err, ErrLeaseLost)
		require.ErrorIs(t, ev.Err, ErrClaimNotFound)
		<-ctx.Done()
		cause := context.Cause(ctx)
		require.ErrorIs(t, cause, ErrLeaseLost)
		require.ErrorIs(t, cause, ErrClaimNotFound)

		h.finish <- ctx.Err()
		lost := env.next(EventLost, EventRetried, EventError)
		require.Equal(t, EventLost, lost.Kind, "a failure after the lease was lost is not retried: %v", lost)
		require.ErrorIs(t, lost.Err, ErrLeaseLost)

		// The release made the message claimable: it comes straight back.
		ctx2 := <-h.started
		require.NoError(t, ctx2.Err())
		h.finish <- nil
		env.next(EventHandled)
		require.NoError(t, stop())
		c := w.Counters()
		assert.Equal(t, int64(1), c.Lost)
		assert.Equal(t, int64(2), c.Claimed)
		assert.Equal(t, 0, env.q.Len())
	})
}

func testWorkerLostDeleteCancelsOthers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		env := newWorkerEnv(t)
		env.post("a", "b")
		finishA := make(chan struct{})
		ctxB := make(chan context.Context, 1)
		h := func(ctx context.Context, m Delivery[string]) error {
			switch {
			case m.Attempt > 1:
				return nil
			case m.Body == "a":
				<-finishA
				return nil
			}
			ctxB <- ctx
			<-ctx.Done()
			return ctx.Err()
		}
		w, stop := env.start(WorkerOptions[string]{Concurrency: 2, ClaimTTL: time.Minute}, h)
		claimed := env.next(EventClaimed)
		ctx := <-ctxB

		// Someone else ends the claim; a's delete finds out, long before
		// the next renewal would.
		require.NoError(t, env.q.Release(mustParseClaim(t, claimed.Lease)))
		close(finishA)
		lostA := env.next(EventLost)
		assert.Equal(t, "a", lostA.Message.Body)
		require.ErrorIs(t, lostA.Err, ErrClaimExpired)
		<-ctx.Done()
		cause := context.Cause(ctx)
		require.ErrorIs(t, cause, ErrLeaseLost)
		require.ErrorIs(t, cause, ErrClaimExpired)
		// b's failure is not retried; the release made both claimable
		// again, and they come back and succeed (in any order with b's
		// loss).
		got := map[string][]EventKind{}
		for range 3 {
			ev := env.next(EventLost, EventHandled, EventRetried, EventError)
			got[ev.Message.Body] = append(got[ev.Message.Body], ev.Kind)
		}
		assert.Equal(t, []EventKind{EventHandled}, got["a"])
		assert.ElementsMatch(t, []EventKind{EventLost, EventHandled}, got["b"])
		require.NoError(t, stop())
		assert.Equal(t, int64(2), w.Counters().Lost)
		assert.Equal(t, int64(0), w.Counters().RenewFailed)
	})
}

// A handler that outlives MaxLease is cancelled; the claim is no longer
// renewed for it and expires; the message goes to the next consumer; and
// the late success is reported as lost, the signal to roll back.
func testWorkerMaxLease(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		env := newWorkerEnv(t)
		h := newBlocking()
		_, stop := env.start(WorkerOptions[string]{ClaimTTL: time.Minute, MaxLease: 90 * time.Second}, h.handle)
		id := env.post("job")[0]
		env.next(EventClaimed)
		ctx := <-h.started

		env.clock.Advance(90*time.Second - 1)
		synctest.Wait()
		require.NoError(t, ctx.Err())
		env.clock.Advance(1)
		<-ctx.Done()
		require.ErrorIs(t, context.Cause(ctx), ErrMaxLease)

		// Renewed last at 80 s, the claim ends at 140 s.
		env.clock.Advance(50*time.Second - 1)
		synctest.Wait()
		c := mustClaim(t, env.q, ClaimOptions{TTL: time.Minute})
		require.Empty(t, c.Messages, "claimable before the claim expired")
		env.clock.Advance(1)
		c = mustClaim(t, env.q, ClaimOptions{TTL: time.Minute})
		require.Len(t, c.Messages, 1)
		assert.Equal(t, id, c.Messages[0].ID)
		assert.Equal(t, 2, c.Messages[0].ClaimCount)

		h.finish <- nil // the handler ignored its context and succeeded
		ev := env.next(EventHandled, EventLost, EventError)
		require.Equal(t, EventLost, ev.Kind, "%v", ev)
		require.ErrorIs(t, ev.Err, ErrLeaseLost)
		require.ErrorIs(t, ev.Err, ErrClaimExpired)
		_, err := env.q.Get(id)
		require.NoError(t, err, "the message is still the next consumer's")
		require.NoError(t, stop())
	})
}

func testWorkerNeverHoldsMoreThanItsHandlers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		env := newWorkerEnv(t)
		h := newBlocking()
		w, stop := env.start(WorkerOptions[string]{Concurrency: 3, Batch: 2}, h.handle)
		env.post("a", "b", "c", "d", "e", "f", "g")
		for range 3 {
			<-h.started
		}
		synctest.Wait()
		require.Equal(t, 3, env.q.Stats().Claimed)
		require.Equal(t, int64(3), w.Counters().Running)
		for want := 4; want <= 7; want++ {
			h.finish <- nil
			<-h.started
			synctest.Wait()
			require.Equal(t, 3, env.q.Stats().Claimed, "after %d handled", want-3)
			require.Equal(t, int64(want), w.Counters().Claimed)
		}
		for range 3 {
			h.finish <- nil
		}
		for range 7 {
			env.next(EventHandled)
		}
		require.NoError(t, stop())
		assert.Equal(t, 0, env.q.Len())
		assert.Equal(t, int64(7), w.Counters().Handled)
	})
}

func testWorkerShutdownFinishesInFlight(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		env := newWorkerEnv(t)
		h := newBlocking()
		w, stop := env.start(WorkerOptions[string]{ClaimTTL: time.Minute, ShutdownTimeout: 5 * time.Minute}, h.handle)
		env.post("job", "next")
		ctx := <-h.started
		stopped := make(chan error, 1)
		go func() { stopped <- stop() }()
		drain := env.next(EventDraining)
		assert.Equal(t, 1, drain.Count)

		// Two minutes of shutdown: the claim is still renewed, the
		// handler's context untouched, nothing else claimed.
		env.clock.Advance(2 * time.Minute)
		synctest.Wait()
		require.NoError(t, ctx.Err())
		require.Empty(t, stopped, "Run returned with a handler running")
		assert.Equal(t, int64(6), w.Counters().Renewed)

		h.finish <- nil
		require.NoError(t, <-stopped)
		assert.Equal(t, int64(1), w.Counters().Handled)
		assert.Equal(t, int64(1), w.Counters().Claimed)
		assert.Equal(t, 1, env.q.Len(), "only the finished message was deleted")
		assert.Equal(t, 1, env.q.Stats().Free)
	})
}

func testWorkerShutdownTimeoutReleases(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		env := newWorkerEnv(t)
		h := newBlocking()
		w, stop := env.start(WorkerOptions[string]{ClaimTTL: time.Minute, ShutdownTimeout: 30 * time.Second}, h.handle)
		id := env.post("job")[0]
		ctx := <-h.started

		// A second worker waits for work on the same queue.
		env2 := *env
		env2.events = make(chan Event[string], 100)
		h2 := newBlocking()
		_, stop2 := env2.start(WorkerOptions[string]{}, h2.handle)

		stopped := make(chan error, 1)
		go func() { stopped <- stop() }()
		drain := env.next(EventDraining)
		env.clock.Advance(30*time.Second - 1)
		synctest.Wait()
		require.NoError(t, ctx.Err())
		env.clock.Advance(1)
		<-ctx.Done()
		require.ErrorIs(t, context.Cause(ctx), ErrShutdown)
		rel := env.next(EventReleased)
		assert.Equal(t, id.String(), rel.Message.ID)

		// The second worker has it at once, at the same instant.
		ctx2 := <-h2.started
		ev := env2.next(EventClaimed)
		assert.Equal(t, drain.Time.Add(30*time.Second), ev.Time)
		require.NoError(t, ctx2.Err())

		// The first handler finishes after all; Run returns only now, and
		// its success is reported lost.
		synctest.Wait()
		require.Empty(t, stopped, "Run returned with a handler running")
		h.finish <- nil
		require.NoError(t, <-stopped)
		lost := env.next(EventLost, EventHandled)
		require.Equal(t, EventLost, lost.Kind)
		assert.Equal(t, int64(1), w.Counters().Released)

		h2.finish <- nil
		env2.next(EventHandled)
		require.NoError(t, stop2())
		assert.Equal(t, 0, env.q.Len())
	})
}

// gatedDeletes holds every Delete until gate is closed.
type gatedDeletes struct {
	Engine[string]
	gate chan struct{}
}

func (e *gatedDeletes) Delete(ctx context.Context, claim string, ids ...string) error {
	<-e.gate
	return e.Engine.Delete(ctx, claim, ids...)
}

// testWorkerShutdownReleaseAfterDelete: at the shutdown timeout one
// message of a claim is being deleted and the other's handler still runs.
// Releasing the claim then would fail the delete and hand back a message
// already handled; the release waits for the delete instead.
func testWorkerShutdownReleaseAfterDelete(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		env := newWorkerEnv(t)
		gated := &gatedDeletes{Engine: env.engine, gate: make(chan struct{})}
		env.engine = gated
		env.post("done", "slow")
		h := func(ctx context.Context, m Delivery[string]) error {
			if m.Body == "slow" {
				<-ctx.Done()
				return context.Cause(ctx)
			}
			return nil
		}
		_, stop := env.start(WorkerOptions[string]{Concurrency: 2, ShutdownTimeout: 30 * time.Second}, h)
		require.Equal(t, 2, env.next(EventClaimed).Count)
		synctest.Wait() // "done" waits in Delete, "slow" in its handler

		stopped := make(chan error, 1)
		go func() { stopped <- stop() }()
		env.next(EventDraining)
		env.clock.Advance(30 * time.Second)
		env.noEvent(EventReleased)
		close(gated.gate)
		handled := env.next(EventHandled, EventLost)
		require.Equal(t, EventHandled, handled.Kind, "the delete under way failed: %v", handled.Err)
		assert.Equal(t, "done", handled.Message.Body)
		rel := env.next(EventReleased)
		assert.Equal(t, "slow", rel.Message.Body)
		require.NoError(t, <-stopped)
		c, err := env.q.Claim(ClaimOptions{Limit: 10})
		require.NoError(t, err)
		require.Len(t, c.Messages, 1, "the released message is claimable at once")
		assert.Equal(t, "slow", c.Messages[0].Body)
	})
}

func testWorkerStopsWhenEngineCloses(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		env := newWorkerEnv(t)
		_, stop := env.start(WorkerOptions[string]{}, func(context.Context, Delivery[string]) error { return nil })
		synctest.Wait()
		env.q.Close()
		env.next(EventDraining)
		require.ErrorIs(t, stop(), ErrClosed)
	})
}

func TestNewWorkerInvalid(t *testing.T) {
	q, _ := newTestQueue(t, Options[string]{}) // Zaqar's limits: claims of 60 s at least
	e := Local(q)
	h := func(context.Context, Delivery[string]) error { return nil }
	for _, tt := range []struct {
		name string
		opts WorkerOptions[string]
	}{
		{"negative concurrency", WorkerOptions[string]{Concurrency: -1}},
		{"claim TTL below the engine's", WorkerOptions[string]{ClaimTTL: 30 * time.Second}},
		{"grace below the engine's", WorkerOptions[string]{Grace: time.Second}},
		{"renewal not before expiry", WorkerOptions[string]{ClaimTTL: time.Minute, RenewEvery: time.Minute}},
		{"negative wait", WorkerOptions[string]{Wait: -1}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewWorker(e, h, tt.opts)
			require.ErrorIs(t, err, ErrInvalid)
		})
	}
	_, err := NewWorker(nil, h, WorkerOptions[string]{})
	require.ErrorIs(t, err, ErrInvalid)
	_, err = NewWorker(e, nil, WorkerOptions[string]{})
	require.ErrorIs(t, err, ErrInvalid)
	_, err = NewWorker(noAttempts{e}, h, WorkerOptions[string]{MaxAttempts: 3})
	require.ErrorIs(t, err, ErrInvalid, "MaxAttempts without delivery counts")

	w, err := NewWorker(e, h, WorkerOptions[string]{})
	require.NoError(t, err, "the zero options fit Zaqar's limits")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	require.NoError(t, w.Run(ctx))
	require.ErrorIs(t, w.Run(ctx), ErrInvalid, "second Run")
	require.ErrorIs(t, new(Worker[string]).Run(ctx), ErrInvalid, "zero Worker")
}

type noAttempts struct{ Engine[string] }

func (e noAttempts) Capabilities() Capabilities {
	c := e.Engine.Capabilities()
	c.Attempts = false
	return c
}

func mustParseClaim(t *testing.T, s string) ClaimID {
	t.Helper()
	id, err := ParseClaimID(s)
	require.NoError(t, err)
	return id
}

// flakyClaims fails the first n claims with a transport error.
type flakyClaims struct {
	Engine[string]
	mu    sync.Mutex
	n     int
	calls []time.Time
}

var errTransport = errors.New("connection reset")

func (e *flakyClaims) Claim(ctx context.Context, req ClaimRequest) (Lease[string], error) {
	e.mu.Lock()
	e.calls = append(e.calls, e.Engine.Clock().Now())
	fail := len(e.calls) <= e.n
	e.mu.Unlock()
	if fail {
		return Lease[string]{}, errTransport
	}
	return e.Engine.Claim(ctx, req)
}

// A failing Claim is reported and tried again after a pause that doubles
// on the engine's clock, from 1 s.
func TestWorkerClaimErrorPauses(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		env := newWorkerEnv(t)
		fe := &flakyClaims{Engine: env.engine, n: 3}
		env.engine = fe
		_, stop := env.start(WorkerOptions[string]{}, func(context.Context, Delivery[string]) error { return nil })
		env.post("job")
		calls := func() int {
			fe.mu.Lock()
			defer fe.mu.Unlock()
			return len(fe.calls)
		}
		for i, pause := range []time.Duration{time.Second, 2 * time.Second, 4 * time.Second} {
			ev := env.next(EventError)
			require.ErrorIs(t, ev.Err, errTransport)
			env.clock.Advance(pause - 1)
			synctest.Wait()
			require.Equal(t, i+1, calls(), "Claim tried again before its pause of %v", pause)
			env.clock.Advance(1)
		}
		env.next(EventHandled)
		require.NoError(t, stop())
		fe.mu.Lock()
		defer fe.mu.Unlock()
		assert.Equal(t, []time.Time{start, start.Add(time.Second), start.Add(3 * time.Second), start.Add(7 * time.Second)}, fe.calls[:4])
	})
}

func TestWorkerLogs(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		env := newWorkerEnv(t)
		var mu sync.Mutex
		var buf strings.Builder
		logger := slog.New(slog.NewTextHandler(lockedWriter{&mu, &buf}, &slog.HandlerOptions{
			Level: slog.LevelDebug,
			ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
				if a.Key == slog.TimeKey {
					return slog.Attr{}
				}
				return a
			},
		}))
		calls := 0
		_, stop := env.start(WorkerOptions[string]{Logger: logger, Backoff: func(int, error) time.Duration { return time.Second }},
			func(context.Context, Delivery[string]) error {
				if calls++; calls == 1 {
					return errors.New("boom")
				}
				return nil
			})
		id := env.post("job")[0].String()
		env.next(EventRetried)
		synctest.Wait()
		env.clock.Advance(time.Second)
		env.next(EventHandled)
		require.NoError(t, stop())
		mu.Lock()
		defer mu.Unlock()
		lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
		require.Len(t, lines, 5, "%s", buf.String())
		assert.Regexp(t, `^level=DEBUG msg="claimq worker: claimed" lease=[0-9a-f]{32} count=1$`, lines[0])
		assert.Regexp(t, `^level=INFO msg="claimq worker: retried" lease=[0-9a-f]{32} message=`+id+` attempt=1 delay=1s error=boom$`, lines[1])
		assert.Regexp(t, `^level=DEBUG msg="claimq worker: claimed" `, lines[2])
		assert.Regexp(t, `^level=DEBUG msg="claimq worker: handled" lease=[0-9a-f]{32} message=`+id+` attempt=2$`, lines[3])
		assert.Regexp(t, `^level=INFO msg="claimq worker: draining" count=0$`, lines[4])
	})
}

type lockedWriter struct {
	mu *sync.Mutex
	w  *strings.Builder
}

func (w lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.w.Write(p)
}

func TestEventKindString(t *testing.T) {
	assert.Equal(t, "renewal failed", EventRenewFailed.String())
	assert.Equal(t, "dead-lettered", EventDeadLettered.String())
	assert.Equal(t, "EventKind(0)", EventKind(0).String())
	assert.Equal(t, "EventKind(200)", EventKind(200).String())
}

// With Zaqar's limits the defaults rise to the engine's minimums: claims
// of 60 s with 60 s of grace, renewed every 20 s.
func TestWorkerOnZaqarLimits(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		env := newWorkerEnv(t)
		q, clock := newTestQueue(t, Options[string]{Limits: ZaqarLimits()})
		env.q, env.clock, env.engine = q, clock, Local(q)
		ids, err := q.Post(Post[string]{Body: "job", TTL: time.Minute})
		require.NoError(t, err)
		clock.Advance(10 * time.Second)
		h := newBlocking()
		_, stop := env.start(WorkerOptions[string]{}, h.handle)
		claimed := env.next(EventClaimed)
		<-h.started
		c, err := q.GetClaim(mustParseClaim(t, claimed.Lease))
		require.NoError(t, err)
		assert.Equal(t, 60*time.Second, c.TTL)
		assert.Equal(t, 60*time.Second, c.Grace)
		m, err := q.Get(ids[0])
		require.NoError(t, err)
		assert.Equal(t, start.Add(130*time.Second), m.Expires, "lifetime extended to the claim's end plus the grace")
		env.clock.Advance(20 * time.Second)
		env.next(EventRenewed)
		h.finish <- nil
		env.next(EventHandled)
		require.NoError(t, stop())
	})
}

// failingRenewals fails the first n renewals with a transport error.
type failingRenewals struct {
	Engine[string]
	n atomic.Int64
}

func (e *failingRenewals) Renew(ctx context.Context, claim string, ttl, grace time.Duration) error {
	if e.n.Add(-1) >= 0 {
		return errTransport
	}
	return e.Engine.Renew(ctx, claim, ttl, grace)
}

// A renewal error that does not say the claim ended is tried again at the
// next renewal while that comes before the claim's end (TTL 60 s, renewals
// every 20 s: at 20 s yes, at 40 s no).
func testWorkerRenewalTransientError(t *testing.T) {
	for _, tt := range []struct {
		name     string
		failures int64
		lost     bool
	}{
		{"one failure", 1, false},
		{"two failures", 2, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				env := newWorkerEnv(t)
				fe := &failingRenewals{Engine: env.engine}
				fe.n.Store(tt.failures)
				env.engine = fe
				h := newBlocking()
				w, stop := env.start(WorkerOptions[string]{ClaimTTL: time.Minute}, h.handle)
				env.post("job")
				ctx := <-h.started
				env.clock.Advance(20 * time.Second)
				ev := env.next(EventError, EventRenewFailed)
				require.Equal(t, EventError, ev.Kind)
				require.ErrorIs(t, ev.Err, errTransport)
				require.NoError(t, ctx.Err())
				env.clock.Advance(20 * time.Second)
				ev = env.next(EventRenewed, EventRenewFailed, EventError)
				if !tt.lost {
					require.Equal(t, EventRenewed, ev.Kind, "%v", ev)
					require.NoError(t, ctx.Err())
					h.finish <- nil
					env.next(EventHandled)
				} else {
					require.Equal(t, EventRenewFailed, ev.Kind, "%v", ev)
					require.ErrorIs(t, ev.Err, errTransport)
					<-ctx.Done()
					require.ErrorIs(t, context.Cause(ctx), ErrLeaseLost)
					h.finish <- ctx.Err()
					env.next(EventLost)
					// The message comes back when the claim ends, at 60 s.
					env.clock.Advance(20 * time.Second)
					<-h.started
					h.finish <- nil
					env.next(EventHandled)
				}
				require.NoError(t, stop())
				assert.Equal(t, 0, env.q.Len())
				assert.Equal(t, int64(1), w.Counters().Errors)
			})
		})
	}
}

// A negative ShutdownTimeout hands running messages back as soon as Run's
// context ends.
func testWorkerShutdownAtOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		env := newWorkerEnv(t)
		h := newBlocking()
		w, stop := env.start(WorkerOptions[string]{ShutdownTimeout: -1}, h.handle)
		env.post("job")
		ctx := <-h.started
		stopped := make(chan error, 1)
		go func() { stopped <- stop() }()
		env.next(EventReleased)
		require.ErrorIs(t, context.Cause(ctx), ErrShutdown)
		assert.Equal(t, 1, env.q.Stats().Free, "claimable again, with no time passed")
		h.finish <- ctx.Err()
		require.NoError(t, <-stopped)
		c := w.Counters()
		assert.Equal(t, int64(1), c.Released)
		assert.Equal(t, int64(0), c.Retried, "a released message is not retried as well")
		assert.Equal(t, int64(0), c.Lost)
	})
}

// With the system clock inside a synctest bubble, a worker keeps the same
// exact time: a job of ten minutes and ten seconds on a one-minute claim
// is renewed thirty times (at 20 s, 40 s, … 10 min) and never loses its
// claim.
func TestWorkerSystemClockInBubble(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		q := New(Options[string]{})
		t.Cleanup(func() { require.NoError(t, q.checkInvariants()) })
		var took time.Duration
		h := func(ctx context.Context, m Delivery[string]) error {
			began := time.Now()
			select {
			case <-time.After(10*time.Minute + 10*time.Second):
			case <-ctx.Done():
				return context.Cause(ctx)
			}
			took = time.Since(began)
			return nil
		}
		w, err := NewWorker(Local(q), h, WorkerOptions[string]{ClaimTTL: time.Minute})
		require.NoError(t, err)
		_, err = q.Post(Post[string]{Body: "job"})
		require.NoError(t, err)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error)
		go func() { done <- w.Run(ctx) }()
		require.NoError(t, q.Drain(ctx))
		cancel()
		require.NoError(t, <-done)
		assert.Equal(t, 10*time.Minute+10*time.Second, took)
		c := w.Counters()
		assert.Equal(t, int64(1), c.Handled)
		assert.Equal(t, int64(30), c.Renewed)
		assert.Equal(t, int64(0), c.Lost)
	})
}

// A claim request the engine refuses is a configuration error: Run stops
// and returns it.
func TestWorkerRunReturnsRefusedClaim(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		env := newWorkerEnv(t)
		w, err := NewWorker(env.engine, func(context.Context, Delivery[string]) error { return nil },
			WorkerOptions[string]{ClaimTTL: 13 * time.Hour}) // the queue allows 12 h at most
		require.NoError(t, err)
		err = w.Run(context.Background())
		require.ErrorIs(t, err, ErrInvalid)
		var le *LimitError
		require.ErrorAs(t, err, &le)
		assert.Equal(t, "claim ttl", le.Field)
	})
}
