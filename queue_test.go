package claimq

import (
	"errors"
	"math"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPost(t *testing.T) {
	t.Run("ids increase in input order", func(t *testing.T) {
		q, _ := newTestQueue(t, Options[string]{})
		a := postN(t, q, 3, 0)
		b := postN(t, q, 2, 0)
		all := append(a, b...)
		for i := 1; i < len(all); i++ {
			assert.Less(t, all[i-1], all[i], "Post IDs = %v; want increasing", all)
		}
		msgs, _ := q.List(ListOptions{})
		assert.Equal(t, all, idsOf(msgs))
		m, err := q.Get(a[1])
		require.NoError(t, err)
		assert.Equal(t, "m1", m.Body)
	})
	t.Run("all or nothing on an invalid message", func(t *testing.T) {
		q, _ := newTestQueue(t, Options[string]{})
		_, err := q.Post(Post[string]{Body: "ok"}, Post[string]{Body: "bad", TTL: 59 * time.Second})
		require.ErrorIs(t, err, ErrInvalid)
		var le *LimitError
		require.ErrorAs(t, err, &le)
		assert.Equal(t, "message ttl", le.Field)
		assert.Equal(t, 0, q.Len(), "Len after rejected batch")
	})
	t.Run("all or nothing on a full queue", func(t *testing.T) {
		q, _ := newTestQueue(t, Options[string]{MaxMessages: 3})
		postN(t, q, 2, 0)
		_, err := q.Post(Post[string]{Body: "a"}, Post[string]{Body: "b"})
		require.ErrorIs(t, err, ErrQueueFull)
		assert.Equal(t, 2, q.Len())
		postN(t, q, 1, 0)
		assert.Equal(t, 3, q.Len())
	})
	t.Run("empty batch is invalid", func(t *testing.T) {
		q, _ := newTestQueue(t, Options[string]{})
		_, err := q.Post()
		require.ErrorIs(t, err, ErrInvalid)
	})
	t.Run("default TTL from options, else limits", func(t *testing.T) {
		q, _ := newTestQueue(t, Options[string]{})
		id := postN(t, q, 1, 0)[0]
		m, err := q.Get(id)
		require.NoError(t, err)
		assert.Equal(t, 3600*time.Second, m.TTL)
		assert.Equal(t, start.Add(3600*time.Second), m.Expires)

		q2, _ := newTestQueue(t, Options[string]{DefaultTTL: 120 * time.Second})
		id = postN(t, q2, 1, 0)[0]
		m, err = q2.Get(id)
		require.NoError(t, err)
		assert.Equal(t, 120*time.Second, m.TTL)
	})
	t.Run("message fields", func(t *testing.T) {
		q, clock := newTestQueue(t, Options[string]{})
		ids, err := q.Post(Post[string]{Body: "x", TTL: 90 * time.Second, ClientID: "me"})
		require.NoError(t, err)
		clock.Advance(7 * time.Second)
		m, err := q.Get(ids[0])
		require.NoError(t, err)
		assert.Equal(t, Message[string]{ID: ids[0], Body: "x", TTL: 90 * time.Second, Created: start,
			Expires: start.Add(90 * time.Second), ClientID: "me"}, m)
		assert.Equal(t, 7*time.Second, m.Age(clock.Now()))
	})
}

func TestExpiry(t *testing.T) {
	t.Run("exact at Expires <= now", func(t *testing.T) {
		q, clock := newTestQueue(t, Options[string]{})
		id := postN(t, q, 1, 60*time.Second)[0]
		clock.Advance(60*time.Second - 1)
		_, err := q.Get(id)
		require.NoError(t, err, "one nanosecond before expiry")
		assert.Equal(t, 1, q.Len())
		clock.Advance(1)
		_, err = q.Get(id)
		require.ErrorIs(t, err, ErrMessageNotFound)
		assert.Equal(t, 0, q.Len())
		assert.Equal(t, int64(1), q.Stats().Expired)
	})
	t.Run("expired messages are invisible to every operation", func(t *testing.T) {
		q, clock := newTestQueue(t, Options[string]{})
		ids := postN(t, q, 2, 60*time.Second)
		clock.Advance(60 * time.Second)
		msgs, _ := q.List(ListOptions{IncludeClaimed: true, IncludeDelayed: true})
		assert.Empty(t, msgs)
		assert.Empty(t, q.GetMany(ids...))
		assert.Equal(t, 0, q.DeleteMany(ids...))
		c := mustClaim(t, q, ClaimOptions{})
		assert.Empty(t, c.Messages)
		popped, err := q.Pop(5)
		require.NoError(t, err)
		assert.Empty(t, popped)
		require.ErrorIs(t, q.Delete(ids[0], ClaimID{}), ErrMessageNotFound)
		assert.Equal(t, Stats{Expired: 2}, q.Stats())
	})
	t.Run("time going back changes nothing", func(t *testing.T) {
		q, clock := newTestQueue(t, Options[string]{})
		id := postN(t, q, 1, 60*time.Second)[0]
		clock.Advance(60 * time.Second)
		require.Equal(t, 0, q.Len())
		clock.Set(start)
		_, err := q.Get(id)
		require.ErrorIs(t, err, ErrMessageNotFound, "message came back when the clock stepped back")
		id2 := postN(t, q, 1, 60*time.Second)[0]
		m, err := q.Get(id2)
		require.NoError(t, err)
		assert.Equal(t, start.Add(60*time.Second), m.Created, "a post after a step back uses the latest time seen")
	})
}

func TestClaimRules(t *testing.T) {
	t.Run("oldest first, never a held message", func(t *testing.T) {
		q, _ := newTestQueue(t, Options[string]{})
		ids := postN(t, q, 5, 0)
		c1 := mustClaim(t, q, ClaimOptions{Limit: 2})
		c2 := mustClaim(t, q, ClaimOptions{Limit: 2})
		c3 := mustClaim(t, q, ClaimOptions{Limit: 2})
		assert.Equal(t, ids[0:2], idsOf(c1.Messages))
		assert.Equal(t, ids[2:4], idsOf(c2.Messages))
		assert.Equal(t, ids[4:5], idsOf(c3.Messages))
		c4 := mustClaim(t, q, ClaimOptions{})
		assert.Equal(t, Claim[string]{}, c4, "Claim with nothing claimable = %v; want the zero Claim", c4)
	})
	t.Run("claim fields", func(t *testing.T) {
		q, _ := newTestQueue(t, Options[string]{})
		ids := postN(t, q, 1, 0)
		c := mustClaim(t, q, ClaimOptions{ClientID: "w1"})
		assert.False(t, c.ID.IsZero())
		assert.Equal(t, "w1", c.ClientID)
		assert.Equal(t, 300*time.Second, c.TTL)
		assert.Equal(t, 60*time.Second, c.Grace)
		assert.Equal(t, start, c.Renewed)
		assert.Equal(t, start.Add(300*time.Second), c.Expires)
		require.Len(t, c.Messages, 1)
		assert.Equal(t, ids[0], c.Messages[0].ID)
		assert.Equal(t, c.ID, c.Messages[0].ClaimID)
		assert.Equal(t, 1, c.Messages[0].ClaimCount)
	})
	t.Run("claim IDs are distinct", func(t *testing.T) {
		q, _ := newTestQueue(t, Options[string]{})
		seen := map[ClaimID]bool{}
		for range 100 {
			postN(t, q, 1, 0)
			c := mustClaim(t, q, ClaimOptions{Limit: 1})
			require.False(t, seen[c.ID], "claim ID %v repeated", c.ID)
			seen[c.ID] = true
		}
	})
	t.Run("live until Expires, exactly", func(t *testing.T) {
		q, clock := newTestQueue(t, Options[string]{})
		ids := postN(t, q, 1, 0)
		c := mustClaim(t, q, ClaimOptions{TTL: 60 * time.Second})
		clock.Advance(60*time.Second - 1)
		_, err := q.GetClaim(c.ID)
		require.NoError(t, err)
		assert.Empty(t, mustClaim(t, q, ClaimOptions{}).Messages)
		clock.Advance(1)
		_, err = q.GetClaim(c.ID)
		require.ErrorIs(t, err, ErrClaimNotFound)
		again := mustClaim(t, q, ClaimOptions{})
		assert.Equal(t, ids, idsOf(again.Messages))
		assert.Equal(t, 2, again.Messages[0].ClaimCount, "ClaimCount after a second claim")
	})
	t.Run("claim count grows per claim and survives release", func(t *testing.T) {
		q, _ := newTestQueue(t, Options[string]{})
		id := postN(t, q, 1, 0)[0]
		for want := 1; want <= 3; want++ {
			c := mustClaim(t, q, ClaimOptions{})
			require.Len(t, c.Messages, 1)
			assert.Equal(t, want, c.Messages[0].ClaimCount)
			require.NoError(t, q.Release(c.ID))
		}
		m, err := q.Get(id)
		require.NoError(t, err)
		assert.Equal(t, 3, m.ClaimCount)
	})
	t.Run("no client filtering", func(t *testing.T) {
		q, _ := newTestQueue(t, Options[string]{})
		_, err := q.Post(Post[string]{Body: "own", ClientID: "me"})
		require.NoError(t, err)
		c := mustClaim(t, q, ClaimOptions{ClientID: "me"})
		assert.Len(t, c.Messages, 1)
	})
	t.Run("invalid options change nothing", func(t *testing.T) {
		q, _ := newTestQueue(t, Options[string]{})
		postN(t, q, 1, 0)
		for _, o := range []ClaimOptions{
			{Limit: 21}, {Limit: -1}, {TTL: 59 * time.Second}, {TTL: 43201 * time.Second},
			{Grace: 59 * time.Second}, {Grace: 43201 * time.Second}, {Grace: NoGrace},
		} {
			_, err := q.Claim(o)
			require.ErrorIs(t, err, ErrInvalid, "Claim(%+v)", o)
		}
		assert.Equal(t, 0, q.Stats().Claimed)
	})
}

func TestLifetimeExtension(t *testing.T) {
	// Zaqar's storage tests (tests/unit/storage/base.py): messages posted
	// with TTL 120 s just before the claim.
	for _, tt := range []struct {
		name       string
		ttl, grace time.Duration
		want       time.Duration
	}{
		{"777/0 extends to 777", 777 * time.Second, NoGrace, 777 * time.Second},
		{"777/23 extends to 800", 777 * time.Second, 23 * time.Second, 800 * time.Second},
		{"121/22 extends to 143", 121 * time.Second, 22 * time.Second, 143 * time.Second},
		{"60/30 leaves 120", 60 * time.Second, 30 * time.Second, 120 * time.Second},
	} {
		t.Run(tt.name, func(t *testing.T) {
			q, clock := newTestQueue(t, Options[string]{Limits: wideLimits()})
			id := postN(t, q, 1, 120*time.Second)[0]
			c := mustClaim(t, q, ClaimOptions{TTL: tt.ttl, Grace: tt.grace})
			require.Len(t, c.Messages, 1)
			assert.Equal(t, tt.want, c.Messages[0].TTL, "TTL in the claim result")
			m, err := q.Get(id)
			require.NoError(t, err)
			assert.Equal(t, tt.want, m.TTL)
			assert.Equal(t, start.Add(tt.want), m.Expires)
			clock.Advance(tt.want - 1)
			_, err = q.Get(id)
			require.NoError(t, err, "message gone before its extended expiry")
			clock.Advance(1)
			_, err = q.Get(id)
			require.ErrorIs(t, err, ErrMessageNotFound)
		})
	}
	t.Run("never undone by release", func(t *testing.T) {
		q, _ := newTestQueue(t, Options[string]{Limits: wideLimits()})
		id := postN(t, q, 1, 120*time.Second)[0]
		c := mustClaim(t, q, ClaimOptions{TTL: 777 * time.Second, Grace: 23 * time.Second})
		require.NoError(t, q.Release(c.ID))
		m, err := q.Get(id)
		require.NoError(t, err)
		assert.Equal(t, 800*time.Second, m.TTL)
	})
	t.Run("applied again on renew with the new grace", func(t *testing.T) {
		q, clock := newTestQueue(t, Options[string]{})
		id := postN(t, q, 1, 120*time.Second)[0]
		c := mustClaim(t, q, ClaimOptions{TTL: 100 * time.Second, Grace: 60 * time.Second})
		clock.Advance(90 * time.Second)
		require.NoError(t, q.Renew(c.ID, RenewOptions{TTL: 300 * time.Second, Grace: 10 * time.Second}))
		m, err := q.Get(id)
		require.NoError(t, err)
		assert.Equal(t, 310*time.Second, m.TTL)
		assert.Equal(t, start.Add(90*time.Second+310*time.Second), m.Expires)
	})
}

func TestDelay(t *testing.T) {
	t.Run("not claimable until the delay ends", func(t *testing.T) {
		q, clock := newTestQueue(t, Options[string]{})
		ids, err := q.Post(Post[string]{Body: "later", Delay: 30 * time.Second}, Post[string]{Body: "now"})
		require.NoError(t, err)
		c := mustClaim(t, q, ClaimOptions{})
		assert.Equal(t, ids[1:], idsOf(c.Messages))
		m, err := q.Get(ids[0])
		require.NoError(t, err, "Get returns delayed messages")
		assert.Equal(t, start.Add(30*time.Second), m.DelayedUntil)
		assert.Equal(t, 1, q.Stats().Delayed)

		clock.Advance(30*time.Second - 1)
		assert.Empty(t, mustClaim(t, q, ClaimOptions{}).Messages)
		clock.Advance(1)
		c = mustClaim(t, q, ClaimOptions{})
		assert.Equal(t, ids[:1], idsOf(c.Messages))
		assert.Equal(t, 0, q.Stats().Delayed)
	})
	t.Run("default delay and NoDelay", func(t *testing.T) {
		q, _ := newTestQueue(t, Options[string]{DefaultDelay: 10 * time.Second})
		ids, err := q.Post(Post[string]{Body: "default"}, Post[string]{Body: "none", Delay: NoDelay})
		require.NoError(t, err)
		c := mustClaim(t, q, ClaimOptions{})
		assert.Equal(t, ids[1:], idsOf(c.Messages))
	})
	t.Run("pop skips delayed messages", func(t *testing.T) {
		q, _ := newTestQueue(t, Options[string]{})
		_, err := q.Post(Post[string]{Body: "later", Delay: time.Minute})
		require.NoError(t, err)
		got, err := q.Pop(5)
		require.NoError(t, err)
		assert.Empty(t, got)
		assert.Equal(t, 1, q.Len())
	})
	t.Run("delay beyond the limit is invalid", func(t *testing.T) {
		q, _ := newTestQueue(t, Options[string]{})
		_, err := q.Post(Post[string]{Body: "x", Delay: 901 * time.Second})
		require.ErrorIs(t, err, ErrInvalid)
		_, err = q.Post(Post[string]{Body: "x", Delay: -2})
		require.ErrorIs(t, err, ErrInvalid)
	})
	t.Run("a delay longer than the TTL never becomes claimable", func(t *testing.T) {
		q, clock := newTestQueue(t, Options[string]{})
		_, err := q.Post(Post[string]{Body: "x", TTL: 60 * time.Second, Delay: 90 * time.Second})
		require.NoError(t, err)
		clock.Advance(60 * time.Second)
		assert.Equal(t, 0, q.Len())
		clock.Advance(60 * time.Second)
		assert.Empty(t, mustClaim(t, q, ClaimOptions{}).Messages)
	})
}

func TestDeadLetter(t *testing.T) {
	t.Run("moved on the claim after MaxClaimCount", func(t *testing.T) {
		clock := NewFakeClock(start)
		dlq := New(Options[string]{Clock: clock})
		q := New(Options[string]{Clock: clock, MaxClaimCount: 2, DeadLetter: dlq, DeadLetterTTL: 9999 * time.Second})
		ids, err := q.Post(Post[string]{Body: "poison"}, Post[string]{Body: "fine"})
		require.NoError(t, err)
		for range 2 {
			c := mustClaim(t, q, ClaimOptions{Limit: 1})
			require.Equal(t, ids[:1], idsOf(c.Messages))
			require.NoError(t, q.Release(c.ID))
		}
		c := mustClaim(t, q, ClaimOptions{Limit: 1})
		assert.Equal(t, ids[1:], idsOf(c.Messages), "the third claim skips the poison message")
		_, err = q.Get(ids[0])
		require.ErrorIs(t, err, ErrMessageNotFound)
		assert.Equal(t, int64(1), q.Stats().DeadLettered)

		moved, _ := dlq.List(ListOptions{})
		require.Len(t, moved, 1)
		assert.Equal(t, "poison", moved[0].Body)
		assert.Equal(t, 9999*time.Second, moved[0].TTL)
		assert.Equal(t, clock.Now().Add(9999*time.Second), moved[0].Expires)
		assert.True(t, moved[0].ClaimID.IsZero())
		assert.Equal(t, 0, moved[0].ClaimCount)
		require.NoError(t, q.checkInvariants())
		require.NoError(t, dlq.checkInvariants())
	})
	t.Run("ID, creation time and remaining TTL kept", func(t *testing.T) {
		clock := NewFakeClock(start)
		dlq := New(Options[string]{Clock: clock})
		q := New(Options[string]{Clock: clock, MaxClaimCount: 1, DeadLetter: dlq})
		ids, err := q.Post(Post[string]{Body: "poison", TTL: 1000 * time.Second, ClientID: "producer"})
		require.NoError(t, err)
		newer, err := dlq.Post(Post[string]{Body: "posted later"})
		require.NoError(t, err)
		c := mustClaim(t, q, ClaimOptions{})
		require.NoError(t, q.Release(c.ID))
		clock.Advance(100 * time.Second)
		assert.Empty(t, mustClaim(t, q, ClaimOptions{}).Messages)
		moved, _ := dlq.List(ListOptions{})
		require.Len(t, moved, 2)
		assert.Equal(t, []MessageID{ids[0], newer[0]}, idsOf(moved), "moved with its ID, in ID order")
		assert.Equal(t, Message[string]{ID: ids[0], Body: "poison", ClientID: "producer", TTL: 1000 * time.Second,
			Created: start, Expires: start.Add(1000 * time.Second)}, moved[0])
		m, err := dlq.Get(ids[0])
		require.NoError(t, err)
		assert.Equal(t, "poison", m.Body, "found by its ID in the dead-letter queue")
		require.NoError(t, dlq.checkInvariants())
	})
	t.Run("a full or closed dead-letter queue takes the message and counts it", func(t *testing.T) {
		clock := NewFakeClock(start)
		dlq := New(Options[string]{Clock: clock, MaxMessages: 1})
		_, err := dlq.Post(Post[string]{Body: "fills it"})
		require.NoError(t, err)
		dlq.Close()
		q := New(Options[string]{Clock: clock, MaxClaimCount: 1, DeadLetter: dlq})
		_, err = q.Post(Post[string]{Body: "poison"})
		require.NoError(t, err)
		c := mustClaim(t, q, ClaimOptions{})
		require.NoError(t, q.Release(c.ID))
		assert.Empty(t, mustClaim(t, q, ClaimOptions{}).Messages)
		s := dlq.Stats()
		assert.Equal(t, 2, s.Total, "nothing is dropped")
		assert.Equal(t, int64(1), s.OverLimit)
		assert.Zero(t, q.Stats().Dropped)
		require.NoError(t, dlq.checkInvariants())
	})
	t.Run("dropped and counted without a dead-letter queue", func(t *testing.T) {
		q, _ := newTestQueue(t, Options[string]{MaxClaimCount: 1})
		postN(t, q, 1, 0)
		c := mustClaim(t, q, ClaimOptions{})
		require.NoError(t, q.Release(c.ID))
		assert.Empty(t, mustClaim(t, q, ClaimOptions{}).Messages)
		s := q.Stats()
		assert.Equal(t, 0, s.Total)
		assert.Equal(t, int64(1), s.DeadLettered)
		assert.Equal(t, int64(1), s.Dropped)
	})
	t.Run("queues dead-lettering into each other do not deadlock", func(t *testing.T) {
		clock := NewFakeClock(start)
		a := New(Options[string]{Clock: clock})
		b := New(Options[string]{Clock: clock, MaxClaimCount: 1, DeadLetter: a})
		require.NoError(t, a.SetOptions(Options[string]{MaxClaimCount: 1, DeadLetter: b}))
		_, err := a.Post(Post[string]{Body: "ping"})
		require.NoError(t, err)
		for range 4 {
			for _, q := range []*Queue[string]{a, b} {
				c := mustClaim(t, q, ClaimOptions{})
				if len(c.Messages) > 0 {
					require.NoError(t, q.Release(c.ID))
				}
			}
		}
		assert.Equal(t, 1, a.Len()+b.Len())
	})
}

func TestDeleteRules(t *testing.T) {
	type setup struct {
		q     *Queue[string]
		clock *FakeClock
		id    MessageID
	}
	prepare := func(t *testing.T) setup {
		q, clock := newTestQueue(t, Options[string]{})
		return setup{q, clock, postN(t, q, 1, 0)[0]}
	}
	for _, tt := range []struct {
		name string
		// act returns the claim to delete with after arranging the state.
		act    func(t *testing.T, s setup) ClaimID
		want   error
		expiry bool // the error must also match ErrClaimExpired
	}{
		{"unclaimed without claim deletes", func(*testing.T, setup) ClaimID { return ClaimID{} }, nil, false},
		{"never existed", func(*testing.T, setup) ClaimID { return ClaimID{} }, ErrMessageNotFound, false},
		{"held without claim", func(t *testing.T, s setup) ClaimID {
			mustClaim(t, s.q, ClaimOptions{})
			return ClaimID{}
		}, ErrMessageClaimed, false},
		{"held with its claim deletes", func(t *testing.T, s setup) ClaimID {
			return mustClaim(t, s.q, ClaimOptions{}).ID
		}, nil, false},
		{"held by another live claim", func(t *testing.T, s setup) ClaimID {
			mustClaim(t, s.q, ClaimOptions{})
			postN(t, s.q, 1, 0)
			return mustClaim(t, s.q, ClaimOptions{}).ID
		}, ErrClaimedByOther, false},
		{"held, given claim never issued", func(t *testing.T, s setup) ClaimID {
			mustClaim(t, s.q, ClaimOptions{})
			return ClaimID{1, 2, 3}
		}, ErrClaimedByOther, false},
		{"held by another, given claim ended", func(t *testing.T, s setup) ClaimID {
			postN(t, s.q, 1, 0)
			ended := mustClaim(t, s.q, ClaimOptions{Limit: 2})
			require.NoError(t, s.q.Release(ended.ID))
			mustClaim(t, s.q, ClaimOptions{})
			return ended.ID
		}, ErrClaimedByOther, true},
		{"never claimed, claim never issued", func(*testing.T, setup) ClaimID { return ClaimID{9} }, ErrNotClaimed, false},
		{"released claim", func(t *testing.T, s setup) ClaimID {
			c := mustClaim(t, s.q, ClaimOptions{})
			require.NoError(t, s.q.Release(c.ID))
			return c.ID
		}, ErrNotClaimed, true},
		{"own claim expired: the race", func(t *testing.T, s setup) ClaimID {
			c := mustClaim(t, s.q, ClaimOptions{TTL: 60 * time.Second})
			s.clock.Advance(61 * time.Second)
			return c.ID
		}, ErrNotClaimed, true},
		{"own claim expired and the message deleted since: still the race", func(t *testing.T, s setup) ClaimID {
			c := mustClaim(t, s.q, ClaimOptions{TTL: 60 * time.Second})
			s.clock.Advance(61 * time.Second)
			require.NoError(t, s.q.Delete(s.id, ClaimID{}))
			return c.ID
		}, ErrMessageNotFound, true},
		{"retried by a live claim", func(t *testing.T, s setup) ClaimID {
			postN(t, s.q, 1, 0)
			c := mustClaim(t, s.q, ClaimOptions{Limit: 2})
			require.NoError(t, s.q.Retry(c.ID, 0, s.id))
			return c.ID
		}, ErrNotClaimed, false},
		{"another claim expired, a claim never issued given", func(t *testing.T, s setup) ClaimID {
			mustClaim(t, s.q, ClaimOptions{TTL: 60 * time.Second})
			s.clock.Advance(61 * time.Second)
			return ClaimID{7}
		}, ErrNotClaimed, false},
		{"expired claim, no claim given, deletes", func(t *testing.T, s setup) ClaimID {
			mustClaim(t, s.q, ClaimOptions{TTL: 60 * time.Second})
			s.clock.Advance(60 * time.Second)
			return ClaimID{}
		}, nil, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := prepare(t)
			claim := tt.act(t, s)
			id := s.id
			if errors.Is(tt.want, ErrMessageNotFound) && !tt.expiry {
				id += 1000
			}
			err := s.q.Delete(id, claim)
			if tt.want == nil {
				require.NoError(t, err)
				_, err = s.q.Get(id)
				require.ErrorIs(t, err, ErrMessageNotFound, "message still there after Delete")
				require.ErrorIs(t, s.q.Delete(id, claim), ErrMessageNotFound, "second Delete")
				return
			}
			require.ErrorIs(t, err, tt.want)
			assert.Equal(t, tt.expiry, errors.Is(err, ErrClaimExpired), "errors.Is(%v, ErrClaimExpired)", err)
			assert.Equal(t, !tt.expiry && !claim.IsZero() && !s.q.claimIDs.issued(claim), errors.Is(err, ErrClaimNotFound),
				"errors.Is(%v, ErrClaimNotFound): only for a claim never issued", err)
			if !errors.Is(tt.want, ErrMessageNotFound) {
				_, err = s.q.Get(id)
				require.NoError(t, err, "a refused Delete removed the message")
			}
		})
	}
}

