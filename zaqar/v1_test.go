package zaqar_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/claimq/claimq/zaqar"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// v1Case is one request of spec/zaqar-v1.md sections 2 and 3 against the
// fixture (whose queue q was filled and claimed through v2) and its
// complete answer.
type v1Case struct {
	name   string
	method string
	target string
	body   string
	hdr    map[string]string // request headers, as fixture.do takes them
	status int
	// want is the whole JSON body, placeholders expanded; empty means no
	// body at all unless title is set.
	want string
	// title and desc are an error's title, exactly, and a substring of
	// its description.
	title, desc string
	// headers are response headers that must have these values; an
	// empty value means the header must be absent.
	headers map[string]string
	// check, if set, checks what want cannot (generated IDs) and may
	// send further requests.
	check func(t *testing.T, f *fixture, rec *httptest.ResponseRecorder)
}

const (
	tBadBody    = "Invalid request body"
	tBadRequest = "Invalid API request"
	tNotFound   = "Not found"
	tUnable     = "Unable to delete"
	tUUID       = "Wrong UUID value"
)

// noClient removes the fixture's Client-ID header.
var noClient = map[string]string{"Client-ID": ""}

// Bodies of the fixture's messages as v1.0 shows them.
const (
	v10m0 = `{"href":"/v1/queues/q/messages/{m0}","ttl":3600,"age":0,"body":{"n":0}}`
	v10m1 = `{"href":"/v1/queues/q/messages/{m1}","ttl":3600,"age":0,"body":{"n":1}}`
	v10m2 = `{"href":"/v1/queues/q/messages/{m2}","ttl":3600,"age":0,"body":{"n":2}}`

	v11m0 = `{"id":"{m0}","href":"/v1.1/queues/q/messages/{m0}?claim_id={cid}","ttl":3600,"age":0,"body":{"n":0}}`
	v11m1 = `{"id":"{m1}","href":"/v1.1/queues/q/messages/{m1}","ttl":3600,"age":0,"body":{"n":1}}`
	v11m2 = `{"id":"{m2}","href":"/v1.1/queues/q/messages/{m2}","ttl":3600,"age":0,"body":{"n":2}}`
)

