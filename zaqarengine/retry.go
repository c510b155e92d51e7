package zaqarengine

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/claimq/claimq"
)

// Zaqar has no call that hands one message of a claim back with a delay,
// and re-posting a copy would give it a new ID and restart its claim count
// (so the server's dead-lettering would never catch a poison message). The
// engine instead keeps a retried message in its claim and ends the claim
// when nothing else in it is still being worked on: it renews the claim
// for the delay left (at least Zaqar's 60 s), so that the message becomes
// claimable by expiry, with its ID and claim count intact, or releases it
// when the delay is already over. The state for that lives here, in
// memory, per claim with retried messages.

// retryState is what the engine remembers of a claim some of whose
// messages were handed back by Retry.
type retryState struct {
	retried []string  // IDs handed back
	until   time.Time // when the last of them may be claimed again
	expires time.Time // when the claim ends unless renewed, to forget it
}

// Retry hands the listed messages of the live claim back, to be claimable
// again once delay has passed, and leaves the rest of the claim held. It
// approximates what claimq.Capabilities.Retry promises: the messages stay
// in their claim until every other message of it has been deleted or the
// claim is released, and are then claimable after the rest of the delay,
// but no sooner than 60 s later (Zaqar's shortest claim), counted in
// whole seconds; a claim left to expire hands them back at its expiry.
// Each retry is a delivery for the server's dead-lettering, when the
// queue sets it. Listed IDs the claim does not hold are ignored.
//
// Cost: one request to read the claim, and one to renew or release it
// when nothing else in it is left.
//
// Errors: claimq.ErrInvalid for a negative delay; claimq.ErrClaimExpired
// (also matching claimq.ErrClaimNotFound) when the server no longer knows
// the claim.
func (e *Engine[T]) Retry(ctx context.Context, claim string, delay time.Duration, ids ...string) error {
	if delay < 0 {
		return fmt.Errorf("zaqarengine: negative retry delay %v: %w", delay, claimq.ErrInvalid)
	}
	held, err := e.held(ctx, claim)
	if err != nil {
		return fmt.Errorf("zaqarengine: retry: %w", err)
	}
	now := e.clock.Now()
	e.mu.Lock()
	e.forgetEndedLocked(now)
	st := e.retries[claim]
	if st == nil {
		st = &retryState{expires: now.Add(maxClaimTTL)} // until a renewal says better
		if e.retries == nil {
			e.retries = make(map[string]*retryState)
		}
		e.retries[claim] = st
	}
	for _, id := range ids {
		if slices.Contains(held, id) && !slices.Contains(st.retried, id) {
			st.retried = append(st.retried, id)
		}
	}
	if until := now.Add(delay); until.After(st.until) {
		st.until = until
	}
	done := st.coversLocked(held)
	e.mu.Unlock()
	if done {
		return e.park(ctx, claim, st)
	}
	return nil
}

// coversLocked reports whether every message the claim holds was retried.
func (st *retryState) coversLocked(held []string) bool {
	for _, id := range held {
		if !slices.Contains(st.retried, id) {
			return false
		}
	}
	return true
}

// retryOf returns the retry state of claim, nil if it has none.
func (e *Engine[T]) retryOf(claim string) *retryState {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.retries[claim]
}

// touchRetry records a renewal of claim, which keeps its state alive.
func (e *Engine[T]) touchRetry(claim string, expires time.Time) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if st := e.retries[claim]; st != nil {
		st.expires = expires
	}
}

// afterDelete parks claim when its last message not retried was deleted.
func (e *Engine[T]) afterDelete(ctx context.Context, claim string) error {
	st := e.retryOf(claim)
	if st == nil {
		return nil
	}
	held, err := e.held(ctx, claim)
	if err != nil {
		e.forget(claim)
		return nil // the claim ended: its retried messages are claimable
	}
	e.mu.Lock()
	done := st.coversLocked(held)
	e.mu.Unlock()
	if done {
		return e.park(ctx, claim, st)
	}
	return nil
}

// park ends a claim whose remaining messages were all retried: it renews
// it for the delay left, at least 60 s, or releases it if none is left.
func (e *Engine[T]) park(ctx context.Context, claim string, st *retryState) error {
	e.forget(claim)
	e.mu.Lock()
	left := st.until.Sub(e.clock.Now())
	e.mu.Unlock()
	if left <= 0 {
		return e.release(ctx, claim)
	}
	if err := e.renew(ctx, claim, max(left, minClaimTTL), 0); err != nil {
		return fmt.Errorf("zaqarengine: retry: %w", err)
	}
	return nil
}

func (e *Engine[T]) forget(claim string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	delete(e.retries, claim)
}

// forgetEndedLocked drops the state of claims that have ended without
// being finished through the engine (a worker that gave up on them), so
// that the map is bounded by the live claims with retried messages.
// It scans the map only when it has doubled since the last scan.
func (e *Engine[T]) forgetEndedLocked(now time.Time) {
	if len(e.retries) < 64 || len(e.retries) < 2*e.retryScan {
		return
	}
	for id, st := range e.retries {
		if !now.Before(st.expires) {
			delete(e.retries, id)
		}
	}
	e.retryScan = len(e.retries)
}
