package zaqar_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/claimq/claimq/zaqar"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Answers that a comparison with a real Zaqar 15 found claimq giving
// otherwise, now given as Zaqar gives them.

func TestZaqarAnswers(t *testing.T) {
	patchType := map[string]string{"Content-Type": "application/openstack-messaging-v2.0-json-patch"}
	for _, tt := range []struct {
		name, method, target, body string
		hdr                        map[string]string
		status                     int
		header, value              string // a response header and its value, if set
		want                       string // a substring of the body
	}{
		{name: "HEAD on a v2 queue", method: "HEAD", target: "/v2/queues/q", status: 405, header: "Allow", value: "DELETE, GET, PATCH, PUT"},
		{name: "HEAD on a v1.1 queue", method: "HEAD", target: "/v1.1/queues/q", status: 405, header: "Allow", value: "DELETE, GET, PUT"},
		{name: "405 lists the methods served", method: "POST", target: "/v2/queues/q/stats", status: 405, header: "Allow", value: "GET"},
		{name: "HEAD on v1.0 queue", method: "HEAD", target: "/v1/queues/q", status: 204},
		{name: "HEAD ping", method: "HEAD", target: "/v2/ping", status: 204},
		{name: "queue list next link without limit", method: "GET", target: "/v2/queues", status: 200, want: `"href":"/v2/queues?marker=q"`},
		{name: "queue list next link with limit", method: "GET", target: "/v2/queues?limit=1", status: 200, want: `"href":"/v2/queues?limit=1&marker=dq"`},
		{name: "empty PATCH", method: "PATCH", target: "/v2/queues/q", hdr: patchType, status: 400, want: "PATCH body could not be empty for update."},
		{name: "versions", method: "GET", target: "/", status: 300, want: `"id":"1.1","links":[{"rel":"self","href":"/v1.1/"}]`},
		{name: "versions refuse POST", method: "POST", target: "/", status: 405, header: "Allow", value: "GET"},
		{name: "v2 home", method: "GET", target: "/v2/", status: 200, header: "Content-Type", value: "application/json-home", want: `"href-template": "/v2/queues{?marker,limit,detailed}"`},
		{name: "v1.1 home", method: "GET", target: "/v1.1/", status: 200, header: "Cache-Control", value: "max-age=86400", want: `"rel/post_claim"`},
		{name: "v1.0 home", method: "GET", target: "/v1/", status: 200, header: "Content-Type", value: "application/json-home", want: `"rel/queue-metadata"`},
		{name: "no home without the slash", method: "GET", target: "/v2", status: 404},
		{name: "body-less PUT typed as a form", method: "PUT", target: "/v2/queues/formless", hdr: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, status: 201},
		{name: "v1.1 PUT typed as a form", method: "PUT", target: "/v1.1/queues/formless", hdr: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, status: 201},
		{name: "v1.1 health wants JSON", method: "GET", target: "/v1.1/health", hdr: map[string]string{"Accept": "text/html"}, status: 406},
		{name: "unknown v2 path wants JSON", method: "GET", target: "/v2/nothing", hdr: map[string]string{"Accept": "text/html"}, status: 406},
		{name: "v1.1 health is admin only", method: "GET", target: "/v1.1/health", status: 404},
		{name: "topics", method: "GET", target: "/v2/topics", status: 200, want: `{"topics":[],"links":[]}`},
		{name: "missing topic", method: "GET", target: "/v2/topics/t", status: 404, want: "Topic t does not exist."},
		{name: "no claims on topics", method: "POST", target: "/v2/topics/t/claims", status: 404},
		{name: "no topics before v2", method: "GET", target: "/v1.1/topics", status: 404},
		{name: "bad topic name", method: "PUT", target: "/v2/topics/a@b", status: 400, want: "Topic names"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, zaqar.Options{})
			rec := f.send(tt.method, tt.target, tt.body, tt.hdr)
			require.Equal(t, tt.status, rec.Code, "%s %s = %d %s", tt.method, tt.target, rec.Code, rec.Body)
			if tt.header != "" {
				assert.Equal(t, tt.value, rec.Header().Get(tt.header), "header %s", tt.header)
			}
			assert.Contains(t, rec.Body.String(), tt.want)
			if rec.Code >= 400 && tt.method != "HEAD" {
				var e struct{ Title, Description string }
				require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &e), "error body %s", rec.Body)
				assert.NotEmpty(t, e.Title)
			}
		})
	}
}

func TestVersionsDocument(t *testing.T) {
	f := newFixture(t, zaqar.Options{})
	rec := f.send("GET", "/", "", map[string]string{"Client-ID": ""})
	require.Equal(t, http.StatusMultipleChoices, rec.Code)
	var doc struct {
		Versions []struct {
			ID, Status string
			Links      []struct{ Href string }
		}
	}
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &doc))
	var got []string
	for _, v := range doc.Versions {
		got = append(got, v.ID+" "+v.Status+" "+v.Links[0].Href)
	}
	assert.Equal(t, []string{"1 DEPRECATED /v1/", "1.1 DEPRECATED /v1.1/", "2 CURRENT /v2/"}, got)
}

