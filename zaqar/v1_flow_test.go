package zaqar_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/claimq/claimq/zaqar"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// wireClient sends requests over loopback as a command-line or PHP
// client does, with fixed headers on each.
type wireClient struct {
	t    *testing.T
	base string
	hdr  map[string]string
}

// do sends a request and returns the response with its body read.
func (c wireClient) do(method, path, body string) (*http.Response, []byte) {
	c.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	require.NoError(c.t, err)
	for k, v := range c.hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(c.t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(c.t, err)
	return resp, b
}

// TestRackspaceGettingStarted runs the curl examples of the Rackspace
// Cloud Queues getting-started guide against /v1/, headers and bodies as
// the guide sends them.
func TestRackspaceGettingStarted(t *testing.T) {
	srv, _ := newServer(t, zaqar.Options{AuthToken: "yourAuthToken"})
	curl := wireClient{t: t, base: srv.URL, hdr: map[string]string{
		"X-Auth-Token": "yourAuthToken",
		"Accept":       "application/json",
		"X-Project-Id": "yourProjectId",
	}}
	withClient := wireClient{t: t, base: srv.URL, hdr: map[string]string{
		"Content-type": "application/json",
		"Client-ID":    "e58668fc-26eb-11e3-8270-5b3128d43830",
		"X-Auth-Token": "yourAuthToken",
		"Accept":       "application/json",
		"X-Project-Id": "yourProjectId",
	}}

	resp, body := curl.do("PUT", "/v1/queues/samplequeue", "")
	require.Equal(t, http.StatusCreated, resp.StatusCode, "create queue: %s", body)
	assert.Equal(t, "/v1/queues/samplequeue", resp.Header.Get("Location"))
	assert.Empty(t, body)

	resp, body = withClient.do("POST", "/v1/queues/samplequeue/messages",
		`[{"ttl": 300,"body": {"event": "BackupStarted"}},{"ttl": 60,"body": {"play": "hockey"}}]`)
	require.Equal(t, http.StatusCreated, resp.StatusCode, "post messages: %s", body)
	var posted struct {
		Partial   *bool    `json:"partial"`
		Resources []string `json:"resources"`
	}
	require.NoError(t, json.Unmarshal(body, &posted))
	require.NotNil(t, posted.Partial, "no partial in %s", body)
	assert.False(t, *posted.Partial)
	require.Len(t, posted.Resources, 2)
	ids := make([]string, 2)
	for i, href := range posted.Resources {
		ids[i] = strings.TrimPrefix(href, "/v1/queues/samplequeue/messages/")
	}
	assert.Equal(t, "/v1/queues/samplequeue/messages?ids="+ids[0]+","+ids[1], resp.Header.Get("Location"))

	resp, body = withClient.do("POST", "/v1/queues/samplequeue/claims", `{"ttl": 300,"grace":300}`)
	require.Equal(t, http.StatusCreated, resp.StatusCode, "claim: %s", body)
	claimID, ok := strings.CutPrefix(resp.Header.Get("Location"), "/v1/queues/samplequeue/claims/")
	require.True(t, ok, "claim Location %q", resp.Header.Get("Location"))
	var claimed []struct {
		Href string          `json:"href"`
		TTL  int             `json:"ttl"`
		Age  int             `json:"age"`
		Body json.RawMessage `json:"body"`
	}
	require.NoError(t, json.Unmarshal(body, &claimed), "a bare array: %s", body)
	require.Len(t, claimed, 2)
	for i, m := range claimed {
		assert.Equal(t, "/v1/queues/samplequeue/messages/"+ids[i]+"?claim_id="+claimID, m.Href)
	}
	assert.Equal(t, 300, claimed[0].TTL, "ttl 300 is not below the claim's")
	assert.Equal(t, 600, claimed[1].TTL, "ttl 60 extended to claim ttl + grace")
	assert.JSONEq(t, `{"event": "BackupStarted"}`, string(claimed[0].Body))

	resp, body = withClient.do("DELETE", "/v1/queues/samplequeue/messages/"+ids[0]+"?claim_id="+claimID, "")
	require.Equal(t, http.StatusNoContent, resp.StatusCode, "delete message: %s", body)
	assert.Empty(t, body)

	resp, body = withClient.do("DELETE", "/v1/queues/samplequeue/claims/"+claimID, "")
	require.Equal(t, http.StatusNoContent, resp.StatusCode, "release claim: %s", body)

	resp, _ = withClient.do("GET", "/v1/queues/samplequeue/stats", "")
	require.Equal(t, http.StatusOK, resp.StatusCode)

	resp, body = curl.do("DELETE", "/v1/queues/samplequeue", "")
	require.Equal(t, http.StatusNoContent, resp.StatusCode, "delete queue: %s", body)
	resp, _ = curl.do("HEAD", "/v1/queues/samplequeue", "")
	assert.Equal(t, http.StatusNotFound, resp.StatusCode, "the queue is gone")
}

// phpMessageID is how php-opencloud reads a message ID from its href.
var phpMessageID = regexp.MustCompile(`.+/(\w+)`)

// TestPHPOpenCloud follows what php-opencloud's Queues service sends:
// Client-ID everywhere, HEAD for existence, PUT without a body, a bare
// array of messages followed by its Location, claims of ttl and grace
// 43200 with limit 10, deletes with a possibly blank claim_id, claim
// updates and lists paged until 204.
func TestPHPOpenCloud(t *testing.T) {
	srv, _ := newServer(t, zaqar.Options{})
	php := wireClient{t: t, base: srv.URL, hdr: map[string]string{
		"Client-ID":    clientA,
		"Content-Type": "application/json",
		"Accept":       "application/json",
	}}

	resp, body := php.do("HEAD", "/v1/queues/jobs", "")
	require.Equal(t, http.StatusNotFound, resp.StatusCode, "hasQueue of a missing queue")
	assert.Empty(t, body)
	resp, _ = php.do("PUT", "/v1/queues/jobs", "")
	require.Equal(t, http.StatusCreated, resp.StatusCode)
	resp, _ = php.do("HEAD", "/v1/queues/jobs", "")
	require.Equal(t, http.StatusNoContent, resp.StatusCode, "hasQueue of an existing queue")

	resp, body = php.do("PUT", "/v1/queues/jobs/metadata", `{"owner": "php"}`)
	require.Equal(t, http.StatusNoContent, resp.StatusCode, "%s", body)
	resp, body = php.do("GET", "/v1/queues/jobs/metadata", "")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.JSONEq(t, `{"owner": "php"}`, string(body))

	msgs := make([]string, 12)
	for i := range msgs {
		msgs[i] = fmt.Sprintf(`{"ttl": 3600, "body": {"n": %d}}`, i)
	}
	resp, body = php.do("POST", "/v1/queues/jobs/messages", "["+strings.Join(msgs, ",")+"]")
	require.Equal(t, http.StatusCreated, resp.StatusCode, "%s", body)
	resp, body = php.do("GET", resp.Header.Get("Location"), "")
	require.Equal(t, http.StatusOK, resp.StatusCode, "following Location")
	var got []map[string]any
	require.NoError(t, json.Unmarshal(body, &got))
	require.Len(t, got, 12)
	ids := make([]string, len(got))
	for i, m := range got {
		assert.NotContains(t, m, "id", "v1.0 messages carry no id")
		match := phpMessageID.FindStringSubmatch(m["href"].(string))
		require.Len(t, match, 2, "href %q", m["href"])
		ids[i] = match[1]
	}

	// Lists page on links[rel=next] until 204, echo as the string "true".
	seen, next := 0, "/v1/queues/jobs/messages?echo=true&include_claimed=false&limit=5"
	for pages := 0; ; pages++ {
		require.Less(t, pages, 5, "the listing does not end")
		resp, body = php.do("GET", next, "")
		if resp.StatusCode == http.StatusNoContent {
			break
		}
		require.Equal(t, http.StatusOK, resp.StatusCode, "%s", body)
		var page struct {
			Messages []map[string]any
			Links    []struct{ Rel, Href string }
		}
		require.NoError(t, json.Unmarshal(body, &page))
		seen += len(page.Messages)
		require.Len(t, page.Links, 1)
		assert.Equal(t, "next", page.Links[0].Rel)
		next = page.Links[0].Href
	}
	assert.Equal(t, 12, seen)

	resp, body = php.do("POST", "/v1/queues/jobs/claims?limit=10", `{"grace":43200,"ttl":43200}`)
	require.Equal(t, http.StatusCreated, resp.StatusCode, "%s", body)
	var claimed []map[string]any
	require.NoError(t, json.Unmarshal(body, &claimed), "a bare array: %s", body)
	require.Len(t, claimed, 10)
	href := claimed[0]["href"].(string)
	_, claimID := splitHref(t, href)
	assert.Equal(t, ids[0], phpMessageID.FindStringSubmatch(href)[1], "the ID parsed from a claimed href")
	assert.EqualValues(t, 86400, claimed[0]["ttl"], "lifetime extended to ttl + grace")

	resp, body = php.do("PATCH", "/v1/queues/jobs/claims/"+claimID, `{"grace":60,"ttl":120}`)
	require.Equal(t, http.StatusNoContent, resp.StatusCode, "Claim::update: %s", body)
	resp, body = php.do("GET", "/v1/queues/jobs/claims/"+claimID, "")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, string(body), `"ttl":120,`)

	// Message::delete sends claim_id even when it has none: blank means
	// absent, so a claimed message is refused and a free one deleted.
	resp, body = php.do("DELETE", "/v1/queues/jobs/messages/"+ids[0]+"?claim_id=", "")
	assert.Equal(t, http.StatusForbidden, resp.StatusCode, "%s", body)
	resp, _ = php.do("DELETE", "/v1/queues/jobs/messages/"+ids[11]+"?claim_id=", "")
	assert.Equal(t, http.StatusNoContent, resp.StatusCode)
	resp, _ = php.do("DELETE", "/v1/queues/jobs/messages/"+ids[0]+"?claim_id="+claimID, "")
	assert.Equal(t, http.StatusNoContent, resp.StatusCode)

	resp, _ = php.do("POST", "/v1/queues/jobs/claims?limit=10", `{"grace":43200,"ttl":43200}`)
	assert.Equal(t, http.StatusCreated, resp.StatusCode, "one message left unclaimed")
	resp, _ = php.do("POST", "/v1/queues/jobs/claims?limit=10", `{"grace":43200,"ttl":43200}`)
	assert.Equal(t, http.StatusNoContent, resp.StatusCode, "claimMessages answers false")
}

