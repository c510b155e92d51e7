package claimq

import (
	"cmp"
	"context"
	"crypto/aes"
	"crypto/cipher"
	crand "crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"iter"
	"math"
	"slices"
	"time"
)

// A claim's whole life is in this file: its ID, its creation (Claim,
// ClaimWait, and newClaimLocked for the pending family), its renewal, the
// messages joining and leaving it, and its end. Every ending — expiry,
// Release, Complete, Purge, the loss of its last message — goes through
// endClaimLocked, whose argument says what becomes of the messages it
// still holds. An ended claim leaves nothing behind: its struct is reused,
// its messages forget it, and its ID alone tells that it was issued.

// ClaimID identifies a claim. It is 128 bits that look random: a counter
// encrypted with a key of the queue's own (AES), so knowing claims tells
// nothing of another, and on the HTTP front, where it is the only proof of
// holding a claim, it cannot be guessed. Decrypting it lets the queue tell
// an ID it issued and that has ended from one it never issued, without a
// record per ended claim. The zero ClaimID means "no claim".
type ClaimID [16]byte

// String returns the ID as 32 lowercase hexadecimal digits.
func (id ClaimID) String() string { return hex.EncodeToString(id[:]) }

// AppendText appends the form of [ClaimID.String] to b, without allocating
// when b has room: it implements encoding.TextAppender. It never fails.
func (id ClaimID) AppendText(b []byte) ([]byte, error) { return hex.AppendEncode(b, id[:]), nil }

// MarshalText returns the form of [ClaimID.String]: it implements
// encoding.TextMarshaler. It never fails.
func (id ClaimID) MarshalText() ([]byte, error) {
	return hex.AppendEncode(make([]byte, 0, 2*len(id)), id[:]), nil
}

// UnmarshalText parses text as [ParseClaimID] does: it implements
// encoding.TextUnmarshaler. Errors match [ErrInvalid]; id is unchanged
// then.
func (id *ClaimID) UnmarshalText(text []byte) error {
	v, err := ParseClaimID(string(text))
	if err != nil {
		return err
	}
	*id = v
	return nil
}

// IsZero reports whether id is the zero ClaimID.
func (id ClaimID) IsZero() bool { return id == ClaimID{} }

// ParseClaimID parses the form produced by [ClaimID.String]. Any other
// text, including the zero ID, is an error matching [ErrInvalid].
func ParseClaimID(s string) (ClaimID, error) {
	var id ClaimID
	if len(s) != 2*len(id) {
		return ClaimID{}, fmt.Errorf("%w: claim ID %q: want 32 hex digits", ErrInvalid, s)
	}
	if _, err := hex.Decode(id[:], []byte(s)); err != nil || id.IsZero() {
		return ClaimID{}, fmt.Errorf("%w: claim ID %q: want 32 hex digits, not zero", ErrInvalid, s)
	}
	return id, nil
}

// claimIDs issues a queue's claim IDs: claim number seq (1, 2, …) is the
// AES encryption of the block (0⁶⁴, seq). A block cipher is a permutation,
// so IDs never repeat; decrypting an ID gives back its number, and an ID
// the queue never issued decrypts to a first half of zero with
// probability 2⁻⁶⁴.
type claimIDs struct {
	block cipher.Block
	last  uint64 // number of the newest claim
	// in and out are scratch blocks: slices of a local array passed to
	// the cipher's interface method would escape and cost an allocation.
	in, out [aes.BlockSize]byte
}

func newClaimIDs() claimIDs {
	var key [16]byte
	crand.Read(key[:])
	block, err := aes.NewCipher(key[:])
	if err != nil {
		panic(err) // only for a key of the wrong size
	}
	return claimIDs{block: block}
}

// next returns a new ID and its number.
func (g *claimIDs) next() (ClaimID, uint64) {
	for {
		g.last++
		g.in = [aes.BlockSize]byte{}
		binary.BigEndian.PutUint64(g.in[8:], g.last)
		g.block.Encrypt(g.out[:], g.in[:])
		if id := ClaimID(g.out); !id.IsZero() {
			return id, g.last
		}
	}
}

