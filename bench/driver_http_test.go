package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/claimq/claimq"
	"github.com/claimq/claimq/zaqar"
	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// zaqarServer is the package's Zaqar front on a FakeClock, as the bench
// meets a server at a URL, with hooks to observe requests.
type zaqarServer struct {
	*httptest.Server
	clock *claimq.FakeClock
	token string

	posts        atomic.Int64
	onPost       func(n int64) // after each post of messages
	onDelete     func()        // after each delete of a message
	mu           sync.Mutex
	onEmptyClaim func() // once, after the first claim that found nothing
}

func newZaqarServer(t *testing.T, token string) *zaqarServer {
	t.Helper()
	s := &zaqarServer{clock: claimq.NewFakeClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)), token: token}
	h := zaqar.NewHandler(zaqar.Options{FakeClock: s.clock, AuthToken: token, RequireProject: true})
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &statusRecorder{ResponseWriter: w}
		h.ServeHTTP(rec, r)
		switch {
		case r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/messages"):
			if n := s.posts.Add(1); s.onPost != nil {
				s.onPost(n)
			}
		case r.Method == http.MethodDelete && s.onDelete != nil:
			s.onDelete()
		case r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/claims") && rec.status == http.StatusNoContent:
			s.mu.Lock()
			hook := s.onEmptyClaim
			s.onEmptyClaim = nil
			s.mu.Unlock()
			if hook != nil {
				hook()
			}
		}
	}))
	t.Cleanup(s.Close)
	return s
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

// get fetches a v2 path of the server as the bench's project.
func (s *zaqarServer) get(t *testing.T, path string, out any) {
	t.Helper()
	s.getAs(t, httpProject, path, out)
}

// getAs fetches a v2 path of the server as project.
func (s *zaqarServer) getAs(t *testing.T, project, path string, out any) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, s.URL+path, nil)
	require.NoError(t, err)
	req.Header.Set("Client-ID", uuid.NewString())
	req.Header.Set("X-Project-Id", project)
	req.Header.Set("X-Auth-Token", s.token)
	resp, err := s.Client().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode, "GET %s", path)
	require.NoError(t, json.NewDecoder(resp.Body).Decode(out))
}

// queue returns the name of the one queue the bench made.
func (s *zaqarServer) queue(t *testing.T) string {
	t.Helper()
	var list struct {
		Queues []struct {
			Name string `json:"name"`
		} `json:"queues"`
	}
	s.get(t, "/v2/queues", &list)
	require.Len(t, list.Queues, 1)
	assert.True(t, strings.HasPrefix(list.Queues[0].Name, httpQueue+"-"), "a queue of the run's own: %s", list.Queues[0].Name)
	return list.Queues[0].Name
}

// stats returns the message counts of the one queue the bench made.
func (s *zaqarServer) stats(t *testing.T) (free, claimed int) {
	t.Helper()
	var st struct {
		Messages struct{ Free, Claimed int } `json:"messages"`
	}
	s.get(t, "/v2/queues/"+s.queue(t)+"/stats", &st)
	return st.Messages.Free, st.Messages.Claimed
}

// TestBenchHTTP runs -engine http against the Zaqar front of this module
// on a loopback port.
func TestBenchHTTP(t *testing.T) {
	for _, engine := range [][]string{{"-engine", "http"}, {"-http"}} {
		r := benchOne(t, append(engine, "-messages", "200", "-consumers", "2", "-backlog", "20", "-held", "20")...)
		assert.Equal(t, "http", r.Engine)
		assert.EqualValues(t, 200, r.Messages)
		assert.EqualValues(t, 200-20, r.EndToEnd.Count)
		requireMonotone(t, "end_to_end_ns", r.EndToEnd)
		requireClaimRows(t, r)
		assert.Zero(t, r.Lost)
		assert.Equal(t, "client+server", r.AllocsScope)
		assert.Positive(t, r.Memory.LiveHeapBytes, "the server is in this process")
	}
}

