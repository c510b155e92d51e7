package claimq

import (
	"errors"
	"reflect"
	"slices"
	"testing"
	"time"

	"pgregory.net/rapid"
)

// The state machine below drives a queue and a plain model of Zaqar's
// rules side by side, with a fake clock moved in whole seconds so that
// deadlines often fall exactly on the current time. Check compares every
// observable (Stats, List, each result and error) with the model and
// calls checkInvariants.

type modelMsg struct {
	id      MessageID
	body    int
	client  string
	created int64
	expires int64
	ttl     time.Duration
	delay   int64 // 0 if posted without delay
	claim   *modelClaim
	count   int
	idle    int64 // last delivery or renewal: the pending family's idle time starts here
}

type modelClaim struct {
	id       ClaimID
	expires  int64
	ttl      time.Duration
	grace    time.Duration
	renewed  int64
	released bool        // released, completed or purged
	fake     bool        // an ID the queue never issued
	client   string      // the consumer of the pending family
	order    []*modelMsg // messages in the order the claim took them
}

type queueMachine struct {
	q             *Queue[int]
	clock         *FakeClock
	now           int64
	msgs          []*modelMsg   // live messages in ID order
	gone          []MessageID   // deleted, popped or expired IDs
	claims        []*modelClaim // every claim ever made
	lastID        MessageID
	nextBod       int
	dlq           *Queue[int] // where MaxClaimCount sends messages
	maxClaimCount int
	dead          []MessageID // IDs expected in dlq: they keep theirs, so in ID order
	defTTL        time.Duration
	defDelay      time.Duration
	closed        bool
}

// newQueueMachine builds the queue under test; with maxClaimCount > 0 it
// dead-letters into a second queue, whose content the model predicts too.
func newQueueMachine(maxClaimCount int) *queueMachine {
	clock := NewFakeClock(start)
	dlq := New(Options[int]{Clock: clock, Limits: wideLimits()})
	return &queueMachine{
		q: New(Options[int]{Clock: clock, Limits: wideLimits(), MaxClaimCount: maxClaimCount,
			DeadLetter: dlq, DeadLetterTTL: 24 * time.Hour}),
		dlq:           dlq,
		maxClaimCount: maxClaimCount,
		defTTL:        time.Hour,
		clock:         clock,
		now:           start.UnixNano(),
	}
}

// live reports whether c is a live claim: not ended by its holder or by
// time, and holding a message, since a claim emptied of its messages ends
// (and can never hold one again).
func (s *queueMachine) live(c *modelClaim) bool {
	if c == nil || c.released || c.expires <= s.now {
		return false
	}
	for _, m := range s.msgs {
		if m.claim == c {
			return true
		}
	}
	return false
}

func (s *queueMachine) held(m *modelMsg) bool { return s.live(m.claim) }

// claimByID returns the model of claim id, nil for one never issued.
func (s *queueMachine) claimByID(id ClaimID) *modelClaim {
	for _, c := range s.claims {
		if c.id == id {
			return c
		}
	}
	return nil
}

// notLive checks err, returned for the claim c that is not live: it must
// match ErrClaimNotFound, and ErrClaimExpired exactly when the queue
// issued c.
func (s *queueMachine) notLive(t *rapid.T, what string, c *modelClaim, err error) {
	if !errors.Is(err, ErrClaimNotFound) || errors.Is(err, ErrClaimExpired) != !c.fake {
		t.Fatalf("%s of a claim that is not live (issued: %v) = %v; want ErrClaimNotFound, ErrClaimExpired iff issued",
			what, !c.fake, err)
	}
}

func (s *queueMachine) delayed(m *modelMsg) bool { return m.delay > s.now }

func (s *queueMachine) claimable(m *modelMsg) bool { return !s.held(m) && !s.delayed(m) }

// expire drops the messages whose time has come, as the queue must.
func (s *queueMachine) expire() {
	s.msgs = slices.DeleteFunc(s.msgs, func(m *modelMsg) bool {
		if m.expires <= s.now {
			s.gone = append(s.gone, m.id)
			return true
		}
		return false
	})
}

func (s *queueMachine) find(id MessageID) *modelMsg {
	for _, m := range s.msgs {
		if m.id == id {
			return m
		}
	}
	return nil
}

func (s *queueMachine) remove(id MessageID) {
	s.msgs = slices.DeleteFunc(s.msgs, func(m *modelMsg) bool { return m.id == id })
	s.gone = append(s.gone, id)
}

