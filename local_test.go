package claimq

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLocalCapabilities(t *testing.T) {
	q, _ := newTestQueue(t, Options[string]{})
	caps := Local(q).Capabilities()
	assert.True(t, caps.Wait)
	assert.True(t, caps.Attempts)
	assert.True(t, caps.Fenced)
	assert.True(t, caps.MessageTTL)
	assert.False(t, caps.DeadLetter, "no MaxClaimCount")
	assert.Equal(t, 60*time.Second, caps.MinClaimTTL, "Zaqar's limits")
	assert.Equal(t, 60*time.Second, caps.MinGrace)

	dq, _ := newTestQueue(t, Options[string]{Limits: wideLimits(), MaxClaimCount: 3})
	caps = Local(dq).Capabilities()
	assert.True(t, caps.DeadLetter)
	assert.Equal(t, time.Second, caps.MinClaimTTL)
	assert.Equal(t, time.Duration(0), caps.MinGrace)
}

func TestLocalRoundTrip(t *testing.T) {
	ctx := context.Background()
	q, clock := newTestQueue(t, Options[string]{Limits: wideLimits()})
	e := Local(q)
	ids, err := e.Post(ctx, Post[string]{Body: "a"}, Post[string]{Body: "b"}, Post[string]{Body: "c"})
	require.NoError(t, err)
	require.Len(t, ids, 3)

	l, err := e.Claim(ctx, ClaimRequest{Limit: 2, TTL: time.Minute})
	require.NoError(t, err)
	require.Len(t, l.Messages, 2)
	assert.Equal(t, clock.Now().Add(time.Minute), l.Expires)
	assert.Equal(t, Delivery[string]{ID: ids[0], Body: "a", Attempt: 1, Created: start}, l.Messages[0])
	assert.Equal(t, ids[1], l.Messages[1].ID)

	require.NoError(t, e.Renew(ctx, l.ID, 2*time.Minute, 0))
	require.NoError(t, e.Delete(ctx, l.ID, ids[0]))
	require.NoError(t, e.Delete(ctx, l.ID, ids[0]), "deleting a deleted message is not an error")
	require.NoError(t, e.Release(ctx, l.ID))
	require.NoError(t, e.Release(ctx, l.ID), "releasing an ended claim is not an error")

	l2, err := e.Claim(ctx, ClaimRequest{Limit: 5, TTL: time.Minute})
	require.NoError(t, err)
	require.Len(t, l2.Messages, 2)
	assert.Equal(t, ids[1], l2.Messages[0].ID)
	assert.Equal(t, 2, l2.Messages[0].Attempt, "second delivery")
	assert.Equal(t, ids[2], l2.Messages[1].ID)
	assert.Equal(t, 1, l2.Messages[1].Attempt)

	// A delete with the first, released claim deletes nothing: the race
	// signal.
	err = e.Delete(ctx, l.ID, ids[1], ids[0])
	require.ErrorIs(t, err, ErrClaimExpired)
	require.NoError(t, e.Delete(ctx, l2.ID, ids[1], ids[2]))
	assert.Equal(t, 0, q.Len())
}

func TestLocalDeleteReportsOnlyTheRefused(t *testing.T) {
	ctx := context.Background()
	q, _ := newTestQueue(t, Options[string]{Limits: wideLimits()})
	e := Local(q)
	ids, err := e.Post(ctx, Post[string]{Body: "a"}, Post[string]{Body: "b"})
	require.NoError(t, err)
	l, err := e.Claim(ctx, ClaimRequest{Limit: 1, TTL: time.Minute})
	require.NoError(t, err)
	other, err := e.Claim(ctx, ClaimRequest{Limit: 1, TTL: time.Minute})
	require.NoError(t, err)
	err = e.Delete(ctx, l.ID, ids[0], ids[1])
	require.ErrorIs(t, err, ErrClaimedByOther)
	assert.Contains(t, err.Error(), ids[1])
	_, gerr := q.Get(mustParse(t, ids[0]))
	require.ErrorIs(t, gerr, ErrMessageNotFound, "the message the claim held is deleted")
	require.NoError(t, e.Delete(ctx, other.ID, ids[1]))
}