func TestBenchZaqarURL(t *testing.T) {
	srv := newZaqarServer(t, "s3cret")
	r := benchOne(t, "-engine", srv.URL, "-token", "s3cret", "-messages", "200",
		"-producers", "2", "-consumers", "2", "-backlog", "40", "-held", "30", "-body-size", "300")
	assert.Equal(t, srv.URL, r.Engine)
	assert.EqualValues(t, 200, r.Messages)
	requireMonotone(t, "end_to_end_ns", r.EndToEnd)
	requireClaimRows(t, r)
	assert.EqualValues(t, 200-40, r.EndToEnd.Count, "the backlog goes first, untimed")
	assert.Zero(t, r.Lost)
	assert.Equal(t, "client", r.AllocsScope)
	assert.Zero(t, r.Memory.LiveHeapBytes, "the queue is in another process: no heap figure")

	free, claimed := srv.stats(t)
	assert.Equal(t, 40, free, "the backlog is left in the queue")
	assert.Equal(t, 30, claimed, "the held messages stay claimed")
}

// TestBenchCountedLeavesBacklog: a run of -messages N posts all N even
// when the backlog alone gives the consumers their N deletes first, so
// that it leaves the backlog in the queue as it found it.
func TestBenchCountedLeavesBacklog(t *testing.T) {
	srv := newZaqarServer(t, "")
	var deletes atomic.Int64
	deleted := make(chan struct{})
	srv.onDelete = func() {
		if deletes.Add(1) == 20 {
			close(deleted)
		}
	}
	// Posts 1 and 2 fill the backlog; the run's first post is answered
	// only once the consumers have deleted 20 messages of the backlog.
	srv.onPost = func(n int64) {
		if n == 3 {
			select {
			case <-deleted:
			case <-t.Context().Done():
			}
		}
	}
	r := benchOne(t, "-engine", srv.URL, "-messages", "20", "-backlog", "40", "-batch", "10",
		"-producers", "1", "-consumers", "2")
	assert.EqualValues(t, 20, r.Messages)
	assert.EqualValues(t, 4, srv.posts.Load(), "the backlog's 2 posts, then the run's 2")
	free, claimed := srv.stats(t)
	assert.Equal(t, 40, free, "the backlog is left in the queue")
	assert.Zero(t, claimed)
}

func TestBenchZaqarURLAlias(t *testing.T) {
	srv := newZaqarServer(t, "")
	r := benchOne(t, "-url", srv.URL, "-messages", "20", "-consumers", "3")
	assert.Equal(t, srv.URL, r.Engine)
	assert.EqualValues(t, 20, r.Messages)
}

// TestBenchZaqarURLCut: a duration run against a server, ended in the
// middle of a batch, deletes the rest of the batch and times each delete
// it counts.
func TestBenchZaqarURLCut(t *testing.T) {
	srv := newZaqarServer(t, "")
	r := cutAt(t, 5, "-engine", srv.URL, "-consumers", "3")
	assert.GreaterOrEqual(t, r.Messages, int64(10), "the batch of the fifth delete, deleted to its end")
	assert.Equal(t, r.Messages, r.EndToEnd.Count,
		"a run cut short in the middle of a batch counts each delete it timed")
	assert.False(t, r.Interrupted)
}

func TestBenchZaqarURLToken(t *testing.T) {
	srv := newZaqarServer(t, "s3cret")
	_, _, err := bench(t, "-engine", srv.URL, "-token", "wrong", "-messages", "10")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "401")
}

func TestBenchInterrupted(t *testing.T) {
	// The server cancels the run at its fifth post, well inside the hour
	// the run asks for.
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	srv := newZaqarServer(t, "")
	srv.onPost = func(n int64) {
		if n == 5 {
			cancel()
		}
	}
	out, _, err := benchCtx(ctx, "-engine", srv.URL, "-duration", "1h", "-json")
	require.ErrorIs(t, err, context.Canceled)
	assert.NotErrorIs(t, err, ErrUsage)
	rep := decodeReport(t, out)
	r := rep.Points[0].Runs[0]
	assert.True(t, r.Interrupted, "an interrupted run still prints what it measured")
	assert.Less(t, r.Seconds, 60.0)
}

