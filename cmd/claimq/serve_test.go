package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"testing/synctest"

	"github.com/claimq/claimq/zaqar"
	"github.com/claimq/claimq/zaqarengine"
	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack/messaging/v2/claims"
	"github.com/gophercloud/gophercloud/v2/openstack/messaging/v2/messages"
	"github.com/gophercloud/gophercloud/v2/openstack/messaging/v2/queues"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// lockedBuffer collects the server's logs, written from its goroutines.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// startServe runs `claimq serve args...` on a free loopback port and
// returns its URL; the server is stopped, and must stop cleanly, when the
// test ends.
func startServe(t *testing.T, args ...string) (url string, logs *lockedBuffer) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out, w := io.Pipe()
	logs = &lockedBuffer{}
	done := make(chan error, 1)
	go func() {
		err := run(ctx, append([]string{"serve", "-addr", "127.0.0.1:0"}, args...), w, logs)
		w.Close()
		done <- err
	}()
	line, err := bufio.NewReader(out).ReadString('\n')
	require.NoError(t, err, "serve printed no URL; logs:\n%s", logs)
	url = strings.TrimSpace(line)
	require.True(t, strings.HasPrefix(url, "http://127.0.0.1:"), "URL %q", url)
	t.Cleanup(func() {
		cancel()
		require.NoError(t, <-done, "serve did not stop cleanly; logs:\n%s", logs)
		assert.Contains(t, logs.String(), "claimq serve: stopped")
	})
	return url, logs
}

func newClient(t *testing.T, url, clientID, token string) *gophercloud.ServiceClient {
	t.Helper()
	sc, err := zaqarengine.NewClient(url, clientID, token)
	require.NoError(t, err)
	return sc
}

// claimedIDs returns the message and claim IDs of a claimed message's href.
func claimedIDs(t *testing.T, href string) (message, claim string) {
	t.Helper()
	ref, err := zaqar.ParseHref(href)
	require.NoError(t, err)
	require.NotEmpty(t, ref.Claim, "href %q has no claim_id", href)
	return ref.Message, ref.Claim
}

// advance moves the server's fake clock through its HTTP endpoint.
func advance(t *testing.T, url, token, d string) {
	t.Helper()
	req, err := http.NewRequest("POST", url+"_claimq/clock", strings.NewReader(`{"advance":"`+d+`"}`))
	require.NoError(t, err)
	req.Header.Set("X-Auth-Token", token)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
}

// TestServeFakeTime drives `claimq serve -fake-time` with gophercloud
// through the expired-claim race: the clock moves over HTTP, worker A's
// late delete fails with 400 and worker B's claim gets the message.
func TestServeFakeTime(t *testing.T) {
	ctx := context.Background()
	url, _ := startServe(t, "-fake-time", "-token", "tok", "-project", "p1")
	workerA := newClient(t, url, "3381af92-2b9e-11e3-b191-71861300734c", "tok")
	workerB := newClient(t, url, "9c6e3a52-7d1f-4a3e-9f2b-1c0d5e6f7a8b", "tok")

	_, err := messages.Create(ctx, workerA, "orders", messages.BatchCreateOpts{
		{TTL: 600, Body: map[string]any{"order": 1}},
	}).Extract()
	require.NoError(t, err)
	gotA, err := claims.Create(ctx, workerA, "orders", claims.CreateOpts{TTL: 60}).Extract()
	require.NoError(t, err)
	require.Len(t, gotA, 1)
	hrefA := gotA[0].Href

	advance(t, url, "tok", "61s")

	idA, claimA := claimedIDs(t, hrefA)
	err = messages.Delete(ctx, workerA, "orders", idA, messages.DeleteOpts{ClaimID: claimA}).ExtractErr()
	assert.True(t, gophercloud.ResponseCodeIs(err, http.StatusBadRequest), "late delete: %v", err)

	gotB, err := claims.Create(ctx, workerB, "orders", claims.CreateOpts{TTL: 60}).Extract()
	require.NoError(t, err)
	require.Len(t, gotB, 1)
	assert.Equal(t, gotA[0].Body, gotB[0].Body)
	idB, claimB := claimedIDs(t, gotB[0].Href)
	require.Equal(t, idA, idB)
	require.NoError(t, messages.Delete(ctx, workerB, "orders", idA, messages.DeleteOpts{ClaimID: claimB}).ExtractErr())

	// -project names the project of requests without X-Project-Id.
	share, err := queues.Share(ctx, workerA, "orders", queues.ShareOpts{}).Extract()
	require.NoError(t, err)
	assert.Equal(t, "p1", share.Project)

	// Without the token nothing is served.
	resp, err := http.Get(url + "v2/queues")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
}

func TestServeWithoutFakeTime(t *testing.T) {
	url, logs := startServe(t, "-strict-project")
	resp, err := http.Get(url + "_claimq/clock")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)

	req, err := http.NewRequest("GET", url+"v2/queues", nil)
	require.NoError(t, err)
	req.Header.Set("Client-ID", "3381af92-2b9e-11e3-b191-71861300734c")
	resp, err = http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode, "strict project")
	assert.Contains(t, logs.String(), "claimq serve: listening")

	// The v1.0 API is served beside v2, and never required a project.
	for _, r := range []struct {
		method, path string
		status       int
	}{
		{"GET", "v1/health", http.StatusNoContent},
		{"PUT", "v1/queues/legacy", http.StatusCreated},
		{"HEAD", "v1/queues/legacy", http.StatusNoContent},
		{"GET", "v1.1/queues", http.StatusBadRequest},
	} {
		req, err := http.NewRequest(r.method, url+r.path, nil)
		require.NoError(t, err)
		req.Header.Set("Client-ID", "3381af92-2b9e-11e3-b191-71861300734c")
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, r.status, resp.StatusCode, "%s /%s", r.method, r.path)
	}
}

