package zaqarengine_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/claimq/claimq"
	"github.com/claimq/claimq/zaqar"
	"github.com/claimq/claimq/zaqarengine"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type job struct {
	N int64 `json:"n"`
}

// fault answers status instead of the front for requests of method whose
// path contains part, while armed.
type fault struct {
	method, part string
	status       int
	armed        atomic.Bool
	next         http.Handler
}

func (f *fault) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if f.armed.Load() && r.Method == f.method && strings.Contains(r.URL.Path, f.part) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(f.status)
		_, _ = w.Write([]byte(`{"title":"injected","description":"test fault"}`))
		return
	}
	f.next.ServeHTTP(w, r)
}

// claimedBehind starts the front behind a fault (not armed yet), posts a
// message through an engine on it and claims it.
func claimedBehind(t *testing.T, method, part string, status int) (*zaqarengine.Engine[job], claimq.Lease[job], *fault) {
	t.Helper()
	clock := claimq.NewFakeClock(epoch)
	f := &fault{method: method, part: part, status: status,
		next: zaqar.NewHandler(zaqar.Options{FakeClock: clock, RequireProject: true})}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	sc, err := zaqarengine.NewClient(srv.URL, "", "")
	require.NoError(t, err)
	eng, err := zaqarengine.New[job](sc, "jobs", zaqarengine.Options{Project: "p", Clock: clock})
	require.NoError(t, err)
	_, err = eng.Post(t.Context(), claimq.Post[job]{Body: job{1}})
	require.NoError(t, err)
	return eng, claimOne(t, eng), f
}

func claimOne(t *testing.T, eng *zaqarengine.Engine[job]) claimq.Lease[job] {
	t.Helper()
	l, err := eng.Claim(t.Context(), claimq.ClaimRequest{Limit: 1, TTL: time.Minute})
	require.NoError(t, err)
	require.Len(t, l.Messages, 1)
	return l
}

// Zaqar 15's Redis store lets a claim overlap a live one; the holder's
// delete then answers 403, which must read as "someone else has it" and
// not as an expired claim, since this claim is live.
func TestDelete403IsClaimedByOther(t *testing.T) {
	eng, l, f := claimedBehind(t, http.MethodDelete, "/messages/", http.StatusForbidden)
	f.armed.Store(true)
	err := eng.Delete(t.Context(), l.ID, l.Messages[0].ID)
	require.ErrorIs(t, err, claimq.ErrClaimedByOther)
	assert.NotErrorIs(t, err, claimq.ErrClaimExpired, "the claim is live")
}

// Zaqar 15's Redis store answers 503 to operations on an expired claim.
func TestExpiredClaim503(t *testing.T) {
	for _, tt := range []struct {
		name, method, part string
		call               func(*zaqarengine.Engine[job], claimq.Lease[job]) error
		want               error // nil: no error
	}{
		{"Delete", http.MethodDelete, "/messages/", func(e *zaqarengine.Engine[job], l claimq.Lease[job]) error {
			return e.Delete(t.Context(), l.ID, l.Messages[0].ID)
		}, claimq.ErrClaimExpired},
		{"Renew", http.MethodPatch, "/claims/", func(e *zaqarengine.Engine[job], l claimq.Lease[job]) error {
			return e.Renew(t.Context(), l.ID, time.Minute, 0)
		}, claimq.ErrClaimExpired},
		{"Retry", http.MethodGet, "/claims/", func(e *zaqarengine.Engine[job], l claimq.Lease[job]) error {
			return e.Retry(t.Context(), l.ID, 0, l.Messages[0].ID)
		}, claimq.ErrClaimExpired},
		{"Release", http.MethodDelete, "/claims/", func(e *zaqarengine.Engine[job], l claimq.Lease[job]) error {
			return e.Release(t.Context(), l.ID)
		}, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			eng, l, f := claimedBehind(t, tt.method, tt.part, http.StatusServiceUnavailable)
			f.armed.Store(true)
			err := tt.call(eng, l)
			if tt.want == nil {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, tt.want)
		})
	}
}

// A transport failure is not a claim that ended.
func TestDelete500IsNotARace(t *testing.T) {
	eng, l, f := claimedBehind(t, http.MethodDelete, "/messages/", http.StatusInternalServerError)
	f.armed.Store(true)
	err := eng.Delete(t.Context(), l.ID, l.Messages[0].ID)
	require.Error(t, err)
	assert.NotErrorIs(t, err, claimq.ErrClaimExpired)
	assert.NotErrorIs(t, err, claimq.ErrClaimedByOther)
}

// A Zaqar without Keystone refuses requests without X-Project-Id, which
// gophercloud never sends: Options.Project is what makes them pass.
func TestProjectHeader(t *testing.T) {
	sc, _ := newFront(t)
	bare, err := zaqarengine.New[job](sc, "jobs", zaqarengine.Options{})
	require.NoError(t, err)
	_, err = bare.Post(t.Context(), claimq.Post[job]{Body: job{1}})
	require.Error(t, err, "post without X-Project-Id to a server that requires it")

	eng, err := zaqarengine.New[job](sc, "jobs", zaqarengine.Options{Project: "p"})
	require.NoError(t, err)
	_, err = eng.Post(t.Context(), claimq.Post[job]{Body: job{1}})
	require.NoError(t, err)
	assert.NotContains(t, sc.MoreHeaders, "X-Project-Id", "the caller's client is left as it was")

	scp := zaqarengine.WithProject(sc, "p")
	assert.Equal(t, "p", scp.MoreHeaders["X-Project-Id"])
	assert.Equal(t, sc.MoreHeaders["Client-ID"], scp.MoreHeaders["Client-ID"], "the other headers are kept")
	assert.NotContains(t, sc.MoreHeaders, "X-Project-Id", "WithProject copies")
	assert.Same(t, sc, zaqarengine.WithProject(sc, ""), "no project, no copy")
}