func newTestHTTPDriver(t *testing.T, srv *zaqarServer) *httpDriver {
	t.Helper()
	cfg, err := parseBenchFlags([]string{"-engine", srv.URL}, &bytes.Buffer{}, nil)
	require.NoError(t, err)
	d, err := newHTTPDriver(cfg)
	require.NoError(t, err)
	t.Cleanup(d.close)
	return d
}

func TestHTTPDeleteLost(t *testing.T) {
	srv := newZaqarServer(t, "")
	d := newTestHTTPDriver(t, srv)

	require.NoError(t, d.newProducer().post(t.Context(), []int64{1, 2}))
	c := d.newConsumer()
	ds, waited, err := c.claim(t.Context(), 2, time.Minute)
	require.NoError(t, err)
	require.Len(t, ds, 2)
	assert.False(t, waited)
	assert.Equal(t, []int64{1, 2}, []int64{ds[0].stamp, ds[1].stamp})

	// The claim expires: its messages are claimable again, and a delete
	// with it is refused.
	srv.clock.Advance(time.Minute + time.Second)
	require.ErrorIs(t, c.delete(t.Context(), ds[0]), errLost, "claim expired")
	other := d.newConsumer()
	ds2, _, err := other.claim(t.Context(), 2, time.Minute)
	require.NoError(t, err)
	require.Len(t, ds2, 2)
	require.ErrorIs(t, c.delete(t.Context(), ds[1]), errLost, "claimed by another")
	require.NoError(t, other.delete(t.Context(), ds2[1]))
}

func TestHTTPClaimWaitsForPost(t *testing.T) {
	srv := newZaqarServer(t, "")
	d := newTestHTTPDriver(t, srv)

	// The post happens once the consumer has polled an empty queue, so
	// the claim must have waited, whatever the scheduling.
	var posted sync.WaitGroup
	defer posted.Wait()
	srv.onEmptyClaim = func() {
		posted.Go(func() { assert.NoError(t, d.newProducer().post(t.Context(), []int64{7})) })
	}
	ds, waited, err := d.newConsumer().claim(t.Context(), 5, time.Minute)
	require.NoError(t, err)
	require.Len(t, ds, 1)
	assert.Equal(t, int64(7), ds[0].stamp)
	assert.True(t, waited)
}

// TestBenchRealZaqar runs the bench against the Zaqar server named by
// CLAIMQ_ZAQAR_URL (its base URL, without /v2), with CLAIMQ_ZAQAR_TOKEN as
// X-Auth-Token and CLAIMQ_ZAQAR_PROJECT as X-Project-Id when set: the
// same variables as the Zaqar engine's conformance suite.
func TestBenchRealZaqar(t *testing.T) {
	url := os.Getenv("CLAIMQ_ZAQAR_URL")
	if url == "" {
		t.Skip("no real Zaqar: set CLAIMQ_ZAQAR_URL (e.g. http://127.0.0.1:8888) to run the bench against one")
	}
	// Through the lean HTTP driver, then through the Zaqar engine.
	for _, engine := range []string{url, zaqarEnginePrefix + url} {
		args := []string{"-engine", engine, "-messages", "200", "-backlog", "20", "-held", "10"}
		if tok := os.Getenv("CLAIMQ_ZAQAR_TOKEN"); tok != "" {
			args = append(args, "-token", tok)
		}
		if p := os.Getenv("CLAIMQ_ZAQAR_PROJECT"); p != "" {
			args = append(args, "-project", p)
		}
		r := benchOne(t, args...)
		assert.Equal(t, engine, r.Engine)
		assert.EqualValues(t, 200, r.Messages)
		assert.EqualValues(t, 200-20, r.EndToEnd.Count)
		requireMonotone(t, "end_to_end_ns", r.EndToEnd)
		assert.Zero(t, r.Lost)
	}
}
