package enginetest

import (
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/claimq/claimq"
)

// deadLetterAfter is the MaxClaimCount of the dead-letter case.
const deadLetterAfter = 2

// cases lists the suite. Each case gets a fresh engine.
func cases[T any]() []testCase[T] {
	return []testCase[T]{
		{name: "PostClaimDelete", run: postClaimDelete[T]},
		{name: "ClaimLimitAndOrder", run: claimLimitAndOrder[T]},
		{name: "ConcurrentClaimsAreDisjoint", run: concurrentClaims[T]},
		{name: "MinClaimTTL", run: minClaimTTL[T]},
		{name: "MessageTTL", run: messageTTL[T]},
		{name: "RenewKeepsTheClaim", run: renewKeepsClaim[T]},
		{name: "RenewAfterExpiry", run: renewAfterExpiry[T]},
		{name: "ExpiryHandsMessagesOn", run: expiryHandsOn[T]},
		{name: "LateDeleteWhileAnotherHolds", run: lateDeleteHeld[T]},
		{name: "LateDeleteUnclaimed", run: lateDeleteUnclaimed[T]},
		{name: "LateDeleteAfterAnotherDeleted", run: lateDeleteGone[T]},
		{name: "Release", run: release[T]},
		{name: "RetryWithDelay", run: retryWithDelay[T]},
		{name: "RetryAfterExpiry", run: retryAfterExpiry[T]},
		{name: "DeadLetter", run: deadLetter[T], cfg: Config{MaxClaimCount: deadLetterAfter}},
		{name: "WaitTimesOut", run: waitTimesOut[T]},
		{name: "WaitWakesOnPost", run: waitWakesOnPost[T]},
	}
}

func postClaimDelete[T any](t *testing.T, e *env[T]) {
	posted := e.now()
	ids := e.post(0, 1, 2)
	l := e.claim(10)
	e.wantIndexes(l, "claim of 3 posted", 0, 1, 2)
	if got := idsOf(l); !slices.Equal(got, ids) {
		t.Fatalf("claimed IDs %q; want the posted %q", got, ids)
	}
	e.wantAttempt(l, 1)
	for _, d := range l.Messages {
		if !d.Created.IsZero() && d.Created.Before(posted.Add(-e.slack())) {
			t.Errorf("message %d: Created = %v, before it was posted at %v", e.h.Index(d.Body), d.Created, posted)
		}
	}
	e.wantEmpty("while the claim holds all")
	e.del(l.ID, ids...)
	e.pastClaim()
	e.wantEmpty("after deleting all and the claim's TTL")
}

func claimLimitAndOrder[T any](t *testing.T, e *env[T]) {
	e.post(0, 1, 2)
	e.post(3, 4)
	a := e.claim(2)
	e.wantIndexes(a, "first claim of 2", 0, 1)
	b := e.claim(2)
	e.wantIndexes(b, "second claim of 2", 2, 3)
	c := e.claim(2)
	e.wantIndexes(c, "third claim of 2", 4)
	if a.ID == b.ID || b.ID == c.ID || a.ID == c.ID {
		t.Fatalf("claim IDs %q, %q, %q are not distinct", a.ID, b.ID, c.ID)
	}
	e.wantEmpty("all held")
}

