// Package enginetest is the conformance suite of [claimq.Engine]: every
// engine (the in-process one, Zaqar, Redis Streams) runs the same cases
// through [RunConformance], so that a worker written against the contract
// behaves the same on each, up to the divergences the engine declares in
// its [claimq.Capabilities]. Each divergence is asserted, never skipped:
// an engine that says it is not fenced is checked for what it does
// instead, and an engine that claims a capability it lacks fails.
//
// An engine's test supplies a [Harness]: a way to make a fresh engine over
// an empty queue, bodies of its message type, and the claim TTL to test
// with. The suite posts, claims, renews, deletes, releases and retries
// through the [claimq.Engine] methods only, and runs the worker's
// scenarios (success, retries, permanent failures with and without a
// dead letter, an attempt limit, a panic) through a [claimq.Worker] on
// the engine.
//
// # Time
//
// The suite never sleeps. When an engine's Clock is a [*claimq.FakeClock]
// the suite moves it, and it knows that a call waiting on the engine is
// blocked when the engine has armed a timer on that clock (see
// [claimq.FakeClock.WaitTimers]): an engine on a FakeClock must wait
// through Clock.AfterFunc, never through time.Sleep or a context
// deadline, or the suite reports that it did not wait on its clock. The
// worker's scenarios give the worker the engine behind a Claim that,
// instead of waiting, polls and parks until the suite has moved the
// FakeClock a step, so that the clock moves only while the worker waits
// for a message (never while a claim is on its way to it), as long as no
// event comes; they assert the order of events and, on the engine's
// clock, that no retry comes before its backoff, never a real duration.
//
// An engine on real time (a redis-server, a real Zaqar) keeps its own
// clock; the suite then lets time pass by waiting on the engine's
// Clock.AfterFunc, or through [Harness].Advance when the harness knows
// better (a server whose clock it can move). Such a harness should set a
// small [Harness].TTL (Redis: a few hundred milliseconds) and a
// [Harness].Margin that covers the server's scheduling and the network;
// where an engine's [claimq.Capabilities].MinClaimTTL is large (Zaqar: 60
// s) the suite takes minutes on real time, which is why real servers run
// only where a test names one.
package enginetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/claimq/claimq"
)

// Harness tells [RunConformance] how to make and drive the engines of one
// kind. New is required; the other fields have defaults.
type Harness[T any] struct {
	// New returns a fresh engine over an empty queue of its own and
	// registers its cleanup with t. With cfg.MaxClaimCount > 0 the
	// engine's queue dead-letters (see [Config]) and, when the engine's
	// Capabilities.DeadLetter is true, Instance.DeadLetter reads the
	// dead-letter queue.
	New func(t *testing.T, cfg Config) Instance[T]

	// Body returns the body of the i-th message a case posts and Index
	// reads i back from a delivered body; the suite checks order and
	// identity through them. Both may be nil when T is [Job].
	Body  func(i int) T
	Index func(body T) int

	// TTL is the claim TTL the cases use; the suite raises it to the
	// engine's MinClaimTTL. Zero means a minute (or MinClaimTTL, if
	// larger), right for an engine on a FakeClock.
	TTL time.Duration

	// Margin is added to every wait that must carry the engine past a
	// deadline: zero on a FakeClock; on real time, enough for the server
	// to notice the deadline has passed.
	Margin time.Duration

	// Advance lets d pass on the engine's clock. Nil means: move the
	// clock if it is a *claimq.FakeClock, else wait for d on it.
	Advance func(t *testing.T, e claimq.Engine[T], d time.Duration)

	// Parallel runs the cases in parallel (t.Parallel), each on its own
	// engine: for engines on real time, whose cases mostly wait.
	Parallel bool
}

// Config asks [Harness].New for an engine whose queue has these settings.
type Config struct {
	// MaxClaimCount > 0 makes the queue dead-letter: a message already
	// claimed MaxClaimCount times is moved to the dead-letter queue by the
	// claim that would take it next, as Zaqar's _max_claim_count and
	// claimq's Options.MaxClaimCount do.
	MaxClaimCount int
}

// Instance is what [Harness].New returns.
type Instance[T any] struct {
	// Engine is the engine under test.
	Engine claimq.Engine[T]
	// DeadLetter is an engine over the dead-letter queue, when
	// Config.MaxClaimCount > 0 and the engine dead-letters; nil otherwise.
	DeadLetter claimq.Engine[T]
}

// Job is a ready-made body type for engines that take any JSON object
// (the Zaqar engine needs one): N is the index the suite posts.
type Job struct {
	N int `json:"n"`
}

