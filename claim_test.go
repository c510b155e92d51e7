package claimq

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Zaqar's test_claim_lifecycle, with the fake clock.
func TestClaimLifecycle(t *testing.T) {
	q, clock := newTestQueue(t, Options[string]{})
	ids := postN(t, q, 20, 0)
	c := mustClaim(t, q, ClaimOptions{Limit: 15})
	require.Equal(t, ids[:15], idsOf(c.Messages))

	s := q.Stats()
	assert.Equal(t, 15, s.Claimed)
	assert.Equal(t, 5, s.Free)
	assert.Equal(t, 20, s.Total)

	got, err := q.GetClaim(c.ID)
	require.NoError(t, err)
	assert.Equal(t, ids[:15], idsOf(got.Messages), "GetClaim lists the claimed messages in order")

	clock.Advance(30 * time.Second)
	got, err = q.GetClaim(c.ID)
	require.NoError(t, err)
	assert.Equal(t, 30*time.Second, got.Age(clock.Now()))

	require.NoError(t, q.Renew(c.ID, RenewOptions{TTL: 100 * time.Second, Grace: 60 * time.Second}))
	got, err = q.GetClaim(c.ID)
	require.NoError(t, err)
	assert.Equal(t, 100*time.Second, got.TTL)
	assert.Equal(t, time.Duration(0), got.Age(clock.Now()), "Renew resets the age")
	assert.Equal(t, ids[:15], idsOf(got.Messages))

	require.NoError(t, q.Release(c.ID))
	_, err = q.GetClaim(c.ID)
	require.ErrorIs(t, err, ErrClaimNotFound)
	again := mustClaim(t, q, ClaimOptions{Limit: 20})
	assert.Equal(t, ids, idsOf(again.Messages), "released messages are claimable again, oldest first")
}

func TestDefaultClaimsTakeTen(t *testing.T) {
	q, _ := newTestQueue(t, Options[string]{})
	ids := postN(t, q, 51, 0)
	for i := range 5 {
		c := mustClaim(t, q, ClaimOptions{})
		assert.Equal(t, ids[10*i:10*i+10], idsOf(c.Messages), "claim %d", i)
	}
	c := mustClaim(t, q, ClaimOptions{})
	assert.Equal(t, ids[50:], idsOf(c.Messages))
}

func TestExpiredClaimRace(t *testing.T) {
	q, clock := newTestQueue(t, Options[string]{})
	id := postN(t, q, 1, 0)[0]
	slow := mustClaim(t, q, ClaimOptions{TTL: 60 * time.Second})
	clock.Advance(61 * time.Second)

	err := q.Delete(id, slow.ID)
	require.ErrorIs(t, err, ErrNotClaimed)
	require.ErrorIs(t, err, ErrClaimExpired)

	fast := mustClaim(t, q, ClaimOptions{})
	require.Equal(t, []MessageID{id}, idsOf(fast.Messages), "a second worker gets the message")
	require.ErrorIs(t, q.Delete(id, ClaimID{}), ErrMessageClaimed)
	err = q.Delete(id, slow.ID)
	require.ErrorIs(t, err, ErrClaimedByOther, "once re-claimed, the late worker sees another claim")
	require.ErrorIs(t, err, ErrClaimExpired, "and still the signal to roll back")
	require.NoError(t, q.Delete(id, fast.ID))
}