func TestDeleteMany(t *testing.T) {
	q, _ := newTestQueue(t, Options[string]{})
	ids := postN(t, q, 4, 0)
	mustClaim(t, q, ClaimOptions{Limit: 2})
	n := q.DeleteMany(ids[0], ids[2], ids[0], 12345)
	assert.Equal(t, 2, n, "DeleteMany removes claimed messages too and skips unknown IDs")
	assert.Equal(t, 2, q.Len())
	s := q.Stats()
	assert.Equal(t, 1, s.Claimed)
	assert.Equal(t, 1, s.Claims)
}

func TestGetMany(t *testing.T) {
	q, _ := newTestQueue(t, Options[string]{})
	ids := postN(t, q, 3, 0)
	got := q.GetMany(ids[2], 999999, ids[0])
	assert.Equal(t, []MessageID{ids[2], ids[0]}, idsOf(got))
}

func TestPop(t *testing.T) {
	t.Run("oldest claimable first", func(t *testing.T) {
		q, _ := newTestQueue(t, Options[string]{})
		ids := postN(t, q, 5, 0)
		mustClaim(t, q, ClaimOptions{Limit: 2})
		got, err := q.Pop(2)
		require.NoError(t, err)
		assert.Equal(t, ids[2:4], idsOf(got))
		assert.Equal(t, "m2", got[0].Body)
		assert.Equal(t, 3, q.Len())
		got, err = q.Pop(20)
		require.NoError(t, err)
		assert.Equal(t, ids[4:], idsOf(got))
	})
	t.Run("a message whose claim expired is poppable", func(t *testing.T) {
		q, clock := newTestQueue(t, Options[string]{})
		ids := postN(t, q, 1, 0)
		mustClaim(t, q, ClaimOptions{TTL: 60 * time.Second})
		clock.Advance(60 * time.Second)
		got, err := q.Pop(1)
		require.NoError(t, err)
		assert.Equal(t, ids, idsOf(got))
	})
	for _, n := range []int{0, -1, 21} {
		t.Run("n="+strconv.Itoa(n)+" is invalid", func(t *testing.T) {
			q, _ := newTestQueue(t, Options[string]{})
			postN(t, q, 1, 0)
			_, err := q.Pop(n)
			require.ErrorIs(t, err, ErrInvalid)
			assert.Equal(t, 1, q.Len())
		})
	}
}

