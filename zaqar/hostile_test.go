package zaqar_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/claimq/claimq"
	"github.com/claimq/claimq/zaqar"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Clients that try to make the server hold memory it should not.

// stingyBody sends the start of a body and then fails, as a connection
// that declared a large body and closed after the headers; it records
// the largest buffer the handler offered it.
type stingyBody struct {
	sent    string
	offered int
}

func (b *stingyBody) Read(p []byte) (int, error) {
	b.offered = max(b.offered, len(p))
	if b.sent == "" {
		return 0, io.ErrUnexpectedEOF
	}
	n := copy(p, b.sent)
	b.sent = b.sent[n:]
	return n, nil
}

func (b *stingyBody) Close() error { return nil }

func TestBodyMemoryFollowsBytesReceived(t *testing.T) {
	h := zaqar.NewHandler(zaqar.Options{})
	for _, target := range []string{"/v2/queues/q/messages", "/v1.1/queues/q/messages", "/v2/queues/q"} {
		body := &stingyBody{sent: `{"messages": [`}
		req := httptest.NewRequest("POST", target, nil)
		if strings.HasSuffix(target, "/q") {
			req.Method = "PUT"
		}
		req.Body, req.ContentLength = body, 60<<10 // declared, never sent
		req.Header.Set("Client-ID", clientA)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		assert.Equal(t, http.StatusBadRequest, rec.Code, rec.Body.String())
		assert.LessOrEqual(t, body.offered, 4<<10,
			"%s: a read buffer of %d bytes for %d bytes received", target, body.offered, len(`{"messages": [`))
	}
}

func TestQueueAndProjectBounds(t *testing.T) {
	f := newFixture(t, zaqar.Options{MaxQueuesPerProject: 2, MaxProjects: 2}) // q and dq in project ""
	post := func(queue, project string) *httptest.ResponseRecorder {
		return f.do(t, "POST", "/v2/queues/"+queue+"/messages", `{"messages":[{"body":1}]}`, map[string]string{"X-Project-Id": project})
	}
	rec := post("third", "")
	require.Equal(t, http.StatusForbidden, rec.Code, rec.Body.String())
	assert.Contains(t, rec.Body.String(), "Quota exceeded")
	assert.Contains(t, description(t, rec.Body.Bytes()), "at most 2 queues")
	assert.Equal(t, http.StatusForbidden, f.do(t, "PUT", "/v2/queues/third", "", nil).Code, "PUT is bounded too")
	assert.Equal(t, http.StatusCreated, post("q", "").Code, "existing queues take posts")
	assert.Equal(t, http.StatusCreated, post("a", "B").Code, "a second project")
	rec = post("a", "C")
	require.Equal(t, http.StatusForbidden, rec.Code, rec.Body.String())
	assert.Contains(t, description(t, rec.Body.Bytes()), "at most 2 projects")

	require.Equal(t, http.StatusNoContent, f.do(t, "DELETE", "/v2/queues/dq", "", nil).Code)
	assert.Equal(t, http.StatusCreated, post("third", "").Code, "a deleted queue frees its place")
	require.Equal(t, http.StatusNoContent, f.do(t, "DELETE", "/v2/queues/a", "", map[string]string{"X-Project-Id": "B"}).Code)
	assert.Equal(t, http.StatusCreated, post("a", "C").Code, "a project ends with its last queue")
}