func TestRenew(t *testing.T) {
	t.Run("shorter TTL applies", func(t *testing.T) {
		q, clock := newTestQueue(t, Options[string]{})
		postN(t, q, 1, 0)
		c := mustClaim(t, q, ClaimOptions{TTL: 600 * time.Second})
		require.NoError(t, q.Renew(c.ID, RenewOptions{TTL: 60 * time.Second, Grace: NoGrace}))
		clock.Advance(60 * time.Second)
		_, err := q.GetClaim(c.ID)
		require.ErrorIs(t, err, ErrClaimNotFound)
	})
	t.Run("keeps a claim alive past its first TTL", func(t *testing.T) {
		q, clock := newTestQueue(t, Options[string]{})
		id := postN(t, q, 1, 60*time.Second)[0]
		c := mustClaim(t, q, ClaimOptions{TTL: 60 * time.Second})
		for range 5 {
			clock.Advance(50 * time.Second)
			require.NoError(t, q.Renew(c.ID, RenewOptions{TTL: 60 * time.Second, Grace: 60 * time.Second}))
		}
		require.NoError(t, q.Delete(id, c.ID))
	})
	t.Run("unknown, released or expired claim", func(t *testing.T) {
		q, clock := newTestQueue(t, Options[string]{})
		postN(t, q, 2, 0)
		require.ErrorIs(t, q.Renew(ClaimID{1}, RenewOptions{TTL: time.Minute, Grace: NoGrace}), ErrClaimNotFound)
		c := mustClaim(t, q, ClaimOptions{Limit: 1})
		require.NoError(t, q.Release(c.ID))
		require.ErrorIs(t, q.Renew(c.ID, RenewOptions{TTL: time.Minute, Grace: NoGrace}), ErrClaimNotFound)
		c = mustClaim(t, q, ClaimOptions{Limit: 1, TTL: time.Minute})
		clock.Advance(time.Minute)
		require.ErrorIs(t, q.Renew(c.ID, RenewOptions{TTL: time.Minute, Grace: NoGrace}), ErrClaimNotFound)
	})
	t.Run("one convention with ClaimOptions: 0 is the default, NoGrace none", func(t *testing.T) {
		q, clock := newTestQueue(t, Options[string]{Limits: DefaultLimits()})
		ids := postN(t, q, 2, time.Minute)
		c := mustClaim(t, q, ClaimOptions{Limit: 1, TTL: time.Minute, Grace: NoGrace})
		clock.Advance(30 * time.Second)
		require.NoError(t, q.Renew(c.ID, RenewOptions{}))
		got, err := q.GetClaim(c.ID)
		require.NoError(t, err)
		assert.Equal(t, q.limits.DefaultClaimTTL, got.TTL, "TTL 0 is the default claim TTL")
		assert.Equal(t, q.limits.DefaultGrace, got.Grace, "Grace 0 is the default grace")
		m, err := q.Get(ids[0])
		require.NoError(t, err)
		assert.Equal(t, clock.Now().Add(q.limits.DefaultClaimTTL+q.limits.DefaultGrace), m.Expires)

		require.NoError(t, q.Renew(c.ID, RenewOptions{TTL: time.Hour, Grace: NoGrace}))
		m, err = q.Get(ids[0])
		require.NoError(t, err)
		assert.Equal(t, clock.Now().Add(time.Hour), m.Expires, "NoGrace extends to the claim's expiry only")
	})
	t.Run("invalid values are checked before the claim", func(t *testing.T) {
		q, _ := newTestQueue(t, Options[string]{Limits: ZaqarLimits()})
		for _, tt := range []struct{ ttl, grace time.Duration }{
			{59 * time.Second, 0}, {43201 * time.Second, 0}, {time.Minute, -2}, {time.Minute, 43201 * time.Second},
		} {
			err := q.Renew(ClaimID{1}, RenewOptions{TTL: tt.ttl, Grace: tt.grace})
			require.ErrorIs(t, err, ErrInvalid, "Renew(%v, %v)", tt.ttl, tt.grace)
		}
	})
}

func TestRelease(t *testing.T) {
	t.Run("messages return to the head in their original order", func(t *testing.T) {
		q, _ := newTestQueue(t, Options[string]{})
		ids := postN(t, q, 6, 0)
		first := mustClaim(t, q, ClaimOptions{Limit: 3})
		mustClaim(t, q, ClaimOptions{Limit: 1})
		require.NoError(t, q.Release(first.ID))
		c := mustClaim(t, q, ClaimOptions{Limit: 5})
		assert.Equal(t, []MessageID{ids[0], ids[1], ids[2], ids[4], ids[5]}, idsOf(c.Messages))
	})
	t.Run("a released message forgets the claim", func(t *testing.T) {
		q, _ := newTestQueue(t, Options[string]{})
		id := postN(t, q, 1, 0)[0]
		c := mustClaim(t, q, ClaimOptions{})
		require.NoError(t, q.Release(c.ID))
		m, err := q.Get(id)
		require.NoError(t, err)
		assert.True(t, m.ClaimID.IsZero())
		require.ErrorIs(t, q.Release(c.ID), ErrClaimNotFound, "second Release")
	})
	t.Run("a claim emptied by deletes has ended", func(t *testing.T) {
		q, _ := newTestQueue(t, Options[string]{})
		ids := postN(t, q, 2, 0)
		c := mustClaim(t, q, ClaimOptions{})
		require.NoError(t, q.Delete(ids[0], c.ID))
		require.NoError(t, q.Delete(ids[1], c.ID))
		_, err := q.GetClaim(c.ID)
		require.ErrorIs(t, err, ErrClaimNotFound)
		require.ErrorIs(t, err, ErrClaimExpired)
		assert.Equal(t, 0, q.Stats().Claims)
		require.ErrorIs(t, q.Renew(c.ID, RenewOptions{}), ErrClaimExpired)
		require.ErrorIs(t, q.Release(c.ID), ErrClaimNotFound)
	})
}