// TestAcrossVersions posts a message on v1.0, reads and claims it
// through v1.1 and v2, and deletes it through v1.0 with the v2 claim.
func TestAcrossVersions(t *testing.T) {
	f := newFixture(t, zaqar.Options{})
	req := func(method, target, body string) (int, string) {
		rec := f.send(method, target, body, nil)
		return rec.Code, rec.Body.String()
	}
	code, body := req("PUT", "/v1/queues/shared", "")
	require.Equal(t, http.StatusCreated, code, body)
	code, body = req("POST", "/v1/queues/shared/messages", `[{"ttl": 120, "body": {"x": 1}}]`)
	require.Equal(t, http.StatusCreated, code, body)
	var posted struct{ Resources []string }
	require.NoError(t, json.Unmarshal([]byte(body), &posted))
	require.Len(t, posted.Resources, 1)
	ref, err := zaqar.ParseHref(posted.Resources[0])
	require.NoError(t, err)
	require.Equal(t, zaqar.Href{Version: "v1", Queue: "shared", Message: ref.Message}, ref)
	id := ref.Message

	for _, v := range []string{"v1.1", "v2"} {
		code, body = req("GET", "/"+v+"/queues/shared/messages/"+id, "")
		require.Equal(t, http.StatusOK, code, body)
		assert.JSONEq(t, `{"id":"`+id+`","href":"/`+v+`/queues/shared/messages/`+id+`","ttl":120,"age":0,"body":{"x":1}}`, body, v)
	}
	code, body = req("GET", "/v2/queues/shared/messages?ids="+id, "")
	require.Equal(t, http.StatusOK, code, body)

	code, body = req("POST", "/v1.1/queues/shared/claims", `{"ttl": 60}`)
	require.Equal(t, http.StatusCreated, code, body)
	var c11 struct{ Messages []struct{ ID, Href string } }
	require.NoError(t, json.Unmarshal([]byte(body), &c11))
	require.Len(t, c11.Messages, 1)
	assert.Equal(t, id, c11.Messages[0].ID)
	_, claim11 := splitHref(t, c11.Messages[0].Href)
	code, body = req("GET", "/v2/queues/shared/claims/"+claim11, "")
	assert.Equal(t, http.StatusOK, code, "a v1.1 claim is a v2 claim: %s", body)
	code, body = req("GET", "/v1/queues/shared/messages/"+id, "")
	require.Equal(t, http.StatusOK, code)
	assert.JSONEq(t, `{"href":"/v1/queues/shared/messages/`+id+`","ttl":120,"age":0,"body":{"x":1}}`, body, "v1.0 shows no claim outside claims")

	code, _ = req("POST", "/v2/queues/shared/claims", "")
	assert.Equal(t, http.StatusNoContent, code, "v1.1's claim holds the message for v2 too")
	code, _ = req("DELETE", "/v1.1/queues/shared/claims/"+claim11, "")
	require.Equal(t, http.StatusNoContent, code)

	code, body = req("POST", "/v2/queues/shared/claims", `{"ttl": 60, "grace": 60}`)
	require.Equal(t, http.StatusCreated, code, body)
	var c2 struct{ Messages []struct{ Href string } }
	require.NoError(t, json.Unmarshal([]byte(body), &c2))
	require.Len(t, c2.Messages, 1)
	_, claim2 := splitHref(t, c2.Messages[0].Href)

	code, _ = req("DELETE", "/v1/queues/shared/messages/"+id, "")
	assert.Equal(t, http.StatusForbidden, code, "held by the v2 claim")
	code, body = req("DELETE", "/v1/queues/shared/messages/"+id+"?claim_id="+claim2, "")
	require.Equal(t, http.StatusNoContent, code, body)
	for _, target := range []string{"/v1/queues/shared/messages/", "/v1.1/queues/shared/messages/", "/v2/queues/shared/messages/"} {
		code, _ = req("GET", target+id, "")
		assert.Equal(t, http.StatusNotFound, code, target)
	}
	code, body = req("GET", "/v1/queues/shared/stats", "")
	require.Equal(t, http.StatusOK, code)
	assert.JSONEq(t, `{"messages":{"claimed":0,"free":0,"total":0}}`, body)
}

