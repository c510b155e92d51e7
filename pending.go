package claimq

import (
	"fmt"
	"math"
	"time"
)

// The pending family: see "Pending entries" in the package documentation
// for the model and how it differs from Redis Streams.

// PendingOptions selects the entries listed by [Queue.Pending], as the
// arguments of the extended form of XPENDING do.
type PendingOptions struct {
	// Start and End bound the message IDs listed, both inclusive (XPENDING
	// start and end). A zero Start means the lowest ID ("-"), a zero End
	// the highest ("+").
	Start, End MessageID
	// Consumer, when not empty, lists only the messages held by claims
	// whose ClientID it is (XPENDING consumer).
	Consumer string
	// MinIdle lists only the messages idle for at least this long
	// (XPENDING IDLE); zero or negative lists all.
	MinIdle time.Duration
	// Count is the most entries listed (XPENDING count). It is required:
	// zero or negative lists nothing.
	Count int
}

// PendingEntry describes one message held by a live claim; see
// [Queue.Pending].
type PendingEntry struct {
	MessageID MessageID
	ClaimID   ClaimID
	// Consumer is the ClientID of the claim holding the message.
	Consumer string
	// Idle is the time since the message was last delivered (by Claim,
	// Reclaim or AutoClaim) or its claim renewed, or as set by
	// ReclaimOptions.Idle or Time.
	Idle time.Duration
	// ClaimCount is the number of deliveries (Redis: delivery count), as
	// in [Message].ClaimCount.
	ClaimCount int
}

// PendingSummary is the summary form of XPENDING; see
// [Queue.PendingSummary].
type PendingSummary struct {
	Count   int       // messages held by live claims
	Lowest  MessageID // lowest pending ID; zero when Count is 0
	Highest MessageID // highest pending ID; zero when Count is 0
	// Consumers maps each ClientID that holds messages (the empty
	// ClientID included) to how many it holds; nil when Count is 0.
	Consumers map[string]int
}

// ReclaimOptions are the arguments of [Queue.Reclaim], the options of
// XCLAIM. TTL, Grace and ClientID describe the new claim as in
// [ClaimOptions].
type ReclaimOptions struct {
	// MinIdle takes only messages idle for at least this long (XCLAIM
	// min-idle-time); it must not be negative. With MinIdle 0 every listed
	// pending message is taken, so two Reclaims of one message both get
	// it, one after the other, as in Redis.
	MinIdle time.Duration
	// TTL and Grace are the new claim's, validated and defaulted as in
	// ClaimOptions; lifetime extension applies to the messages taken.
	TTL, Grace time.Duration
	// ClientID names the consumer that owns the new claim.
	ClientID string
	// Idle, when positive, sets the idle time of the messages taken
	// instead of resetting it to zero (XCLAIM IDLE); it must lie between
	// 0 and 100 years.
	Idle time.Duration
	// Time, when not zero, sets the last delivery time of the messages
	// taken instead of resetting it to now (XCLAIM TIME); a time after now
	// counts as now, and one more than 100 years back as 100 years back.
	// Time and Idle cannot both be set.
	Time time.Time
	// RetryCount, when positive, sets the delivery count of the messages
	// taken instead of incrementing it (XCLAIM RETRYCOUNT);
	// ZeroRetryCount sets it to zero. Other negative values are invalid.
	RetryCount int
	// Force also takes listed messages that are claimable: not held by a
	// live claim, not delayed (XCLAIM FORCE). MinIdle does not apply to
	// them, as nobody holds them.
	Force bool
	// JustID leaves the delivery count unchanged and returns the messages
	// with their IDs only, every other field zero (XCLAIM JUSTID).
	JustID bool
}

// ZeroRetryCount in ReclaimOptions.RetryCount sets the delivery count of
// the messages taken to zero, which the zero RetryCount, meaning "not
// set", cannot say.
const ZeroRetryCount = -1

// AutoClaimOptions are the arguments of [Queue.AutoClaim], the options of
// XAUTOCLAIM. MinIdle, TTL, Grace, ClientID and JustID mean what they mean
// in [ReclaimOptions].
type AutoClaimOptions struct {
	MinIdle    time.Duration // XAUTOCLAIM min-idle-time
	TTL, Grace time.Duration
	ClientID   string
	// Count is the most messages taken (XAUTOCLAIM COUNT): 0 means
	// DefaultAutoClaimCount; it must not be negative. A call looks at no
	// more than 10·Count entries, as in Redis, so that its cost stays
	// bounded when few entries are idle enough.
	Count  int
	JustID bool // XAUTOCLAIM JUSTID
}

// DefaultAutoClaimCount is the Count of an AutoClaim that leaves it zero,
// Redis's default.
const DefaultAutoClaimCount = 100

// maxIdle bounds ReclaimOptions.Idle so that idle times cannot overflow.
const maxIdle = 100 * 365 * 24 * time.Hour

