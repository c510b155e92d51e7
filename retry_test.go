package claimq

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRetry(t *testing.T) {
	t.Run("at once: back at its place, counted, rest held", func(t *testing.T) {
		q, _ := newTestQueue(t, Options[string]{})
		ids := postN(t, q, 4, 0)
		c := mustClaim(t, q, ClaimOptions{Limit: 3})
		require.NoError(t, q.Retry(c.ID, 0, ids[1]))

		got, err := q.GetClaim(c.ID)
		require.NoError(t, err)
		assert.Equal(t, []MessageID{ids[0], ids[2]}, idsOf(got.Messages), "the rest of the claim stays held")
		m, err := q.Get(ids[1])
		require.NoError(t, err)
		assert.Zero(t, m.ClaimID, "a retried message is held by no claim")
		assert.Equal(t, 1, m.ClaimCount, "the delivery counts")

		next := mustClaim(t, q, ClaimOptions{Limit: 2})
		assert.Equal(t, []MessageID{ids[1], ids[3]}, idsOf(next.Messages), "retried message comes before newer ones")
		assert.Equal(t, 2, next.Messages[0].ClaimCount)
	})
	t.Run("with a delay", func(t *testing.T) {
		q, clock := newTestQueue(t, Options[string]{})
		ids := postN(t, q, 2, 0)
		c := mustClaim(t, q, ClaimOptions{Limit: 1})
		require.NoError(t, q.Retry(c.ID, 30*time.Second, ids[0]))
		m, err := q.Get(ids[0])
		require.NoError(t, err)
		assert.Equal(t, start.Add(30*time.Second), m.DelayedUntil)
		assert.Equal(t, 1, q.Stats().Delayed)

		got := mustClaim(t, q, ClaimOptions{Limit: 2})
		assert.Equal(t, ids[1:], idsOf(got.Messages), "a delayed retry is not claimable yet")
		clock.Advance(30 * time.Second)
		got = mustClaim(t, q, ClaimOptions{Limit: 2})
		assert.Equal(t, ids[:1], idsOf(got.Messages), "claimable once the delay has passed")
		assert.Equal(t, 2, got.Messages[0].ClaimCount)
	})
	t.Run("the claim that loses its last message ends", func(t *testing.T) {
		q, _ := newTestQueue(t, Options[string]{})
		ids := postN(t, q, 2, 0)
		c := mustClaim(t, q, ClaimOptions{Limit: 2})
		require.NoError(t, q.Retry(c.ID, 0, ids...))
		_, err := q.GetClaim(c.ID)
		require.ErrorIs(t, err, ErrClaimNotFound)
		assert.Equal(t, 0, q.Stats().Claims)
		require.ErrorIs(t, q.Retry(c.ID, 0, ids[0]), ErrClaimExpired, "a claim that ended is the race signal")
	})
	t.Run("all or nothing", func(t *testing.T) {
		q, _ := newTestQueue(t, Options[string]{})
		ids := postN(t, q, 3, 0)
		c := mustClaim(t, q, ClaimOptions{Limit: 2})
		err := q.Retry(c.ID, 0, ids[0], ids[2])
		require.ErrorIs(t, err, ErrNotClaimed, "ids[2] is not held by the claim")
		got, err := q.GetClaim(c.ID)
		require.NoError(t, err)
		assert.Equal(t, ids[:2], idsOf(got.Messages), "a refused Retry changed the claim")
	})
	t.Run("a retried message is no longer the claim's", func(t *testing.T) {
		q, _ := newTestQueue(t, Options[string]{})
		ids := postN(t, q, 2, 0)
		c := mustClaim(t, q, ClaimOptions{Limit: 2})
		require.NoError(t, q.Retry(c.ID, 0, ids[0]))
		err := q.Delete(ids[0], c.ID)
		require.ErrorIs(t, err, ErrNotClaimed)
		assert.False(t, errors.Is(err, ErrClaimExpired), "the claim is live: no race to report")
		require.ErrorIs(t, q.Retry(c.ID, 0, ids[0]), ErrNotClaimed)
	})
	t.Run("errors", func(t *testing.T) {
		q, clock := newTestQueue(t, Options[string]{})
		ids := postN(t, q, 2, 0)
		c := mustClaim(t, q, ClaimOptions{Limit: 1, TTL: time.Minute})
		other := mustClaim(t, q, ClaimOptions{Limit: 1})

		var le *LimitError
		require.ErrorAs(t, q.Retry(c.ID, -time.Second, ids[0]), &le)
		assert.Equal(t, "retry delay", le.Field)
		require.ErrorIs(t, q.Retry(c.ID, q.limits.MaxDelay+1, ids[0]), ErrInvalid)
		require.ErrorIs(t, q.Retry(c.ID, 0, 999999), ErrMessageNotFound)
		require.ErrorIs(t, q.Retry(c.ID, 0, ids[1]), ErrClaimedByOther)
		require.ErrorIs(t, q.Retry(ClaimID{1}, 0, ids[0]), ErrClaimNotFound)
		require.NoError(t, q.Delete(ids[1], other.ID))

		clock.Advance(time.Minute)
		require.ErrorIs(t, q.Retry(c.ID, 0, ids[0]), ErrClaimExpired)
	})
	t.Run("wakes ClaimWait when the delay ends", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			q, clock := newTestQueue(t, Options[string]{})
			ids := postN(t, q, 1, 0)
			c := mustClaim(t, q, ClaimOptions{})
			require.NoError(t, q.Retry(c.ID, 10*time.Second, ids[0]))
			done := make(chan Claim[string], 1)
			go func() {
				c, err := q.ClaimWait(t.Context(), ClaimOptions{})
				assert.NoError(t, err)
				done <- c
			}()
			synctest.Wait()
			require.Empty(t, done, "ClaimWait returned before the delay ended")
			clock.Advance(10 * time.Second)
			synctest.Wait()
			require.Len(t, done, 1, "ClaimWait did not wake when the delay ended")
			assert.Equal(t, ids, idsOf((<-done).Messages))
		})
	})
}

