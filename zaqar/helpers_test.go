package zaqar_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/claimq/claimq"
	"github.com/claimq/claimq/zaqar"
	"github.com/claimq/claimq/zaqarengine"
	"github.com/gophercloud/gophercloud/v2"
	"github.com/stretchr/testify/require"
)

// Client IDs of the test's workers; any UUIDs do.
const (
	clientA = "3381af92-2b9e-11e3-b191-71861300734c"
	clientB = "9c6e3a52-7d1f-4a3e-9f2b-1c0d5e6f7a8b"
)

var epoch = time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)

// send serves one request on h in process, with clientA's Client-ID
// and, with a body, a JSON Content-Type.
func send(h http.Handler, method, target, body string) *httptest.ResponseRecorder {
	return sendCtx(context.Background(), h, method, target, body)
}

func sendCtx(ctx context.Context, h http.Handler, method, target, body string) *httptest.ResponseRecorder {
	r := httptest.NewRequestWithContext(ctx, method, target, strings.NewReader(body))
	r.Header.Set("Client-ID", clientA)
	if body != "" {
		r.Header.Set("Content-Type", "application/json")
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

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

// newClient builds a gophercloud messaging client for baseURL, as a
// client of a server without Keystone does.
func newClient(t testing.TB, baseURL, clientID, token string) *gophercloud.ServiceClient {
	t.Helper()
	sc, err := zaqarengine.NewClient(baseURL, clientID, token)
	require.NoError(t, err)
	return sc
}

// splitHref returns the message and claim IDs of a claimed message's
// href, failing the test if it is not one.
func splitHref(t testing.TB, href string) (messageID, claimID string) {
	t.Helper()
	ref, err := zaqar.ParseHref(href)
	require.NoError(t, err)
	require.NotEmpty(t, ref.Message, "href %q names no message", href)
	require.NotEmpty(t, ref.Claim, "href %q has no claim_id", href)
	return ref.Message, ref.Claim
}
