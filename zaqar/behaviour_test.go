package zaqar_test

import (
	"encoding/json"
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

// routes lists a request for every route the handler serves.
var routes = []struct{ method, target, body string }{
	{"GET", "/v2/ping", ""},
	{"HEAD", "/v2/ping", ""},
	{"GET", "/v2/health", ""},
	{"GET", "/v2/queues", ""},
	{"PUT", "/v2/queues/q", "{}"},
	{"GET", "/v2/queues/q", ""},
	{"PATCH", "/v2/queues/q", "[]"},
	{"DELETE", "/v2/queues/q", ""},
	{"GET", "/v2/queues/q/stats", ""},
	{"POST", "/v2/queues/q/purge", ""},
	{"POST", "/v2/queues/q/share", "{}"},
	{"POST", "/v2/queues/q/messages", `{"messages":[{"body":1}]}`},
	{"GET", "/v2/queues/q/messages", ""},
	{"GET", "/v2/queues/q/messages?ids={m1}", ""},
	{"DELETE", "/v2/queues/q/messages?ids={m1}", ""},
	{"DELETE", "/v2/queues/q/messages?pop=1", ""},
	{"GET", "/v2/queues/q/messages/{m1}", ""},
	{"DELETE", "/v2/queues/q/messages/{m1}", ""},
	{"POST", "/v2/queues/q/claims", ""},
	{"GET", "/v2/queues/q/claims/{cid}", ""},
	{"PATCH", "/v2/queues/q/claims/{cid}", "{}"},
	{"DELETE", "/v2/queues/q/claims/{cid}", ""},
	{"GET", "/v1/health", ""},
	{"HEAD", "/v1/health", ""},
	{"GET", "/v1/queues", ""},
	{"PUT", "/v1/queues/q", ""},
	{"GET", "/v1/queues/q", ""},
	{"HEAD", "/v1/queues/q", ""},
	{"DELETE", "/v1/queues/q", ""},
	{"GET", "/v1/queues/q/stats", ""},
	{"GET", "/v1/queues/q/metadata", ""},
	{"PUT", "/v1/queues/q/metadata", "{}"},
	{"POST", "/v1/queues/q/messages", `[{"ttl":60,"body":1}]`},
	{"GET", "/v1/queues/q/messages", ""},
	{"GET", "/v1/queues/q/messages?ids={m1}", ""},
	{"DELETE", "/v1/queues/q/messages?ids={m1}", ""},
	{"GET", "/v1/queues/q/messages/{m1}", ""},
	{"DELETE", "/v1/queues/q/messages/{m1}", ""},
	{"POST", "/v1/queues/q/claims", `{"ttl":60,"grace":60}`},
	{"GET", "/v1/queues/q/claims/{cid}", ""},
	{"PATCH", "/v1/queues/q/claims/{cid}", `{"ttl":60}`},
	{"DELETE", "/v1/queues/q/claims/{cid}", ""},
	{"GET", "/v1.1/ping", ""},
	{"HEAD", "/v1.1/ping", ""},
	{"GET", "/v1.1/queues", ""},
	{"PUT", "/v1.1/queues/q", "{}"},
	{"GET", "/v1.1/queues/q", ""},
	{"DELETE", "/v1.1/queues/q", ""},
	{"GET", "/v1.1/queues/q/stats", ""},
	{"POST", "/v1.1/queues/q/messages", `{"messages":[{"body":1}]}`},
	{"GET", "/v1.1/queues/q/messages", ""},
	{"GET", "/v1.1/queues/q/messages?ids={m1}", ""},
	{"DELETE", "/v1.1/queues/q/messages?ids={m1}", ""},
	{"DELETE", "/v1.1/queues/q/messages?pop=1", ""},
	{"GET", "/v1.1/queues/q/messages/{m1}", ""},
	{"DELETE", "/v1.1/queues/q/messages/{m1}", ""},
	{"POST", "/v1.1/queues/q/claims", ""},
	{"GET", "/v1.1/queues/q/claims/{cid}", ""},
	{"PATCH", "/v1.1/queues/q/claims/{cid}", "{}"},
	{"DELETE", "/v1.1/queues/q/claims/{cid}", ""},
	{"GET", "/_claimq/clock", ""},
	{"POST", "/_claimq/clock", `{"advance":"1s"}`},
	{"GET", "/nowhere", ""},
	{"POST", "/v2/queues/q/stats", ""},
}

func TestAuthToken(t *testing.T) {
	f := newFixture(t, zaqar.Options{AuthToken: "s3cret"})
	for _, r := range routes {
		t.Run(r.method+" "+r.target, func(t *testing.T) {
			for _, tok := range []string{"", "wrong", "s3cre", "s3cret2"} {
				rec := f.do(t, r.method, r.target, r.body, map[string]string{"X-Auth-Token": tok})
				require.Equal(t, http.StatusUnauthorized, rec.Code, "token %q: %s", tok, rec.Body)
			}
			rec := f.do(t, r.method, r.target, r.body, map[string]string{"X-Auth-Token": "s3cret"})
			assert.NotEqual(t, http.StatusUnauthorized, rec.Code, rec.Body.String())
		})
	}
}

func TestProjectIsolation(t *testing.T) {
	f := newFixture(t, zaqar.Options{DefaultProject: "A"})
	a := map[string]string{"X-Project-Id": "A"}
	b := map[string]string{"X-Project-Id": "B"}

	// The fixture ran without X-Project-Id: its queues are A's.
	rec := f.do(t, "GET", "/v2/queues", "", a)
	assert.Contains(t, rec.Body.String(), `"name":"q"`)

	rec = f.do(t, "GET", "/v2/queues", "", b)
	assert.JSONEq(t, `{"queues":[],"links":[]}`, rec.Body.String())
	rec = f.do(t, "GET", "/v2/queues/dq", "", b)
	assert.Contains(t, rec.Body.String(), `"_default_message_delay":0`, "B sees no metadata of A's dq")
	rec = f.do(t, "GET", "/v2/queues/q/stats", "", b)
	assert.JSONEq(t, `{"messages":{"claimed":0,"free":0,"total":0}}`, rec.Body.String())
	rec = f.do(t, "GET", "/v2/queues/q/messages?echo=true&include_claimed=true", "", b)
	assert.JSONEq(t, `{"messages":[],"links":[]}`, rec.Body.String())
	assert.Equal(t, http.StatusNotFound, f.do(t, "GET", "/v2/queues/q/messages/{m1}", "", b).Code)
	assert.Equal(t, http.StatusNotFound, f.do(t, "GET", "/v2/queues/q/messages?ids={m1}", "", b).Code)
	assert.Equal(t, http.StatusNotFound, f.do(t, "GET", "/v2/queues/q/claims/{cid}", "", b).Code)
	assert.Equal(t, http.StatusNoContent, f.do(t, "POST", "/v2/queues/q/claims", "", b).Code)
	assert.Equal(t, http.StatusNoContent, f.do(t, "DELETE", "/v2/queues/q/messages/{m1}", "", b).Code)
	assert.Equal(t, http.StatusNoContent, f.do(t, "DELETE", "/v2/queues/q/messages?ids={m2}", "", b).Code)
	assert.Equal(t, http.StatusNoContent, f.do(t, "DELETE", "/v2/queues/q/claims/{cid}", "", b).Code)
	assert.Equal(t, http.StatusNoContent, f.do(t, "DELETE", "/v2/queues/q", "", b).Code)
	assert.Equal(t, http.StatusNoContent, f.do(t, "POST", "/v2/queues/q/purge", "", b).Code)
	rec = f.do(t, "DELETE", "/v2/queues/q/messages?pop=20", "", b)
	assert.JSONEq(t, `{"messages":[]}`, rec.Body.String())

	// A's queue is untouched by all of that.
	rec = f.do(t, "GET", "/v2/queues/q/stats", "", nil)
	assert.Contains(t, rec.Body.String(), `"claimed":1,"free":2,"total":3`)
	assert.Equal(t, http.StatusOK, f.do(t, "GET", "/v2/queues/q/claims/{cid}", "", a).Code)
}

func TestRequireProject(t *testing.T) {
	f := newFixture(t, zaqar.Options{})
	strict := zaqar.NewHandler(zaqar.Options{RequireProject: true, FakeClock: f.clock})
	f.h = strict
	rec := f.do(t, "GET", "/v2/queues", "", nil)
	assert.Equal(t, http.StatusBadRequest, rec.Code)
	assert.Contains(t, rec.Body.String(), "Project-Id Missing")
	rec = f.do(t, "GET", "/v2/queues", "", map[string]string{"X-Project-Id": "p"})
	assert.Equal(t, http.StatusOK, rec.Code)
}

// claimOne claims one message of queue q and returns the claim ID and the
// message ID.
func claimOne(t *testing.T, f *fixture, body string) (cid, mid string) {
	t.Helper()
	rec := f.do(t, "POST", "/v2/queues/q/claims?limit=1", body, nil)
	require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
	var got struct{ Messages []struct{ ID, Href string } }
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &got))
	require.Len(t, got.Messages, 1)
	_, cid = splitHref(t, got.Messages[0].Href)
	return cid, got.Messages[0].ID
}

