package bench

import (
	"bytes"
	"context"
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
	// A counted run posts as many as it deletes: the held messages and
	// the backlog stay, nothing else.
	assert.EqualValues(t, 20+50, r.Memory.QueuedMessages)
}

// TestBenchEngineDriver drives a queue through the engine driver and
// checks what the run left in it.
func TestBenchEngineDriver(t *testing.T) {
	cfg, err := parseBenchFlags([]string{"-warmup", "0", "-messages", "300", "-backlog", "50", "-held", "20", "-consumers", "2"}, &bytes.Buffer{}, nil)
	require.NoError(t, err)
	q := newInProcess(cfg.bodySize).q
	closed := false
	cfg.wrap = func(d driver) driver {
		d.close()
		ed, err := newEngineDriver(claimq.Local(q), cfg.claimTTL, cfg.bodySize, func() { closed = true })
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
	d, err := newEngineDriver(claimq.Local(q), time.Minute, 20, nil)
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
	_, err = EngineDriver(claimq.Local(zq), Target{ClaimTTL: time.Second, BodySize: 20}, nil)
	require.ErrorContains(t, err, "the engine takes claims of 1m0s or more")
}

// TestRunRegisteredEngine is how a command in another module plugs its
// engine in (the Redis Streams engine under "redis"): an Opener per
// scheme, returning EngineDriver's driver.
func TestRunRegisteredEngine(t *testing.T) {
	var targets []Target
	var queues []*claimq.Queue[[]byte]
	opts := Options{Engines: map[string]Opener{"redis": func(_ context.Context, tg Target) (Driver, error) {
		targets = append(targets, tg)
		q := claimq.New(claimq.Options[[]byte]{})
		queues = append(queues, q)
		return EngineDriver(claimq.Local(q), tg, nil) // left open, to be looked at
	}}}
	var out, errOut bytes.Buffer
	err := Run(t.Context(), []string{"-engine", "redis://user:pw@127.0.0.1:6379/0", "-token", "tk", "-project", "p",
		"-messages", "100", "-backlog", "10", "-count", "2", "-warmup", "0", "-json"}, &out, &errOut, opts)
	require.NoError(t, err, "stderr: %s", errOut.String())
	rep := decodeReport(t, out.String())
	r := rep.Points[0].Runs[0]
	assert.Equal(t, "redis://user:xxxxx@127.0.0.1:6379/0", r.Engine, "the password is not printed")
	assert.EqualValues(t, 100, r.Messages)
	assert.EqualValues(t, 100-10, r.EndToEnd.Count)
	assert.Equal(t, "client", r.AllocsScope)

	require.Len(t, targets, 2, "an engine per run")
	assert.Equal(t, Target{URL: "redis://user:pw@127.0.0.1:6379/0", Token: "tk", Project: "p", Queue: targets[0].Queue, ClaimTTL: 5 * time.Minute, BodySize: 64, Workers: 2}, targets[0])
	assert.NotEqual(t, targets[0].Queue, targets[1].Queue, "each run a queue of its own")
	for i, q := range queues {
		assert.EqualValues(t, rep.Points[0].Runs[i].Memory.QueuedMessages, q.Len(), "run %d: each run's own queue", i)
	}
}

// cancelSeer is an engine that records, per Claim, whether it could be
// cancelled by its context.
type cancelSeer struct {
	claimq.Engine[[]byte]
	cancellable []bool // by Claim, in order
	waits       []time.Duration
	onWait      func() // called as a Claim with a Wait starts
}

func (e *cancelSeer) Claim(ctx context.Context, req claimq.ClaimRequest) (claimq.Lease[[]byte], error) {
	e.cancellable = append(e.cancellable, ctx.Done() != nil)
	e.waits = append(e.waits, req.Wait)
	if req.Wait > 0 && e.onWait != nil {
		e.onWait()
	}
	return e.Engine.Claim(ctx, req)
}

// TestEngineDriverClaimNotDropped: a claim that does not wait runs to its
// end even if the phase ends meanwhile, so that the server never holds
// messages for a claim the client dropped; a waiting one follows the
// phase, so that its end does not wait a second.
func TestEngineDriverClaimNotDropped(t *testing.T) {
	q := claimq.New(claimq.Options[[]byte]{})
	defer q.Close()
	e := &cancelSeer{Engine: claimq.Local(q)}
	d, err := newEngineDriver[[]byte](e, time.Minute, 20, nil)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(t.Context())
	require.NoError(t, d.newProducer().post(ctx, []int64{1}))
	c := d.newConsumer()
	_, waited, err := c.claim(ctx, 1, time.Minute)
	require.NoError(t, err)
	assert.False(t, waited)

	// The queue is empty now: the second claim waits, and the phase
	// ends during the wait.
	e.onWait = cancel
	_, waited, err = c.claim(ctx, 1, time.Minute)
	require.ErrorIs(t, err, context.Canceled)
	assert.True(t, waited)
	assert.Equal(t, []bool{false, false, true}, e.cancellable, "claims that do not wait cannot be cancelled")
	assert.Equal(t, []time.Duration{0, 0, engineClaimWait}, e.waits)
}