func (s *queueMachine) export(m *modelMsg) Message[int] {
	out := Message[int]{ID: m.id, Body: m.body, TTL: m.ttl, Created: timeOf(m.created),
		Expires: timeOf(m.expires), ClientID: m.client, ClaimCount: m.count}
	if s.held(m) {
		out.ClaimID = m.claim.id
	}
	if m.delay != 0 {
		out.DelayedUntil = timeOf(m.delay)
	}
	return out
}

func seconds(t *rapid.T, lo, hi int, label string) time.Duration {
	return time.Duration(rapid.IntRange(lo, hi).Draw(t, label)) * time.Second
}

func (s *queueMachine) Post(t *rapid.T) {
	n := rapid.IntRange(1, 3).Draw(t, "n")
	posts := make([]Post[int], n)
	invalid := false
	for i := range posts {
		ttl := seconds(t, 0, 40, "ttl")
		if rapid.IntRange(0, 20).Draw(t, "bad ttl") == 0 {
			ttl = 15 * 24 * time.Hour
			invalid = true
		}
		delay := NoDelay
		switch rapid.IntRange(0, 3).Draw(t, "delay kind") {
		case 1:
			delay = seconds(t, 1, 30, "delay")
		case 2:
			delay = 0 // the queue's default
		}
		posts[i] = Post[int]{Body: s.nextBod, TTL: ttl, Delay: delay,
			ClientID: rapid.SampledFrom([]string{"", "a", "b"}).Draw(t, "client")}
		s.nextBod++
	}
	ids, err := s.q.Post(posts...)
	if invalid {
		if !errors.Is(err, ErrInvalid) {
			t.Fatalf("Post with an invalid TTL = %v; want ErrInvalid", err)
		}
		return
	}
	if s.closed {
		if !errors.Is(err, ErrClosed) {
			t.Fatalf("Post after Close = %v; want ErrClosed", err)
		}
		return
	}
	if err != nil || len(ids) != n {
		t.Fatalf("Post = %v, %v; want %d IDs", ids, err, n)
	}
	s.expire()
	for i, p := range posts {
		if ids[i] <= s.lastID {
			t.Fatalf("Post ID %v not above %v", ids[i], s.lastID)
		}
		s.lastID = ids[i]
		ttl := p.TTL
		if ttl == 0 {
			ttl = s.defTTL
		}
		m := &modelMsg{id: ids[i], body: p.Body, client: p.ClientID, created: s.now,
			expires: s.now + int64(ttl), ttl: ttl}
		switch {
		case p.Delay > 0:
			m.delay = s.now + int64(p.Delay)
		case p.Delay == 0 && s.defDelay > 0:
			m.delay = s.now + int64(s.defDelay)
		}
		s.msgs = append(s.msgs, m)
	}
}

func (s *queueMachine) Claim(t *rapid.T) {
	limit := rapid.IntRange(1, 5).Draw(t, "limit")
	ttl := seconds(t, 1, 30, "claim ttl")
	grace := NoGrace
	if rapid.Bool().Draw(t, "grace") {
		grace = seconds(t, 1, 20, "grace seconds")
	}
	client := drawConsumer(t)
	c, err := s.q.Claim(ClaimOptions{Limit: limit, TTL: ttl, Grace: grace, ClientID: client})
	if s.closed {
		if !errors.Is(err, ErrClosed) {
			t.Fatalf("Claim after Close = %v; want ErrClosed", err)
		}
		return
	}
	if err != nil {
		t.Fatalf("Claim: %v", err)
	}
	s.expire()
	g := max(grace, 0)
	mc := &modelClaim{id: c.ID, expires: s.now + int64(ttl), ttl: ttl, grace: g, renewed: s.now, client: client}
	var want []Message[int]
	var dead []MessageID
	for _, m := range s.msgs {
		if len(want) == limit {
			break
		}
		if !s.claimable(m) {
			continue
		}
		if s.maxClaimCount > 0 && m.count >= s.maxClaimCount {
			dead = append(dead, m.id)
			s.dead = append(s.dead, m.id)
			continue
		}
		m.claim = mc
		mc.order = append(mc.order, m)
		m.count++
		m.idle = s.now
		if m.expires < mc.expires {
			m.expires = mc.expires + int64(g)
			m.ttl = ttl + g
		}
		want = append(want, s.export(m))
	}
	for _, id := range dead {
		s.remove(id)
	}
	if len(want) == 0 {
		if !c.ID.IsZero() || len(c.Messages) != 0 {
			t.Fatalf("Claim with nothing claimable = %+v; want the zero Claim", c)
		}
		return
	}
	s.claims = append(s.claims, mc)
	if !slices.Equal(want, c.Messages) {
		t.Fatalf("Claim messages =\n%+v\nwant\n%+v", c.Messages, want)
	}
}

