package claimq

import "math"

// deadline is one entry of the messages' timetable: when message m
// changes state (its delay ends or it expires). Entries are stored by
// value and each message keeps its index, so removing or moving an entry
// is O(log n) without searching and without the interface calls of
// container/heap.
type deadline[T any] struct {
	at int64
	m  *message[T]
}

// deadlines is a 4-ary min-heap ordered by at: half the depth of a binary
// heap, and the four children of a node share a cache line, which counts
// when a large backlog makes every level a cache miss. Invariants, checked
// by checkInvariants:
//
//	h[(i-1)/4].at <= h[i].at    for every i > 0
//	h[i].m.heapIdx == i
type deadlines[T any] []deadline[T]

func (h deadlines[T]) setIndex(i int) { h[i].m.heapIdx = int32(i) }

func (h *deadlines[T]) push(d deadline[T]) {
	*h = append(*h, d)
	h.up(len(*h) - 1)
}

// fix restores the heap after the entry at i changed its time to at.
func (h deadlines[T]) fix(i int, at int64) {
	h[i].at = at
	if !h.down(i) {
		h.up(i)
	}
}

func (h *deadlines[T]) remove(i int) {
	old := *h
	n := len(old) - 1
	if i != n {
		old[i] = old[n]
		old.setIndex(i)
	}
	old[n] = deadline[T]{}
	*h = old[:n]
	if i < n && !h.down(i) {
		h.up(i)
	}
}

func (h deadlines[T]) up(i int) {
	d := h[i]
	for i > 0 {
		p := (i - 1) / 4
		if h[p].at <= d.at {
			break
		}
		h[i] = h[p]
		h.setIndex(i)
		i = p
	}
	h[i] = d
	h.setIndex(i)
}

// down sifts the entry at i towards the leaves and reports whether it
// moved.
func (h deadlines[T]) down(i int) bool {
	d := h[i]
	start, n := i, len(h)
	for {
		first := 4*i + 1
		if first >= n {
			break
		}
		c := first
		for j := first + 1; j < min(first+4, n); j++ {
			if h[j].at < h[c].at {
				c = j
			}
		}
		if d.at <= h[c].at {
			break
		}
		h[i] = h[c]
		h.setIndex(i)
		i = c
	}
	h[i] = d
	h.setIndex(i)
	return i > start
}

// expireLocked applies every deadline up to now: claims expire and free
// their messages, delays end, messages expire. Every operation calls it
// first, so the rest of the code sees exactly the state at now and no
// background goroutine is needed.
func (q *Queue[T]) expireLocked(now int64) {
	q.expireClaimsLocked(now)
	for len(q.heap) > 0 && q.heap[0].at <= now {
		d := q.heap[0]
		switch {
		case d.m.delayed && d.m.delay < d.m.expires:
			m := d.m
			m.delayed = false
			q.delayed--
			q.heap.fix(0, m.expires)
			q.claimable.insert(m)
			q.wakeLocked()
		default:
			q.removeLocked(d.m)
			q.expired++
		}
	}
}

// expiresChangedLocked moves m in the timetable after lifetime extension.
func (q *Queue[T]) expiresChangedLocked(m *message[T]) {
	q.heap.fix(int(m.heapIdx), m.deadline())
}

// delayLocked makes m, which is in no index, wait until at before it is
// claimable again.
func (q *Queue[T]) delayLocked(m *message[T], at int64) {
	m.delay, m.delayed = at, true
	q.delayed++
	q.heap.fix(int(m.heapIdx), m.deadline())
	q.deadlineAddedLocked(at)
}

func (q *Queue[T]) nextMessageDeadlineLocked() int64 {
	if len(q.heap) == 0 {
		return math.MaxInt64
	}
	return q.heap[0].at
}
