package enginetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/claimq/claimq"
)

// The worker's scenarios: one message through a [claimq.Worker] on the
// engine, its handler's result scripted per attempt, checked by the
// worker's events and by what is left in the queues. They need time to
// pass while the worker waits for a retried message, so on an engine's
// FakeClock the suite moves the clock a step at a time while no event
// comes, and only while the worker waits for a message (see
// pacedEngine); what they assert is the order of events and, on the
// engine's clock, that no retry comes before its backoff, never how long
// anything took in real time.

// errBoom is the scripted handler failure; errPanic makes the handler
// panic instead of returning.
var (
	errBoom  = errors.New("enginetest: scripted failure")
	errPanic = errors.New("enginetest: scripted panic")
)

type workerScenario struct {
	name        string
	results     []error // the handler's result at each attempt
	maxAttempts int
	deadLetter  bool               // set WorkerOptions.DeadLetter
	want        []claimq.EventKind // the message's events, in order
}

var workerScenarios = []workerScenario{
	{name: "Success", results: []error{nil}, want: []claimq.EventKind{claimq.EventHandled}},
	{name: "ErrorThenSuccess", results: []error{errBoom, errBoom, nil},
		want: []claimq.EventKind{claimq.EventRetried, claimq.EventRetried, claimq.EventHandled}},
	{name: "Permanent", results: []error{claimq.Permanent(errBoom)}, deadLetter: true,
		want: []claimq.EventKind{claimq.EventDeadLettered}},
	{name: "PermanentWrapped", results: []error{errBoom, fmt.Errorf("bad input: %w", claimq.ErrPermanent)}, deadLetter: true,
		want: []claimq.EventKind{claimq.EventRetried, claimq.EventDeadLettered}},
	{name: "PermanentWithoutDeadLetter", results: []error{claimq.Permanent(errBoom)},
		want: []claimq.EventKind{claimq.EventDiscarded}},
	{name: "MaxAttempts", results: []error{errBoom, errBoom, errBoom}, maxAttempts: 3, deadLetter: true,
		want: []claimq.EventKind{claimq.EventRetried, claimq.EventRetried, claimq.EventDeadLettered}},
	{name: "Panic", results: []error{errPanic, nil},
		want: []claimq.EventKind{claimq.EventRetried, claimq.EventHandled}},
}

// workerCases turns the scenarios into cases of the suite.
func workerCases[T any]() []testCase[T] {
	out := make([]testCase[T], len(workerScenarios))
	for i, sc := range workerScenarios {
		out[i] = testCase[T]{name: "Worker/" + sc.name, run: func(t *testing.T, e *env[T]) { runScenario(t, e, sc) }}
	}
	return out
}