// drawClaim picks a claim the queue has made, or an unknown one.
func (s *queueMachine) drawClaim(t *rapid.T) *modelClaim {
	if len(s.claims) == 0 || rapid.IntRange(0, 9).Draw(t, "unknown claim") == 0 {
		return &modelClaim{id: ClaimID{0xff, byte(rapid.IntRange(1, 255).Draw(t, "claim byte"))}, released: true, fake: true}
	}
	return rapid.SampledFrom(s.claims).Draw(t, "claim")
}

func (s *queueMachine) Renew(t *rapid.T) {
	c := s.drawClaim(t)
	ttl := seconds(t, 1, 30, "ttl")
	grace := seconds(t, 0, 20, "grace")
	opts := RenewOptions{TTL: ttl, Grace: grace}
	if grace == 0 {
		opts.Grace = NoGrace
	}
	err := s.q.Renew(c.id, opts)
	s.expire()
	if !s.live(c) {
		s.notLive(t, "Renew", c, err)
		return
	}
	if err != nil {
		t.Fatalf("Renew: %v", err)
	}
	c.ttl, c.grace, c.renewed, c.expires = ttl, grace, s.now, s.now+int64(ttl)
	for _, m := range s.msgs {
		if m.claim == c {
			m.idle = s.now
		}
		if m.claim == c && m.expires < c.expires {
			m.expires = c.expires + int64(grace)
			m.ttl = ttl + grace
		}
	}
}

func (s *queueMachine) Release(t *rapid.T) {
	c := s.drawClaim(t)
	err := s.q.Release(c.id)
	s.expire()
	if !s.live(c) {
		s.notLive(t, "Release", c, err)
		return
	}
	if err != nil {
		t.Fatalf("Release: %v", err)
	}
	c.released = true
	for _, m := range s.msgs {
		if m.claim == c {
			m.claim = nil
		}
	}
}

// DeleteAsWorker deletes a message with the last claim that took it, as a
// worker does when it finishes, on time or too late.
func (s *queueMachine) DeleteAsWorker(t *rapid.T) {
	var taken []*modelMsg
	for _, m := range s.msgs {
		if m.claim != nil {
			taken = append(taken, m)
		}
	}
	if len(taken) == 0 {
		t.Skip("no message was ever claimed")
	}
	m := rapid.SampledFrom(taken).Draw(t, "message")
	s.deleteAndCompare(t, m.id, m.claim.id)
}

func (s *queueMachine) Delete(t *rapid.T) {
	var id MessageID
	switch {
	case len(s.msgs) > 0 && rapid.IntRange(0, 4).Draw(t, "gone id") > 0:
		id = rapid.SampledFrom(s.msgs).Draw(t, "message").id
	case len(s.gone) > 0:
		id = rapid.SampledFrom(s.gone).Draw(t, "gone message")
	default:
		id = s.lastID + 1
	}
	var cid ClaimID
	switch how := rapid.IntRange(0, 2).Draw(t, "with claim"); {
	case how == 1:
		if m := s.find(id); m != nil && m.claim != nil {
			cid = m.claim.id // right, or expired
		}
	case how == 2:
		cid = s.drawClaim(t).id // usually wrong
	}
	s.deleteAndCompare(t, id, cid)
}

func (s *queueMachine) deleteAndCompare(t *rapid.T, id MessageID, cid ClaimID) {
	err := s.q.Delete(id, cid)
	s.expire()
	want, expired := s.deleteRule(id, cid)
	if want == nil {
		if err != nil {
			t.Fatalf("Delete(%v, %v) = %v; want success", id, cid, err)
		}
		s.remove(id)
		return
	}
	unknown := !cid.IsZero() && s.claimByID(cid) == nil
	if !errors.Is(err, want) || errors.Is(err, ErrClaimExpired) != expired || errors.Is(err, ErrClaimNotFound) != unknown {
		t.Fatalf("Delete(%v, %v) = %v; want %v (ended claim: %v, never issued: %v)", id, cid, err, want, expired, unknown)
	}
}

