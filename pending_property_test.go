package claimq

import (
	"errors"
	"maps"
	"slices"
	"time"

	"pgregory.net/rapid"
)

// The pending family's actions of the state machine in property_test.go.
// The model needs no index: a message is pending when its model claim is
// live, its consumer is that claim's client and its idle time runs from
// modelMsg.idle.

var consumers = []string{"", "w1", "w2"}

func drawConsumer(t *rapid.T) string { return rapid.SampledFrom(consumers).Draw(t, "consumer") }

// drawID picks a live message, a gone one, an unknown one or zero.
func (s *queueMachine) drawID(t *rapid.T, label string) MessageID {
	switch k := rapid.IntRange(0, 9).Draw(t, label+" kind"); {
	case k < 6 && len(s.msgs) > 0:
		return rapid.SampledFrom(s.msgs).Draw(t, label).id
	case k < 8 && len(s.gone) > 0:
		return rapid.SampledFrom(s.gone).Draw(t, label+" gone")
	case k < 9:
		return s.lastID + 1
	default:
		return 0
	}
}

func (s *queueMachine) pendingEntry(m *modelMsg) PendingEntry {
	return PendingEntry{MessageID: m.id, ClaimID: m.claim.id, Consumer: m.claim.client,
		Idle: time.Duration(s.now - m.idle), ClaimCount: m.count}
}

func (s *queueMachine) Pending(t *rapid.T) {
	opts := PendingOptions{
		Start:   s.drawID(t, "start"),
		End:     s.drawID(t, "end"),
		MinIdle: seconds(t, 0, 20, "min idle"),
		Count:   rapid.IntRange(0, 5).Draw(t, "count"),
	}
	if rapid.Bool().Draw(t, "by consumer") {
		opts.Consumer = drawConsumer(t)
	}
	got := s.q.Pending(opts)
	s.expire()
	var want []PendingEntry
	for _, m := range s.msgs {
		if len(want) >= opts.Count || opts.End != 0 && m.id > opts.End {
			break
		}
		if !s.held(m) || m.id < opts.Start {
			continue
		}
		if e := s.pendingEntry(m); (opts.Consumer == "" || e.Consumer == opts.Consumer) && e.Idle >= opts.MinIdle {
			want = append(want, e)
		}
	}
	if !slices.Equal(want, got) {
		t.Fatalf("Pending(%+v) =\n%+v\nwant\n%+v", opts, got, want)
	}
}

// take moves m into the new claim mc as Reclaim and AutoClaim do.
func (s *queueMachine) take(m *modelMsg, mc *modelClaim, idle time.Duration, retryCount int, justID bool) {
	m.claim = mc
	mc.order = append(mc.order, m)
	switch {
	case retryCount > 0:
		m.count = retryCount
	case retryCount == ZeroRetryCount:
		m.count = 0
	case !justID:
		m.count++
	}
	m.idle = s.now - int64(idle)
	if m.expires < mc.expires {
		m.expires = mc.expires + int64(mc.grace)
		m.ttl = mc.ttl + mc.grace
	}
}

// compareTaken checks the claim returned by Reclaim or AutoClaim against
// the model claim mc and the messages it took.
func (s *queueMachine) compareTaken(t *rapid.T, what string, c Claim[int], mc *modelClaim, taken []*modelMsg, justID bool) {
	if len(taken) == 0 {
		if !c.ID.IsZero() || len(c.Messages) != 0 {
			t.Fatalf("%s took nothing but returned %+v; want the zero Claim", what, c)
		}
		return
	}
	if c.ID.IsZero() || c.ClientID != mc.client || c.TTL != mc.ttl || c.Grace != mc.grace ||
		!c.Expires.Equal(timeOf(mc.expires)) {
		t.Fatalf("%s claim = %+v; want client %q, ttl %v, grace %v, expires %v",
			what, c, mc.client, mc.ttl, mc.grace, timeOf(mc.expires))
	}
	mc.id = c.ID
	s.claims = append(s.claims, mc)
	want := make([]Message[int], len(taken))
	for i, m := range taken {
		if justID {
			want[i] = Message[int]{ID: m.id}
		} else {
			want[i] = s.export(m)
		}
	}
	if !slices.Equal(want, c.Messages) {
		t.Fatalf("%s messages =\n%+v\nwant\n%+v", what, c.Messages, want)
	}
}

func (s *queueMachine) drawClaimOptions(t *rapid.T) (ttl, grace time.Duration, mc *modelClaim) {
	ttl = seconds(t, 1, 30, "claim ttl")
	grace = NoGrace
	if rapid.Bool().Draw(t, "grace") {
		grace = seconds(t, 1, 20, "grace seconds")
	}
	mc = &modelClaim{ttl: ttl, grace: max(grace, 0), client: drawConsumer(t)}
	return ttl, grace, mc
}