// concurrentClaims claims from several goroutines at once: no message is
// handed to two live claims.
func concurrentClaims[T any](t *testing.T, e *env[T]) {
	const n, workers = 24, 4
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	e.post(idx...)
	var (
		mu   sync.Mutex
		got  []int
		wg   sync.WaitGroup
		errs = make(chan error, workers)
	)
	for range workers {
		wg.Go(func() {
			for {
				l, err := e.eng.Claim(e.ctx, claimq.ClaimRequest{Limit: 3, TTL: e.ttl, Grace: e.grace()})
				if err != nil {
					errs <- err
					return
				}
				if len(l.Messages) == 0 {
					return
				}
				mu.Lock()
				got = append(got, e.indexes(l)...)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("concurrent Claim = %v", err)
	}
	slices.Sort(got)
	if !slices.Equal(got, idx) {
		t.Fatalf("concurrent claims took %v; want each of 0..%d once", got, n-1)
	}
}

func minClaimTTL[T any](t *testing.T, e *env[T]) {
	e.post(0)
	if e.caps.MinClaimTTL <= 0 {
		l, err := e.eng.Claim(e.ctx, claimq.ClaimRequest{Limit: 1, TTL: time.Millisecond})
		if err != nil {
			t.Fatalf("Claim(TTL 1ms) = %v from an engine with no MinClaimTTL", err)
		}
		e.wantIndexes(l, "claim with a 1ms TTL", 0)
		return
	}
	_, err := e.eng.Claim(e.ctx, claimq.ClaimRequest{Limit: 1, TTL: e.caps.MinClaimTTL - time.Second, Grace: e.grace()})
	if !errors.Is(err, claimq.ErrInvalid) {
		t.Fatalf("Claim(TTL %v below MinClaimTTL %v) = %v; want ErrInvalid", e.caps.MinClaimTTL-time.Second, e.caps.MinClaimTTL, err)
	}
	e.wantIndexes(e.claim(1), "after a refused claim", 0)
}

// messageTTL posts a message with a TTL and lets it pass, untouched: an
// engine whose messages expire by themselves (Capabilities.MessageTTL) no
// longer hands it out; one whose messages do not, still does. The TTL is
// at least a minute, Zaqar's shortest. (The message is not claimed
// before: Zaqar 15's Redis store restarts a message's TTL when a claim on
// it is released.)
func messageTTL[T any](t *testing.T, e *env[T]) {
	ttl := max(2*e.ttl, time.Minute)
	if _, err := e.eng.Post(e.ctx, claimq.Post[T]{Body: e.h.Body(0), TTL: ttl}); err != nil {
		t.Fatalf("Post(TTL %v) = %v", ttl, err)
	}
	e.post(1)
	e.advance(ttl + e.slack() + time.Millisecond)
	if e.caps.MessageTTL {
		e.wantIndexes(e.claim(2), "after the message TTL", 1)
	} else {
		e.wantIndexes(e.claim(2), "after the TTL, on an engine whose messages do not expire", 0, 1)
	}
}

func renewKeepsClaim[T any](t *testing.T, e *env[T]) {
	ids := e.post(0)
	l := e.claim(1)
	e.advance(e.ttl * 3 / 4)
	if err := e.eng.Renew(e.ctx, l.ID, e.ttl, e.grace()); err != nil {
		t.Fatalf("Renew of a live claim = %v", err)
	}
	e.advance(e.ttl * 3 / 4) // past the first expiry, within the renewed one
	e.wantEmpty("renewed claim still holds")
	e.del(l.ID, ids...)
}

func renewAfterExpiry[T any](t *testing.T, e *env[T]) {
	e.post(0)
	l := e.claim(1)
	e.pastClaim()
	if err := e.eng.Renew(e.ctx, l.ID, e.ttl, e.grace()); !ended(err) {
		t.Fatalf("Renew of an expired claim = %v; want ErrClaimExpired or ErrClaimNotFound", err)
	}
	e.wantIndexes(e.claim(1), "after a refused renew", 0)
}

func expiryHandsOn[T any](t *testing.T, e *env[T]) {
	ids := e.post(0, 1)
	a := e.claim(2)
	e.pastClaim()
	b := e.claim(2)
	e.wantIndexes(b, "claim after expiry", 0, 1)
	if b.ID == a.ID {
		t.Fatalf("the new claim has the expired claim's ID %q", a.ID)
	}
	e.wantAttempt(b, 2)
	e.del(b.ID, ids...)
}

// takenOver posts a message that claim a holds until it expires and
// claim b then takes.
func (e *env[T]) takenOver() (ids []string, a, b claimq.Lease[T]) {
	e.t.Helper()
	ids = e.post(0)
	a = e.claim(1)
	e.pastClaim()
	b = e.claim(1)
	e.wantIndexes(b, "claim after expiry", 0)
	return ids, a, b
}

// lateDeleteHeld: A's claim expired and B holds the message when A
// deletes. Every engine must keep B's hold: either A's delete fails with
// the race signal, or (an unfenced engine) it may delete, and then the
// message is gone for B too; it never stays half deleted.
func lateDeleteHeld[T any](t *testing.T, e *env[T]) {
	ids, a, b := e.takenOver()
	err := e.eng.Delete(e.ctx, a.ID, ids...)
	switch {
	case e.caps.Fenced:
		if !errors.Is(err, claimq.ErrClaimExpired) {
			t.Fatalf("fenced engine: Delete with the expired claim = %v; want ErrClaimExpired", err)
		}
	case err == nil:
		e.pastClaim()
		e.wantEmpty("unfenced engine deleted B's message for A")
		return
	case !errors.Is(err, claimq.ErrClaimExpired) && !errors.Is(err, claimq.ErrClaimedByOther):
		t.Fatalf("Delete with the expired claim = %v; want nil, ErrClaimExpired or ErrClaimedByOther", err)
	}
	e.del(b.ID, ids...)
	e.pastClaim()
	e.wantEmpty("after B deleted")
}

// lateDeleteUnclaimed: A's claim expired and nobody took the message.
func lateDeleteUnclaimed[T any](t *testing.T, e *env[T]) {
	ids := e.post(0)
	a := e.claim(1)
	e.pastClaim()
	err := e.eng.Delete(e.ctx, a.ID, ids...)
	switch {
	case errors.Is(err, claimq.ErrClaimExpired):
		e.wantIndexes(e.claim(1), "after a refused late delete", 0)
	case e.caps.Fenced:
		t.Fatalf("fenced engine: Delete with the expired claim = %v; want ErrClaimExpired", err)
	case err == nil:
		e.wantEmpty("unfenced engine deleted with an expired claim")
	default:
		t.Fatalf("Delete with the expired claim = %v; want nil or ErrClaimExpired", err)
	}
}

// lateDeleteGone: A's claim expired, B took the message and deleted it,
// then A deletes.
func lateDeleteGone[T any](t *testing.T, e *env[T]) {
	ids, a, b := e.takenOver()
	e.del(b.ID, ids...)
	err := e.eng.Delete(e.ctx, a.ID, ids...)
	switch {
	case e.caps.Fenced && !errors.Is(err, claimq.ErrClaimExpired):
		t.Fatalf("fenced engine: Delete after another claim deleted = %v; want ErrClaimExpired", err)
	case err != nil && !errors.Is(err, claimq.ErrClaimExpired):
		t.Fatalf("Delete after another claim deleted = %v; want nil or ErrClaimExpired", err)
	}
}

func release[T any](t *testing.T, e *env[T]) {
	ids := e.post(0, 1, 2)
	a := e.claim(3)
	if err := e.eng.Release(e.ctx, a.ID); err != nil {
		t.Fatalf("Release = %v", err)
	}
	b := e.claim(3)
	e.wantIndexes(b, "claim after release", 0, 1, 2)
	e.wantAttempt(b, 2)
	if err := e.eng.Release(e.ctx, a.ID); err != nil {
		t.Fatalf("Release of a released claim = %v; want nil", err)
	}
	e.wantEmpty("releasing the old claim again hands nothing back")
	e.del(b.ID, ids...)
	e.pastClaim()
	if err := e.eng.Release(e.ctx, b.ID); err != nil {
		t.Fatalf("Release of an ended claim = %v; want nil", err)
	}
}

// retryWithDelay hands one message of a claim of two back with a delay.
// An exact engine (Capabilities.Retry) keeps the other held and makes the
// retried one claimable once the delay has passed. Any engine keeps the
// retried message from every claim until the delay has passed, and hands
// it out again once the rest of its claim is done and the claim's TTL and
// the delay are over.
func retryWithDelay[T any](t *testing.T, e *env[T]) {
	ids := e.post(0, 1)
	a := e.claim(2)
	delay := e.ttl / 2
	if err := e.eng.Retry(e.ctx, a.ID, delay, ids[0]); err != nil {
		t.Fatalf("Retry of a live claim = %v", err)
	}
	e.wantEmpty("right after Retry")
	if e.caps.Retry {
		e.advance(delay + e.slack() + time.Millisecond)
		b := e.claim(2)
		e.wantIndexes(b, "after the retry delay", 0)
		e.wantAttempt(b, 2)
		e.del(a.ID, ids[1])
		e.del(b.ID, ids[0])
		return
	}
	e.advance(delay / 2)
	e.wantEmpty("before the retry delay")
	e.del(a.ID, ids[1])
	e.advance(e.ttl + e.slack() + time.Millisecond) // covers the delay and the claim's TTL
	b := e.claim(2)
	e.wantIndexes(b, "after the retry delay and the claim", 0)
	e.del(b.ID, ids[0])
}

// ended reports whether err says a claim is no longer live: the contract
// lets an engine that cannot tell an ended claim from one it never issued
// answer ErrClaimNotFound.
func ended(err error) bool {
	return errors.Is(err, claimq.ErrClaimExpired) || errors.Is(err, claimq.ErrClaimNotFound)
}

func retryAfterExpiry[T any](t *testing.T, e *env[T]) {
	ids := e.post(0)
	a := e.claim(1)
	e.pastClaim()
	if err := e.eng.Retry(e.ctx, a.ID, 0, ids...); !ended(err) {
		t.Fatalf("Retry with an expired claim = %v; want ErrClaimExpired or ErrClaimNotFound", err)
	}
	e.wantIndexes(e.claim(1), "after a refused retry", 0)
}

// deadLetter claims one message MaxClaimCount times, letting each claim
// expire; the next claim moves it to the dead-letter queue on an engine
// that dead-letters, and hands it out again on one that does not.
func deadLetter[T any](t *testing.T, e *env[T]) {
	const maxClaims = deadLetterAfter
	e.post(7)
	for i := 1; i <= maxClaims; i++ {
		l := e.claim(1)
		e.wantIndexes(l, "claim within MaxClaimCount", 7)
		e.wantAttempt(l, i)
		e.pastClaim()
	}
	if !e.caps.DeadLetter {
		if e.inst.DeadLetter != nil {
			t.Fatal("Instance.DeadLetter is set for an engine whose Capabilities.DeadLetter is false")
		}
		l := e.claim(1)
		e.wantIndexes(l, "claim past MaxClaimCount on an engine without dead letters", 7)
		e.wantAttempt(l, maxClaims+1)
		return
	}
	e.wantEmpty("claim past MaxClaimCount")
	if e.inst.DeadLetter == nil {
		t.Fatal("Instance.DeadLetter is nil for an engine whose Capabilities.DeadLetter is true")
	}
	// Real Zaqar leaves the moved message held by the claim that moved
	// it; once that claim is over, every engine has it claimable.
	e.pastClaim()
	l := e.claimOn(e.inst.DeadLetter, 5)
	e.wantIndexes(l, "claim from the dead-letter queue", 7)
}

// waitTimesOut claims with a Wait from an empty queue: Claim returns an
// empty lease, no earlier than Wait on the engine's clock.
func waitTimesOut[T any](t *testing.T, e *env[T]) {
	wait := 2 * e.ttl
	if e.fake == nil {
		start := e.now()
		l, err := e.eng.Claim(e.ctx, claimq.ClaimRequest{Limit: 1, TTL: e.ttl, Grace: e.grace(), Wait: wait})
		if err != nil || len(l.Messages) > 0 {
			t.Fatalf("Claim(Wait %v) on an empty queue = %d messages, %v; want none, nil", wait, len(l.Messages), err)
		}
		if took := e.now().Sub(start); took < wait-e.slack() {
			t.Fatalf("Claim(Wait %v) returned after %v", wait, took)
		}
		return
	}
	done, base := e.claimAsync(wait)
	step := wait / 4
	var moved time.Duration
	for {
		r, finished := e.settle(done, base)
		if finished {
			if r.err != nil || len(r.lease.Messages) > 0 {
				t.Fatalf("Claim(Wait %v) on an empty queue = %d messages, %v; want none, nil", wait, len(r.lease.Messages), r.err)
			}
			if moved < wait || moved > wait+step {
				t.Fatalf("Claim(Wait %v) returned once the clock had moved %v; want %v (in steps of %v)", wait, moved, wait, step)
			}
			return
		}
		if moved > wait+step {
			t.Fatalf("Claim(Wait %v) still waits after %v", wait, moved)
		}
		e.fake.Advance(step)
		moved += step
	}
}

// waitWakesOnPost posts while a Claim waits: the claim returns the
// message before its Wait is over — at once on an engine that waits on
// the server, after a poll otherwise.
func waitWakesOnPost[T any](t *testing.T, e *env[T]) {
	wait := 10 * e.ttl
	if e.fake == nil {
		done, _ := e.claimAsync(wait)
		start := e.now()
		e.post(3)
		r := <-done
		if r.err != nil {
			t.Fatalf("Claim(Wait %v) = %v", wait, r.err)
		}
		e.wantIndexes(r.lease, "waiting claim after a post", 3)
		if took := e.now().Sub(start); took >= wait {
			t.Fatalf("Claim(Wait %v) took %v to see a post", wait, took)
		}
		return
	}
	done, base := e.claimAsync(wait)
	if _, finished := e.settle(done, base); finished {
		t.Fatal("Claim(Wait) on an empty queue returned before anything was posted")
	}
	e.post(3)
	if e.caps.Wait {
		// Waiting on the server: the post alone must wake the claim.
		select {
		case r := <-done:
			if r.err != nil {
				t.Fatalf("Claim(Wait %v) = %v", wait, r.err)
			}
			e.wantIndexes(r.lease, "waiting claim after a post", 3)
		case <-time.After(10 * time.Second):
			t.Fatal("engine with Capabilities.Wait did not wake on a post (10 s of real time, the clock standing still)")
		}
		return
	}
	step := e.ttl / 8
	var moved time.Duration
	for {
		r, finished := e.settle(done, base)
		if finished {
			if r.err != nil {
				t.Fatalf("Claim(Wait %v) = %v", wait, r.err)
			}
			e.wantIndexes(r.lease, "waiting claim after a post", 3)
			return
		}
		if moved >= wait {
			t.Fatalf("Claim(Wait %v) did not see a post within its wait", wait)
		}
		e.fake.Advance(step)
		moved += step
	}
}
