package claimq

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Local returns the [Engine] over the in-process queue q: what a [Worker]
// needs to consume q, and the reference the other engines are measured
// against. Every call maps onto one queue method, under the queue's own
// lock, or two for a Claim that waits; a Delete that the claim refuses in
// part takes one more per message. The context is checked before each
// call and, for the bounded wait of Claim, ends the wait.
//
// IDs are the text forms of [MessageID] and [ClaimID]. Local's
// capabilities are exact: Claim waits inside the queue, deliveries carry
// ClaimCount as their attempt, Retry keeps the rest of the claim held,
// and only a live claim deletes. MinClaimTTL and MinGrace are those of the
// queue's [Limits]; DeadLetter is true when q had a MaxClaimCount when
// Local was called. A claim limit above the queue's MaxClaimLimit takes
// that many.
func Local[T any](q *Queue[T]) Engine[T] {
	e := &local[T]{q: q}
	if q.usable() == nil {
		opts := q.Options()
		e.caps = Capabilities{
			Wait:        true,
			Attempts:    true,
			Retry:       true,
			Fenced:      true,
			DeadLetter:  opts.MaxClaimCount > 0,
			MessageTTL:  true,
			MinClaimTTL: q.limits.MinClaimTTL,
			MinGrace:    q.limits.MinGrace,
		}
	}
	return e
}

type local[T any] struct {
	q    *Queue[T]
	caps Capabilities
}

func (e *local[T]) Post(ctx context.Context, msgs ...Post[T]) ([]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	ids, err := e.q.Post(msgs...)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = id.String()
	}
	return out, nil
}

func (e *local[T]) Claim(ctx context.Context, req ClaimRequest) (Lease[T], error) {
	if err := ctx.Err(); err != nil {
		return Lease[T]{}, err
	}
	if err := e.q.usable(); err != nil {
		return Lease[T]{}, err
	}
	// The queue reads zero fields as its defaults; the contract gives
	// them no such meaning, so they are refused here.
	if req.Limit < 1 {
		return Lease[T]{}, &LimitError{Field: "claim limit", Value: int64(req.Limit), Min: 1, Max: int64(e.q.limits.MaxClaimLimit)}
	}
	if req.TTL <= 0 {
		return Lease[T]{}, &LimitError{Field: "claim ttl", Value: int64(req.TTL), Min: int64(e.q.limits.MinClaimTTL),
			Max: int64(e.q.limits.MaxClaimTTL), Duration: true}
	}
	// Claim takes "up to" Limit: a limit above the queue's maximum takes
	// the maximum rather than failing.
	opts := ClaimOptions{Limit: min(req.Limit, e.q.limits.MaxClaimLimit), TTL: req.TTL, Grace: req.Grace, ClientID: req.ClientID}
	if opts.Grace == 0 {
		opts.Grace = NoGrace
	}
	c, err := e.q.Claim(opts)
	if err == nil && len(c.Messages) == 0 && req.Wait > 0 {
		c, err = e.claimWait(ctx, opts, req.Wait)
	}
	if err != nil {
		return Lease[T]{}, err
	}
	return leaseOf(c), nil
}

// claimWait waits up to wait, on the queue's clock, for a claim.
func (e *local[T]) claimWait(ctx context.Context, opts ClaimOptions, wait time.Duration) (Claim[T], error) {
	// Only the timer and ctx end wctx, so wctx ending while ctx has not
	// is the wait being over.
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	t := e.q.clock.AfterFunc(wait, cancel)
	defer t.Stop()
	c, err := e.q.ClaimWait(wctx, opts)
	if err != nil && ctx.Err() == nil && wctx.Err() != nil {
		return Claim[T]{}, nil
	}
	return c, err
}

// leaseOf converts c for the contract. The IDs' text forms are cut from
// one string, one allocation per claim rather than one per message; an
// ID kept keeps that string, a few dozen bytes per message, alive.
func leaseOf[T any](c Claim[T]) Lease[T] {
	if len(c.Messages) == 0 {
		return Lease[T]{}
	}
	const claimLen, msgLen = 2 * len(ClaimID{}), 16
	var sb strings.Builder
	sb.Grow(claimLen + msgLen*len(c.Messages))
	var buf [claimLen]byte
	b, _ := c.ID.AppendText(buf[:0])
	sb.Write(b)
	for _, m := range c.Messages {
		b, _ = m.ID.AppendText(buf[:0])
		sb.Write(b)
	}
	ids := sb.String()
	l := Lease[T]{ID: ids[:claimLen], Expires: c.Expires, Messages: make([]Delivery[T], len(c.Messages))}
	for i, m := range c.Messages {
		at := claimLen + i*msgLen
		l.Messages[i] = Delivery[T]{ID: ids[at : at+msgLen], Body: m.Body, Attempt: m.ClaimCount, Created: m.Created}
	}
	return l
}

func (e *local[T]) Renew(ctx context.Context, claim string, ttl, grace time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	id, err := ParseClaimID(claim)
	if err != nil {
		return err
	}
	if grace == 0 {
		grace = NoGrace
	}
	return e.q.Renew(id, RenewOptions{TTL: ttl, Grace: grace})
}

func (e *local[T]) Delete(ctx context.Context, claim string, ids ...string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	var buf [16]MessageID
	cid, mids, err := parseIDs(claim, ids, buf[:])
	if err != nil {
		return err
	}
	// The batch call deletes all or nothing. When it refuses because the
	// claim is not live, every message is refused; otherwise each message
	// is deleted on its own, so that the others still go.
	_, err = e.q.DeleteClaimed(cid, mids...)
	if err == nil || len(mids) == 1 || errors.Is(err, ErrClaimNotFound) {
		return err
	}
	var errs []error
	for _, id := range mids {
		err := e.q.Delete(id, cid)
		// A message gone while the claim is live (the error says nothing
		// of the claim then) is deleted as far as the worker is
		// concerned, as DeleteClaimed has it.
		if err != nil && !(errors.Is(err, ErrMessageNotFound) && !errors.Is(err, ErrClaimExpired) && !errors.Is(err, ErrClaimNotFound)) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (e *local[T]) Release(ctx context.Context, claim string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	id, err := ParseClaimID(claim)
	if err != nil {
		return err
	}
	if err := e.q.Release(id); err != nil && !errors.Is(err, ErrClaimNotFound) {
		return err
	}
	return nil
}

func (e *local[T]) Retry(ctx context.Context, claim string, delay time.Duration, ids ...string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	var buf [16]MessageID
	cid, mids, err := parseIDs(claim, ids, buf[:])
	if err != nil {
		return err
	}
	return e.q.Retry(cid, delay, mids...)
}

func (e *local[T]) Capabilities() Capabilities { return e.caps }

func (e *local[T]) Clock() Clock {
	if e.q.usable() != nil {
		return SystemClock{}
	}
	return e.q.clock
}

// parseIDs parses the IDs of a call on a claim, into buf when they fit.
func parseIDs(claim string, ids []string, buf []MessageID) (ClaimID, []MessageID, error) {
	cid, err := ParseClaimID(claim)
	if err != nil {
		return ClaimID{}, nil, err
	}
	mids := buf[:0]
	for _, s := range ids {
		id, err := ParseMessageID(s)
		if err != nil {
			return ClaimID{}, nil, fmt.Errorf("%w (claim %s)", err, claim)
		}
		mids = append(mids, id)
	}
	return cid, mids, nil
}