func TestListingCostIndependentOfProjectSize(t *testing.T) {
	h := zaqar.NewHandler(zaqar.Options{})
	create := func(project string, n int) {
		for i := range n {
			req := httptest.NewRequest("PUT", fmt.Sprintf("/v2/queues/q%05d", i), strings.NewReader(`{"k": 1}`))
			req.Header.Set("Client-ID", clientA)
			req.Header.Set("X-Project-Id", project)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
		}
	}
	create("small", 20)
	create("big", 5000)
	allocs := func(project string) float64 {
		req := httptest.NewRequest("GET", "/v2/queues?marker=q00005&detailed=true", nil)
		req.Header.Set("Client-ID", clientA)
		req.Header.Set("X-Project-Id", project)
		return testing.AllocsPerRun(20, func() {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"q00015"`) {
				t.Fatalf("list %s = %d %s", project, rec.Code, rec.Body)
			}
		})
	}
	small, big := allocs("small"), allocs("big")
	// Slack for sync.Pool, which the race detector makes drop buffers at
	// random; copying the project, as listings did, costs 5000 more.
	assert.LessOrEqual(t, big, small+20, "allocations of a page: %v in a project of 5000 queues, %v in one of 20", big, small)
}

func TestPatchMetadataLimitOnMergedResult(t *testing.T) {
	f := newFixture(t, zaqar.Options{})
	patch := func(key string) *httptest.ResponseRecorder {
		body := `[{"op": "add", "path": "/metadata/` + key + `", "value": "` + strings.Repeat("x", 40<<10) + `"}]`
		return f.do(t, "PATCH", "/v2/queues/q", body, map[string]string{"Content-Type": "application/openstack-messaging-v2.0-json-patch"})
	}
	require.Equal(t, http.StatusOK, patch("a").Code)
	rec := patch("b")
	require.Equal(t, http.StatusBadRequest, rec.Code, "80 KiB of metadata once patched")
	assert.Contains(t, description(t, rec.Body.Bytes()), "too large")
	rec = f.do(t, "GET", "/v2/queues/q", "", nil)
	assert.NotContains(t, rec.Body.String(), `"b"`, "the refused patch changed nothing")
	assert.Equal(t, http.StatusOK, patch("a").Code, "replacing a value keeps the size")
}

func TestSweepDropsEmptyLazyQueues(t *testing.T) {
	clock := claimq.NewFakeClock(epoch)
	h := zaqar.NewHandler(zaqar.Options{FakeClock: clock})
	do := func(method, target, body string) *httptest.ResponseRecorder { return send(h, method, target, body) }
	short := `{"messages":[{"ttl": 60, "body": 1}, {"ttl": 60, "body": 2}]}`
	require.Equal(t, http.StatusCreated, do("POST", "/v2/queues/lazy/messages", short).Code)
	require.Equal(t, http.StatusCreated, do("PUT", "/v2/queues/made", "").Code)
	require.Equal(t, http.StatusCreated, do("POST", "/v2/queues/made/messages", short).Code)
	require.Equal(t, http.StatusCreated, do("POST", "/v2/queues/long/messages", `{"messages":[{"ttl": 600, "body": 3}]}`).Code)
	require.Equal(t, 5, h.Len())
	assert.Equal(t, 0, h.Sweep(), "nothing has expired")

	clock.Advance(61 * time.Second)
	assert.Equal(t, 1, h.Sweep(), "the lazy queue left empty")
	assert.Equal(t, 1, h.Len())
	var list struct{ Queues []struct{ Name string } }
	require.NoError(t, json.Unmarshal(do("GET", "/v2/queues", "").Body.Bytes(), &list))
	var names []string
	for _, q := range list.Queues {
		names = append(names, q.Name)
	}
	assert.Equal(t, []string{"long", "made"}, names, "the queue made by PUT stays")
	assert.Equal(t, http.StatusCreated, do("POST", "/v2/queues/lazy/messages", short).Code, "a dropped queue comes back lazily")
}

func TestShareExpiryAtSignedPrecision(t *testing.T) {
	f := newFixture(t, zaqar.Options{})
	rec := f.do(t, "POST", "/v2/queues/q/share", `{"expires": "2025-01-02T03:05:05"}`, nil) // a minute from the fixture's epoch
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	var s struct {
		Expires, Signature string
		Paths, Methods     []string
	}
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &s))
	signed := func(expires string) int {
		return f.do(t, "GET", "/v2/queues/q/messages", "", map[string]string{
			"URL-Signature": s.Signature, "URL-Expires": expires,
			"URL-Methods": strings.Join(s.Methods, ","), "URL-Paths": strings.Join(s.Paths, ","),
		}).Code
	}
	require.Equal(t, http.StatusOK, signed(s.Expires))
	assert.Equal(t, http.StatusNotFound, signed(s.Expires+".999"), "a fraction the signature does not cover")
	f.clock.Advance(60*time.Second + 500*time.Millisecond)
	assert.Equal(t, http.StatusNotFound, signed(s.Expires), "expired")
	assert.Equal(t, http.StatusNotFound, signed(s.Expires+".999"), "expired, whatever fraction is added")
}

func TestClockRefusesStepBack(t *testing.T) {
	f := newFixture(t, zaqar.Options{})
	rec := f.do(t, "POST", "/_claimq/clock", `{"set": "2025-01-02T03:04:04Z"}`, nil)
	require.Equal(t, http.StatusBadRequest, rec.Code, rec.Body.String())
	assert.Contains(t, description(t, rec.Body.Bytes()), "only moves forward")
	assert.Equal(t, epoch, f.clock.Now(), "the clock did not move")
	assert.Equal(t, http.StatusOK, f.do(t, "POST", "/_claimq/clock", `{"set": "2025-01-02T03:04:05Z"}`, nil).Code, "setting the same time is no step back")
}
