package zaqartest_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/claimq/claimq"
	"github.com/claimq/claimq/zaqartest"
	"github.com/gophercloud/gophercloud/v2/openstack/messaging/v2/claims"
	"github.com/gophercloud/gophercloud/v2/openstack/messaging/v2/messages"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSnapshot(t *testing.T) {
	ctx := context.Background()
	srv := zaqartest.New(t)
	jobs := srv.Queue("jobs")
	t0 := zaqartest.Start

	ids := jobs.Post(map[string]any{"n": 0})
	res, err := messages.Create(ctx, srv.Client, "jobs", messages.BatchCreateOpts{
		{Body: map[string]any{"n": 1}, TTL: 120},
	}).Extract()
	require.NoError(t, err)
	ids = append(ids, srv.MessageIDs(res.Resources...)...)
	// Zaqar reads a post's delay only in a queue with a default delay.
	delayed, err := jobs.Raw().Post(claimq.Post[json.RawMessage]{Body: json.RawMessage(`{"n":2}`), Delay: 30 * time.Second})
	require.NoError(t, err)
	ids = append(ids, delayed...)
	srv.Clock.Advance(10 * time.Second)
	got, err := claims.Create(ctx, srv.Client, "jobs", claims.CreateOpts{TTL: 300, Grace: 60, Limit: 5}).Extract()
	require.NoError(t, err)
	claim, held := srv.ClaimIDs(got)
	require.Equal(t, ids[:2], held, "the delayed message is not claimable")

	t1 := t0.Add(10 * time.Second)
	want := zaqartest.Snapshot{
		Queue: "jobs",
		Now:   t1,
		Messages: []zaqartest.Message{
			{ID: ids[0], Body: `{"n":0}`, State: zaqartest.Claimed, Claim: claim, ClaimCount: 1,
				Created: t0, Expires: t0.Add(time.Hour)},
			// Lifetime extension: 120 s would end before the claim.
			{ID: ids[1], Body: `{"n":1}`, State: zaqartest.Claimed, Claim: claim, ClaimCount: 1,
				Created: t0, Expires: t1.Add(360 * time.Second), ClientID: zaqartest.ClientID},
			{ID: ids[2], Body: `{"n":2}`, State: zaqartest.Delayed,
				Created: t0, Expires: t0.Add(time.Hour), DelayedUntil: t0.Add(30 * time.Second)},
		},
		Claims: []zaqartest.Claim{{ID: claim, ClientID: zaqartest.ClientID, TTL: 300 * time.Second, Grace: 60 * time.Second,
			Renewed: t1, Expires: t1.Add(300 * time.Second), Messages: ids[:2]}},
		Stats: claimq.Stats{Total: 3, Claimed: 2, Free: 1, Delayed: 1, Claims: 1,
			Oldest: claimq.MessageStat{ID: ids[0], Created: t0, Age: 10 * time.Second},
			Newest: claimq.MessageStat{ID: ids[2], Created: t0, Age: 10 * time.Second}},
	}
	snap := jobs.Snapshot()
	assert.Equal(t, want, snap)
	assert.Equal(t, snap, jobs.Snapshot(), "nothing changed: equal snapshots")
	assert.Equal(t, ids[:2], snap.IDs(zaqartest.Claimed))
	assert.Equal(t, ids, snap.IDs(""))
	assert.Nil(t, snap.IDs(zaqartest.Free))

	srv.Clock.Advance(time.Second)
	assert.NotEqual(t, snap, jobs.Snapshot(), "time moved")
}

func TestSnapshotString(t *testing.T) {
	srv := zaqartest.New(t)
	jobs := srv.Queue("jobs")
	ids := jobs.Post(map[string]any{"n": 0}, map[string]any{"long": string(make([]byte, 100))})
	_, err := jobs.Raw().Post(claimq.Post[json.RawMessage]{Body: json.RawMessage(`"é"`), Delay: time.Minute})
	require.NoError(t, err)
	c, err := jobs.Raw().Claim(claimq.ClaimOptions{Limit: 1, ClientID: "w1"})
	require.NoError(t, err)
	srv.Clock.Advance(time.Second)

	s := jobs.Snapshot().String()
	assert.Contains(t, s, `queue "jobs" at 2025-01-01T00:00:01Z: 3 messages, 1 claims`)
	assert.Regexp(t, ids[0].String()+` +claimed +`+c.ID.String()[:8]+` +1 +59m59s +\{"n":0\}`, s)
	assert.Regexp(t, ids[1].String()+` +free +- +0 +59m59s +\{"long":"\\u0000`, s)
	assert.Contains(t, s, `...`, "long bodies are cut")
	assert.Regexp(t, `delayed 59s +- +0 +59m59s +"é"`, s)
	assert.Contains(t, s, `claim `+c.ID.String()[:8]+` (client "w1") expires in 4m59s, holds [`+ids[0].String()+`]`)
}
