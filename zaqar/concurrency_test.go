package zaqar_test

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"

	"github.com/claimq/claimq/zaqar"
	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack/messaging/v2/claims"
	"github.com/gophercloud/gophercloud/v2/openstack/messaging/v2/messages"
	"github.com/gophercloud/gophercloud/v2/openstack/messaging/v2/queues"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestConcurrentConsumers has producers and consumers race over HTTP,
// with queue metadata changing under them: every message is delivered
// and deleted exactly once.
func TestConcurrentConsumers(t *testing.T) {
	ctx := context.Background()
	srv, _ := newServer(t, zaqar.Options{})
	const producers, consumers, perProducer = 3, 4, 40
	total := producers * perProducer

	var wg sync.WaitGroup
	for p := range producers {
		wg.Go(func() {
			sc := newClient(t, srv.URL, clientA, "")
			for i := range perProducer {
				_, err := messages.Create(ctx, sc, "race", messages.BatchCreateOpts{
					{Body: map[string]any{"id": fmt.Sprintf("%d-%d", p, i)}},
				}).Extract()
				assert.NoError(t, err)
			}
		})
	}
	wg.Go(func() {
		sc := newClient(t, srv.URL, clientA, "")
		for ttl := range 10 {
			_, err := queues.Update(ctx, sc, "race", queues.BatchUpdateOpts{
				{Op: queues.AddOp, Path: "/metadata/_default_message_ttl", Value: 3600 + ttl},
			}).Extract()
			// The queue may not exist yet: 404 is the only other answer.
			if err != nil {
				assert.True(t, gophercloud.ResponseCodeIs(err, http.StatusNotFound), "%v", err)
			}
		}
	})

	var mu sync.Mutex
	seen := map[string]int{}
	for range consumers {
		wg.Go(func() {
			sc := newClient(t, srv.URL, clientB, "")
			// Bounded, so that a lost message fails the test instead of
			// spinning until the test binary times out.
			for attempt := 0; ; attempt++ {
				if !assert.Less(t, attempt, 5000, "consumer gave up") {
					return
				}
				mu.Lock()
				done := len(seen) == total
				mu.Unlock()
				if done {
					return
				}
				got, err := claims.Create(ctx, sc, "race", claims.CreateOpts{Limit: 5}).Extract()
				if !assert.NoError(t, err) {
					return
				}
				for _, m := range got {
					id, cid := splitHref(t, m.Href)
					assert.NoError(t, messages.Delete(ctx, sc, "race", id, messages.DeleteOpts{ClaimID: cid}).ExtractErr())
					mu.Lock()
					seen[m.Body["id"].(string)]++
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	require.Len(t, seen, total)
	for id, n := range seen {
		assert.Equal(t, 1, n, "message %s delivered %d times", id, n)
	}
	stats, err := queues.GetStats(ctx, newClient(t, srv.URL, clientA, ""), "race").Extract()
	require.NoError(t, err)
	assert.Equal(t, 0, stats.Total)
}

// TestSweepDuringPosts sweeps while a queue is emptied and posted to
// again and again: no accepted post may land in a queue as the sweep
// drops it. The window is narrow, so this is a stress test; under -race
// it also checks the locking of sweeps against posts.
func TestSweepDuringPosts(t *testing.T) {
	h := zaqar.NewHandler(zaqar.Options{})
	do := func(method, target, body string) (int, string) {
		rec := send(h, method, target, body)
		return rec.Code, rec.Body.String()
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			select {
			case <-done:
				return
			default:
				h.Sweep()
			}
		}
	})
	for i := range 300 {
		code, body := do("POST", "/v2/queues/lz/messages", fmt.Sprintf(`{"messages":[{"body":%d}]}`, i))
		require.Equal(t, http.StatusCreated, code, body)
		code, body = do("DELETE", "/v2/queues/lz/messages?pop=1", "")
		require.Equal(t, http.StatusOK, code, body)
		require.Contains(t, body, fmt.Sprintf(`"body":%d`, i), "post %d was lost", i)
	}
	close(done)
	wg.Wait()
}
