package redisengine_test

import (
	"context"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/claimq/claimq"
	"github.com/claimq/claimq/redisengine"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPostClaimDelete(t *testing.T) {
	clock := claimq.NewFakeClock(epoch)
	e := newEngine(t, clock, redisengine.Options[[]byte]{})
	posted := post(t, e, "a", "b", "c")

	l := claim(t, e, claimq.ClaimRequest{Limit: 2, TTL: 30 * time.Second})
	require.NotEmpty(t, l.ID)
	assert.Equal(t, []string{"a", "b"}, bodies(l), "oldest first, at most Limit")
	assert.Equal(t, posted[:2], ids(l))
	assert.Equal(t, []int{1, 1}, attempts(l))
	assert.True(t, l.Expires.Equal(epoch.Add(30*time.Second)), "Expires = %v; want %v", l.Expires, epoch.Add(30*time.Second))
	assert.True(t, l.Messages[0].Created.Equal(epoch), "Created = %v; want %v", l.Messages[0].Created, epoch)

	l2 := claim(t, e, claimq.ClaimRequest{})
	assert.Equal(t, []string{"c"}, bodies(l2), "held messages are skipped")
	assert.NotEqual(t, l.ID, l2.ID)

	require.NoError(t, e.Delete(context.Background(), l.ID, ids(l)...))
	require.NoError(t, e.Delete(context.Background(), l2.ID, ids(l2)...))
	assert.Empty(t, claim(t, e, claimq.ClaimRequest{}).Messages, "deleted messages are gone")
	n, err := server.XLen(context.Background(), e.Stream()).Result()
	require.NoError(t, err)
	assert.Zero(t, n, "Delete removes the stream entries (XDEL)")
}

func TestDeleteTwiceAndForeign(t *testing.T) {
	clock := claimq.NewFakeClock(epoch)
	e := newEngine(t, clock, redisengine.Options[[]byte]{})
	post(t, e, "a", "b", "c")
	l := claim(t, e, claimq.ClaimRequest{Limit: 2})
	other := claim(t, e, claimq.ClaimRequest{Limit: 1})

	err := e.Delete(context.Background(), l.ID, l.Messages[0].ID, other.Messages[0].ID, "nonsense")
	require.ErrorIs(t, err, claimq.ErrClaimedByOther, "the message of another live claim")
	require.ErrorIs(t, err, claimq.ErrInvalid, "a malformed ID")
	require.NotErrorIs(t, err, claimq.ErrClaimExpired, "the claim is live")

	err = e.Delete(context.Background(), l.ID, l.Messages[0].ID)
	require.ErrorIs(t, err, claimq.ErrMessageNotFound, "deleted already, and the claim still holds b")
	require.NoError(t, e.Delete(context.Background(), other.ID, other.Messages[0].ID), "the foreign delete deleted nothing")
}

func TestRenewKeepsTheClaim(t *testing.T) {
	clock := claimq.NewFakeClock(epoch)
	e := newEngine(t, clock, redisengine.Options[[]byte]{})
	post(t, e, "a")
	l := claim(t, e, claimq.ClaimRequest{TTL: 30 * time.Second})

	clock.Advance(29 * time.Second)
	require.NoError(t, e.Renew(context.Background(), l.ID, 30*time.Second, 0))
	clock.Advance(29 * time.Second)
	assert.Empty(t, claim(t, e, claimq.ClaimRequest{}).Messages, "renewed at 29 s for 30 s: still held at 58 s")
	clock.Advance(time.Second)
	taken := claim(t, e, claimq.ClaimRequest{})
	assert.Equal(t, []string{"a"}, bodies(taken), "expired at 59 s")
	assert.Equal(t, []int{2}, attempts(taken))

	err := e.Renew(context.Background(), l.ID, 30*time.Second, 0)
	require.ErrorIs(t, err, claimq.ErrClaimExpired)
}

func TestExpiryHandsOverAndFencesTheLateDelete(t *testing.T) {
	clock := claimq.NewFakeClock(epoch)
	e := newEngine(t, clock, redisengine.Options[[]byte]{})
	post(t, e, "a", "b")
	late := claim(t, e, claimq.ClaimRequest{TTL: 10 * time.Second})
	require.Len(t, late.Messages, 2)

	clock.Advance(10*time.Second - time.Millisecond)
	require.Empty(t, claim(t, e, claimq.ClaimRequest{}).Messages, "live for 1 ms more")
	clock.Advance(time.Millisecond)
	next := claim(t, e, claimq.ClaimRequest{Limit: 1})
	require.Equal(t, []string{"a"}, bodies(next), "the expired claim's oldest message goes first")
	assert.Equal(t, []int{2}, attempts(next), "its second delivery")

	err := e.Delete(context.Background(), late.ID, late.Messages[0].ID)
	require.ErrorIs(t, err, claimq.ErrClaimExpired, "the race signal")
	require.ErrorIs(t, err, claimq.ErrClaimedByOther, "another claim has it")
	err = e.Delete(context.Background(), late.ID, late.Messages[1].ID)
	require.ErrorIs(t, err, claimq.ErrClaimExpired, "the race signal, though nobody holds b now")
	require.ErrorIs(t, err, claimq.ErrNotClaimed)
	err = e.Retry(context.Background(), late.ID, 0, late.Messages[1].ID)
	require.ErrorIs(t, err, claimq.ErrClaimExpired, "Retry is fenced too")

	require.NoError(t, e.Delete(context.Background(), next.ID, next.Messages[0].ID), "the late delete deleted nothing")
	assert.Equal(t, []string{"b"}, bodies(claim(t, e, claimq.ClaimRequest{})), "nor did the late retry take b")
}

func TestLeaseExpiresBeforeAnyoneClaims(t *testing.T) {
	// A late delete is refused even when no claim has swept the expired
	// one yet: liveness is computed from the deadline, not from cleanup.
	clock := claimq.NewFakeClock(epoch)
	e := newEngine(t, clock, redisengine.Options[[]byte]{})
	post(t, e, "a")
	l := claim(t, e, claimq.ClaimRequest{TTL: time.Second})
	clock.Advance(time.Second)
	require.ErrorIs(t, e.Delete(context.Background(), l.ID, l.Messages[0].ID), claimq.ErrClaimExpired)
	assert.Equal(t, []string{"a"}, bodies(claim(t, e, claimq.ClaimRequest{})))
}

func TestRelease(t *testing.T) {
	clock := claimq.NewFakeClock(epoch)
	e := newEngine(t, clock, redisengine.Options[[]byte]{})
	post(t, e, "a", "b", "c")
	first := claim(t, e, claimq.ClaimRequest{Limit: 2})
	require.NoError(t, e.Release(context.Background(), first.ID))

	again := claim(t, e, claimq.ClaimRequest{Limit: 3})
	assert.Equal(t, []string{"a", "b", "c"}, bodies(again), "released messages first, in their order")
	assert.Equal(t, []int{2, 2, 1}, attempts(again))
	require.ErrorIs(t, e.Delete(context.Background(), first.ID, first.Messages[0].ID), claimq.ErrClaimExpired,
		"a released claim is no longer live")
	require.NoError(t, e.Release(context.Background(), first.ID), "releasing a claim that has ended is not an error")
	require.NoError(t, e.Delete(context.Background(), again.ID, ids(again)...))
}

func TestUnknownClaims(t *testing.T) {
	clock := claimq.NewFakeClock(epoch)
	e := newEngine(t, clock, redisengine.Options[[]byte]{})
	post(t, e, "a")
	l := claim(t, e, claimq.ClaimRequest{})
	for _, id := range []string{"", "nonsense", "1", "-1", "999-abc", "1-xyz"} {
		assert.ErrorIs(t, e.Renew(context.Background(), id, time.Second, 0), claimq.ErrClaimNotFound, "Renew(%q)", id)
		assert.ErrorIs(t, e.Delete(context.Background(), id, l.Messages[0].ID), claimq.ErrClaimNotFound, "Delete(%q)", id)
		assert.ErrorIs(t, e.Retry(context.Background(), id, 0, l.Messages[0].ID), claimq.ErrClaimNotFound, "Retry(%q)", id)
		assert.ErrorIs(t, e.Release(context.Background(), id), claimq.ErrClaimNotFound, "Release(%q)", id)
	}
	require.NoError(t, e.Delete(context.Background(), l.ID, l.Messages[0].ID))
}

func TestEmptiedClaimEnds(t *testing.T) {
	clock := claimq.NewFakeClock(epoch)
	e := newEngine(t, clock, redisengine.Options[[]byte]{})
	post(t, e, "a")
	l := claim(t, e, claimq.ClaimRequest{})
	require.NoError(t, e.Delete(context.Background(), l.ID, l.Messages[0].ID))
	require.ErrorIs(t, e.Renew(context.Background(), l.ID, time.Minute, 0), claimq.ErrClaimExpired)

	consumers, err := server.XInfoConsumers(context.Background(), e.Stream(), "claimq").Result()
	require.NoError(t, err)
	for _, c := range consumers {
		assert.NotEqual(t, l.ID, c.Name, "the emptied claim's consumer is deleted")
	}
}

func TestRetryWithDelay(t *testing.T) {
	clock := claimq.NewFakeClock(epoch)
	e := newEngine(t, clock, redisengine.Options[[]byte]{})
	post(t, e, "a", "b", "c")
	l := claim(t, e, claimq.ClaimRequest{Limit: 2, TTL: time.Minute})
	require.NoError(t, e.Retry(context.Background(), l.ID, 10*time.Second, l.Messages[0].ID))

	assert.Equal(t, []string{"c"}, bodies(claim(t, e, claimq.ClaimRequest{})), "a is delayed, b still held")
	clock.Advance(10*time.Second - time.Millisecond)
	assert.Empty(t, claim(t, e, claimq.ClaimRequest{}).Messages, "1 ms before the delay ends")
	clock.Advance(time.Millisecond)
	again := claim(t, e, claimq.ClaimRequest{})
	assert.Equal(t, []string{"a"}, bodies(again), "claimable exactly when the delay ends")
	assert.Equal(t, []int{2}, attempts(again), "the retried delivery counted")

	require.NoError(t, e.Delete(context.Background(), l.ID, l.Messages[1].ID), "the rest of the claim stayed held")
	require.ErrorIs(t, e.Delete(context.Background(), l.ID, l.Messages[0].ID), claimq.ErrClaimedByOther)
}

func TestRetryWithoutDelay(t *testing.T) {
	clock := claimq.NewFakeClock(epoch)
	e := newEngine(t, clock, redisengine.Options[[]byte]{})
	post(t, e, "a")
	l := claim(t, e, claimq.ClaimRequest{})
	require.NoError(t, e.Retry(context.Background(), l.ID, 0, l.Messages[0].ID))
	require.ErrorIs(t, e.Renew(context.Background(), l.ID, time.Minute, 0), claimq.ErrClaimExpired,
		"the claim emptied by Retry ended")
	assert.Equal(t, []int{2}, attempts(claim(t, e, claimq.ClaimRequest{})))
}

func TestDeadLetter(t *testing.T) {
	clock := claimq.NewFakeClock(epoch)
	dlName := queueName(t, ".dead")
	e := newEngine(t, clock, redisengine.Options[[]byte]{MaxClaimCount: 2, DeadLetter: dlName, DeadLetterTTL: time.Hour})
	dead := newEngine(t, clock, redisengine.Options[[]byte]{Queue: dlName})
	require.True(t, e.Capabilities().DeadLetter)
	require.False(t, dead.Capabilities().DeadLetter)
	posted := post(t, e, "poison", "fine")

	for i := 1; i <= 2; i++ {
		l := claim(t, e, claimq.ClaimRequest{Limit: 1})
		require.Equal(t, []string{"poison"}, bodies(l))
		require.Equal(t, []int{i}, attempts(l))
		clock.Advance(time.Second)
		require.NoError(t, e.Release(context.Background(), l.ID))
	}
	l := claim(t, e, claimq.ClaimRequest{Limit: 1})
	assert.Equal(t, []string{"fine"}, bodies(l), "delivered twice: dead-lettered on its third claim")

	d := claim(t, dead, claimq.ClaimRequest{})
	require.Equal(t, []string{"poison"}, bodies(d))
	assert.True(t, d.Messages[0].Created.Equal(epoch), "keeps its creation time: %v", d.Messages[0].Created)
	assert.Equal(t, []int{1}, attempts(d), "a new delivery count in the dead-letter queue")
	origin, err := server.XRange(context.Background(), dead.Stream(), d.Messages[0].ID, d.Messages[0].ID).Result()
	require.NoError(t, err)
	require.Len(t, origin, 1)
	assert.Equal(t, posted[0], origin[0].Values["o"], "the entry names its ID in the queue it came from")

	clock.Advance(time.Hour)
	require.NoError(t, dead.Release(context.Background(), d.ID))
	assert.Empty(t, claim(t, dead, claimq.ClaimRequest{}).Messages, "DeadLetterTTL ran out")
}

func TestMessageTTLAndLifetimeExtension(t *testing.T) {
	clock := claimq.NewFakeClock(epoch)
	e := newEngine(t, clock, redisengine.Options[[]byte]{DefaultTTL: 10 * time.Second})
	post(t, e, "default")
	_, err := e.Post(context.Background(), claimq.Post[[]byte]{Body: []byte("long"), TTL: time.Minute})
	require.NoError(t, err)

	clock.Advance(10*time.Second - time.Millisecond)
	l := claim(t, e, claimq.ClaimRequest{Limit: 1, TTL: 30 * time.Second, Grace: 5 * time.Second})
	require.Equal(t, []string{"default"}, bodies(l), "alive 1 ms before its TTL")

	clock.Advance(30 * time.Second)
	l = claim(t, e, claimq.ClaimRequest{Limit: 1, TTL: time.Second})
	require.Equal(t, []string{"default"}, bodies(l), "the claim extended its life to the claim's end + grace")
	require.NoError(t, e.Release(context.Background(), l.ID))

	clock.Advance(5 * time.Second)
	assert.Equal(t, []string{"long"}, bodies(claim(t, e, claimq.ClaimRequest{})), "expired at the claim's end + grace")
}

func TestPostDelay(t *testing.T) {
	clock := claimq.NewFakeClock(epoch)
	e := newEngine(t, clock, redisengine.Options[[]byte]{DefaultDelay: 5 * time.Second})
	_, err := e.Post(context.Background(),
		claimq.Post[[]byte]{Body: []byte("default")},
		claimq.Post[[]byte]{Body: []byte("none"), Delay: claimq.NoDelay},
		claimq.Post[[]byte]{Body: []byte("long"), Delay: time.Minute})
	require.NoError(t, err)

	assert.Equal(t, []string{"none"}, bodies(claim(t, e, claimq.ClaimRequest{TTL: time.Hour})))
	clock.Advance(5 * time.Second)
	l := claim(t, e, claimq.ClaimRequest{TTL: time.Hour})
	assert.Equal(t, []string{"default"}, bodies(l), "claimable when its delay ends")
	assert.Equal(t, []int{1}, attempts(l), "being passed over while delayed is no delivery")
	clock.Advance(55 * time.Second)
	assert.Equal(t, []string{"long"}, bodies(claim(t, e, claimq.ClaimRequest{})))
}

func TestInvalidArguments(t *testing.T) {
	clock := claimq.NewFakeClock(epoch)
	e := newEngine(t, clock, redisengine.Options[[]byte]{})
	ctx := context.Background()
	for _, req := range []claimq.ClaimRequest{
		{Limit: 0, TTL: time.Second},
		{Limit: redisengine.MaxLimit + 1, TTL: time.Second},
		{Limit: 1, TTL: 0},
		{Limit: 1, TTL: time.Second, Grace: -1},
		{Limit: 1, TTL: time.Second, Wait: -1},
	} {
		_, err := e.Claim(ctx, req)
		assert.ErrorIs(t, err, claimq.ErrInvalid, "Claim(%+v)", req)
	}
	_, err := e.Post(ctx, claimq.Post[[]byte]{TTL: -time.Second})
	require.ErrorIs(t, err, claimq.ErrInvalid)
	_, err = e.Post(ctx, claimq.Post[[]byte]{Body: []byte("x")}, claimq.Post[[]byte]{Delay: -2})
	require.ErrorIs(t, err, claimq.ErrInvalid)
	assert.Empty(t, claim(t, e, claimq.ClaimRequest{}).Messages, "an invalid batch posts nothing")

	for _, opts := range []redisengine.Options[[]byte]{
		{Queue: "q"},
		{Client: server},
		{Client: server, Queue: "q", MaxClaimCount: 3},
		{Client: server, Queue: "q", DeadLetter: "q"},
		{Client: server, Queue: "q", DefaultTTL: -1},
	} {
		_, err := redisengine.New(ctx, opts)
		assert.ErrorIs(t, err, claimq.ErrInvalid, "New(%+v)", opts)
	}
}

type job struct {
	Name string `json:"name"`
	N    int    `json:"n"`
}

func TestJSONBodies(t *testing.T) {
	ctx := context.Background()
	e, err := redisengine.New(ctx, redisengine.Options[job]{Client: server, Queue: queueName(t, ""), Clock: claimq.NewFakeClock(epoch)})
	require.NoError(t, err)
	_, err = e.Post(ctx, claimq.Post[job]{Body: job{"resize", 3}})
	require.NoError(t, err)
	require.NoError(t, server.XAdd(ctx, &redis.XAddArgs{Stream: e.Stream(), Values: []string{"b", "{not json", "t", "0"}}).Err())

	l, err := e.Claim(ctx, claimq.ClaimRequest{Limit: 10, TTL: time.Minute})
	require.ErrorIs(t, err, redisengine.ErrDecode)
	require.Len(t, l.Messages, 1)
	assert.Equal(t, job{"resize", 3}, l.Messages[0].Body)
	require.NoError(t, e.Release(ctx, l.ID), "the lease holds the undecodable message too")
}

func TestConcurrentClaimsDeliverEachMessageOnce(t *testing.T) {
	clock := claimq.NewFakeClock(epoch)
	e := newEngine(t, clock, redisengine.Options[[]byte]{})
	const n = 200
	msgs := make([]claimq.Post[[]byte], n)
	for i := range msgs {
		msgs[i] = claimq.Post[[]byte]{Body: []byte{byte(i), byte(i >> 8)}}
	}
	_, err := e.Post(context.Background(), msgs...)
	require.NoError(t, err)

	var mu sync.Mutex
	seen := make(map[string]int)
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				l, err := e.Claim(context.Background(), claimq.ClaimRequest{Limit: 7, TTL: time.Minute})
				if !assert.NoError(t, err) || len(l.Messages) == 0 {
					return
				}
				mu.Lock()
				for _, m := range l.Messages {
					seen[string(m.Body)]++
				}
				mu.Unlock()
				assert.NoError(t, e.Delete(context.Background(), l.ID, ids(l)...))
			}
		}()
	}
	wg.Wait()
	assert.Len(t, seen, n)
	for b, c := range seen {
		assert.Equal(t, 1, c, "message %v delivered %d times", []byte(b), c)
	}
}