var v10Cases = []v1Case{
	// Headers (section 1.2 and 2): Client-ID optional but checked,
	// X-Project-Id optional.
	{name: "health", method: "GET", target: "/v1/health", status: 204},
	{name: "health HEAD", method: "HEAD", target: "/v1/health", status: 204},
	{name: "health without Client-ID", method: "GET", target: "/v1/health", hdr: noClient, status: 204},
	{name: "health bad Client-ID", method: "GET", target: "/v1/health", hdr: map[string]string{"Client-ID": "textid"}, status: 400, title: tUUID, desc: "textid"},
	{name: "empty Client-ID", method: "GET", target: "/v1/queues", hdr: map[string]string{"Client-ID": "<empty>"}, status: 400, title: tUUID, desc: "UUID"},
	{name: "31-digit Client-ID", method: "PUT", target: "/v1/queues/new", hdr: map[string]string{"Client-ID": "550893e0-2b6e-11e3-835a-5cf9dd72369"}, status: 400, title: tUUID, desc: "UUID"},
	{name: "PUT without Client-ID", method: "PUT", target: "/v1/queues/new", hdr: noClient, status: 201, headers: map[string]string{"Location": "/v1/queues/new"}},
	{name: "empty project", method: "GET", target: "/v1/queues", hdr: map[string]string{"X-Project-Id": "<empty>"}, status: 400, title: tBadRequest, desc: "X-Project-Id"},
	{name: "project 257 bytes", method: "GET", target: "/v1/queues/q", hdr: map[string]string{"X-Project-Id": strings.Repeat("p", 257)}, status: 400, title: "Invalid queue identification", desc: "256"},
	{name: "bad queue name", method: "GET", target: "/v1/queues/a@b/stats", status: 400, title: "Invalid queue identification", desc: "Queue names"},
	{name: "65-character name", method: "PUT", target: "/v1/queues/" + strings.Repeat("a", 65), status: 400, title: "Invalid queue identification", desc: "64"},
	{name: "Accept not JSON", method: "GET", target: "/v1/queues", hdr: map[string]string{"Accept": "text/html"}, status: 406, title: "Media type not acceptable", desc: "JSON"},
	{name: "form body", method: "PUT", target: "/v1/queues/q/metadata", body: "a=b", hdr: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, status: 400, title: tBadRequest, desc: "Form"},
	{name: "no v1.1 ping in v1.0", method: "GET", target: "/v1/ping", status: 404, title: tNotFound, desc: "/v1/ping"},
	{name: "no pop route", method: "POST", target: "/v1/queues/q/purge", status: 404, title: tNotFound, desc: "purge"},
	{name: "wrong method", method: "POST", target: "/v1/queues/q/stats", status: 405, title: "Method not allowed", desc: "allowed: GET.", headers: map[string]string{"Allow": "GET"}},
	{name: "queue PATCH", method: "PATCH", target: "/v1/queues/q", body: "[]", status: 405, title: "Method not allowed", desc: "DELETE, GET, HEAD, PUT"},

	// Queues (2.2 to 2.8).
	{name: "list queues", method: "GET", target: "/v1/queues", status: 200,
		want:    `{"queues":[{"name":"dq","href":"/v1/queues/dq"},{"name":"q","href":"/v1/queues/q"}],"links":[{"rel":"next","href":"/v1/queues?marker=q"}]}`,
		headers: map[string]string{"Content-Location": "/v1/queues"}},
	{name: "list queues page", method: "GET", target: "/v1/queues?limit=1", status: 200,
		want:    `{"queues":[{"name":"dq","href":"/v1/queues/dq"}],"links":[{"rel":"next","href":"/v1/queues?limit=1&marker=dq"}]}`,
		headers: map[string]string{"Content-Location": "/v1/queues?limit=1"}},
	{name: "list queues detailed", method: "GET", target: "/v1/queues?detailed=true", status: 200,
		want: `{"queues":[{"name":"dq","href":"/v1/queues/dq","metadata":{"_default_message_delay":30}},{"name":"q","href":"/v1/queues/q","metadata":{}}],"links":[{"rel":"next","href":"/v1/queues?detailed=true&marker=q"}]}`},
	{name: "list queues tail", method: "GET", target: "/v1/queues?marker=q", status: 204, headers: map[string]string{"Content-Location": ""}},
	{name: "list queues bogus marker", method: "GET", target: "/v1/queues?marker=zzz", status: 204},
	{name: "list queues empty project", method: "GET", target: "/v1/queues", hdr: map[string]string{"X-Project-Id": "other"}, status: 204},
	{name: "list queues limit 21", method: "GET", target: "/v1/queues?limit=21", status: 400, title: tBadRequest, desc: "from 1 to 20"},
	{name: "list queues limit 0", method: "GET", target: "/v1/queues?limit=0", status: 400, title: tBadRequest, desc: "from 1 to 20"},
	{name: "list queues limit x", method: "GET", target: "/v1/queues?limit=x", status: 400, title: tBadRequest, desc: "integer"},
	{name: "list queues detailed maybe", method: "GET", target: "/v1/queues?detailed=maybe", status: 400, title: tBadRequest, desc: "boolean"},
	{name: "create queue", method: "PUT", target: "/v1/queues/new", status: 201, headers: map[string]string{"Location": "/v1/queues/new"}},
	{name: "create existing queue", method: "PUT", target: "/v1/queues/q", status: 204, headers: map[string]string{"Location": "/v1/queues/q"}},
	{name: "create ignores the body", method: "PUT", target: "/v1/queues/new", body: `{"queue_name": "new", "metadata": {"a": 1}}`, status: 201,
		check: func(t *testing.T, f *fixture, _ *httptest.ResponseRecorder) {
			rec := f.send("GET", "/v1/queues/new/metadata", "", nil)
			assert.JSONEq(t, `{}`, rec.Body.String())
		}},
	{name: "create ignores a malformed body", method: "PUT", target: "/v1/queues/new", body: `{`, status: 201},
	{name: "queue exists", method: "GET", target: "/v1/queues/q", status: 204, headers: map[string]string{"Content-Location": "/v1/queues/q"}},
	{name: "queue exists HEAD", method: "HEAD", target: "/v1/queues/q", status: 204, headers: map[string]string{"Content-Location": "/v1/queues/q"}},
	{name: "queue missing", method: "GET", target: "/v1/queues/nope", status: 404, headers: map[string]string{"Content-Location": "/v1/queues/nope"}},
	{name: "queue missing HEAD", method: "HEAD", target: "/v1/queues/nope", status: 404},
	{name: "queue of another project", method: "HEAD", target: "/v1/queues/q", hdr: map[string]string{"X-Project-Id": "other"}, status: 404},
	{name: "delete queue", method: "DELETE", target: "/v1/queues/q", status: 204,
		check: func(t *testing.T, f *fixture, _ *httptest.ResponseRecorder) {
			assert.Equal(t, http.StatusNotFound, f.send("HEAD", "/v1/queues/q", "", nil).Code)
		}},
	{name: "delete missing queue", method: "DELETE", target: "/v1/queues/nope", status: 204},
	{name: "stats", method: "GET", target: "/v1/queues/q/stats", status: 200,
		want:    `{"messages":{"claimed":1,"free":2,"total":3,"oldest":{"href":"/v1/queues/q/messages/{m0}","age":0,"created":"2025-01-02T03:04:05Z"},"newest":{"href":"/v1/queues/q/messages/{m2}","age":0,"created":"2025-01-02T03:04:05Z"}}}`,
		headers: map[string]string{"Content-Location": "/v1/queues/q/stats"}},
	{name: "stats empty queue", method: "GET", target: "/v1/queues/dq/stats", status: 200, want: `{"messages":{"claimed":0,"free":0,"total":0}}`},
	{name: "stats missing queue", method: "GET", target: "/v1/queues/nope/stats", status: 404, title: tNotFound, desc: "Queue nope does not exist"},
	{name: "get metadata", method: "GET", target: "/v1/queues/dq/metadata", status: 200, want: `{"_default_message_delay":30}`,
		headers: map[string]string{"Content-Location": "/v1/queues/dq/metadata"}},
	{name: "get metadata never set", method: "GET", target: "/v1/queues/q/metadata", status: 200, want: `{}`},
	{name: "get metadata missing queue", method: "GET", target: "/v1/queues/nope/metadata", status: 404, title: tNotFound, desc: "nope"},
	{name: "set metadata", method: "PUT", target: "/v1/queues/q/metadata", body: `{"messages": {"ttl": 600}}`, status: 204,
		headers: map[string]string{"Location": "/v1/queues/q/metadata"},
		check: func(t *testing.T, f *fixture, _ *httptest.ResponseRecorder) {
			assert.JSONEq(t, `{"messages":{"ttl":600}}`, f.send("GET", "/v1/queues/q/metadata", "", nil).Body.String())
		}},
	{name: "set metadata replaces it", method: "PUT", target: "/v1/queues/dq/metadata", body: `{"a": 1}`, status: 204,
		check: func(t *testing.T, f *fixture, _ *httptest.ResponseRecorder) {
			assert.JSONEq(t, `{"a":1}`, f.send("GET", "/v1/queues/dq/metadata", "", nil).Body.String())
		}},
	{name: "set metadata missing queue", method: "PUT", target: "/v1/queues/nope/metadata", body: `{}`, status: 404, title: tNotFound, desc: "nope"},
	{name: "set metadata no body", method: "PUT", target: "/v1/queues/q/metadata", status: 400, title: tBadBody, desc: "can not be empty"},
	{name: "set metadata {", method: "PUT", target: "/v1/queues/q/metadata", body: `{`, status: 400, title: tBadBody, desc: "Malformed JSON"},
	{name: "set metadata []", method: "PUT", target: "/v1/queues/q/metadata", body: `[]`, status: 400, title: tBadBody, desc: "Document type not supported"},
	{name: "set metadata .", method: "PUT", target: "/v1/queues/q/metadata", body: `.`, status: 400, title: tBadBody, desc: "Malformed JSON"},
	{name: "set metadata blank", method: "PUT", target: "/v1/queues/q/metadata", body: `  `, status: 400, title: tBadBody, desc: "Malformed JSON"},
	{name: "set metadata too large", method: "PUT", target: "/v1/queues/q/metadata", body: `{"d":"` + strings.Repeat("x", 64<<10) + `"}`, status: 400, title: tBadBody, desc: "too large"},
	{name: "set metadata reserved", method: "PUT", target: "/v1/queues/q/metadata", body: `{"_default_message_ttl": 60}`, status: 400, title: tBadRequest, desc: `Reserved queue attributes in metadata (which names start with "_") can not be set in API v1`},

	// Messages (2.9 to 2.14).
	{name: "post", method: "POST", target: "/v1/queues/q/messages", body: `[{"ttl": 300, "body": {"event": "BackupStarted"}}, {"ttl": 60, "body": {"play": "hockey"}}]`, status: 201,
		check: func(t *testing.T, f *fixture, rec *httptest.ResponseRecorder) {
			var out struct {
				Resources []string `json:"resources"`
				Partial   *bool    `json:"partial"`
			}
			require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &out))
			require.Len(t, out.Resources, 2)
			require.NotNil(t, out.Partial, "partial is missing")
			assert.False(t, *out.Partial)
			ids := make([]string, 2)
			for i, href := range out.Resources {
				id, ok := strings.CutPrefix(href, "/v1/queues/q/messages/")
				require.True(t, ok, "resource %q", href)
				ids[i] = id
			}
			assert.Equal(t, "/v1/queues/q/messages?ids="+ids[0]+","+ids[1], rec.Header().Get("Location"))
			got := f.send("GET", "/v1/queues/q/messages/"+ids[0], "", nil)
			assert.JSONEq(t, `{"href":"/v1/queues/q/messages/`+ids[0]+`","ttl":300,"age":0,"body":{"event":"BackupStarted"}}`, got.Body.String())
		}},
	{name: "post without Client-ID", method: "POST", target: "/v1/queues/q/messages", body: `[{"ttl": 60, "body": 1}]`, hdr: noClient, status: 400, title: tBadRequest, desc: "Client-ID"},
	{name: "post bad Client-ID", method: "POST", target: "/v1/queues/q/messages", body: `[{"ttl": 60, "body": 1}]`, hdr: map[string]string{"Client-ID": "0xdeadbeef"}, status: 400, title: tUUID, desc: "0xdeadbeef"},
	{name: "post missing queue", method: "POST", target: "/v1/queues/nope/messages", body: `[{"ttl": 60, "body": 1}]`, status: 404, title: tNotFound, desc: "Queue nope does not exist",
		check: func(t *testing.T, f *fixture, _ *httptest.ResponseRecorder) {
			assert.Equal(t, http.StatusNotFound, f.send("HEAD", "/v1/queues/nope", "", nil).Code, "the post created the queue")
		}},
	{name: "post envelope", method: "POST", target: "/v1/queues/q/messages", body: `{"messages": [{"ttl": 60, "body": 1}]}`, status: 400, title: tBadBody, desc: "Document type not supported"},
	{name: "post no body", method: "POST", target: "/v1/queues/q/messages", status: 400, title: tBadBody, desc: "Malformed JSON"},
	{name: "post [", method: "POST", target: "/v1/queues/q/messages", body: `[`, status: 400, title: tBadBody, desc: "Malformed JSON"},
	{name: "post .", method: "POST", target: "/v1/queues/q/messages", body: `.`, status: 400, title: tBadBody, desc: "Malformed JSON"},
	{name: "post []", method: "POST", target: "/v1/queues/q/messages", body: `[]`, status: 400, title: tBadBody, desc: "No messages to enqueue"},
	{name: "post {}", method: "POST", target: "/v1/queues/q/messages", body: `{}`, status: 400, title: tBadBody, desc: "Document type not supported"},
	{name: "post [1]", method: "POST", target: "/v1/queues/q/messages", body: `[1]`, status: 400, title: tBadBody, desc: "JSON object"},
	{name: "post without ttl", method: "POST", target: "/v1/queues/q/messages", body: `[{"body": 1}]`, status: 400, title: tBadBody, desc: `Missing "ttl" field.`},
	{name: "post without body", method: "POST", target: "/v1/queues/q/messages", body: `[{"ttl": 60}]`, status: 400, title: tBadBody, desc: `Missing "body" field.`},
	{name: "post null body", method: "POST", target: "/v1/queues/q/messages", body: `[{"ttl": 60, "body": null}]`, status: 201,
		check: func(t *testing.T, f *fixture, rec *httptest.ResponseRecorder) {
			var out struct{ Resources []string }
			require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &out))
			require.Len(t, out.Resources, 1)
			assert.JSONEq(t, `{"href":"`+out.Resources[0]+`","ttl":60,"age":0,"body":null}`, f.send("GET", out.Resources[0], "", nil).Body.String())
		}},
	{name: "post ttl -1", method: "POST", target: "/v1/queues/q/messages", body: `[{"ttl": -1, "body": 1}]`, status: 400, title: tBadBody, desc: `"ttl" is -1; it must be from 60 to 1209600 seconds`},
	{name: "post ttl 59", method: "POST", target: "/v1/queues/q/messages", body: `[{"ttl": 59, "body": 1}]`, status: 400, title: tBadBody, desc: `"ttl" is 59`},
	{name: "post ttl 1209601", method: "POST", target: "/v1/queues/q/messages", body: `[{"ttl": 1209601, "body": 1}]`, status: 400, title: tBadBody, desc: `"ttl" is 1209601`},
	{name: "post ttl float", method: "POST", target: "/v1/queues/q/messages", body: `[{"ttl": 60.5, "body": 1}]`, status: 400, title: tBadBody, desc: `"ttl" must be an integer`},
	{name: "post oversize", method: "POST", target: "/v1/queues/q/messages", body: `[{"ttl": 60, "body": "` + strings.Repeat("x", 256<<10) + `"}]`, status: 400, title: tBadBody, desc: "too large"},
	{name: "post delay ignored", method: "POST", target: "/v1/queues/dq/messages", body: `[{"ttl": 60, "body": 1, "delay": 30}]`, status: 201,
		check: func(t *testing.T, f *fixture, _ *httptest.ResponseRecorder) {
			assert.Equal(t, http.StatusCreated, f.send("POST", "/v1/queues/dq/claims", `{"ttl": 60, "grace": 60}`, nil).Code,
				"v1.0 knows no delays: the message is claimable at once, even in a queue with a default delay")
		}},
	{name: "list", method: "GET", target: "/v1/queues/q/messages", hdr: map[string]string{"Client-ID": clientB}, status: 200,
		want:    `{"messages":[` + v10m1 + `,` + v10m2 + `],"links":[{"rel":"next","href":"/v1/queues/q/messages?marker={m2}"}]}`,
		headers: map[string]string{"Content-Location": "/v1/queues/q/messages"}},
	{name: "list page", method: "GET", target: "/v1/queues/q/messages?echo=true&limit=1", status: 200,
		want:    `{"messages":[` + v10m1 + `],"links":[{"rel":"next","href":"/v1/queues/q/messages?echo=true&limit=1&marker={m1}"}]}`,
		headers: map[string]string{"Content-Location": "/v1/queues/q/messages?echo=true&limit=1"}},
	{name: "list next page", method: "GET", target: "/v1/queues/q/messages?echo=true&limit=1&marker={m1}", status: 200,
		want: `{"messages":[` + v10m2 + `],"links":[{"rel":"next","href":"/v1/queues/q/messages?echo=true&limit=1&marker={m2}"}]}`},
	{name: "list tail", method: "GET", target: "/v1/queues/q/messages?echo=true&marker={m2}", status: 204,
		headers: map[string]string{"Content-Location": "/v1/queues/q/messages?echo=true&marker={m2}"}},
	{name: "list include_claimed", method: "GET", target: "/v1/queues/q/messages?echo=true&include_claimed=true", status: 200,
		want: `{"messages":[` + v10m0 + `,` + v10m1 + `,` + v10m2 + `],"links":[{"rel":"next","href":"/v1/queues/q/messages?echo=true&include_claimed=true&marker={m2}"}]}`},
	{name: "list own messages", method: "GET", target: "/v1/queues/q/messages", status: 204},
	{name: "list without Client-ID", method: "GET", target: "/v1/queues/q/messages", hdr: noClient, status: 400, title: tBadRequest, desc: "Client-ID",
		headers: map[string]string{"Content-Location": "/v1/queues/q/messages"}},
	{name: "list missing queue", method: "GET", target: "/v1/queues/nope/messages", status: 404, title: tNotFound, desc: "nope does not exist",
		headers: map[string]string{"Content-Location": "/v1/queues/nope/messages"}},
	{name: "list bad marker", method: "GET", target: "/v1/queues/q/messages?echo=true&marker=zzz", status: 204},
	{name: "list limit 21", method: "GET", target: "/v1/queues/q/messages?limit=21", status: 400, title: tBadRequest, desc: `"limit" parameter is 21; it must be from 1 to 20`},
	{name: "list limit 0", method: "GET", target: "/v1/queues/q/messages?limit=0", status: 400, title: tBadRequest, desc: "from 1 to 20"},
	{name: "list limit huge", method: "GET", target: "/v1/queues/q/messages?limit=10000000000000000000", status: 400, title: tBadRequest, desc: "integer"},
	{name: "list echo maybe", method: "GET", target: "/v1/queues/q/messages?echo=maybe", status: 400, title: tBadRequest, desc: "boolean"},
	{name: "get by ids", method: "GET", target: "/v1/queues/q/messages?ids={m2},{m1}", hdr: noClient, status: 200, want: `[` + v10m2 + `,` + v10m1 + `]`,
		headers: map[string]string{"Content-Location": "/v1/queues/q/messages?ids={m2},{m1}"}},
	{name: "get by ids claimed", method: "GET", target: "/v1/queues/q/messages?ids={m0}", status: 200, want: `[` + v10m0 + `]`},
	{name: "get by ids none found", method: "GET", target: "/v1/queues/q/messages?ids=ffffffffffffffff,bogus", status: 204},
	{name: "get by ids missing queue", method: "GET", target: "/v1/queues/nope/messages?ids={m0}", status: 204},
	{name: "get by 21 ids", method: "GET", target: "/v1/queues/q/messages?ids=" + strings.Repeat("a,", 20) + "a", status: 400, title: tBadRequest, desc: "from 1 to 20"},
	{name: "delete by ids", method: "DELETE", target: "/v1/queues/q/messages?ids={m0},{m1}", status: 204,
		check: func(t *testing.T, f *fixture, _ *httptest.ResponseRecorder) {
			assert.Equal(t, http.StatusNotFound, f.send("GET", "/v1/queues/q/messages/{m0}", "", nil).Code, "claimed, yet deleted")
		}},
	{name: "delete by ids missing queue", method: "DELETE", target: "/v1/queues/nope/messages?ids=bogus", status: 204},
	{name: "delete without ids", method: "DELETE", target: "/v1/queues/q/messages", status: 400, title: "Missing parameter", desc: `The "ids" parameter is required`},
	{name: "delete pop", method: "DELETE", target: "/v1/queues/q/messages?pop=1", status: 400, title: "Missing parameter", desc: `"ids"`},
	{name: "delete by 21 ids", method: "DELETE", target: "/v1/queues/q/messages?ids=" + strings.Repeat("a,", 20) + "a", status: 400, title: tBadRequest, desc: "from 1 to 20"},
	{name: "get", method: "GET", target: "/v1/queues/q/messages/{m1}", status: 200, want: v10m1,
		headers: map[string]string{"Content-Location": "/v1/queues/q/messages/{m1}"}},
	{name: "get claimed", method: "GET", target: "/v1/queues/q/messages/{m0}", status: 200, want: v10m0},
	{name: "get unknown", method: "GET", target: "/v1/queues/q/messages/ffffffffffffffff", status: 404, title: tNotFound, desc: "ffffffffffffffff",
		headers: map[string]string{"Content-Location": ""}},
	{name: "get malformed", method: "GET", target: "/v1/queues/q/messages/bogus", status: 404, title: tNotFound, desc: "bogus"},
	{name: "get missing queue", method: "GET", target: "/v1/queues/nope/messages/{m1}", status: 404, title: tNotFound, desc: "nope"},
	{name: "get other project", method: "GET", target: "/v1/queues/q/messages/{m1}", hdr: map[string]string{"X-Project-Id": "other"}, status: 404, title: tNotFound, desc: "{m1}"},
	{name: "delete", method: "DELETE", target: "/v1/queues/q/messages/{m1}", status: 204},
	{name: "delete unknown", method: "DELETE", target: "/v1/queues/q/messages/ffffffffffffffff", status: 204},
	{name: "delete claimed without claim", method: "DELETE", target: "/v1/queues/q/messages/{m0}", status: 403, title: tUnable, desc: "This message is claimed; it cannot be deleted without a valid claim ID."},
	{name: "delete claimed blank claim", method: "DELETE", target: "/v1/queues/q/messages/{m0}?claim_id=", status: 403, title: tUnable, desc: "without a valid claim ID"},
	{name: "delete blank claim", method: "DELETE", target: "/v1/queues/q/messages/{m1}?claim_id=", status: 204},
	{name: "delete claimed with unknown claim", method: "DELETE", target: "/v1/queues/q/messages/{m0}?claim_id=0123456789abcdef0123456789abcdef", status: 400, title: tUnable, desc: "The specified claim does not exist or has expired."},
	{name: "delete claimed with other live claim", method: "POST", target: "/v1/queues/q/claims?limit=1", body: `{"ttl": 60, "grace": 60}`, status: 201,
		check: func(t *testing.T, f *fixture, rec *httptest.ResponseRecorder) {
			other := rec.Header().Get("Location")[len("/v1/queues/q/claims/"):]
			rec = f.send("DELETE", "/v1/queues/q/messages/{m0}?claim_id="+other, "", nil)
			require.Equal(t, http.StatusForbidden, rec.Code, rec.Body.String())
			assert.JSONEq(t, `{"title":"Unable to delete","description":"This message is claimed; it cannot be deleted without a valid claim ID."}`, rec.Body.String())
		}},
	{name: "delete with claim", method: "DELETE", target: "/v1/queues/q/messages/{m0}?claim_id={cid}", status: 204,
		check: func(t *testing.T, f *fixture, _ *httptest.ResponseRecorder) {
			assert.Equal(t, http.StatusNotFound, f.send("GET", "/v1/queues/q/messages/{m0}", "", nil).Code)
		}},
	{name: "delete unclaimed with claim", method: "DELETE", target: "/v1/queues/q/messages/{m1}?claim_id={cid}", status: 400, title: tUnable, desc: "A claim was specified, but the message is not currently claimed."},
	{name: "delete malformed claim", method: "DELETE", target: "/v1/queues/q/messages/{m1}?claim_id=invalid", status: 400, title: tUnable, desc: "The specified claim does not exist or has expired.",
		check: func(t *testing.T, f *fixture, _ *httptest.ResponseRecorder) {
			assert.Equal(t, http.StatusOK, f.send("GET", "/v1/queues/q/messages/{m1}", "", nil).Code, "the message was deleted")
		}},

	// Claims (2.15 to 2.18).
	{name: "claim", method: "POST", target: "/v1/queues/q/claims", body: `{"ttl": 300, "grace": 300}`, status: 201,
		check: func(t *testing.T, f *fixture, rec *httptest.ResponseRecorder) {
			cid, ok := strings.CutPrefix(rec.Header().Get("Location"), "/v1/queues/q/claims/")
			require.True(t, ok, "Location %q", rec.Header().Get("Location"))
			assert.JSONEq(t, f.expand(`[
				{"href":"/v1/queues/q/messages/{m1}?claim_id=`+cid+`","ttl":3600,"age":0,"body":{"n":1}},
				{"href":"/v1/queues/q/messages/{m2}?claim_id=`+cid+`","ttl":3600,"age":0,"body":{"n":2}}]`), rec.Body.String())
		}},
	{name: "claim limit 1", method: "POST", target: "/v1/queues/q/claims?limit=1", body: `{"ttl": 60, "grace": 60}`, status: 201,
		check: func(t *testing.T, f *fixture, rec *httptest.ResponseRecorder) {
			var msgs []map[string]any
			require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &msgs))
			require.Len(t, msgs, 1)
			assert.Contains(t, msgs[0]["href"], f.expand("/v1/queues/q/messages/{m1}?claim_id="))
			assert.NotContains(t, msgs[0], "id")
		}},
	{name: "claim nothing claimable", method: "POST", target: "/v1/queues/dq/claims", body: `{"ttl": 60, "grace": 60}`, status: 204, headers: map[string]string{"Location": ""}},
	{name: "claim missing queue", method: "POST", target: "/v1/queues/nope/claims", body: `{"ttl": 60, "grace": 60}`, status: 204},
	{name: "claim no body", method: "POST", target: "/v1/queues/q/claims", status: 400, title: tBadBody, desc: "can not be empty"},
	{name: "claim {}", method: "POST", target: "/v1/queues/q/claims", body: `{}`, status: 400, title: tBadBody, desc: `Missing "ttl" field.`},
	{name: "claim without grace", method: "POST", target: "/v1/queues/q/claims", body: `{"ttl": 60}`, status: 400, title: tBadBody, desc: `Missing "grace" field.`},
	{name: "claim without ttl", method: "POST", target: "/v1/queues/q/claims", body: `{"grace": 60}`, status: 400, title: tBadBody, desc: `Missing "ttl" field.`},
	{name: "claim [", method: "POST", target: "/v1/queues/q/claims", body: `[`, status: 400, title: tBadBody, desc: "Malformed JSON"},
	{name: "claim []", method: "POST", target: "/v1/queues/q/claims", body: `[]`, status: 400, title: tBadBody, desc: "object"},
	{name: "claim .", method: "POST", target: "/v1/queues/q/claims", body: `.`, status: 400, title: tBadBody, desc: "Malformed JSON"},
	{name: "claim \"fail\"", method: "POST", target: "/v1/queues/q/claims", body: `"fail"`, status: 400, title: tBadBody, desc: "object or array"},
	{name: "claim -1 -1", method: "POST", target: "/v1/queues/q/claims", body: `{"ttl": -1, "grace": -1}`, status: 400, title: tBadBody, desc: `"ttl" is -1`},
	{name: "claim 59 60", method: "POST", target: "/v1/queues/q/claims", body: `{"ttl": 59, "grace": 60}`, status: 400, title: tBadBody, desc: `"ttl" is 59; it must be from 60 to 43200 seconds`},
	{name: "claim 60 59", method: "POST", target: "/v1/queues/q/claims", body: `{"ttl": 60, "grace": 59}`, status: 400, title: tBadBody, desc: `"grace" is 59; it must be from 60 to 43200 seconds`},
	{name: "claim 60 43201", method: "POST", target: "/v1/queues/q/claims", body: `{"ttl": 60, "grace": 43201}`, status: 400, title: tBadBody, desc: `"grace" is 43201`},
	{name: "claim 43201 60", method: "POST", target: "/v1/queues/q/claims", body: `{"ttl": 43201, "grace": 60}`, status: 400, title: tBadBody, desc: `"ttl" is 43201`},
	{name: "claim limit 21", method: "POST", target: "/v1/queues/q/claims?limit=21", body: `{"ttl": 60, "grace": 60}`, status: 400, title: tBadRequest, desc: `"limit" parameter is 21`},
	{name: "get claim", method: "GET", target: "/v1/queues/q/claims/{cid}", status: 200,
		want:    `{"age":0,"ttl":300,"href":"/v1/queues/q/claims/{cid}","messages":[{"href":"/v1/queues/q/messages/{m0}?claim_id={cid}","ttl":3600,"age":0,"body":{"n":0}}]}`,
		headers: map[string]string{"Content-Location": "/v1/queues/q/claims/{cid}"}},
	{name: "get unknown claim", method: "GET", target: "/v1/queues/q/claims/0123456789abcdef0123456789abcdef", status: 404, title: tNotFound, desc: "Claim",
		headers: map[string]string{"Content-Location": ""}},
	{name: "get malformed claim", method: "GET", target: "/v1/queues/q/claims/bogus", status: 404, title: tNotFound, desc: "bogus"},
	{name: "get claim missing queue", method: "GET", target: "/v1/queues/nope/claims/{cid}", status: 404, title: tNotFound, desc: "nope"},
	{name: "update claim", method: "PATCH", target: "/v1/queues/q/claims/{cid}", body: `{"ttl": 120}`, status: 204,
		check: func(t *testing.T, f *fixture, _ *httptest.ResponseRecorder) {
			assert.Contains(t, f.send("GET", "/v1/queues/q/claims/{cid}", "", nil).Body.String(), `"ttl":120,`)
		}},
	{name: "update claim with grace", method: "PATCH", target: "/v1/queues/q/claims/{cid}", body: `{"ttl": 60, "grace": 30}`, status: 204},
	{name: "update claim without ttl", method: "PATCH", target: "/v1/queues/q/claims/{cid}", body: `{"grace": 60}`, status: 400, title: tBadBody, desc: `Missing "ttl" field.`},
	{name: "update claim no body", method: "PATCH", target: "/v1/queues/q/claims/{cid}", status: 400, title: tBadBody, desc: "can not be empty"},
	{name: "update claim ttl 59", method: "PATCH", target: "/v1/queues/q/claims/{cid}", body: `{"ttl": 59}`, status: 400, title: tBadBody, desc: `"ttl" is 59`},
	{name: "update unknown claim", method: "PATCH", target: "/v1/queues/q/claims/0123456789abcdef0123456789abcdef", body: `{"ttl": 60}`, status: 404, title: tNotFound, desc: "Claim"},
	{name: "update unknown claim bad ttl", method: "PATCH", target: "/v1/queues/q/claims/bogus", body: `{"ttl": 1}`, status: 400, title: tBadBody, desc: "ttl"},
	{name: "release claim", method: "DELETE", target: "/v1/queues/q/claims/{cid}", status: 204,
		check: func(t *testing.T, f *fixture, _ *httptest.ResponseRecorder) {
			rec := f.send("DELETE", "/v1/queues/q/messages/{m0}?claim_id={cid}", "", nil)
			assert.Equal(t, http.StatusBadRequest, rec.Code, "delete with a released claim: %s", rec.Body)
			assert.Equal(t, http.StatusOK, f.send("GET", "/v1/queues/q/messages/{m0}", "", nil).Code)
		}},
	{name: "release unknown claim", method: "DELETE", target: "/v1/queues/q/claims/0123456789abcdef0123456789abcdef", status: 204},
	{name: "release claim missing queue", method: "DELETE", target: "/v1/queues/nope/claims/bogus", status: 204},
}

