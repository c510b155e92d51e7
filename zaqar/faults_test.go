package zaqar_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/claimq/claimq"
	"github.com/claimq/claimq/zaqar"
	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack/messaging/v2/claims"
	"github.com/gophercloud/gophercloud/v2/openstack/messaging/v2/messages"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFaultStatusByOpAndCount(t *testing.T) {
	ctx := context.Background()
	faults := &zaqar.Faults{}
	srv, _ := newServer(t, zaqar.Options{Faults: faults})
	sc := newClient(t, srv.URL, clientA, "")
	_, err := messages.Create(ctx, sc, "jobs", messages.BatchCreateOpts{{Body: map[string]any{"n": 1}}}).Extract()
	require.NoError(t, err)

	id, err := faults.Add(zaqar.Fault{Op: "claims:create", Status: http.StatusServiceUnavailable, Count: 2})
	require.NoError(t, err)
	for i := range 2 {
		_, err = claims.Create(ctx, sc, "jobs", claims.CreateOpts{}).Extract()
		require.Error(t, err, "claim %d", i)
		assert.True(t, gophercloud.ResponseCodeIs(err, http.StatusServiceUnavailable), "claim %d: %v", i, err)
	}
	_, err = messages.Get(ctx, sc, "jobs", "0000000000000001").Extract()
	assert.False(t, gophercloud.ResponseCodeIs(err, http.StatusServiceUnavailable), "another op is not faulted: %v", err)
	got, err := claims.Create(ctx, sc, "jobs", claims.CreateOpts{}).Extract()
	require.NoError(t, err, "the third claim is past the count")
	assert.Len(t, got, 1, "the faulted claims took nothing")

	assert.Equal(t, []zaqar.FaultState{{
		Fault: zaqar.Fault{Op: "claims:create", Status: http.StatusServiceUnavailable, Count: 2},
		ID:    id, Injected: 2,
	}}, faults.List())
	assert.Equal(t, 0, faults.List()[0].Left())
}

func TestFaultBody(t *testing.T) {
	faults := &zaqar.Faults{}
	h := zaqar.NewHandler(zaqar.Options{Faults: faults})
	_, err := faults.Add(zaqar.Fault{Status: 500})
	require.NoError(t, err)
	rec := send(h, "GET", "/v2/queues/jobs/stats", "")
	require.Equal(t, 500, rec.Code)
	assert.Contains(t, rec.Header().Get("Content-Type"), "application/json")
	var body struct{ Title, Description string }
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &body))
	assert.Equal(t, "Internal Server Error", body.Title)
	assert.Equal(t, "claimq injected this fault (status 500) into GET /v2/queues/jobs/stats.", body.Description)
}

