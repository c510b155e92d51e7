package claimq

import (
	"context"
	"fmt"
	"iter"
	"math"
	"sync"
	"time"
)

// Options configures a [Queue]. T is the queue's body type, needed for
// DeadLetter. The zero Options gives [DefaultLimits] (any positive
// duration, Zaqar's defaults) and the system clock.
type Options[T any] struct {
	// Clock is the queue's source of time; nil means SystemClock.
	Clock Clock
	// Limits bounds the arguments callers may pass; the zero Limits
	// means DefaultLimits().
	Limits Limits
	// DefaultTTL is the TTL of a message posted without one, within the
	// limits' message TTL range; 0 means Limits.DefaultMessageTTL.
	DefaultTTL time.Duration
	// DefaultDelay is the delay of a message posted without one, at most
	// Limits.MaxDelay; 0 means none.
	DefaultDelay time.Duration
	// MaxClaimCount, when positive, caps deliveries: a message already
	// claimed this many times is moved to DeadLetter by the claim that
	// would take it next.
	MaxClaimCount int
	// DeadLetter receives the messages moved by MaxClaimCount with their
	// ID, body, client and creation time, unclaimed, undelayed and with a
	// claim count of zero, as Zaqar moves them. The move is never refused:
	// a dead-letter queue that is closed or full (MaxMessages) takes the
	// message all the same and counts it in its Stats.OverLimit. nil means
	// the messages are dropped and counted in Stats.Dropped.
	DeadLetter *Queue[T]
	// DeadLetterTTL is the TTL of a dead-lettered message; 0 keeps the
	// time it had left.
	DeadLetterTTL time.Duration
	// MaxMessages, when positive, is the most messages the queue holds:
	// a Post beyond it fails with ErrQueueFull.
	MaxMessages int
}

// Queue is a claim queue of messages with bodies of type T: producers post
// messages with a TTL, consumers claim batches of them for a TTL, delete
// each one with the claim when done, and renew or release the claim.
// See the package documentation for the model.
//
// A Queue is safe for concurrent use; one mutex guards it, and no user
// code runs while it is held but the Clock's AfterFunc and Timer.Stop.
// Time comes from Options.Clock, read once per operation, and must lie
// between the years 1678 and 2262 (int64 nanoseconds); a clock that steps
// back is ignored until it passes the latest time the queue has seen.
// The zero Queue is not usable: use [New]. Every method of a nil or zero
// Queue returns an error matching [ErrInvalid] or a zero result.
type Queue[T any] struct {
	mu sync.Mutex // guards the fields below

	opts Options[T]
	// limits and clock are opts.Limits and opts.Clock, which SetOptions
	// cannot change, kept apart so that they are read without the lock.
	limits Limits
	clock  Clock
	// base is New's reading of a SystemClock; later readings add the
	// monotonic time since, which costs one clock call instead of two and
	// never steps with the wall clock. Zero for other clocks.
	base time.Time

	// messages holds every live message by ID; claimable holds the ones
	// Claim may take (not delayed, not held), so Claim never looks at a
	// held message; pending holds the held ones, so that the pending
	// family never looks at a free one. Their expiry and delays are in
	// lanes, late and delays (see expiry.go).
	messages   seqIndex[T]
	claimable  seqIndex[T]
	pending    seqIndex[T]
	lanes      [maxLanes]lane[T]
	late       heap4[*message[T]]    // by expires, m.heapIdx
	delays     heap4[*message[T]]    // by delay, m.delayIdx
	claims     map[ClaimID]*claim[T] // live claims, each holding at least one message
	claimDue   heap4[*claim[T]]      // the live claims by expires, c.dueIdx
	claimIDs   claimIDs
	freeMsgs   []*message[T]
	freeClaims []*claim[T]
	block      []message[T] // fresh messages not handed out yet
	blockLen   int          // length of the last block allocated
	probe      message[T]   // search key for the trees, reused under the lock

	last      int64 // latest clock reading, in Unix nanoseconds
	expired   int64
	deadLtrs  int64
	dropped   int64
	overLimit int64
	ids       []MessageID // carved into Post results, one allocation per many posts

	wait     chan struct{} // closed to wake ClaimWait; nil when nobody waits
	waiters  int
	timer    Timer
	timerAt  int64
	timerGen uint64 // tells the armed timer from ones replaced while firing
	closed   bool

	drained  chan struct{} // closed when the last message leaves; nil when nobody drains
	drainers int
}