// issued reports whether next returned id at some time.
func (g *claimIDs) issued(id ClaimID) bool {
	g.in = id
	g.block.Decrypt(g.out[:], g.in[:])
	seq := binary.BigEndian.Uint64(g.out[8:])
	return binary.BigEndian.Uint64(g.out[:8]) == 0 && seq >= 1 && seq <= g.last
}

// ClaimOptions are the arguments of [Queue.Claim] and [Queue.ClaimWait].
// Zero fields take the queue's [Limits] defaults.
type ClaimOptions struct {
	Limit int           // most messages to take: 1..MaxClaimLimit, 0 for DefaultClaimLimit
	TTL   time.Duration // how long the claim lives: MinClaimTTL..MaxClaimTTL, 0 for DefaultClaimTTL
	// Grace is added to the lifetime of claimed messages that would
	// expire before the claim: MinGrace..MaxGrace, 0 for DefaultGrace,
	// NoGrace for none.
	Grace time.Duration
	// ClientID names the consumer that owns the claim; the pending
	// family reports and filters by it.
	ClientID string
}

// RenewOptions are the arguments of [Queue.Renew]. Zero fields take the
// queue's [Limits] defaults, as in [ClaimOptions].
type RenewOptions struct {
	TTL time.Duration // the claim's new TTL from now: MinClaimTTL..MaxClaimTTL, 0 for DefaultClaimTTL
	// Grace is the lifetime extension applied again: up to MaxGrace, 0
	// for DefaultGrace, NoGrace for none. As in Zaqar, it is not held to
	// MinGrace.
	Grace time.Duration
}

// Claim is a copy of a claim and the messages it holds at the time of the
// call. The zero Claim (no ID, no messages) is what [Queue.Claim] returns
// when nothing was claimable.
type Claim[T any] struct {
	ID       ClaimID
	ClientID string
	TTL      time.Duration // as last set by Claim or Renew
	Grace    time.Duration
	Renewed  time.Time // creation or last renewal; the claim's age counts from here
	Expires  time.Time // Renewed+TTL; the claim is live while now < Expires
	Messages []Message[T]
}

// Age returns the time since the claim was created or last renewed.
func (c Claim[T]) Age(now time.Time) time.Duration { return now.Sub(c.Renewed) }

// claim is the stored form of a live claim. Only live claims are stored,
// and only while they hold a message.
type claim[T any] struct {
	id      ClaimID
	seq     uint64 // the number in id: creation order
	client  string
	ttl     time.Duration
	grace   time.Duration
	renewed int64 // creation or last renewal; the claim ends at renewed+ttl
	// idleSince is when the claim's messages were last delivered, taken
	// or renewed: the start of their idle time in the pending family.
	idleSince int64
	dueIdx    int // place in the queue's claim timetable (claimDue)
	n         int // non-nil entries of msgs, at least 1
	// msgs holds the claim's messages in claim order; a message that
	// leaves the claim leaves a nil so that the others keep their
	// claimPos.
	msgs []*message[T]
	// inline backs msgs for the usual claim sizes, so that a claim costs
	// no allocation of its own.
	inline [10]*message[T]
}

// expires returns when the claim ends: it is live while now < expires.
func (c *claim[T]) expires() int64 { return c.renewed + int64(c.ttl) }

// export copies the claim out; with justID its messages carry only their
// IDs (the pending family's JUSTID).
func (c *claim[T]) export(justID bool) Claim[T] {
	out := Claim[T]{
		ID:       c.id,
		ClientID: c.client,
		TTL:      c.ttl,
		Grace:    c.grace,
		Renewed:  timeOf(c.renewed),
		Expires:  timeOf(c.expires()),
		Messages: make([]Message[T], c.n),
	}
	i := 0
	for _, m := range c.msgs {
		switch {
		case m == nil:
			continue
		case justID:
			out.Messages[i].ID = m.id
		default:
			// In place: copying a Message value into the slice would
			// cost a bulk write barrier while the collector runs.
			m.exportTo(&out.Messages[i])
		}
		i++
	}
	return out
}

