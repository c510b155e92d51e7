package redisengine

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/claimq/claimq"
)

// ErrDecode matches the error of [Engine.Claim] when a stored body does
// not decode with the engine's [Codec].
var ErrDecode = errors.New("redisengine: body does not decode")

// Claim takes up to req.Limit of the oldest claimable messages for req.TTL:
// first those delivered before and claimable again (released, retried,
// their claim expired), then new ones, as XREADGROUP delivers them. Each
// message's Attempt is its delivery count in the group. A message already
// delivered Options.MaxClaimCount times goes to the dead-letter queue
// instead. A message that would expire before the claim lives until the
// claim's end plus req.Grace. One call looks at no more than 1000 entries
// standing in the way (expired, delayed, dead-lettered); behind more than
// that it returns fewer than req.Limit, and the next call goes on.
//
// When nothing is claimable and req.Wait > 0, Claim blocks on the server
// (XREADGROUP BLOCK) until a message is posted, or released or retried by
// any engine of the queue; the engine also cuts the block short on its
// clock when the wait ends, when a claim it knows of expires or a delay
// ends, and every Options.WaitSlice. With a [claimq.FakeClock] those
// deadlines come when the clock is advanced past them. A cancelled ctx
// ends the wait with ctx's error. The first wait of an Engine subscribes
// to the queue's wake channel (one connection, until [Engine.Close]).
//
// If a body does not decode, Claim returns the Lease without that message,
// which the claim still holds, and an error matching [ErrDecode] naming
// it: delete or release it with the Lease's ID.
//
// Errors: [claimq.ErrInvalid] for a Limit outside [1, MaxLimit] or a TTL,
// grace or wait out of range; [claimq.ErrClosed]; the server's. Cost: one
// round trip when something is claimable; O(limit·log n) on the server,
// plus the deadlines that came due since the last call (at most 256 of
// each kind per call).
func (e *Engine[T]) Claim(ctx context.Context, req claimq.ClaimRequest) (claimq.Lease[T], error) {
	if req.Limit < 1 || req.Limit > MaxLimit {
		return claimq.Lease[T]{}, &claimq.LimitError{Field: "limit", Value: int64(req.Limit), Min: 1, Max: MaxLimit}
	}
	if err := checkTTL(req.TTL, req.Grace); err != nil {
		return claimq.Lease[T]{}, err
	}
	if req.Wait < 0 || req.Wait > maxDuration {
		return claimq.Lease[T]{}, &claimq.LimitError{Field: "wait", Value: int64(req.Wait), Min: 0, Max: int64(maxDuration), Duration: true}
	}
	ttl, grace := millis(req.TTL), millis(req.Grace)
	var w waiter
	if req.Wait > 0 {
		var err error
		if w, err = e.addWaiter(ctx); err != nil {
			return claimq.Lease[T]{}, err
		}
		defer e.removeWaiter(w)
	}
	claim := newToken()
	end := e.now() + millis(req.Wait)
	for {
		if err := e.checkOpen(); err != nil {
			e.abandon(claim)
			return claimq.Lease[T]{}, err
		}
		now := e.now()
		wait := max(end-now, 0)
		r, err := e.claimScript(ctx, now, claim, req.Limit, ttl, grace, wait, nil)
		if err != nil {
			e.abandon(claim)
			return claimq.Lease[T]{}, err
		}
		if len(r.entries) > 0 || wait == 0 {
			return e.lease(r)
		}
		claim = r.claim
		until := min(end, now+e.slice)
		for _, d := range r.next {
			if d >= 0 {
				until = min(until, d)
			}
		}
		ids, err := e.block(ctx, w, claim, req.Limit, until)
		if err != nil {
			e.abandon(claim, ids...)
			return claimq.Lease[T]{}, err
		}
		if len(ids) > 0 {
			now = e.now()
			r, err = e.claimScript(ctx, now, claim, req.Limit, ttl, grace, max(end-now, 0), ids)
			if err != nil {
				e.abandon(claim, ids...)
				return claimq.Lease[T]{}, err
			}
			if len(r.entries) > 0 {
				return e.lease(r)
			}
		}
	}
}

// abandon hands back whatever a waiting claim may hold when Claim gives
// up on it, on a context of its own: the caller's may be the reason.
// unread are the IDs its blocking read delivered, whose delivery counts
// are undone. A token that never became a claim ID has nothing to hand
// back.
func (e *Engine[T]) abandon(claim string, unread ...string) {
	seq, err := parseClaim(claim)
	if err != nil {
		return
	}
	args := make([]any, 0, 2+len(unread))
	args = append(args, claim, seq)
	for _, id := range unread {
		args = append(args, id)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = releaseScript.Run(ctx, e.client, e.keys, args...).Err()
}

// claimResult is the claim script's answer.
type claimResult struct {
	claim    string
	deadline int64 // ms; 0 when nothing was claimed
	entries  []any // {id, fields, delivery count}
	next     [2]int64
}

func (e *Engine[T]) claimScript(ctx context.Context, now int64, claim string, limit int, ttl, grace, wait int64, adopt []string) (claimResult, error) {
	args := make([]any, 0, 8+len(adopt))
	args = append(args, now, claim, limit, ttl, grace, e.maxClaims, e.deadTTL, wait)
	for _, id := range adopt {
		args = append(args, id)
	}
	v, err := claimScript.Run(ctx, e.client, e.keys, args...).Slice()
	if err != nil {
		return claimResult{}, fmt.Errorf("redisengine: claim: %w", err)
	}
	var r claimResult
	if len(v) != 5 {
		return r, fmt.Errorf("redisengine: claim: unexpected script result %v", v)
	}
	r.claim, _ = v[0].(string)
	r.deadline, _ = v[1].(int64)
	r.entries, _ = v[2].([]any)
	r.next[0], _ = v[3].(int64)
	r.next[1], _ = v[4].(int64)
	return r, nil
}

func (e *Engine[T]) lease(r claimResult) (claimq.Lease[T], error) {
	if len(r.entries) == 0 {
		return claimq.Lease[T]{}, nil
	}
	l := claimq.Lease[T]{
		ID:       r.claim,
		Expires:  time.UnixMilli(r.deadline),
		Messages: make([]claimq.Delivery[T], 0, len(r.entries)),
	}
	var errs []error
	for _, x := range r.entries {
		entry, _ := x.([]any)
		if len(entry) != 3 {
			return l, fmt.Errorf("redisengine: claim: unexpected entry %v", x)
		}
		d := claimq.Delivery[T]{}
		d.ID, _ = entry[0].(string)
		count, _ := entry[2].(int64)
		d.Attempt = int(count)
		fields, _ := entry[1].([]any)
		var body []byte
		for i := 0; i+1 < len(fields); i += 2 {
			k, _ := fields[i].(string)
			v, _ := fields[i+1].(string)
			switch k {
			case "b":
				body = []byte(v)
			case "t":
				if ms, err := strconv.ParseInt(v, 10, 64); err == nil {
					d.Created = time.UnixMilli(ms)
				}
			}
		}
		var err error
		if d.Body, err = e.codec.Decode(body); err != nil {
			errs = append(errs, fmt.Errorf("redisengine: message %s: %w: %w", d.ID, ErrDecode, err))
			continue
		}
		l.Messages = append(l.Messages, d)
	}
	return l, errors.Join(errs...)
}