// btreeDegree trades node size against depth; see bench_test.go.
const btreeDegree = 32

// New returns an empty queue configured by opts. It panics if opts.Limits
// is inconsistent (see [Limits.Validate]) or opts.DefaultTTL or
// opts.DefaultDelay lie outside it, as these are programming errors.
func New[T any](opts Options[T]) *Queue[T] {
	if opts.Clock == nil {
		opts.Clock = SystemClock{}
	}
	if opts.Limits == (Limits{}) {
		opts.Limits = DefaultLimits()
	}
	if err := opts.check(); err != nil {
		panic(err)
	}
	var base time.Time
	if _, ok := opts.Clock.(SystemClock); ok {
		base = time.Now()
	}
	q := &Queue[T]{
		base:      base,
		opts:      opts,
		limits:    opts.Limits,
		clock:     opts.Clock,
		messages:  newSeqIndex[T](slotAll),
		claimable: newSeqIndex[T](slotState),
		pending:   newSeqIndex[T](slotState),
		late:      heap4[*message[T]]{moved: func(m *message[T], i int) { m.heapIdx = int32(i) }},
		delays:    heap4[*message[T]]{moved: func(m *message[T], i int) { m.delayIdx = int32(i) }},
		claimDue:  heap4[*claim[T]]{moved: func(c *claim[T], i int) { c.dueIdx = i }},
		claims:    make(map[ClaimID]*claim[T]),
		claimIDs:  newClaimIDs(),
		last:      math.MinInt64, // any first reading is ahead of it, even before 1970
	}
	for i := range q.lanes {
		q.lanes[i].msgs = newSeqIndex[T](slotLane)
	}
	return q
}

func (o *Options[T]) check() error {
	if err := o.Limits.Validate(); err != nil {
		return err
	}
	l := &o.Limits
	if o.DefaultTTL != 0 {
		if err := checkDuration("default message ttl", o.DefaultTTL, l.MinMessageTTL, l.MaxMessageTTL); err != nil {
			return err
		}
	}
	if err := checkDuration("dead-letter ttl", o.DeadLetterTTL, 0, l.MaxMessageTTL); err != nil {
		return err
	}
	return checkDuration("default message delay", o.DefaultDelay, 0, l.MaxDelay)
}

// SetOptions changes the queue's options for the operations that follow,
// as a PATCH of Zaqar queue metadata does: messages already posted keep
// their TTL and delay. Clock and Limits cannot change and are ignored.
//
// Errors: [ErrInvalid] if DefaultTTL or DefaultDelay lie outside the
// limits; nothing changes then.
func (q *Queue[T]) SetOptions(opts Options[T]) error {
	if err := q.usable(); err != nil {
		return err
	}
	opts.Clock, opts.Limits = q.clock, q.limits
	if err := opts.check(); err != nil {
		return err
	}
	q.mu.Lock()
	q.opts = opts
	q.mu.Unlock()
	return nil
}