// newClaimLocked creates an empty live claim; the caller adds at least
// one message before it releases the lock, since a live claim is never
// empty.
func (q *Queue[T]) newClaimLocked(now int64, ttl, grace time.Duration, client string) *claim[T] {
	c := q.allocClaimLocked()
	c.id, c.seq = q.claimIDs.next()
	c.client, c.ttl, c.grace = client, ttl, grace
	c.renewed, c.idleSince = now, now
	c.msgs, c.n = c.inline[:0], 0
	q.claims[c.id] = c
	q.claimDue.push(c.expires(), c)
	q.deadlineAddedLocked(c.expires())
	return c
}

// addLocked puts m, which no claim holds, in c: the message's delivery
// count grows and its lifetime is extended to cover the claim. The caller
// moves it into the pending index.
func (q *Queue[T]) addLocked(c *claim[T], m *message[T]) {
	m.claim = c
	m.claimPos = int32(len(c.msgs))
	if m.claimCount < math.MaxInt32 {
		m.claimCount++
	}
	c.msgs = append(c.msgs, m)
	c.n++
	q.extendLocked(m, c)
}

// extendLocked applies Zaqar's lifetime extension: a message that would
// expire before its claim lives on until the claim's expiry plus grace,
// and reports TTL+grace as its TTL. It is never undone.
func (q *Queue[T]) extendLocked(m *message[T], c *claim[T]) {
	if end := c.expires(); m.expires < end {
		m.expires = end + int64(c.grace)
		m.ttl = c.ttl + c.grace
		q.expiresChangedLocked(m)
	}
}

// renewLocked restarts c at now with a new ttl and grace.
func (q *Queue[T]) renewLocked(c *claim[T], now int64, ttl, grace time.Duration) {
	c.ttl, c.grace = ttl, grace
	c.renewed, c.idleSince = now, now
	q.claimDue.fix(c.dueIdx, c.expires())
	for _, m := range c.msgs {
		if m != nil {
			q.extendLocked(m, c)
		}
	}
	q.deadlineAddedLocked(c.expires())
}

// leaveClaimLocked takes a held message out of its claim, which ends if
// that was its last message. The caller keeps the message's index
// membership right (pending, claimable or gone).
func (q *Queue[T]) leaveClaimLocked(m *message[T]) {
	c := m.claim
	c.msgs[m.claimPos] = nil
	c.n--
	m.claim = nil
	if c.n == 0 {
		q.endClaimLocked(c, freed)
	}
}

// fate says what becomes of the messages a claim still holds when it ends.
type fate int

const (
	freed     fate = iota // expiry, release: claimable again, in ID order
	deleted               // Complete: deleted with the claim
	discarded             // Purge: the caller drops every message itself
)

// endClaimLocked ends live claim c: whatever the cause, this is where a
// claim stops existing. Its messages meet fate f, its struct is reused,
// and nothing records it: its ID still tells that the queue issued it. It
// returns how many messages c held.
func (q *Queue[T]) endClaimLocked(c *claim[T], f fate) int {
	delete(q.claims, c.id)
	q.claimDue.remove(c.dueIdx)
	n := c.n
	for _, m := range c.msgs {
		if m == nil {
			continue
		}
		m.claim = nil
		switch f {
		case freed:
			q.pending.remove(m)
			q.claimable.insert(m)
		case deleted:
			q.pending.remove(m)
			q.forgetLocked(m)
		}
	}
	if f == freed && n > 0 {
		q.wakeLocked()
	}
	q.recycleClaimLocked(c)
	return n
}

// expireClaimsLocked ends the claims that expired by now.
func (q *Queue[T]) expireClaimsLocked(now int64) {
	for q.claimDue.len() > 0 && q.claimDue.h[0].at <= now {
		q.endClaimLocked(q.claimDue.h[0].p, freed)
	}
}

// notLiveLocked is the error for an operation on id, which names no live
// claim: one the queue issued has ended (ErrClaimNotFound and
// ErrClaimExpired), any other is unknown (ErrClaimNotFound).
func (q *Queue[T]) notLiveLocked(id ClaimID) error {
	if q.claimIDs.issued(id) {
		return fmt.Errorf("%w: %v", errClaimEnded, id)
	}
	return fmt.Errorf("%w: %v", ErrClaimNotFound, id)
}

