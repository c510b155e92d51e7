package zaqartest_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
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
)

// exampleT stands in for the *testing.T that a real test passes to
// zaqartest.New, since an Example has none: it runs cleanups at the end
// and prints failures, so that a failed assertion breaks the Output.
type exampleT struct {
	testing.TB // nil: only the methods below are called
	cleanups   []func()
}

func (t *exampleT) Helper()                           {}
func (t *exampleT) Cleanup(f func())                  { t.cleanups = append(t.cleanups, f) }
func (t *exampleT) Context() context.Context          { return context.Background() }
func (t *exampleT) Errorf(format string, args ...any) { fmt.Printf("FAIL: "+format+"\n", args...) }
func (t *exampleT) Fatalf(format string, args ...any) { panic(fmt.Sprintf("FATAL: "+format, args...)) }

func (t *exampleT) done() {
	for i := len(t.cleanups) - 1; i >= 0; i-- {
		t.cleanups[i]()
	}
}

// A consumer that dies holding a claim: once the claim expires, its
// message is back for the next consumer. In a test, t is the test's
// *testing.T and the lines after it are the whole test.
func Example() {
	t := &exampleT{}
	defer t.done()

	ctx := context.Background()
	srv := zaqartest.New(t)
	jobs := srv.Queue("jobs")
	ids := jobs.Post(map[string]any{"job": "resize"})

	got, err := claims.Create(ctx, srv.Client, "jobs", claims.CreateOpts{TTL: 60}).Extract()
	fmt.Println(len(got), err)
	jobs.AssertClaimed(ids...)

	srv.Clock.Advance(61 * time.Second) // the consumer died: its claim expires
	jobs.AssertFree(ids...)
	// Output:
	// 1 <nil>
}

// The whole life of a message through gophercloud: claim, delete with the
// IDs its href carries, and the queue is empty.
func ExampleServer_ClaimIDs() {
	t := &exampleT{}
	defer t.done()

	ctx := context.Background()
	srv := zaqartest.New(t)
	jobs := srv.Queue("jobs")
	jobs.Post(map[string]any{"job": "resize"})

	got, _ := claims.Create(ctx, srv.Client, "jobs", claims.CreateOpts{TTL: 60}).Extract()
	claim, ids := srv.ClaimIDs(got)
	jobs.AssertClaimedBy(claim, ids...)
	err := messages.Delete(ctx, srv.Client, "jobs", ids[0].String(), messages.DeleteOpts{ClaimID: claim.String()}).ExtractErr()
	fmt.Println(err)
	jobs.AssertEmpty()
	// Output:
	// <nil>
}

// claimWithRetry is the code under test: it claims from queue, retrying
// on 503 up to attempts times.
func claimWithRetry(ctx context.Context, sc *gophercloud.ServiceClient, queue string, attempts int) ([]claims.Messages, error) {
	var err error
	for i := range attempts {
		var got []claims.Messages
		got, err = claims.Create(ctx, sc, queue, claims.CreateOpts{TTL: 60}).Extract()
		if !gophercloud.ResponseCodeIs(err, http.StatusServiceUnavailable) {
			return got, err
		}
		fmt.Printf("attempt %d: 503\n", i+1)
	}
	return nil, errors.Join(errors.New("out of attempts"), err)
}

// A retry test: the first claim is answered 503, the retry succeeds.
func ExampleServer_Inject() {
	t := &exampleT{}
	defer t.done()

	srv := zaqartest.New(t)
	srv.Queue("jobs").Post(map[string]any{"job": "resize"})
	srv.Inject(zaqar.Fault{Op: "claims:create", Status: http.StatusServiceUnavailable, Count: 1})

	got, err := claimWithRetry(context.Background(), srv.Client, "jobs", 3)
	fmt.Println(len(got), err)
	fmt.Println(srv.Faults.List()[0].Injected, "injected")
	// Output:
	// attempt 1: 503
	// 1 <nil>
	// 1 injected
}

// A producer test: the queue holds what the code under test posted.
func ExampleQueue_AssertBodies() {
	t := &exampleT{}
	defer t.done()

	srv := zaqartest.New(t)
	_, _ = messages.Create(context.Background(), srv.Client, "jobs", messages.BatchCreateOpts{
		{Body: map[string]any{"job": "resize", "size": 2}},
	}).Extract()
	fmt.Println(srv.Queue("jobs").AssertBodies(json.RawMessage(`{"size": 2, "job": "resize"}`)))
	// Output:
	// true
}

// A queue fully worked through is empty; one that is not fails the test
// with the queue's contents.
func ExampleQueue_AssertEmpty() {
	t := &exampleT{}
	defer t.done()

	srv := zaqartest.New(t)
	jobs := srv.Queue("jobs")
	fmt.Println(jobs.AssertEmpty())
	jobs.Post(map[string]any{"job": "resize"})
	srv.Clock.Advance(time.Hour) // the default TTL: the message expires
	fmt.Println(jobs.AssertEmpty())
	// Output:
	// true
	// true
}

// A message is free until claimed, and free again once its claim is
// released.
func ExampleQueue_AssertFree() {
	t := &exampleT{}
	defer t.done()

	ctx := context.Background()
	srv := zaqartest.New(t)
	jobs := srv.Queue("jobs")
	ids := jobs.Post(map[string]any{"job": "resize"}, map[string]any{"job": "crop"})

	got, _ := claims.Create(ctx, srv.Client, "jobs", claims.CreateOpts{Limit: 1}).Extract()
	fmt.Println(jobs.AssertFree(ids[1]), jobs.AssertClaimed(ids[0]))
	claim, _ := srv.ClaimIDs(got)
	_ = claims.Delete(ctx, srv.Client, "jobs", claim.String()).ExtractErr() // release
	fmt.Println(jobs.AssertFree(ids...), jobs.AssertClaimed())
	// Output:
	// true true
	// true true
}

