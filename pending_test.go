package claimq

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// checkPendingLocked verifies the pending index; checkInvariants calls it
// with the lock held, passing the number of held messages it counted:
//
//	pending == { m in messages : m.held() }, ordered by ID
//	m.claim.idleSince <= q.last for every pending m (idle times are not negative)
func (q *Queue[T]) checkPendingLocked(held int) error {
	all, err := q.pending.check()
	if err != nil {
		return fmt.Errorf("pending index: %w", err)
	}
	if len(all) != held {
		return fmt.Errorf("pending index has %d messages, %d are held", len(all), held)
	}
	for _, m := range all {
		switch {
		case q.messages.find(m.id, &message[T]{}) != m:
			return fmt.Errorf("pending message %v not in messages", m.id)
		case !m.held():
			return fmt.Errorf("pending message %v is not held by a live claim", m.id)
		case m.claim.idleSince > q.last:
			return fmt.Errorf("pending message %v idle since %d, after now %d", m.id, m.claim.idleSince, q.last)
		}
	}
	return nil
}

// newPendingQueue returns a queue with Zaqar's limits whose invariants
// are checked when the test ends.
func newPendingQueue(t testing.TB) (*Queue[string], *FakeClock) {
	t.Helper()
	return newTestQueue(t, Options[string]{})
}

func postPending(t testing.TB, q *Queue[string], n int) []MessageID {
	t.Helper()
	posts := make([]Post[string], n)
	for i := range posts {
		posts[i] = Post[string]{Body: fmt.Sprint("m", i)}
	}
	ids, err := q.Post(posts...)
	require.NoError(t, err)
	return ids
}

func claimPending(t testing.TB, q *Queue[string], limit int, client string) Claim[string] {
	t.Helper()
	c, err := q.Claim(ClaimOptions{Limit: limit, ClientID: client})
	require.NoError(t, err)
	require.Len(t, c.Messages, limit, "Claim(%d) took too few", limit)
	return c
}

func entryIDs(es []PendingEntry) []MessageID {
	var ids []MessageID
	for _, e := range es {
		ids = append(ids, e.MessageID)
	}
	return ids
}

func checkQueue[T any](t testing.TB, q *Queue[T]) {
	t.Helper()
	require.NoError(t, q.checkInvariants())
}

func TestPendingFilters(t *testing.T) {
	q, clock := newPendingQueue(t)
	ids := postPending(t, q, 6)
	a := claimPending(t, q, 3, "a") // ids[0:3]
	clock.Advance(10 * time.Second)
	b := claimPending(t, q, 2, "b") // ids[3:5]; ids[5] stays free
	clock.Advance(5 * time.Second)
	checkQueue(t, q)

	all := q.Pending(PendingOptions{Count: 10})
	require.Equal(t, []PendingEntry{
		{MessageID: ids[0], ClaimID: a.ID, Consumer: "a", Idle: 15 * time.Second, ClaimCount: 1},
		{MessageID: ids[1], ClaimID: a.ID, Consumer: "a", Idle: 15 * time.Second, ClaimCount: 1},
		{MessageID: ids[2], ClaimID: a.ID, Consumer: "a", Idle: 15 * time.Second, ClaimCount: 1},
		{MessageID: ids[3], ClaimID: b.ID, Consumer: "b", Idle: 5 * time.Second, ClaimCount: 1},
		{MessageID: ids[4], ClaimID: b.ID, Consumer: "b", Idle: 5 * time.Second, ClaimCount: 1},
	}, all)

	tests := []struct {
		name string
		opts PendingOptions
		want []MessageID
	}{
		{"count", PendingOptions{Count: 2}, ids[0:2]},
		{"count zero lists nothing", PendingOptions{}, nil},
		{"count negative lists nothing", PendingOptions{Count: -1}, nil},
		{"range inclusive", PendingOptions{Start: ids[1], End: ids[3], Count: 10}, ids[1:4]},
		{"start only", PendingOptions{Start: ids[3], Count: 10}, ids[3:5]},
		{"end only", PendingOptions{End: ids[1], Count: 10}, ids[0:2]},
		{"range of one", PendingOptions{Start: ids[2], End: ids[2], Count: 10}, ids[2:3]},
		{"end before start", PendingOptions{Start: ids[3], End: ids[1], Count: 10}, nil},
		{"range over a free message", PendingOptions{Start: ids[4], End: ids[5], Count: 10}, ids[4:5]},
		{"consumer", PendingOptions{Consumer: "b", Count: 10}, ids[3:5]},
		{"unknown consumer", PendingOptions{Consumer: "c", Count: 10}, nil},
		{"min idle", PendingOptions{MinIdle: 10 * time.Second, Count: 10}, ids[0:3]},
		{"min idle is inclusive", PendingOptions{MinIdle: 15 * time.Second, Count: 10}, ids[0:3]},
		{"min idle above all", PendingOptions{MinIdle: 15*time.Second + 1, Count: 10}, nil},
		{"count after filters", PendingOptions{Consumer: "b", Count: 1}, ids[3:4]},
		{"all filters", PendingOptions{Start: ids[1], End: ids[4], Consumer: "a", MinIdle: time.Second, Count: 1}, ids[1:2]},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := entryIDs(q.Pending(tt.opts))
			assert.Equal(t, tt.want, got, "Pending(%+v)", tt.opts)
		})
	}
}