func TestDrain(t *testing.T) {
	// drain starts a Drain and returns where its result arrives.
	drain := func(t *testing.T, q *Queue[string]) <-chan error {
		ch := make(chan error, 1)
		go func() { ch <- q.Drain(t.Context()) }()
		synctest.Wait()
		return ch
	}
	t.Run("empty queue returns at once", func(t *testing.T) {
		q, _ := newTestQueue(t, Options[string]{})
		require.NoError(t, q.Drain(t.Context()))
	})
	t.Run("wakes on the last delete, not before", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			q, _ := newTestQueue(t, Options[string]{})
			ids := postN(t, q, 2, 0)
			c := mustClaim(t, q, ClaimOptions{Limit: 2})
			ch := drain(t, q)
			require.NoError(t, q.Delete(ids[0], c.ID))
			synctest.Wait()
			require.Empty(t, ch, "Drain returned with a message left")
			require.NoError(t, q.Delete(ids[1], c.ID))
			synctest.Wait()
			require.Len(t, ch, 1, "Drain did not wake on the last delete")
			require.NoError(t, <-ch)
		})
	})
	t.Run("wakes on Complete and Purge", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			q, _ := newTestQueue(t, Options[string]{})
			postN(t, q, 2, 0)
			c := mustClaim(t, q, ClaimOptions{})
			ch := drain(t, q)
			_, err := q.Complete(c.ID)
			require.NoError(t, err)
			synctest.Wait()
			require.Len(t, ch, 1, "Drain did not wake on Complete")
			require.NoError(t, <-ch)

			postN(t, q, 2, 0)
			ch = drain(t, q)
			q.Purge()
			synctest.Wait()
			require.Len(t, ch, 1, "Drain did not wake on Purge")
			require.NoError(t, <-ch)
		})
	})
	t.Run("wakes on expiry when the fake clock moves", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			q, clock := newTestQueue(t, Options[string]{})
			postN(t, q, 1, time.Minute)
			ch := drain(t, q)
			clock.Advance(time.Minute - time.Nanosecond)
			synctest.Wait()
			require.Empty(t, ch, "Drain returned before the message expired")
			clock.Advance(time.Nanosecond)
			synctest.Wait()
			require.Len(t, ch, 1, "Drain did not wake on expiry")
			require.NoError(t, <-ch)
		})
	})
	t.Run("Close does not end it; holders finish", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			q, _ := newTestQueue(t, Options[string]{})
			ids := postN(t, q, 1, 0)
			c := mustClaim(t, q, ClaimOptions{})
			ch := drain(t, q)
			q.Close()
			synctest.Wait()
			require.Empty(t, ch, "Close ended Drain")
			require.NoError(t, q.Renew(c.ID, RenewOptions{TTL: time.Minute, Grace: NoGrace}))
			require.NoError(t, q.Delete(ids[0], c.ID))
			synctest.Wait()
			require.NoError(t, <-ch)
		})
	})
	t.Run("context ends", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			q, _ := newTestQueue(t, Options[string]{})
			postN(t, q, 1, 0)
			ctx, cancel := context.WithCancel(t.Context())
			ch := make(chan error, 1)
			go func() { ch <- q.Drain(ctx) }()
			synctest.Wait()
			cancel()
			require.ErrorIs(t, <-ch, context.Canceled)
			assert.Equal(t, 1, q.Len())
		})
	})
}

