package claimq

import (
	"time"
	"unsafe"
)

// Free lists keep the structs of deleted messages and ended claims for
// reuse, so that a steady flow of posts and claims allocates only what it
// returns to the caller. They are bounded so that a burst does not pin
// its memory.
const (
	maxFreeMessages = 4096
	maxFreeClaims   = 256
)

// recycleClaimLocked drops what ended claim c points to (its messages,
// its client) and keeps it for reuse; newClaimLocked sets every other
// field. Clearing only the pointers spares the write barriers of zeroing
// the whole struct while the collector runs.
func (q *Queue[T]) recycleClaimLocked(c *claim[T]) {
	if len(c.msgs) == 0 || &c.msgs[0] != &c.inline[0] {
		clear(c.inline[:]) // msgs outgrew it, or never used it, after it had been used
	}
	clear(c.msgs)
	c.msgs, c.client, c.n = nil, "", 0
	if len(q.freeClaims) < maxFreeClaims {
		q.freeClaims = append(q.freeClaims, c)
	}
}

func (q *Queue[T]) allocClaimLocked() *claim[T] {
	if n := len(q.freeClaims); n > 0 {
		c := q.freeClaims[n-1]
		q.freeClaims[n-1] = nil
		q.freeClaims = q.freeClaims[:n-1]
		return c
	}
	return new(claim[T])
}

// recycleMessageLocked drops what a removed message points to, so that
// neither its body nor its client stays reachable, and keeps it for
// reuse; Post and postDead set every other field (see initMessage).
func (q *Queue[T]) recycleMessageLocked(m *message[T]) {
	var zero T
	m.body, m.client, m.claim = zero, "", nil
	m.id = 0 // tells a removed message from a live one (DeleteClaimed's duplicates)
	if len(q.freeMsgs) < maxFreeMessages {
		q.freeMsgs = append(q.freeMsgs, m)
	}
}

// allocMessageLocked returns a message to fill, from the free list if it
// can; otherwise it carves one from the queue's block of fresh messages.
// A new block holds at least the rest of the batch (remaining), so that a
// batch costs at most one allocation; blocks double from there up to
// 8 KiB, a size class of Go's allocator that they fill, so that a queue
// posted to once stays small and a large backlog wastes no memory to
// rounding.
func (q *Queue[T]) allocMessageLocked(remaining int) *message[T] {
	if n := len(q.freeMsgs); n > 0 {
		m := q.freeMsgs[n-1]
		q.freeMsgs[n-1] = nil
		q.freeMsgs = q.freeMsgs[:n-1]
		return m
	}
	if len(q.block) == 0 {
		largest := max(1, 8192/int(unsafe.Sizeof(message[T]{})))
		n := max(remaining, min(2*q.blockLen, largest))
		q.block, q.blockLen = make([]message[T], n), n
	}
	m := &q.block[0]
	q.block = q.block[1:]
	return m
}

// initMessage sets every field of m, new or recycled, but its place in
// the indexes, which inserting it sets.
func initMessage[T any](m *message[T], id MessageID, body T, client string, created, expires int64, ttl time.Duration) {
	m.id, m.body, m.client = id, body, client
	m.created, m.expires, m.ttl = created, expires, ttl
	m.delay, m.claim, m.claimCount, m.delayIdx, m.lane = 0, nil, 0, -1, -1
}
