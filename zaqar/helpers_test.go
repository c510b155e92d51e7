package zaqar_test

import (
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/claimq/claimq"
	"github.com/claimq/claimq/zaqar"
	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack"
	"github.com/stretchr/testify/require"
)

// Client IDs of the test's workers; any UUIDs do.
const (
	clientA = "3381af92-2b9e-11e3-b191-71861300734c"
	clientB = "9c6e3a52-7d1f-4a3e-9f2b-1c0d5e6f7a8b"
)

var epoch = time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)

// newServer starts the handler on a fake clock over loopback, closed with
// the test.
func newServer(t testing.TB, opts zaqar.Options) (*httptest.Server, *claimq.FakeClock) {
	t.Helper()
	if opts.FakeClock == nil {
		opts.FakeClock = claimq.NewFakeClock(epoch)
	}
	srv := httptest.NewServer(zaqar.NewHandler(opts))
	t.Cleanup(srv.Close)
	return srv, opts.FakeClock
}

// newClient builds a gophercloud messaging client for baseURL as the wire
// spec shows: no Keystone, an EndpointLocator ending in "/".
func newClient(t testing.TB, baseURL, clientID, token string) *gophercloud.ServiceClient {
	t.Helper()
	pc, err := openstack.NewClient(baseURL)
	require.NoError(t, err)
	pc.EndpointLocator = func(gophercloud.EndpointOpts) (string, error) {
		return strings.TrimSuffix(baseURL, "/") + "/", nil
	}
	if token != "" {
		pc.SetToken(token)
	}
	sc, err := openstack.NewMessagingV2(pc, clientID, gophercloud.EndpointOpts{})
	require.NoError(t, err)
	return sc
}

// splitHref returns the message and claim IDs of a claimed message's
// href, the way gophercloud's acceptance helper ExtractIDs does.
func splitHref(t testing.TB, href string) (messageID, claimID string) {
	t.Helper()
	path, claimID, ok := strings.Cut(href, "?claim_id=")
	require.True(t, ok, "href %q has no ?claim_id=", href)
	return path[strings.LastIndex(path, "/")+1:], claimID
}
