package claimq

import (
	"fmt"
	"reflect"
)

// checkInvariants verifies the queue's internal structures against each
// other. It must be called with the lock not held, after an operation.
//
//	messages:   strictly increasing IDs; each m has heap[m.heapIdx].m == m
//	            and heap[m.heapIdx].at == m.deadline()
//	claimable:  exactly the messages with !delayed && !held, in ID order
//	heap:       heap[(i-1)/2].at <= heap[i].at; back-pointers exact; one
//	            entry per message; none due at q.last
//	claims:     every live claim has a claimDue entry at its expiry; one
//	            with a struct holds c.n > 0 messages, its non-nil msgs, each
//	            with m.claim == c and m.claimPos == its index
//	counters:   claimed == held messages; delayed == delayed messages
//	pending:    exactly the held messages, in ID order (checkPendingLocked)
func (q *Queue[T]) checkInvariants() error {
	q.mu.Lock()
	defer q.mu.Unlock()

	var prev MessageID
	held, delayed, n := 0, 0, 0
	var err error
	q.messages.Ascend(func(it msgItem[T]) bool {
		m := it.m
		n++
		switch {
		case m.id <= prev:
			err = fmt.Errorf("messages out of order: %v after %v", m.id, prev)
		case int(m.heapIdx) >= len(q.heap) || q.heap[m.heapIdx].m != m:
			err = fmt.Errorf("message %v: heap back-pointer %d wrong", m.id, m.heapIdx)
		case q.heap[m.heapIdx].at != m.deadline():
			err = fmt.Errorf("message %v: heap time %d, deadline %d", m.id, q.heap[m.heapIdx].at, m.deadline())
		case m.expires <= q.last:
			err = fmt.Errorf("message %v: expired at %d, still present at %d", m.id, m.expires, q.last)
		case m.delayed && m.delay <= q.last:
			err = fmt.Errorf("message %v: delay ended at %d, still delayed at %d", m.id, m.delay, q.last)
		}
		if err != nil {
			return false
		}
		if m.held() {
			held++
			if q.claims[m.claim.id].c != m.claim {
				err = fmt.Errorf("message %v: held by a claim missing from the map", m.id)
				return false
			}
		}
		if m.delayed {
			delayed++
		}
		prev = m.id
		return true
	})
	if err != nil {
		return err
	}
	if held != q.claimed || delayed != q.delayed {
		return fmt.Errorf("counters: claimed %d (counted %d), delayed %d (counted %d)", q.claimed, held, q.delayed, delayed)
	}
	claimable, err := q.claimable.check()
	if err != nil {
		return fmt.Errorf("claimable index: %w", err)
	}
	for _, m := range claimable {
		if got, ok := q.messages.Get(msgItem[T]{id: m.id}); !ok || got.m != m || !m.claimable() {
			return fmt.Errorf("claimable index holds message %v, not claimable", m.id)
		}
	}
	if len(claimable) != n-held-delayed {
		return fmt.Errorf("claimable index has %d messages, want %d", len(claimable), n-held-delayed)
	}
	if len(q.heap) != n {
		return fmt.Errorf("heap has %d entries for %d messages", len(q.heap), n)
	}
	for i, d := range q.heap {
		if i > 0 && q.heap[(i-1)/4].at > d.at {
			return fmt.Errorf("heap order broken at %d", i)
		}
		if d.at <= q.last {
			return fmt.Errorf("heap entry %d due at %d, not applied at %d", i, d.at, q.last)
		}
		if int(d.m.heapIdx) != i {
			return fmt.Errorf("heap entry %d: message %v back-pointer %d", i, d.m.id, d.m.heapIdx)
		}
	}
	due := map[claimDeadline]bool{}
	for i, d := range q.claimDue {
		if i > 0 && q.claimDue[(i-1)/2].at > d.at {
			return fmt.Errorf("claim heap order broken at %d", i)
		}
		if d.at <= q.last {
			return fmt.Errorf("claim deadline %d not applied at %d", d.at, q.last)
		}
		due[d] = true
	}
	if len(q.claimDue) != len(q.claims)+q.claimStale {
		return fmt.Errorf("claim heap has %d entries for %d claims and %d stale", len(q.claimDue), len(q.claims), q.claimStale)
	}
	for id, e := range q.claims {
		if !due[claimDeadline{e.expires(), id}] {
			return fmt.Errorf("claim %v expires at %d, no deadline entry says so", id, e.expires())
		}
		c := e.c
		if c == nil {
			continue
		}
		if c.id != id || c.done {
			return fmt.Errorf("claim %v: map key %v, done %v", c.id, id, c.done)
		}
		live := 0
		for i, m := range c.msgs {
			if m == nil {
				continue
			}
			live++
			if m.claim != c || int(m.claimPos) != i {
				return fmt.Errorf("claim %v: message %v at %d points to claim/pos %p/%d", c.id, m.id, i, m.claim, m.claimPos)
			}
			if got, ok := q.messages.Get(msgItem[T]{id: m.id}); !ok || got.m != m {
				return fmt.Errorf("claim %v holds message %v missing from messages", c.id, m.id)
			}
		}
		if live != c.n || live == 0 {
			return fmt.Errorf("claim %v: n = %d, holds %d; an empty claim keeps no struct", c.id, c.n, live)
		}
	}
	for _, m := range q.freeMsgs {
		if !reflect.ValueOf(*m).IsZero() {
			return fmt.Errorf("free message %v not cleared", m.id)
		}
	}
	for _, c := range q.freeClaims {
		if c.id != (ClaimID{}) || c.n != 0 || c.msgs != nil || c.inline != ([10]*message[T]{}) {
			return fmt.Errorf("free claim not cleared")
		}
	}
	return q.checkPendingLocked()
}