func (q *Queue[T]) claimOptions(opts ClaimOptions) (limit int, ttl, grace time.Duration, err error) {
	limit = opts.Limit
	if limit == 0 {
		limit = q.limits.DefaultClaimLimit
	}
	if err = checkCount("claim limit", limit, 1, q.limits.MaxClaimLimit); err != nil {
		return
	}
	ttl, grace, err = q.claimDurations(opts.TTL, opts.Grace, q.limits.MinGrace)
	return
}

// claimDurations defaults and checks a claim's TTL and grace as Claim and
// Renew take them (0 for the default, NoGrace for none); grace is held to
// minGrace, which Renew, as in Zaqar, sets to 0.
func (q *Queue[T]) claimDurations(ttl, grace, minGrace time.Duration) (time.Duration, time.Duration, error) {
	l := &q.limits
	if ttl == 0 {
		ttl = l.DefaultClaimTTL
	}
	switch grace {
	case 0:
		grace = l.DefaultGrace
	case NoGrace:
		grace = 0
	}
	if err := checkDuration("claim ttl", ttl, l.MinClaimTTL, l.MaxClaimTTL); err != nil {
		return 0, 0, err
	}
	if err := checkDuration("claim grace", grace, minGrace, l.MaxGrace); err != nil {
		return 0, 0, err
	}
	return ttl, grace, nil
}

// Claim takes up to opts.Limit of the oldest messages that are neither
// expired, delayed nor held by a live claim, and holds them for opts.TTL:
// until then only this claim can delete them, and no other claim gets
// them. Each claimed message's ClaimCount grows by one, and a message that
// would expire before the claim has its lifetime extended to the claim's
// expiry plus opts.Grace (its TTL then reads TTL+Grace).
//
// With Options.MaxClaimCount set, a message already claimed that many
// times is moved to Options.DeadLetter instead of being returned.
//
// When nothing is claimable, Claim returns the zero Claim and no error.
// Errors: [ErrInvalid] (a [*LimitError]) for options outside the limits,
// [ErrClosed] after Close. Cost: O(limit·log n), whatever the number of
// messages held by other claims; one allocation, for the result (the
// claim's own struct is reused from ended claims).
func (q *Queue[T]) Claim(opts ClaimOptions) (Claim[T], error) {
	return q.claim(context.Background(), opts, false)
}

// claimLocked takes up to limit claimable messages into a new claim and
// returns it, or nil if it took none, along with the messages to move to
// the dead-letter queue once the lock is released.
func (q *Queue[T]) claimLocked(now int64, limit int, ttl, grace time.Duration, client string) (*claim[T], []deadMessage[T]) {
	var c *claim[T]
	var dead []deadMessage[T]
	for c == nil || c.n < limit {
		m, ok := q.claimable.min()
		if !ok {
			break
		}
		if q.opts.MaxClaimCount > 0 && int(m.claimCount) >= q.opts.MaxClaimCount {
			dead = append(dead, deadMessage[T]{id: m.id, body: m.body, client: m.client,
				created: m.created, expires: m.expires, ttl: m.ttl})
			q.removeLocked(m)
			continue
		}
		q.claimable.remove(m)
		if c == nil {
			c = q.newClaimLocked(now, ttl, grace, client)
		}
		q.addLocked(c, m)
		q.pending.insert(m)
	}
	return c, dead
}

// ClaimWait is [Queue.Claim] that blocks until it can return at least one
// message, ctx ends or the queue is closed. It wakes when a message is
// posted, released, freed by an expired claim, or its delay ends; with a
// [FakeClock] the last two happen when the clock is moved past them.
//
// Errors: those of Claim, ctx.Err() when ctx ends, [ErrClosed] when the
// queue is closed while waiting.
func (q *Queue[T]) ClaimWait(ctx context.Context, opts ClaimOptions) (Claim[T], error) {
	return q.claim(ctx, opts, true)
}