func TestHomeDocumentsListServedRoutes(t *testing.T) {
	f := newFixture(t, zaqar.Options{})
	for _, base := range []string{"/v1", "/v1.1", "/v2"} {
		rec := f.send("GET", base+"/", "", nil)
		require.Equal(t, http.StatusOK, rec.Code)
		var doc struct {
			Resources map[string]struct {
				Template string `json:"href-template"`
				Hints    struct{ Allow []string }
			}
		}
		require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &doc))
		require.NotEmpty(t, doc.Resources)
		for rel, r := range doc.Resources {
			path := r.Template
			for _, v := range [][2]string{{"{queue_name}", "q"}, {"{message_id}", "{m1}"}, {"{claim_id}", "{cid}"}} {
				path = replaceTemplate(path, v[0], v[1])
			}
			for _, m := range r.Hints.Allow {
				rec := newFixture(t, zaqar.Options{}).send(m, path, "", nil)
				assert.NotEqual(t, http.StatusMethodNotAllowed, rec.Code, "%s %s (%s) = %d %s", m, path, rel, rec.Code, rec.Body)
				assert.NotContains(t, rec.Body.String(), "No resource at", "%s %s (%s)", m, path, rel)
			}
		}
	}
}

// replaceTemplate fills var in a URI template and drops its query part.
func replaceTemplate(tmpl, name, value string) string {
	out := ""
	for i := 0; i < len(tmpl); i++ {
		switch {
		case len(tmpl[i:]) >= len(name) && tmpl[i:i+len(name)] == name:
			out += value
			i += len(name) - 1
		case tmpl[i] == '{' && i+1 < len(tmpl) && tmpl[i+1] == '?':
			return out
		default:
			out += string(tmpl[i])
		}
	}
	return out
}

func TestTopics(t *testing.T) {
	f := newFixture(t, zaqar.Options{})
	patchType := map[string]string{"Content-Type": "application/openstack-messaging-v2.0-json-patch"}
	rec := f.do(t, "PUT", "/v2/topics/t", `{"_default_message_ttl": 120, "k": "v"}`, nil)
	require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
	assert.Equal(t, "/v2/topics/t", rec.Header().Get("Location"))
	rec = f.do(t, "GET", "/v2/topics/t", "", nil)
	require.Equal(t, http.StatusOK, rec.Code)
	assert.JSONEq(t, `{"_default_message_ttl": 120, "k": "v", "_default_message_delay": 0, "_max_messages_post_size": 262144}`, rec.Body.String(),
		"a topic shows the reserved keys of its messages only")

	rec = f.do(t, "POST", "/v2/topics/t/messages", `{"messages": [{"body": "news"}]}`, nil)
	require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
	assert.Contains(t, rec.Body.String(), `"/v2/topics/t/messages/`)
	rec = f.do(t, "GET", "/v2/topics/t/messages?echo=true", "", nil)
	assert.Contains(t, rec.Body.String(), `"href":"/v2/topics/t/messages/`)
	assert.Contains(t, rec.Body.String(), `"ttl":120,"age":0,"body":"news"`, "the topic's default TTL")
	rec = f.do(t, "GET", "/v2/queues/t/messages?echo=true", "", nil)
	assert.Contains(t, rec.Body.String(), `{"messages":[]`, "topics are a namespace of their own")
	rec = f.do(t, "GET", "/v2/topics/t/stats", "", nil)
	assert.Contains(t, rec.Body.String(), `"total":1`)

	require.Equal(t, http.StatusCreated, f.do(t, "POST", "/v2/topics/lazy/messages", `{"messages": [{"body": 1}]}`, nil).Code)
	rec = f.do(t, "GET", "/v2/topics?detailed=true", "", nil)
	require.Equal(t, http.StatusOK, rec.Code)
	var list struct {
		Topics []struct {
			Name, Href string
			Metadata   map[string]any
		}
		Links []struct{ Href string }
	}
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &list))
	require.Len(t, list.Topics, 2, "posting creates a topic, as in Zaqar")
	assert.Equal(t, "lazy", list.Topics[0].Name)
	assert.Equal(t, "/v2/topics/t", list.Topics[1].Href)
	assert.Equal(t, "v", list.Topics[1].Metadata["k"])
	assert.Equal(t, "/v2/topics?detailed=true&marker=t", list.Links[0].Href)

	rec = f.do(t, "PATCH", "/v2/topics/t", `[{"op": "replace", "path": "/metadata/_max_claim_count", "value": 2}]`, patchType)
	assert.Equal(t, http.StatusConflict, rec.Code, "not reserved on a topic: %s", rec.Body)
	rec = f.do(t, "PATCH", "/v2/topics/t", `[{"op": "replace", "path": "/metadata/_default_message_delay", "value": 5}]`, patchType)
	assert.Equal(t, http.StatusOK, rec.Code, rec.Body.String())

	assert.Equal(t, http.StatusNoContent, f.do(t, "POST", "/v2/topics/t/purge", "", nil).Code)
	rec = f.do(t, "GET", "/v2/topics/t/stats", "", nil)
	assert.Contains(t, rec.Body.String(), `"total":0`)
	assert.Equal(t, http.StatusNoContent, f.do(t, "DELETE", "/v2/topics/t", "", nil).Code)
	assert.Equal(t, http.StatusNotFound, f.do(t, "GET", "/v2/topics/t", "", nil).Code)
}