func description(t *testing.T, body []byte) string {
	t.Helper()
	var e struct{ Description string }
	require.NoError(t, json.Unmarshal(body, &e))
	return e.Description
}

// TestDeleteWithClaim covers the rows of the delete table that need time
// to pass or a claim to end.
func TestDeleteWithClaim(t *testing.T) {
	t.Run("expired claim", func(t *testing.T) {
		f := newFixture(t, zaqar.Options{})
		f.clock.Advance(300 * time.Second) // the fixture's claim has a 300 s TTL
		rec := f.do(t, "DELETE", "/v2/queues/q/messages/{m0}?claim_id={cid}", "", nil)
		require.Equal(t, http.StatusBadRequest, rec.Code)
		assert.Equal(t, "The specified claim does not exist or has expired.", description(t, rec.Body.Bytes()))
		// Once the claim expired anyone may delete without one.
		assert.Equal(t, http.StatusNoContent, f.do(t, "DELETE", "/v2/queues/q/messages/{m0}", "", nil).Code)
		assert.Equal(t, http.StatusNotFound, f.do(t, "GET", "/v2/queues/q/messages/{m0}", "", nil).Code)
	})
	t.Run("released claim", func(t *testing.T) {
		f := newFixture(t, zaqar.Options{})
		require.Equal(t, http.StatusNoContent, f.do(t, "DELETE", "/v2/queues/q/claims/{cid}", "", nil).Code)
		rec := f.do(t, "DELETE", "/v2/queues/q/messages/{m0}?claim_id={cid}", "", nil)
		require.Equal(t, http.StatusBadRequest, rec.Code)
		// The core keeps no record of how a claim ended, so a released
		// claim reads as one that no longer exists, as an expired one does.
		assert.Equal(t, "The specified claim does not exist or has expired.", description(t, rec.Body.Bytes()))
		assert.Equal(t, http.StatusOK, f.do(t, "GET", "/v2/queues/q/messages/{m0}", "", nil).Code, "still there")
	})
	t.Run("reclaimed by another", func(t *testing.T) {
		f := newFixture(t, zaqar.Options{})
		f.clock.Advance(300 * time.Second)
		cid2, mid := claimOne(t, f, "")
		require.Equal(t, f.vars["{m0}"], mid)
		// The stale claim meets another live one: 400, as Zaqar's Redis
		// driver answers, so a late worker always sees its claim expired.
		rec := f.do(t, "DELETE", "/v2/queues/q/messages/{m0}?claim_id={cid}", "", nil)
		assert.Equal(t, http.StatusBadRequest, rec.Code)
		assert.Equal(t, "The specified claim does not exist or has expired.", description(t, rec.Body.Bytes()))
		rec = f.do(t, "DELETE", "/v2/queues/q/messages/{m0}?claim_id="+cid2, "", nil)
		assert.Equal(t, http.StatusNoContent, rec.Code)
	})
}

