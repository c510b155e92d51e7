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
//	heap:       heap[(i-1)/4].at <= heap[i].at; back-pointers exact; one
//	            entry per message; none due at q.last
//	claims:     the map and the 4-ary claim timetable hold the same live
//	            claims, none expired at q.last; each holds c.n > 0
//	            messages, its non-nil msgs, each with m.claim == c and
//	            m.claimPos == its index; a message's claim is in the map
//	counters:   delayed == delayed messages
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
			if q.claims[m.claim.id] != m.claim {
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
	if delayed != q.delayed {
		return fmt.Errorf("counters: delayed %d (counted %d)", q.delayed, delayed)
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
	if len(q.claimDue) != len(q.claims) {
		return fmt.Errorf("claim timetable has %d entries for %d claims", len(q.claimDue), len(q.claims))
	}
	for i, c := range q.claimDue {
		switch {
		case i > 0 && q.claimDue[(i-1)/4].expires > c.expires:
			return fmt.Errorf("claim timetable order broken at %d", i)
		case c.dueIdx != i:
			return fmt.Errorf("claim timetable entry %d: back-pointer %d", i, c.dueIdx)
		case c.expires <= q.last:
			return fmt.Errorf("claim %v expired at %d, still live at %d", c.id, c.expires, q.last)
		case q.claims[c.id] != c:
			return fmt.Errorf("claim %v in the timetable, not in the map", c.id)
		case !q.claimIDs.issued(c.id):
			return fmt.Errorf("claim %v not recognised as issued", c.id)
		}
	}
	for id, c := range q.claims {
		if c.id != id {
			return fmt.Errorf("claim %v under map key %v", c.id, id)
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
			return fmt.Errorf("claim %v: n = %d, holds %d; an empty claim is not stored", c.id, c.n, live)
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
	return q.checkPendingLocked(held)
}
