package zaqar_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/claimq/claimq"
	"github.com/claimq/claimq/zaqar"
	"github.com/gophercloud/gophercloud/v2/openstack/messaging/v2/claims"
	"github.com/gophercloud/gophercloud/v2/openstack/messaging/v2/messages"
	"github.com/gophercloud/gophercloud/v2/openstack/messaging/v2/queues"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The queue Go code reaches is the one the API serves, both ways.
func TestQueueIsTheServedQueue(t *testing.T) {
	ctx := context.Background()
	h := zaqar.NewHandler(zaqar.Options{FakeClock: claimq.NewFakeClock(epoch)})
	srv := startHandler(t, h)
	sc := newClient(t, srv, clientA, "")

	q, err := h.Queue("", "jobs")
	require.NoError(t, err)
	ids, err := q.Post(claimq.Post[json.RawMessage]{Body: json.RawMessage(`{"from":"go"}`)})
	require.NoError(t, err)
	got, err := claims.Create(ctx, sc, "jobs", claims.CreateOpts{}).Extract()
	require.NoError(t, err)
	require.Len(t, got, 1)
	assert.Equal(t, "go", got[0].Body["from"])
	m, err := q.Get(ids[0])
	require.NoError(t, err)
	assert.False(t, m.ClaimID.IsZero(), "the claim over HTTP holds the message in Go")

	_, err = messages.Create(ctx, sc, "other", messages.BatchCreateOpts{{Body: map[string]any{"from": "http"}}}).Extract()
	require.NoError(t, err)
	other, err := h.Queue("", "other")
	require.NoError(t, err)
	assert.Equal(t, 1, other.Len(), "a post over HTTP is seen in Go")

	again, err := h.Queue("", "jobs")
	require.NoError(t, err)
	assert.Same(t, q, again)
	elsewhere, err := h.Queue("p2", "jobs")
	require.NoError(t, err)
	assert.NotSame(t, q, elsewhere, "projects have their own queues")
}

// startHandler serves h over loopback for the test and returns its URL.
func startHandler(t *testing.T, h http.Handler) string {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}

func TestDeadLetterAccess(t *testing.T) {
	ctx := context.Background()
	h := zaqar.NewHandler(zaqar.Options{FakeClock: claimq.NewFakeClock(epoch)})
	sc := newClient(t, startHandler(t, h), clientA, "")

	name, dq, err := h.DeadLetter("", "jobs")
	require.NoError(t, err)
	assert.Equal(t, "", name, "no such queue")
	assert.Nil(t, dq)

	require.NoError(t, queues.Create(ctx, sc, queues.CreateOpts{
		QueueName: "jobs", MaxClaimCount: 1, DeadLetterQueue: "dlq",
	}).ExtractErr())
	name, dq, err = h.DeadLetter("", "jobs")
	require.NoError(t, err)
	assert.Equal(t, "dlq", name)
	assert.Nil(t, dq, "the dead-letter queue does not exist yet, and DeadLetter creates nothing")

	// Queue wires the dead-letter queue, so that claims in Go move
	// messages there as claims over HTTP do.
	q, err := h.Queue("", "jobs")
	require.NoError(t, err)
	ids, err := q.Post(claimq.Post[json.RawMessage]{Body: json.RawMessage(`{"n":1}`)})
	require.NoError(t, err)
	c, err := q.Claim(claimq.ClaimOptions{})
	require.NoError(t, err)
	require.NoError(t, q.Release(c.ID))
	c, err = q.Claim(claimq.ClaimOptions{})
	require.NoError(t, err)
	assert.Empty(t, c.Messages, "claimed once already: dead-lettered")

	name, dq, err = h.DeadLetter("", "jobs")
	require.NoError(t, err)
	assert.Equal(t, "dlq", name)
	require.NotNil(t, dq)
	m, err := dq.Get(ids[0])
	require.NoError(t, err, "the message kept its ID in the dead-letter queue")
	assert.Equal(t, json.RawMessage(`{"n":1}`), m.Body)
}

func TestAccessErrors(t *testing.T) {
	h := zaqar.NewHandler(zaqar.Options{MaxQueuesPerProject: 1})
	_, err := h.Queue("", "first")
	require.NoError(t, err)
	_, err = h.Queue("", "second")
	require.ErrorIs(t, err, zaqar.ErrQuota, "a second queue beyond MaxQueuesPerProject 1")
	assert.Contains(t, err.Error(), "Quota exceeded")
	for _, name := range []string{"", "a/b", strings.Repeat("q", 65)} {
		_, err = h.Queue("", name)
		require.ErrorIs(t, err, claimq.ErrInvalid, "queue name %q", name)
		_, _, err = h.DeadLetter("", name)
		require.ErrorIs(t, err, claimq.ErrInvalid, "queue name %q", name)
	}
	_, err = h.Queue(strings.Repeat("p", 257), "jobs")
	require.ErrorIs(t, err, claimq.ErrInvalid, "a project longer than 256 bytes")
}