// Bodies travel as raw JSON both ways: an integer beyond float64's 53
// bits arrives exact.
func TestBodyExact(t *testing.T) {
	sc, clock := newFront(t)
	eng, err := zaqarengine.New[job](sc, "jobs", zaqarengine.Options{Project: "p", Clock: clock})
	require.NoError(t, err)
	const big = 1<<62 + 1
	_, err = eng.Post(t.Context(), claimq.Post[job]{Body: job{big}})
	require.NoError(t, err)
	l := claimOne(t, eng)
	assert.Equal(t, int64(big), l.Messages[0].Body.N)
	assert.Equal(t, epoch, l.Messages[0].Created, "created from the age, to the second")
	assert.Equal(t, epoch.Add(time.Minute), l.Expires)
}

func TestInvalid(t *testing.T) {
	sc, clock := newFront(t)
	_, err := zaqarengine.New[job](sc, "bad/name", zaqarengine.Options{})
	require.ErrorIs(t, err, claimq.ErrInvalid)
	_, err = zaqarengine.New[job](nil, "jobs", zaqarengine.Options{})
	require.ErrorIs(t, err, claimq.ErrInvalid)
	_, err = zaqarengine.NewClient("127.0.0.1:8888", "", "")
	require.ErrorIs(t, err, claimq.ErrInvalid)

	strs, err := zaqarengine.New[string](sc, "jobs", zaqarengine.Options{Project: "p", Clock: clock})
	require.NoError(t, err)
	_, err = strs.Post(t.Context(), claimq.Post[string]{Body: "not an object"})
	require.ErrorIs(t, err, claimq.ErrInvalid)

	eng, err := zaqarengine.New[job](sc, "jobs", zaqarengine.Options{Project: "p", Clock: clock})
	require.NoError(t, err)
	_, err = eng.Post(t.Context(), claimq.Post[job]{Body: job{1}, TTL: 10 * time.Second})
	require.ErrorIs(t, err, claimq.ErrInvalid, "Zaqar's message TTL is at least 60 s")
	for _, req := range []claimq.ClaimRequest{
		{Limit: 0, TTL: time.Minute},
		{Limit: 1, TTL: time.Minute, Grace: time.Second},
		{Limit: 1, TTL: time.Minute, Wait: -time.Second},
	} {
		_, err := eng.Claim(t.Context(), req)
		assert.ErrorIs(t, err, claimq.ErrInvalid, "Claim(%+v)", req)
	}
	require.ErrorIs(t, eng.Renew(t.Context(), "c", time.Second, 0), claimq.ErrInvalid)
	require.ErrorIs(t, eng.Retry(t.Context(), "c", -time.Second), claimq.ErrInvalid)
}

// Retry's approximation: a whole claim retried with no delay is released
// at once; with a delay over 60 s it becomes claimable after the delay,
// not before.
func TestRetryApproximation(t *testing.T) {
	sc, clock := newFront(t)
	eng, err := zaqarengine.New[job](sc, "jobs", zaqarengine.Options{Project: "p", Clock: clock})
	require.NoError(t, err)
	ids, err := eng.Post(t.Context(), claimq.Post[job]{Body: job{1}})
	require.NoError(t, err)

	l := claimOne(t, eng)
	require.NoError(t, eng.Retry(t.Context(), l.ID, 0, ids...))
	l = claimOne(t, eng) // released at once

	require.NoError(t, eng.Retry(t.Context(), l.ID, 90*time.Second, ids...))
	clock.Advance(89 * time.Second)
	empty, err := eng.Claim(t.Context(), claimq.ClaimRequest{Limit: 1, TTL: time.Minute})
	require.NoError(t, err)
	require.Empty(t, empty.Messages, "claimable before the delay")
	clock.Advance(time.Second)
	claimOne(t, eng)
}

// A body that does not decode into T fails the claim, and the claim is
// released, not left holding the message for its TTL.
func TestUndecodableBodyReleased(t *testing.T) {
	sc, clock := newFront(t)
	raw, err := zaqarengine.New[map[string]any](sc, "jobs", zaqarengine.Options{Project: "p", Clock: clock})
	require.NoError(t, err)
	_, err = raw.Post(t.Context(), claimq.Post[map[string]any]{Body: map[string]any{"n": "not a number"}})
	require.NoError(t, err)

	eng, err := zaqarengine.New[job](sc, "jobs", zaqarengine.Options{Project: "p", Clock: clock})
	require.NoError(t, err)
	_, err = eng.Claim(t.Context(), claimq.ClaimRequest{Limit: 1, TTL: time.Minute})
	require.Error(t, err)
	l, err := raw.Claim(t.Context(), claimq.ClaimRequest{Limit: 1, TTL: time.Minute})
	require.NoError(t, err)
	require.Len(t, l.Messages, 1, "the failed claim was released")
	assert.Equal(t, "not a number", l.Messages[0].Body["n"])
}
