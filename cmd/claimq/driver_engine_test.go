package main

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/claimq/claimq"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// queueEngine is the least claimq.Engine over a Queue, enough for the
// engine driver: what Local(q) does, without its care.
type queueEngine struct {
	q     *claimq.Queue[[]byte]
	posts int
}

func (e *queueEngine) Post(_ context.Context, msgs ...claimq.Post[[]byte]) ([]string, error) {
	e.posts++
	ids, err := e.q.Post(msgs...)
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = id.String()
	}
	return out, err
}

func (e *queueEngine) Claim(ctx context.Context, req claimq.ClaimRequest) (claimq.Lease[[]byte], error) {
	opts := claimq.ClaimOptions{Limit: req.Limit, TTL: req.TTL, Grace: claimq.NoGrace}
	c, err := e.q.Claim(opts)
	if err == nil && len(c.Messages) == 0 && req.Wait > 0 {
		wctx, cancel := context.WithTimeout(ctx, req.Wait)
		c, err = e.q.ClaimWait(wctx, opts)
		cancel()
		if errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil {
			return claimq.Lease[[]byte]{}, nil
		}
	}
	if err != nil {
		return claimq.Lease[[]byte]{}, err
	}
	l := claimq.Lease[[]byte]{ID: c.ID.String(), Expires: c.Expires}
	for _, m := range c.Messages {
		l.Messages = append(l.Messages, claimq.Delivery[[]byte]{ID: m.ID.String(), Body: m.Body, Attempt: m.ClaimCount})
	}
	return l, nil
}

func (e *queueEngine) Delete(_ context.Context, claim string, ids ...string) error {
	cid, err := claimq.ParseClaimID(claim)
	if err != nil {
		return err
	}
	for _, s := range ids {
		id, err := claimq.ParseMessageID(s)
		if err != nil {
			return err
		}
		if err := e.q.Delete(id, cid); errors.Is(err, claimq.ErrNotClaimed) {
			return claimq.ErrClaimExpired
		} else if err != nil {
			return err
		}
	}
	return nil
}

var errUnused = errors.New("not used by the bench")

func (e *queueEngine) Renew(context.Context, string, time.Duration, time.Duration) error {
	return errUnused
}
func (e *queueEngine) Release(context.Context, string) error { return errUnused }
func (e *queueEngine) Retry(context.Context, string, time.Duration, ...string) error {
	return errUnused
}
func (e *queueEngine) Capabilities() claimq.Capabilities {
	return claimq.Capabilities{Wait: true, Attempts: true, Fenced: true, MessageTTL: true, MinClaimTTL: time.Second}
}
func (e *queueEngine) Clock() claimq.Clock { return claimq.SystemClock{} }

var _ claimq.Engine[[]byte] = (*queueEngine)(nil)

// TestBenchEngineDriver drives an Engine through the engine driver, as
// -engine does for the Zaqar and Redis engines, with the workload and
// figures of the other engines.
func TestBenchEngineDriver(t *testing.T) {
	cfg, err := parseBenchFlags([]string{"-warmup", "0", "-messages", "300", "-backlog", "50", "-held", "20", "-consumers", "2", "-body-size", "100"}, &bytes.Buffer{})
	require.NoError(t, err)
	l := claimq.ZaqarLimits()
	l.MinClaimTTL, l.MinGrace = time.Second, 0
	e := &queueEngine{q: claimq.New(claimq.Options[[]byte]{Limits: l, DefaultTTL: time.Hour})}
	closed := false
	cfg.wrap = func(d driver) driver {
		d.close()
		ed, err := newEngineDriver(claimq.Engine[[]byte](e), cfg, func() { closed = true })
		require.NoError(t, err)
		return ed
	}
	r, err := measure(t.Context(), cfg, newProgress(&bytes.Buffer{}, false))
	require.NoError(t, err)
	assert.True(t, closed, "the driver closes what it opened")
	assert.EqualValues(t, 300, r.Messages)
	assert.EqualValues(t, 300-50, r.EndToEnd.Count, "the backlog goes first, untimed")
	requireMonotone(t, "end_to_end_ns", r.EndToEnd)
	requireClaimRows(t, r)
	assert.Zero(t, r.Lost)
	st := e.q.Stats()
	assert.Equal(t, 20, st.Claimed, "the held messages stay claimed")
	assert.Equal(t, int64(st.Total), r.Memory.QueuedMessages, "the queued count is the queue's")
	assert.Positive(t, e.posts)
}

func TestEngineDriverLost(t *testing.T) {
	fc := claimq.NewFakeClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	l := claimq.ZaqarLimits()
	l.MinClaimTTL, l.MinGrace = time.Second, 0
	e := &queueEngine{q: claimq.New(claimq.Options[[]byte]{Clock: fc, Limits: l, DefaultTTL: time.Hour})}
	d, err := newEngineDriver(claimq.Engine[[]byte](e), benchConfig{claimTTL: time.Minute, bodySize: 20}, nil)
	require.NoError(t, err)
	require.NoError(t, d.newProducer().post(t.Context(), []int64{4, 5}))
	c := d.newConsumer()
	ds, waited, err := c.claim(t.Context(), 2, time.Minute)
	require.NoError(t, err)
	require.Len(t, ds, 2)
	assert.False(t, waited)
	assert.Equal(t, []int64{4, 5}, []int64{ds[0].stamp, ds[1].stamp})
	require.NoError(t, c.delete(t.Context(), ds[0]))
	fc.Advance(2 * time.Minute)
	require.ErrorIs(t, c.delete(t.Context(), ds[1]), errLost)

	_, err = newEngineDriver(claimq.Engine[[]byte](e), benchConfig{claimTTL: time.Millisecond}, nil)
	require.Error(t, err, "a claim TTL the engine does not take")
}