// TestV1ExpiredClaim checks the late worker's answer on v1.0 and v1.1: a
// delete with a claim that expired is refused with 400, whether the
// message is free or already claimed again.
func TestV1ExpiredClaim(t *testing.T) {
	for _, v := range []string{"v1", "v1.1"} {
		t.Run(v, func(t *testing.T) {
			f := newFixture(t, zaqar.Options{})
			f.clock.Advance(301 * time.Second) // the fixture's claim {cid} expires
			target := "/" + v + "/queues/q/messages/{m0}?claim_id={cid}"
			rec := f.send("DELETE", target, "", nil)
			require.Equal(t, http.StatusBadRequest, rec.Code, rec.Body.String())
			assert.JSONEq(t, `{"title":"Unable to delete","description":"The specified claim does not exist or has expired."}`, rec.Body.String())

			rec = f.send("POST", "/"+v+"/queues/q/claims?limit=1", `{"ttl": 60, "grace": 60}`, nil)
			require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
			rec = f.send("DELETE", target, "", nil)
			require.Equal(t, http.StatusBadRequest, rec.Code, "claimed again by another: %s", rec.Body)
			assert.JSONEq(t, `{"title":"Unable to delete","description":"The specified claim does not exist or has expired."}`, rec.Body.String())
		})
	}
}