func runScenario[T any](t *testing.T, e *env[T], sc workerScenario) {
	backoff := e.ttl / 4
	events := make(chan claimq.Event[T], 1024)
	var (
		mu      sync.Mutex
		starts  []time.Time // engine time at which each attempt started
		returns []time.Time // and returned
	)
	handler := func(ctx context.Context, d claimq.Delivery[T]) error {
		mu.Lock()
		defer mu.Unlock()
		n := len(starts)
		starts = append(starts, e.now())
		defer func() { returns = append(returns, e.now()) }()
		if e.h.Index(d.Body) != 0 || n >= len(sc.results) {
			t.Errorf("attempt %d of message %d: the scenario has %d attempts of message 0", n+1, e.h.Index(d.Body), len(sc.results))
			return nil
		}
		if sc.results[n] == errPanic {
			panic(errPanic)
		}
		return sc.results[n]
	}
	opts := claimq.WorkerOptions[T]{
		ClaimTTL:    e.ttl,
		Grace:       e.grace(),
		Wait:        e.ttl,
		MaxAttempts: sc.maxAttempts,
		Backoff:     func(int, error) time.Duration { return backoff },
		OnEvent:     func(ev claimq.Event[T]) { events <- ev },
	}
	var dead claimq.Engine[T]
	if sc.deadLetter {
		dead = e.h.New(t, Config{}).Engine
		opts.DeadLetter = claimq.DeadLetterTo(dead)
	}
	var eng claimq.Engine[T] = e.eng
	var parked chan chan struct{}
	if e.fake != nil {
		parked = make(chan chan struct{})
		eng = &pacedEngine[T]{Engine: e.eng, parked: parked}
	}
	w, err := claimq.NewWorker(eng, handler, opts)
	if sc.maxAttempts > 0 && !e.caps.Attempts {
		// The divergence: without delivery counts a worker cannot know
		// the last attempt, and says so at once.
		if !errors.Is(err, claimq.ErrInvalid) {
			t.Fatalf("NewWorker(MaxAttempts %d) on an engine without Attempts = %v; want ErrInvalid", sc.maxAttempts, err)
		}
		return
	}
	if err != nil {
		t.Fatalf("NewWorker = %v", err)
	}
	e.post(0)
	ctx, cancel := context.WithCancel(e.ctx)
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	stopped := false
	stop := func() {
		if !stopped {
			stopped = true
			cancel()
			if err := <-done; err != nil {
				t.Errorf("Worker.Run = %v; want nil after its context ended", err)
			}
		}
	}
	defer stop()

	for i, want := range sc.want {
		ev := e.nextEvent(events, parked, claimq.EventHandled, claimq.EventRetried, claimq.EventDeadLettered,
			claimq.EventDiscarded, claimq.EventLost, claimq.EventError)
		if ev.Kind != want {
			t.Fatalf("event %d: %v (%v); want %v", i+1, ev.Kind, ev.Err, want)
		}
		if e.caps.Attempts && ev.Message.Attempt != i+1 {
			t.Errorf("event %d: Attempt = %d; want %d", i+1, ev.Message.Attempt, i+1)
		}
		if want == claimq.EventRetried && ev.Delay != backoff {
			t.Errorf("event %d: retried with Delay %v; want the backoff %v", i+1, ev.Delay, backoff)
		}
		if herr := sc.results[i]; herr != nil && herr != errPanic && !errors.Is(ev.Err, herr) {
			t.Errorf("event %d: Err = %v; want the handler's %v", i+1, ev.Err, herr)
		}
	}
	stop()

	mu.Lock()
	defer mu.Unlock()
	if len(starts) != len(sc.want) {
		t.Fatalf("the handler ran %d times; want %d", len(starts), len(sc.want))
	}
	for i := 1; i < len(starts); i++ {
		if earliest := returns[i-1].Add(backoff); starts[i].Before(earliest) {
			t.Errorf("attempt %d started at %v, before the backoff after attempt %d was over (%v)", i+1, starts[i], i, earliest)
		}
	}
	e.pastClaim()
	e.wantEmpty("after the worker settled the message")
	if dead != nil {
		l := e.claimOn(dead, 5)
		e.wantIndexes(l, "dead-letter destination", 0)
	}
}

// pacedEngine is the engine as a scenario on a FakeClock gives it to
// the worker. Its Claim does not wait on the engine: it claims without
// waiting and, while that finds nothing and req.Wait has not passed on the
// engine's clock, parks until nextEvent has moved the clock a step. The
// clock thus moves only while the worker waits for a message, never while
// a claim is on its way back to it: moved by a pacer of its own, the clock
// could pass the claim's expiry before the worker arms its renewal (a
// claim over the network, a worker starved on a loaded machine), and the
// message would be lost to the scenario.
type pacedEngine[T any] struct {
	claimq.Engine[T]
	// parked receives, from a Claim that waits, a channel that nextEvent
	// closes once it has moved the clock.
	parked chan chan struct{}
}

func (p *pacedEngine[T]) Claim(ctx context.Context, req claimq.ClaimRequest) (claimq.Lease[T], error) {
	clock := p.Clock()
	deadline := clock.Now().Add(req.Wait)
	poll := req
	poll.Wait = 0
	for {
		l, err := p.Engine.Claim(ctx, poll)
		if err != nil || len(l.Messages) > 0 || !clock.Now().Before(deadline) {
			return l, err
		}
		moved := make(chan struct{})
		select {
		case p.parked <- moved:
		case <-ctx.Done():
			return claimq.Lease[T]{}, ctx.Err()
		}
		<-moved
	}
}

// nextEvent returns the next event among kinds, skipping others. While
// none comes it lets time pass on the engine's clock: a FakeClock is moved
// a twelfth of the claim TTL (well inside the worker's renewal period)
// each time the worker's claim parks in pacedEngine on parked, up to fifty
// claim TTLs; on real time (parked nil) it waits as long.
func (e *env[T]) nextEvent(events <-chan claimq.Event[T], parked <-chan chan struct{}, kinds ...claimq.EventKind) claimq.Event[T] {
	e.t.Helper()
	limit := 50 * e.ttl
	var timeout <-chan time.Time
	if e.fake == nil {
		t := time.NewTimer(limit + e.h.Margin)
		defer t.Stop()
		timeout = t.C
	}
	var moved time.Duration
	for {
		select {
		case ev := <-events:
			for _, k := range kinds {
				if ev.Kind == k {
					return ev
				}
			}
		case done := <-parked:
			if moved >= limit {
				close(done)
				e.t.Fatalf("no worker event among %v after %v on the engine's clock", kinds, moved)
			}
			e.fake.Advance(e.ttl / 12)
			moved += e.ttl / 12
			close(done)
		case <-timeout:
			e.t.Fatalf("no worker event among %v after %v", kinds, limit)
		}
	}
}
