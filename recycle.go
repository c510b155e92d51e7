package claimq

// Free lists keep the structs of deleted messages and ended claims for
// reuse, so that a steady flow of posts and claims allocates only what it
// returns to the caller. They are bounded so that a burst does not pin
// its memory.
const (
	maxFreeMessages = 4096
	maxFreeClaims   = 256
)

func (q *Queue[T]) recycleClaimLocked(c *claim[T]) {
	*c = claim[T]{}
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

// recycleMessageLocked clears a removed message, so that neither its body
// nor its claim stays reachable, and keeps it for reuse.
func (q *Queue[T]) recycleMessageLocked(m *message[T]) {
	*m = message[T]{}
	if len(q.freeMsgs) < maxFreeMessages {
		q.freeMsgs = append(q.freeMsgs, m)
	}
}

// allocMessageLocked returns a cleared message, from the free list if it
// can; otherwise it carves one from *block, which it fills with the
// remaining messages of the batch when empty, so that a batch costs at
// most one allocation.
func (q *Queue[T]) allocMessageLocked(block *[]message[T], remaining int) *message[T] {
	if n := len(q.freeMsgs); n > 0 {
		m := q.freeMsgs[n-1]
		q.freeMsgs[n-1] = nil
		q.freeMsgs = q.freeMsgs[:n-1]
		return m
	}
	if len(*block) == 0 {
		*block = make([]message[T], remaining)
	}
	m := &(*block)[0]
	*block = (*block)[1:]
	return m
}