func TestClaimIDText(t *testing.T) {
	q, _ := newTestQueue(t, Options[string]{})
	postN(t, q, 1, 0)
	c := mustClaim(t, q, ClaimOptions{})
	s := c.ID.String()
	assert.Len(t, s, 32)
	back, err := ParseClaimID(s)
	require.NoError(t, err)
	assert.Equal(t, c.ID, back)
	for _, bad := range []string{"", "xyz", s[:31], s + "0", "zz" + s[2:], "00000000000000000000000000000000"} {
		_, err := ParseClaimID(bad)
		require.ErrorIs(t, err, ErrInvalid, "ParseClaimID(%q)", bad)
	}
}

// bubble runs a test in a testing/synctest bubble, where synctest.Wait
// tells when every goroutine of the test is blocked.
func bubble(f func(t *testing.T)) func(t *testing.T) {
	return func(t *testing.T) { synctest.Test(t, f) }
}

// waitForWaiters waits, inside a bubble, until the test's goroutines are
// blocked, and checks that n ClaimWait calls are among them, so that a
// test knows the wake-up path, not the first attempt, returns the claim.
func waitForWaiters[T any](t *testing.T, q *Queue[T], n int) {
	t.Helper()
	synctest.Wait()
	q.mu.Lock()
	w := q.waiters
	q.mu.Unlock()
	require.Equal(t, n, w, "ClaimWait calls blocked")
}

func TestClaimWait(t *testing.T) {
	type result struct {
		c   Claim[string]
		err error
	}
	wait := func(q *Queue[string], ctx context.Context) <-chan result {
		ch := make(chan result, 1)
		go func() {
			c, err := q.ClaimWait(ctx, ClaimOptions{Limit: 1, TTL: time.Minute})
			ch <- result{c, err}
		}()
		return ch
	}
	t.Run("returns at once when something is claimable", bubble(func(t *testing.T) {
		q, _ := newTestQueue(t, Options[string]{})
		ids := postN(t, q, 1, 0)
		c, err := q.ClaimWait(t.Context(), ClaimOptions{})
		require.NoError(t, err)
		assert.Equal(t, ids, idsOf(c.Messages))
	}))
	t.Run("wakes on post", bubble(func(t *testing.T) {
		q, _ := newTestQueue(t, Options[string]{})
		ch := wait(q, t.Context())
		waitForWaiters(t, q, 1)
		ids := postN(t, q, 1, 0)
		r := <-ch
		require.NoError(t, r.err)
		assert.Equal(t, ids, idsOf(r.c.Messages))
	}))
	t.Run("wakes on release", bubble(func(t *testing.T) {
		q, _ := newTestQueue(t, Options[string]{})
		ids := postN(t, q, 1, 0)
		held := mustClaim(t, q, ClaimOptions{})
		ch := wait(q, t.Context())
		waitForWaiters(t, q, 1)
		require.NoError(t, q.Release(held.ID))
		r := <-ch
		require.NoError(t, r.err)
		assert.Equal(t, ids, idsOf(r.c.Messages))
	}))
	t.Run("wakes on claim expiry when the fake clock moves", bubble(func(t *testing.T) {
		q, clock := newTestQueue(t, Options[string]{})
		ids := postN(t, q, 1, 0)
		mustClaim(t, q, ClaimOptions{TTL: time.Minute})
		ch := wait(q, t.Context())
		waitForWaiters(t, q, 1)
		require.Equal(t, 1, clock.PendingTimers(), "ClaimWait armed no timer")
		clock.Advance(time.Minute)
		r := <-ch
		require.NoError(t, r.err)
		assert.Equal(t, ids, idsOf(r.c.Messages))
		assert.Equal(t, 2, r.c.Messages[0].ClaimCount)
	}))
	t.Run("wakes on delay end when the fake clock moves", bubble(func(t *testing.T) {
		q, clock := newTestQueue(t, Options[string]{})
		ids, err := q.Post(Post[string]{Body: "later", Delay: 30 * time.Second})
		require.NoError(t, err)
		ch := wait(q, t.Context())
		waitForWaiters(t, q, 1)
		clock.Advance(29 * time.Second)
		synctest.Wait()
		select {
		case r := <-ch:
			t.Fatalf("ClaimWait returned %v before the delay ended", r)
		default:
		}
		clock.Advance(time.Second)
		r := <-ch
		require.NoError(t, r.err)
		assert.Equal(t, ids, idsOf(r.c.Messages))
	}))
	t.Run("context ends", bubble(func(t *testing.T) {
		q, _ := newTestQueue(t, Options[string]{})
		ctx, cancel := context.WithCancel(t.Context())
		ch := wait(q, ctx)
		waitForWaiters(t, q, 1)
		cancel()
		r := <-ch
		require.ErrorIs(t, r.err, context.Canceled)
		waitForWaiters(t, q, 0)
	}))
	t.Run("close ends the wait", bubble(func(t *testing.T) {
		q, _ := newTestQueue(t, Options[string]{})
		ch := wait(q, t.Context())
		waitForWaiters(t, q, 1)
		q.Close()
		r := <-ch
		require.ErrorIs(t, r.err, ErrClosed)
	}))
	t.Run("invalid options", bubble(func(t *testing.T) {
		q, _ := newTestQueue(t, Options[string]{})
		_, err := q.ClaimWait(t.Context(), ClaimOptions{Limit: 100})
		require.ErrorIs(t, err, ErrInvalid)
	}))
	t.Run("many waiters each get a different message", bubble(func(t *testing.T) {
		q, _ := newTestQueue(t, Options[string]{})
		chs := make([]<-chan result, 4)
		for i := range chs {
			chs[i] = wait(q, t.Context())
		}
		waitForWaiters(t, q, 4)
		ids := postN(t, q, 4, 0)
		got := map[MessageID]bool{}
		for _, ch := range chs {
			r := <-ch
			require.NoError(t, r.err)
			require.Len(t, r.c.Messages, 1)
			got[r.c.Messages[0].ID] = true
		}
		assert.Len(t, got, len(ids))
	}))
}

