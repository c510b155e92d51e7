package zaqar_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/claimq/claimq"
	"github.com/claimq/claimq/zaqar"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fixture is a handler with queue "q" holding three messages posted by
// clientA, the first held by a claim, and queue "dq" with a default delay.
// vars names their IDs for the {placeholders} of test requests.
type fixture struct {
	h     http.Handler
	clock *claimq.FakeClock
	vars  map[string]string
}

func newFixture(t testing.TB, opts zaqar.Options) *fixture {
	t.Helper()
	f := &fixture{clock: claimq.NewFakeClock(epoch), vars: map[string]string{}}
	opts.FakeClock = f.clock
	f.h = zaqar.NewHandler(opts)
	hdr := map[string]string{"X-Auth-Token": opts.AuthToken}
	rec := f.do(t, "POST", "/v2/queues/q/messages", `{"messages":[{"body":{"n":0}},{"body":{"n":1}},{"body":{"n":2}}]}`, hdr)
	require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
	var posted struct{ Resources []string }
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &posted))
	for i, href := range posted.Resources {
		ref, err := zaqar.ParseHref(href)
		require.NoError(t, err)
		f.vars[fmt.Sprintf("{m%d}", i)] = ref.Message
	}
	rec = f.do(t, "POST", "/v2/queues/q/claims?limit=1", "", hdr)
	require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
	ref, err := zaqar.ParseHref(rec.Header().Get("Location"))
	require.NoError(t, err)
	f.vars["{cid}"] = ref.Claim
	rec = f.do(t, "PUT", "/v2/queues/dq", `{"_default_message_delay": 30}`, hdr)
	require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
	return f
}

// expand replaces the fixture's {placeholders} in s.
func (f *fixture) expand(s string) string {
	for k, v := range f.vars {
		s = strings.ReplaceAll(s, k, v)
	}
	return s
}

// do sends one request to the handler with clientA's Client-ID and a JSON
// content type unless hdr says otherwise (an empty value removes a
// header, "<empty>" sends it empty), and checks what every response must satisfy: JSON bodies say
// so, and errors are {"title", "description"}.
func (f *fixture) do(t testing.TB, method, target, body string, hdr map[string]string) *httptest.ResponseRecorder {
	t.Helper()
	rec := f.send(method, target, body, hdr)
	if rec.Body.Len() > 0 {
		assert.Equal(t, "application/json; charset=UTF-8", rec.Header().Get("Content-Type"), "%s %s", method, target)
	}
	if rec.Code >= 400 {
		var e map[string]string
		require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &e), "error body of %s %s: %s", method, target, rec.Body)
		assert.NotEmpty(t, e["title"], "error title")
		assert.NotEmpty(t, e["description"], "error description")
	}
	return rec
}

// send sends one request as do does, checking nothing.
func (f *fixture) send(method, target, body string, hdr map[string]string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, f.expand(target), strings.NewReader(f.expand(body)))
	req.Header.Set("Client-ID", clientA)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range hdr {
		switch v {
		case "":
			req.Header.Del(k)
		case "<empty>":
			req.Header.Set(k, "")
		default:
			req.Header.Set(k, v)
		}
	}
	rec := httptest.NewRecorder()
	f.h.ServeHTTP(rec, req)
	return rec
}

type httpCase struct {
	name   string
	method string
	target string
	body   string
	hdr    map[string]string
	status int
	// want is a substring the response body must contain.
	want string
}