func TestPendingFollowsClaims(t *testing.T) {
	q, clock := newPendingQueue(t)
	ids := postPending(t, q, 4)
	a := claimPending(t, q, 2, "a")
	b := claimPending(t, q, 2, "b")
	clock.Advance(20 * time.Second)

	require.NoError(t, q.Delete(ids[0], a.ID))
	assert.Equal(t, ids[1:4], entryIDs(q.Pending(PendingOptions{Count: 10})), "a deleted message leaves the pending list at once")

	require.NoError(t, q.Renew(b.ID, RenewOptions{TTL: time.Minute, Grace: NoGrace}))
	got := q.Pending(PendingOptions{Count: 10})
	require.Len(t, got, 3)
	assert.Equal(t, 20*time.Second, got[0].Idle, "not renewed")
	assert.Equal(t, time.Duration(0), got[1].Idle, "Renew resets the idle time")

	require.NoError(t, q.Release(a.ID))
	assert.Equal(t, ids[2:4], entryIDs(q.Pending(PendingOptions{Count: 10})), "a released message is not pending")
	checkQueue(t, q)

	clock.Advance(time.Minute)
	assert.Empty(t, q.Pending(PendingOptions{Count: 10}), "messages of an expired claim are not pending")
	checkQueue(t, q)

	c := claimPending(t, q, 3, "c")
	assert.Equal(t, ids[1:4], idsOf(c.Messages))
	assert.Equal(t, []int{2, 2, 2}, []int{c.Messages[0].ClaimCount, c.Messages[1].ClaimCount, c.Messages[2].ClaimCount})
	assert.Equal(t, 3, q.Purge())
	assert.Equal(t, PendingSummary{}, q.PendingSummary(), "Purge empties the pending list")
	checkQueue(t, q)
}

func TestPendingSummary(t *testing.T) {
	q, clock := newPendingQueue(t)
	require.Equal(t, PendingSummary{}, q.PendingSummary(), "empty queue")

	ids := postPending(t, q, 8)
	a1 := claimPending(t, q, 2, "a")
	claimPending(t, q, 3, "b")
	claimPending(t, q, 1, "a")
	claimPending(t, q, 1, "")
	assert.Equal(t, PendingSummary{
		Count:     7,
		Lowest:    ids[0],
		Highest:   ids[6],
		Consumers: map[string]int{"a": 3, "b": 3, "": 1},
	}, q.PendingSummary())

	for _, m := range a1.Messages {
		require.NoError(t, q.Delete(m.ID, a1.ID))
	}
	assert.Equal(t, PendingSummary{
		Count:     5,
		Lowest:    ids[2],
		Highest:   ids[6],
		Consumers: map[string]int{"a": 1, "b": 3, "": 1},
	}, q.PendingSummary(), "an emptied claim counts for nothing")

	clock.Advance(time.Hour)
	assert.Equal(t, PendingSummary{}, q.PendingSummary(), "after every claim expired")
	checkQueue(t, q)
}

