package zaqartest_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/claimq/claimq/zaqar"
	"github.com/claimq/claimq/zaqartest"
	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack/messaging/v2/claims"
	"github.com/gophercloud/gophercloud/v2/openstack/messaging/v2/messages"
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
func Example_delete() {
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
