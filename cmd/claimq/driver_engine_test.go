package main

import (
	"bytes"
	"testing"
	"time"

	"github.com/claimq/claimq"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestBenchEngineLocal drives claimq.Local through the engine driver, as
// -engine does for the Zaqar and Redis engines, with the workload and
// figures of the other engines.
func TestBenchEngineLocal(t *testing.T) {
	r := benchOne(t, "-engine", "local", "-messages", "300", "-backlog", "50", "-held", "20", "-consumers", "2", "-body-size", "100")
	assert.Equal(t, "local", r.Engine)
	assert.EqualValues(t, 300, r.Messages)
	assert.EqualValues(t, 300-50, r.EndToEnd.Count, "the backlog goes first, untimed")
	requireMonotone(t, "end_to_end_ns", r.EndToEnd)
	requireClaimRows(t, r)
	assert.Zero(t, r.Lost)
	assert.Equal(t, "queue+engine", r.AllocsScope)
	assert.InDelta(t, 70, r.Memory.QueuedMessages, 40, "backlog and held, and up to a window in flight")
}

// TestBenchEngineDriver drives a queue through the engine driver and
// checks what the run left in it.
func TestBenchEngineDriver(t *testing.T) {
	cfg, err := parseBenchFlags([]string{"-warmup", "0", "-messages", "300", "-backlog", "50", "-held", "20", "-consumers", "2"}, &bytes.Buffer{})
	require.NoError(t, err)
	q := newInProcess(cfg.bodySize).q
	closed := false
	cfg.wrap = func(d driver) driver {
		d.close()
		ed, err := newEngineDriver(claimq.Local(q), cfg, func() { closed = true })
		require.NoError(t, err)
		return ed
	}
	r, err := measure(t.Context(), cfg, newProgress(&bytes.Buffer{}, false))
	require.NoError(t, err)
	assert.True(t, closed, "the driver closes what it opened")
	assert.EqualValues(t, 300, r.Messages)
	st := q.Stats()
	assert.Equal(t, 20, st.Claimed, "the held messages stay claimed")
	assert.Equal(t, int64(st.Total), r.Memory.QueuedMessages, "the queued count is the queue's")
}

func TestEngineDriverLost(t *testing.T) {
	fc := claimq.NewFakeClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	q := claimq.New(claimq.Options[[]byte]{Clock: fc, DefaultTTL: time.Hour})
	d, err := newEngineDriver(claimq.Local(q), benchConfig{claimTTL: time.Minute, bodySize: 20}, nil)
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
	require.ErrorIs(t, c.delete(t.Context(), ds[1]), errLost, "the claim expired")

	zq := claimq.New(claimq.Options[[]byte]{Limits: claimq.ZaqarLimits()})
	_, err = newEngineDriver(claimq.Local(zq), benchConfig{claimTTL: time.Second}, nil)
	require.ErrorContains(t, err, "the engine takes claims of 1m0s or more")
}
