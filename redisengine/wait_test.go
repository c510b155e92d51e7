package redisengine_test

import (
	"context"
	"testing"
	"time"

	"github.com/claimq/claimq"
	"github.com/claimq/claimq/redisengine"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// waitClaim runs a waiting Claim in a goroutine; the test reads its result
// from the channel after it has made the claim able to return.
func waitClaim(e *redisengine.Engine[[]byte], req claimq.ClaimRequest) <-chan claimq.Lease[[]byte] {
	return waitClaimCtx(context.Background(), e, req, nil)
}

func waitClaimCtx(ctx context.Context, e *redisengine.Engine[[]byte], req claimq.ClaimRequest, errc chan<- error) <-chan claimq.Lease[[]byte] {
	out := make(chan claimq.Lease[[]byte], 1)
	go func() {
		l, err := e.Claim(ctx, req)
		if errc != nil {
			errc <- err
		}
		out <- l
	}()
	return out
}

func TestWaitWakesOnPost(t *testing.T) {
	clock := newArmClock()
	name := queueName(t, "")
	e := newEngine(t, clock, redisengine.Options[[]byte]{Queue: name, WaitSlice: time.Hour})
	// Another engine of the queue, as another process would post.
	producer := newEngine(t, claimq.NewFakeClock(epoch), redisengine.Options[[]byte]{Queue: name})
	got := waitClaim(e, claimq.ClaimRequest{Limit: 5, TTL: time.Minute, Wait: time.Hour})
	recv(t, clock.armed)
	post(t, producer, "a")
	l := recv(t, got)
	assert.Equal(t, []string{"a"}, bodies(l), "the server-side wait returns the posted message; the fake clock never moved")
	require.NoError(t, e.Delete(context.Background(), l.ID, ids(l)...))
}

func TestWaitEndsOnTheEngineClock(t *testing.T) {
	clock := newArmClock()
	e := newEngine(t, clock, redisengine.Options[[]byte]{})
	got := waitClaim(e, claimq.ClaimRequest{Limit: 5, TTL: time.Minute, Wait: 10 * time.Second})
	recv(t, clock.armed)
	clock.Advance(10 * time.Second)
	l := recv(t, got)
	assert.Empty(t, l.Messages)
	assert.Empty(t, l.ID, "an empty lease has no ID")
	consumers, err := server.XInfoConsumers(context.Background(), e.Stream(), "claimq").Result()
	require.NoError(t, err)
	assert.Empty(t, consumers, "the waiting claim left nothing behind")
}

func TestWaitWakesOnClaimExpiry(t *testing.T) {
	clock := newArmClock()
	e := newEngine(t, clock, redisengine.Options[[]byte]{WaitSlice: time.Hour})
	post(t, e, "a")
	first := claim(t, e, claimq.ClaimRequest{TTL: 30 * time.Second})
	got := waitClaim(e, claimq.ClaimRequest{Limit: 5, TTL: time.Minute, Wait: time.Hour})
	d := recv(t, clock.armed)
	assert.Equal(t, 30*time.Second, d, "the wait is cut at the first claim deadline")
	clock.Advance(30 * time.Second)
	l := recv(t, got)
	assert.Equal(t, []string{"a"}, bodies(l))
	assert.Equal(t, []int{2}, attempts(l))
	require.ErrorIs(t, e.Delete(context.Background(), first.ID, ids(first)...), claimq.ErrClaimExpired)
}

func TestWaitWakesOnDelayEnd(t *testing.T) {
	clock := newArmClock()
	e := newEngine(t, clock, redisengine.Options[[]byte]{WaitSlice: time.Hour})
	got := waitClaim(e, claimq.ClaimRequest{Limit: 5, TTL: time.Minute, Wait: time.Hour})
	recv(t, clock.armed)
	_, err := e.Post(context.Background(), claimq.Post[[]byte]{Body: []byte("later"), Delay: 20 * time.Second})
	require.NoError(t, err)
	// The post woke the wait; the message was delayed, so it waits again,
	// now until the delay ends.
	for recv(t, clock.armed) != 20*time.Second {
	}
	clock.Advance(20 * time.Second)
	l := recv(t, got)
	assert.Equal(t, []string{"later"}, bodies(l))
	assert.Equal(t, []int{1}, attempts(l), "the delivery to the wait before the delay ended does not count")
}

func TestWaitWakesOnLocalRelease(t *testing.T) {
	clock := newArmClock()
	e := newEngine(t, clock, redisengine.Options[[]byte]{WaitSlice: time.Hour})
	post(t, e, "a")
	first := claim(t, e, claimq.ClaimRequest{TTL: time.Hour})
	got := waitClaim(e, claimq.ClaimRequest{Limit: 5, TTL: time.Minute, Wait: 2 * time.Hour})
	recv(t, clock.armed)
	require.NoError(t, e.Release(context.Background(), first.ID))
	assert.Equal(t, []string{"a"}, bodies(recv(t, got)))
}

func TestWaitWakesOnAnotherProcessRelease(t *testing.T) {
	clock := newArmClock()
	name := queueName(t, "")
	e := newEngine(t, clock, redisengine.Options[[]byte]{Queue: name, WaitSlice: time.Hour})
	other := newEngine(t, clock.FakeClock, redisengine.Options[[]byte]{Queue: name})
	post(t, other, "a")
	first := claim(t, other, claimq.ClaimRequest{TTL: time.Hour})
	got := waitClaim(e, claimq.ClaimRequest{Limit: 5, TTL: time.Minute, Wait: 2 * time.Hour})
	recv(t, clock.armed)
	require.NoError(t, other.Release(context.Background(), first.ID))
	assert.Equal(t, []string{"a"}, bodies(recv(t, got)), "woken through the wake channel; the clock never moved")
}

func TestWaitLooksAgainEachSlice(t *testing.T) {
	clock := newArmClock()
	e := newEngine(t, clock, redisengine.Options[[]byte]{WaitSlice: 5 * time.Second})
	got := waitClaim(e, claimq.ClaimRequest{Limit: 5, TTL: time.Minute, Wait: 12 * time.Second})
	require.Equal(t, 5*time.Second, recv(t, clock.armed))
	clock.Advance(5 * time.Second)
	require.Equal(t, 5*time.Second, recv(t, clock.armed), "a second look, a second slice")
	clock.Advance(5 * time.Second)
	require.Equal(t, 2*time.Second, recv(t, clock.armed), "the last slice ends with the wait")
	clock.Advance(2 * time.Second)
	assert.Empty(t, recv(t, got).Messages)
}

func TestWaitCancelled(t *testing.T) {
	clock := newArmClock()
	e := newEngine(t, clock, redisengine.Options[[]byte]{WaitSlice: time.Hour})
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	got := waitClaimCtx(ctx, e, claimq.ClaimRequest{Limit: 5, TTL: time.Minute, Wait: time.Hour}, errc)
	recv(t, clock.armed)
	cancel()
	require.ErrorIs(t, recv(t, errc), context.Canceled)
	assert.Empty(t, recv(t, got).Messages)
	post(t, e, "a")
	assert.Equal(t, []string{"a"}, bodies(claim(t, e, claimq.ClaimRequest{})), "the cancelled claim took nothing")
}

func TestWaitOfADeadProcessIsRecovered(t *testing.T) {
	// A process that dies while its Claim waits leaves the claim that the
	// wait registered and what its XREADGROUP delivered; the sweep hands
	// them back once the registration expires, delays still in force. The
	// test plays the dead process with the commands its engine sends (key
	// layout: lua/common.lua).
	ctx := context.Background()
	clock := claimq.NewFakeClock(epoch)
	name := queueName(t, "")
	e := newEngine(t, clock, redisengine.Options[[]byte]{Queue: name})
	_, err := e.Post(ctx,
		claimq.Post[[]byte]{Body: []byte("now"), Delay: claimq.NoDelay},
		claimq.Post[[]byte]{Body: []byte("later"), Delay: time.Minute})
	require.NoError(t, err)

	const dead = "1-dead"
	registered := epoch.Add(10 * time.Second).UnixMilli()
	require.NoError(t, server.ZAdd(ctx, "claimq:{"+name+"}:c", redis.Z{Score: float64(registered), Member: dead}).Err())
	read, err := server.XReadGroup(ctx, &redis.XReadGroupArgs{Group: "claimq", Consumer: dead, Streams: []string{e.Stream(), ">"}, Count: 10, Block: -1}).Result()
	require.NoError(t, err)
	require.Len(t, read[0].Messages, 2)

	assert.Empty(t, claim(t, e, claimq.ClaimRequest{}).Messages, "held by the dead wait")
	clock.Advance(10 * time.Second)
	l := claim(t, e, claimq.ClaimRequest{TTL: time.Hour})
	assert.Equal(t, []string{"now"}, bodies(l), "handed back when the registration expired; the delayed one waits")
	assert.Equal(t, []int{2}, attempts(l), "the dead process's delivery counts")
	clock.Advance(50 * time.Second)
	l = claim(t, e, claimq.ClaimRequest{})
	assert.Equal(t, []string{"later"}, bodies(l), "claimable when its delay ends")
	assert.Equal(t, []int{1}, attempts(l), "a delivery before the delay ended is no attempt")
}
