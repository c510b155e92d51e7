package zaqar_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/claimq/claimq/zaqar"
	"github.com/gophercloud/gophercloud/v2/openstack/messaging/v2/claims"
	"github.com/gophercloud/gophercloud/v2/openstack/messaging/v2/messages"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseHref(t *testing.T) {
	tests := []struct {
		href string
		want zaqar.Href
	}{
		{"/v2/queues/jobs/messages/000000000000002a?claim_id=c1",
			zaqar.Href{Version: "v2", Queue: "jobs", Message: "000000000000002a", Claim: "c1"}},
		{"/v2/queues/jobs/messages/000000000000002a",
			zaqar.Href{Version: "v2", Queue: "jobs", Message: "000000000000002a"}},
		{"/v1.1/queues/jobs/messages/m1?claim_id=c1",
			zaqar.Href{Version: "v1.1", Queue: "jobs", Message: "m1", Claim: "c1"}},
		{"/v1/queues/fizbit/messages/50b68a50d6f5b8c8a7c62b01?claim_id=a28ee94e-6cb4-11e2-b4d5-7703267a7926",
			zaqar.Href{Version: "v1", Queue: "fizbit", Message: "50b68a50d6f5b8c8a7c62b01", Claim: "a28ee94e-6cb4-11e2-b4d5-7703267a7926"}},
		{"http://127.0.0.1:8888/v2/queues/jobs/messages/m1?claim_id=c1",
			zaqar.Href{Version: "v2", Queue: "jobs", Message: "m1", Claim: "c1"}},
		{"https://zaqar.example.com:8888/messaging/v2/queues/jobs/messages/m1?claim_id=c1",
			zaqar.Href{Version: "v2", Queue: "jobs", Message: "m1", Claim: "c1"}},
		{"/v2/queues/jobs/claims/c1", zaqar.Href{Version: "v2", Queue: "jobs", Claim: "c1"}},
		{"/v2/queues/jobs", zaqar.Href{Version: "v2", Queue: "jobs"}},
		// Names that look like the path's own segments.
		{"/v2/queues/queues/messages/m1", zaqar.Href{Version: "v2", Queue: "queues", Message: "m1"}},
		{"/v2/queues/v1/claims/c1", zaqar.Href{Version: "v2", Queue: "v1", Claim: "c1"}},
		// Other query parameters are not the claim's.
		{"/v2/queues/jobs/messages/m1?echo=true&claim_id=c1",
			zaqar.Href{Version: "v2", Queue: "jobs", Message: "m1", Claim: "c1"}},
		{"/v2/queues/my%20q/messages/m1", zaqar.Href{Version: "v2", Queue: "my q", Message: "m1"}},
	}
	for _, tt := range tests {
		t.Run(tt.href, func(t *testing.T) {
			got, err := zaqar.ParseHref(tt.href)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got, "ParseHref(%q)", tt.href)
		})
	}
}

func TestParseHrefErrors(t *testing.T) {
	for _, href := range []string{
		"",
		"jobs",
		"/v3/queues/jobs/messages/m1",
		"/v2/topics/jobs",
		"/v2/queues/",
		"/v2/queues//messages/m1",
		"/v2/queues/jobs/",
		"/v2/queues/jobs/messages",
		"/v2/queues/jobs/messages/",
		"/v2/queues/jobs/messages/m1/extra",
		"/v2/queues/jobs/claims/",
		"/v2/queues/jobs/stats",
		"/v2/queues/jobs?claim_id=c1",
		"/v2/queues/jobs/claims/c1?claim_id=c2",
		"/v2/queues/jobs/messages/m1?claim_id=",
		"/v2/queues/jobs/messages/m1?claim_id=c1&claim_id=c2",
		"/v2/queues/jobs/messages/m1?claim_id=%zz",
		"http://[::1/v2/queues/jobs",
	} {
		t.Run(href, func(t *testing.T) {
			got, err := zaqar.ParseHref(href)
			require.ErrorIs(t, err, zaqar.ErrHref, "ParseHref(%q) = %+v", href, got)
			assert.Contains(t, err.Error(), fmt.Sprintf("%q", href), "the error names the href")
			assert.Zero(t, got)
		})
	}
}

// The hrefs the handler writes, as gophercloud hands them over, parse to
// IDs the handler accepts back: the claim's delete works with them.
func TestParseHrefGophercloud(t *testing.T) {
	ctx := context.Background()
	srv, _ := newServer(t, zaqar.Options{})
	sc := newClient(t, srv.URL, clientA, "")

	posted, err := messages.Create(ctx, sc, "jobs", messages.BatchCreateOpts{
		{Body: map[string]any{"n": 1}}, {Body: map[string]any{"n": 2}},
	}).Extract()
	require.NoError(t, err)
	got, err := claims.Create(ctx, sc, "jobs", claims.CreateOpts{Limit: 1}).Extract()
	require.NoError(t, err)
	require.Len(t, got, 1)

	ref, err := zaqar.ParseHref(got[0].Href)
	require.NoError(t, err)
	first, err := zaqar.ParseHref(posted.Resources[0])
	require.NoError(t, err)
	assert.Equal(t, first.Message, ref.Message, "the claimed message is the first posted")
	assert.Equal(t, "jobs", ref.Queue)
	require.NotEmpty(t, ref.Claim)

	cl, err := claims.Get(ctx, sc, "jobs", ref.Claim).Extract()
	require.NoError(t, err, "the claim ID parsed from the href names the claim")
	own, err := zaqar.ParseHref(cl.Href)
	require.NoError(t, err)
	assert.Equal(t, zaqar.Href{Version: "v2", Queue: "jobs", Claim: ref.Claim}, own)

	require.NoError(t, messages.Delete(ctx, sc, "jobs", ref.Message, messages.DeleteOpts{ClaimID: ref.Claim}).ExtractErr())
	_, err = messages.Get(ctx, sc, "jobs", ref.Message).Extract()
	require.Error(t, err, "deleted with the parsed IDs")
}

// A claimed message's href is the only place its ID and its claim's ID
// appear in a gophercloud claim result.
func ExampleParseHref() {
	ref, err := zaqar.ParseHref("/v2/queues/jobs/messages/51db6f78c508f17ddc924357?claim_id=a28ee94e-6cb4-11e2-b4d5-7703267a7926")
	if err != nil {
		panic(err)
	}
	fmt.Println(ref.Queue, ref.Message, ref.Claim)

	_, err = zaqar.ParseHref("/v2/queues/jobs/stats")
	fmt.Println(errors.Is(err, zaqar.ErrHref))
	// Output:
	// jobs 51db6f78c508f17ddc924357 a28ee94e-6cb4-11e2-b4d5-7703267a7926
	// true
}