// Options returns the queue's current options.
func (q *Queue[T]) Options() Options[T] {
	if q.usable() != nil {
		return Options[T]{}
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.opts
}

var errUnusable = fmt.Errorf("%w: nil or zero Queue: use New", ErrInvalid)

func (q *Queue[T]) usable() error {
	if q == nil || q.clock == nil {
		return errUnusable
	}
	return nil
}

// lock reads the clock, takes the lock and brings the queue up to date.
// The clock is read first so that a slow clock does not lengthen the
// critical section.
func (q *Queue[T]) lock() int64 {
	now := q.read()
	q.mu.Lock()
	if now < q.last {
		now = q.last
	} else {
		q.last = now
	}
	q.expireLocked(now)
	return now
}

// read returns the clock's time in Unix nanoseconds.
func (q *Queue[T]) read() int64 {
	if q.base.IsZero() {
		return q.clock.Now().UnixNano()
	}
	return q.base.UnixNano() + int64(time.Since(q.base))
}

// lookupLocked returns the live message id, or nil.
func (q *Queue[T]) lookupLocked(id MessageID) *message[T] {
	return q.messages.find(id, &q.probe)
}

// removeLocked deletes m from every structure and clears it, so that
// neither its body nor its claim stays reachable.
func (q *Queue[T]) removeLocked(m *message[T]) {
	switch {
	case m.held():
		q.pending.remove(m)
		q.leaveClaimLocked(m)
	case m.delayed():
	default:
		q.claimable.remove(m)
	}
	q.forgetLocked(m)
}

// forgetLocked takes m, already out of the claimable and pending indexes
// and of its claim, out of the index of all messages and the timetable,
// and recycles it.
func (q *Queue[T]) forgetLocked(m *message[T]) {
	q.messages.remove(m)
	q.unscheduleLocked(m)
	q.recycleMessageLocked(m)
	if q.drained != nil && q.messages.len() == 0 {
		q.emptiedQueueLocked()
	}
}

// Post adds msgs to the queue and returns their IDs in input order. The
// batch is all-or-nothing: every message is checked first and all become
// visible together, or none is posted.
//
// Errors: [ErrInvalid] for an empty batch or a TTL or delay outside the
// limits (a [*LimitError]), [ErrQueueFull] beyond Options.MaxMessages,
// [ErrClosed] after Close. Cost: O(k) amortized for k messages, whatever
// the backlog; at most one allocation for the batch (the returned slice is
// carved from a shared block, the messages reuse deleted ones).
func (q *Queue[T]) Post(msgs ...Post[T]) ([]MessageID, error) {
	if err := q.usable(); err != nil {
		return nil, err
	}
	if len(msgs) == 0 {
		return nil, fmt.Errorf("%w: no messages to post", ErrInvalid)
	}
	l := &q.limits
	for i := range msgs {
		p := &msgs[i]
		if p.TTL != 0 {
			if err := checkDuration("message ttl", p.TTL, l.MinMessageTTL, l.MaxMessageTTL); err != nil {
				return nil, err
			}
		}
		if p.Delay != 0 && p.Delay != NoDelay {
			if err := checkDuration("message delay", p.Delay, 0, l.MaxDelay); err != nil {
				return nil, err
			}
		}
	}
	now := q.lock()
	defer q.mu.Unlock()
	if q.closed {
		return nil, ErrClosed
	}
	defTTL := q.opts.DefaultTTL
	if defTTL == 0 {
		defTTL = l.DefaultMessageTTL
	}
	if q.opts.MaxMessages > 0 && q.messages.len()+len(msgs) > q.opts.MaxMessages {
		return nil, fmt.Errorf("%w: %d messages held, %d posted, at most %d",
			ErrQueueFull, q.messages.len(), len(msgs), q.opts.MaxMessages)
	}
	ids := q.idsLocked(len(msgs))
	first := MessageID(lastMessageID.Add(uint64(len(msgs))) - uint64(len(msgs)) + 1)
	woken := false
	delayEnd := int64(math.MaxInt64)
	for i := range msgs {
		p, m := &msgs[i], q.allocMessageLocked(len(msgs)-i)
		ttl := p.TTL
		if ttl == 0 {
			ttl = defTTL
		}
		delay := p.Delay
		switch delay {
		case 0:
			delay = q.opts.DefaultDelay
		case NoDelay:
			delay = 0
		}
		initMessage(m, first+MessageID(i), p.Body, p.ClientID, now, now+int64(ttl), ttl)
		// Scheduled before it joins the index of all messages, so that
		// looking for lane 0's first does not pass it while its lane is
		// not set.
		q.scheduleLocked(m, true)
		q.messages.insert(m)
		if delay > 0 {
			m.delay = now + int64(delay)
			q.delays.push(m.delay, m)
			delayEnd = min(delayEnd, m.delay)
		} else {
			q.claimable.insert(m)
			woken = true
		}
		ids[i] = m.id
	}
	if woken {
		q.wakeLocked()
	}
	q.deadlineAddedLocked(delayEnd)
	return ids, nil
}

// idsLocked carves n IDs from the shared block, allocating a new block
// when it runs out. Blocks double from 8 to 512 IDs, so that a queue
// posted to once costs 64 bytes, not 4 KiB, and a busy one allocates once
// per 512 IDs.
func (q *Queue[T]) idsLocked(n int) []MessageID {
	if cap(q.ids)-len(q.ids) < n {
		q.ids = make([]MessageID, 0, max(min(2*cap(q.ids), 512), 8, n))
	}
	start := len(q.ids)
	q.ids = q.ids[:start+n]
	return q.ids[start : start+n : start+n]
}

// postDead adds dead-lettered messages with their IDs and creation times,
// bypassing the limits (their remaining TTL may be below the minimum of a
// fresh post), Close and MaxMessages: a move that nobody can refuse loses
// no message. IDs are unique across queues, so an ID never collides; it
// may lie below the queue's newest, which the indexes take in O(log n).
func (q *Queue[T]) postDead(dead []deadMessage[T]) {
	now := q.lock()
	defer q.mu.Unlock()
	for i, d := range dead {
		if q.opts.MaxMessages > 0 && q.messages.len() >= q.opts.MaxMessages {
			q.overLimit++
		}
		m := q.allocMessageLocked(len(dead) - i)
		initMessage(m, d.id, d.body, d.client, d.created, max(d.expires, now+1), d.ttl)
		q.messages.insert(m)
		q.scheduleLocked(m, false)
		q.claimable.insert(m)
	}
	q.wakeLocked()
	q.deadlineAddedLocked(math.MaxInt64)
}

// deadMessage is a message on its way to the dead-letter queue.
type deadMessage[T any] struct {
	id      MessageID
	body    T
	client  string
	created int64
	expires int64
	ttl     time.Duration
}

// deadLetter moves messages taken out by a claim to Options.DeadLetter.
// It runs after the source queue's lock is released, so that two queues
// that dead-letter into each other cannot deadlock.
func (q *Queue[T]) deadLetter(now int64, dead []deadMessage[T]) {
	if len(dead) == 0 {
		return
	}
	q.mu.Lock()
	dlq, ttl := q.opts.DeadLetter, q.opts.DeadLetterTTL
	q.deadLtrs += int64(len(dead))
	if dlq == nil {
		q.dropped += int64(len(dead))
	}
	q.mu.Unlock()
	if dlq == nil {
		return
	}
	if ttl > 0 {
		for i := range dead {
			dead[i].ttl, dead[i].expires = ttl, now+int64(ttl)
		}
	}
	dlq.postDead(dead)
}

// Get returns the message id, whether claimed or delayed.
//
// Errors: [ErrMessageNotFound] if it expired, was deleted or never
// existed. Cost: O(log n).
func (q *Queue[T]) Get(id MessageID) (Message[T], error) {
	if err := q.usable(); err != nil {
		return Message[T]{}, err
	}
	q.lock()
	defer q.mu.Unlock()
	m := q.lookupLocked(id)
	if m == nil {
		return Message[T]{}, fmt.Errorf("%w: %v", ErrMessageNotFound, id)
	}
	return m.export(), nil
}

// GetMany returns the live messages among ids, in the order given;
// unknown, expired and deleted IDs are skipped. Cost: O(k·log n).
func (q *Queue[T]) GetMany(ids ...MessageID) []Message[T] {
	if q.usable() != nil {
		return nil
	}
	q.lock()
	defer q.mu.Unlock()
	var out []Message[T]
	for _, id := range ids {
		if m := q.lookupLocked(id); m != nil {
			out = append(out, m.export())
		}
	}
	return out
}

// List returns up to opts.Limit messages after opts.Marker, oldest first,
// filtered as opts says. next is the ID of the last message returned when
// the page is full, to pass as the next Marker, and zero when the listing
// is done. Cost: O(log n + s) for s messages looked at, filtered ones
// included.
func (q *Queue[T]) List(opts ListOptions) (msgs []Message[T], next MessageID) {
	if q.usable() != nil {
		return nil, 0
	}
	limit := opts.Limit
	if limit <= 0 {
		limit = q.limits.DefaultListLimit
	}
	limit = min(limit, q.limits.MaxListLimit)
	if opts.Marker == math.MaxUint64 {
		return nil, 0 // nothing comes after the last possible ID
	}
	q.lock()
	defer q.mu.Unlock()
	q.messages.ascend(opts.Marker+1, &q.probe, func(m *message[T]) bool {
		switch {
		case !opts.Echo && opts.ClientID != "" && m.client == opts.ClientID:
		case !opts.IncludeClaimed && m.held():
		case !opts.IncludeDelayed && m.delayed():
		default:
			msgs = append(msgs, m.export())
		}
		return len(msgs) < limit
	})
	if len(msgs) == limit {
		next = msgs[len(msgs)-1].ID
	}
	return msgs, next
}

// Delete removes message id. Without a claim (the zero ClaimID) it
// succeeds unless a live claim holds the message; with a claim it succeeds
// only if that claim is live and holds the message. Once a claim ends
// anyone may delete its messages without a claim.
//
// Errors: [ErrMessageNotFound] if the message expired, was deleted or
// never existed; [ErrMessageClaimed] without a claim on a held message;
// [ErrClaimedByOther] when another live claim holds it; [ErrNotClaimed]
// when no live claim holds it. With a claim the queue issued that has
// ended, each of these also matches [ErrClaimExpired], the one signal a
// worker needs: its claim ran out, someone else may have (or have
// finished) the message, roll back. With a claim it never issued, they
// also match [ErrClaimNotFound]. Cost: O(log n), no allocation on success.
func (q *Queue[T]) Delete(id MessageID, claim ClaimID) error {
	if err := q.usable(); err != nil {
		return err
	}
	q.lock()
	defer q.mu.Unlock()
	m := q.lookupLocked(id)
	if err := q.deletableLocked(m, id, claim); err != nil {
		return err
	}
	q.removeLocked(m)
	return nil
}

// deletableLocked applies Delete's rules to message id, found as m (nil if
// it is not live), and claim.
func (q *Queue[T]) deletableLocked(m *message[T], id MessageID, claim ClaimID) error {
	if claim.IsZero() {
		switch {
		case m == nil:
			return fmt.Errorf("%w: %v", ErrMessageNotFound, id)
		case m.held():
			return fmt.Errorf("%w: %v", ErrMessageClaimed, id)
		}
		return nil
	}
	if m != nil && m.held() && m.claim.id == claim {
		return nil
	}
	var err error
	switch {
	case m == nil:
		err = ErrMessageNotFound
	case m.held():
		err = ErrClaimedByOther
	default:
		err = ErrNotClaimed
	}
	switch {
	case q.claims[claim] != nil:
		return fmt.Errorf("%w: message %v, claim %v", err, id, claim)
	case q.claimIDs.issued(claim):
		return fmt.Errorf("%w: %w: message %v, claim %v", err, ErrClaimExpired, id, claim)
	}
	return fmt.Errorf("%w: %w: message %v, claim %v", err, ErrClaimNotFound, id, claim)
}

// DeleteClaimed deletes the listed messages, each of which the live claim
// must hold: a worker's acknowledgement of the batch it handled, in one
// call (Zaqar's bulk delete with claim_ids). It is all-or-nothing: if Delete
// would refuse any listed message, DeleteClaimed deletes none and returns
// that error. Messages already gone are skipped, as Delete's
// ErrMessageNotFound is harmless to a worker whose claim is live. It
// returns how many it deleted.
//
// Errors: [ErrInvalid] for the zero claim; [ErrClaimNotFound] when claim
// is not live, also matching [ErrClaimExpired] when the queue issued it,
// whether or not the messages still exist; otherwise those of
// [Queue.Delete] with a live claim. Cost: O(k·log n) for k IDs, one clock
// read and one lock for the whole batch, no allocation on success for up
// to 32 IDs.
func (q *Queue[T]) DeleteClaimed(claim ClaimID, ids ...MessageID) (int, error) {
	if err := q.usable(); err != nil {
		return 0, err
	}
	if claim.IsZero() {
		return 0, fmt.Errorf("%w: DeleteClaimed needs a claim", ErrInvalid)
	}
	q.lock()
	defer q.mu.Unlock()
	c := q.claims[claim]
	if c == nil {
		return 0, q.notLiveLocked(claim)
	}
	var buf [32]*message[T]
	found := buf[:0]
	for _, id := range ids {
		m := q.lookupLocked(id)
		if m == nil {
			continue
		}
		if err := q.deletableLocked(m, id, claim); err != nil {
			return 0, err
		}
		found = append(found, m)
	}
	n := 0
	for _, m := range found {
		if m.id != 0 { // a duplicate ID was removed (and cleared) already
			q.removeLocked(m)
			n++
		}
	}
	return n, nil
}

// DeleteMany removes the listed messages whether claimed or not, as
// Zaqar's bulk delete does, and returns how many it removed; unknown IDs
// are skipped. Cost: O(k·log n).
func (q *Queue[T]) DeleteMany(ids ...MessageID) int {
	if q.usable() != nil {
		return 0
	}
	q.lock()
	defer q.mu.Unlock()
	n := 0
	for _, id := range ids {
		if m := q.lookupLocked(id); m != nil {
			q.removeLocked(m)
			n++
		}
	}
	return n
}

// Pop removes and returns up to n of the oldest claimable messages: not
// delayed and not held by a live claim.
//
// Errors: [ErrInvalid] (a [*LimitError]) unless 1 <= n <=
// Limits.MaxClaimLimit; [ErrClosed] after Close. Cost: O(n·log size).
func (q *Queue[T]) Pop(n int) ([]Message[T], error) {
	if err := q.usable(); err != nil {
		return nil, err
	}
	if err := checkCount("pop count", n, 1, q.limits.MaxClaimLimit); err != nil {
		return nil, err
	}
	q.lock()
	defer q.mu.Unlock()
	if q.closed {
		return nil, ErrClosed
	}
	var out []Message[T]
	for len(out) < n {
		m, ok := q.claimable.min()
		if !ok {
			break
		}
		out = append(out, m.export())
		q.removeLocked(m)
	}
	return out, nil
}

// inspectChunk is how many messages or claims All and Claims copy per
// lock: few enough that the lock is never held long, many enough that
// the lock and clock cost little per item.
const inspectChunk = 64

// All returns an iterator over every live message, claimed and delayed
// ones included, in ID order, with its state (ClaimID, ClaimCount,
// DelayedUntil, Expires): the inspection a test makes of a fake.
//
// The iterator takes the lock once per chunk of 64 messages, copies them
// and yields them with the lock released, so the loop body may call the
// queue. Each chunk is a snapshot at one instant, not the whole: a
// message live throughout the loop is yielded exactly once, one posted
// during it is yielded when its ID comes after the chunks already read,
// and one deleted or changed after its chunk was copied is yielded as it
// was. Cost: O(log n) per chunk plus the copies.
func (q *Queue[T]) All() iter.Seq[Message[T]] {
	return func(yield func(Message[T]) bool) {
		if q.usable() != nil {
			return
		}
		var chunk []Message[T]
		for from := MessageID(1); ; {
			chunk = q.chunkAfter(from, chunk[:0])
			for _, m := range chunk {
				if !yield(m) {
					return
				}
			}
			if len(chunk) < inspectChunk || chunk[len(chunk)-1].ID == math.MaxUint64 {
				return
			}
			from = chunk[len(chunk)-1].ID + 1
		}
	}
}

// chunkAfter appends to out copies of up to inspectChunk live messages
// with IDs of at least from.
func (q *Queue[T]) chunkAfter(from MessageID, out []Message[T]) []Message[T] {
	q.lock()
	defer q.mu.Unlock()
	q.messages.ascend(from, &q.probe, func(m *message[T]) bool {
		out = append(out, m.export())
		return len(out) < inspectChunk
	})
	return out
}

// Stats describes a queue at one moment; see [Queue.Stats].
type Stats struct {
	Total   int // live messages
	Claimed int // messages held by live claims
	Free    int // Total - Claimed, delayed messages included
	Delayed int // messages whose delay has not passed
	Claims  int // live claims
	// Oldest and Newest describe the first and last live messages by ID;
	// zero when Total is 0.
	Oldest, Newest MessageStat
	// Counters since the queue was created.
	Expired      int64 // messages that reached their expiry
	DeadLettered int64 // messages moved out by MaxClaimCount
	// Dropped counts the messages MaxClaimCount removed with no
	// dead-letter queue to take them.
	Dropped int64
	// OverLimit counts the dead-lettered messages this queue took beyond
	// its MaxMessages, as a dead-letter queue never refuses them.
	OverLimit int64
}

// MessageStat identifies a message in [Stats].
type MessageStat struct {
	ID      MessageID
	Created time.Time
	Age     time.Duration
}

// Stats returns the queue's counts. Cost: O(log n).
func (q *Queue[T]) Stats() Stats {
	if q.usable() != nil {
		return Stats{}
	}
	now := q.lock()
	defer q.mu.Unlock()
	s := Stats{
		Total:        q.messages.len(),
		Claimed:      q.pending.len(),
		Delayed:      q.delays.len(),
		Claims:       len(q.claims),
		Expired:      q.expired,
		DeadLettered: q.deadLtrs,
		Dropped:      q.dropped,
		OverLimit:    q.overLimit,
	}
	s.Free = s.Total - s.Claimed
	stat := func(m *message[T]) MessageStat {
		return MessageStat{ID: m.id, Created: timeOf(m.created), Age: time.Duration(now - m.created)}
	}
	if m, ok := q.messages.min(); ok {
		s.Oldest = stat(m)
	}
	if m, ok := q.messages.max(); ok {
		s.Newest = stat(m)
	}
	return s
}

// Len returns the number of live messages. Cost: O(1) plus pending expiry.
func (q *Queue[T]) Len() int {
	if q.usable() != nil {
		return 0
	}
	q.lock()
	defer q.mu.Unlock()
	return q.messages.len()
}

// Purge removes every message, claimed or not, and ends every claim; it
// returns the number of messages removed. Cost: O(n).
func (q *Queue[T]) Purge() int {
	if q.usable() != nil {
		return 0
	}
	q.lock()
	defer q.mu.Unlock()
	n := q.messages.len()
	for _, c := range q.claims {
		q.endClaimLocked(c, discarded)
	}
	q.messages.clear()
	q.claimable.clear()
	q.pending.clear()
	for i := range q.lanes {
		q.lanes[i].msgs.clear()
	}
	q.late.clear()
	q.delays.clear()
	q.emptiedQueueLocked()
	return n
}

// Drain waits until the queue holds no live message: every message has
// been deleted, completed, popped, purged or has expired. It returns nil
// at once if the queue is empty, and otherwise once it has been empty at
// some instant since the call (a Post right after may fill it again). It
// does not poll: deletions wake it, and a clock timer at the next deadline
// lets it see expiry, with a [FakeClock] when the clock is moved past it.
//
// Close does not end a Drain: closing a queue and then draining it is how
// a service stops taking work and waits for the holders of claims to
// finish theirs. Messages nobody claims any more keep a closed queue from
// draining until they expire, so bound the wait with ctx.
//
// Errors: ctx.Err() when ctx ends first; [ErrInvalid] for a nil or zero
// Queue. Cost: O(1) per wake-up; no allocation when the queue is empty.
func (q *Queue[T]) Drain(ctx context.Context) error {
	if err := q.usable(); err != nil {
		return err
	}
	q.lock()
	if q.messages.len() == 0 {
		q.mu.Unlock()
		return nil
	}
	if q.drained == nil {
		q.drained = make(chan struct{})
	}
	done := q.drained
	q.drainers++
	q.armTimerLocked()
	q.mu.Unlock()

	var err error
	select {
	case <-done:
	case <-ctx.Done():
		err = ctx.Err()
	}
	q.mu.Lock()
	q.drainers--
	q.mu.Unlock()
	return err
}

// Close stops the queue from taking new work: Post, Claim, ClaimWait,
// Pop, Reclaim and AutoClaim fail with [ErrClosed] from then on, and
// waiting ClaimWait calls return it. Every other method keeps working
// (reads, Renew, Retry, the deletes, Release, Complete, Purge,
// SetOptions), so that holders of claims can finish what they hold, and
// [Queue.Drain] keeps waiting for them; dead-lettered messages still
// arrive. Close cannot fail
// and may be called more than once, so t.Cleanup(q.Close) is enough in a
// test. Cost: O(1).
func (q *Queue[T]) Close() {
	if q.usable() != nil {
		return
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	q.closed = true
	q.wakeLocked()
	if q.timer != nil && !q.needTimerLocked() {
		q.timer.Stop()
		q.timer = nil
	}
}