// claim is ClaimWait, and Claim when it does not wait.
func (q *Queue[T]) claim(ctx context.Context, opts ClaimOptions, wait bool) (Claim[T], error) {
	if err := q.usable(); err != nil {
		return Claim[T]{}, err
	}
	limit, ttl, grace, err := q.claimOptions(opts)
	if err != nil {
		return Claim[T]{}, err
	}
	for {
		if err := ctx.Err(); err != nil {
			return Claim[T]{}, err
		}
		now := q.lock()
		if q.closed {
			q.mu.Unlock()
			return Claim[T]{}, ErrClosed
		}
		c, dead := q.claimLocked(now, limit, ttl, grace, opts.ClientID)
		if c != nil || !wait {
			var out Claim[T]
			if c != nil {
				out = c.export(false)
			}
			q.mu.Unlock()
			q.deadLetter(now, dead)
			return out, nil
		}
		if q.wait == nil {
			q.wait = make(chan struct{})
		}
		wake := q.wait
		q.waiters++
		q.armTimerLocked()
		q.mu.Unlock()
		q.deadLetter(now, dead)

		select {
		case <-wake:
		case <-ctx.Done():
		}
		q.mu.Lock()
		q.waiters--
		q.mu.Unlock()
	}
}

// GetClaim returns the live claim id with the messages it still holds, in
// claim order; messages deleted since drop out. A claim whose messages
// were all deleted (or retried, or taken by Reclaim) has ended, as in
// Zaqar, where a claim exists only through its messages.
//
// Errors: [ErrClaimNotFound] if the claim is not live, also matching
// [ErrClaimExpired] when the queue issued it. Cost: O(messages in the
// claim).
func (q *Queue[T]) GetClaim(id ClaimID) (Claim[T], error) {
	if err := q.usable(); err != nil {
		return Claim[T]{}, err
	}
	q.lock()
	defer q.mu.Unlock()
	c := q.claims[id]
	if c == nil {
		return Claim[T]{}, q.notLiveLocked(id)
	}
	return c.export(false), nil
}

// Renew restarts the live claim id with a new TTL (which may be shorter
// than before) and grace: its age restarts at zero, its messages' idle
// time too, and lifetime extension is applied again with the new values.
//
// Errors: [ErrInvalid] (a [*LimitError]) for options outside the limits,
// checked before the claim is looked up; [ErrClaimNotFound] if the claim is
// not live, also matching [ErrClaimExpired] when the queue issued it (it
// expired, was released, completed, or emptied by deletes). Renew works
// after Close, so that holders can finish their work. Cost: O(m) for m
// messages in the claim.
func (q *Queue[T]) Renew(id ClaimID, opts RenewOptions) error {
	if err := q.usable(); err != nil {
		return err
	}
	ttl, grace, err := q.claimDurations(opts.TTL, opts.Grace, 0)
	if err != nil {
		return err
	}
	now := q.lock()
	defer q.mu.Unlock()
	c := q.claims[id]
	if c == nil {
		return q.notLiveLocked(id)
	}
	q.renewLocked(c, now, ttl, grace)
	return nil
}

// Release ends the live claim id: its messages become claimable at once,
// ahead of newer ones and in their original order. Lifetime extensions and
// claim counts stay.
//
// Errors: [ErrClaimNotFound] if the claim is not live, also matching
// [ErrClaimExpired] when the queue issued it (the HTTP front answers 204
// all the same). Cost: O(m·log n) for m messages in the claim.
func (q *Queue[T]) Release(id ClaimID) error {
	if err := q.usable(); err != nil {
		return err
	}
	q.lock()
	defer q.mu.Unlock()
	c := q.claims[id]
	if c == nil {
		return q.notLiveLocked(id)
	}
	q.endClaimLocked(c, freed)
	return nil
}

// Complete is a worker's "done" for a whole claim: it deletes every
// message the live claim id holds and ends the claim, in one call, and
// returns how many messages it deleted.
//
// Errors: [ErrClaimNotFound] if the claim is not live, also matching
// [ErrClaimExpired] when the queue issued it: the claim expired, was
// released or completed, or lost its messages, and whatever the worker did
// must be rolled back, as another worker may hold its messages now. Cost:
// O(m) for m messages held, one clock read, no allocation.
func (q *Queue[T]) Complete(id ClaimID) (int, error) {
	if err := q.usable(); err != nil {
		return 0, err
	}
	q.lock()
	defer q.mu.Unlock()
	c := q.claims[id]
	if c == nil {
		return 0, q.notLiveLocked(id)
	}
	return q.endClaimLocked(c, deleted), nil
}

