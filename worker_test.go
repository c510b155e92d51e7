package claimq

import (
	"context"
	"errors"
	"fmt"
	"sync"
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
// turns a missing event into a failure instead of a hang (see next).

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

// next returns the next event of one of kinds, skipping the others. Inside
// a bubble the hour-long fake timeout fires only once every goroutine is
// blocked, so it fails a test whose event can no longer come.
func (e *workerEnv) next(kinds ...EventKind) Event[string] {
	e.t.Helper()
	for {
		select {
		case ev := <-e.events:
			for _, k := range kinds {
				if ev.Kind == k {
					return ev
				}
			}
		case <-time.After(time.Hour):
			e.t.Fatalf("no event among %v: the worker is idle", kinds)
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

// panicking is a handler result that makes the test handler panic.
var panicking = errors.New("panic")

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
		{name: "panic", results: []error{panicking, nil}, want: []EventKind{EventRetried, EventHandled}, wantPanics: 1},
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
					if err := tt.results[n-1]; err != panicking {
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
					if tt.results[i] == panicking {
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

func TestWorkerRenewsWhileHandling(t *testing.T) {
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

func TestWorkerRenewalFailureCancelsHandler(t *testing.T) {
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

// A handler that outlives MaxLease is cancelled; the claim is no longer
// renewed for it and expires; the message goes to the next consumer; and
// the late success is reported as lost, the signal to roll back.
func TestWorkerMaxLease(t *testing.T) {
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

func TestWorkerNeverHoldsMoreThanItsHandlers(t *testing.T) {
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

func TestWorkerShutdownFinishesInFlight(t *testing.T) {
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

func TestWorkerShutdownTimeoutReleases(t *testing.T) {
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

func TestWorkerStopsWhenEngineCloses(t *testing.T) {
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
