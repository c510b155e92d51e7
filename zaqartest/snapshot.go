package zaqartest

import (
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"
	"unicode/utf8"

	"github.com/claimq/claimq"
)

// State is what a message is doing at the time of a [Snapshot].
type State string

// The states of a message: claimed, held by a live claim; delayed,
// waiting for its delay to end; free, neither, so that the next claim may
// take it. (Zaqar's stats count delayed messages as free.)
const (
	Free    State = "free"
	Claimed State = "claimed"
	Delayed State = "delayed"
)

// Message is one message of a [Snapshot]: a comparable value (==), so
// that tests compare messages and whole slices of them directly.
type Message struct {
	ID claimq.MessageID // as the API shows it, 16 hex digits
	// Body is the JSON text stored, compacted.
	Body  string
	State State // at the snapshot's Now
	// Claim is the live claim holding the message; zero unless Claimed.
	Claim claimq.ClaimID
	// ClaimCount is how many times the message has been claimed.
	ClaimCount int
	// Created and Expires bound the message's life; a claim may have
	// moved Expires later (lifetime extension).
	Created, Expires time.Time
	// DelayedUntil is the end of the message's delay; zero if it was
	// posted without one.
	DelayedUntil time.Time
	// ClientID is the producer's Client-ID; empty for messages posted in
	// Go without one.
	ClientID string
}

// Claim is one live claim of a [Snapshot].
type Claim struct {
	ID       claimq.ClaimID // the claim_id of the API's hrefs
	ClientID string         // the Client-ID of the consumer that claimed
	// TTL and Grace are as last set by the claim or its renewal.
	TTL, Grace time.Duration
	// Renewed is the claim's creation or last renewal; the claim is live
	// until Expires.
	Renewed, Expires time.Time
	// Messages are the IDs of the messages it holds, in claim order.
	Messages []claimq.MessageID
}

// Snapshot is the whole state of a queue at one instant of the fake
// clock, ordered so that two snapshots of the same state are equal
// (reflect.DeepEqual, testify's Equal): messages in ID order, claims in
// creation order, the dead-letter queue's messages in ID order. Its
// String is a table for failure messages.
type Snapshot struct {
	Queue string    // the queue's name
	Now   time.Time // the fake clock's time when the snapshot was taken
	// Messages are every live message, claimed and delayed ones included.
	Messages []Message
	// Claims are the live claims.
	Claims []Claim
	// Stats are the queue's counts and counters (expired, dead-lettered,
	// dropped since the queue was created).
	Stats claimq.Stats
	// DeadLetterQueue names the dead-letter queue of the queue's metadata
	// (_dead_letter_queue); empty if none.
	DeadLetterQueue string
	// DeadLetter are the live messages of that queue, in ID order; a
	// message moved there keeps the ID it had here.
	DeadLetter []Message
}

// Snapshot returns the queue's state now. It reads the queue in chunks
// (claimq.Queue.All and Claims), so it is exact when nothing changes the
// queue during the call: no request in flight, no other goroutine posting
// or claiming. It fails the test if the queue cannot be reached. Cost:
// O(n + c·m) for n messages and c claims of m messages.
func (q *Queue) Snapshot() Snapshot {
	q.s.t.Helper()
	raw := q.raw()
	now := q.s.Clock.Now()
	snap := Snapshot{Queue: q.name, Now: now, Messages: messagesOf(raw, now), Stats: raw.Stats()}
	for c := range raw.Claims() {
		ids := make([]claimq.MessageID, len(c.Messages))
		for i, m := range c.Messages {
			ids[i] = m.ID
		}
		snap.Claims = append(snap.Claims, Claim{ID: c.ID, ClientID: c.ClientID, TTL: c.TTL, Grace: c.Grace,
			Renewed: c.Renewed, Expires: c.Expires, Messages: ids})
	}
	dead, dq, err := q.s.Handler.DeadLetter(q.project, q.name)
	if err != nil {
		q.s.t.Fatalf("zaqartest: dead-letter queue of %q: %v", q.name, err)
	}
	snap.DeadLetterQueue = dead
	if dq != nil {
		snap.DeadLetter = messagesOf(dq, now)
	}
	return snap
}

// messagesOf returns every message of raw with its state at now.
func messagesOf(raw *claimq.Queue[json.RawMessage], now time.Time) []Message {
	var out []Message
	for m := range raw.All() {
		state := Free
		switch {
		case !m.ClaimID.IsZero():
			state = Claimed
		case m.DelayedUntil.After(now):
			state = Delayed
		}
		out = append(out, Message{ID: m.ID, Body: string(m.Body), State: state, Claim: m.ClaimID,
			ClaimCount: m.ClaimCount, Created: m.Created, Expires: m.Expires,
			DelayedUntil: m.DelayedUntil, ClientID: m.ClientID})
	}
	return out
}

// IDs returns the IDs of the snapshot's messages in state, in ID order;
// all of them for the empty State.
func (s Snapshot) IDs(state State) []claimq.MessageID {
	var ids []claimq.MessageID
	for _, m := range s.Messages {
		if state == "" || m.State == state {
			ids = append(ids, m.ID)
		}
	}
	return ids
}

// String formats the snapshot as a table, with times relative to Now,
// for the failure messages of the assertions.
func (s Snapshot) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "queue %q at %s: %d messages, %d claims\n", s.Queue, s.Now.Format(time.RFC3339), len(s.Messages), len(s.Claims))
	writeMessages(&b, s.Messages, s.Now)
	for _, c := range s.Claims {
		fmt.Fprintf(&b, "  claim %s (client %q) expires in %v, holds %v\n", short(c.ID), c.ClientID, c.Expires.Sub(s.Now), c.Messages)
	}
	if s.DeadLetterQueue != "" {
		fmt.Fprintf(&b, "dead-letter queue %q: %d messages\n", s.DeadLetterQueue, len(s.DeadLetter))
		writeMessages(&b, s.DeadLetter, s.Now)
	}
	return b.String()
}

func writeMessages(b *strings.Builder, msgs []Message, now time.Time) {
	if len(msgs) == 0 {
		return
	}
	w := tabwriter.NewWriter(b, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "\tid\tstate\tclaim\tclaims\texpires in\tbody")
	for _, m := range msgs {
		state := string(m.State)
		if m.State == Delayed {
			state += fmt.Sprintf(" %v", m.DelayedUntil.Sub(now))
		}
		claim := "-"
		if !m.Claim.IsZero() {
			claim = short(m.Claim)
		}
		fmt.Fprintf(w, "\t%s\t%s\t%s\t%d\t%v\t%s\n", m.ID, state, claim, m.ClaimCount, m.Expires.Sub(now), ellipsis(m.Body, 60))
	}
	_ = w.Flush()
}

// short abbreviates a claim ID for tables, as git abbreviates hashes.
func short(id claimq.ClaimID) string { return id.String()[:8] }

// ellipsis cuts s to at most n bytes, ending in "...", on a rune boundary.
func ellipsis(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n - 3
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "..."
}
