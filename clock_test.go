package claimq

import (
	"context"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFakeClock(t *testing.T) {
	t.Run("stands still until moved", func(t *testing.T) {
		c := NewFakeClock(start)
		assert.Equal(t, start, c.Now())
		c.Advance(90 * time.Second)
		assert.Equal(t, start.Add(90*time.Second), c.Now())
		c.Set(start.Add(time.Hour))
		assert.Equal(t, start.Add(time.Hour), c.Now())
		c.Advance(-time.Minute)
		assert.Equal(t, start.Add(time.Hour), c.Now(), "negative Advance moved the clock")
	})
	t.Run("timers fire in deadline order at their deadline", func(t *testing.T) {
		c := NewFakeClock(start)
		var fired []string
		var at []time.Time
		record := func(name string) func() {
			return func() {
				fired = append(fired, name)
				at = append(at, c.Now()) // a callback may call the clock
			}
		}
		c.AfterFunc(3*time.Second, record("c"))
		c.AfterFunc(time.Second, record("a"))
		c.AfterFunc(2*time.Second, record("b1"))
		c.AfterFunc(2*time.Second, record("b2"))
		c.AfterFunc(10*time.Second, record("late"))
		c.Advance(3 * time.Second)
		assert.Equal(t, []string{"a", "b1", "b2", "c"}, fired)
		assert.Equal(t, []time.Time{start.Add(time.Second), start.Add(2 * time.Second),
			start.Add(2 * time.Second), start.Add(3 * time.Second)}, at)
		assert.Equal(t, 1, c.PendingTimers())
	})
	t.Run("a callback may schedule a timer that the same advance fires", func(t *testing.T) {
		c := NewFakeClock(start)
		n := 0
		var tick func()
		tick = func() {
			n++
			c.AfterFunc(time.Second, tick)
		}
		c.AfterFunc(time.Second, tick)
		c.Advance(5 * time.Second)
		assert.Equal(t, 5, n)
	})
	t.Run("stop", func(t *testing.T) {
		c := NewFakeClock(start)
		fired := false
		tm := c.AfterFunc(time.Second, func() { fired = true })
		assert.True(t, tm.Stop())
		assert.False(t, tm.Stop(), "second Stop")
		c.Advance(time.Minute)
		assert.False(t, fired)
		tm = c.AfterFunc(time.Second, func() {})
		c.Advance(time.Second)
		assert.False(t, tm.Stop(), "Stop after firing")
	})
	t.Run("set backwards fires nothing", func(t *testing.T) {
		c := NewFakeClock(start)
		fired := false
		c.AfterFunc(time.Second, func() { fired = true })
		c.Set(start.Add(-time.Hour))
		assert.False(t, fired)
		assert.Equal(t, start.Add(-time.Hour), c.Now())
	})
	t.Run("safe for concurrent use", func(t *testing.T) {
		c := NewFakeClock(start)
		var wg sync.WaitGroup
		var mu sync.Mutex
		fired := 0
		for range 8 {
			wg.Go(func() {
				for range 100 {
					c.AfterFunc(time.Millisecond, func() {
						mu.Lock()
						fired++
						mu.Unlock()
					})
					c.Advance(time.Millisecond)
					_ = c.Now()
				}
			})
		}
		wg.Wait()
		c.Advance(time.Second)
		assert.Equal(t, 800, fired)
	})
}

// The default SystemClock follows the fake time of a synctest bubble: the
// waiting claim returns exactly when the delay ends, and no real time
// passes.
func TestSystemClockInSynctest(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		q := New(Options[string]{})
		begin := time.Now()
		ids, err := q.Post(Post[string]{Body: "later", Delay: 90 * time.Second})
		require.NoError(t, err)
		c, err := q.ClaimWait(t.Context(), ClaimOptions{})
		require.NoError(t, err)
		assert.Equal(t, ids, idsOf(c.Messages))
		assert.Equal(t, 90*time.Second, time.Since(begin), "ClaimWait returned at the wrong bubble time")

		c2, err := q.Claim(ClaimOptions{})
		require.NoError(t, err)
		assert.Empty(t, c2.Messages)
		c3, err := q.ClaimWait(t.Context(), ClaimOptions{})
		require.NoError(t, err)
		assert.Equal(t, ids, idsOf(c3.Messages), "the message comes back when the first claim expires")
		assert.Equal(t, 90*time.Second+300*time.Second, time.Since(begin))
		q.Close()
	})
}

func TestFakeClockConcurrentAdvancesAddUp(t *testing.T) {
	c := NewFakeClock(start)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			last := c.Now()
			for range 100 {
				c.AfterFunc(0, func() {})
				c.Advance(time.Second)
				now := c.Now()
				assert.False(t, now.Before(last), "the clock went back")
				last = now
			}
		})
	}
	wg.Wait()
	assert.Equal(t, start.Add(800*time.Second), c.Now())
}

// WaitTimers returns once enough timers are pending, woken by the
// scheduling itself, and with ctx's error when they never come.
func TestFakeClockWaitTimers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := NewFakeClock(start)
		done := make(chan error, 1)
		go func() { done <- c.WaitTimers(t.Context(), 2) }()
		synctest.Wait()
		c.AfterFunc(time.Second, func() {})
		synctest.Wait()
		select {
		case err := <-done:
			t.Fatalf("WaitTimers(2) = %v with one timer pending; want it to wait", err)
		default:
		}
		c.AfterFunc(time.Minute, func() {})
		synctest.Wait()
		select {
		case err := <-done:
			require.NoError(t, err)
		default:
			t.Fatal("WaitTimers(2) still waits with two timers pending")
		}
		require.NoError(t, c.WaitTimers(t.Context(), 2), "already pending: returns at once")

		ctx, cancel := context.WithCancel(t.Context())
		go func() { done <- c.WaitTimers(ctx, 3) }()
		synctest.Wait()
		cancel()
		require.ErrorIs(t, <-done, context.Canceled)
	})
}