func TestList(t *testing.T) {
	q, clock := newTestQueue(t, Options[string]{})
	ids, err := q.Post(
		Post[string]{Body: "a", ClientID: "me"},
		Post[string]{Body: "b"},
		Post[string]{Body: "c", Delay: time.Minute},
		Post[string]{Body: "d"},
	)
	require.NoError(t, err)
	c := mustClaim(t, q, ClaimOptions{Limit: 2}) // a and b
	for _, tt := range []struct {
		name string
		opts ListOptions
		want []MessageID
	}{
		{"defaults hide claimed and delayed", ListOptions{}, ids[3:]},
		{"include claimed", ListOptions{IncludeClaimed: true}, []MessageID{ids[0], ids[1], ids[3]}},
		{"include delayed", ListOptions{IncludeDelayed: true}, ids[2:]},
		{"echo false hides own", ListOptions{IncludeClaimed: true, IncludeDelayed: true, ClientID: "me"}, ids[1:]},
		{"echo true shows own", ListOptions{IncludeClaimed: true, IncludeDelayed: true, ClientID: "me", Echo: true}, ids},
		{"marker is exclusive", ListOptions{IncludeClaimed: true, IncludeDelayed: true, Marker: ids[1]}, ids[2:]},
		{"limit", ListOptions{IncludeClaimed: true, Limit: 2}, ids[:2]},
	} {
		t.Run(tt.name, func(t *testing.T) {
			msgs, _ := q.List(tt.opts)
			assert.Equal(t, tt.want, idsOf(msgs), "List(%+v)", tt.opts)
		})
	}
	t.Run("claim ID of held messages", func(t *testing.T) {
		msgs, _ := q.List(ListOptions{IncludeClaimed: true, Limit: 1})
		require.Len(t, msgs, 1)
		assert.Equal(t, c.ID, msgs[0].ClaimID)
	})
	t.Run("pages through with next", func(t *testing.T) {
		var got []MessageID
		var marker MessageID
		for pages := 0; ; pages++ {
			require.Less(t, pages, 10, "List never returned next = 0")
			msgs, next := q.List(ListOptions{Marker: marker, Limit: 1, IncludeClaimed: true, IncludeDelayed: true})
			got = append(got, idsOf(msgs)...)
			if next == 0 {
				break
			}
			marker = next
		}
		assert.Equal(t, ids, got)
	})
	t.Run("limit above the maximum is lowered", func(t *testing.T) {
		q2, _ := newTestQueue(t, Options[string]{})
		postN(t, q2, 25, 0)
		msgs, next := q2.List(ListOptions{Limit: 100})
		assert.Len(t, msgs, 20)
		assert.Equal(t, msgs[19].ID, next)
	})
	clock.Advance(time.Minute)
	t.Run("delay ended", func(t *testing.T) {
		msgs, _ := q.List(ListOptions{})
		assert.Equal(t, ids[2:], idsOf(msgs))
	})
}