func TestShareSignedRequests(t *testing.T) {
	f := newFixture(t, zaqar.Options{AuthToken: "tok"})
	tok := map[string]string{"X-Auth-Token": "tok"}
	rec := f.do(t, "POST", "/v2/queues/q/share", `{"methods": ["GET", "DELETE"], "expires": "2025-01-02T04:04:05"}`, tok)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	var s struct {
		Project, Expires, Signature string
		Paths, Methods              []string
	}
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &s))
	assert.Equal(t, "", s.Project)
	assert.Equal(t, []string{"/v2/queues/q/messages"}, s.Paths, "messages by default")
	assert.Equal(t, []string{"DELETE", "GET"}, s.Methods)

	signed := func(mutate func(h map[string]string)) map[string]string {
		h := map[string]string{
			"URL-Signature": s.Signature,
			"URL-Expires":   s.Expires,
			"URL-Methods":   strings.Join(s.Methods, ","),
			"URL-Paths":     strings.Join(s.Paths, ","),
		}
		if mutate != nil {
			mutate(h)
		}
		return h
	}
	assert.Equal(t, http.StatusOK, f.do(t, "GET", "/v2/queues/q/messages?echo=true", "", signed(nil)).Code)
	assert.Equal(t, http.StatusOK, f.do(t, "GET", "/v2/queues/q/messages/{m1}", "", signed(nil)).Code, "items under the path")
	assert.Equal(t, http.StatusOK, f.do(t, "GET", "/v2/queues/q/messages", "", signed(func(h map[string]string) {
		h["URL-Methods"] = "GET,DELETE" // order does not matter
	})).Code)

	for name, tc := range map[string]struct {
		method, target string
		mutate         func(h map[string]string)
	}{
		"method not granted":   {"POST", "/v2/queues/q/messages", nil},
		"path not granted":     {"GET", "/v2/queues/q/claims/{cid}", nil},
		"other queue":          {"GET", "/v2/queues/qq/messages", nil},
		"prefix is not a path": {"GET", "/v2/queues/q/messagesX", nil},
		"tampered signature":   {"GET", "/v2/queues/q/messages", func(h map[string]string) { h["URL-Signature"] = strings.Repeat("0", 64) }},
		"widened methods":      {"POST", "/v2/queues/q/messages", func(h map[string]string) { h["URL-Methods"] = "DELETE,GET,POST" }},
		"widened paths": {"GET", "/v2/queues/q/claims/{cid}", func(h map[string]string) {
			h["URL-Paths"] = "/v2/queues/q/claims,/v2/queues/q/messages"
		}},
		"later expiry":  {"GET", "/v2/queues/q/messages", func(h map[string]string) { h["URL-Expires"] = "2025-01-02T05:04:05" }},
		"bad expiry":    {"GET", "/v2/queues/q/messages", func(h map[string]string) { h["URL-Expires"] = "soon" }},
		"other project": {"GET", "/v2/queues/q/messages", func(h map[string]string) { h["X-Project-Id"] = "B" }},
	} {
		t.Run(name, func(t *testing.T) {
			rec := f.do(t, tc.method, tc.target, "", signed(tc.mutate))
			assert.Equal(t, http.StatusNotFound, rec.Code, rec.Body.String())
		})
	}

	f.clock.Advance(time.Hour)
	rec = f.do(t, "GET", "/v2/queues/q/messages", "", signed(nil))
	assert.Equal(t, http.StatusNotFound, rec.Code, "expired share")
	assert.Contains(t, description(t, rec.Body.Bytes()), "expired")
}

