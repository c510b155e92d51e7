package redisengine

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/claimq/claimq"
	"github.com/redis/go-redis/v9"
)

// A waiting Claim is woken for three reasons: a post ends its XREADGROUP
// BLOCK on the server; a deadline it knows of (its wait's end, a claim's
// expiry, a delay's end, its WaitSlice) fires a timer on the engine's
// clock; a release or retry makes messages claimable again. Releases and
// retries by this Engine wake its waiters directly; the scripts also
// PUBLISH on the queue's wake channel, to which each Engine with waiters
// subscribes, so that those of other processes wake them too. A woken
// Claim looks again, with one script, and blocks again if it found
// nothing.

// waiter is one waiting Claim: it receives a token when something may
// have become claimable. It is registered before the Claim's first look,
// so that a release between a look and the block after it is not missed.
type waiter chan struct{}

func (w waiter) signal() {
	select {
	case w <- struct{}{}:
	default: // a token is already there
	}
}

// wakeChannel is the channel common.lua's W names.
func wakeChannel(stream string) string { return stream + ":wake" }

// addWaiter registers a waiting Claim, opening the engine's subscription
// to the wake channel on first use. Errors: [claimq.ErrClosed], the
// server's.
func (e *Engine[T]) addWaiter(ctx context.Context) (waiter, error) {
	if err := e.subscribe(ctx); err != nil {
		return nil, err
	}
	w := make(waiter, 1)
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return nil, claimq.ErrClosed
	}
	e.waiters[w] = struct{}{}
	return w, nil
}

func (e *Engine[T]) removeWaiter(w waiter) {
	e.mu.Lock()
	defer e.mu.Unlock()
	delete(e.waiters, w)
}

// wake ends the current block of every waiting Claim of this engine, so
// that each looks again at once.
func (e *Engine[T]) wake() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.wakeLocked()
}

func (e *Engine[T]) wakeLocked() {
	for w := range e.waiters {
		w.signal()
	}
}

// subscribe opens the subscription to the wake channel unless it is open,
// and waits for the server to confirm it: from then on no publication is
// missed short of a lost connection (which the WaitSlice covers).
func (e *Engine[T]) subscribe(ctx context.Context) error {
	e.subMu.Lock()
	defer e.subMu.Unlock()
	if e.sub != nil {
		return nil
	}
	if err := e.checkOpen(); err != nil {
		return err
	}
	sub := e.client.Subscribe(ctx, wakeChannel(e.keys[0]))
	if _, err := sub.Receive(ctx); err != nil {
		_ = sub.Close()
		return fmt.Errorf("redisengine: subscribing to the wake channel: %w", err)
	}
	e.sub = sub
	go func(ch <-chan *redis.Message) {
		for range ch { // ends when Close closes the subscription
			e.wake()
		}
	}(sub.Channel())
	return nil
}

// block waits on the server, in XREADGROUP BLOCK on a connection of its
// own, for messages posted to the stream, until the engine's clock reaches
// until (ms), w is woken, or ctx ends; it returns the IDs delivered to
// claim. The block's own timeout is the same span in real time, a bound
// for when the clock is a FakeClock nobody advances.
func (e *Engine[T]) block(ctx context.Context, w waiter, claim string, count int, until int64) ([]string, error) {
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
	t := e.clock.AfterFunc(d, w.signal)
	defer t.Stop()

	done, stopped := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(stopped)
		select {
		case <-done:
			return
		case <-w:
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