func TestStats(t *testing.T) {
	q, clock := newTestQueue(t, Options[string]{})
	assert.Equal(t, Stats{}, q.Stats(), "empty queue")
	ids := postN(t, q, 20, 0)
	clock.Advance(10 * time.Second)
	_, err := q.Post(Post[string]{Body: "late", Delay: time.Minute})
	require.NoError(t, err)
	mustClaim(t, q, ClaimOptions{Limit: 15})
	clock.Advance(5 * time.Second)
	s := q.Stats()
	assert.Equal(t, 21, s.Total)
	assert.Equal(t, 15, s.Claimed)
	assert.Equal(t, 6, s.Free)
	assert.Equal(t, 1, s.Delayed)
	assert.Equal(t, 1, s.Claims)
	assert.Equal(t, MessageStat{ID: ids[0], Created: start, Age: 15 * time.Second}, s.Oldest)
	assert.Equal(t, 5*time.Second, s.Newest.Age)
	assert.Equal(t, start.Add(10*time.Second), s.Newest.Created)
}

func TestPurge(t *testing.T) {
	q, _ := newTestQueue(t, Options[string]{})
	postN(t, q, 5, 0)
	c := mustClaim(t, q, ClaimOptions{Limit: 2})
	_, err := q.Post(Post[string]{Body: "d", Delay: time.Minute})
	require.NoError(t, err)
	assert.Equal(t, 6, q.Purge())
	assert.Equal(t, 0, q.Len())
	_, err = q.GetClaim(c.ID)
	require.ErrorIs(t, err, ErrClaimNotFound)
	assert.Equal(t, Stats{}, q.Stats())
	ids := postN(t, q, 1, 0)
	assert.Equal(t, ids, idsOf(mustClaim(t, q, ClaimOptions{}).Messages), "queue works after Purge")
}