// TestV1Headers checks the project rules: RequireProject binds v1.1 and
// v2 but not v1.0, which Zaqar never asked for a project; there an absent
// X-Project-Id means DefaultProject.
func TestV1Headers(t *testing.T) {
	f := &fixture{h: zaqar.NewHandler(zaqar.Options{RequireProject: true, DefaultProject: "p"})}
	noProject := map[string]string{"X-Project-Id": ""}
	rec := f.send("PUT", "/v1/queues/q", "", noProject)
	require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
	rec = f.send("POST", "/v1/queues/q/messages", `[{"ttl": 60, "body": 1}]`, noProject)
	require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
	for _, tt := range []struct {
		target string
		hdr    map[string]string
		status int
		want   string
	}{
		{"/v1/queues/q/stats", noProject, http.StatusOK, `"total":1`},
		{"/v1/queues/q/stats", map[string]string{"X-Project-Id": "p"}, http.StatusOK, `"total":1`},
		{"/v1.1/queues/q/stats", map[string]string{"X-Project-Id": "p"}, http.StatusOK, `"total":1`},
		{"/v2/queues/q/stats", map[string]string{"X-Project-Id": "p"}, http.StatusOK, `"total":1`},
		{"/v1.1/queues/q/stats", noProject, http.StatusBadRequest, "X-Project-Id header is required"},
		{"/v2/queues/q/stats", noProject, http.StatusBadRequest, "X-Project-Id header is required"},
		{"/v1/queues/q/stats", map[string]string{"X-Project-Id": "other"}, http.StatusNotFound, "Queue q does not exist"},
	} {
		rec := f.send("GET", tt.target, "", tt.hdr)
		assert.Equal(t, tt.status, rec.Code, "%s %v: %s", tt.target, tt.hdr, rec.Body)
		assert.Contains(t, rec.Body.String(), tt.want, "%s %v", tt.target, tt.hdr)
	}
}

// TestV11IgnoresQueueDefaults checks that v1.1 posts take the configured
// TTL and no delay even in a queue whose reserved metadata says
// otherwise, while v2 honours it.
func TestV11IgnoresQueueDefaults(t *testing.T) {
	f := newFixture(t, zaqar.Options{})
	rec := f.send("PUT", "/v1.1/queues/d", `{"_default_message_ttl": 120, "_default_message_delay": 60}`, nil)
	require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
	rec = f.send("POST", "/v1.1/queues/d/messages", `{"messages": [{"body": 1}]}`, nil)
	require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
	rec = f.send("POST", "/v1.1/queues/d/claims", `{"ttl": 60, "grace": 60}`, nil)
	require.Equal(t, http.StatusCreated, rec.Code, "v1.1's message is not delayed: %s", rec.Body)
	assert.Contains(t, rec.Body.String(), `"ttl":3600,`)

	rec = f.send("POST", "/v2/queues/d/messages", `{"messages": [{"body": 2}]}`, nil)
	require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
	rec = f.send("POST", "/v2/queues/d/claims", `{"ttl": 60, "grace": 60}`, nil)
	assert.Equal(t, http.StatusNoContent, rec.Code, "v2's message is delayed by the queue's default")
}