var v11Cases = []v1Case{
	// Headers (1.2 and 3): Client-ID required and checked.
	{name: "ping", method: "GET", target: "/v1.1/ping", status: 204},
	{name: "ping HEAD", method: "HEAD", target: "/v1.1/ping", status: 204},
	{name: "ping without Client-ID", method: "GET", target: "/v1.1/ping", hdr: noClient, status: 204},
	{name: "missing Client-ID", method: "PUT", target: "/v1.1/queues/new", hdr: noClient, status: 400, title: tBadRequest, desc: "Client-ID"},
	{name: "bad Client-ID", method: "GET", target: "/v1.1/queues", hdr: map[string]string{"Client-ID": "textid"}, status: 400, title: tUUID, desc: "textid"},
	{name: "empty project", method: "GET", target: "/v1.1/queues", hdr: map[string]string{"X-Project-Id": "<empty>"}, status: 400, title: tBadRequest, desc: "X-Project-Id"},
	{name: "bad queue name", method: "GET", target: "/v1.1/queues/a%20b/messages", status: 400, title: "Invalid queue identification", desc: "Queue names"},
	{name: "no health", method: "GET", target: "/v1.1/health", status: 404, title: tNotFound, desc: "/v1.1/health"},
	{name: "no metadata resource", method: "GET", target: "/v1.1/queues/q/metadata", status: 404, title: tNotFound, desc: "metadata"},
	{name: "queue HEAD", method: "HEAD", target: "/v1.1/queues/q", status: 405, title: "Method not allowed", headers: map[string]string{"Allow": "DELETE, GET, PUT"}},
	{name: "queue PATCH", method: "PATCH", target: "/v1.1/queues/q", body: "[]", status: 405, title: "Method not allowed", desc: "DELETE, GET, PUT"},

	// Queues (3.1 to 3.5).
	{name: "list queues", method: "GET", target: "/v1.1/queues", status: 200,
		want:    `{"queues":[{"name":"dq","href":"/v1.1/queues/dq"},{"name":"q","href":"/v1.1/queues/q"}],"links":[{"rel":"next","href":"/v1.1/queues?marker=q"}]}`,
		headers: map[string]string{"Content-Location": ""}},
	{name: "list queues detailed page", method: "GET", target: "/v1.1/queues?detailed=true&limit=1", status: 200,
		want: `{"queues":[{"name":"dq","href":"/v1.1/queues/dq","metadata":{"_default_message_delay":30}}],"links":[{"rel":"next","href":"/v1.1/queues?detailed=true&limit=1&marker=dq"}]}`},
	{name: "list queues tail", method: "GET", target: "/v1.1/queues?marker=q", status: 200, want: `{"queues":[],"links":[]}`},
	{name: "list queues empty project", method: "GET", target: "/v1.1/queues", hdr: map[string]string{"X-Project-Id": "other"}, status: 200, want: `{"queues":[],"links":[]}`},
	{name: "list queues limit 21", method: "GET", target: "/v1.1/queues?limit=21", status: 400, title: tBadRequest, desc: "from 1 to 20"},
	{name: "create queue", method: "PUT", target: "/v1.1/queues/new", body: `{"messages": {"ttl": 600}}`, status: 201, headers: map[string]string{"Location": "/v1.1/queues/new"},
		check: func(t *testing.T, f *fixture, _ *httptest.ResponseRecorder) {
			assert.JSONEq(t, `{"messages":{"ttl":600}}`, f.send("GET", "/v1.1/queues/new", "", nil).Body.String())
		}},
	{name: "create queue no body", method: "PUT", target: "/v1.1/queues/new", status: 201},
	{name: "create existing keeps metadata", method: "PUT", target: "/v1.1/queues/dq", body: `{"a": 1}`, status: 204, headers: map[string]string{"Location": "/v1.1/queues/dq"},
		check: func(t *testing.T, f *fixture, _ *httptest.ResponseRecorder) {
			assert.JSONEq(t, `{"_default_message_delay":30}`, f.send("GET", "/v1.1/queues/dq", "", nil).Body.String())
		}},
	{name: "create metadata []", method: "PUT", target: "/v1.1/queues/new", body: `[]`, status: 400, title: tBadBody, desc: "object"},
	{name: "create metadata {", method: "PUT", target: "/v1.1/queues/new", body: `{`, status: 400, title: tBadBody, desc: "Malformed JSON"},
	{name: "create metadata blank", method: "PUT", target: "/v1.1/queues/new", body: `  `, status: 400, title: tBadBody, desc: "Malformed JSON"},
	{name: "create metadata too large", method: "PUT", target: "/v1.1/queues/new", body: `{"d":"` + strings.Repeat("x", 64<<10) + `"}`, status: 400, title: tBadBody, desc: "too large"},
	{name: "create default ttl 59", method: "PUT", target: "/v1.1/queues/new", body: `{"_default_message_ttl": 59}`, status: 400, title: tBadBody, desc: "from 60 to 1209600"},
	{name: "create default ttl 1209601", method: "PUT", target: "/v1.1/queues/new", body: `{"_default_message_ttl": 1209601}`, status: 400, title: tBadBody, desc: "from 60 to 1209600"},
	{name: "get queue", method: "GET", target: "/v1.1/queues/dq", status: 200, want: `{"_default_message_delay":30}`},
	{name: "get queue no metadata", method: "GET", target: "/v1.1/queues/q", status: 200, want: `{}`},
	{name: "get missing queue", method: "GET", target: "/v1.1/queues/nope", status: 200, want: `{}`},
	{name: "delete queue", method: "DELETE", target: "/v1.1/queues/q", status: 204},
	{name: "delete missing queue", method: "DELETE", target: "/v1.1/queues/nope", status: 204},
	{name: "stats", method: "GET", target: "/v1.1/queues/q/stats", status: 200,
		want:    `{"messages":{"claimed":1,"free":2,"total":3,"oldest":{"href":"/v1.1/queues/q/messages/{m0}","age":0,"created":"2025-01-02T03:04:05Z"},"newest":{"href":"/v1.1/queues/q/messages/{m2}","age":0,"created":"2025-01-02T03:04:05Z"}}}`,
		headers: map[string]string{"Content-Location": ""}},
	{name: "stats missing queue", method: "GET", target: "/v1.1/queues/nope/stats", status: 200, want: `{"messages":{"claimed":0,"free":0,"total":0}}`},

	// Messages (3.6 to 3.11).
	{name: "post creates the queue", method: "POST", target: "/v1.1/queues/new/messages", body: `{"messages": [{"body": {"a": 1}}, {"ttl": 60, "body": null}]}`, status: 201,
		check: func(t *testing.T, f *fixture, rec *httptest.ResponseRecorder) {
			var out map[string][]string
			require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &out))
			require.Len(t, out, 1, "only resources, no partial: %s", rec.Body)
			require.Len(t, out["resources"], 2)
			id0 := strings.TrimPrefix(out["resources"][0], "/v1.1/queues/new/messages/")
			id1 := strings.TrimPrefix(out["resources"][1], "/v1.1/queues/new/messages/")
			assert.Equal(t, "/v1.1/queues/new/messages?ids="+id0+","+id1, rec.Header().Get("Location"))
			got := f.send("GET", "/v1.1/queues/new/messages/"+id0, "", nil)
			assert.JSONEq(t, `{"id":"`+id0+`","href":"/v1.1/queues/new/messages/`+id0+`","ttl":3600,"age":0,"body":{"a":1}}`, got.Body.String())
		}},
	{name: "post bare array", method: "POST", target: "/v1.1/queues/q/messages", body: `[{"ttl": 60, "body": 1}]`, status: 400, title: tBadBody, desc: "No messages were found in the request body."},
	{name: "post messages not array", method: "POST", target: "/v1.1/queues/q/messages", body: `{"messages": {"body": 1}}`, status: 400, title: tBadBody, desc: "Document type not supported"},
	{name: "post empty messages", method: "POST", target: "/v1.1/queues/q/messages", body: `{"messages": []}`, status: 400, title: tBadBody, desc: "No messages to enqueue"},
	{name: "post without body", method: "POST", target: "/v1.1/queues/q/messages", body: `{"messages": [{"ttl": 60}]}`, status: 400, title: tBadBody, desc: `Missing "body" field.`},
	{name: "post ttl 59", method: "POST", target: "/v1.1/queues/q/messages", body: `{"messages": [{"ttl": 59, "body": 1}]}`, status: 400, title: tBadBody, desc: `"ttl" is 59`},
	{name: "post without Client-ID", method: "POST", target: "/v1.1/queues/q/messages", body: `{"messages": [{"body": 1}]}`, hdr: noClient, status: 400, title: tBadRequest, desc: "Client-ID"},
	{name: "post delay ignored", method: "POST", target: "/v1.1/queues/dq/messages", body: `{"messages": [{"body": 1, "delay": 30}]}`, status: 201,
		check: func(t *testing.T, f *fixture, _ *httptest.ResponseRecorder) {
			assert.Equal(t, http.StatusCreated, f.send("POST", "/v1.1/queues/dq/claims", "", nil).Code, "v1.1 knows no delays")
		}},
	{name: "list", method: "GET", target: "/v1.1/queues/q/messages", hdr: map[string]string{"Client-ID": clientB}, status: 200,
		want: `{"messages":[` + v11m1 + `,` + v11m2 + `],"links":[{"rel":"next","href":"/v1.1/queues/q/messages?marker={m2}"}]}`},
	{name: "list include_claimed page", method: "GET", target: "/v1.1/queues/q/messages?echo=true&include_claimed=true&limit=1", status: 200,
		want:    `{"messages":[` + v11m0 + `],"links":[{"rel":"next","href":"/v1.1/queues/q/messages?echo=true&include_claimed=true&limit=1&marker={m0}"}]}`,
		headers: map[string]string{"Content-Location": ""}},
	{name: "list own messages", method: "GET", target: "/v1.1/queues/q/messages", status: 200, want: `{"messages":[],"links":[]}`},
	{name: "list missing queue", method: "GET", target: "/v1.1/queues/nope/messages", status: 200, want: `{"messages":[],"links":[]}`},
	{name: "list bad marker", method: "GET", target: "/v1.1/queues/q/messages?echo=true&marker=zzz", status: 200, want: `{"messages":[],"links":[]}`},
	{name: "list limit 21", method: "GET", target: "/v1.1/queues/q/messages?limit=21", status: 400, title: tBadRequest, desc: "from 1 to 20"},
	{name: "list limit huge", method: "GET", target: "/v1.1/queues/q/messages?limit=10000000000000000000", status: 400, title: tBadRequest, desc: "integer"},
	{name: "list include_claimed maybe", method: "GET", target: "/v1.1/queues/q/messages?include_claimed=maybe", status: 400, title: tBadRequest, desc: "boolean"},
	{name: "get by ids", method: "GET", target: "/v1.1/queues/q/messages?ids={m0},{m1}", status: 200, want: `{"messages":[` + v11m0 + `,` + v11m1 + `]}`},
	{name: "get by ids none found", method: "GET", target: "/v1.1/queues/q/messages?ids=ffffffffffffffff,bogus", status: 404, title: tNotFound, desc: "No messages with IDs: ffffffffffffffff,bogus found."},
	{name: "get by ids missing queue", method: "GET", target: "/v1.1/queues/nope/messages?ids={m0}", status: 404, title: tNotFound, desc: "No messages"},
	{name: "get by 21 ids", method: "GET", target: "/v1.1/queues/q/messages?ids=" + strings.Repeat("a,", 20) + "a", status: 400, title: tBadRequest, desc: "from 1 to 20"},
	{name: "delete by ids", method: "DELETE", target: "/v1.1/queues/q/messages?ids={m0},{m1}", status: 204,
		check: func(t *testing.T, f *fixture, _ *httptest.ResponseRecorder) {
			assert.Equal(t, http.StatusNotFound, f.send("GET", "/v1.1/queues/q/messages?ids={m0},{m1}", "", nil).Code)
		}},
	{name: "delete by 21 ids", method: "DELETE", target: "/v1.1/queues/q/messages?ids=" + strings.Repeat("a,", 20) + "a", status: 400, title: tBadRequest, desc: "from 1 to 20"},
	{name: "delete neither ids nor pop", method: "DELETE", target: "/v1.1/queues/q/messages", status: 400, title: tBadRequest, desc: `give "ids"`},
	{name: "delete ids and pop", method: "DELETE", target: "/v1.1/queues/q/messages?pop=10&ids=1", status: 400, title: tBadRequest, desc: "together"},
	{name: "pop", method: "DELETE", target: "/v1.1/queues/q/messages?pop=5", status: 200,
		want: `{"messages":[{"id":"{m1}","age":0,"ttl":3600,"body":{"n":1},"claim_id":null,"claim_count":0},{"id":"{m2}","age":0,"ttl":3600,"body":{"n":2},"claim_id":null,"claim_count":0}]}`},
	{name: "pop missing queue", method: "DELETE", target: "/v1.1/queues/nope/messages?pop=1", status: 200, want: `{"messages":[]}`},
	{name: "pop 0", method: "DELETE", target: "/v1.1/queues/q/messages?pop=0", status: 400, title: tBadRequest, desc: "from 1 to 20"},
	{name: "pop 1000000", method: "DELETE", target: "/v1.1/queues/q/messages?pop=1000000", status: 400, title: tBadRequest, desc: "from 1 to 20"},
	{name: "pop -1", method: "DELETE", target: "/v1.1/queues/q/messages?pop=-1", status: 400, title: tBadRequest, desc: "from 1 to 20"},
	{name: "get", method: "GET", target: "/v1.1/queues/q/messages/{m1}", status: 200, want: v11m1, headers: map[string]string{"Content-Location": ""}},
	{name: "get claimed", method: "GET", target: "/v1.1/queues/q/messages/{m0}", status: 200, want: v11m0},
	{name: "get unknown", method: "GET", target: "/v1.1/queues/q/messages/ffffffffffffffff", status: 404, title: tNotFound, desc: "ffffffffffffffff"},
	{name: "get missing queue", method: "GET", target: "/v1.1/queues/nope/messages/{m1}", status: 404, title: tNotFound, desc: "nope"},
	{name: "delete", method: "DELETE", target: "/v1.1/queues/q/messages/{m1}", status: 204},
	{name: "delete malformed id", method: "DELETE", target: "/v1.1/queues/q/messages/bogus?claim_id=bogus", status: 204},
	{name: "delete claimed without claim", method: "DELETE", target: "/v1.1/queues/q/messages/{m0}", status: 403, title: tUnable, desc: "without a valid claim ID"},
	{name: "delete claimed with unknown claim", method: "DELETE", target: "/v1.1/queues/q/messages/{m0}?claim_id=0123456789abcdef0123456789abcdef", status: 400, title: tUnable, desc: "The specified claim does not exist or has expired."},
	{name: "delete claimed with other live claim", method: "POST", target: "/v1.1/queues/q/claims?limit=1", body: "", status: 201,
		check: func(t *testing.T, f *fixture, rec *httptest.ResponseRecorder) {
			other := rec.Header().Get("Location")[len("/v1.1/queues/q/claims/"):]
			rec = f.send("DELETE", "/v1.1/queues/q/messages/{m0}?claim_id="+other, "", nil)
			require.Equal(t, http.StatusForbidden, rec.Code, rec.Body.String())
			assert.JSONEq(t, `{"title":"Unable to delete","description":"This message is claimed; it cannot be deleted without a valid claim ID."}`, rec.Body.String())
		}},
	{name: "delete with claim", method: "DELETE", target: "/v1.1/queues/q/messages/{m0}?claim_id={cid}", status: 204},
	{name: "delete unclaimed with claim", method: "DELETE", target: "/v1.1/queues/q/messages/{m1}?claim_id={cid}", status: 400, title: tUnable, desc: "not currently claimed"},
	{name: "delete malformed claim", method: "DELETE", target: "/v1.1/queues/q/messages/{m1}?claim_id=invalid", status: 400, title: tUnable, desc: "does not exist or has expired"},

	// Claims (3.12 to 3.15).
	{name: "claim defaults", method: "POST", target: "/v1.1/queues/q/claims", status: 201,
		check: func(t *testing.T, f *fixture, rec *httptest.ResponseRecorder) {
			cid, ok := strings.CutPrefix(rec.Header().Get("Location"), "/v1.1/queues/q/claims/")
			require.True(t, ok, "Location %q", rec.Header().Get("Location"))
			assert.JSONEq(t, f.expand(`{"messages":[
				{"id":"{m1}","href":"/v1.1/queues/q/messages/{m1}?claim_id=`+cid+`","ttl":3600,"age":0,"body":{"n":1}},
				{"id":"{m2}","href":"/v1.1/queues/q/messages/{m2}?claim_id=`+cid+`","ttl":3600,"age":0,"body":{"n":2}}]}`), rec.Body.String())
			got := f.send("GET", "/v1.1/queues/q/claims/"+cid, "", nil)
			assert.Contains(t, got.Body.String(), `"ttl":300,`)
		}},
	{name: "claim {}", method: "POST", target: "/v1.1/queues/q/claims", body: `{}`, status: 201, check: claimed(2, 300)},
	{name: "claim grace only", method: "POST", target: "/v1.1/queues/q/claims?limit=1", body: `{"grace": 100}`, status: 201, check: claimed(1, 300)},
	{name: "claim ttl only", method: "POST", target: "/v1.1/queues/q/claims", body: `{"ttl": 100}`, status: 201, check: claimed(2, 100)},
	{name: "claim nothing claimable", method: "POST", target: "/v1.1/queues/dq/claims", status: 204, headers: map[string]string{"Location": ""}},
	{name: "claim missing queue", method: "POST", target: "/v1.1/queues/nope/claims", status: 204},
	{name: "claim []", method: "POST", target: "/v1.1/queues/q/claims", body: `[]`, status: 400, title: tBadBody, desc: "object"},
	{name: "claim \"fail\"", method: "POST", target: "/v1.1/queues/q/claims", body: `"fail"`, status: 400, title: tBadBody, desc: "object or array"},
	{name: "claim ttl 43201", method: "POST", target: "/v1.1/queues/q/claims", body: `{"ttl": 43201}`, status: 400, title: tBadBody, desc: `"ttl" is 43201`},
	{name: "claim grace 59", method: "POST", target: "/v1.1/queues/q/claims", body: `{"grace": 59}`, status: 400, title: tBadBody, desc: `"grace" is 59`},
	{name: "claim limit 21", method: "POST", target: "/v1.1/queues/q/claims?limit=21", status: 400, title: tBadRequest, desc: "from 1 to 20"},
	{name: "get claim", method: "GET", target: "/v1.1/queues/q/claims/{cid}", status: 200,
		want:    `{"age":0,"ttl":300,"href":"/v1.1/queues/q/claims/{cid}","messages":[` + v11m0 + `]}`,
		headers: map[string]string{"Content-Location": ""}},
	{name: "get unknown claim", method: "GET", target: "/v1.1/queues/q/claims/0123456789abcdef0123456789abcdef", status: 404, title: tNotFound, desc: "Claim"},
	{name: "update claim defaults", method: "PATCH", target: "/v1.1/queues/q/claims/{cid}", body: `{}`, status: 204},
	{name: "update claim no body", method: "PATCH", target: "/v1.1/queues/q/claims/{cid}", status: 400, title: tBadBody, desc: "can not be empty"},
	{name: "update claim ttl 59", method: "PATCH", target: "/v1.1/queues/q/claims/{cid}", body: `{"ttl": 59}`, status: 400, title: tBadBody, desc: `"ttl" is 59`},
	{name: "update unknown claim", method: "PATCH", target: "/v1.1/queues/q/claims/0123456789abcdef0123456789abcdef", body: `{}`, status: 404, title: tNotFound, desc: "Claim"},
	{name: "release claim", method: "DELETE", target: "/v1.1/queues/q/claims/{cid}", status: 204},
	{name: "release unknown claim", method: "DELETE", target: "/v1.1/queues/q/claims/bogus", status: 204},
}