func TestReclaimOptions(t *testing.T) {
	const minIdle = 30 * time.Second
	type setup struct {
		q     *Queue[string]
		clock *FakeClock
		ids   []MessageID // ids[0:4] held by "a" since 60 s ago, ids[4:6] by "b" since 10 s ago, ids[6] free, ids[7] delayed
		a, b  Claim[string]
	}
	build := func(t *testing.T) *setup {
		q, clock := newPendingQueue(t)
		ids := postPending(t, q, 7)
		late, err := q.Post(Post[string]{Body: "late", Delay: 15 * time.Minute})
		require.NoError(t, err)
		s := &setup{q: q, clock: clock, ids: append(ids, late...)}
		s.a = claimPending(t, q, 4, "a")
		clock.Advance(50 * time.Second)
		s.b = claimPending(t, q, 2, "b")
		clock.Advance(10 * time.Second)
		return s
	}

	tests := []struct {
		name string
		ids  func(s *setup) []MessageID
		opts ReclaimOptions
		// want lists the indices in s.ids of the messages taken, in order.
		want      []int
		wantCount []int           // delivery counts after, per taken message
		wantIdle  []time.Duration // idle after, per taken message
	}{
		{
			name: "idle enough only",
			ids:  func(s *setup) []MessageID { return s.ids[2:6] },
			opts: ReclaimOptions{MinIdle: minIdle},
			want: []int{2, 3}, wantCount: []int{2, 2}, wantIdle: []time.Duration{0, 0},
		},
		{
			name: "min idle is inclusive",
			ids:  func(s *setup) []MessageID { return s.ids[3:6] },
			opts: ReclaimOptions{MinIdle: 10 * time.Second},
			want: []int{3, 4, 5}, wantCount: []int{2, 2, 2}, wantIdle: []time.Duration{0, 0, 0},
		},
		{
			name: "zero min idle takes every pending one",
			ids:  func(s *setup) []MessageID { return s.ids[4:8] },
			opts: ReclaimOptions{},
			want: []int{4, 5}, wantCount: []int{2, 2}, wantIdle: []time.Duration{0, 0},
		},
		{
			name: "order of ids kept",
			ids:  func(s *setup) []MessageID { return []MessageID{s.ids[3], s.ids[0], s.ids[2]} },
			opts: ReclaimOptions{MinIdle: minIdle},
			want: []int{3, 0, 2}, wantCount: []int{2, 2, 2}, wantIdle: []time.Duration{0, 0, 0},
		},
		{
			name: "duplicates taken once",
			ids:  func(s *setup) []MessageID { return []MessageID{s.ids[1], s.ids[1], s.ids[6], s.ids[6]} },
			opts: ReclaimOptions{Force: true},
			want: []int{1, 6}, wantCount: []int{2, 1}, wantIdle: []time.Duration{0, 0},
		},
		{
			name: "unknown ids skipped",
			ids:  func(s *setup) []MessageID { return []MessageID{0, s.ids[0], s.ids[7] + 1000} },
			opts: ReclaimOptions{MinIdle: minIdle},
			want: []int{0}, wantCount: []int{2}, wantIdle: []time.Duration{0},
		},
		{
			name: "IDLE sets the idle time",
			ids:  func(s *setup) []MessageID { return s.ids[0:2] },
			opts: ReclaimOptions{MinIdle: minIdle, Idle: 7 * time.Second},
			want: []int{0, 1}, wantCount: []int{2, 2}, wantIdle: []time.Duration{7 * time.Second, 7 * time.Second},
		},
		{
			name: "TIME sets the last delivery",
			ids:  func(s *setup) []MessageID { return s.ids[0:1] },
			opts: ReclaimOptions{MinIdle: minIdle, Time: start.Add(-time.Hour)},
			want: []int{0}, wantCount: []int{2}, wantIdle: []time.Duration{time.Hour + time.Minute},
		},
		{
			name: "TIME in the future counts as now",
			ids:  func(s *setup) []MessageID { return s.ids[0:1] },
			opts: ReclaimOptions{Time: start.Add(time.Hour)},
			want: []int{0}, wantCount: []int{2}, wantIdle: []time.Duration{0},
		},
		{
			name: "TIME far back is capped",
			ids:  func(s *setup) []MessageID { return s.ids[0:1] },
			opts: ReclaimOptions{Time: time.Date(1800, 1, 1, 0, 0, 0, 0, time.UTC)},
			want: []int{0}, wantCount: []int{2}, wantIdle: []time.Duration{maxIdle},
		},
		{
			name: "RETRYCOUNT sets the count",
			ids:  func(s *setup) []MessageID { return s.ids[0:2] },
			opts: ReclaimOptions{RetryCount: 9},
			want: []int{0, 1}, wantCount: []int{9, 9}, wantIdle: []time.Duration{0, 0},
		},
		{
			name: "ZeroRetryCount clears the count",
			ids:  func(s *setup) []MessageID { return s.ids[0:1] },
			opts: ReclaimOptions{RetryCount: ZeroRetryCount},
			want: []int{0}, wantCount: []int{0}, wantIdle: []time.Duration{0},
		},
		{
			name: "RETRYCOUNT wins over JUSTID",
			ids:  func(s *setup) []MessageID { return s.ids[0:1] },
			opts: ReclaimOptions{RetryCount: 5, JustID: true},
			want: []int{0}, wantCount: []int{5}, wantIdle: []time.Duration{0},
		},
		{
			name: "JUSTID keeps the count",
			ids:  func(s *setup) []MessageID { return s.ids[0:2] },
			opts: ReclaimOptions{JustID: true},
			want: []int{0, 1}, wantCount: []int{1, 1}, wantIdle: []time.Duration{0, 0},
		},
		{
			name: "without FORCE free messages are skipped",
			ids:  func(s *setup) []MessageID { return s.ids[5:8] },
			opts: ReclaimOptions{},
			want: []int{5}, wantCount: []int{2}, wantIdle: []time.Duration{0},
		},
		{
			name: "FORCE takes free messages whatever MinIdle, never delayed ones",
			ids:  func(s *setup) []MessageID { return s.ids[5:8] },
			opts: ReclaimOptions{MinIdle: minIdle, Force: true},
			want: []int{6}, wantCount: []int{1}, wantIdle: []time.Duration{0},
		},
		{
			name: "none taken",
			ids:  func(s *setup) []MessageID { return s.ids[4:8] },
			opts: ReclaimOptions{MinIdle: time.Hour},
		},
		{
			name: "no ids",
			ids:  func(s *setup) []MessageID { return nil },
			opts: ReclaimOptions{Force: true},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := build(t)
			ids := tt.ids(s)
			before := s.q.PendingSummary()
			got, err := s.q.Reclaim(ids, tt.opts)
			require.NoError(t, err)
			checkQueue(t, s.q)
			if len(tt.want) == 0 {
				require.Equal(t, Claim[string]{}, got, "Reclaim(%v, %+v) = %+v; want the zero Claim", ids, tt.opts, got)
				assert.Equal(t, before, s.q.PendingSummary(), "nothing changed")
				return
			}
			var want []MessageID
			for _, i := range tt.want {
				want = append(want, s.ids[i])
			}
			require.Equal(t, want, idsOf(got.Messages), "Reclaim(%v, %+v)", ids, tt.opts)
			assert.False(t, got.ID.IsZero())
			assert.Equal(t, tt.opts.ClientID, got.ClientID)
			for _, m := range got.Messages {
				if tt.opts.JustID {
					assert.Equal(t, Message[string]{ID: m.ID}, m, "JUSTID returns IDs only")
				} else {
					assert.NotEmpty(t, m.Body)
					assert.Equal(t, got.ID, m.ClaimID)
				}
			}
			entries := s.q.Pending(PendingOptions{Start: slices.Min(want), End: slices.Max(want), Count: 100})
			for k, id := range want {
				i := slices.IndexFunc(entries, func(e PendingEntry) bool { return e.MessageID == id })
				require.GreaterOrEqual(t, i, 0, "message %v not pending after Reclaim", id)
				e := entries[i]
				assert.Equal(t, got.ID, e.ClaimID, "message %v", id)
				assert.Equal(t, tt.wantCount[k], e.ClaimCount, "delivery count of message %v", id)
				assert.Equal(t, tt.wantIdle[k], e.Idle, "idle time of message %v", id)
			}
			gc, err := s.q.GetClaim(got.ID)
			require.NoError(t, err)
			assert.Equal(t, want, idsOf(gc.Messages), "GetClaim lists the taken messages")
		})
	}
}