// A consumer that renews its claim keeps its messages past the first
// TTL.
func ExampleQueue_AssertClaimedBy() {
	t := &exampleT{}
	defer t.done()

	ctx := context.Background()
	srv := zaqartest.New(t)
	jobs := srv.Queue("jobs")
	jobs.Post(map[string]any{"job": "resize"})

	got, _ := claims.Create(ctx, srv.Client, "jobs", claims.CreateOpts{TTL: 60}).Extract()
	claim, ids := srv.ClaimIDs(got)
	srv.Clock.Advance(50 * time.Second)
	_ = claims.Update(ctx, srv.Client, "jobs", claim.String(), claims.UpdateOpts{TTL: 60}).ExtractErr()
	srv.Clock.Advance(50 * time.Second)
	fmt.Println(jobs.AssertClaimedBy(claim, ids...))
	// Output:
	// true
}

// Delayed messages wait; the clock ends their delay.
func ExampleQueue_AssertDelayed() {
	t := &exampleT{}
	defer t.done()

	srv := zaqartest.New(t)
	jobs := srv.Queue("jobs")
	ids, _ := jobs.Raw().Post(claimq.Post[json.RawMessage]{Body: json.RawMessage(`{"job":"later"}`), Delay: time.Minute})
	fmt.Println(jobs.AssertDelayed(ids...), jobs.AssertFree())
	srv.Clock.Advance(time.Minute)
	fmt.Println(jobs.AssertDelayed(), jobs.AssertFree(ids...))
	// Output:
	// true true
	// true true
}

// A poison message, claimed and abandoned more often than the queue's
// _max_claim_count allows, ends in the dead-letter queue.
func ExampleQueue_AssertDeadLettered() {
	t := &exampleT{}
	defer t.done()

	ctx := context.Background()
	srv := zaqartest.New(t)
	_ = queues.Create(ctx, srv.Client, queues.CreateOpts{QueueName: "jobs", MaxClaimCount: 2, DeadLetterQueue: "poison"}).ExtractErr()
	jobs := srv.Queue("jobs")
	ids := jobs.Post(map[string]any{"job": "crash"})
	for range 3 { // two deliveries, then the third claim moves it
		_, _ = claims.Create(ctx, srv.Client, "jobs", claims.CreateOpts{TTL: 60}).Extract()
		srv.Clock.Advance(61 * time.Second)
	}
	snap := jobs.Snapshot()
	fmt.Println(len(snap.Messages), len(snap.DeadLetter), snap.DeadLetter[0].Body)
	fmt.Println(jobs.AssertDeadLettered(ids...)) // it kept its ID
	// Output:
	// 0 1 {"job":"crash"}
	// true
}

// A snapshot shows every message with its state; its String is the table
// the assertions print when they fail.
func ExampleQueue_Snapshot() {
	t := &exampleT{}
	defer t.done()

	srv := zaqartest.New(t)
	jobs := srv.Queue("jobs")
	jobs.Post(map[string]any{"job": "resize"}, map[string]any{"job": "crop"})
	c, _ := jobs.Raw().Claim(claimq.ClaimOptions{Limit: 1, TTL: time.Minute})
	srv.Clock.Advance(10 * time.Second)

	snap := jobs.Snapshot()
	for _, m := range snap.Messages {
		fmt.Println(m.Body, m.State, m.Claim == c.ID, m.ClaimCount, m.Expires.Sub(snap.Now))
	}
	fmt.Println(len(snap.Claims), snap.Claims[0].Expires.Sub(snap.Now), snap.Stats.Free)
	// Output:
	// {"job":"resize"} claimed true 1 59m50s
	// {"job":"crop"} free false 0 59m50s
	// 1 50s 1
}

// A stalled request, such as a claim that takes longer than the client's
// patience, completes when the test moves the clock past its delay.
func ExampleServer_WaitStalled() {
	t := &exampleT{}
	defer t.done()

	srv := zaqartest.New(t)
	srv.Queue("jobs").Post(map[string]any{"job": "resize"})
	srv.Inject(zaqar.Fault{Op: "claims:create", Delay: 30 * time.Second, Count: 1})

	done := make(chan int)
	go func() {
		got, _ := claims.Create(context.Background(), srv.Client, "jobs", claims.CreateOpts{}).Extract()
		done <- len(got)
	}()
	srv.WaitStalled(1) // the claim has arrived and waits
	srv.Clock.Advance(30 * time.Second)
	fmt.Println(<-done, "claimed after the stall")
	// Output:
	// 1 claimed after the stall
}

// The IDs of posted messages, from the hrefs a post answers.
func ExampleServer_MessageIDs() {
	t := &exampleT{}
	defer t.done()

	srv := zaqartest.New(t)
	res, _ := messages.Create(context.Background(), srv.Client, "jobs", messages.BatchCreateOpts{
		{Body: map[string]any{"job": "resize"}},
	}).Extract()
	ids := srv.MessageIDs(res.Resources...)
	m, _ := srv.Queue("jobs").Raw().Get(ids[0])
	fmt.Println(string(m.Body))
	// Output:
	// {"job":"resize"}
}

// Options: a project sent as X-Project-Id, and the clock of the code
// under test.
func ExampleNew() {
	t := &exampleT{}
	defer t.done()

	clock := claimq.NewFakeClock(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))
	srv := zaqartest.New(t, zaqartest.WithProject("tenant-1"), zaqartest.WithClock(clock))
	fmt.Println(srv.Client.MoreHeaders["X-Project-Id"], srv.Clock.Now().Year())
	// Output:
	// tenant-1 2030
}