// httpCases are the status codes of spec/zaqar-v2.md section 5, every
// validation rule included. They also seed FuzzHandler.
var httpCases = []httpCase{
	// Common checks of every /v2 request.
	{name: "missing Client-ID", method: "GET", target: "/v2/queues", hdr: map[string]string{"Client-ID": ""}, status: 400, want: "Client-ID"},
	{name: "bad Client-ID", method: "GET", target: "/v2/queues", hdr: map[string]string{"Client-ID": "not-a-uuid"}, status: 400, want: "UUID"},
	{name: "Client-ID on messages", method: "GET", target: "/v2/queues/q/messages", hdr: map[string]string{"Client-ID": "12345"}, status: 400, want: "UUID"},
	{name: "Client-ID 32 hex", method: "GET", target: "/v2/queues", hdr: map[string]string{"Client-ID": "3381af922b9e11e3b19171861300734c"}, status: 200},
	{name: "empty project", method: "GET", target: "/v2/queues", hdr: map[string]string{"X-Project-Id": "<empty>"}, status: 400, want: "X-Project-Id"},
	{name: "project 257 bytes", method: "GET", target: "/v2/queues", hdr: map[string]string{"X-Project-Id": strings.Repeat("p", 257)}, status: 400, want: "256"},
	{name: "project 256 bytes", method: "GET", target: "/v2/queues", hdr: map[string]string{"X-Project-Id": strings.Repeat("p", 256)}, status: 200},
	{name: "Accept not JSON", method: "GET", target: "/v2/queues", hdr: map[string]string{"Accept": "text/html"}, status: 406},
	{name: "Accept any", method: "GET", target: "/v2/queues", hdr: map[string]string{"Accept": "text/html, */*;q=0.1"}, status: 200},
	{name: "form body", method: "POST", target: "/v2/queues/q/messages", body: "a=b", hdr: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, status: 400, want: "Form"},
	{name: "bad name", method: "PUT", target: "/v2/queues/Nice-Bo@t", status: 400, want: "Queue names"},
	{name: "non-ASCII name", method: "PUT", target: "/v2/queues/%C3%A9t%C3%A9", status: 400, want: "Queue names"},
	{name: "65-character name", method: "PUT", target: "/v2/queues/" + strings.Repeat("a", 65), status: 400, want: "64"},
	{name: "64-character name", method: "PUT", target: "/v2/queues/" + strings.Repeat("a", 64), status: 201},
	{name: "name with period", method: "PUT", target: "/v2/queues/Service.test_queue-1", status: 201},
	{name: "bad name on messages", method: "GET", target: "/v2/queues/a%20b/messages", status: 400, want: "Queue names"},
	{name: "unknown path", method: "GET", target: "/v3/queues", status: 404},
	{name: "wrong method", method: "POST", target: "/v2/queues/q/stats", status: 405, want: "GET"},
	{name: "ping", method: "GET", target: "/v2/ping", status: 204},
	{name: "ping without Client-ID", method: "HEAD", target: "/v2/ping", hdr: map[string]string{"Client-ID": ""}, status: 204},
	{name: "health", method: "GET", target: "/v2/health", status: 200, want: "storage_reachable"},
	{name: "clock without fake time", method: "GET", target: "/_claimq/clock", status: 200, want: "2025-01-02T03:04:05Z"},

	// Queues.
	{name: "create", method: "PUT", target: "/v2/queues/new", body: `{"description": "d", "_default_message_ttl": 60}`, status: 201},
	{name: "create existing", method: "PUT", target: "/v2/queues/q", status: 204},
	{name: "create with no body", method: "PUT", target: "/v2/queues/new", status: 201},
	{name: "metadata {", method: "PUT", target: "/v2/queues/new", body: `{`, status: 400, want: "Malformed JSON"},
	{name: "metadata []", method: "PUT", target: "/v2/queues/new", body: `[]`, status: 400, want: "object"},
	{name: "metadata .", method: "PUT", target: "/v2/queues/new", body: `.`, status: 400, want: "Malformed JSON"},
	{name: "metadata blank", method: "PUT", target: "/v2/queues/new", body: `  `, status: 400, want: "Malformed JSON"},
	{name: "metadata too large", method: "PUT", target: "/v2/queues/new", body: `{"d":"` + strings.Repeat("x", 64<<10) + `"}`, status: 400, want: "too large"},
	{name: "metadata int64 overflow", method: "PUT", target: "/v2/queues/new", body: `{"d": 9223372036854775808}`, status: 400, want: "out of range"},
	{name: "metadata int64 max", method: "PUT", target: "/v2/queues/new", body: `{"d": 9223372036854775807, "e": -9223372036854775808}`, status: 201},
	{name: "default ttl 59", method: "PUT", target: "/v2/queues/new", body: `{"_default_message_ttl": 59}`, status: 400, want: "_default_message_ttl\" is 59; it must be from 60 to 1209600 seconds"},
	{name: "default ttl 1209601", method: "PUT", target: "/v2/queues/new", body: `{"_default_message_ttl": 1209601}`, status: 400, want: "from 60 to 1209600"},
	{name: "default ttl string", method: "PUT", target: "/v2/queues/new", body: `{"_default_message_ttl": "60"}`, status: 400, want: "must be an integer"},
	{name: "default ttl float", method: "PUT", target: "/v2/queues/new", body: `{"_default_message_ttl": 60.0}`, status: 400, want: "must be an integer"},
	{name: "default delay 901", method: "PUT", target: "/v2/queues/new", body: `{"_default_message_delay": 901}`, status: 400, want: "from 0 to 900"},
	{name: "post size 262145", method: "PUT", target: "/v2/queues/new", body: `{"_max_messages_post_size": 262145}`, status: 400, want: "from 1 to 262144"},
	{name: "dead letter ttl 59", method: "PUT", target: "/v2/queues/new", body: `{"_dead_letter_queue_messages_ttl": 59}`, status: 400, want: "_dead_letter_queue_messages_ttl"},
	{name: "max claim count string", method: "PUT", target: "/v2/queues/new", body: `{"_max_claim_count": "x"}`, status: 400, want: "_max_claim_count"},
	{name: "dead letter queue number", method: "PUT", target: "/v2/queues/new", body: `{"_dead_letter_queue": 1}`, status: 400, want: "_dead_letter_queue"},
	{name: "encrypt not bool", method: "PUT", target: "/v2/queues/new", body: `{"_enable_encrypt_messages": "yes"}`, status: 400, want: "boolean"},
	{name: "get queue", method: "GET", target: "/v2/queues/dq", status: 200, want: `"_default_message_delay":30`},
	{name: "get missing queue", method: "GET", target: "/v2/queues/nope", status: 200, want: `"_default_message_ttl":3600`},
	{name: "patch", method: "PATCH", target: "/v2/queues/q", body: `[{"op":"add","path":"/metadata/k","value":1}]`, hdr: map[string]string{"Content-Type": "application/openstack-messaging-v2.0-json-patch"}, status: 200, want: `"k":1`},
	{name: "patch plain JSON", method: "PATCH", target: "/v2/queues/q", body: `[]`, status: 415, want: "openstack-messaging-v2.0-json-patch"},
	{name: "patch missing queue", method: "PATCH", target: "/v2/queues/nope", body: `[]`, hdr: map[string]string{"Content-Type": "application/openstack-messaging-v2.0-json-patch"}, status: 404},
	{name: "patch replace missing key", method: "PATCH", target: "/v2/queues/q", body: `[{"op":"replace","path":"/metadata/k","value":1}]`, hdr: map[string]string{"Content-Type": "application/openstack-messaging-v2.0-json-patch"}, status: 409},
	{name: "patch remove missing key", method: "PATCH", target: "/v2/queues/q", body: `[{"op":"remove","path":"/metadata/k"}]`, hdr: map[string]string{"Content-Type": "application/openstack-messaging-v2.0-json-patch"}, status: 409},
	{name: "patch remove reserved unset", method: "PATCH", target: "/v2/queues/q", body: `[{"op":"remove","path":"/metadata/_max_claim_count"}]`, hdr: map[string]string{"Content-Type": "application/openstack-messaging-v2.0-json-patch"}, status: 200},
	{name: "patch bad op", method: "PATCH", target: "/v2/queues/q", body: `[{"op":"move","path":"/metadata/k","value":1}]`, hdr: map[string]string{"Content-Type": "application/openstack-messaging-v2.0-json-patch"}, status: 400, want: "op"},
	{name: "patch bad path", method: "PATCH", target: "/v2/queues/q", body: `[{"op":"add","path":"/k","value":1}]`, hdr: map[string]string{"Content-Type": "application/openstack-messaging-v2.0-json-patch"}, status: 400, want: "/metadata/"},
	{name: "patch no value", method: "PATCH", target: "/v2/queues/q", body: `[{"op":"add","path":"/metadata/k"}]`, hdr: map[string]string{"Content-Type": "application/openstack-messaging-v2.0-json-patch"}, status: 400, want: "value"},
	{name: "patch object", method: "PATCH", target: "/v2/queues/q", body: `{}`, hdr: map[string]string{"Content-Type": "application/openstack-messaging-v2.0-json-patch"}, status: 400, want: "array"},
	{name: "patch bad ttl", method: "PATCH", target: "/v2/queues/q", body: `[{"op":"add","path":"/metadata/_default_message_ttl","value":59}]`, hdr: map[string]string{"Content-Type": "application/openstack-messaging-v2.0-json-patch"}, status: 400, want: "from 60 to 1209600"},
	{name: "delete queue", method: "DELETE", target: "/v2/queues/q", status: 204},
	{name: "delete missing queue", method: "DELETE", target: "/v2/queues/nope", status: 204},
	{name: "list queues", method: "GET", target: "/v2/queues?limit=1", status: 200, want: `"href":"/v2/queues?limit=1&marker=dq"`},
	{name: "list queues limit 0", method: "GET", target: "/v2/queues?limit=0", status: 400, want: "from 1 to 20"},
	{name: "list queues limit 21", method: "GET", target: "/v2/queues?limit=21", status: 400, want: "from 1 to 20"},
	{name: "list queues limit x", method: "GET", target: "/v2/queues?limit=x", status: 400, want: "integer"},
	{name: "list queues detailed maybe", method: "GET", target: "/v2/queues?detailed=maybe", status: 400, want: "boolean"},
	{name: "list queues empty project", method: "GET", target: "/v2/queues", hdr: map[string]string{"X-Project-Id": "other"}, status: 200, want: `{"queues":[],"links":[]}`},
	{name: "stats", method: "GET", target: "/v2/queues/q/stats", status: 200, want: `"claimed":1,"free":2,"total":3,"oldest":{"href":"/v2/queues/q/messages/{m0}","age":0,"created":"2025-01-02T03:04:05Z"}`},
	{name: "stats missing queue", method: "GET", target: "/v2/queues/nope/stats", status: 200, want: `{"messages":{"claimed":0,"free":0,"total":0}}`},
	{name: "purge", method: "POST", target: "/v2/queues/q/purge", body: `{"resource_types": ["messages"]}`, status: 204},
	{name: "purge no body", method: "POST", target: "/v2/queues/q/purge", status: 204},
	{name: "purge bad type", method: "POST", target: "/v2/queues/q/purge", body: `{"resource_types": ["queues"]}`, status: 400, want: "resource_types"},
	{name: "purge missing key", method: "POST", target: "/v2/queues/q/purge", body: `{}`, status: 400, want: "resource_types"},
	{name: "share", method: "POST", target: "/v2/queues/q/share", body: `{"paths": ["messages", "claims"], "methods": ["GET", "POST"], "expires": "2025-01-02T04:00:00"}`, status: 200, want: `"paths":["/v2/queues/q/claims","/v2/queues/q/messages"],"expires":"2025-01-02T04:00:00","methods":["GET","POST"]`},
	{name: "share bad path", method: "POST", target: "/v2/queues/q/share", body: `{"paths": ["queues"]}`, status: 400, want: "Invalid paths"},
	{name: "share bad method", method: "POST", target: "/v2/queues/q/share", body: `{"methods": ["FETCH"]}`, status: 400, want: "Invalid methods"},
	{name: "share in the past", method: "POST", target: "/v2/queues/q/share", body: `{"expires": "2025-01-02T03:04:05"}`, status: 400, want: "past"},
	{name: "share unknown key", method: "POST", target: "/v2/queues/q/share", body: `{"project": "x"}`, status: 400, want: "Unknown key"},

	// Messages.
	{name: "post", method: "POST", target: "/v2/queues/new/messages", body: `{"messages": [{"body": "x", "ttl": 60}, {"body": null, "ttl": 1209600}]}`, status: 201, want: `"resources":["/v2/queues/new/messages/`},
	{name: "post body [", method: "POST", target: "/v2/queues/q/messages", body: `[`, status: 400, want: "Malformed JSON"},
	{name: "post body with invalid UTF-8", method: "POST", target: "/v2/queues/q/messages", body: "{\"messages\": [{\"body\": \"\xff\xfe\"}]}", status: 400, want: "not valid UTF-8"},
	{name: "post body []", method: "POST", target: "/v2/queues/q/messages", body: `[]`, status: 400, want: "No messages were found"},
	{name: "post body {}", method: "POST", target: "/v2/queues/q/messages", body: `{}`, status: 400, want: "No messages were found"},
	{name: "post body .", method: "POST", target: "/v2/queues/q/messages", body: `.`, status: 400, want: "Malformed JSON"},
	{name: "post body 123", method: "POST", target: "/v2/queues/q/messages", body: `123`, status: 400, want: "object or array"},
	{name: "post no body", method: "POST", target: "/v2/queues/q/messages", status: 400, want: "Malformed JSON"},
	{name: "post top-level array", method: "POST", target: "/v2/queues/q/messages", body: `[{"body": 1}]`, status: 400, want: "No messages were found"},
	{name: "post messages not array", method: "POST", target: "/v2/queues/q/messages", body: `{"messages": {"body": 1}}`, status: 400, want: "must be an array"},
	{name: "post empty messages", method: "POST", target: "/v2/queues/q/messages", body: `{"messages": []}`, status: 400, want: "No messages to enqueue"},
	{name: "post message not object", method: "POST", target: "/v2/queues/q/messages", body: `{"messages": [1]}`, status: 400, want: "JSON object"},
	{name: "post missing body", method: "POST", target: "/v2/queues/q/messages", body: `{"messages": [{"ttl": 60}]}`, status: 400, want: `Missing "body" field`},
	{name: "post ttl 59", method: "POST", target: "/v2/queues/q/messages", body: `{"messages": [{"body": 1, "ttl": 59}]}`, status: 400, want: `"ttl" is 59; it must be from 60 to 1209600 seconds`},
	{name: "post ttl 1209601", method: "POST", target: "/v2/queues/q/messages", body: `{"messages": [{"body": 1, "ttl": 1209601}]}`, status: 400, want: `"ttl" is 1209601; it must be from 60 to 1209600 seconds`},
	{name: "post ttl -1", method: "POST", target: "/v2/queues/q/messages", body: `{"messages": [{"body": 1, "ttl": -1}]}`, status: 400, want: `"ttl" is -1`},
	{name: "post ttl string", method: "POST", target: "/v2/queues/q/messages", body: `{"messages": [{"body": 1, "ttl": "60"}]}`, status: 400, want: `"ttl" must be an integer from 60 to 1209600 seconds`},
	{name: "post ttl float", method: "POST", target: "/v2/queues/q/messages", body: `{"messages": [{"body": 1, "ttl": 60.5}]}`, status: 400, want: `"ttl" must be an integer`},
	{name: "post ttl null", method: "POST", target: "/v2/queues/q/messages", body: `{"messages": [{"body": 1, "ttl": null}]}`, status: 400, want: `"ttl" must be an integer`},
	{name: "post ttl beyond int64", method: "POST", target: "/v2/queues/q/messages", body: `{"messages": [{"body": 1, "ttl": 9223372036854775808}]}`, status: 400, want: "out of range"},
	{name: "post body int beyond int64", method: "POST", target: "/v2/queues/q/messages", body: `{"messages": [{"body": {"n": -9223372036854775809}}]}`, status: 400, want: "out of range"},
	{name: "post body big float", method: "POST", target: "/v2/queues/q/messages", body: `{"messages": [{"body": {"n": 92233720368547758080.5, "s": "99999999999999999999"}}]}`, status: 201},
	{name: "post second message bad", method: "POST", target: "/v2/queues/q/messages", body: `{"messages": [{"body": 1}, {"body": 2, "ttl": 59}]}`, status: 400, want: `"ttl" is 59`},
	{name: "post delay ignored", method: "POST", target: "/v2/queues/q/messages", body: `{"messages": [{"body": 1, "delay": 5000}]}`, status: 201},
	{name: "post delay 901", method: "POST", target: "/v2/queues/dq/messages", body: `{"messages": [{"body": 1, "delay": 901}]}`, status: 400, want: `"delay" is 901; it must be from 0 to 900 seconds`},
	{name: "post delay -1", method: "POST", target: "/v2/queues/dq/messages", body: `{"messages": [{"body": 1, "delay": -1}]}`, status: 400, want: `"delay" is -1`},
	{name: "post oversize", method: "POST", target: "/v2/queues/q/messages", body: `{"messages": [{"body": "` + strings.Repeat("x", 256<<10) + `"}]}`, status: 400, want: "too large"},
	{name: "list", method: "GET", target: "/v2/queues/q/messages?echo=true", status: 200, want: `"href":"/v2/queues/q/messages?echo=true&include_delayed=true&marker={m2}"`},
	{name: "list include_claimed", method: "GET", target: "/v2/queues/q/messages?echo=true&include_claimed=true&limit=1", status: 200, want: `"href":"/v2/queues/q/messages/{m0}?claim_id={cid}"`},
	{name: "list without echo", method: "GET", target: "/v2/queues/q/messages", status: 200, want: `{"messages":[],"links":[]}`},
	{name: "list own messages, ID spelled otherwise", method: "GET", target: "/v2/queues/q/messages", hdr: map[string]string{"Client-ID": "{" + strings.ToUpper(clientA) + "}"}, status: 200, want: `{"messages":[],"links":[]}`},
	{name: "list other client", method: "GET", target: "/v2/queues/q/messages", hdr: map[string]string{"Client-ID": clientB}, status: 200, want: `"id":"{m1}"`},
	{name: "list missing queue", method: "GET", target: "/v2/queues/nope/messages", status: 200, want: `{"messages":[],"links":[]}`},
	{name: "list bad marker", method: "GET", target: "/v2/queues/q/messages?echo=true&marker=zzz", status: 200, want: `{"messages":[],"links":[]}`},
	{name: "list limit 0", method: "GET", target: "/v2/queues/q/messages?limit=0", status: 400, want: "from 1 to 20"},
	{name: "list limit 21", method: "GET", target: "/v2/queues/q/messages?limit=21", status: 400, want: `"limit" parameter is 21; it must be from 1 to 20`},
	{name: "list limit x", method: "GET", target: "/v2/queues/q/messages?limit=x", status: 400, want: "integer"},
	{name: "list echo maybe", method: "GET", target: "/v2/queues/q/messages?echo=maybe", status: 400, want: "boolean"},
	{name: "get by ids comma", method: "GET", target: "/v2/queues/q/messages?ids={m2},{m1}", status: 200, want: `"id":"{m2}"`},
	{name: "get by ids repeated", method: "GET", target: "/v2/queues/q/messages?ids={m0}&ids=bogus", status: 200, want: `"href":"/v2/queues/q/messages/{m0}?claim_id={cid}"`},
	{name: "get by ids none found", method: "GET", target: "/v2/queues/q/messages?ids=ffffffffffffffff,bogus", status: 404, want: "No messages with IDs"},
	{name: "get by ids missing queue", method: "GET", target: "/v2/queues/nope/messages?ids={m0}", status: 404},
	{name: "get by 21 ids", method: "GET", target: "/v2/queues/q/messages?ids=" + strings.Repeat("a,", 20) + "a", status: 400, want: "from 1 to 20"},
	{name: "get", method: "GET", target: "/v2/queues/q/messages/{m1}", status: 200, want: `{"id":"{m1}","href":"/v2/queues/q/messages/{m1}","ttl":3600,"age":0,"body":{"n":1}}`},
	{name: "get claimed", method: "GET", target: "/v2/queues/q/messages/{m0}", status: 200, want: `"href":"/v2/queues/q/messages/{m0}?claim_id={cid}"`},
	{name: "get unknown", method: "GET", target: "/v2/queues/q/messages/ffffffffffffffff", status: 404},
	{name: "get malformed id", method: "GET", target: "/v2/queues/q/messages/bogus", status: 404},
	{name: "get missing queue", method: "GET", target: "/v2/queues/nope/messages/{m1}", status: 404},
	{name: "get other project", method: "GET", target: "/v2/queues/q/messages/{m1}", hdr: map[string]string{"X-Project-Id": "other"}, status: 404},
	{name: "delete by ids", method: "DELETE", target: "/v2/queues/q/messages?ids={m0},{m1}", status: 204},
	{name: "delete by ids unknown", method: "DELETE", target: "/v2/queues/nope/messages?ids=bogus", status: 204},
	{name: "delete by 21 ids", method: "DELETE", target: "/v2/queues/q/messages?ids=" + strings.Repeat("a,", 20) + "a", status: 400, want: "from 1 to 20"},
	{name: "delete collection", method: "DELETE", target: "/v2/queues/q/messages", status: 400, want: "denied"},
	{name: "delete ids and pop", method: "DELETE", target: "/v2/queues/q/messages?ids={m1}&pop=1", status: 400, want: "together"},
	{name: "pop", method: "DELETE", target: "/v2/queues/q/messages?pop=5", status: 200, want: `{"messages":[{"id":"{m1}","age":0,"ttl":3600,"body":{"n":1},"claim_id":null,"claim_count":0},`},
	{name: "pop empty queue", method: "DELETE", target: "/v2/queues/nope/messages?pop=1", status: 200, want: `{"messages":[]}`},
	{name: "pop 0", method: "DELETE", target: "/v2/queues/q/messages?pop=0", status: 400, want: `"pop" parameter is 0; it must be from 1 to 20`},
	{name: "pop 21", method: "DELETE", target: "/v2/queues/q/messages?pop=21", status: 400, want: "from 1 to 20"},
	{name: "pop -1", method: "DELETE", target: "/v2/queues/q/messages?pop=-1", status: 400, want: "from 1 to 20"},
	{name: "pop 1000000", method: "DELETE", target: "/v2/queues/q/messages?pop=1000000", status: 400, want: "from 1 to 20"},
	{name: "pop x", method: "DELETE", target: "/v2/queues/q/messages?pop=x", status: 400, want: "integer"},

	// Delete one message: the table of spec section 2.7.
	{name: "delete", method: "DELETE", target: "/v2/queues/q/messages/{m1}", status: 204},
	{name: "delete unknown", method: "DELETE", target: "/v2/queues/q/messages/ffffffffffffffff", status: 204},
	{name: "delete malformed id", method: "DELETE", target: "/v2/queues/q/messages/bogus?claim_id=bogus", status: 204},
	{name: "delete missing queue", method: "DELETE", target: "/v2/queues/nope/messages/{m1}", status: 204},
	{name: "delete claimed without claim", method: "DELETE", target: "/v2/queues/q/messages/{m0}", status: 403, want: "cannot be deleted without a valid claim ID"},
	{name: "delete claimed with unknown claim", method: "DELETE", target: "/v2/queues/q/messages/{m0}?claim_id=0123456789abcdef0123456789abcdef", status: 400, want: "does not exist or has expired"},
	{name: "delete with claim", method: "DELETE", target: "/v2/queues/q/messages/{m0}?claim_id={cid}", status: 204},
	{name: "delete unclaimed with claim", method: "DELETE", target: "/v2/queues/q/messages/{m1}?claim_id={cid}", status: 400, want: "A claim was specified, but the message is not currently claimed."},
	{name: "delete malformed claim", method: "DELETE", target: "/v2/queues/q/messages/{m1}?claim_id=bogus", status: 400, want: "The specified claim does not exist or has expired."},
	{name: "delete unknown with malformed claim", method: "DELETE", target: "/v2/queues/q/messages/ffffffffffffffff?claim_id=bogus", status: 204},

	// Claims.
	{name: "claim", method: "POST", target: "/v2/queues/q/claims", body: `{"ttl": 60, "grace": 60}`, status: 201, want: `"href":"/v2/queues/q/messages/{m1}?claim_id=`},
	{name: "claim no body", method: "POST", target: "/v2/queues/q/claims?limit=1", status: 201, want: `"ttl":3600`},
	{name: "claim missing queue", method: "POST", target: "/v2/queues/nope/claims", status: 204},
	{name: "claim delayed only", method: "POST", target: "/v2/queues/dq/claims", status: 204},
	{name: "claim body [", method: "POST", target: "/v2/queues/q/claims", body: `[`, status: 400, want: "Malformed JSON"},
	{name: "claim body []", method: "POST", target: "/v2/queues/q/claims", body: `[]`, status: 400, want: "object"},
	{name: "claim body .", method: "POST", target: "/v2/queues/q/claims", body: `.`, status: 400, want: "Malformed JSON"},
	{name: "claim body string", method: "POST", target: "/v2/queues/q/claims", body: `"fail"`, status: 400, want: "object or array"},
	{name: "claim ttl -1 grace -1", method: "POST", target: "/v2/queues/q/claims", body: `{"ttl": -1, "grace": -1}`, status: 400, want: `"ttl" is -1`},
	{name: "claim ttl 59", method: "POST", target: "/v2/queues/q/claims", body: `{"ttl": 59, "grace": 60}`, status: 400, want: `"ttl" is 59; it must be from 60 to 43200 seconds`},
	{name: "claim ttl 43201", method: "POST", target: "/v2/queues/q/claims", body: `{"ttl": 43201, "grace": 60}`, status: 400, want: `"ttl" is 43201; it must be from 60 to 43200 seconds`},
	{name: "claim grace 59", method: "POST", target: "/v2/queues/q/claims", body: `{"ttl": 60, "grace": 59}`, status: 400, want: `"grace" is 59; it must be from 60 to 43200 seconds`},
	{name: "claim grace 43201", method: "POST", target: "/v2/queues/q/claims", body: `{"ttl": 60, "grace": 43201}`, status: 400, want: `"grace" is 43201; it must be from 60 to 43200 seconds`},
	{name: "claim ttl string", method: "POST", target: "/v2/queues/q/claims", body: `{"ttl": "60"}`, status: 400, want: `"ttl" must be an integer`},
	{name: "claim limit 21", method: "POST", target: "/v2/queues/q/claims?limit=21", status: 400, want: `"limit" parameter is 21; it must be from 1 to 20`},
	{name: "claim limit 0", method: "POST", target: "/v2/queues/q/claims?limit=0", status: 400, want: "from 1 to 20"},
	{name: "claim limit x", method: "POST", target: "/v2/queues/q/claims?limit=x", status: 400, want: "integer"},
	{name: "get claim", method: "GET", target: "/v2/queues/q/claims/{cid}", status: 200, want: `{"age":0,"ttl":300,"href":"/v2/queues/q/claims/{cid}","messages":[{"id":"{m0}"`},
	{name: "get unknown claim", method: "GET", target: "/v2/queues/q/claims/0123456789abcdef0123456789abcdef", status: 404},
	{name: "get malformed claim", method: "GET", target: "/v2/queues/q/claims/bogus", status: 404},
	{name: "get claim other queue", method: "GET", target: "/v2/queues/dq/claims/{cid}", status: 404},
	{name: "update claim", method: "PATCH", target: "/v2/queues/q/claims/{cid}", body: `{"ttl": 60, "grace": 0}`, status: 204},
	{name: "update claim defaults", method: "PATCH", target: "/v2/queues/q/claims/{cid}", body: `{}`, status: 204},
	{name: "update claim empty body", method: "PATCH", target: "/v2/queues/q/claims/{cid}", status: 400, want: "can not be empty"},
	{name: "update claim body [", method: "PATCH", target: "/v2/queues/q/claims/{cid}", body: `[`, status: 400, want: "Malformed JSON"},
	{name: "update claim ttl 59", method: "PATCH", target: "/v2/queues/q/claims/{cid}", body: `{"ttl": 59}`, status: 400, want: `"ttl" is 59; it must be from 60 to 43200 seconds`},
	{name: "update claim ttl 43201", method: "PATCH", target: "/v2/queues/q/claims/{cid}", body: `{"ttl": 43201}`, status: 400, want: "from 60 to 43200"},
	{name: "update claim grace 43201", method: "PATCH", target: "/v2/queues/q/claims/{cid}", body: `{"ttl": 60, "grace": 43201}`, status: 400, want: `"grace" is 43201; it must be from 0 to 43200 seconds`},
	{name: "update unknown claim", method: "PATCH", target: "/v2/queues/q/claims/0123456789abcdef0123456789abcdef", body: `{"ttl": 60}`, status: 404},
	{name: "update unknown claim bad ttl", method: "PATCH", target: "/v2/queues/q/claims/bogus", body: `{"ttl": 1}`, status: 400, want: "ttl"},
	{name: "release claim", method: "DELETE", target: "/v2/queues/q/claims/{cid}", status: 204},
	{name: "release unknown claim", method: "DELETE", target: "/v2/queues/q/claims/0123456789abcdef0123456789abcdef", status: 204},
	{name: "release malformed claim", method: "DELETE", target: "/v2/queues/nope/claims/bogus", status: 204},
}

func TestHTTPStatus(t *testing.T) {
	for _, tt := range httpCases {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, zaqar.Options{})
			rec := f.do(t, tt.method, tt.target, tt.body, tt.hdr)
			require.Equal(t, tt.status, rec.Code, "%s %s = %d %s; want %d", tt.method, tt.target, rec.Code, rec.Body, tt.status)
			got := rec.Body.String()
			if rec.Code >= 400 {
				var e struct{ Description string }
				require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &e))
				got = e.Description
			}
			assert.Contains(t, got, f.expand(tt.want))
		})
	}
}