func TestFaultMatching(t *testing.T) {
	tests := []struct {
		name   string
		fault  zaqar.Fault
		hit    []string // "METHOD target" faulted
		missed []string // not faulted
	}{
		{"op in every version", zaqar.Fault{Op: "messages:create"},
			[]string{"POST /v2/queues/a/messages", "POST /v1.1/queues/a/messages", "POST /v1/queues/a/messages"},
			[]string{"GET /v2/queues/a/messages", "POST /v2/queues/a/claims", "DELETE /v2/queues/a/messages?pop=1"}},
		{"op with an ID", zaqar.Fault{Op: "messages:delete"},
			[]string{"DELETE /v2/queues/a/messages/0000000000000001", "DELETE /v1/queues/a/messages/x"},
			[]string{"DELETE /v2/queues/a/messages?ids=1", "GET /v2/queues/a/messages/0000000000000001"}},
		{"HEAD counts as GET", zaqar.Fault{Op: "ping:get"},
			[]string{"GET /v2/ping", "HEAD /v2/ping", "GET /v1.1/ping"},
			[]string{"GET /v2/health"}},
		{"method and path", zaqar.Fault{Method: "POST", Path: "/v2/queues/jobs/claims"},
			[]string{"POST /v2/queues/jobs/claims", "POST /v2/queues/jobs/claims?limit=5"},
			[]string{"POST /v2/queues/other/claims", "POST /v1.1/queues/jobs/claims", "POST /v2/queues/jobs/messages"}},
		{"path wildcards", zaqar.Fault{Path: "/{version}/queues/jobs/{rest...}"},
			[]string{"POST /v2/queues/jobs/claims", "GET /v1/queues/jobs/messages/x", "GET /v2/queues/jobs/stats"},
			[]string{"GET /v2/queues/jobs", "GET /v2/queues/jobz/stats", "GET /v2/queues"}},
		{"star is one segment", zaqar.Fault{Path: "/v2/queues/*"},
			[]string{"GET /v2/queues/a", "PUT /v2/queues/b"},
			[]string{"GET /v2/queues", "GET /v2/queues/a/stats"}},
		{"op and path together", zaqar.Fault{Op: "queues:get", Path: "/v2/queues/a"},
			[]string{"GET /v2/queues/a"},
			[]string{"GET /v2/queues/b", "DELETE /v2/queues/a"}},
		{"no filter matches every operation", zaqar.Fault{},
			[]string{"GET /v2/", "GET /v2/queues", "PUT /v1/queues/a"},
			[]string{"GET /", "PATCH /nowhere", "GET /_claimq/clock", "GET /_claimq/faults"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			faults := &zaqar.Faults{}
			h := zaqar.NewHandler(zaqar.Options{Faults: faults, FakeClock: claimq.NewFakeClock(epoch)})
			tt.fault.Status = http.StatusTeapot
			_, err := faults.Add(tt.fault)
			require.NoError(t, err)
			for _, req := range tt.hit {
				method, target, _ := strings.Cut(req, " ")
				assert.Equal(t, http.StatusTeapot, send(h, method, target, "").Code, "%s: faulted", req)
			}
			for _, req := range tt.missed {
				method, target, _ := strings.Cut(req, " ")
				assert.NotEqual(t, http.StatusTeapot, send(h, method, target, "").Code, "%s: not faulted", req)
			}
			assert.Equal(t, len(tt.hit), faults.List()[0].Injected)
		})
	}
}

// The first fault in the set that matches applies, and only it counts
// the request; once it is exhausted the next one applies.
func TestFaultOrder(t *testing.T) {
	faults := &zaqar.Faults{}
	h := zaqar.NewHandler(zaqar.Options{Faults: faults})
	_, err := faults.Add(zaqar.Fault{Op: "queues:stats", Status: 502, Count: 1})
	require.NoError(t, err)
	_, err = faults.Add(zaqar.Fault{Path: "/v2/{rest...}", Status: 503, Count: 1})
	require.NoError(t, err)
	codes := []int{}
	for range 3 {
		codes = append(codes, send(h, "GET", "/v2/queues/q/stats", "").Code)
	}
	assert.Equal(t, []int{502, 503, 200}, codes)

	require.True(t, faults.Remove(1))
	assert.False(t, faults.Remove(1), "removed twice")
	list := faults.List()
	require.Len(t, list, 1)
	assert.Equal(t, 2, list[0].ID)
	faults.Clear()
	assert.Empty(t, faults.List())
}

func TestFaultDelay(t *testing.T) {
	ctx := context.Background()
	faults := &zaqar.Faults{}
	srv, clock := newServer(t, zaqar.Options{Faults: faults})
	sc := newClient(t, srv.URL, clientA, "")
	_, err := messages.Create(ctx, sc, "jobs", messages.BatchCreateOpts{{Body: map[string]any{"n": 1}}}).Extract()
	require.NoError(t, err)
	_, err = faults.Add(zaqar.Fault{Op: "claims:create", Delay: 30 * time.Second, Count: 1})
	require.NoError(t, err)

	done := make(chan error, 1)
	var got []claims.Messages
	go func() {
		var err error
		got, err = claims.Create(ctx, sc, "jobs", claims.CreateOpts{}).Extract()
		done <- err
	}()
	require.NoError(t, faults.WaitStalled(ctx, 1))
	clock.Advance(29 * time.Second)
	assert.Equal(t, 1, faults.Stalled(), "29 s of 30: still stalled")
	select {
	case err := <-done:
		t.Fatalf("the claim returned before the delay passed: %v", err)
	default:
	}
	clock.Advance(time.Second)
	assert.Equal(t, 0, faults.Stalled(), "released as the clock passed the delay")
	require.NoError(t, <-done)
	assert.Len(t, got, 1, "served once the delay passed")

	again, err := claims.Create(ctx, sc, "jobs", claims.CreateOpts{}).Extract()
	require.NoError(t, err, "past the count: not stalled")
	assert.Empty(t, again, "the first claim holds the message")
}