func TestClose(t *testing.T) {
	q, _ := newTestQueue(t, Options[string]{})
	ids := postN(t, q, 2, 0)
	c := mustClaim(t, q, ClaimOptions{Limit: 1})
	q.Close()
	_, err := q.Post(Post[string]{Body: "x"})
	require.ErrorIs(t, err, ErrClosed)
	_, err = q.Claim(ClaimOptions{})
	require.ErrorIs(t, err, ErrClosed)
	_, err = q.Pop(1)
	require.ErrorIs(t, err, ErrClosed)
	_, _, err = q.AutoClaim(0, AutoClaimOptions{})
	require.ErrorIs(t, err, ErrClosed)
	_, err = q.Reclaim(ids, ReclaimOptions{Force: true})
	require.ErrorIs(t, err, ErrClosed)
	_, err = q.ClaimWait(t.Context(), ClaimOptions{})
	require.ErrorIs(t, err, ErrClosed)
	require.NoError(t, q.Renew(c.ID, RenewOptions{TTL: time.Minute, Grace: time.Minute}), "holders renew after Close")
	require.NoError(t, q.Delete(ids[0], c.ID), "workers finish what they hold after Close")
	_, err = q.Get(ids[1])
	require.NoError(t, err)
	q.Close() // a second Close is harmless
}

