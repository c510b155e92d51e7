package zaqartest_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/claimq/claimq"
	"github.com/claimq/claimq/zaqar"
	"github.com/claimq/claimq/zaqartest"
	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack/messaging/v2/claims"
	"github.com/gophercloud/gophercloud/v2/openstack/messaging/v2/messages"
	"github.com/gophercloud/gophercloud/v2/openstack/messaging/v2/queues"
	"github.com/gophercloud/gophercloud/v2/pagination"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const otherClient = "9c6e3a52-7d1f-4a3e-9f2b-1c0d5e6f7a8b"

func TestNewDefaults(t *testing.T) {
	ctx := context.Background()
	srv := zaqartest.New(t)
	assert.Equal(t, zaqartest.Start, srv.Clock.Now())
	assert.Equal(t, srv.URL+"/", srv.Client.Endpoint, "the endpoint gophercloud needs")
	assert.Equal(t, zaqartest.ClientID, srv.Client.MoreHeaders["Client-ID"])
	assert.NotContains(t, srv.Client.MoreHeaders, "X-Project-Id")

	_, err := messages.Create(ctx, srv.Client, "jobs", messages.BatchCreateOpts{{Body: map[string]any{"n": 1}}}).Extract()
	require.NoError(t, err)
	snap := srv.Queue("jobs").Snapshot()
	require.Len(t, snap.Messages, 1)
	assert.Equal(t, zaqartest.ClientID, snap.Messages[0].ClientID)
	assert.Equal(t, zaqartest.Start, snap.Messages[0].Created, "the queues run on the fake clock")

	// The fake clock's endpoint is served.
	res, err := http.Get(srv.URL + "/_claimq/clock")
	require.NoError(t, err)
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	assert.JSONEq(t, `{"now":"2025-01-01T00:00:00Z"}`, string(body))
}

// listBodies lists queue through sc and returns the "n" of each body.
func listBodies(t *testing.T, sc *gophercloud.ServiceClient, queue string) []float64 {
	t.Helper()
	var got []float64
	err := messages.List(sc, queue, messages.ListOpts{}).EachPage(context.Background(), func(_ context.Context, p pagination.Page) (bool, error) {
		msgs, err := messages.ExtractMessages(p)
		for _, m := range msgs {
			got = append(got, m.Body["n"].(float64))
		}
		return true, err
	})
	require.NoError(t, err)
	return got
}

func TestClients(t *testing.T) {
	ctx := context.Background()
	srv := zaqartest.New(t, zaqartest.WithClientID(otherClient))
	assert.Equal(t, otherClient, srv.Client.MoreHeaders["Client-ID"])
	_, err := messages.Create(ctx, srv.Client, "jobs", messages.BatchCreateOpts{{Body: map[string]any{"n": 1}}}).Extract()
	require.NoError(t, err)
	srv.Queue("jobs").Post(map[string]any{"n": 2})

	assert.Equal(t, []float64{2}, listBodies(t, srv.Client, "jobs"), "Zaqar hides a client's own messages")
	assert.Equal(t, []float64{1, 2}, listBodies(t, srv.NewClient(zaqartest.ClientID), "jobs"))
}

func TestWithProject(t *testing.T) {
	ctx := context.Background()
	srv := zaqartest.New(t, zaqartest.WithProject("tenant-1"),
		zaqartest.WithHandlerOptions(zaqar.Options{RequireProject: true}))
	assert.Equal(t, "tenant-1", srv.Project)
	assert.Equal(t, "tenant-1", srv.Client.MoreHeaders["X-Project-Id"])
	_, err := messages.Create(ctx, srv.Client, "jobs", messages.BatchCreateOpts{{Body: map[string]any{"n": 1}}}).Extract()
	require.NoError(t, err, "the client sends the project the handler requires")

	assert.Len(t, srv.Queue("jobs").Snapshot().Messages, 1)
	assert.Len(t, srv.QueueIn("tenant-1", "jobs").Snapshot().Messages, 1)
	assert.Empty(t, srv.QueueIn("", "jobs").Snapshot().Messages, "another project")
}

func TestDefaultProject(t *testing.T) {
	ctx := context.Background()
	srv := zaqartest.New(t, zaqartest.WithHandlerOptions(zaqar.Options{DefaultProject: "p0"}))
	assert.Equal(t, "p0", srv.Project)
	_, err := messages.Create(ctx, srv.Client, "jobs", messages.BatchCreateOpts{{Body: map[string]any{"n": 1}}}).Extract()
	require.NoError(t, err)
	assert.Len(t, srv.Queue("jobs").Snapshot().Messages, 1)
}

func TestWithHandlerOptionsToken(t *testing.T) {
	ctx := context.Background()
	clock := claimq.NewFakeClock(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))
	srv := zaqartest.New(t, zaqartest.WithClock(clock),
		zaqartest.WithHandlerOptions(zaqar.Options{AuthToken: "tok", FakeClock: claimq.NewFakeClock(time.Time{})}))
	assert.Same(t, clock, srv.Clock, "the server's clock replaces the options'")
	_, err := queues.GetStats(ctx, srv.Client, "jobs").Extract()
	require.NoError(t, err, "the client sends the token")
	res, err := http.Get(srv.URL + "/v2/queues")
	require.NoError(t, err)
	res.Body.Close()
	assert.Equal(t, http.StatusUnauthorized, res.StatusCode)

	srv.Queue("jobs").Post(map[string]any{"n": 1})
	assert.Equal(t, clock.Now(), srv.Queue("jobs").Snapshot().Messages[0].Created)
}