func TestReclaimClaimOptions(t *testing.T) {
	q, clock := newPendingQueue(t)
	ids, err := q.Post(Post[string]{Body: "short", TTL: time.Minute}, Post[string]{Body: "long", TTL: time.Hour})
	require.NoError(t, err)
	_, err = q.Claim(ClaimOptions{TTL: time.Minute, ClientID: "a"})
	require.NoError(t, err)
	clock.Advance(30 * time.Second)

	c, err := q.Reclaim(ids, ReclaimOptions{ClientID: "b"})
	require.NoError(t, err)
	require.Len(t, c.Messages, 2)
	l := ZaqarLimits()
	now := start.Add(30 * time.Second)
	assert.Equal(t, "b", c.ClientID)
	assert.Equal(t, l.DefaultClaimTTL, c.TTL, "default TTL")
	assert.Equal(t, l.DefaultGrace, c.Grace, "default grace")
	assert.Equal(t, now, c.Renewed)
	assert.Equal(t, now.Add(l.DefaultClaimTTL), c.Expires)
	assert.Equal(t, now.Add(l.DefaultClaimTTL+l.DefaultGrace), c.Messages[0].Expires, "lifetime extended to the new claim")
	assert.Equal(t, l.DefaultClaimTTL+l.DefaultGrace, c.Messages[0].TTL)
	assert.Equal(t, start.Add(time.Hour), c.Messages[1].Expires, "a message outliving the claim keeps its expiry")

	c2, err := q.Reclaim(ids[:1], ReclaimOptions{TTL: 2 * time.Minute, Grace: NoGrace, ClientID: "c"})
	require.Error(t, err, "NoGrace needs MinGrace 0")
	require.ErrorIs(t, err, ErrInvalid)
	require.Equal(t, Claim[string]{}, c2)

	clock.Advance(l.DefaultClaimTTL)
	assert.Empty(t, q.Pending(PendingOptions{Count: 10}), "a reclaimed claim expires by its TTL")
	checkQueue(t, q)
}

