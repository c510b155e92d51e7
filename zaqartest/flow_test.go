package zaqartest_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/claimq/claimq/zaqar"
	"github.com/claimq/claimq/zaqartest"
	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack/messaging/v2/claims"
	"github.com/gophercloud/gophercloud/v2/openstack/messaging/v2/messages"
	"github.com/stretchr/testify/require"
)

// The flow the README shows, line for line: a consumer whose claim
// expires, the next one that deletes, and a claim answered 503 first.
func TestReadmeFlow(t *testing.T) {
	srv := zaqartest.New(t) // httptest + FakeClock, closed with the test
	jobs := srv.Queue("jobs")
	ids := jobs.Post(map[string]any{"job": "resize"})

	_, err := claims.Create(t.Context(), srv.Client, "jobs", claims.CreateOpts{TTL: 60}).Extract()
	require.NoError(t, err)
	jobs.AssertClaimed(ids...)
	srv.Clock.Advance(61 * time.Second) // the consumer died: its claim expires
	jobs.AssertFree(ids...)

	got, err := claims.Create(t.Context(), srv.Client, "jobs", claims.CreateOpts{TTL: 60}).Extract()
	require.NoError(t, err)
	claim, held := srv.ClaimIDs(got) // gophercloud has them only in hrefs
	err = messages.Delete(t.Context(), srv.Client, "jobs", held[0].String(),
		messages.DeleteOpts{ClaimID: claim.String()}).ExtractErr()
	require.NoError(t, err)
	jobs.AssertEmpty()

	srv.Inject(zaqar.Fault{Op: "claims:create", Status: 503, Count: 1})
	_, err = claims.Create(t.Context(), srv.Client, "jobs", claims.CreateOpts{}).Extract()
	require.True(t, gophercloud.ResponseCodeIs(err, http.StatusServiceUnavailable))
}