// Retry hands the listed messages of the live claim back to the queue: each
// leaves the claim and becomes claimable once delay has passed (at once
// for 0), back at its place in ID order ahead of newer messages. The
// delivery it had counts: ClaimCount keeps the increment of its claim, so
// Options.MaxClaimCount still bounds a message retried over and over.
// The rest of the claim stays held, and a claim that loses its last
// message to Retry ends, as one emptied by Delete does. A retried message
// with a delay reads DelayedUntil as the end of it. It is all-or-nothing:
// if any listed message cannot be retried, nothing changes.
//
// Errors: [ErrInvalid] (a [*LimitError]) for a delay outside 0 to
// Limits.MaxDelay; [ErrClaimNotFound] when claim is not live, also
// matching [ErrClaimExpired] when the queue issued it (the claim ended and
// another worker may hold the messages); for an ID the claim does not
// hold, [ErrMessageNotFound], [ErrNotClaimed] or [ErrClaimedByOther], as
// from [Queue.Delete]. Cost: O(k·log n) for k IDs; no allocation on
// success for up to 32 IDs.
func (q *Queue[T]) Retry(claim ClaimID, delay time.Duration, ids ...MessageID) error {
	if err := q.usable(); err != nil {
		return err
	}
	if err := checkDuration("retry delay", delay, 0, q.limits.MaxDelay); err != nil {
		return err
	}
	now := q.lock()
	defer q.mu.Unlock()
	c := q.claims[claim]
	if c == nil {
		return q.notLiveLocked(claim)
	}
	var buf [32]*message[T]
	found := buf[:0]
	for _, id := range ids {
		m := q.lookupLocked(id)
		if err := q.deletableLocked(m, id, claim); err != nil {
			return err
		}
		found = append(found, m)
	}
	woken := false
	for _, m := range found {
		if m.claim == nil {
			continue // listed twice
		}
		q.pending.remove(m)
		q.leaveClaimLocked(m)
		if delay == 0 {
			q.claimable.insert(m)
			woken = true
			continue
		}
		q.delayLocked(m, now+int64(delay))
	}
	if woken {
		q.wakeLocked()
	}
	return nil
}

// Claims returns an iterator over the live claims in the order they were
// created, each with the messages it holds (as [Queue.GetClaim] returns
// them).
//
// The set of claims is the live ones when the loop starts; their state is
// copied under the lock in chunks of 64 and yielded with the lock
// released, so the loop body may call the queue. Each chunk is a snapshot
// at one instant: a claim that ends before its chunk is read is skipped,
// one created during the loop is not yielded. Cost: O(c·log c) for c live
// claims to start, then O(m) per claim for its m messages.
func (q *Queue[T]) Claims() iter.Seq[Claim[T]] {
	return func(yield func(Claim[T]) bool) {
		if q.usable() != nil {
			return
		}
		q.lock()
		order := make([]claimOrder, 0, len(q.claims))
		for id, c := range q.claims {
			order = append(order, claimOrder{c.seq, id})
		}
		q.mu.Unlock()
		slices.SortFunc(order, func(a, b claimOrder) int { return cmp.Compare(a.seq, b.seq) })
		chunk := make([]Claim[T], 0, min(len(order), inspectChunk))
		for len(order) > 0 {
			n := min(len(order), inspectChunk)
			chunk = q.claimChunk(order[:n], chunk[:0])
			order = order[n:]
			for _, c := range chunk {
				if !yield(c) {
					return
				}
			}
		}
	}
}

// claimOrder places a claim in the order of [Queue.Claims].
type claimOrder struct {
	seq uint64
	id  ClaimID
}

// claimChunk appends to out the claims of ids that are still live.
func (q *Queue[T]) claimChunk(ids []claimOrder, out []Claim[T]) []Claim[T] {
	q.lock()
	defer q.mu.Unlock()
	for _, o := range ids {
		if c := q.claims[o.id]; c != nil {
			out = append(out, c.export(false))
		}
	}
	return out
}