func TestClose(t *testing.T) {
	clock := newArmClock()
	e := newEngine(t, clock, redisengine.Options[[]byte]{WaitSlice: time.Hour})
	errc := make(chan error, 1)
	go func() {
		_, err := e.Claim(context.Background(), claimq.ClaimRequest{Limit: 1, TTL: time.Second, Wait: time.Hour})
		errc <- err
	}()
	recv(t, clock.armed)
	require.NoError(t, e.Close())
	require.ErrorIs(t, recv(t, errc), claimq.ErrClosed, "Close ends a wait")
	_, err := e.Post(context.Background(), claimq.Post[[]byte]{Body: []byte("x")})
	require.ErrorIs(t, err, claimq.ErrClosed)
}

func TestDeleteListedTwice(t *testing.T) {
	clock := claimq.NewFakeClock(epoch)
	e := newEngine(t, clock, redisengine.Options[[]byte]{})
	post(t, e, "a", "b")
	l := claim(t, e, claimq.ClaimRequest{})
	a := l.Messages[0].ID
	err := e.Delete(context.Background(), l.ID, a, a)
	require.ErrorIs(t, err, claimq.ErrMessageNotFound, "the second mention finds it deleted")
	require.NoError(t, e.Delete(context.Background(), l.ID, l.Messages[1].ID), "the claim still held b")
}