func TestFakeClockEndpoints(t *testing.T) {
	f := newFixture(t, zaqar.Options{})
	now := func(rec interface{ Bytes() []byte }) time.Time {
		var got struct{ Now string }
		require.NoError(t, json.Unmarshal(rec.Bytes(), &got))
		ts, err := time.Parse(time.RFC3339Nano, got.Now)
		require.NoError(t, err)
		return ts
	}
	rec := f.do(t, "GET", "/_claimq/clock", "", nil)
	require.Equal(t, http.StatusOK, rec.Code)
	assert.Equal(t, epoch, now(rec.Body))

	rec = f.do(t, "POST", "/_claimq/clock", `{"advance": "90s"}`, nil)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	assert.Equal(t, epoch.Add(90*time.Second), now(rec.Body))
	assert.Equal(t, epoch.Add(90*time.Second), f.clock.Now())

	rec = f.do(t, "POST", "/_claimq/clock", `{"set": "2025-01-02T03:10:05.000000001Z"}`, nil)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	assert.Equal(t, epoch.Add(6*time.Minute+1), now(rec.Body))
	assert.Contains(t, rec.Body.String(), `"2025-01-02T03:10:05.000000001Z"`, "nanoseconds")

	// The claim of the fixture (300 s) has expired: its message is free.
	rec = f.do(t, "GET", "/v2/queues/q/stats", "", nil)
	assert.Contains(t, rec.Body.String(), `"claimed":0,"free":3`)

	for _, body := range []string{``, `{}`, `[]`, `{"advance": "x"}`, `{"advance": "-1s"}`, `{"advance": 90}`,
		`{"set": "yesterday"}`, `{"advance": "1s", "set": "2025-01-02T03:10:05Z"}`, `{"advance": "1s", "x": 1}`,
		`{"set": "9999-12-31T23:59:59Z"}`, `{"set": "1600-01-01T00:00:00Z"}`, `{"advance": "2562047h"}`} {
		rec = f.do(t, "POST", "/_claimq/clock", body, nil)
		assert.Equal(t, http.StatusBadRequest, rec.Code, "body %s: %s", body, rec.Body)
	}

	real := zaqar.NewHandler(zaqar.Options{Clock: claimq.NewFakeClock(epoch)})
	f.h = real
	assert.Equal(t, http.StatusNotFound, f.do(t, "GET", "/_claimq/clock", "", nil).Code, "no fake clock")
	assert.Equal(t, http.StatusNotFound, f.do(t, "POST", "/_claimq/clock", `{"advance": "1s"}`, nil).Code, "no fake clock")
}