// RunConformance runs every case of the suite against engines made by h,
// each case as a subtest of t with a fresh engine. It fails t where an
// engine breaks the contract of [claimq.Engine] or the promises of its
// Capabilities.
func RunConformance[T any](t *testing.T, h Harness[T]) {
	t.Helper()
	if h.New == nil {
		t.Fatal("enginetest: Harness.New is nil")
	}
	if h.Body == nil || h.Index == nil {
		if _, ok := any(*new(T)).(Job); !ok {
			t.Fatalf("enginetest: Harness.Body and Index are required for bodies of type %T", *new(T))
		}
		h.Body = func(i int) T { return any(Job{N: i}).(T) }
		h.Index = func(b T) int { return any(b).(Job).N }
	}
	for _, c := range append(cases[T](), workerCases[T]()...) {
		t.Run(c.name, func(t *testing.T) {
			if h.Parallel {
				t.Parallel()
			}
			c.run(t, newEnv(t, h, c.cfg))
		})
	}
}

type testCase[T any] struct {
	name string
	run  func(t *testing.T, e *env[T])
	cfg  Config // of the case's engine
}

// env is one case's engine with the suite's view of it.
type env[T any] struct {
	h    Harness[T]
	t    *testing.T
	ctx  context.Context
	inst Instance[T]
	eng  claimq.Engine[T]
	caps claimq.Capabilities
	fake *claimq.FakeClock // the engine's clock when it is fake
	ttl  time.Duration     // claim TTL of the cases
}

func newEnv[T any](t *testing.T, h Harness[T], cfg Config) *env[T] {
	inst := h.New(t, cfg)
	if inst.Engine == nil {
		t.Fatal("enginetest: Harness.New returned no engine")
	}
	e := &env[T]{h: h, t: t, ctx: t.Context(), inst: inst, eng: inst.Engine, caps: inst.Engine.Capabilities()}
	e.fake, _ = e.eng.Clock().(*claimq.FakeClock)
	e.ttl = h.TTL
	if e.ttl == 0 {
		e.ttl = time.Minute
	}
	e.ttl = max(e.ttl, e.caps.MinClaimTTL)
	return e
}

// now reads the engine's clock.
func (e *env[T]) now() time.Time { return e.eng.Clock().Now() }

// slack is how far the engine's times may be from the suite's reckoning.
func (e *env[T]) slack() time.Duration { return e.caps.Precision + e.h.Margin }

// grace is the grace the cases claim with: the least the engine accepts.
func (e *env[T]) grace() time.Duration { return e.caps.MinGrace }

// advance lets d pass on the engine's clock.
func (e *env[T]) advance(d time.Duration) {
	e.t.Helper()
	switch {
	case e.h.Advance != nil:
		e.h.Advance(e.t, e.eng, d)
	case e.fake != nil:
		e.fake.Advance(d)
	default:
		fired := make(chan struct{})
		e.eng.Clock().AfterFunc(d, func() { close(fired) })
		select {
		case <-fired:
		case <-e.ctx.Done():
			e.t.Fatalf("waiting %v on the engine's clock: %v", d, e.ctx.Err())
		}
	}
}

// pastClaim lets a claim made just before expire, with the slack the
// engine needs to notice.
func (e *env[T]) pastClaim() { e.advance(e.ttl + e.slack() + time.Millisecond) }

// post posts the messages of indexes idx and returns their IDs.
func (e *env[T]) post(idx ...int) []string {
	e.t.Helper()
	msgs := make([]claimq.Post[T], len(idx))
	for i, n := range idx {
		msgs[i] = claimq.Post[T]{Body: e.h.Body(n)}
	}
	ids, err := e.eng.Post(e.ctx, msgs...)
	if err != nil {
		e.t.Fatalf("Post(%v) = %v", idx, err)
	}
	if len(ids) != len(idx) {
		e.t.Fatalf("Post(%v) returned %d IDs; want %d", idx, len(ids), len(idx))
	}
	seen := make(map[string]bool, len(ids))
	for _, id := range ids {
		if id == "" || seen[id] {
			e.t.Fatalf("Post(%v) returned IDs %q: empty or repeated", idx, ids)
		}
		seen[id] = true
	}
	return ids
}

// claim claims up to limit messages at once (no wait).
func (e *env[T]) claim(limit int) claimq.Lease[T] {
	e.t.Helper()
	return e.claimOn(e.eng, limit)
}

func (e *env[T]) claimOn(eng claimq.Engine[T], limit int) claimq.Lease[T] {
	e.t.Helper()
	start := eng.Clock().Now()
	l, err := eng.Claim(e.ctx, claimq.ClaimRequest{Limit: limit, TTL: e.ttl, Grace: e.grace()})
	if err != nil {
		e.t.Fatalf("Claim(limit %d) = %v", limit, err)
	}
	e.checkLease(eng.Clock(), l, limit, start)
	return l
}