func (s *queueMachine) Reclaim(t *rapid.T) {
	ids := make([]MessageID, rapid.IntRange(0, 4).Draw(t, "ids"))
	for i := range ids {
		ids[i] = s.drawID(t, "id")
	}
	ttl, grace, mc := s.drawClaimOptions(t)
	opts := ReclaimOptions{
		MinIdle:  seconds(t, 0, 20, "min idle"),
		TTL:      ttl,
		Grace:    grace,
		ClientID: mc.client,
		Force:    rapid.Bool().Draw(t, "force"),
		JustID:   rapid.Bool().Draw(t, "justid"),
	}
	switch rapid.IntRange(0, 3).Draw(t, "idle option") {
	case 1:
		opts.Idle = seconds(t, 1, 30, "idle")
	case 2:
		opts.Time = timeOf(s.now).Add(-seconds(t, -5, 30, "time back"))
	}
	switch rapid.IntRange(0, 3).Draw(t, "retry option") {
	case 1:
		opts.RetryCount = rapid.IntRange(1, 5).Draw(t, "retry count")
	case 2:
		opts.RetryCount = ZeroRetryCount
	}
	invalid := rapid.IntRange(0, 15).Draw(t, "invalid") == 0
	if invalid {
		opts.MinIdle = -time.Second
	}

	c, err := s.q.Reclaim(ids, opts)
	s.expire()
	if invalid {
		if !errors.Is(err, ErrInvalid) || !c.ID.IsZero() {
			t.Fatalf("Reclaim(%+v) = %+v, %v; want ErrInvalid", opts, c, err)
		}
		return
	}
	if s.closed {
		if !errors.Is(err, ErrClosed) {
			t.Fatalf("Reclaim after Close = %v; want ErrClosed", err)
		}
		return
	}
	if err != nil {
		t.Fatalf("Reclaim(%v, %+v): %v", ids, opts, err)
	}
	mc.renewed, mc.expires = s.now, s.now+int64(ttl)
	idle := opts.Idle
	if !opts.Time.IsZero() {
		idle = max(timeOf(s.now).Sub(opts.Time), 0)
	}
	var taken []*modelMsg
	for _, id := range ids {
		m := s.find(id)
		switch {
		case m == nil:
			continue
		case s.held(m):
			if m.claim == mc || s.now-m.idle < int64(opts.MinIdle) {
				continue
			}
		case !opts.Force || s.delayed(m):
			continue
		}
		s.take(m, mc, idle, opts.RetryCount, opts.JustID)
		taken = append(taken, m)
	}
	s.compareTaken(t, "Reclaim", c, mc, taken, opts.JustID)
}

func (s *queueMachine) AutoClaim(t *rapid.T) {
	from := s.drawID(t, "start")
	ttl, grace, mc := s.drawClaimOptions(t)
	opts := AutoClaimOptions{
		MinIdle:  seconds(t, 0, 20, "min idle"),
		TTL:      ttl,
		Grace:    grace,
		ClientID: mc.client,
		Count:    rapid.IntRange(1, 4).Draw(t, "count"),
		JustID:   rapid.Bool().Draw(t, "justid"),
	}
	c, next, err := s.q.AutoClaim(from, opts)
	s.expire()
	if s.closed {
		if !errors.Is(err, ErrClosed) {
			t.Fatalf("AutoClaim after Close = %v; want ErrClosed", err)
		}
		return
	}
	if err != nil {
		t.Fatalf("AutoClaim(%v, %+v): %v", from, opts, err)
	}
	mc.renewed, mc.expires = s.now, s.now+int64(ttl)
	var taken []*modelMsg
	var wantNext MessageID
	looked := 0
	for _, m := range s.msgs {
		if !s.held(m) || m.id < from {
			continue
		}
		if len(taken) == opts.Count || looked == autoClaimScan*opts.Count {
			wantNext = m.id
			break
		}
		looked++
		if s.now-m.idle >= int64(opts.MinIdle) {
			taken = append(taken, m)
		}
	}
	for _, m := range taken {
		s.take(m, mc, 0, 0, opts.JustID)
	}
	if next != wantNext {
		t.Fatalf("AutoClaim(%v, %+v) next = %v; want %v", from, opts, next, wantNext)
	}
	s.compareTaken(t, "AutoClaim", c, mc, taken, opts.JustID)
}

// checkPending compares PendingSummary with the model; Check calls it.
func (s *queueMachine) checkPending(t *rapid.T) {
	var want PendingSummary
	for _, m := range s.msgs {
		if !s.held(m) {
			continue
		}
		if want.Count == 0 {
			want.Lowest, want.Consumers = m.id, map[string]int{}
		}
		want.Count++
		want.Highest = m.id
		want.Consumers[m.claim.client]++
	}
	got := s.q.PendingSummary()
	if got.Count != want.Count || got.Lowest != want.Lowest || got.Highest != want.Highest ||
		!maps.Equal(got.Consumers, want.Consumers) || (got.Consumers == nil) != (want.Consumers == nil) {
		t.Fatalf("PendingSummary = %+v; want %+v", got, want)
	}
}
