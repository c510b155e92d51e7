package redisengine

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/claimq/claimq"
	"github.com/redis/go-redis/v9"
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
// claim's end plus req.Grace.
//
// When nothing is claimable and req.Wait > 0, Claim blocks on the server
// (XREADGROUP BLOCK) until a message is posted, and the engine cuts the
// block short on its clock when the wait ends, when a claim it knows of
// expires or a delay ends, when a release or retry goes through this
// Engine, and every Options.WaitSlice (for those of other processes).
// With a [claimq.FakeClock] those deadlines come when the clock is
// advanced past them. A cancelled ctx ends the wait with ctx's error.
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
	claim := newToken()
	end := e.now() + millis(req.Wait)
	for {
		if err := e.checkOpen(); err != nil {
			if claim != "" {
				e.abandon(claim)
			}
			return claimq.Lease[T]{}, err
		}
		now := e.now()
		wait := max(end-now, 0)
		r, err := e.claimScript(ctx, now, claim, req.Limit, ttl, grace, wait, nil)
		if err != nil {
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
		ids, err := e.block(ctx, claim, req.Limit, until)
		if err == nil && len(ids) > 0 {
			now = e.now()
			r, err = e.claimScript(ctx, now, claim, req.Limit, ttl, grace, max(end-now, 0), ids)
			if err == nil && len(r.entries) > 0 {
				return e.lease(r)
			}
		}
		if err != nil {
			e.abandon(claim)
			return claimq.Lease[T]{}, err
		}
	}
}

// abandon hands back whatever a waiting claim may hold when Claim gives
// up on it, on a context of its own: the caller's may be the reason.
func (e *Engine[T]) abandon(claim string) {
	seq, err := parseClaim(claim)
	if err != nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = releaseScript.Run(ctx, e.client, e.keys, claim, seq).Err()
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

// block waits on the server, in XREADGROUP BLOCK on a connection of its
// own, for messages posted to the stream, until the engine's clock reaches
// until (ms), the engine wakes its waiters, or ctx ends; it returns the IDs
// delivered to claim. The block's own timeout is the same span in real
// time, a bound for when the clock is a FakeClock nobody advances.
func (e *Engine[T]) block(ctx context.Context, claim string, count int, until int64) ([]string, error) {
	d := time.Duration(until-e.now()) * time.Millisecond
	if d <= 0 {
		return nil, nil
	}
	conn := e.client.Conn()
	defer conn.Close()
	cid, err := conn.ClientID(ctx).Result()
	if err != nil {
		return nil, fmt.Errorf("redisengine: claim: %w", err)
	}

	wake := make(chan struct{}, 1)
	e.mu.Lock()
	e.waiters[wake] = struct{}{}
	e.mu.Unlock()
	defer func() {
		e.mu.Lock()
		delete(e.waiters, wake)
		e.mu.Unlock()
	}()
	t := e.clock.AfterFunc(d, func() {
		select {
		case wake <- struct{}{}:
		default:
		}
	})
	defer t.Stop()

	done, stopped := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(stopped)
		select {
		case <-done:
			return
		case <-wake:
		case <-ctx.Done():
		}
		e.unblock(cid, done)
	}()
	res, err := conn.XReadGroup(ctx, &redis.XReadGroupArgs{
		Group:    group,
		Consumer: claim,
		Streams:  []string{e.keys[0], ">"},
		Count:    int64(count),
		Block:    max(d, time.Millisecond),
	}).Result()
	close(done)
	// The connection goes back to the pool only once nothing can unblock
	// it any more: an unblock meant for this read must not end another.
	<-stopped
	var ids []string
	for _, s := range res {
		for _, m := range s.Messages {
			ids = append(ids, m.ID)
		}
	}
	if ctx.Err() != nil {
		return ids, ctx.Err()
	}
	if err != nil && !errors.Is(err, redis.Nil) {
		return ids, fmt.Errorf("redisengine: claim: %w", err)
	}
	return ids, nil
}

// unblock ends the XREADGROUP of client cid (CLIENT UNBLOCK) once it has
// reached the server: until then the command reports 0, and it is retried
// each millisecond until done says the read returned.
func (e *Engine[T]) unblock(cid int64, done <-chan struct{}) {
	for {
		n, err := e.client.ClientUnblock(context.Background(), cid).Result()
		if err != nil || n == 1 {
			return
		}
		select {
		case <-done:
			return
		case <-time.After(time.Millisecond):
		}
	}
}