// checkLease checks what every lease promises; clock is its engine's.
func (e *env[T]) checkLease(clock claimq.Clock, l claimq.Lease[T], limit int, start time.Time) {
	e.t.Helper()
	if len(l.Messages) > limit {
		e.t.Fatalf("Claim(limit %d) returned %d messages", limit, len(l.Messages))
	}
	if len(l.Messages) == 0 {
		return
	}
	if l.ID == "" {
		e.t.Fatalf("Claim returned %d messages and no claim ID", len(l.Messages))
	}
	if !l.Expires.IsZero() {
		lo, hi := start.Add(e.ttl-e.slack()), clock.Now().Add(e.ttl+e.slack())
		if l.Expires.Before(lo) || l.Expires.After(hi) {
			e.t.Errorf("Lease.Expires = %v; want within [%v, %v] (TTL %v)", l.Expires, lo, hi, e.ttl)
		}
	}
	for _, d := range l.Messages {
		if d.ID == "" {
			e.t.Errorf("delivery %v has no ID", e.h.Index(d.Body))
		}
		if !e.caps.Attempts && d.Attempt != 0 {
			e.t.Errorf("Attempt = %d from an engine whose Capabilities.Attempts is false; want 0", d.Attempt)
		}
		if now := clock.Now(); !d.Created.IsZero() && d.Created.After(now.Add(e.slack())) {
			e.t.Errorf("Created = %v is after now %v", d.Created, now)
		}
	}
}

// indexes returns the indexes of a lease's bodies in order.
func (e *env[T]) indexes(l claimq.Lease[T]) []int {
	out := make([]int, len(l.Messages))
	for i, d := range l.Messages {
		out[i] = e.h.Index(d.Body)
	}
	return out
}

// ids returns the message IDs of a lease in order.
func idsOf[T any](l claimq.Lease[T]) []string {
	out := make([]string, len(l.Messages))
	for i, d := range l.Messages {
		out[i] = d.ID
	}
	return out
}

// wantIndexes fails unless the lease holds exactly the messages want, in
// that order.
func (e *env[T]) wantIndexes(l claimq.Lease[T], what string, want ...int) {
	e.t.Helper()
	got := e.indexes(l)
	if fmt.Sprint(got) != fmt.Sprint(want) {
		e.t.Fatalf("%s: claimed %v; want %v", what, got, want)
	}
}

// wantAttempt checks the delivery count where the engine keeps one.
func (e *env[T]) wantAttempt(l claimq.Lease[T], want int) {
	e.t.Helper()
	if !e.caps.Attempts {
		return
	}
	for _, d := range l.Messages {
		if d.Attempt != want {
			e.t.Errorf("message %d: Attempt = %d; want %d", e.h.Index(d.Body), d.Attempt, want)
		}
	}
}

// wantEmpty fails unless nothing is claimable now.
func (e *env[T]) wantEmpty(what string) {
	e.t.Helper()
	if l := e.claim(20); len(l.Messages) > 0 {
		e.t.Fatalf("%s: claimed %v; want nothing claimable", what, e.indexes(l))
	}
}

// del deletes ids with claim and fails on any error.
func (e *env[T]) del(claim string, ids ...string) {
	e.t.Helper()
	if err := e.eng.Delete(e.ctx, claim, ids...); err != nil {
		e.t.Fatalf("Delete(%s, %v) = %v; want nil", claim, ids, err)
	}
}

// waitResult is the outcome of a Claim run in the background.
type waitResult[T any] struct {
	lease claimq.Lease[T]
	err   error
}

// claimAsync starts Claim with wait in the background; the engine's
// FakeClock timers pending before the call are returned as the baseline
// for settle.
func (e *env[T]) claimAsync(wait time.Duration) (<-chan waitResult[T], int) {
	base := 0
	if e.fake != nil {
		base = e.fake.PendingTimers()
	}
	done := make(chan waitResult[T], 1)
	go func() {
		l, err := e.eng.Claim(e.ctx, claimq.ClaimRequest{Limit: 1, TTL: e.ttl, Grace: e.grace(), Wait: wait})
		done <- waitResult[T]{l, err}
	}()
	return done, base
}

// settle returns once the background claim has finished or is blocked on
// the engine's FakeClock (a timer beyond base is armed), and reports
// whether it finished. A timer armed on the clock is the only sign of a
// wait that a FakeClock gives; settle gives up, failing, after ten seconds
// of real time, a bound only a broken engine reaches.
func (e *env[T]) settle(done <-chan waitResult[T], base int) (waitResult[T], bool) {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	armed := make(chan error, 1)
	go func() { armed <- e.fake.WaitTimers(ctx, base+1) }()
	select {
	case r := <-done:
		return r, true
	case err := <-armed:
		if err != nil {
			e.t.Fatal("Claim with a Wait neither returned nor armed a timer on the engine's FakeClock: it must wait through Clock.AfterFunc")
		}
	}
	// A claim that armed a timer and returned at once has finished.
	select {
	case r := <-done:
		return r, true
	default:
		return waitResult[T]{}, false
	}
}