// claimed checks a v1.1 claim of n messages whose TTL is ttl seconds.
func claimed(n, ttl int) func(*testing.T, *fixture, *httptest.ResponseRecorder) {
	return func(t *testing.T, f *fixture, rec *httptest.ResponseRecorder) {
		var out struct{ Messages []map[string]any }
		require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &out))
		assert.Len(t, out.Messages, n)
		var cl struct{ TTL int }
		require.NoError(t, json.Unmarshal(f.send("GET", rec.Header().Get("Location"), "", nil).Body.Bytes(), &cl))
		assert.Equal(t, ttl, cl.TTL)
	}
}

func TestV10Routes(t *testing.T) { runV1Cases(t, v10Cases) }

func TestV11Routes(t *testing.T) { runV1Cases(t, v11Cases) }

func runV1Cases(t *testing.T, cases []v1Case) {
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, zaqar.Options{})
			rec := f.send(tt.method, tt.target, tt.body, tt.hdr)
			require.Equal(t, tt.status, rec.Code, "%s %s = %d %s; want %d", tt.method, tt.target, rec.Code, rec.Body, tt.status)
			for k, v := range tt.headers {
				assert.Equal(t, f.expand(v), rec.Header().Get(k), "header %s", k)
			}
			switch {
			case tt.title != "":
				assert.Equal(t, "application/json; charset=UTF-8", rec.Header().Get("Content-Type"))
				var e map[string]string
				require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &e), "error body %s", rec.Body)
				assert.Len(t, e, 2, "error body %s has fields besides title and description", rec.Body)
				assert.Equal(t, tt.title, e["title"])
				assert.Contains(t, e["description"], f.expand(tt.desc))
			case tt.want != "":
				assert.Equal(t, "application/json; charset=UTF-8", rec.Header().Get("Content-Type"))
				assert.JSONEq(t, f.expand(tt.want), rec.Body.String())
			case tt.check == nil:
				assert.Empty(t, rec.Body.String(), "%s %s has a body", tt.method, tt.target)
			}
			if tt.check != nil {
				tt.check(t, f, rec)
			}
		})
	}
}
