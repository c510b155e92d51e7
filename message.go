package claimq

import (
	"fmt"
	"strconv"
	"sync/atomic"
	"time"
)

// MessageID identifies a message. IDs are unique within a process and
// increase with insertion, so within one queue they sort in posting order;
// the zero MessageID is never assigned and means "none".
type MessageID uint64

// lastMessageID is shared by all queues so that an ID names one message
// even across queues, purges and re-created queues of the HTTP front.
var lastMessageID atomic.Uint64

// String returns the ID as 16 lowercase hexadecimal digits, so that the
// text sorts as the ID does.
func (id MessageID) String() string {
	var b [16]byte
	return string(id.appendHex(b[:0]))
}

// AppendText appends the form of [MessageID.String] to b, without
// allocating when b has room: it implements encoding.TextAppender. It
// never fails.
func (id MessageID) AppendText(b []byte) ([]byte, error) { return id.appendHex(b), nil }

// MarshalText returns the form of [MessageID.String]: it implements
// encoding.TextMarshaler. It never fails.
func (id MessageID) MarshalText() ([]byte, error) { return id.appendHex(make([]byte, 0, 16)), nil }

// UnmarshalText parses text as [ParseMessageID] does: it implements
// encoding.TextUnmarshaler. Errors match [ErrInvalid]; id is unchanged
// then.
func (id *MessageID) UnmarshalText(text []byte) error {
	v, err := ParseMessageID(string(text))
	if err != nil {
		return err
	}
	*id = v
	return nil
}

func (id MessageID) appendHex(b []byte) []byte {
	const digits = "0123456789abcdef"
	for shift := 60; shift >= 0; shift -= 4 {
		b = append(b, digits[(id>>shift)&0xf])
	}
	return b
}

// ParseMessageID parses the form produced by [MessageID.String]. Any other
// text, including the zero ID, is an error matching [ErrInvalid].
func ParseMessageID(s string) (MessageID, error) {
	if len(s) != 16 {
		return 0, fmt.Errorf("%w: message ID %q: want 16 hex digits", ErrInvalid, s)
	}
	v, err := strconv.ParseUint(s, 16, 64)
	if err != nil || v == 0 {
		return 0, fmt.Errorf("%w: message ID %q: want 16 hex digits, not zero", ErrInvalid, s)
	}
	return MessageID(v), nil
}

// Post is one message to post: the input of [Queue.Post].
type Post[T any] struct {
	Body T
	// TTL is how long the message lives; 0 means the queue's default
	// (Options.DefaultTTL, else Limits.DefaultMessageTTL).
	TTL time.Duration
	// Delay keeps the message from being claimed until it has passed;
	// 0 means Options.DefaultDelay, NoDelay means none.
	Delay time.Duration
	// ClientID names the producer; List can hide a client's own messages.
	ClientID string
}

// Message is a copy of a message as stored at the time of the call.
// Changing it changes nothing in the queue.
type Message[T any] struct {
	ID   MessageID
	Body T
	// TTL is the message's lifetime from Created; a claim may extend it
	// (see [Queue.Claim]), after which it reads claim TTL + grace.
	TTL      time.Duration
	Created  time.Time
	Expires  time.Time // Created+TTL, or later after lifetime extension
	ClientID string
	// ClaimID is the live claim holding the message, zero if none.
	ClaimID ClaimID
	// ClaimCount is the number of times the message has been claimed.
	ClaimCount int
	// DelayedUntil is when the message becomes claimable; zero if it was
	// posted without delay.
	DelayedUntil time.Time
}

// Age returns how long the message has existed at now.
func (m Message[T]) Age(now time.Time) time.Duration { return now.Sub(m.Created) }

// ListOptions selects the messages returned by [Queue.List].
type ListOptions struct {
	// Marker makes the listing start after this ID (exclusive); zero
	// starts at the oldest message. Pass the next value returned by the
	// previous call to page through a queue.
	Marker MessageID
	// Limit is the most messages returned: 0 means
	// Limits.DefaultListLimit; values above Limits.MaxListLimit are
	// lowered to it.
	Limit int
	// Echo includes messages posted with ClientID; when false they are
	// hidden (Zaqar's echo=false). With an empty ClientID it has no effect.
	Echo     bool
	ClientID string
	// IncludeClaimed includes messages held by live claims.
	IncludeClaimed bool
	// IncludeDelayed includes messages whose delay has not yet passed.
	IncludeDelayed bool
}

// message is the stored form of a message. Times are Unix nanoseconds of
// the queue's clock, so comparisons are integer compares.
type message[T any] struct {
	id      MessageID
	body    T
	created int64
	expires int64
	ttl     time.Duration
	delay   int64 // end of its last delay (Post or Retry), 0 if none; delayIdx says whether it runs
	client  string
	// claim is the live claim holding the message, nil if none: a claim
	// that ends lets go of its messages.
	claim      *claim[T]
	pos        [slots]int32 // places in the seqIndexes, by slot (see seqIndex)
	claimPos   int32        // index in claim.msgs while a claim holds it
	heapIdx    int32        // index in the queue's late heap when lane < 0
	delayIdx   int32        // index in the queue's delays heap, -1 when not delayed
	claimCount int32
	lane       int8  // expiry lane, -1 for the late heap
	inTree     uint8 // bit 1<<slot: in that seqIndex's tree rather than its ring
}

// held reports whether a live claim holds the message. Claims end as soon
// as expiry processing passes their deadline, which every operation does
// first, so no time is needed here.
func (m *message[T]) held() bool { return m.claim != nil }

// delayed reports whether the message waits for its delay to end.
func (m *message[T]) delayed() bool { return m.delayIdx >= 0 }

// claimable reports whether the message belongs in the claimable index.
// It relies on expiry having been processed up to the current time.
func (m *message[T]) claimable() bool { return !m.delayed() && !m.held() }

func (m *message[T]) export() Message[T] {
	var out Message[T]
	m.exportTo(&out)
	return out
}

// exportTo fills the zero Message *out with a copy of m.
func (m *message[T]) exportTo(out *Message[T]) {
	out.ID = m.id
	out.Body = m.body
	out.TTL = m.ttl
	out.Created = timeOf(m.created)
	out.Expires = timeOf(m.expires)
	out.ClientID = m.client
	out.ClaimCount = int(m.claimCount)
	if m.held() {
		out.ClaimID = m.claim.id
	}
	if m.delay != 0 {
		out.DelayedUntil = timeOf(m.delay)
	}
}

func timeOf(ns int64) time.Time { return time.Unix(0, ns).UTC() }