// deleteRule is the model of Delete: the error it must match, if any, and
// whether that error must also match ErrClaimExpired.
func (s *queueMachine) deleteRule(id MessageID, cid ClaimID) (want error, expired bool) {
	m := s.find(id)
	if cid.IsZero() {
		switch {
		case m == nil:
			return ErrMessageNotFound, false
		case s.held(m):
			return ErrMessageClaimed, false
		}
		return nil, false
	}
	c := s.claimByID(cid)
	ended := c != nil && !s.live(c)
	switch {
	case m == nil:
		return ErrMessageNotFound, ended
	case s.held(m) && m.claim.id == cid:
		return nil, false
	case s.held(m):
		return ErrClaimedByOther, ended
	default:
		return ErrNotClaimed, ended
	}
}

// DeleteClaimed acknowledges a batch: the messages a claim took, sometimes
// with another message mixed in, all or nothing.
func (s *queueMachine) DeleteClaimed(t *rapid.T) {
	c := s.drawClaim(t)
	var ids []MessageID
	for _, m := range s.msgs {
		if m.claim == c || rapid.IntRange(0, 9).Draw(t, "mix in") == 0 {
			ids = append(ids, m.id)
		}
	}
	if len(s.gone) > 0 && rapid.Bool().Draw(t, "gone too") {
		ids = append(ids, rapid.SampledFrom(s.gone).Draw(t, "gone id"))
	}
	n, err := s.q.DeleteClaimed(c.id, ids...)
	s.expire()
	if !s.live(c) {
		s.notLive(t, "DeleteClaimed", c, err)
		return
	}
	var deleted []MessageID
	for _, id := range ids {
		want, expired := s.deleteRule(id, c.id)
		switch {
		case errors.Is(want, ErrMessageNotFound):
		case want != nil:
			if !errors.Is(err, want) || errors.Is(err, ErrClaimExpired) != expired {
				t.Fatalf("DeleteClaimed(%v, %v) = %v; want %v for %v (expired claim: %v)", c.id, ids, err, want, id, expired)
			}
			return
		default:
			deleted = append(deleted, id)
		}
	}
	if err != nil || n != len(deleted) {
		t.Fatalf("DeleteClaimed(%v, %v) = %d, %v; want %d", c.id, ids, n, err, len(deleted))
	}
	for _, id := range deleted {
		s.remove(id)
	}
}

// Complete ends a claim with all it holds, as a worker that handled its
// whole batch does.
func (s *queueMachine) Complete(t *rapid.T) {
	c := s.drawClaim(t)
	n, err := s.q.Complete(c.id)
	s.expire()
	if !s.live(c) {
		s.notLive(t, "Complete", c, err)
		return
	}
	var held []MessageID
	for _, m := range s.msgs {
		if m.claim == c {
			held = append(held, m.id)
		}
	}
	if err != nil || n != len(held) {
		t.Fatalf("Complete = %d, %v; want %d", n, err, len(held))
	}
	for _, id := range held {
		s.remove(id)
	}
	c.released = true
}

// DeleteMany removes messages whoever holds them.
func (s *queueMachine) DeleteMany(t *rapid.T) {
	var ids []MessageID
	for _, m := range s.msgs {
		if rapid.IntRange(0, 3).Draw(t, "pick") == 0 {
			ids = append(ids, m.id)
		}
	}
	if len(s.gone) > 0 {
		ids = append(ids, rapid.SampledFrom(s.gone).Draw(t, "gone id"))
	}
	n := s.q.DeleteMany(ids...)
	s.expire()
	want := 0
	for _, id := range ids {
		if s.find(id) != nil {
			s.remove(id)
			want++
		}
	}
	if n != want {
		t.Fatalf("DeleteMany(%v) = %d; want %d", ids, n, want)
	}
}

// Purge is rare: it empties everything.
func (s *queueMachine) Purge(t *rapid.T) {
	if rapid.IntRange(0, 4).Draw(t, "purge") != 0 {
		t.Skip("purge only now and then")
	}
	n := s.q.Purge()
	s.expire()
	if n != len(s.msgs) {
		t.Fatalf("Purge() = %d; want %d", n, len(s.msgs))
	}
	for _, m := range s.msgs {
		s.gone = append(s.gone, m.id)
	}
	s.msgs = nil
	for _, c := range s.claims {
		c.released = true
	}
}