func TestQueueMetadataDrivesOptions(t *testing.T) {
	patch := map[string]string{"Content-Type": "application/openstack-messaging-v2.0-json-patch"}
	other := map[string]string{"Client-ID": clientB}

	t.Run("default delay", func(t *testing.T) {
		f := newFixture(t, zaqar.Options{})
		rec := f.do(t, "POST", "/v2/queues/dq/messages", `{"messages":[{"body":"late"},{"body":"now","delay":0}]}`, nil)
		require.Equal(t, http.StatusCreated, rec.Code)
		rec = f.do(t, "GET", "/v2/queues/dq/messages", "", other)
		assert.Contains(t, rec.Body.String(), `"body":"now"`)
		assert.NotContains(t, rec.Body.String(), `"body":"late"`, "delayed, hidden")
		rec = f.do(t, "GET", "/v2/queues/dq/messages?include_delayed=true", "", other)
		assert.Contains(t, rec.Body.String(), `"body":"late"`)
		rec = f.do(t, "POST", "/v2/queues/dq/claims", "", nil)
		require.Equal(t, http.StatusCreated, rec.Code)
		assert.NotContains(t, rec.Body.String(), `"body":"late"`)
		assert.Equal(t, http.StatusNoContent, f.do(t, "POST", "/v2/queues/dq/claims", "", nil).Code)
		f.clock.Advance(30 * time.Second)
		rec = f.do(t, "POST", "/v2/queues/dq/claims", "", nil)
		require.Equal(t, http.StatusCreated, rec.Code)
		assert.Contains(t, rec.Body.String(), `"body":"late"`)

		// Removing the default delay takes effect for later posts.
		rec = f.do(t, "PATCH", "/v2/queues/dq", `[{"op":"remove","path":"/metadata/_default_message_delay"}]`, patch)
		require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
		require.Equal(t, http.StatusCreated, f.do(t, "POST", "/v2/queues/dq/messages", `{"messages":[{"body":"x","delay":600}]}`, nil).Code)
		rec = f.do(t, "POST", "/v2/queues/dq/claims", "", nil)
		require.Equal(t, http.StatusCreated, rec.Code, "delay ignored without a default delay")
	})

	t.Run("post size", func(t *testing.T) {
		f := newFixture(t, zaqar.Options{})
		require.Equal(t, http.StatusCreated, f.do(t, "PUT", "/v2/queues/small", `{"_max_messages_post_size": 64}`, nil).Code)
		body := `{"messages":[{"body":"` + strings.Repeat("x", 40) + `"}]}`
		require.Greater(t, len(body), 64)
		rec := f.do(t, "POST", "/v2/queues/small/messages", body, nil)
		assert.Equal(t, http.StatusBadRequest, rec.Code)
		assert.Contains(t, description(t, rec.Body.Bytes()), "at most 64")
		assert.Equal(t, http.StatusCreated, f.do(t, "POST", "/v2/queues/small/messages", `{"messages":[{"body":1}]}`, nil).Code)
	})

	t.Run("default ttl", func(t *testing.T) {
		f := newFixture(t, zaqar.Options{})
		require.Equal(t, http.StatusOK, f.do(t, "PATCH", "/v2/queues/q", `[{"op":"add","path":"/metadata/_default_message_ttl","value":90}]`, patch).Code)
		rec := f.do(t, "POST", "/v2/queues/q/messages", `{"messages":[{"body":1}]}`, nil)
		require.Equal(t, http.StatusCreated, rec.Code)
		rec = f.do(t, "GET", rec.Header().Get("Location"), "", nil)
		assert.Contains(t, rec.Body.String(), `"ttl":90`)
	})

	t.Run("dead letter queue", func(t *testing.T) {
		f := newFixture(t, zaqar.Options{})
		rec := f.do(t, "PUT", "/v2/queues/src", `{"_max_claim_count": 1, "_dead_letter_queue": "dlq", "_dead_letter_queue_messages_ttl": 120}`, nil)
		require.Equal(t, http.StatusCreated, rec.Code)
		rec = f.do(t, "POST", "/v2/queues/src/messages", `{"messages":[{"body":"poison"}]}`, nil)
		require.Equal(t, http.StatusCreated, rec.Code)
		id := rec.Header().Get("Location")[len("/v2/queues/src/messages?ids="):]
		require.Equal(t, http.StatusCreated, f.do(t, "POST", "/v2/queues/src/claims", `{"ttl":60}`, nil).Code)
		f.clock.Advance(61 * time.Second)
		assert.Equal(t, http.StatusNoContent, f.do(t, "POST", "/v2/queues/src/claims", `{"ttl":60}`, nil).Code, "moved, not claimed")
		rec = f.do(t, "GET", "/v2/queues/dlq/messages?echo=true", "", nil)
		assert.Contains(t, rec.Body.String(), `"id":"`+id+`","href":"/v2/queues/dlq/messages/`+id+`","ttl":120,"age":61,"body":"poison"`,
			"moved with its ID and creation time, as Zaqar moves it")
		rec = f.do(t, "GET", "/v2/queues/dlq/messages/"+id, "", nil)
		assert.Equal(t, http.StatusOK, rec.Code, "read by its ID in the dead-letter queue")
		rec = f.do(t, "GET", "/v2/queues/src/stats", "", nil)
		assert.Contains(t, rec.Body.String(), `"total":0`)
	})
}