func TestUnusableQueue(t *testing.T) {
	for name, q := range map[string]*Queue[int]{"nil": nil, "zero": new(Queue[int])} {
		t.Run(name, func(t *testing.T) {
			_, err := q.Post(Post[int]{Body: 1})
			require.ErrorIs(t, err, ErrInvalid)
			_, err = q.Claim(ClaimOptions{})
			require.ErrorIs(t, err, ErrInvalid)
			_, err = q.Get(1)
			require.ErrorIs(t, err, ErrInvalid)
			require.ErrorIs(t, q.Delete(1, ClaimID{}), ErrInvalid)
			require.ErrorIs(t, q.Renew(ClaimID{1}, RenewOptions{TTL: time.Minute, Grace: NoGrace}), ErrInvalid)
			require.ErrorIs(t, q.Release(ClaimID{1}), ErrInvalid)
			_, err = q.Pop(1)
			require.ErrorIs(t, err, ErrInvalid)
			_, err = q.GetClaim(ClaimID{1})
			require.ErrorIs(t, err, ErrInvalid)
			_, err = q.ClaimWait(t.Context(), ClaimOptions{})
			require.ErrorIs(t, err, ErrInvalid)
			require.ErrorIs(t, q.SetOptions(Options[int]{}), ErrInvalid)
			assert.Equal(t, 0, q.Len())
			assert.Equal(t, Stats{}, q.Stats())
			assert.Equal(t, 0, q.Purge())
			assert.Equal(t, 0, q.DeleteMany(1))
			assert.Nil(t, q.GetMany(1))
			msgs, next := q.List(ListOptions{})
			assert.Nil(t, msgs)
			assert.Zero(t, next)
			require.ErrorIs(t, q.Retry(ClaimID{1}, 0, 1), ErrInvalid)
			require.ErrorIs(t, q.Drain(t.Context()), ErrInvalid)
			_, err = q.Complete(ClaimID{1})
			require.ErrorIs(t, err, ErrInvalid)
			for range q.All() {
				t.Fatal("All of an unusable queue yielded")
			}
			for range q.Claims() {
				t.Fatal("Claims of an unusable queue yielded")
			}
			q.Close()
		})
	}
}