func (s *queueMachine) Pop(t *rapid.T) {
	n := rapid.IntRange(1, 4).Draw(t, "n")
	got, err := s.q.Pop(n)
	if s.closed {
		if !errors.Is(err, ErrClosed) {
			t.Fatalf("Pop after Close = %v; want ErrClosed", err)
		}
		return
	}
	if err != nil {
		t.Fatalf("Pop(%d): %v", n, err)
	}
	s.expire()
	var want []Message[int]
	for _, m := range s.msgs {
		if len(want) < n && s.claimable(m) {
			want = append(want, s.export(m))
		}
	}
	if !slices.Equal(want, got) {
		t.Fatalf("Pop(%d) = %+v; want %+v", n, got, want)
	}
	for _, m := range want {
		s.remove(m.ID)
	}
}

// exportClaim is what GetClaim must return for the live claim c.
func (s *queueMachine) exportClaim(c *modelClaim) Claim[int] {
	out := Claim[int]{ID: c.id, ClientID: c.client, TTL: c.ttl, Grace: c.grace,
		Renewed: timeOf(c.renewed), Expires: timeOf(c.expires), Messages: []Message[int]{}}
	for _, m := range c.order {
		if m.claim == c && s.find(m.id) == m {
			out.Messages = append(out.Messages, s.export(m))
		}
	}
	return out
}

func (s *queueMachine) GetClaim(t *rapid.T) {
	c := s.drawClaim(t)
	got, err := s.q.GetClaim(c.id)
	s.expire()
	if !s.live(c) {
		s.notLive(t, "GetClaim", c, err)
		return
	}
	if want := s.exportClaim(c); err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("GetClaim = %+v, %v;\nwant %+v", got, err, want)
	}
}

func (s *queueMachine) Get(t *rapid.T) {
	id := s.drawID(t, "id")
	got, err := s.q.Get(id)
	s.expire()
	m := s.find(id)
	if m == nil {
		if !errors.Is(err, ErrMessageNotFound) {
			t.Fatalf("Get(%v) of a message not live = %+v, %v; want ErrMessageNotFound", id, got, err)
		}
		return
	}
	if want := s.export(m); err != nil || got != want {
		t.Fatalf("Get(%v) = %+v, %v;\nwant %+v", id, got, err, want)
	}
}

// Retry hands some of a claim's messages back, mixing in others now and
// then, all or nothing.
func (s *queueMachine) Retry(t *rapid.T) {
	c := s.drawClaim(t)
	var ids []MessageID
	for _, m := range s.msgs {
		if m.claim == c && rapid.Bool().Draw(t, "retry it") || rapid.IntRange(0, 15).Draw(t, "mix in") == 0 {
			ids = append(ids, m.id)
		}
	}
	delay := seconds(t, 0, 30, "retry delay")
	invalid := rapid.IntRange(0, 15).Draw(t, "invalid delay") == 0
	if invalid {
		delay = -time.Second
	}
	err := s.q.Retry(c.id, delay, ids...)
	s.expire()
	switch {
	case invalid:
		if !errors.Is(err, ErrInvalid) {
			t.Fatalf("Retry with delay %v = %v; want ErrInvalid", delay, err)
		}
		return
	case !s.live(c):
		s.notLive(t, "Retry", c, err)
		return
	}
	for _, id := range ids {
		if want, _ := s.deleteRule(id, c.id); want != nil {
			if !errors.Is(err, want) {
				t.Fatalf("Retry(%v, %v) = %v; want %v for %v", c.id, ids, err, want, id)
			}
			return
		}
	}
	if err != nil {
		t.Fatalf("Retry(%v, %v, %v): %v", c.id, delay, ids, err)
	}
	for _, id := range ids {
		m := s.find(id)
		m.claim = nil
		if delay > 0 {
			m.delay = s.now + int64(delay)
		}
	}
}

// Close is rare: after it only holders' calls and reads work.
func (s *queueMachine) Close(t *rapid.T) {
	if rapid.IntRange(0, 19).Draw(t, "close") != 0 {
		t.Skip("close only now and then")
	}
	s.q.Close()
	s.closed = true
}