func TestComplete(t *testing.T) {
	t.Run("deletes what the claim holds and ends it", func(t *testing.T) {
		q, _ := newTestQueue(t, Options[string]{})
		ids := postN(t, q, 4, 0)
		c := mustClaim(t, q, ClaimOptions{Limit: 3})
		require.NoError(t, q.Delete(ids[1], c.ID))
		n, err := q.Complete(c.ID)
		require.NoError(t, err)
		assert.Equal(t, 2, n)
		assert.Equal(t, 1, q.Len())
		_, err = q.GetClaim(c.ID)
		require.ErrorIs(t, err, ErrClaimNotFound)
		s := q.Stats()
		assert.Equal(t, []int{1, 0, 0}, []int{s.Total, s.Claimed, s.Claims}, "Stats total, claimed, claims")
	})
	t.Run("an expired claim is the race", func(t *testing.T) {
		q, clock := newTestQueue(t, Options[string]{})
		postN(t, q, 1, 0)
		c := mustClaim(t, q, ClaimOptions{TTL: time.Minute})
		clock.Advance(time.Minute)
		_, err := q.Complete(c.ID)
		require.ErrorIs(t, err, ErrClaimNotFound)
		require.ErrorIs(t, err, ErrClaimExpired)
		assert.Equal(t, 1, q.Len(), "Complete of an expired claim deleted its message")
	})
	t.Run("an emptied claim has ended", func(t *testing.T) {
		q, _ := newTestQueue(t, Options[string]{})
		ids := postN(t, q, 1, 0)
		c := mustClaim(t, q, ClaimOptions{})
		require.NoError(t, q.Delete(ids[0], c.ID))
		_, err := q.Complete(c.ID)
		require.ErrorIs(t, err, ErrClaimExpired)
		assert.Zero(t, q.Stats().Claims)
	})
	t.Run("a claim released by its holder: ended, not expired", func(t *testing.T) {
		q, _ := newTestQueue(t, Options[string]{})
		postN(t, q, 1, 0)
		c := mustClaim(t, q, ClaimOptions{})
		require.NoError(t, q.Release(c.ID))
		_, err := q.Complete(c.ID)
		require.ErrorIs(t, err, ErrClaimExpired)
		assert.NotContains(t, err.Error(), "expired", "the queue cannot tell how the claim ended")
		assert.Equal(t, 1, q.Len())
	})
	t.Run("a claim never issued", func(t *testing.T) {
		q, _ := newTestQueue(t, Options[string]{})
		postN(t, q, 1, 0)
		mustClaim(t, q, ClaimOptions{})
		other, _ := newTestQueue(t, Options[string]{})
		postN(t, other, 1, 0)
		foreign := mustClaim(t, other, ClaimOptions{}).ID
		for _, id := range []ClaimID{{1, 2, 3}, foreign} {
			_, err := q.Complete(id)
			require.ErrorIs(t, err, ErrClaimNotFound)
			require.NotErrorIs(t, err, ErrClaimExpired, "Complete(%v): a claim of another queue", id)
		}
	})
}