func TestSetOptions(t *testing.T) {
	q, _ := newTestQueue(t, Options[string]{})
	require.NoError(t, q.SetOptions(Options[string]{DefaultTTL: 120 * time.Second}))
	id := postN(t, q, 1, 0)[0]
	m, err := q.Get(id)
	require.NoError(t, err)
	assert.Equal(t, 120*time.Second, m.TTL)
	err = q.SetOptions(Options[string]{DefaultTTL: time.Second})
	require.ErrorIs(t, err, ErrInvalid)
	assert.Equal(t, 120*time.Second, q.Options().DefaultTTL, "a refused SetOptions changed the options")
}

func TestDeleteClaimed(t *testing.T) {
	t.Run("deletes the batch", func(t *testing.T) {
		q, _ := newTestQueue(t, Options[string]{})
		ids := postN(t, q, 4, 0)
		c := mustClaim(t, q, ClaimOptions{Limit: 3})
		n, err := q.DeleteClaimed(c.ID, ids[0], ids[2], ids[2], 999999)
		require.NoError(t, err)
		assert.Equal(t, 2, n, "duplicates and unknown IDs are skipped")
		assert.Equal(t, 2, q.Len())
		got, err := q.GetClaim(c.ID)
		require.NoError(t, err)
		assert.Equal(t, ids[1:2], idsOf(got.Messages))
	})
	t.Run("all or nothing", func(t *testing.T) {
		q, _ := newTestQueue(t, Options[string]{})
		ids := postN(t, q, 3, 0)
		c := mustClaim(t, q, ClaimOptions{Limit: 2})
		other := mustClaim(t, q, ClaimOptions{Limit: 1})
		_, err := q.DeleteClaimed(c.ID, ids[0], ids[2], ids[1])
		require.ErrorIs(t, err, ErrClaimedByOther)
		require.NotErrorIs(t, err, ErrClaimExpired)
		assert.Equal(t, 3, q.Len(), "a refused batch deleted something")
		_, err = q.DeleteClaimed(other.ID, ids[2])
		require.NoError(t, err)
	})
	t.Run("expired claim", func(t *testing.T) {
		q, clock := newTestQueue(t, Options[string]{})
		ids := postN(t, q, 2, 0)
		c := mustClaim(t, q, ClaimOptions{TTL: time.Minute})
		clock.Advance(time.Minute)
		_, err := q.DeleteClaimed(c.ID, ids...)
		require.ErrorIs(t, err, ErrClaimExpired)
		assert.Equal(t, 2, q.Len())
		require.Equal(t, 2, q.DeleteMany(ids...))
		n, err := q.DeleteClaimed(c.ID, ids...)
		require.ErrorIs(t, err, ErrClaimExpired, "messages gone: the race is reported all the same")
		assert.Zero(t, n)
	})
	t.Run("zero claim is invalid", func(t *testing.T) {
		q, _ := newTestQueue(t, Options[string]{})
		ids := postN(t, q, 1, 0)
		_, err := q.DeleteClaimed(ClaimID{}, ids...)
		require.ErrorIs(t, err, ErrInvalid)
		assert.Equal(t, 1, q.Len())
	})
}