// The server closes with its test, stalled requests included.
func TestCleanup(t *testing.T) {
	var url string
	stalled := make(chan error, 1)
	t.Run("inner", func(t *testing.T) {
		srv := zaqartest.New(t)
		url = srv.URL
		srv.Inject(zaqar.Fault{Op: "claims:create", Delay: time.Hour})
		go func() {
			_, err := claims.Create(context.Background(), srv.Client, "jobs", claims.CreateOpts{}).Extract()
			stalled <- err
		}()
		srv.WaitStalled(1)
	})
	require.NoError(t, <-stalled, "the stalled claim went on at cleanup")
	_, err := http.Get(url + "/v2/ping")
	require.Error(t, err, "the server is closed")
}

func TestInjectAndWaitStalled(t *testing.T) {
	ctx := context.Background()
	srv := zaqartest.New(t)
	jobs := srv.Queue("jobs")
	ids := jobs.Post(map[string]any{"n": 1})
	srv.Inject(zaqar.Fault{Op: "messages:delete", Delay: 30 * time.Second, Status: http.StatusGatewayTimeout, Count: 1})

	got, err := claims.Create(ctx, srv.Client, "jobs", claims.CreateOpts{TTL: 60}).Extract()
	require.NoError(t, err)
	claim, _ := srv.ClaimIDs(got)
	done := make(chan error, 1)
	go func() {
		done <- messages.Delete(ctx, srv.Client, "jobs", ids[0].String(), messages.DeleteOpts{ClaimID: claim.String()}).ExtractErr()
	}()
	srv.WaitStalled(1)
	srv.Clock.Advance(30 * time.Second)
	err = <-done
	assert.True(t, gophercloud.ResponseCodeIs(err, http.StatusGatewayTimeout), "%v", err)
	jobs.AssertClaimedBy(claim, ids...) // the faulted delete did nothing

	require.NoError(t, messages.Delete(ctx, srv.Client, "jobs", ids[0].String(), messages.DeleteOpts{ClaimID: claim.String()}).ExtractErr())
	jobs.AssertEmpty()
}

func TestFatalHelpers(t *testing.T) {
	rec := record(t)
	srv := zaqartest.New(rec)
	for _, tt := range []struct {
		name string
		call func()
		want string
	}{
		{"invalid fault", func() { srv.Inject(zaqar.Fault{Op: "claims:make", Status: 503}) }, `unknown op "claims:make"`},
		{"invalid queue name", func() { srv.Queue("a/b") }, `queue "a/b"`},
		{"body not JSON", func() { srv.Queue("jobs").Post(json.RawMessage(`{`)) }, "Post to \"jobs\": body 0"},
		{"body not marshallable", func() { srv.Queue("jobs").Post(func() {}) }, "unsupported type"},
		{"empty post", func() { srv.Queue("jobs").Post() }, "Post to \"jobs\""},
		{"no claim result", func() { srv.ClaimIDs(nil) }, "ClaimIDs of an empty claim result"},
		{"href without claim", func() {
			srv.ClaimIDs([]claims.Messages{{Href: "/v2/queues/q/messages/0000000000000001"}})
		}, "has no claim_id"},
		{"foreign claim ID", func() {
			srv.ClaimIDs([]claims.Messages{{Href: "/v2/queues/q/messages/0000000000000001?claim_id=a28ee94e-6cb4-11e2-b4d5-7703267a7926"}})
		}, "want 32 hex digits"},
		{"two claims", func() {
			srv.ClaimIDs([]claims.Messages{
				{Href: "/v2/queues/q/messages/0000000000000001?claim_id=0000000000000000000000000000000a"},
				{Href: "/v2/queues/q/messages/0000000000000002?claim_id=0000000000000000000000000000000b"},
			})
		}, "where the first message's is"},
		{"not a message href", func() { srv.MessageIDs("/v2/queues/q") }, "MessageIDs: href \"/v2/queues/q\""},
		{"foreign message ID", func() { srv.MessageIDs("/v2/queues/q/messages/51db6f78c508f17ddc924357") }, "invalid"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			assert.False(t, rec.fatal(tt.call), "the helper stops the test")
			assert.Contains(t, rec.take(), tt.want)
		})
	}

	srv2 := zaqartest.New(&cancelled{recorder: rec})
	assert.False(t, rec.fatal(func() { srv2.WaitStalled(1) }))
	assert.Contains(t, rec.take(), "waiting for 1 stalled requests (0 now): context canceled")
}

// cancelled is a recorder whose test context has ended.
type cancelled struct{ *recorder }

func (c *cancelled) Context() context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return ctx
}

func TestIDs(t *testing.T) {
	ctx := context.Background()
	srv := zaqartest.New(t)
	res, err := messages.Create(ctx, srv.Client, "jobs", messages.BatchCreateOpts{
		{Body: map[string]any{"n": 1}}, {Body: map[string]any{"n": 2}},
	}).Extract()
	require.NoError(t, err)
	posted := srv.MessageIDs(res.Resources...)
	assert.Equal(t, srv.Queue("jobs").Snapshot().IDs(""), posted)

	got, err := claims.Create(ctx, srv.Client, "jobs", claims.CreateOpts{}).Extract()
	require.NoError(t, err)
	claim, ids := srv.ClaimIDs(got)
	assert.Equal(t, posted, ids)
	snap := srv.Queue("jobs").Snapshot()
	require.Len(t, snap.Claims, 1)
	assert.Equal(t, snap.Claims[0].ID, claim)
}