func TestFaultDelayThenStatus(t *testing.T) {
	faults := &zaqar.Faults{}
	clock := claimq.NewFakeClock(epoch)
	h := zaqar.NewHandler(zaqar.Options{Faults: faults, FakeClock: clock})
	_, err := faults.Add(zaqar.Fault{Op: "ping:get", Delay: time.Minute, Status: 504})
	require.NoError(t, err)
	done := make(chan int, 1)
	go func() { done <- send(h, "GET", "/v2/ping", "").Code }()
	require.NoError(t, faults.WaitStalled(context.Background(), 1))
	clock.Advance(time.Minute)
	assert.Equal(t, 504, <-done)
}

func TestFaultClearEndsStalls(t *testing.T) {
	faults := &zaqar.Faults{}
	h := zaqar.NewHandler(zaqar.Options{Faults: faults, FakeClock: claimq.NewFakeClock(epoch)})
	_, err := faults.Add(zaqar.Fault{Op: "ping:get", Delay: time.Hour})
	require.NoError(t, err)
	done := make(chan int, 2)
	for range 2 {
		go func() { done <- send(h, "GET", "/v2/ping", "").Code }()
	}
	require.NoError(t, faults.WaitStalled(context.Background(), 2))
	faults.Clear()
	assert.Equal(t, 0, faults.Stalled(), "released by Clear")
	assert.Equal(t, http.StatusNoContent, <-done)
	assert.Equal(t, http.StatusNoContent, <-done)
}

// A client that gives up leaves no stall behind and gets no answer.
func TestFaultStallCancelled(t *testing.T) {
	faults := &zaqar.Faults{}
	h := zaqar.NewHandler(zaqar.Options{Faults: faults, FakeClock: claimq.NewFakeClock(epoch)})
	_, err := faults.Add(zaqar.Fault{Op: "ping:get", Delay: time.Hour, Status: 503})
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan *httptest.ResponseRecorder, 1)
	go func() { done <- sendCtx(ctx, h, "GET", "/v2/ping", "") }()
	require.NoError(t, faults.WaitStalled(context.Background(), 1))
	cancel()
	rec := <-done
	assert.Empty(t, rec.Body.String(), "no answer to a client that left")
	assert.False(t, rec.Flushed)
	assert.Equal(t, 0, faults.Stalled())
}

func TestFaultWaitStalledContext(t *testing.T) {
	faults := &zaqar.Faults{}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	require.ErrorIs(t, faults.WaitStalled(ctx, 1), context.Canceled)
	require.NoError(t, faults.WaitStalled(ctx, 0), "zero stalls are there at once")
}

func TestFaultInvalid(t *testing.T) {
	for _, tt := range []struct {
		name  string
		fault zaqar.Fault
		text  string
	}{
		{"unknown op", zaqar.Fault{Op: "claims:make", Status: 503}, `unknown op "claims:make"; the ops are claims:create, claims:delete`},
		{"lower-case method", zaqar.Fault{Method: "post", Status: 503}, `method "post"`},
		{"relative path", zaqar.Fault{Path: "v2/queues", Status: 503}, `must start with "/"`},
		{"partial wildcard", zaqar.Fault{Path: "/v2/queues/q{x}", Status: 503}, "a wildcard is a whole segment"},
		{"rest not last", zaqar.Fault{Path: "/v2/{rest...}/x", Status: 503}, "must be the last segment"},
		{"negative count", zaqar.Fault{Status: 503, Count: -1}, "count -1 is negative"},
		{"negative delay", zaqar.Fault{Delay: -time.Second}, "delay -1s"},
		{"status 200", zaqar.Fault{Status: 200}, "status 200 is outside 400–599"},
		{"does nothing", zaqar.Fault{Op: "ping:get"}, "neither a status nor a delay"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var faults zaqar.Faults
			_, err := faults.Add(tt.fault)
			require.ErrorIs(t, err, zaqar.ErrFault)
			assert.Contains(t, err.Error(), tt.text)
			assert.Empty(t, faults.List(), "nothing added")
		})
	}
	var faults zaqar.Faults
	for i := range 1024 {
		_, err := faults.Add(zaqar.Fault{Status: 503, Count: 1})
		require.NoError(t, err, "fault %d", i)
	}
	_, err := faults.Add(zaqar.Fault{Status: 503})
	require.ErrorIs(t, err, zaqar.ErrFault, "the set is bounded")
}

