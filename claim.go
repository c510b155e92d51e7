package claimq

import (
	"cmp"
	"context"
	"encoding/hex"
	"fmt"
	"iter"
	"math"
	"slices"
	"time"
)

// ClaimID identifies a claim: 128 bits from a cryptographically secure
// generator, so that knowing one claim tells nothing of another. On the
// HTTP front it is the only proof of holding a claim. The zero ClaimID
// means "no claim".
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

// claim is the stored form of a claim.
type claim[T any] struct {
	id      ClaimID
	seq     uint64 // creation order within the queue
	client  string
	ttl     time.Duration
	grace   time.Duration
	renewed int64
	expires int64
	// idleSince is when the claim's messages were last delivered, taken
	// or renewed: the start of their idle time in the pending family.
	idleSince int64
	// done is set when the claim expires (or its queue is purged);
	// messages may still point to it then, so that Delete can report the
	// race, and so its struct is never reused. Released and emptied
	// claims are reused instead: no message points to them.
	done bool
	n    int // non-nil entries of msgs
	// msgs holds the claim's messages in claim order; a message that
	// leaves the claim leaves a nil so that the others keep their
	// claimPos.
	msgs []*message[T]
	// inline backs msgs for the usual claim sizes, so that a claim costs
	// one allocation.
	inline [10]*message[T]
}

// export copies the claim out; with justID its messages carry only their
// IDs (the pending family's JUSTID).
func (c *claim[T]) export(justID bool) Claim[T] {
	out := Claim[T]{
		ID:       c.id,
		ClientID: c.client,
		TTL:      c.ttl,
		Grace:    c.grace,
		Renewed:  timeOf(c.renewed),
		Expires:  timeOf(c.expires),
		Messages: make([]Message[T], 0, c.n),
	}
	for _, m := range c.msgs {
		switch {
		case m == nil:
		case justID:
			out.Messages = append(out.Messages, Message[T]{ID: m.id})
		default:
			out.Messages = append(out.Messages, m.export())
		}
	}
	return out
}

// addLocked puts m in c: the message's delivery count grows and its
// lifetime is extended to cover the claim. The caller keeps the claimable
// and pending indexes right.
func (q *Queue[T]) addLocked(c *claim[T], m *message[T]) {
	m.claim = c
	m.claimPos = int32(len(c.msgs))
	if m.claimCount < math.MaxInt32 {
		m.claimCount++
	}
	c.msgs = append(c.msgs, m)
	c.n++
	q.claimed++
	q.extendLocked(m, c)
}

// extendLocked applies Zaqar's lifetime extension: a message that would
// expire before its claim lives on until the claim's expiry plus grace,
// and reports TTL+grace as its TTL. It is never undone.
func (q *Queue[T]) extendLocked(m *message[T], c *claim[T]) {
	if m.expires < c.expires {
		m.expires = c.expires + int64(c.grace)
		m.ttl = c.ttl + c.grace
		q.heap.fix(int(m.heapIdx), m.deadline())
	}
}

// leaveClaimLocked takes a held message out of its claim.
func (q *Queue[T]) leaveClaimLocked(m *message[T]) {
	q.pending.remove(m)
	q.leaveOnlyClaimLocked(m)
}

// leaveOnlyClaimLocked takes a held message out of its claim but not out
// of the pending index; a claim left empty turns into an emptyClaim.
func (q *Queue[T]) leaveOnlyClaimLocked(m *message[T]) {
	c := m.claim
	c.msgs[m.claimPos] = nil
	c.n--
	q.claimed--
	if c.n == 0 {
		q.emptiedLocked(c)
	}
}

// liveLocked reports whether id names a live claim, holding messages or
// not.
func (q *Queue[T]) liveLocked(id ClaimID) bool {
	_, ok := q.claims[id]
	return ok
}

