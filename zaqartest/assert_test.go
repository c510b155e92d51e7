package zaqartest_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/claimq/claimq"
	"github.com/claimq/claimq/zaqartest"
	"github.com/gophercloud/gophercloud/v2/openstack/messaging/v2/claims"
	"github.com/gophercloud/gophercloud/v2/openstack/messaging/v2/queues"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Each assertion passes on the state it describes and fails, with a
// report naming the difference, on any other.

func TestAssertEmpty(t *testing.T) {
	rec := record(t)
	srv := zaqartest.New(rec)
	jobs := srv.Queue("jobs")
	assert.True(t, jobs.AssertEmpty())
	assert.Empty(t, rec.take())

	ids := jobs.Post(map[string]any{"n": 1})
	assert.False(t, jobs.AssertEmpty())
	report := rec.take()
	assert.Contains(t, report, `queue "jobs" is not empty: it holds 1 messages`)
	assert.Contains(t, report, ids[0].String(), "the report shows the queue")
	assert.Contains(t, report, `{"n":1}`)

	srv.Clock.Advance(time.Hour) // the default TTL
	assert.True(t, jobs.AssertEmpty(), "expired")
	assert.Empty(t, rec.take())
}

func TestAssertStates(t *testing.T) {
	ctx := context.Background()
	rec := record(t)
	srv := zaqartest.New(rec)
	jobs := srv.Queue("jobs")
	ids := jobs.Post(map[string]any{"n": 0}, map[string]any{"n": 1})
	_, err := jobs.Raw().Post(claimq.Post[json.RawMessage]{Body: json.RawMessage(`{"n":2}`), Delay: time.Minute})
	require.NoError(t, err)
	delayed := jobs.Snapshot().Messages[2].ID
	got, err := claims.Create(ctx, srv.Client, "jobs", claims.CreateOpts{Limit: 1}).Extract()
	require.NoError(t, err)
	claim, held := srv.ClaimIDs(got)
	require.Equal(t, ids[:1], held)

	assert.True(t, jobs.AssertClaimed(ids[0]))
	assert.True(t, jobs.AssertFree(ids[1]))
	assert.True(t, jobs.AssertDelayed(delayed))
	assert.True(t, jobs.AssertClaimedBy(claim, ids[0]))
	assert.True(t, jobs.AssertClaimed(ids[0], ids[0]), "repetitions do not matter")
	assert.Empty(t, rec.take())

	assert.False(t, jobs.AssertClaimed(ids[1]))
	report := rec.take()
	assert.Contains(t, report, `queue "jobs": claimed messages are [`+ids[0].String()+`], want [`+ids[1].String()+`]`)
	assert.Contains(t, report, "missing: "+ids[1].String()+" (free)")
	assert.Contains(t, report, "unexpected: "+ids[0].String())

	assert.False(t, jobs.AssertFree(ids[0], ids[1]))
	assert.Contains(t, rec.take(), "missing: "+ids[0].String()+" (claimed by "+claim.String()[:8]+")")
	assert.False(t, jobs.AssertFree())
	assert.Contains(t, rec.take(), "unexpected: "+ids[1].String())

	assert.False(t, jobs.AssertDelayed())
	assert.Contains(t, rec.take(), "delayed messages are ["+delayed.String()+"], want []")

	assert.False(t, jobs.AssertClaimedBy(claim, ids[0], ids[1]))
	assert.Contains(t, rec.take(), "missing: "+ids[1].String()+" (free)")
	other := claimq.ClaimID{1}
	assert.False(t, jobs.AssertClaimedBy(other, ids[0]))
	assert.Contains(t, rec.take(), "claim "+other.String()+" is not live")

	assert.False(t, jobs.AssertClaimed(claimq.MessageID(1<<60)))
	assert.Contains(t, rec.take(), "(not in the queue)")

	// The delay ends and the claim expires: everything is free.
	srv.Clock.Advance(5 * time.Minute)
	assert.True(t, jobs.AssertFree(ids[0], ids[1], delayed))
	assert.True(t, jobs.AssertClaimed())
	assert.True(t, jobs.AssertDelayed())
	assert.False(t, jobs.AssertClaimedBy(claim, ids[0]), "expired")
	assert.Contains(t, rec.take(), "is not live")
}

func TestAssertDeadLettered(t *testing.T) {
	ctx := context.Background()
	rec := record(t)
	srv := zaqartest.New(rec)
	jobs := srv.Queue("jobs")
	jobs.Post(map[string]any{"n": 0})
	assert.False(t, jobs.AssertDeadLettered())
	assert.Contains(t, rec.take(), `queue "jobs" has no dead-letter queue in its metadata`)

	require.NoError(t, queues.Create(ctx, srv.Client, queues.CreateOpts{
		QueueName: "poison", MaxClaimCount: 1, DeadLetterQueue: "dlq",
	}).ExtractErr())
	poison := srv.Queue("poison")
	ids := poison.Post(map[string]any{"n": 1})
	assert.True(t, poison.AssertDeadLettered(), "nothing moved yet")
	for range 2 {
		got, err := claims.Create(ctx, srv.Client, "poison", claims.CreateOpts{TTL: 60}).Extract()
		require.NoError(t, err)
		srv.Clock.Advance(61 * time.Second)
		if len(got) == 0 {
			break
		}
	}
	snap := poison.Snapshot()
	require.Len(t, snap.DeadLetter, 1, "claimed once, then moved by the second claim")
	moved := snap.DeadLetter[0].ID
	assert.Equal(t, ids[0], moved, "a dead-lettered message keeps its ID")
	assert.True(t, poison.AssertDeadLettered(ids...))
	assert.True(t, poison.AssertEmpty())
	assert.Empty(t, rec.take())

	assert.False(t, poison.AssertDeadLettered())
	report := rec.take()
	assert.Contains(t, report, `messages of dead-letter queue "dlq" are [`+moved.String()+`], want []`)
	assert.Contains(t, report, `dead-letter queue "dlq": 1 messages`)
}

func TestAssertBodies(t *testing.T) {
	rec := record(t)
	srv := zaqartest.New(rec)
	jobs := srv.Queue("jobs")
	assert.True(t, jobs.AssertBodies())
	jobs.Post(map[string]any{"job": "resize", "size": 2}, json.RawMessage(` [1, 2] `))

	assert.True(t, jobs.AssertBodies(json.RawMessage(`{"size":2,"job":"resize"}`), []int{1, 2}),
		"JSON values: key order and spacing do not matter")
	assert.Empty(t, rec.take())

	assert.False(t, jobs.AssertBodies(map[string]any{"job": "resize", "size": 3}))
	report := rec.take()
	assert.Contains(t, report, `≠ 0: got {"job":"resize","size":2}, want {"job":"resize","size":3}`)
	assert.Contains(t, report, `≠ 1: got [1,2], want (none)`)

	assert.False(t, jobs.AssertBodies(json.RawMessage(`{"job":`)))
	assert.Contains(t, rec.take(), "AssertBodies: body 0:")
}