func TestReclaimErrors(t *testing.T) {
	tests := []struct {
		name string
		opts ReclaimOptions
	}{
		{"ttl too short", ReclaimOptions{TTL: time.Second}},
		{"ttl too long", ReclaimOptions{TTL: 13 * time.Hour}},
		{"grace too short", ReclaimOptions{Grace: time.Second}},
		{"grace too long", ReclaimOptions{Grace: 13 * time.Hour}},
		{"negative min idle", ReclaimOptions{MinIdle: -time.Second}},
		{"negative idle", ReclaimOptions{Idle: -time.Second}},
		{"idle too long", ReclaimOptions{Idle: maxIdle + 1}},
		{"negative retry count", ReclaimOptions{RetryCount: -2}},
		{"idle and time", ReclaimOptions{Idle: time.Second, Time: start}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, clock := newPendingQueue(t)
			ids := postPending(t, q, 3)
			claimPending(t, q, 2, "a")
			clock.Advance(time.Minute)
			before := q.Pending(PendingOptions{Count: 10})

			got, err := q.Reclaim(ids, tt.opts)
			require.ErrorIs(t, err, ErrInvalid, "Reclaim(%+v)", tt.opts)
			assert.Equal(t, Claim[string]{}, got)
			assert.Equal(t, before, q.Pending(PendingOptions{Count: 10}), "a failed Reclaim changes nothing")
			checkQueue(t, q)
		})
	}
	t.Run("limit error fields", func(t *testing.T) {
		q, _ := newPendingQueue(t)
		_, err := q.Reclaim(nil, ReclaimOptions{MinIdle: -1})
		var le *LimitError
		require.ErrorAs(t, err, &le)
		assert.Equal(t, "min idle", le.Field)
		assert.Equal(t, int64(-1), le.Value)
	})
	t.Run("closed", func(t *testing.T) {
		q, _ := newPendingQueue(t)
		ids := postPending(t, q, 1)
		q.Close()
		_, err := q.Reclaim(ids, ReclaimOptions{Force: true})
		require.ErrorIs(t, err, ErrClosed)
	})
	t.Run("nil queue", func(t *testing.T) {
		var q *Queue[string]
		_, err := q.Reclaim(nil, ReclaimOptions{})
		require.ErrorIs(t, err, ErrInvalid)
		_, _, err = q.AutoClaim(0, AutoClaimOptions{})
		require.ErrorIs(t, err, ErrInvalid)
		assert.Nil(t, q.Pending(PendingOptions{Count: 1}))
		assert.Equal(t, PendingSummary{}, q.PendingSummary())
	})
}