func TestServeArgs(t *testing.T) {
	ctx := context.Background()
	for _, args := range [][]string{
		{"serve", "-no-such-flag"},
		{"serve", "extra"},
		{"serve", "-max-queues", "-1"},
		{"serve", "-max-conns", "-1"},
		{"serve", "-sweep", "-1s"},
	} {
		err := run(ctx, args, io.Discard, io.Discard)
		assert.Equal(t, 2, exitCode(err), "run %q = %v; want a usage error", args, err)
	}
	err := run(ctx, []string{"serve", "-addr", "256.0.0.1:bad"}, io.Discard, io.Discard)
	assert.Equal(t, 1, exitCode(err), "unusable address: %v", err)

	var help bytes.Buffer
	require.NoError(t, run(ctx, []string{"serve", "-h"}, io.Discard, &help))
	assert.Contains(t, help.String(), "-fake-time")
}

// request sends one request to a serve started by startServe and returns
// its status and body.
func request(t *testing.T, method, url, body string, hdr map[string]string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Client-ID", "3381af92-2b9e-11e3-b191-71861300734c")
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(b)
}

func TestServeTokenFromEnvironment(t *testing.T) {
	t.Setenv(tokenEnv, "secret")
	url, _ := startServe(t)
	status, _ := request(t, "GET", url+"v2/queues", "", nil)
	assert.Equal(t, http.StatusUnauthorized, status)
	status, _ = request(t, "GET", url+"v2/queues", "", map[string]string{"X-Auth-Token": "secret"})
	assert.Equal(t, http.StatusOK, status)
}

// TestServeMemoryOnly checks what serve says of its store: request logs
// written once answered, the messages discarded on exit, the sweep after
// a clock move and the bounds on queues.
func TestServeMemoryOnly(t *testing.T) {
	var logs *lockedBuffer
	t.Run("serve", func(t *testing.T) {
		var url string
		url, logs = startServe(t, "-v", "-fake-time", "-max-queues", "2")
		status, body := request(t, "POST", url+"v2/queues/lazy/messages", `{"messages":[{"ttl":60,"body":1}]}`, nil)
		require.Equal(t, http.StatusCreated, status, body)
		status, body = request(t, "POST", url+"v2/queues/kept/messages", `{"messages":[{"ttl":600,"body":1},{"ttl":600,"body":2}]}`, nil)
		require.Equal(t, http.StatusCreated, status, body)
		status, body = request(t, "POST", url+"v2/queues/third/messages", `{"messages":[{"body":1}]}`, nil)
		assert.Equal(t, http.StatusForbidden, status, "-max-queues 2: %s", body)

		advance(t, url, "", "61s") // expires lazy's message; the sweep drops the queue
		status, body = request(t, "GET", url+"v2/queues", "", nil)
		require.Equal(t, http.StatusOK, status)
		assert.NotContains(t, body, `"lazy"`)
		assert.Contains(t, body, `"kept"`)
		assert.Contains(t, logs.String(), `method=POST path=/v2/queues/kept/messages query="" status=201 bytes=`)
	})
	// The subtest's cleanup has stopped the server.
	assert.Contains(t, logs.String(), `msg="claimq serve: stopped" discarded=2`)
}

func TestVersion(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), []string{"version"}, &out, io.Discard))
	assert.Regexp(t, `^claimq \S+ .*go1\.\d+`, out.String())
	assert.Equal(t, 2, exitCode(run(context.Background(), []string{"version", "x"}, io.Discard, io.Discard)))
}

// chanListener accepts the connections sent on its channel.
type chanListener struct {
	conns  chan net.Conn
	closed chan struct{}
}

func (l *chanListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.closed:
		return nil, net.ErrClosed
	}
}

func (l *chanListener) Close() error   { close(l.closed); return nil }
func (l *chanListener) Addr() net.Addr { return &net.TCPAddr{} }

func TestLimitListener(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		inner := &chanListener{conns: make(chan net.Conn, 3), closed: make(chan struct{})}
		ln := limitListener(inner, 2)
		var pipes []net.Conn
		for range 3 {
			a, b := net.Pipe()
			defer b.Close()
			pipes = append(pipes, a)
			inner.conns <- a
		}
		accepted := make(chan net.Conn, 3)
		go func() {
			for {
				c, err := ln.Accept()
				if err != nil {
					assert.ErrorIs(t, err, net.ErrClosed)
					close(accepted)
					return
				}
				accepted <- c
			}
		}()
		synctest.Wait()
		require.Len(t, accepted, 2, "two slots")
		first := <-accepted
		require.NoError(t, first.Close())
		synctest.Wait()
		require.Len(t, accepted, 2, "the closed connection's slot went to the third")
		<-accepted
		<-accepted
		require.NoError(t, ln.Close())
		synctest.Wait()
		_, open := <-accepted
		assert.False(t, open, "Close ends a waiting Accept")
		for _, p := range pipes {
			p.Close()
		}
	})
}
