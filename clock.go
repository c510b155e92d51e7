package claimq

import (
	"container/heap"
	"context"
	"sync"
	"time"
)

// Clock is the source of time of a queue. The queue reads Now once per
// operation and uses AfterFunc only to wake [Queue.ClaimWait] and
// [Queue.Drain]; expiry never depends on a timer firing.
//
// Implementations must be safe for concurrent use. [SystemClock] and
// [FakeClock] are the two provided.
type Clock interface {
	// Now returns the current time.
	Now() time.Time
	// AfterFunc calls f in its own goroutine once the clock has passed
	// now+d, unless the returned Timer is stopped first.
	AfterFunc(d time.Duration, f func()) Timer
}

// Timer is a pending call scheduled by [Clock.AfterFunc].
type Timer interface {
	// Stop prevents the call if it has not started yet and reports
	// whether it did so.
	Stop() bool
}

// SystemClock is the real clock: time.Now and time.AfterFunc. It is the
// default of [Options].Clock, and it follows the fake time of a
// testing/synctest bubble when the queue is used inside one. A queue reads
// the wall clock once, when it is created, and from then on adds the
// monotonic time elapsed: a step of the wall clock (a manual change, a leap
// smear) does not move the queue's time.
type SystemClock struct{}

// Now returns time.Now().
func (SystemClock) Now() time.Time { return time.Now() }

// AfterFunc wraps time.AfterFunc.
func (SystemClock) AfterFunc(d time.Duration, f func()) Timer { return time.AfterFunc(d, f) }

// FakeClock is a manually driven [Clock] for tests: time stands still until
// [FakeClock.Advance] or [FakeClock.Set] moves it, and timers fire in
// deadline order as it passes them. A FakeClock is safe for concurrent use:
// moves of the clock happen one at a time, so concurrent Advance calls add
// up. Timer callbacks run in the goroutine that moves the clock, never
// while the clock's lock is held, so a callback may call Now, AfterFunc and
// Stop; it must not move the clock itself. The zero value is not usable:
// use [NewFakeClock].
type FakeClock struct {
	moving sync.Mutex // held while the clock moves and its timers fire

	mu     sync.Mutex // guards the fields below
	now    time.Time
	timers fakeTimers
	seq    uint64 // orders timers with equal deadlines by creation
	// added is closed when a timer is scheduled, waking WaitTimers;
	// nil while nobody waits.
	added chan struct{}
}

// NewFakeClock returns a FakeClock reading start.
func NewFakeClock(start time.Time) *FakeClock {
	return &FakeClock{now: start}
}

// Now returns the clock's current time.
func (c *FakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// AfterFunc schedules f to run when the clock reaches now+d. A timer with
// d <= 0 fires at the next Advance or Set, even Advance(0). Cost: O(log t)
// for t pending timers.
func (c *FakeClock) AfterFunc(d time.Duration, f func()) Timer {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seq++
	t := &fakeTimer{clock: c, when: c.now.Add(d), seq: c.seq, f: f, index: -1}
	heap.Push(&c.timers, t)
	if c.added != nil {
		close(c.added)
		c.added = nil
	}
	return t
}

// Advance moves the clock forward by d, firing each timer whose deadline
// it passes, in deadline order, with the clock reading that deadline while
// the timer's callback runs. A negative d is treated as zero.
func (c *FakeClock) Advance(d time.Duration) {
	c.moving.Lock()
	defer c.moving.Unlock()
	c.mu.Lock()
	target := c.now.Add(max(d, 0))
	c.mu.Unlock()
	c.runUntil(target)
}

// Set moves the clock to t, firing the timers it passes as Advance does.
// Setting a time before the current one moves the clock back, firing only
// the timers due at or before t; queues ignore such steps
// back (see [Queue]).
func (c *FakeClock) Set(t time.Time) {
	c.moving.Lock()
	defer c.moving.Unlock()
	c.runUntil(t)
}

// PendingTimers returns the number of timers not yet fired or stopped:
// useful for a test to know that a goroutine has started waiting.
func (c *FakeClock) PendingTimers() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.timers)
}

// WaitTimers blocks until at least n timers are pending (see
// PendingTimers) or ctx ends: how a test learns, without polling, that the
// code under test has started waiting on the clock, so that it can move
// the clock past the wait. It wakes each time a timer is scheduled.
//
// Errors: ctx.Err() when ctx ends first.
func (c *FakeClock) WaitTimers(ctx context.Context, n int) error {
	for {
		c.mu.Lock()
		if len(c.timers) >= n {
			c.mu.Unlock()
			return nil
		}
		if c.added == nil {
			c.added = make(chan struct{})
		}
		added := c.added
		c.mu.Unlock()
		select {
		case <-added:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

func (c *FakeClock) runUntil(target time.Time) {
	for {
		c.mu.Lock()
		if len(c.timers) == 0 || c.timers[0].when.After(target) {
			c.now = target
			c.mu.Unlock()
			return
		}
		t := heap.Pop(&c.timers).(*fakeTimer)
		if t.when.After(c.now) {
			c.now = t.when
		}
		c.mu.Unlock()
		t.f()
	}
}

type fakeTimer struct {
	clock *FakeClock
	when  time.Time
	seq   uint64
	f     func()
	index int // position in clock.timers, -1 once fired or stopped
}

// Stop removes the timer if it has not fired.
func (t *fakeTimer) Stop() bool {
	t.clock.mu.Lock()
	defer t.clock.mu.Unlock()
	if t.index < 0 {
		return false
	}
	heap.Remove(&t.clock.timers, t.index)
	return true
}

// fakeTimers is a min-heap by (when, seq); timers are few, so
// container/heap's interface calls do not matter here.
type fakeTimers []*fakeTimer

func (h fakeTimers) Len() int { return len(h) }
func (h fakeTimers) Less(i, j int) bool {
	if !h[i].when.Equal(h[j].when) {
		return h[i].when.Before(h[j].when)
	}
	return h[i].seq < h[j].seq
}
func (h fakeTimers) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index = i
	h[j].index = j
}
func (h *fakeTimers) Push(x any) {
	t := x.(*fakeTimer)
	t.index = len(*h)
	*h = append(*h, t)
}
func (h *fakeTimers) Pop() any {
	old := *h
	t := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	t.index = -1
	return t
}
