package zaqar_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/claimq/claimq"
	"github.com/claimq/claimq/zaqar"
	"github.com/claimq/claimq/zaqarengine"
	"github.com/gophercloud/gophercloud/v2/openstack/messaging/v2/claims"
	"github.com/gophercloud/gophercloud/v2/openstack/messaging/v2/messages"
)

// A producer and a consumer talk to the handler with gophercloud; the
// test moves the fake clock to let the consumer's claim expire.
func ExampleNewHandler() {
	clock := claimq.NewFakeClock(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))
	srv := httptest.NewServer(zaqar.NewHandler(zaqar.Options{FakeClock: clock}))
	defer srv.Close()

	// A gophercloud messaging v2 client of a server without Keystone.
	client, _ := zaqarengine.NewClient(srv.URL, "3381af92-2b9e-11e3-b191-71861300734c", "")
	ctx := context.Background()

	_, _ = messages.Create(ctx, client, "jobs", messages.BatchCreateOpts{
		{TTL: 600, Body: map[string]any{"job": "resize"}},
	}).Extract()
	claimed, _ := claims.Create(ctx, client, "jobs", claims.CreateOpts{TTL: 60}).Extract()
	fmt.Println(len(claimed), claimed[0].Body["job"])

	again, _ := claims.Create(ctx, client, "jobs", claims.CreateOpts{TTL: 60}).Extract()
	fmt.Println(len(again), "while the claim lives")

	clock.Advance(61 * time.Second)
	again, _ = claims.Create(ctx, client, "jobs", claims.CreateOpts{TTL: 60}).Extract()
	fmt.Println(len(again), "after it expired")
	// Output:
	// 1 resize
	// 0 while the claim lives
	// 1 after it expired
}

// A long-running server sweeps now and then: messages that expired in
// queues nobody touches are freed, and the queues that a post created
// lazily go once empty.
func ExampleHandler_Sweep() {
	clock := claimq.NewFakeClock(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))
	h := zaqar.NewHandler(zaqar.Options{FakeClock: clock})
	post := httptest.NewRequest("POST", "/v2/queues/events/messages", strings.NewReader(`{"messages": [{"ttl": 60, "body": "tick"}]}`))
	post.Header.Set("Client-ID", "3381af92-2b9e-11e3-b191-71861300734c")
	h.ServeHTTP(httptest.NewRecorder(), post)
	fmt.Println(h.Len(), "message held")

	clock.Advance(time.Minute)
	fmt.Println(h.Sweep(), "queue dropped,", h.Len(), "messages held")
	// Output:
	// 1 message held
	// 1 queue dropped, 0 messages held
}
