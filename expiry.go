package claimq

// The messages' timetable. Messages posted with the same TTL expire in
// posting order, which is also ID order, so a FIFO run of them (a lane)
// needs no sorting: its head is the next to expire, appending and removing
// cost O(1), and the per-message cost stays flat however long the backlog.
// A queue keeps up to maxLanes lanes, one per TTL in use. The rest is
// exact but rarer, and sits in two heaps (heap4): late, for
// messages whose expiry no lane can order (lifetime extension moved it,
// dead-lettered messages keep theirs, or every lane serves another TTL);
// and delays, for messages waiting for their delay to end.
//
// A message is in exactly one of a lane (m.lane >= 0) and late (m.lane <
// 0), and in delays while it is delayed (m.delayIdx >= 0).
//
// Lane 0 costs nothing per message: its messages are those of the index
// of all messages marked m.lane == 0, which are in posting order there
// already, and its first is found by a mark that only moves forward
// (seqIndex.firstInLane0). A queue whose messages share one TTL, the
// common case, thus keeps no expiry structure at all.

// maxLanes bounds the TTLs that get a lane; a queue's TTLs are usually
// one or two (its default and a producer's own).
const maxLanes = 4

// lane is the messages of one TTL that still expire at created+ttl, in
// posting order. Lanes 1 and up keep them in a seqIndex whose tree stays
// empty, since every message enters it with the highest ID so far; lane 0
// leaves msgs unused (see above).
type lane[T any] struct {
	ttl  int64
	msgs seqIndex[T]
}

// laneFirstLocked returns lane i's next message to expire, or nil.
func (q *Queue[T]) laneFirstLocked(i int) *message[T] {
	if i == 0 {
		return q.messages.firstInLane0()
	}
	return q.lanes[i].msgs.first()
}

// scheduleLocked enters m in the timetable: a message just posted goes to
// the lane of its TTL, since it is the newest and expires last of it; a
// dead-lettered one, which keeps its ID and expiry, to late.
func (q *Queue[T]) scheduleLocked(m *message[T], posted bool) {
	m.lane = -1
	if posted {
		free := -1
		for i := range q.lanes {
			if q.lanes[i].ttl == int64(m.ttl) {
				free = i
				break
			}
			if free < 0 && q.laneFirstLocked(i) == nil {
				free = i
			}
		}
		if free >= 0 {
			q.lanes[free].ttl = int64(m.ttl)
			if free > 0 {
				q.lanes[free].msgs.insert(m)
			}
			m.lane = int8(free)
			return
		}
	}
	q.late.push(m.expires, m)
}

// unscheduleLocked takes m out of the timetable.
func (q *Queue[T]) unscheduleLocked(m *message[T]) {
	switch {
	case m.lane > 0:
		q.lanes[m.lane].msgs.remove(m)
	case m.lane < 0:
		q.late.remove(int(m.heapIdx))
	}
	if m.delayed() {
		q.delays.remove(int(m.delayIdx))
		m.delayIdx = -1
	}
}

// expiresChangedLocked moves m in the timetable after lifetime extension:
// its lane no longer orders it.
func (q *Queue[T]) expiresChangedLocked(m *message[T]) {
	if m.lane >= 0 {
		if m.lane > 0 {
			q.lanes[m.lane].msgs.remove(m)
		}
		m.lane = -1
		q.late.push(m.expires, m)
		return
	}
	q.late.fix(int(m.heapIdx), m.expires)
}

// delayLocked makes m, which is in no index, wait until at before it is
// claimable again.
func (q *Queue[T]) delayLocked(m *message[T], at int64) {
	m.delay = at
	q.delays.push(at, m)
	q.deadlineAddedLocked(at)
}

func (q *Queue[T]) nextMessageDeadlineLocked() int64 {
	at := min(q.late.next(), q.delays.next())
	for i := range q.lanes {
		if m := q.laneFirstLocked(i); m != nil {
			at = min(at, m.expires)
		}
	}
	return at
}

// expireLocked applies every deadline up to now: claims expire and free
// their messages, delays end, messages expire. Every operation calls it
// first, so the rest of the code sees exactly the state at now and no
// background goroutine is needed.
func (q *Queue[T]) expireLocked(now int64) {
	if q.claimDue.len() > 0 {
		q.expireClaimsLocked(now)
	}
	for len(q.delays.h) > 0 && q.delays.h[0].at <= now {
		m := q.delays.h[0].p
		q.delays.remove(0)
		m.delayIdx = -1
		q.claimable.insert(m)
		q.wakeLocked()
	}
	for i := range q.lanes {
		for m := q.laneFirstLocked(i); m != nil && m.expires <= now; m = q.laneFirstLocked(i) {
			q.removeLocked(m)
			q.expired++
		}
	}
	for len(q.late.h) > 0 && q.late.h[0].at <= now {
		q.removeLocked(q.late.h[0].p)
		q.expired++
	}
}