// autoClaimScan is how many entries AutoClaim looks at per message it may
// take, Redis's attempts factor.
const autoClaimScan = 10

// Pending lists the messages held by live claims in ID order, filtered as
// opts says, at most opts.Count of them; it is XPENDING's extended form.
// Cost: O(log p + s) for p pending messages and s entries looked at,
// filtered ones included; never proportional to the queue's length.
func (q *Queue[T]) Pending(opts PendingOptions) []PendingEntry {
	if q.usable() != nil || opts.Count <= 0 {
		return nil
	}
	now := q.lock()
	defer q.mu.Unlock()
	if q.pending.len() == 0 {
		return nil
	}
	out := make([]PendingEntry, 0, min(opts.Count, q.pending.len()))
	q.pending.ascend(opts.Start, &q.probe, func(m *message[T]) bool {
		if opts.End != 0 && m.id > opts.End {
			return false
		}
		idle := time.Duration(now - m.claim.idleSince)
		if (opts.Consumer == "" || m.claim.client == opts.Consumer) && idle >= opts.MinIdle {
			out = append(out, PendingEntry{
				MessageID:  m.id,
				ClaimID:    m.claim.id,
				Consumer:   m.claim.client,
				Idle:       idle,
				ClaimCount: int(m.claimCount),
			})
		}
		return len(out) < opts.Count
	})
	return out
}

// PendingSummary counts the messages held by live claims, gives the lowest
// and highest of their IDs and how many each consumer holds; it is
// XPENDING's summary form. Cost: O(log p + c) for p pending messages and c
// live claims.
func (q *Queue[T]) PendingSummary() PendingSummary {
	if q.usable() != nil {
		return PendingSummary{}
	}
	q.lock()
	defer q.mu.Unlock()
	s := PendingSummary{Count: q.pending.len()}
	if s.Count == 0 {
		return s
	}
	lo, _ := q.pending.min()
	hi, _ := q.pending.max()
	s.Lowest, s.Highest = lo.id, hi.id
	// Walking the claims, not the messages, keeps this independent of
	// how many messages are pending.
	s.Consumers = make(map[string]int)
	for _, c := range q.claims {
		s.Consumers[c.client] += c.n
	}
	return s
}

// Reclaim is XCLAIM: it moves each listed message that is pending with an
// idle time of at least opts.MinIdle (and, with opts.Force, each listed
// claimable one) into one new claim owned by opts.ClientID for opts.TTL,
// and returns that claim. The claim lists the messages in the order of
// ids. A message taken from another claim leaves it, and Delete with that
// claim then fails with [ErrClaimedByOther]; a claim left empty ends. Each
// message taken has its idle time reset and its delivery count
// incremented, unless opts says
// otherwise (see [ReclaimOptions]). Options.MaxClaimCount is not applied
// here: the caller sees the delivery count and decides, and Claim still
// dead-letters the message if it is released or its claim expires.
//
// IDs that do not exist, have expired or been deleted, are delayed, are
// not idle enough, or are listed twice are skipped silently: the claim may
// hold fewer messages than asked, and when it would hold none Reclaim
// returns the zero Claim and no error. Two Reclaims of one message with
// MinIdle > 0 cannot both take it: the first resets its idle time (unless
// it sets Idle or Time to an idle time of at least the second's MinIdle,
// as XCLAIM's IDLE allows).
//
// Unlike Redis, the new claim expires by its TTL like any other, and its
// messages become claimable again then.
//
// Errors: [ErrInvalid] for a TTL or grace outside the limits (a
// [*LimitError]), a negative MinIdle, an Idle out of range, a negative
// RetryCount other than ZeroRetryCount, or both Idle and Time set;
// [ErrClosed] after Close. Cost: O(k·log n) for k IDs; one allocation for the result, and one
// for the claim's list of messages beyond 10.
func (q *Queue[T]) Reclaim(ids []MessageID, opts ReclaimOptions) (Claim[T], error) {
	if err := q.usable(); err != nil {
		return Claim[T]{}, err
	}
	ttl, grace, err := q.reclaimOptions(opts.TTL, opts.Grace, opts.MinIdle)
	if err != nil {
		return Claim[T]{}, err
	}
	if err := checkDuration("reclaim idle", opts.Idle, 0, maxIdle); err != nil {
		return Claim[T]{}, err
	}
	if err := checkCount("reclaim retry count", opts.RetryCount, ZeroRetryCount, math.MaxInt32); err != nil {
		return Claim[T]{}, err
	}
	if opts.Idle != 0 && !opts.Time.IsZero() {
		return Claim[T]{}, fmt.Errorf("%w: reclaim: Idle and Time both set", ErrInvalid)
	}
	now := q.lock()
	defer q.mu.Unlock()
	if q.closed {
		return Claim[T]{}, ErrClosed
	}
	idle := opts.Idle
	if !opts.Time.IsZero() {
		idle = min(max(timeOf(now).Sub(opts.Time), 0), maxIdle)
	}
	var c *claim[T]
	for _, id := range ids {
		m := q.lookupLocked(id)
		switch {
		case m == nil:
			continue
		case m.held():
			if m.claim == c || now-m.claim.idleSince < int64(opts.MinIdle) {
				continue
			}
			q.leaveClaimLocked(m) // stays pending
		case opts.Force && !m.delayed():
			q.claimable.remove(m)
			q.pending.insert(m)
		default:
			continue
		}
		if c == nil {
			c = q.newClaimLocked(now, ttl, grace, opts.ClientID)
		}
		q.takeLocked(c, m, now, idle, opts.RetryCount, opts.JustID)
	}
	if c == nil {
		return Claim[T]{}, nil
	}
	return c.export(opts.JustID), nil
}