func TestLocalInvalid(t *testing.T) {
	ctx := context.Background()
	q, _ := newTestQueue(t, Options[string]{Limits: wideLimits()})
	e := Local(q)
	_, err := e.Claim(ctx, ClaimRequest{Limit: 0, TTL: time.Minute})
	require.ErrorIs(t, err, ErrInvalid)
	_, err = e.Claim(ctx, ClaimRequest{Limit: 1})
	require.ErrorIs(t, err, ErrInvalid, "zero TTL")
	_, err = e.Post(ctx, make([]Post[string], 25)...)
	require.NoError(t, err)
	l, err := e.Claim(ctx, ClaimRequest{Limit: 100, TTL: time.Minute})
	require.NoError(t, err, "a limit above the queue's takes the queue's")
	assert.Len(t, l.Messages, 20)
	require.ErrorIs(t, e.Renew(ctx, "nope", time.Minute, 0), ErrInvalid)
	require.ErrorIs(t, e.Delete(ctx, "nope", "x"), ErrInvalid)

	var nilQ *Queue[string]
	_, err = Local(nilQ).Claim(ctx, ClaimRequest{Limit: 1, TTL: time.Minute})
	require.ErrorIs(t, err, ErrInvalid)

	canceled, cancel := context.WithCancel(ctx)
	cancel()
	_, err = e.Post(canceled, Post[string]{Body: "a"})
	require.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, 25, q.Len(), "nothing posted on a cancelled context")
}

// Claim's wait is measured on the queue's clock: it ends with an empty
// lease when the fake clock passes it, and with a message as soon as one
// is posted.
func TestLocalClaimWait(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		q, clock := newTestQueue(t, Options[string]{Limits: wideLimits()})
		e := Local(q)
		type result struct {
			l   Lease[string]
			err error
		}
		claim := func() chan result {
			ch := make(chan result, 1)
			go func() {
				l, err := e.Claim(context.Background(), ClaimRequest{Limit: 1, TTL: time.Minute, Wait: 10 * time.Second})
				ch <- result{l, err}
			}()
			return ch
		}

		ch := claim()
		synctest.Wait()
		clock.Advance(10*time.Second - 1)
		synctest.Wait()
		require.Empty(t, ch, "Claim returned before its wait passed")
		clock.Advance(1)
		r := <-ch
		require.NoError(t, r.err)
		assert.Empty(t, r.l.Messages)
		assert.Empty(t, r.l.ID)

		ch = claim()
		synctest.Wait()
		ids, err := e.Post(context.Background(), Post[string]{Body: "a"})
		require.NoError(t, err)
		r = <-ch
		require.NoError(t, r.err)
		require.Len(t, r.l.Messages, 1)
		assert.Equal(t, ids[0], r.l.Messages[0].ID)

		// The caller's context still ends the wait, with its error.
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() {
			_, err := e.Claim(ctx, ClaimRequest{Limit: 1, TTL: time.Minute, Wait: time.Hour})
			done <- err
		}()
		synctest.Wait()
		cancel()
		require.ErrorIs(t, <-done, context.Canceled)
	})
}

func mustParse(t *testing.T, s string) MessageID {
	t.Helper()
	id, err := ParseMessageID(s)
	require.NoError(t, err)
	return id
}

// Retry hands back the chosen message only, claimable exactly after the
// delay, its delivery counted; the rest of the claim stays held.
func TestLocalRetry(t *testing.T) {
	ctx := context.Background()
	q, clock := newTestQueue(t, Options[string]{Limits: wideLimits()})
	e := Local(q)
	ids, err := e.Post(ctx, Post[string]{Body: "a"}, Post[string]{Body: "b"})
	require.NoError(t, err)
	l, err := e.Claim(ctx, ClaimRequest{Limit: 2, TTL: time.Minute})
	require.NoError(t, err)
	require.NoError(t, e.Retry(ctx, l.ID, 10*time.Second, ids[0]))

	clock.Advance(10*time.Second - 1)
	none, err := e.Claim(ctx, ClaimRequest{Limit: 2, TTL: time.Minute})
	require.NoError(t, err)
	require.Empty(t, none.Messages, "claimable before the delay passed")
	clock.Advance(1)
	again, err := e.Claim(ctx, ClaimRequest{Limit: 2, TTL: time.Minute})
	require.NoError(t, err)
	require.Len(t, again.Messages, 1, "b is still held by the first claim")
	assert.Equal(t, ids[0], again.Messages[0].ID)
	assert.Equal(t, 2, again.Messages[0].Attempt)

	require.NoError(t, e.Delete(ctx, l.ID, ids[1]), "the first claim still holds b")
	require.ErrorIs(t, e.Retry(ctx, l.ID, 0, ids[0]), ErrClaimExpired, "the first claim ended with its last message")
}