// TestReclaimStalledWorker is the take-over a stalled consumer calls for: worker A claims five
// messages and stalls; worker B takes three of them over.
func TestReclaimStalledWorker(t *testing.T) {
	for _, justID := range []bool{false, true} {
		t.Run(fmt.Sprint("justID=", justID), func(t *testing.T) {
			q, clock := newPendingQueue(t)
			postPending(t, q, 5)
			a := claimPending(t, q, 5, "worker-a")
			ids := idsOf(a.Messages)
			clock.Advance(time.Minute)

			taken := []MessageID{ids[0], ids[2], ids[4]}
			b, err := q.Reclaim(taken, ReclaimOptions{MinIdle: 45 * time.Second, ClientID: "worker-b", JustID: justID})
			require.NoError(t, err)
			require.Equal(t, taken, idsOf(b.Messages), "B's claim")
			checkQueue(t, q)

			gotA, err := q.GetClaim(a.ID)
			require.NoError(t, err, "A's claim still exists")
			assert.Equal(t, []MessageID{ids[1], ids[3]}, idsOf(gotA.Messages), "A keeps the others")
			gotB, err := q.GetClaim(b.ID)
			require.NoError(t, err)
			assert.Equal(t, taken, idsOf(gotB.Messages))

			require.ErrorIs(t, q.Delete(ids[0], a.ID), ErrClaimedByOther, "A deletes a taken message")
			require.ErrorIs(t, q.Delete(ids[0], ClaimID{}), ErrMessageClaimed)
			require.NoError(t, q.Delete(ids[0], b.ID), "B deletes it")
			require.NoError(t, q.Delete(ids[1], a.ID), "A deletes one it kept")
			require.ErrorIs(t, q.Delete(ids[3], b.ID), ErrClaimedByOther, "B cannot delete A's")

			want := 2
			if justID {
				want = 1
			}
			for _, id := range taken[1:] {
				m, err := q.Get(id)
				require.NoError(t, err)
				assert.Equal(t, want, m.ClaimCount, "delivery count of %v", id)
				assert.Equal(t, b.ID, m.ClaimID)
			}
			m, err := q.Get(ids[3])
			require.NoError(t, err)
			assert.Equal(t, 1, m.ClaimCount, "a message A kept")
			assert.Equal(t, map[string]int{"worker-a": 1, "worker-b": 2}, q.PendingSummary().Consumers)

			// A's claim expires first, and with it only what A kept.
			require.NoError(t, q.Renew(b.ID, RenewOptions{TTL: 10 * time.Minute, Grace: NoGrace}))
			clock.Advance(5 * time.Minute)
			_, err = q.GetClaim(a.ID)
			require.ErrorIs(t, err, ErrClaimNotFound)
			assert.Equal(t, taken[1:], entryIDs(q.Pending(PendingOptions{Count: 10})))
			checkQueue(t, q)
		})
	}
}

// TestReclaimRace runs two Reclaims of the same messages at the same
// moment, many times: with MinIdle > 0 each message goes to exactly one.
func TestReclaimRace(t *testing.T) {
	q, clock := newPendingQueue(t)
	const rounds, n = 200, 10
	for round := range rounds {
		ids := postPending(t, q, n)
		claimPending(t, q, n, "stalled")
		clock.Advance(time.Minute)

		var got [2]Claim[string]
		var errs [2]error
		var ready, done sync.WaitGroup
		gate := make(chan struct{})
		for w := range got {
			ready.Add(1)
			done.Add(1)
			go func() {
				defer done.Done()
				ready.Done()
				<-gate
				got[w], errs[w] = q.Reclaim(ids, ReclaimOptions{MinIdle: 30 * time.Second, ClientID: fmt.Sprint("w", w)})
			}()
		}
		ready.Wait()
		close(gate)
		done.Wait()

		require.NoError(t, errs[0])
		require.NoError(t, errs[1])
		owners := map[MessageID]int{}
		for w, c := range got {
			for _, m := range c.Messages {
				owners[m.ID]++
				assert.Equal(t, c.ID, m.ClaimID, "round %d worker %d", round, w)
			}
		}
		for _, id := range ids {
			require.Equal(t, 1, owners[id], "round %d: message %v taken %d times", round, id, owners[id])
		}
		checkQueue(t, q)
		require.Equal(t, n, q.DeleteMany(ids...))
	}
}

