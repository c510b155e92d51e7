package claimq

import (
	"context"
	"errors"
	"math/rand/v2"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// heldCounter wraps an engine and checks at every claim that its worker
// holds no more messages than it has handlers.
type heldCounter struct {
	Engine[string]
	t     *testing.T
	limit int
	held  atomic.Int64
}

func (e *heldCounter) Claim(ctx context.Context, req ClaimRequest) (Lease[string], error) {
	l, err := e.Engine.Claim(ctx, req)
	if n := e.held.Add(int64(len(l.Messages))); n > int64(e.limit) {
		e.t.Errorf("worker holds %d messages with %d handlers (claim limit %d)", n, e.limit, req.Limit)
	}
	return l, err
}

func (e *heldCounter) Delete(ctx context.Context, claim string, ids ...string) error {
	e.held.Add(-int64(len(ids)))
	return e.Engine.Delete(ctx, claim, ids...)
}

func (e *heldCounter) Retry(ctx context.Context, claim string, delay time.Duration, ids ...string) error {
	e.held.Add(-int64(len(ids)))
	return e.Engine.Retry(ctx, claim, delay, ids...)
}

// TestWorkerStress runs several workers on one queue with handlers that
// fail at random, transiently or for good, or take minutes of fake time,
// while a goroutine moves the fake clock: every message ends handled
// successfully exactly once or in the dead-letter queue, none is lost,
// and no worker ever holds more messages than it has handlers.
//
// The clock goroutine moves time by a second whenever every other
// goroutine of the bubble is blocked: handlers and workers run in
// parallel between steps, while a fake minute never passes between two
// statements of a worker, which no real clock does either.
func TestWorkerStress(t *testing.T) { synctest.Test(t, testWorkerStress) }

func testWorkerStress(t *testing.T) {
	const (
		messages    = 1000
		workers     = 4
		concurrency = 3
	)
	q, clock := newTestQueue(t, Options[string]{Limits: wideLimits()})
	dlq := New(Options[string]{Clock: clock, Limits: wideLimits()})
	bodies := make([]Post[string], messages)
	for i := range bodies {
		bodies[i] = Post[string]{Body: strconv.Itoa(i), TTL: 24 * time.Hour}
	}
	_, err := q.Post(bodies...)
	require.NoError(t, err)

	var (
		mu        sync.Mutex
		successes = map[string]int{} // handler returned nil and the delete went through
		settled   atomic.Int64
		done      = make(chan struct{})
	)
	onEvent := func(ev Event[string]) {
		switch ev.Kind {
		case EventHandled:
			mu.Lock()
			successes[ev.Message.Body]++
			mu.Unlock()
		case EventDeadLettered:
		case EventLost, EventError, EventRenewFailed, EventDiscarded, EventReleased:
			t.Errorf("unexpected event %v: %v", ev.Kind, ev.Err)
			return
		default:
			return
		}
		if settled.Add(1) == messages {
			close(done)
		}
	}

	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	ws := make([]*Worker[string], workers)
	for i := range ws {
		rng := rand.New(rand.NewPCG(uint64(i), 42))
		var rmu sync.Mutex
		h := func(ctx context.Context, m Delivery[string]) error {
			rmu.Lock()
			r := rng.IntN(100)
			rmu.Unlock()
			switch {
			case r < 5:
				return Permanent(errors.New("poison"))
			case r < 35:
				return errors.New("flaky")
			case r < 37:
				panic("bug")
			case r < 60:
				// A long job: minutes on a one-minute claim.
				slept := make(chan struct{})
				clock.AfterFunc(time.Duration(r)*2*time.Second, func() { close(slept) })
				select {
				case <-slept:
				case <-ctx.Done():
					return ctx.Err()
				}
			}
			runtime.Gosched()
			return nil
		}
		w, err := NewWorker(&heldCounter{Engine: Local(q), t: t, limit: concurrency}, h, WorkerOptions[string]{
			Concurrency: concurrency,
			ClaimTTL:    time.Minute,
			MaxAttempts: 4,
			Backoff:     ExponentialBackoff{Base: time.Second, Max: 8 * time.Second}.Delay,
			DeadLetter:  DeadLetterTo(Local(dlq)),
			OnEvent:     onEvent,
		})
		require.NoError(t, err)
		ws[i] = w
		wg.Add(1)
		go func() {
			defer wg.Done()
			assert.NoError(t, w.Run(ctx))
		}()
	}

	clockDone := make(chan struct{})
	go func() {
		defer close(clockDone)
		for {
			select {
			case <-done:
				return
			default:
				synctest.Wait()
				clock.Advance(time.Second)
			}
		}
	}()
	<-done
	<-clockDone
	cancel()
	wg.Wait()

	deadSet := map[string]bool{}
	for m := range dlq.All() {
		require.False(t, deadSet[m.Body], "%s dead-lettered twice", m.Body)
		deadSet[m.Body] = true
	}
	for _, p := range bodies {
		s := successes[p.Body]
		if deadSet[p.Body] {
			assert.Equal(t, 0, s, "%s both handled and dead-lettered", p.Body)
		} else {
			assert.Equal(t, 1, s, "%s handled %d times", p.Body, s)
		}
	}
	assert.Equal(t, 0, q.Len(), "messages left in the queue")
	var total Counters
	for _, w := range ws {
		c := w.Counters()
		total.Handled += c.Handled
		total.DeadLettered += c.DeadLettered
		total.Panics += c.Panics
		total.Renewed += c.Renewed
		assert.Equal(t, int64(0), c.Running)
	}
	assert.Equal(t, int64(messages), total.Handled+total.DeadLettered)
	assert.Equal(t, int64(len(deadSet)), total.DeadLettered)
	assert.Positive(t, total.Panics, "the handlers' panics were recovered")
	assert.Positive(t, total.Renewed, "long jobs had their claims renewed")
	t.Logf("handled %d, dead-lettered %d, panics %d, renewals %d, clock moved %v",
		total.Handled, total.DeadLettered, total.Panics, total.Renewed, clock.Now().Sub(start))
}