// AutoClaim is XAUTOCLAIM: it looks at the pending messages from start
// (inclusive) in ID order and takes up to opts.Count of those idle for at
// least opts.MinIdle into one new claim, as [Queue.Reclaim] would. It
// returns that claim (the zero Claim if it took none) and the ID to pass
// as start to continue the scan, zero once the scan has reached the end.
// A zero start begins with the lowest pending ID. One scan from zero to
// zero never returns a message twice, since the messages it takes stay
// pending behind the cursor.
//
// As with Reclaim, messages leave the claims that held them, their idle
// time is reset and their delivery count incremented (unchanged with
// JustID), claims expire by their TTL unlike Redis entries, and deleted
// messages are simply no longer pending: there is no list of deleted IDs.
//
// Errors: [ErrInvalid] for a TTL or grace outside the limits (a
// [*LimitError]) or a negative MinIdle or Count; [ErrClosed] after Close.
// Cost: O(log p + s + k·log n) for p pending messages, s ≤ 10·Count
// entries looked at and k messages taken, whatever the queue's length.
func (q *Queue[T]) AutoClaim(start MessageID, opts AutoClaimOptions) (Claim[T], MessageID, error) {
	if err := q.usable(); err != nil {
		return Claim[T]{}, 0, err
	}
	ttl, grace, err := q.reclaimOptions(opts.TTL, opts.Grace, opts.MinIdle)
	if err != nil {
		return Claim[T]{}, 0, err
	}
	count := opts.Count
	if count == 0 {
		count = DefaultAutoClaimCount
	}
	if err := checkCount("autoclaim count", count, 1, math.MaxInt/autoClaimScan); err != nil {
		return Claim[T]{}, 0, err
	}
	now := q.lock()
	defer q.mu.Unlock()
	if q.closed {
		return Claim[T]{}, 0, ErrClosed
	}
	// The index cannot change while it is walked, and taking a message
	// takes it out of its claim, which may end and free its messages, so
	// collect first.
	batch := make([]*message[T], 0, min(count, q.pending.len()))
	var next MessageID
	looked := 0
	q.pending.ascend(start, &q.probe, func(m *message[T]) bool {
		if len(batch) == count || looked == autoClaimScan*count {
			next = m.id
			return false
		}
		looked++
		if now-m.claim.idleSince >= int64(opts.MinIdle) {
			batch = append(batch, m)
		}
		return true
	})
	if len(batch) == 0 {
		return Claim[T]{}, next, nil
	}
	c := q.newClaimLocked(now, ttl, grace, opts.ClientID)
	if len(batch) > cap(c.msgs) {
		c.msgs = make([]*message[T], 0, len(batch))
	}
	for _, m := range batch {
		q.leaveClaimLocked(m) // stays pending
		q.takeLocked(c, m, now, 0, 0, opts.JustID)
	}
	return c.export(opts.JustID), next, nil
}

// reclaimOptions validates the claim options of Reclaim and AutoClaim as
// Claim does; they have no Limit.
func (q *Queue[T]) reclaimOptions(ttl, grace, minIdle time.Duration) (time.Duration, time.Duration, error) {
	ttl, grace, err := q.claimDurations(ttl, grace, q.limits.MinGrace)
	if err != nil {
		return 0, 0, err
	}
	if err := checkDuration("min idle", minIdle, 0, math.MaxInt64); err != nil {
		return 0, 0, err
	}
	return ttl, grace, nil
}

// takeLocked puts m, which is in the pending index but in no claim, in c
// as Reclaim does: a delivery, idle since now, unless idle or retryCount
// (as in ReclaimOptions) or justID say otherwise. Idle times belong to the
// claim, since everything that sets them sets them for a whole claim.
func (q *Queue[T]) takeLocked(c *claim[T], m *message[T], now int64, idle time.Duration, retryCount int, justID bool) {
	count := m.claimCount
	q.addLocked(c, m)
	switch {
	case retryCount > 0:
		m.claimCount = int32(retryCount)
	case retryCount == ZeroRetryCount:
		m.claimCount = 0
	case justID:
		m.claimCount = count
	}
	c.idleSince = now - int64(idle)
}