func TestAutoClaimWalk(t *testing.T) {
	q, clock := newPendingQueue(t)
	const total = 1000
	ids := postPending(t, q, total)
	for range total / 20 {
		claimPending(t, q, 20, "dead")
	}
	clock.Advance(time.Minute)

	seen := map[MessageID]bool{}
	calls := 0
	var cursor MessageID
	for {
		calls++
		require.LessOrEqual(t, calls, 20, "the walk does not end")
		c, next, err := q.AutoClaim(cursor, AutoClaimOptions{MinIdle: 30 * time.Second, Count: 100, ClientID: "rescuer"})
		require.NoError(t, err)
		require.Len(t, c.Messages, 100, "call %d from %v", calls, cursor)
		for _, m := range c.Messages {
			require.False(t, seen[m.ID], "message %v returned twice", m.ID)
			require.GreaterOrEqual(t, m.ID, cursor)
			seen[m.ID] = true
			assert.Equal(t, 2, m.ClaimCount)
		}
		if next == 0 {
			break
		}
		require.Greater(t, next, c.Messages[len(c.Messages)-1].ID, "the cursor moves forward")
		cursor = next
	}
	assert.Equal(t, 10, calls)
	assert.Len(t, seen, total)
	s := q.PendingSummary()
	assert.Equal(t, PendingSummary{Count: total, Lowest: ids[0], Highest: ids[total-1], Consumers: map[string]int{"rescuer": total}}, s)
	checkQueue(t, q)

	c, next, err := q.AutoClaim(0, AutoClaimOptions{MinIdle: 30 * time.Second, Count: 10})
	require.NoError(t, err)
	assert.Equal(t, Claim[string]{}, c, "a second walk finds nothing idle")
	assert.Equal(t, ids[10*autoClaimScan], next, "it stops after looking at 10·Count entries")
}

