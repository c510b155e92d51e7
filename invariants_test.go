package claimq

import (
	"fmt"
	"reflect"
	"time"
)

// checkInvariants verifies the queue's internal structures against each
// other. It must be called with the lock not held, after an operation.
//
//	messages:   the seqIndex of every live message, by ID (its own check)
//	claimable:  exactly the messages with !delayed && !held, in ID order
//	timetable:  each message in exactly one of its TTL's lane (expiry ==
//	            created+ttl, lane.ttl == ttl, lanes in posting order) or
//	            late (at == expires); in delays (at == delay) iff delayed;
//	            both heaps 4-ary ordered with exact back-pointers; nothing
//	            due at q.last
//	claims:     the map and the 4-ary claim timetable hold the same live
//	            claims, none expired at q.last; each holds c.n > 0
//	            messages, its non-nil msgs, each with m.claim == c and
//	            m.claimPos == its index; a message's claim is in the map
//	pending:    exactly the held messages, in ID order (checkPendingLocked)
func (q *Queue[T]) checkInvariants() error {
	q.mu.Lock()
	defer q.mu.Unlock()

	all, err := q.messages.check()
	if err != nil {
		return fmt.Errorf("message index: %w", err)
	}
	held, delayed, inLanes := 0, 0, 0
	for _, m := range all {
		switch {
		case m.expires <= q.last:
			return fmt.Errorf("message %v: expired at %d, still present at %d", m.id, m.expires, q.last)
		case m.delayed() && m.delay <= q.last:
			return fmt.Errorf("message %v: delay ended at %d, still delayed at %d", m.id, m.delay, q.last)
		case m.delayed() && (int(m.delayIdx) >= len(q.delays.h) || q.delays.h[m.delayIdx].p != m || q.delays.h[m.delayIdx].at != m.delay):
			return fmt.Errorf("message %v: delays back-pointer %d wrong", m.id, m.delayIdx)
		case m.lane >= maxLanes:
			return fmt.Errorf("message %v: lane %d", m.id, m.lane)
		case m.lane >= 0 && (q.lanes[m.lane].ttl != int64(m.ttl) || m.expires != m.created+int64(m.ttl)):
			return fmt.Errorf("message %v in lane %d of TTL %v: ttl %v, expires %d, created %d",
				m.id, m.lane, time.Duration(q.lanes[m.lane].ttl), m.ttl, m.expires, m.created)
		case m.lane < 0 && (int(m.heapIdx) >= len(q.late.h) || q.late.h[m.heapIdx].p != m || q.late.h[m.heapIdx].at != m.expires):
			return fmt.Errorf("message %v: late back-pointer %d wrong", m.id, m.heapIdx)
		}
		if m.lane >= 0 {
			inLanes++
		}
		if m.held() {
			held++
			if q.claims[m.claim.id] != m.claim {
				return fmt.Errorf("message %v: held by a claim missing from the map", m.id)
			}
		}
		if m.delayed() {
			delayed++
		}
	}
	lanes := 0
	for i := range q.lanes {
		l := &q.lanes[i]
		ms, err := l.msgs.check()
		if err != nil {
			return fmt.Errorf("lane %d: %w", i, err)
		}
		if l.msgs.tree.Len() != 0 {
			return fmt.Errorf("lane %d: %d messages out of posting order", i, l.msgs.tree.Len())
		}
		if i == 0 {
			if len(ms) != 0 {
				return fmt.Errorf("lane 0 keeps %d messages of its own", len(ms))
			}
			for _, m := range all {
				if m.lane == 0 {
					ms = append(ms, m)
				}
			}
			for p := q.messages.head; p < min(q.messages.mark, q.messages.tail); p++ {
				if m := q.messages.at(p).m; m != nil && m.lane == 0 {
					return fmt.Errorf("lane 0 message %v before the mark", m.id)
				}
			}
			if q.messages.tree.Len() > 0 {
				var err error
				q.messages.tree.Ascend(func(m *message[T]) bool {
					if m.lane == 0 {
						err = fmt.Errorf("lane 0 message %v in the tree of all messages", m.id)
					}
					return err == nil
				})
				if err != nil {
					return err
				}
			}
		}
		for j, m := range ms {
			if m.lane != int8(i) || q.messages.find(m.id, &message[T]{}) != m {
				return fmt.Errorf("lane %d holds message %v of lane %d or not live", i, m.id, m.lane)
			}
			if j > 0 && ms[j-1].expires > m.expires {
				return fmt.Errorf("lane %d out of expiry order at %v", i, m.id)
			}
		}
		if len(ms) > 0 && q.laneFirstLocked(i) != ms[0] {
			return fmt.Errorf("lane %d: first is not the oldest", i)
		}
		lanes += len(ms)
	}
	if lanes != inLanes || len(q.late.h) != len(all)-inLanes || len(q.delays.h) != delayed {
		return fmt.Errorf("timetable: %d in lanes (%d say so), %d late for %d, %d delays for %d",
			lanes, inLanes, len(q.late.h), len(all)-inLanes, len(q.delays.h), delayed)
	}
	for _, d := range []*heap4[*message[T]]{&q.late, &q.delays} {
		delay := d == &q.delays
		for i, e := range d.h {
			idx := e.p.heapIdx
			if delay {
				idx = e.p.delayIdx
			}
			switch {
			case i > 0 && d.h[(i-1)/4].at > e.at:
				return fmt.Errorf("heap (delays %v) order broken at %d", delay, i)
			case e.at <= q.last:
				return fmt.Errorf("heap (delays %v) entry %d due at %d, not applied at %d", delay, i, e.at, q.last)
			case int(idx) != i:
				return fmt.Errorf("heap (delays %v) entry %d: message %v back-pointer %d", delay, i, e.p.id, idx)
			}
		}
	}
	claimable, err := q.claimable.check()
	if err != nil {
		return fmt.Errorf("claimable index: %w", err)
	}
	for _, m := range claimable {
		if q.messages.find(m.id, &message[T]{}) != m || !m.claimable() {
			return fmt.Errorf("claimable index holds message %v, not claimable", m.id)
		}
	}
	if len(claimable) != len(all)-held-delayed {
		return fmt.Errorf("claimable index has %d messages, want %d", len(claimable), len(all)-held-delayed)
	}
	if q.claimDue.len() != len(q.claims) {
		return fmt.Errorf("claim timetable has %d entries for %d claims", q.claimDue.len(), len(q.claims))
	}
	for i, e := range q.claimDue.h {
		c := e.p
		switch {
		case i > 0 && q.claimDue.h[(i-1)/4].at > e.at:
			return fmt.Errorf("claim timetable order broken at %d", i)
		case e.at != c.expires():
			return fmt.Errorf("claim timetable entry %d: time %d, claim expires %d", i, e.at, c.expires())
		case c.dueIdx != i:
			return fmt.Errorf("claim timetable entry %d: back-pointer %d", i, c.dueIdx)
		case c.expires() <= q.last:
			return fmt.Errorf("claim %v expired at %d, still live at %d", c.id, c.expires(), q.last)
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
			if q.messages.find(m.id, &message[T]{}) != m {
				return fmt.Errorf("claim %v holds message %v missing from messages", c.id, m.id)
			}
		}
		if live != c.n || live == 0 {
			return fmt.Errorf("claim %v: n = %d, holds %d; an empty claim is not stored", c.id, c.n, live)
		}
	}
	for _, m := range q.freeMsgs {
		if !reflect.ValueOf(&m.body).Elem().IsZero() || m.client != "" || m.claim != nil {
			return fmt.Errorf("free message %v still points to its body, client or claim", m.id)
		}
	}
	for _, c := range q.freeClaims {
		if c.client != "" || c.n != 0 || c.msgs != nil || c.inline != ([10]*message[T]{}) {
			return fmt.Errorf("free claim %v still points to its messages or client", c.id)
		}
	}
	return q.checkPendingLocked(held)
}