func TestLazyCreation(t *testing.T) {
	f := newFixture(t, zaqar.Options{})
	for _, r := range []struct{ method, target, body string }{
		{"GET", "/v2/queues/lazy", ""},
		{"GET", "/v2/queues/lazy/stats", ""},
		{"GET", "/v2/queues/lazy/messages", ""},
		{"POST", "/v2/queues/lazy/claims", ""},
		{"DELETE", "/v2/queues/lazy/messages?pop=1", ""},
		{"POST", "/v2/queues/lazy/purge", ""},
	} {
		f.do(t, r.method, r.target, r.body, nil)
	}
	rec := f.do(t, "GET", "/v2/queues", "", nil)
	assert.NotContains(t, rec.Body.String(), "lazy", "reads do not create queues")
	require.Equal(t, http.StatusCreated, f.do(t, "POST", "/v2/queues/lazy/messages", `{"messages":[{"body":1}]}`, nil).Code)
	rec = f.do(t, "GET", "/v2/queues", "", nil)
	assert.Contains(t, rec.Body.String(), `"name":"lazy"`, "posting creates the queue")
	assert.Equal(t, http.StatusNoContent, f.do(t, "PUT", "/v2/queues/lazy", "", nil).Code, "it exists")
}

func TestMaxMessagesPerQueue(t *testing.T) {
	f := newFixture(t, zaqar.Options{MaxMessagesPerQueue: 3}) // the fixture posts 3 to q
	post := func(n int) *httptest.ResponseRecorder {
		msgs := strings.Repeat(`{"body": 1},`, n)
		return f.do(t, "POST", "/v2/queues/full/messages", `{"messages": [`+msgs[:len(msgs)-1]+`]}`, nil)
	}
	rec := post(4)
	require.Equal(t, http.StatusServiceUnavailable, rec.Code, rec.Body.String())
	assert.Equal(t, "Queue full is full: it holds at most 3 messages.", description(t, rec.Body.Bytes()))
	require.Equal(t, http.StatusCreated, post(3).Code, "nothing of the refused post was kept")
	assert.Equal(t, http.StatusServiceUnavailable, post(1).Code)
	rec = f.do(t, "GET", "/v2/queues/full/stats", "", nil)
	assert.Contains(t, rec.Body.String(), `"total":3`)
}