// However a claim ends — Complete, Release, or emptied by Delete, Retry
// or Reclaim — nothing of it stays in the queue's structures.
func TestEndedClaimsLeaveNothing(t *testing.T) {
	q, _ := newTestQueue(t, Options[string]{})
	for i := range 10_000 {
		ids := postN(t, q, 1, 0)
		c := mustClaim(t, q, ClaimOptions{})
		switch i % 5 {
		case 0:
			_, err := q.Complete(c.ID)
			require.NoError(t, err)
		case 1:
			require.NoError(t, q.Release(c.ID))
			_, err := q.Pop(1)
			require.NoError(t, err)
		case 2:
			require.NoError(t, q.Delete(ids[0], c.ID))
		case 3:
			require.NoError(t, q.Retry(c.ID, 0, ids[0]))
			require.Equal(t, 1, q.DeleteMany(ids[0]))
		case 4:
			_, err := q.Reclaim(ids, ReclaimOptions{})
			require.NoError(t, err)
			require.Equal(t, 1, q.DeleteMany(ids[0]))
		}
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	assert.Empty(t, q.claimDue.h, "claim timetable kept ended claims")
	assert.Empty(t, q.claims, "claims map kept ended claims")
	assert.LessOrEqual(t, len(q.freeClaims), maxFreeClaims)
}

// Deadlines that appear while ClaimWait waits must wake it at their time.
func TestClaimWaitLaterDeadlines(t *testing.T) {
	wait := func(t *testing.T, q *Queue[string]) <-chan Claim[string] {
		ch := make(chan Claim[string], 1)
		go func() {
			c, err := q.ClaimWait(t.Context(), ClaimOptions{Limit: 1})
			assert.NoError(t, err)
			ch <- c
		}()
		waitForWaiters(t, q, 1)
		return ch
	}
	t.Run("a delayed post", bubble(func(t *testing.T) {
		q, clock := newTestQueue(t, Options[string]{})
		ch := wait(t, q)
		ids, err := q.Post(Post[string]{Body: "later", Delay: 30 * time.Second})
		require.NoError(t, err)
		clock.Advance(30 * time.Second)
		assert.Equal(t, ids, idsOf(receive(t, ch).Messages))
	}))
	t.Run("a renewal to a shorter TTL", bubble(func(t *testing.T) {
		q, clock := newTestQueue(t, Options[string]{})
		ids := postN(t, q, 1, 0)
		c := mustClaim(t, q, ClaimOptions{TTL: 300 * time.Second})
		ch := wait(t, q)
		require.NoError(t, q.Renew(c.ID, RenewOptions{TTL: 60 * time.Second, Grace: NoGrace}))
		clock.Advance(60 * time.Second)
		assert.Equal(t, ids, idsOf(receive(t, ch).Messages))
	}))
}

// Renewals that rebuild the claim timetable must keep the new expiry.
func TestManyRenewals(t *testing.T) {
	q, clock := newTestQueue(t, Options[string]{})
	postN(t, q, 1, 0)
	c := mustClaim(t, q, ClaimOptions{TTL: time.Minute})
	for i := range 200 {
		require.NoError(t, q.Renew(c.ID, RenewOptions{TTL: time.Minute + time.Duration(i)*time.Second, Grace: NoGrace}))
		require.NoError(t, q.checkInvariants(), "after renewal %d", i)
	}
	clock.Advance(time.Minute + 199*time.Second - 1)
	_, err := q.GetClaim(c.ID)
	require.NoError(t, err)
	clock.Advance(1)
	_, err = q.GetClaim(c.ID)
	require.ErrorIs(t, err, ErrClaimNotFound, "the claim outlived its last renewal")
}

// receive returns what ch delivers; the bound only turns a missed wake-up
// into a failure instead of a hung test, and is never reached otherwise.
func receive[V any](t *testing.T, ch <-chan V) V {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(time.Minute):
		t.Fatal("ClaimWait was never woken")
		panic("unreachable")
	}
}
