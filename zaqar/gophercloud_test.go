package zaqar_test

import (
	"bytes"
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/claimq/claimq/zaqar"
	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack/messaging/v2/claims"
	"github.com/gophercloud/gophercloud/v2/openstack/messaging/v2/messages"
	"github.com/gophercloud/gophercloud/v2/openstack/messaging/v2/queues"
	"github.com/gophercloud/gophercloud/v2/pagination"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// postN posts n messages {"n": i} to queue and returns their IDs.
func postN(t *testing.T, sc *gophercloud.ServiceClient, queue string, n int) []string {
	t.Helper()
	batch := make(messages.BatchCreateOpts, n)
	for i := range batch {
		batch[i] = messages.CreateOpts{TTL: 300, Body: map[string]any{"n": i}}
	}
	res, err := messages.Create(context.Background(), sc, queue, batch).Extract()
	require.NoError(t, err)
	require.Len(t, res.Resources, n)
	ids := make([]string, n)
	for i, href := range res.Resources {
		ids[i] = href[len("/v2/queues/"+queue+"/messages/"):]
	}
	return ids
}

// listAll lists queue one message per page, as gophercloud's acceptance
// test does, and returns the bodies' "n" values in order.
func listAll(t *testing.T, sc *gophercloud.ServiceClient, queue string, opts messages.ListOpts) []float64 {
	t.Helper()
	opts.Limit = 1
	var got []float64
	pages := 0
	err := messages.List(sc, queue, opts).EachPage(context.Background(), func(_ context.Context, p pagination.Page) (bool, error) {
		msgs, err := messages.ExtractMessages(p)
		if err != nil {
			return false, err
		}
		pages++
		for _, m := range msgs {
			got = append(got, m.Body["n"].(float64))
		}
		return true, nil
	})
	require.NoError(t, err)
	assert.Equal(t, len(got), pages, "pages of limit 1")
	return got
}

func TestGophercloudQueues(t *testing.T) {
	ctx := context.Background()
	srv, _ := newServer(t, zaqar.Options{AuthToken: "tok"})
	sc := newClient(t, srv.URL, clientA, "tok")

	err := queues.Create(ctx, sc, queues.CreateOpts{
		QueueName:                  "demo",
		MaxMessagesPostSize:        262143,
		DefaultMessageTTL:          3700,
		DeadLetterQueueMessagesTTL: 3500,
		MaxClaimCount:              10,
		Extra:                      map[string]any{"description": "Test queue"},
	}).ExtractErr()
	require.NoError(t, err)
	// A bare create sends _default_message_ttl: 0, which means "default".
	require.NoError(t, queues.Create(ctx, sc, queues.CreateOpts{QueueName: "bare"}).ExtractErr())
	require.NoError(t, queues.Create(ctx, sc, queues.CreateOpts{QueueName: "bare"}).ExtractErr(), "existing queue: 204")

	q, err := queues.Get(ctx, sc, "demo").Extract()
	require.NoError(t, err)
	assert.Equal(t, 3700, q.DefaultMessageTTL)
	assert.Equal(t, 262143, q.MaxMessagesPostSize)
	assert.Equal(t, 3500, q.DeadLetterQueueMessageTTL)
	assert.Equal(t, 10, q.MaxClaimCount)
	assert.Equal(t, "Test queue", q.Extra["description"])

	bare, err := queues.Get(ctx, sc, "bare").Extract()
	require.NoError(t, err)
	assert.Equal(t, 3600, bare.DefaultMessageTTL, "reserved default")
	assert.Equal(t, 262144, bare.MaxMessagesPostSize, "reserved default")

	updated, err := queues.Update(ctx, sc, "demo", queues.BatchUpdateOpts{
		queues.UpdateOpts{Op: queues.ReplaceOp, Path: "/metadata/_max_claim_count", Value: 15},
		queues.UpdateOpts{Op: queues.ReplaceOp, Path: "/metadata/description", Value: "Updated"},
		queues.UpdateOpts{Op: queues.AddOp, Path: "/metadata/_default_message_ttl", Value: 120},
	}).Extract()
	require.NoError(t, err)
	assert.Equal(t, 15, updated.MaxClaimCount)
	assert.Equal(t, "Updated", updated.Extra["description"])
	q, err = queues.Get(ctx, sc, "demo").Extract()
	require.NoError(t, err)
	assert.Equal(t, 15, q.MaxClaimCount)
	assert.Equal(t, 120, q.DefaultMessageTTL)

	// The PATCH took effect: a message posted without a TTL gets 120 s.
	_, err = messages.Create(ctx, sc, "demo", messages.BatchCreateOpts{{Body: map[string]any{"n": 0}}}).Extract()
	require.NoError(t, err)
	postN(t, sc, "demo", 1)
	got, err := messages.List(sc, "demo", messages.ListOpts{Echo: true}).AllPages(ctx)
	require.NoError(t, err)
	msgs, err := messages.ExtractMessages(got)
	require.NoError(t, err)
	require.Len(t, msgs, 2)
	assert.Equal(t, 120, msgs[0].TTL)
	assert.Equal(t, 300, msgs[1].TTL)

	stats, err := queues.GetStats(ctx, sc, "demo").Extract()
	require.NoError(t, err)
	assert.Equal(t, queues.Stats{Claimed: 0, Free: 2, Total: 2}, stats)

	share, err := queues.Share(ctx, sc, "demo", queues.ShareOpts{
		Paths:   []queues.SharePath{queues.PathMessages},
		Methods: []queues.ShareMethod{queues.MethodPost},
	}).Extract()
	require.NoError(t, err)
	assert.Equal(t, []string{"/v2/queues/demo/messages"}, share.Paths)
	assert.Equal(t, []string{"POST"}, share.Methods)
	assert.Equal(t, "2025-01-03T03:04:05", share.Expires, "one day by default")
	assert.Len(t, share.Signature, 64)

	// The share lets a request without the token post, and only post.
	signed := func(method string) *http.Response {
		req, err := http.NewRequest(method, srv.URL+"/v2/queues/demo/messages",
			bytes.NewReader([]byte(`{"messages":[{"body":{"n":2}}]}`)))
		require.NoError(t, err)
		req.Header.Set("Client-ID", clientB)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("URL-Signature", share.Signature)
		req.Header.Set("URL-Expires", share.Expires)
		req.Header.Set("URL-Methods", "POST")
		req.Header.Set("URL-Paths", share.Paths[0])
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		return resp
	}
	assert.Equal(t, http.StatusCreated, signed(http.MethodPost).StatusCode)
	assert.Equal(t, http.StatusNotFound, signed(http.MethodGet).StatusCode)

	require.NoError(t, queues.Purge(ctx, sc, "demo", queues.PurgeOpts{
		ResourceTypes: []queues.PurgeResource{queues.ResourceMessages},
	}).ExtractErr())
	stats, err = queues.GetStats(ctx, sc, "demo").Extract()
	require.NoError(t, err)
	assert.Equal(t, 0, stats.Total)

	require.NoError(t, queues.Delete(ctx, sc, "demo").ExtractErr())
	q, err = queues.Get(ctx, sc, "demo").Extract()
	require.NoError(t, err, "a missing queue still answers 200")
	assert.Equal(t, 3600, q.DefaultMessageTTL, "deleted queue: defaults only")
	assert.Nil(t, q.Extra["description"])
}

func TestGophercloudListQueues(t *testing.T) {
	ctx := context.Background()
	srv, _ := newServer(t, zaqar.Options{})
	sc := newClient(t, srv.URL, clientA, "")
	names := []string{"q.c", "q-a", "q_b"}
	for _, n := range names {
		require.NoError(t, queues.Create(ctx, sc, queues.CreateOpts{QueueName: n, Extra: map[string]any{"k": n}}).ExtractErr())
	}
	var got []string
	var counts []int
	err := queues.List(sc, queues.ListOpts{Limit: 1, Detailed: true, WithCount: true}).EachPage(ctx,
		func(_ context.Context, p pagination.Page) (bool, error) {
			qs, err := queues.ExtractQueues(p)
			if err != nil {
				return false, err
			}
			for _, q := range qs {
				got = append(got, q.Name)
				assert.Equal(t, q.Name, q.Metadata.Extra["k"], "detailed metadata")
				assert.Equal(t, "/v2/queues/"+q.Name, q.Href)
			}
			n, err := p.(queues.QueuePage).GetCount()
			counts = append(counts, n)
			return true, err
		})
	require.NoError(t, err)
	assert.Equal(t, []string{"q-a", "q.c", "q_b"}, got, "sorted by name, every page")
	assert.Equal(t, []int{3, 3, 3}, counts)
}

func TestGophercloudMessages(t *testing.T) {
	ctx := context.Background()
	srv, _ := newServer(t, zaqar.Options{})
	producer := newClient(t, srv.URL, clientA, "")
	consumer := newClient(t, srv.URL, clientB, "")

	ids := postN(t, producer, "work", 6) // posting creates the queue
	assert.Equal(t, []float64{0, 1, 2, 3, 4, 5}, listAll(t, consumer, "work", messages.ListOpts{}))
	assert.Empty(t, listAll(t, producer, "work", messages.ListOpts{}), "echo defaults to false")
	assert.Len(t, listAll(t, producer, "work", messages.ListOpts{Echo: true}), 6)

	m, err := messages.Get(ctx, consumer, "work", ids[2]).Extract()
	require.NoError(t, err)
	assert.Equal(t, messages.Message{
		ID: ids[2], Href: "/v2/queues/work/messages/" + ids[2], TTL: 300, Age: 0,
		Body: map[string]any{"n": float64(2)},
	}, m)
	_, err = messages.Get(ctx, consumer, "work", "ffffffffffffffff").Extract()
	assert.True(t, gophercloud.ResponseCodeIs(err, http.StatusNotFound), "unknown id: %v", err)

	some, err := messages.GetMessages(ctx, consumer, "work", messages.GetMessagesOpts{IDs: []string{ids[4], ids[1]}}).Extract()
	require.NoError(t, err)
	require.Len(t, some, 2)
	assert.Equal(t, ids[4], some[0].ID)
	assert.Equal(t, ids[1], some[1].ID)

	require.NoError(t, messages.Delete(ctx, consumer, "work", ids[0], nil).ExtractErr())
	require.NoError(t, messages.Delete(ctx, consumer, "work", ids[0], nil).ExtractErr(), "deleting twice is fine")
	require.NoError(t, messages.DeleteMessages(ctx, consumer, "work", messages.DeleteMessagesOpts{IDs: []string{ids[1], ids[2]}}).ExtractErr())
	assert.Equal(t, []float64{3, 4, 5}, listAll(t, consumer, "work", messages.ListOpts{}))

	popped, err := messages.PopMessages(ctx, consumer, "work", messages.PopMessagesOpts{Pop: 2}).Extract()
	require.NoError(t, err)
	require.Len(t, popped, 2)
	assert.Equal(t, ids[3], popped[0].ID)
	assert.Equal(t, map[string]any{"n": float64(4)}, popped[1].Body)
	assert.Equal(t, "", popped[0].ClaimID)
	assert.Equal(t, []float64{5}, listAll(t, consumer, "work", messages.ListOpts{}))
	popped, err = messages.PopMessages(ctx, consumer, "work", messages.PopMessagesOpts{Pop: 20}).Extract()
	require.NoError(t, err)
	assert.Len(t, popped, 1)
	popped, err = messages.PopMessages(ctx, consumer, "work", messages.PopMessagesOpts{Pop: 1}).Extract()
	require.NoError(t, err)
	assert.Empty(t, popped)
}

func TestGophercloudClaims(t *testing.T) {
	ctx := context.Background()
	srv, clock := newServer(t, zaqar.Options{})
	sc := newClient(t, srv.URL, clientA, "")
	ids := postN(t, sc, "jobs", 4)
	clock.Advance(10 * time.Second) // so that the claim outlives the messages

	// Empty options: body {}, no limit; defaults ttl 300, grace 60, limit 10.
	got, err := claims.Create(ctx, sc, "jobs", claims.CreateOpts{}).Extract()
	require.NoError(t, err)
	require.Len(t, got, 4)
	mid, cid := splitHref(t, got[0].Href)
	assert.Equal(t, ids[0], mid)
	assert.Len(t, cid, 32)
	assert.Equal(t, 360, got[0].TTL, "extended to claim ttl + grace")
	for i, m := range got {
		id, c := splitHref(t, m.Href)
		assert.Equal(t, ids[i], id)
		assert.Equal(t, cid, c)
	}

	none, err := claims.Create(ctx, sc, "jobs", claims.CreateOpts{}).Extract()
	require.NoError(t, err, "204 when nothing is claimable")
	assert.Nil(t, none)

	clock.Advance(10 * time.Second)
	cl, err := claims.Get(ctx, sc, "jobs", cid).Extract()
	require.NoError(t, err)
	assert.Equal(t, 300, cl.TTL)
	assert.Equal(t, float32(10), cl.Age)
	assert.Equal(t, "/v2/queues/jobs/claims/"+cid, cl.Href)
	require.Len(t, cl.Messages, 4)

	require.NoError(t, claims.Update(ctx, sc, "jobs", cid, claims.UpdateOpts{TTL: 600, Grace: 500}).ExtractErr())
	cl, err = claims.Get(ctx, sc, "jobs", cid).Extract()
	require.NoError(t, err)
	assert.Equal(t, 600, cl.TTL)
	assert.Equal(t, float32(0), cl.Age, "renewal restarts the age")
	assert.Equal(t, 1100, cl.Messages[0].TTL)

	// Delete one with the claim, release the rest.
	require.NoError(t, messages.Delete(ctx, sc, "jobs", ids[0], messages.DeleteOpts{ClaimID: cid}).ExtractErr())
	require.NoError(t, claims.Delete(ctx, sc, "jobs", cid).ExtractErr())
	require.NoError(t, claims.Delete(ctx, sc, "jobs", cid).ExtractErr(), "release is idempotent")
	_, err = claims.Get(ctx, sc, "jobs", cid).Extract()
	assert.True(t, gophercloud.ResponseCodeIs(err, http.StatusNotFound), "released claim: %v", err)
	err = claims.Update(ctx, sc, "jobs", cid, claims.UpdateOpts{TTL: 60}).ExtractErr()
	assert.True(t, gophercloud.ResponseCodeIs(err, http.StatusNotFound), "released claim: %v", err)

	// With options: limit in the query, ttl and grace in the body.
	got, err = claims.Create(ctx, sc, "jobs", claims.CreateOpts{TTL: 60, Grace: 120, Limit: 2}).Extract()
	require.NoError(t, err)
	require.Len(t, got, 2)
	mid, cid = splitHref(t, got[0].Href)
	assert.Equal(t, ids[1], mid, "released messages come back first, in order")
	cl, err = claims.Get(ctx, sc, "jobs", cid).Extract()
	require.NoError(t, err)
	assert.Equal(t, 60, cl.TTL)
	assert.Len(t, cl.Messages, 2)

	err = messages.Delete(ctx, sc, "jobs", ids[1], nil).ExtractErr()
	assert.True(t, gophercloud.ResponseCodeIs(err, http.StatusForbidden), "claimed, no claim id: %v", err)
}

// TestGophercloudClaimExpires is the consumer race Zaqar's claims exist
// for: worker A claims and stalls past its claim, so its late delete fails
// with 400 and A must roll back, while worker B's claim gets the message.
func TestGophercloudClaimExpires(t *testing.T) {
	ctx := context.Background()
	srv, clock := newServer(t, zaqar.Options{})
	producer := newClient(t, srv.URL, clientA, "")
	workerA := newClient(t, srv.URL, clientA, "")
	workerB := newClient(t, srv.URL, clientB, "")
	ids := postN(t, producer, "orders", 1)

	gotA, err := claims.Create(ctx, workerA, "orders", claims.CreateOpts{TTL: 60, Grace: 60}).Extract()
	require.NoError(t, err)
	require.Len(t, gotA, 1)
	_, claimA := splitHref(t, gotA[0].Href)

	gotB, err := claims.Create(ctx, workerB, "orders", claims.CreateOpts{TTL: 60}).Extract()
	require.NoError(t, err)
	assert.Empty(t, gotB, "held by A")

	clock.Advance(61 * time.Second) // A stalls past its claim

	err = messages.Delete(ctx, workerA, "orders", ids[0], messages.DeleteOpts{ClaimID: claimA}).ExtractErr()
	require.Error(t, err)
	assert.True(t, gophercloud.ResponseCodeIs(err, http.StatusBadRequest), "late delete: %v", err)
	assert.ErrorContains(t, err, "The specified claim does not exist or has expired.")

	gotB, err = claims.Create(ctx, workerB, "orders", claims.CreateOpts{TTL: 120}).Extract()
	require.NoError(t, err)
	require.Len(t, gotB, 1)
	mid, claimB := splitHref(t, gotB[0].Href)
	assert.Equal(t, ids[0], mid)
	assert.Equal(t, map[string]any{"n": float64(0)}, gotB[0].Body)

	// Now that B holds it, A's stale claim meets B's live one: still 400,
	// as Zaqar's Redis driver answers, so A's rollback check is the same.
	err = messages.Delete(ctx, workerA, "orders", ids[0], messages.DeleteOpts{ClaimID: claimA}).ExtractErr()
	assert.True(t, gophercloud.ResponseCodeIs(err, http.StatusBadRequest), "held by B's live claim: %v", err)

	require.NoError(t, messages.Delete(ctx, workerB, "orders", ids[0], messages.DeleteOpts{ClaimID: claimB}).ExtractErr())
	stats, err := queues.GetStats(ctx, producer, "orders").Extract()
	require.NoError(t, err)
	assert.Equal(t, 0, stats.Total)
}