func TestFaultsEndpoint(t *testing.T) {
	clock := claimq.NewFakeClock(epoch)
	faults := &zaqar.Faults{}
	h := zaqar.NewHandler(zaqar.Options{FakeClock: clock, Faults: faults})

	rec := send(h, "POST", "/_claimq/faults", `{"op":"claims:create","status":503,"count":1}`)
	require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
	assert.JSONEq(t, `{"id":1,"op":"claims:create","status":503,"count":1,"injected":0,"left":1}`, rec.Body.String())
	rec = send(h, "POST", "/_claimq/faults", `{"method":"GET","path":"/v2/ping","delay":"90s"}`)
	require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
	assert.JSONEq(t, `{"id":2,"method":"GET","path":"/v2/ping","delay":"1m30s","injected":0,"left":-1}`, rec.Body.String())

	assert.Equal(t, 503, send(h, "POST", "/v2/queues/q/claims", "{}").Code)
	done := make(chan int, 1)
	go func() { done <- send(h, "GET", "/v2/ping", "").Code }()
	require.NoError(t, faults.WaitStalled(context.Background(), 1))
	rec = send(h, "GET", "/_claimq/faults", "")
	require.Equal(t, http.StatusOK, rec.Code)
	var list struct {
		Faults []struct {
			ID, Injected, Left int
		}
		Stalled int
	}
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &list))
	require.Len(t, list.Faults, 2)
	assert.Equal(t, []int{1, 1}, []int{list.Faults[0].Injected, list.Faults[1].Injected})
	assert.Equal(t, []int{0, -1}, []int{list.Faults[0].Left, list.Faults[1].Left})
	assert.Equal(t, 1, list.Stalled)

	// The clock moved over HTTP releases the stalled ping.
	require.Equal(t, http.StatusOK, send(h, "POST", "/_claimq/clock", `{"advance":"90s"}`).Code)
	assert.Equal(t, http.StatusNoContent, <-done)

	assert.Equal(t, http.StatusNoContent, send(h, "DELETE", "/_claimq/faults/2", "").Code)
	assert.Equal(t, http.StatusNotFound, send(h, "DELETE", "/_claimq/faults/2", "").Code)
	assert.Equal(t, http.StatusNotFound, send(h, "DELETE", "/_claimq/faults/x", "").Code)
	assert.Equal(t, http.StatusNoContent, send(h, "DELETE", "/_claimq/faults", "").Code)
	rec = send(h, "GET", "/_claimq/faults", "")
	assert.JSONEq(t, `{"faults":[],"stalled":0}`, rec.Body.String())

	for _, body := range []string{
		`{"op":"claims:make","status":503}`,
		`{"status":503,"colour":"red"}`,
		`{"delay":"soon"}`,
		`{"status":"503"}`,
		`{"id":7,"status":503}`,
		`{"status":503} {}`,
		`[]`,
	} {
		rec := send(h, "POST", "/_claimq/faults", body)
		assert.Equal(t, http.StatusBadRequest, rec.Code, "%s: %s", body, rec.Body.String())
	}
}

func TestFaultsEndpointNeedsFakeClock(t *testing.T) {
	h := zaqar.NewHandler(zaqar.Options{Faults: &zaqar.Faults{}})
	assert.Equal(t, http.StatusNotFound, send(h, "GET", "/_claimq/faults", "").Code)
	assert.Equal(t, http.StatusNotFound, send(h, "POST", "/_claimq/faults", `{"status":503}`).Code)
}

// A handler that answers the first claim with 503, so that a client's
// retry is tested; the same set can stall requests on the fake clock.
func ExampleFaults() {
	faults := &zaqar.Faults{}
	h := zaqar.NewHandler(zaqar.Options{FakeClock: claimq.NewFakeClock(epoch), Faults: faults})
	_, _ = faults.Add(zaqar.Fault{Op: "claims:create", Status: http.StatusServiceUnavailable, Count: 1})

	for range 2 {
		fmt.Println(send(h, "POST", "/v2/queues/jobs/claims", "{}").Code)
	}
	fmt.Println(faults.List()[0].Injected, faults.List()[0].Left())
	// Output:
	// 503
	// 204
	// 1 0
}