func (q *Queue[T]) claimOptions(opts ClaimOptions) (limit int, ttl, grace time.Duration, err error) {
	l := &q.limits
	limit, ttl, grace = opts.Limit, opts.TTL, opts.Grace
	if limit == 0 {
		limit = l.DefaultClaimLimit
	}
	if ttl == 0 {
		ttl = l.DefaultClaimTTL
	}
	switch grace {
	case 0:
		grace = l.DefaultGrace
	case NoGrace:
		grace = 0
	}
	if err = checkCount("claim limit", limit, 1, l.MaxClaimLimit); err != nil {
		return
	}
	if err = checkDuration("claim ttl", ttl, l.MinClaimTTL, l.MaxClaimTTL); err != nil {
		return
	}
	err = checkDuration("claim grace", grace, l.MinGrace, l.MaxGrace)
	return
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
// claim's own struct is reused from finished claims).
func (q *Queue[T]) Claim(opts ClaimOptions) (Claim[T], error) {
	if err := q.usable(); err != nil {
		return Claim[T]{}, err
	}
	limit, ttl, grace, err := q.claimOptions(opts)
	if err != nil {
		return Claim[T]{}, err
	}
	now := q.lock()
	if q.closed {
		q.mu.Unlock()
		return Claim[T]{}, ErrClosed
	}
	c, dead := q.claimLocked(now, limit, ttl, grace, opts.ClientID)
	var out Claim[T]
	if c != nil {
		out = c.export(false)
	}
	q.mu.Unlock()
	q.deadLetter(now, dead)
	return out, nil
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

func (q *Queue[T]) newClaimLocked(now int64, ttl, grace time.Duration, client string) *claim[T] {
	c := q.allocClaimLocked()
	c.client, c.ttl, c.grace = client, ttl, grace
	c.renewed, c.expires, c.idleSince = now, now+int64(ttl), now
	c.msgs = c.inline[:0]
	q.claimSeq++
	c.seq = q.claimSeq
	// 128 random bits do not repeat in practice (2^-64 after 2^32
	// claims), so no lookup guards against a duplicate.
	for c.id.IsZero() {
		q.rng.Read(c.id[:])
	}
	q.claims[c.id] = claimEntry[T]{c: c}
	q.claimDue.push(claimDeadline{c.expires, c.id})
	q.deadlineAddedLocked(c.expires)
	return c
}

// ClaimWait is [Queue.Claim] that blocks until it can return at least one
// message, ctx ends or the queue is closed. It wakes when a message is
// posted, released, freed by an expired claim, or its delay ends; with a
// [FakeClock] the last two happen when the clock is moved past them.
//
// Errors: those of Claim, ctx.Err() when ctx ends, [ErrClosed] when the
// queue is closed while waiting.
func (q *Queue[T]) ClaimWait(ctx context.Context, opts ClaimOptions) (Claim[T], error) {
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
		if c != nil {
			out := c.export(false)
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

// wakeLocked wakes every ClaimWait: something may have become claimable.
func (q *Queue[T]) wakeLocked() {
	if q.wait != nil {
		close(q.wait)
		q.wait = nil
	}
}

// armTimerLocked makes sure a clock timer fires at the next deadline, so
// that waiters notice claims expiring and delays ending even when no other
// operation runs. Expiry itself never depends on the timer.
func (q *Queue[T]) armTimerLocked() {
	at := int64(math.MaxInt64)
	if len(q.heap) > 0 {
		at = q.heap[0].at
	}
	if len(q.claimDue) > 0 {
		at = min(at, q.claimDue[0].at)
	}
	if at == math.MaxInt64 {
		return
	}
	if q.timer != nil {
		if q.timerAt <= at {
			return
		}
		q.timer.Stop()
	}
	// The clock is read again: the operation's reading may be stale by
	// now, and AfterFunc counts from the clock's present.
	d := time.Duration(at - q.read())
	q.timerAt = at
	q.timerGen++
	gen := q.timerGen
	q.timer = q.clock.AfterFunc(d, func() { q.onTimer(gen) })
}

// deadlineAddedLocked re-arms the wake-up timer when a deadline earlier
// than the armed one appears while ClaimWait calls wait.
func (q *Queue[T]) deadlineAddedLocked(at int64) {
	if q.needTimerLocked() && (q.timer == nil || at < q.timerAt) {
		q.armTimerLocked()
	}
}

func (q *Queue[T]) onTimer(gen uint64) {
	q.lock()
	defer q.mu.Unlock()
	if gen != q.timerGen {
		return // a timer replaced after it had started to fire
	}
	q.timer = nil
	if q.needTimerLocked() {
		q.armTimerLocked()
	}
}

// needTimerLocked reports whether someone waits for a deadline: a
// ClaimWait for a message to become claimable (none once the queue is
// closed), or a Drain for the last message to expire.
func (q *Queue[T]) needTimerLocked() bool {
	return (q.waiters > 0 && !q.closed) || q.drainers > 0
}

// GetClaim returns the live claim id with the messages it still holds, in
// claim order; messages deleted since drop out, and a claim whose messages
// were all deleted still exists until it expires or is released.
//
// Errors: [ErrClaimNotFound] if the claim was released, expired or never
// existed. Cost: O(messages in the claim).
func (q *Queue[T]) GetClaim(id ClaimID) (Claim[T], error) {
	if err := q.usable(); err != nil {
		return Claim[T]{}, err
	}
	q.lock()
	defer q.mu.Unlock()
	e, ok := q.claims[id]
	if !ok {
		return Claim[T]{}, fmt.Errorf("%w: %v", ErrClaimNotFound, id)
	}
	return q.exportEntryLocked(id, e), nil
}

// exportEntryLocked copies out the live claim id stored as e.
func (q *Queue[T]) exportEntryLocked(id ClaimID, e claimEntry[T]) Claim[T] {
	if e.c != nil {
		return e.c.export(false)
	}
	return Claim[T]{ID: id, ClientID: e.empty.client, TTL: e.empty.ttl, Grace: e.empty.grace,
		Renewed: timeOf(e.empty.renewed), Expires: timeOf(e.expires()), Messages: []Message[T]{}}
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
	ttl, grace := opts.TTL, opts.Grace
	if ttl == 0 {
		ttl = q.limits.DefaultClaimTTL
	}
	switch grace {
	case 0:
		grace = q.limits.DefaultGrace
	case NoGrace:
		grace = 0
	}
	if err := checkDuration("claim ttl", ttl, q.limits.MinClaimTTL, q.limits.MaxClaimTTL); err != nil {
		return err
	}
	if err := checkDuration("claim grace", grace, 0, q.limits.MaxGrace); err != nil {
		return err
	}
	now := q.lock()
	defer q.mu.Unlock()
	e, ok := q.claims[id]
	if !ok {
		return fmt.Errorf("%w: %v", ErrClaimNotFound, id)
	}
	if c := e.c; c == nil {
		e.empty.ttl, e.empty.grace, e.empty.renewed = ttl, grace, now
		q.claims[id] = e
	} else {
		c.ttl, c.grace = ttl, grace
		c.renewed, c.expires, c.idleSince = now, now+int64(ttl), now
		for _, m := range c.msgs {
			if m != nil {
				q.extendLocked(m, c)
			}
		}
	}
	// The claim is updated first, so that a rebuild of the timetable
	// triggered by the stale entry sees its new expiry.
	q.claimDue.push(claimDeadline{now + int64(ttl), id})
	q.staleClaimDueLocked()
	q.deadlineAddedLocked(now + int64(ttl))
	return nil
}

// Release ends the live claim id: its messages become claimable at once,
// ahead of newer ones and in their original order. Lifetime extensions and
// claim counts stay.
//
// Errors: [ErrClaimNotFound] if the claim was released, expired or never
// existed (the HTTP front answers 204 all the same). Cost: O(m·log n) for m
// messages in the claim.
func (q *Queue[T]) Release(id ClaimID) error {
	if err := q.usable(); err != nil {
		return err
	}
	q.lock()
	defer q.mu.Unlock()
	e, ok := q.claims[id]
	if !ok {
		return fmt.Errorf("%w: %v", ErrClaimNotFound, id)
	}
	if c := e.c; c != nil {
		for _, m := range c.msgs {
			if m != nil {
				// A released message forgets its claim, so that a late
				// Delete with it is plain ErrNotClaimed, not the race,
				// and so that the claim's struct can be reused.
				m.claim = nil
			}
		}
		q.dropClaimLocked(c)
		q.recycleClaimLocked(c) // its messages forgot it
	}
	delete(q.claims, id)
	q.staleClaimDueLocked()
	return nil
}

// Complete is a worker's "done" for a whole claim: it deletes every
// message the live claim id still holds and ends the claim, in one call.
// Unlike a Delete of the last message, which leaves an empty claim alive
// until it expires, nothing of the claim remains. It returns how many
// messages it deleted.
//
// Errors: [ErrClaimNotFound] if the claim is not live (expired, released,
// completed or never existed), also matching [ErrClaimExpired]: whatever
// the worker did must be rolled back, as another worker may hold its
// messages now. Cost: O(m·log n) for m messages held, one clock read, no
// allocation.
func (q *Queue[T]) Complete(id ClaimID) (int, error) {
	if err := q.usable(); err != nil {
		return 0, err
	}
	q.lock()
	defer q.mu.Unlock()
	e, ok := q.claims[id]
	if !ok {
		return 0, fmt.Errorf("%w: %v", errClaimGone, id)
	}
	n := 0
	if c := e.c; c != nil {
		for _, m := range c.msgs {
			if m != nil {
				q.pending.remove(m)
				q.forgetLocked(m)
				n++
			}
		}
		q.claimed -= n
		q.recycleClaimLocked(c)
	}
	delete(q.claims, id)
	q.staleClaimDueLocked()
	return n, nil
}

// Claims returns an iterator over the live claims in the order they were
// created, each with the messages it holds (as [Queue.GetClaim] returns
// them).
//
// The set of claims is the live ones when the loop starts; their state is
// copied under the lock in chunks of 64 and yielded with the lock
// released, so the loop body may call the queue. Each chunk is a snapshot
// at one instant: a claim that ends before its chunk is read is skipped,
// one created during the loop is not yielded. Cost: O(c) for c live
// claims to start, then O(m) per claim for its m messages.
func (q *Queue[T]) Claims() iter.Seq[Claim[T]] {
	return func(yield func(Claim[T]) bool) {
		if q.usable() != nil {
			return
		}
		q.lock()
		order := make([]claimOrder, 0, len(q.claims))
		for id, e := range q.claims {
			order = append(order, claimOrder{e.seq(), id})
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
		if e, ok := q.claims[o.id]; ok && e.seq() == o.seq {
			out = append(out, q.exportEntryLocked(o.id, e))
		}
	}
	return out
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
// Limits.MaxDelay; [ErrClaimNotFound] when claim is not live (also
// matching [ErrClaimExpired], since the claim may have ended and another
// worker may hold the messages); for an ID, those of [Queue.Delete] with
// a claim: [ErrMessageNotFound], [ErrNotClaimed] or [ErrClaimedByOther].
// Cost: O(k·log n) for k IDs; no allocation on success for up to 32 IDs.
func (q *Queue[T]) Retry(claim ClaimID, delay time.Duration, ids ...MessageID) error {
	if err := q.usable(); err != nil {
		return err
	}
	if err := checkDuration("retry delay", delay, 0, q.limits.MaxDelay); err != nil {
		return err
	}
	now := q.lock()
	defer q.mu.Unlock()
	if !q.liveLocked(claim) {
		return fmt.Errorf("%w: %v", errClaimGone, claim)
	}
	var buf [32]*message[T]
	found := buf[:0]
	for _, id := range ids {
		m := q.lookupLocked(id)
		if m == nil {
			return fmt.Errorf("%w: %v", ErrMessageNotFound, id)
		}
		if err := q.deletableLocked(m, claim); err != nil {
			return err
		}
		found = append(found, m)
	}
	woken := false
	for _, m := range found {
		if !m.held() {
			continue // listed twice
		}
		c := m.claim
		q.pending.remove(m)
		c.msgs[m.claimPos] = nil
		c.n--
		q.claimed--
		m.claim = nil // as after Release: a later Delete with the claim is plain ErrNotClaimed
		if c.n == 0 {
			delete(q.claims, c.id)
			q.staleClaimDueLocked()
			q.recycleClaimLocked(c)
		}
		if delay == 0 {
			q.claimable.insert(m)
			woken = true
			continue
		}
		m.delay, m.delayed = now+int64(delay), true
		q.delayed++
		q.heap.fix(int(m.heapIdx), m.deadline())
		q.deadlineAddedLocked(m.delay)
	}
	if woken {
		q.wakeLocked()
	}
	return nil
}