func TestAutoClaimOptions(t *testing.T) {
	const minIdle = 30 * time.Second
	// ids[0:6] are held: 0-1 by "a" idle 60 s, 2-3 by "b" idle 10 s, 4-5
	// by "a" idle 60 s; ids[6] is free.
	build := func(t *testing.T) (*Queue[string], []MessageID) {
		q, clock := newPendingQueue(t)
		ids := postPending(t, q, 7)
		a := claimPending(t, q, 6, "a")
		clock.Advance(50 * time.Second)
		_, err := q.Reclaim(ids[2:4], ReclaimOptions{ClientID: "b", JustID: true})
		require.NoError(t, err)
		clock.Advance(10 * time.Second)
		require.Equal(t, ids[0:6], idsOf(a.Messages))
		return q, ids
	}
	tests := []struct {
		name     string
		from     func(ids []MessageID) MessageID
		opts     AutoClaimOptions
		want     []int // indices in ids
		wantNext func(ids []MessageID) MessageID
		count    int // delivery count of the messages taken
	}{
		{
			name:  "skips entries not idle enough",
			opts:  AutoClaimOptions{MinIdle: minIdle},
			want:  []int{0, 1, 4, 5},
			count: 2,
		},
		{
			name:  "zero min idle takes all",
			opts:  AutoClaimOptions{},
			want:  []int{0, 1, 2, 3, 4, 5},
			count: 2,
		},
		{
			name:     "count",
			opts:     AutoClaimOptions{MinIdle: minIdle, Count: 3},
			want:     []int{0, 1, 4},
			wantNext: func(ids []MessageID) MessageID { return ids[5] },
			count:    2,
		},
		{
			name:     "count reached on the last entry",
			opts:     AutoClaimOptions{MinIdle: minIdle, Count: 4},
			want:     []int{0, 1, 4, 5},
			wantNext: func(ids []MessageID) MessageID { return 0 },
			count:    2,
		},
		{
			name:     "count of one from a busy entry",
			from:     func(ids []MessageID) MessageID { return ids[2] },
			opts:     AutoClaimOptions{MinIdle: minIdle, Count: 1},
			want:     []int{4},
			wantNext: func(ids []MessageID) MessageID { return ids[5] },
			count:    2,
		},
		{
			name:  "from is inclusive",
			from:  func(ids []MessageID) MessageID { return ids[1] },
			opts:  AutoClaimOptions{MinIdle: minIdle},
			want:  []int{1, 4, 5},
			count: 2,
		},
		{
			name:  "from at the last entry",
			from:  func(ids []MessageID) MessageID { return ids[5] },
			opts:  AutoClaimOptions{},
			want:  []int{5},
			count: 2,
		},
		{
			name: "from past the end",
			from: func(ids []MessageID) MessageID { return ids[6] },
			opts: AutoClaimOptions{},
		},
		{
			name: "none idle enough",
			opts: AutoClaimOptions{MinIdle: time.Hour},
		},
		{
			name:  "JUSTID",
			opts:  AutoClaimOptions{MinIdle: minIdle, JustID: true},
			want:  []int{0, 1, 4, 5},
			count: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, ids := build(t)
			var from MessageID
			if tt.from != nil {
				from = tt.from(ids)
			}
			var wantNext MessageID
			if tt.wantNext != nil {
				wantNext = tt.wantNext(ids)
			}
			got, next, err := q.AutoClaim(from, tt.opts)
			require.NoError(t, err)
			checkQueue(t, q)
			assert.Equal(t, wantNext, next, "AutoClaim(%v, %+v) next", from, tt.opts)
			if len(tt.want) == 0 {
				assert.Equal(t, Claim[string]{}, got)
				return
			}
			var want []MessageID
			for _, i := range tt.want {
				want = append(want, ids[i])
			}
			require.Equal(t, want, idsOf(got.Messages), "AutoClaim(%v, %+v)", from, tt.opts)
			for _, m := range got.Messages {
				if tt.opts.JustID {
					assert.Equal(t, Message[string]{ID: m.ID}, m)
				}
			}
			entries := q.Pending(PendingOptions{Count: 10})
			for _, e := range entries {
				if slices.Contains(want, e.MessageID) {
					assert.Equal(t, got.ID, e.ClaimID)
					assert.Equal(t, tt.count, e.ClaimCount, "delivery count of %v", e.MessageID)
					assert.Equal(t, time.Duration(0), e.Idle)
				}
			}
		})
	}
}

func TestAutoClaimDefaultCount(t *testing.T) {
	q, clock := newPendingQueue(t)
	ids := postPending(t, q, 150)
	for range 150 / 15 {
		claimPending(t, q, 15, "a")
	}
	clock.Advance(time.Minute)
	c, next, err := q.AutoClaim(0, AutoClaimOptions{})
	require.NoError(t, err)
	assert.Len(t, c.Messages, DefaultAutoClaimCount)
	assert.Equal(t, ids[DefaultAutoClaimCount], next)
}

func TestAutoClaimErrors(t *testing.T) {
	tests := []struct {
		name string
		opts AutoClaimOptions
	}{
		{"negative count", AutoClaimOptions{Count: -1}},
		{"count overflows the scan", AutoClaimOptions{Count: int(^uint(0) >> 1)}},
		{"negative min idle", AutoClaimOptions{MinIdle: -1}},
		{"ttl too short", AutoClaimOptions{TTL: time.Second}},
		{"grace too long", AutoClaimOptions{Grace: 13 * time.Hour}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, clock := newPendingQueue(t)
			postPending(t, q, 2)
			claimPending(t, q, 2, "a")
			clock.Advance(time.Minute)
			got, next, err := q.AutoClaim(0, tt.opts)
			require.ErrorIs(t, err, ErrInvalid, "AutoClaim(0, %+v)", tt.opts)
			assert.Equal(t, Claim[string]{}, got)
			assert.Zero(t, next)
			assert.Equal(t, map[string]int{"a": 2}, q.PendingSummary().Consumers, "nothing changed")
		})
	}
	t.Run("closed", func(t *testing.T) {
		q, _ := newPendingQueue(t)
		postPending(t, q, 1)
		claimPending(t, q, 1, "a")
		q.Close()
		_, _, err := q.AutoClaim(0, AutoClaimOptions{})
		require.ErrorIs(t, err, ErrClosed)
		assert.Len(t, q.Pending(PendingOptions{Count: 1}), 1, "Pending still reads a closed queue")
	})
}