func TestEmptiedClaim(t *testing.T) {
	for _, tt := range []struct {
		name  string
		empty func(t *testing.T, q *Queue[string], c ClaimID, ids []MessageID)
	}{
		{"by Delete", func(t *testing.T, q *Queue[string], c ClaimID, ids []MessageID) {
			for _, id := range ids {
				require.NoError(t, q.Delete(id, c))
			}
		}},
		{"by DeleteClaimed", func(t *testing.T, q *Queue[string], c ClaimID, ids []MessageID) {
			_, err := q.DeleteClaimed(c, ids...)
			require.NoError(t, err)
		}},
		{"by DeleteMany", func(t *testing.T, q *Queue[string], _ ClaimID, ids []MessageID) {
			require.Equal(t, len(ids), q.DeleteMany(ids...))
		}},
		{"by Retry", func(t *testing.T, q *Queue[string], c ClaimID, ids []MessageID) {
			require.NoError(t, q.Retry(c, 0, ids...))
		}},
		{"by Reclaim", func(t *testing.T, q *Queue[string], _ ClaimID, ids []MessageID) {
			got, err := q.Reclaim(ids, ReclaimOptions{})
			require.NoError(t, err)
			require.Len(t, got.Messages, len(ids))
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			q, _ := newTestQueue(t, Options[string]{})
			ids := postN(t, q, 2, 0)
			c := mustClaim(t, q, ClaimOptions{TTL: time.Minute, ClientID: "w"})
			tt.empty(t, q, c.ID, ids)
			_, err := q.GetClaim(c.ID)
			require.ErrorIs(t, err, ErrClaimNotFound)
			require.ErrorIs(t, err, ErrClaimExpired)
			for got := range q.Claims() {
				require.NotEqual(t, c.ID, got.ID, "Claims lists an emptied claim")
			}
			require.ErrorIs(t, q.Renew(c.ID, RenewOptions{}), ErrClaimExpired)
			require.ErrorIs(t, q.Release(c.ID), ErrClaimExpired)
			q.mu.Lock()
			defer q.mu.Unlock()
			assert.Nil(t, q.claims[c.ID], "an emptied claim is still stored")
			for _, d := range q.claimDue.h {
				assert.NotEqual(t, c.ID, d.p.id, "an emptied claim is still in the timetable")
			}
		})
	}
}

func TestEdgeValues(t *testing.T) {
	t.Run("a clock before 1970", func(t *testing.T) {
		clock := NewFakeClock(time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC))
		q := New(Options[string]{Clock: clock})
		ids, err := q.Post(Post[string]{Body: "old", TTL: time.Minute})
		require.NoError(t, err)
		m, err := q.Get(ids[0])
		require.NoError(t, err)
		assert.Equal(t, clock.Now(), m.Created)
		clock.Advance(time.Minute)
		assert.Equal(t, 0, q.Len(), "expiry stopped before 1970")
		require.NoError(t, q.checkInvariants())
	})
	t.Run("the last possible marker", func(t *testing.T) {
		q, _ := newTestQueue(t, Options[string]{})
		postN(t, q, 2, 0)
		msgs, next := q.List(ListOptions{Marker: ^MessageID(0)})
		assert.Empty(t, msgs)
		assert.Zero(t, next)
	})
	t.Run("durations that could overflow are refused", func(t *testing.T) {
		l := ZaqarLimits()
		l.MaxMessageTTL = MaxDuration + 1
		require.ErrorIs(t, l.Validate(), ErrInvalid)
		assert.Panics(t, func() { New(Options[int]{Limits: ZaqarLimits(), DeadLetterTTL: 15 * 24 * time.Hour}) })
		assert.Panics(t, func() { New(Options[int]{DeadLetterTTL: MaxDuration + 1}) })
	})
	t.Run("delivery counts saturate", func(t *testing.T) {
		q, clock := newTestQueue(t, Options[string]{})
		ids := postN(t, q, 1, 0)
		mustClaim(t, q, ClaimOptions{TTL: time.Minute})
		clock.Advance(time.Minute)
		_, err := q.Reclaim(ids, ReclaimOptions{Force: true, RetryCount: math.MaxInt32})
		require.NoError(t, err)
		got, err := q.Get(ids[0])
		require.NoError(t, err)
		require.Equal(t, math.MaxInt32, got.ClaimCount)
		clock.Advance(5 * time.Minute)
		c := mustClaim(t, q, ClaimOptions{})
		assert.Equal(t, math.MaxInt32, c.Messages[0].ClaimCount, "count wrapped")
	})
}

func TestIDBlockStartsSmall(t *testing.T) {
	q, _ := newTestQueue(t, Options[string]{})
	postN(t, q, 1, 0)
	q.mu.Lock()
	first := cap(q.ids)
	q.mu.Unlock()
	assert.Equal(t, 8, first, "a queue posted to once holds a block of 8 IDs")
	for range 100 {
		postN(t, q, 20, 0)
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	assert.Equal(t, 512, cap(q.ids), "blocks double up to 512")
}