func TestBatchesBeyondOneCallsArguments(t *testing.T) {
	// Scripts split variadic calls in chunks of 1000 arguments; a post of
	// 2500 and claims of MaxLimit cross those bounds.
	clock := claimq.NewFakeClock(epoch)
	e := newEngine(t, clock, redisengine.Options[[]byte]{})
	const n = 2500
	msgs := make([]claimq.Post[[]byte], n)
	for i := range msgs {
		msgs[i] = claimq.Post[[]byte]{Body: []byte(strconv.Itoa(i)), Delay: claimq.NoDelay}
	}
	posted, err := e.Post(context.Background(), msgs...)
	require.NoError(t, err)
	require.Len(t, posted, n)
	var got []string
	for len(got) < n {
		l := claim(t, e, claimq.ClaimRequest{Limit: redisengine.MaxLimit})
		require.NotEmpty(t, l.Messages, "after %d of %d", len(got), n)
		got = append(got, ids(l)...)
		require.NoError(t, e.Release(context.Background(), l.ID))
		l = claim(t, e, claimq.ClaimRequest{Limit: redisengine.MaxLimit})
		require.NoError(t, e.Delete(context.Background(), l.ID, ids(l)...))
	}
	assert.Equal(t, posted, got, "every message once, in order")
	assert.Empty(t, claim(t, e, claimq.ClaimRequest{}).Messages)
}

func TestManyExpiredClaims(t *testing.T) {
	// One call applies at most 256 claim expiries; the rest come with the
	// next calls, and every message is handed out again exactly once.
	clock := claimq.NewFakeClock(epoch)
	e := newEngine(t, clock, redisengine.Options[[]byte]{})
	const n = 300
	msgs := make([]claimq.Post[[]byte], n)
	for i := range msgs {
		msgs[i] = claimq.Post[[]byte]{Body: []byte(strconv.Itoa(i))}
	}
	posted, err := e.Post(context.Background(), msgs...)
	require.NoError(t, err)
	for range n {
		require.Len(t, claim(t, e, claimq.ClaimRequest{Limit: 1, TTL: time.Second}).Messages, 1)
	}
	clock.Advance(time.Second)
	var got []string
	for i := 0; i < 3 && len(got) < n; i++ {
		got = append(got, ids(claim(t, e, claimq.ClaimRequest{Limit: redisengine.MaxLimit}))...)
	}
	slices.Sort(got)
	want := slices.Clone(posted)
	slices.Sort(want)
	assert.Equal(t, want, got)
}
