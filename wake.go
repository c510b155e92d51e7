package claimq

import (
	"math"
	"time"
)

// Wake-ups. Nothing in the queue's state depends on a timer: every
// operation applies the deadlines up to its own reading of the clock. The
// channels and the one clock timer below exist only so that callers who
// wait (ClaimWait, Drain) learn that something changed without polling.

// wakeLocked wakes every ClaimWait: something may have become claimable.
func (q *Queue[T]) wakeLocked() {
	if q.wait != nil {
		close(q.wait)
		q.wait = nil
	}
}

// armTimerLocked makes sure a clock timer fires at the next deadline, so
// that waiters notice claims expiring and delays ending even when no other
// operation runs. Expiry itself never depends on the timer.
func (q *Queue[T]) armTimerLocked() {
	at := min(q.nextMessageDeadlineLocked(), q.claimDue.next())
	if at == math.MaxInt64 {
		return
	}
	if q.timer != nil {
		if q.timerAt <= at {
			return
		}
		q.timer.Stop()
	}
	// The clock is read again: the operation's reading may be stale by
	// now, and AfterFunc counts from the clock's present.
	d := time.Duration(at - q.read())
	q.timerAt = at
	q.timerGen++
	gen := q.timerGen
	q.timer = q.clock.AfterFunc(d, func() { q.onTimer(gen) })
}

// deadlineAddedLocked re-arms the wake-up timer when a deadline earlier
// than the armed one appears while someone waits for one (ClaimWait or
// Drain).
func (q *Queue[T]) deadlineAddedLocked(at int64) {
	if q.needTimerLocked() && (q.timer == nil || at < q.timerAt) {
		q.armTimerLocked()
	}
}

func (q *Queue[T]) onTimer(gen uint64) {
	q.lock()
	defer q.mu.Unlock()
	if gen != q.timerGen {
		return // a timer replaced after it had started to fire
	}
	q.timer = nil
	if q.needTimerLocked() {
		q.armTimerLocked()
	}
}

// needTimerLocked reports whether someone waits for a deadline: a
// ClaimWait for a message to become claimable (none once the queue is
// closed), or a Drain for the last message to expire.
func (q *Queue[T]) needTimerLocked() bool {
	return (q.waiters > 0 && !q.closed) || q.drainers > 0
}

// emptiedQueueLocked wakes every Drain: the queue holds no message.
func (q *Queue[T]) emptiedQueueLocked() {
	if q.drained != nil {
		close(q.drained)
		q.drained = nil
	}
}
