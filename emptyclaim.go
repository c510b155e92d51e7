package claimq

import "time"

// Claims are found by ID in one map whose entries stay small: a claim that
// holds messages points to its struct, and a claim whose messages were all
// deleted (or reclaimed) keeps only what GetClaim, Renew and Release need
// until it expires, as Zaqar's Redis driver does. A worker that deletes
// every message it claimed leaves one such claim behind per batch for the
// claim's whole TTL, so at high rates they outnumber everything else in
// the queue; their structs go back to a free list for the next claim.
// Claim expiries live in a heap of their own whose entries hold no
// pointer, so that the garbage collector need not look at them.

// claimEntry is a live claim in the queue's claims map.
type claimEntry[T any] struct {
	c     *claim[T] // nil once the claim holds no message; then empty says the rest
	empty emptyClaim
}

// emptyClaim is a live claim that holds no message.
type emptyClaim struct {
	seq     uint64
	client  string
	ttl     time.Duration
	grace   time.Duration
	renewed int64
}

func (e claimEntry[T]) seq() uint64 {
	if e.c != nil {
		return e.c.seq
	}
	return e.empty.seq
}

func (e claimEntry[T]) expires() int64 {
	if e.c != nil {
		return e.c.expires
	}
	return e.empty.renewed + int64(e.empty.ttl)
}

// claimDeadline is when a claim expires. Renew pushes a new entry rather
// than moving the old one, which then no longer matches the claim's expiry
// and is skipped when it comes up: no index to keep in the claims.
type claimDeadline struct {
	at int64
	id ClaimID
}

// claimDeadlines is a binary min-heap ordered by at.
type claimDeadlines []claimDeadline

func (h *claimDeadlines) push(d claimDeadline) {
	*h = append(*h, d)
	s := *h
	for i := len(s) - 1; i > 0; {
		p := (i - 1) / 2
		if s[p].at <= s[i].at {
			break
		}
		s[p], s[i] = s[i], s[p]
		i = p
	}
}

func (h *claimDeadlines) pop() {
	s := *h
	n := len(s) - 1
	s[0] = s[n]
	*h = s[:n]
	h.down(0)
}

func (h claimDeadlines) down(i int) {
	for n := len(h); ; {
		c := 2*i + 1
		if c >= n {
			return
		}
		if c+1 < n && h[c+1].at < h[c].at {
			c++
		}
		if h[i].at <= h[c].at {
			return
		}
		h[i], h[c] = h[c], h[i]
		i = c
	}
}

// expireClaimsLocked ends the claims that expired by now.
func (q *Queue[T]) expireClaimsLocked(now int64) {
	for len(q.claimDue) > 0 && q.claimDue[0].at <= now {
		d := q.claimDue[0]
		q.claimDue.pop()
		switch e, ok := q.claims[d.id]; {
		case !ok || e.expires() != d.at: // released, or renewed since
			q.claimStale--
		case e.c != nil:
			q.dropClaimLocked(e.c)
		default:
			delete(q.claims, d.id)
		}
	}
}

// staleClaimDueLocked records that a claimDue entry no longer matches its
// claim (it was released, completed or renewed). Stale entries would
// otherwise wait for their time to pass, which a queue ending claims early
// at a high rate cannot afford; once they outnumber the live claims, the
// heap is rebuilt from the claims, which costs O(1) amortized per entry.
func (q *Queue[T]) staleClaimDueLocked() {
	q.claimStale++
	if q.claimStale <= 64 || q.claimStale <= len(q.claims) {
		return
	}
	h := q.claimDue[:0]
	for id, e := range q.claims {
		h = append(h, claimDeadline{e.expires(), id})
	}
	clear(q.claimDue[len(h):])
	q.claimDue = h
	for i := len(h)/2 - 1; i >= 0; i-- {
		h.down(i)
	}
	q.claimStale = 0
}

// emptiedLocked turns live claim c, which just lost its last message, into
// an emptyClaim and recycles its struct: no message points to it any more
// (they were deleted or moved to another claim).
func (q *Queue[T]) emptiedLocked(c *claim[T]) {
	q.claims[c.id] = claimEntry[T]{empty: emptyClaim{seq: c.seq, client: c.client, ttl: c.ttl, grace: c.grace, renewed: c.renewed}}
	q.recycleClaimLocked(c)
}

// Free lists keep the structs of deleted messages and emptied claims for
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
