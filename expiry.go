package claimq

// deadline is one entry of the queue's timetable: when message m changes
// state (its delay ends or it expires) or when claim c expires. Exactly
// one of m and c is set. Entries are stored by value and each owner keeps
// its index, so removing or moving an entry is O(log n) without searching
// and without the interface calls of container/heap.
type deadline[T any] struct {
	at int64
	m  *message[T]
	c  *claim[T]
}

// deadlines is a binary min-heap ordered by at. Invariants, checked by
// checkInvariants:
//
//	h[(i-1)/2].at <= h[i].at                 for every i > 0
//	h[i].m.heapIdx == i  or  h[i].c.heapIdx == i
type deadlines[T any] []deadline[T]

func (h deadlines[T]) setIndex(i int) {
	if d := &h[i]; d.m != nil {
		d.m.heapIdx = int32(i)
	} else {
		d.c.heapIdx = int32(i)
	}
}

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
		p := (i - 1) / 2
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
		c := 2*i + 1
		if c >= n {
			break
		}
		if r := c + 1; r < n && h[r].at < h[c].at {
			c = r
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
	for len(q.heap) > 0 && q.heap[0].at <= now {
		d := q.heap[0]
		switch {
		case d.c != nil:
			q.heap.remove(0)
			q.dropClaimLocked(d.c)
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

// dropClaimLocked ends claim c (released or expired, already out of the
// heap): its messages become claimable at once, in their original order
// since the claimable index is ordered by ID.
func (q *Queue[T]) dropClaimLocked(c *claim[T]) {
	delete(q.claims, c.id)
	c.done = true
	for _, m := range c.msgs {
		if m != nil {
			q.pending.remove(m)
			q.claimable.insert(m)
			q.claimed--
		}
	}
	if c.n > 0 {
		q.wakeLocked()
	}
	clear(c.msgs)
	c.msgs = nil
	c.n = 0
}