// SetOptions changes the defaults of later posts and the delivery bound.
func (s *queueMachine) SetOptions(t *rapid.T) {
	opts := s.q.Options()
	opts.DefaultTTL = seconds(t, 0, 40, "default ttl")
	opts.DefaultDelay = seconds(t, 0, 20, "default delay")
	opts.MaxClaimCount = rapid.IntRange(0, 3).Draw(t, "max claim count")
	invalid := rapid.IntRange(0, 9).Draw(t, "invalid options") == 0
	if invalid {
		opts.DefaultDelay = time.Hour
	}
	err := s.q.SetOptions(opts)
	if invalid {
		if !errors.Is(err, ErrInvalid) {
			t.Fatalf("SetOptions(%+v) = %v; want ErrInvalid", opts, err)
		}
		return
	}
	if err != nil {
		t.Fatalf("SetOptions(%+v): %v", opts, err)
	}
	s.defTTL, s.defDelay, s.maxClaimCount = opts.DefaultTTL, opts.DefaultDelay, opts.MaxClaimCount
	if s.defTTL == 0 {
		s.defTTL = time.Hour
	}
}

func (s *queueMachine) Advance(t *rapid.T) {
	d := seconds(t, 0, 15, "advance")
	s.clock.Advance(d)
	s.now += int64(d)
}

func (s *queueMachine) Check(t *rapid.T) {
	s.expire()
	var moved []MessageID
	var dlqMarker MessageID
	slices.Sort(s.dead)
	for {
		page, next := s.dlq.List(ListOptions{Marker: dlqMarker, IncludeClaimed: true, IncludeDelayed: true})
		for _, m := range page {
			moved = append(moved, m.ID)
		}
		if next == 0 {
			break
		}
		dlqMarker = next
	}
	if !slices.Equal(moved, s.dead) || s.q.Stats().DeadLettered != int64(len(s.dead)) {
		t.Fatalf("dead-letter queue holds %v (%d counted); want %v", moved, s.q.Stats().DeadLettered, s.dead)
	}
	if err := s.dlq.checkInvariants(); err != nil {
		t.Fatal(err)
	}
	var all []Message[int]
	var marker MessageID
	for {
		page, next := s.q.List(ListOptions{Marker: marker, IncludeClaimed: true, IncludeDelayed: true})
		all = append(all, page...)
		if next == 0 {
			break
		}
		marker = next
	}
	var want []Message[int]
	var visible []MessageID
	held, delayed := 0, 0
	for _, m := range s.msgs {
		want = append(want, s.export(m))
		if s.held(m) {
			held++
		}
		if s.delayed(m) {
			delayed++
		}
		if s.claimable(m) && m.client != "a" {
			visible = append(visible, m.id)
		}
	}
	if !slices.Equal(want, all) {
		t.Fatalf("List =\n%+v\nwant\n%+v", all, want)
	}
	var got []MessageID
	marker = 0
	for {
		page, next := s.q.List(ListOptions{Marker: marker, ClientID: "a", Limit: 3})
		got = append(got, idsOf(page)...)
		if next == 0 {
			break
		}
		marker = next
	}
	if !slices.Equal(visible, got) {
		t.Fatalf("List(echo false, client a) = %v; want %v", got, visible)
	}
	claims := 0
	for _, c := range s.claims {
		if s.live(c) {
			claims++
		}
	}
	var wantClaims []Claim[int]
	for _, c := range s.claims {
		if s.live(c) {
			wantClaims = append(wantClaims, s.exportClaim(c))
		}
	}
	var gotClaims []Claim[int]
	for c := range s.q.Claims() {
		gotClaims = append(gotClaims, c)
	}
	if !reflect.DeepEqual(gotClaims, wantClaims) {
		t.Fatalf("Claims() =\n%+v\nwant\n%+v", gotClaims, wantClaims)
	}
	var gotAll []Message[int]
	for m := range s.q.All() {
		gotAll = append(gotAll, m)
	}
	if !slices.Equal(gotAll, want) {
		t.Fatalf("All() =\n%+v\nwant\n%+v", gotAll, want)
	}
	st := s.q.Stats()
	if st.Total != len(s.msgs) || st.Claimed != held || st.Free != len(s.msgs)-held ||
		st.Delayed != delayed || st.Claims != claims {
		t.Fatalf("Stats = %+v; want total %d, claimed %d, delayed %d, claims %d",
			st, len(s.msgs), held, delayed, claims)
	}
	s.checkPending(t)
	if err := s.q.checkInvariants(); err != nil {
		t.Fatal(err)
	}
}

func runQueueMachine(t *rapid.T) {
	t.Repeat(rapid.StateMachineActions(newQueueMachine(rapid.IntRange(0, 3).Draw(t, "max claim count"))))
}

func TestQueueStateMachine(t *testing.T) {
	rapid.Check(t, runQueueMachine)
}

func FuzzQueue(f *testing.F) {
	f.Fuzz(rapid.MakeFuzz(runQueueMachine))
}