func TestAll(t *testing.T) {
	q, _ := newTestQueue(t, Options[string]{})
	ids := postN(t, q, 2*inspectChunk+5, 0)
	c := mustClaim(t, q, ClaimOptions{Limit: 2})
	_, err := q.Post(Post[string]{Body: "later", Delay: time.Minute})
	require.NoError(t, err)

	var got []Message[string]
	for m := range q.All() {
		got = append(got, m)
	}
	require.Len(t, got, len(ids)+1, "claimed and delayed messages included")
	assert.Equal(t, ids, idsOf(got[:len(ids)]), "in ID order across chunks")
	assert.Equal(t, c.ID, got[0].ClaimID)
	assert.Equal(t, 1, got[1].ClaimCount)
	assert.Zero(t, got[2].ClaimID)
	assert.Equal(t, start.Add(time.Minute), got[len(got)-1].DelayedUntil)

	t.Run("the loop body may call the queue", func(t *testing.T) {
		n := 0
		for m := range q.All() {
			if m.ClaimID.IsZero() {
				require.NoError(t, q.Delete(m.ID, ClaimID{}))
			}
			n++
			if n == inspectChunk+1 {
				break
			}
		}
		assert.Equal(t, inspectChunk+1, n, "break stops the iteration")
		assert.Equal(t, len(ids)+1-(inspectChunk-1), q.Len())
	})
}

func TestClaims(t *testing.T) {
	q, _ := newTestQueue(t, Options[string]{})
	postN(t, q, inspectChunk+10, 0)
	var want []ClaimID
	for range inspectChunk + 10 {
		want = append(want, mustClaim(t, q, ClaimOptions{Limit: 1}).ID)
	}
	require.NoError(t, q.Release(want[3]))
	want = append(want[:3], want[4:]...)

	var got []ClaimID
	for c := range q.Claims() {
		require.Len(t, c.Messages, 1)
		assert.Equal(t, c.ID, c.Messages[0].ClaimID)
		got = append(got, c.ID)
		if len(got) == 1 {
			require.NoError(t, q.Release(want[inspectChunk+1]), "the loop body may call the queue")
		}
	}
	want = append(want[:inspectChunk+1], want[inspectChunk+2:]...)
	assert.Equal(t, want, got, "live claims in creation order; one ended during the loop is skipped")
}
