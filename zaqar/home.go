package zaqar

import (
	"encoding/json"
	"net/http"
	"strings"
)

// This file holds what describes the APIs rather than queues: the
// versions document at /, each version's JSON-home document, and the
// liveness probes.

// versionDocs are the entries of the versions document, Zaqar's.
var versionDocs = []map[string]any{
	versionDoc("1", "DEPRECATED", "2014-9-11T17:47:05Z", "application/vnd.openstack.messaging-v1+json", "/v1/"),
	versionDoc("1.1", "DEPRECATED", "2016-7-29T02:22:47Z", "application/vnd.openstack.messaging-v1_1+json", "/v1.1/"),
	versionDoc("2", "CURRENT", "2014-9-24T04:06:47Z", "application/vnd.openstack.messaging-v2+json", "/v2/"),
}

func versionDoc(id, status, updated, mediaType, href string) map[string]any {
	return map[string]any{
		"id": id, "status": status, "updated": updated,
		"media-types": []map[string]string{{"base": "application/json", "type": mediaType}},
		"links":       []link{{Rel: "self", Href: href}},
	}
}

// serveVersions answers GET / with 300 and the versions, as Zaqar does;
// other methods are refused with 405.
func (h *handler) serveVersions(c *call) error {
	if c.r.Method != http.MethodGet {
		e := errorf(http.StatusMethodNotAllowed, "Method not allowed", "%s is not allowed on /; allowed: GET.", c.r.Method)
		e.header = map[string]string{"Allow": http.MethodGet}
		return e
	}
	writeJSON(c.w, http.StatusMultipleChoices, map[string]any{"versions": versionDocs})
	return nil
}

// homeResource is one resource of a JSON-home document
// (draft-nottingham-json-home-03), with Zaqar's relation names.
type homeResource struct {
	rel      string
	template string // under the version's base
	vars     string // "name=param/... name=param/...", the href-vars
	allow    []string
	post     bool // accepts a JSON POST or PATCH body
	// in says which versions have the resource, by version.idx.
	in [numVersions]bool
}

var (
	homeAll = [numVersions]bool{true, true, true}
	home11  = [numVersions]bool{false, true, true}
	home10  = [numVersions]bool{0: true}
	home2   = [numVersions]bool{2: true}
)

// homeResources are the resources this server serves; subscriptions,
// pools and flavors, which it does not, are left out.
var homeResources = []homeResource{
	{rel: "rel/queues", template: "/queues{?marker,limit,detailed}", vars: "marker=param/marker limit=param/queue_limit detailed=param/detailed", allow: []string{"GET"}, in: homeAll},
	{rel: "rel/queue", template: "/queues/{queue_name}", vars: "queue_name=param/queue_name", allow: []string{"GET", "HEAD", "PUT", "DELETE"}, in: home10},
	{rel: "rel/queue", template: "/queues/{queue_name}", vars: "queue_name=param/queue_name", allow: []string{"PUT", "DELETE"}, in: [numVersions]bool{1: true}},
	{rel: "rel/queue", template: "/queues/{queue_name}", vars: "queue_name=param/queue_name", allow: []string{"GET", "PUT", "DELETE", "PATCH"}, in: home2},
	{rel: "rel/queue-metadata", template: "/queues/{queue_name}/metadata", vars: "queue_name=param/queue_name", allow: []string{"GET", "PUT"}, in: home10},
	{rel: "rel/queue-stats", template: "/queues/{queue_name}/stats", vars: "queue_name=param/queue_name", allow: []string{"GET"}, in: home10},
	{rel: "rel/queue_stats", template: "/queues/{queue_name}/stats", vars: "queue_name=param/queue_name", allow: []string{"GET"}, in: home11},
	{rel: "rel/queue_share", template: "/queues/{queue_name}/share", vars: "queue_name=param/queue_name", allow: []string{"POST"}, post: true, in: home2},
	{rel: "rel/queue_purge", template: "/queues/{queue_name}/purge", vars: "queue_name=param/queue_name", allow: []string{"POST"}, post: true, in: home2},
	{rel: "rel/messages", template: "/queues/{queue_name}/messages{?marker,limit,echo,include_claimed}", vars: "queue_name=param/queue_name marker=param/marker limit=param/messages_limit echo=param/echo include_claimed=param/include_claimed", allow: []string{"GET"}, in: homeAll},
	{rel: "rel/post-messages", template: "/queues/{queue_name}/messages", vars: "queue_name=param/queue_name", allow: []string{"POST"}, post: true, in: home10},
	{rel: "rel/post_messages", template: "/queues/{queue_name}/messages", vars: "queue_name=param/queue_name", allow: []string{"POST"}, post: true, in: home11},
	{rel: "rel/messages_delete", template: "/queues/{queue_name}/messages{?ids,pop}", vars: "queue_name=param/queue_name ids=param/ids pop=param/pop", allow: []string{"DELETE"}, in: home11},
	{rel: "rel/message_delete", template: "/queues/{queue_name}/messages/{message_id}{?claim}", vars: "queue_name=param/queue_name message_id=param/message_id claim=param/claim_id", allow: []string{"DELETE"}, in: home11},
	{rel: "rel/message_get", template: "/queues/{queue_name}/messages/{message_id}", vars: "queue_name=param/queue_name message_id=param/message_id", allow: []string{"GET"}, in: home2},
	{rel: "rel/claim", template: "/queues/{queue_name}/claims{?limit}", vars: "queue_name=param/queue_name limit=param/claim_limit", allow: []string{"POST"}, post: true, in: home10},
	{rel: "rel/claim", template: "/queues/{queue_name}/claims/{claim_id}", vars: "queue_name=param/queue_name claim_id=param/claim_id", allow: []string{"GET"}, in: home11},
	{rel: "rel/post_claim", template: "/queues/{queue_name}/claims{?limit}", vars: "queue_name=param/queue_name limit=param/claim_limit", allow: []string{"POST"}, post: true, in: home11},
	{rel: "rel/patch_claim", template: "/queues/{queue_name}/claims/{claim_id}", vars: "queue_name=param/queue_name claim_id=param/claim_id", allow: []string{"PATCH"}, post: true, in: home11},
	{rel: "rel/delete_claim", template: "/queues/{queue_name}/claims/{claim_id}", vars: "queue_name=param/queue_name claim_id=param/claim_id", allow: []string{"DELETE"}, in: home11},
	{rel: "rel/ping", template: "/ping", allow: []string{"GET"}, in: home11},
}

// homeDocs holds each version's JSON-home document, built once.
var homeDocs = func() (docs [numVersions][]byte) {
	for _, v := range versions {
		res := map[string]any{}
		for _, r := range homeResources {
			if !r.in[v.idx] {
				continue
			}
			hints := map[string]any{"allow": r.allow, "formats": map[string]any{"application/json": struct{}{}}}
			if r.post {
				hints["accept-post"] = []string{"application/json"}
			}
			doc := map[string]any{"href-template": v.base + r.template, "hints": hints}
			if r.vars != "" {
				vars := map[string]string{}
				for pair := range strings.FieldsSeq(r.vars) {
					k, val, _ := strings.Cut(pair, "=")
					vars[k] = val
				}
				doc["href-vars"] = vars
			}
			res[r.rel] = doc
		}
		b, err := json.MarshalIndent(map[string]any{"resources": res}, "", "    ")
		if err != nil {
			panic(err) // maps of strings: unreachable
		}
		docs[v.idx] = b
	}
	return docs
}()

// serveHome answers GET /v1/, /v1.1/ and /v2/ with the version's
// JSON-home document, as Zaqar does.
func (h *handler) serveHome(c *call) error {
	c.w.Header()["Content-Type"] = []string{"application/json-home"}
	c.w.Header()["Cache-Control"] = []string{"max-age=86400"}
	c.w.WriteHeader(http.StatusOK)
	_, _ = c.w.Write(homeDocs[c.v.idx])
	return nil
}

// servePing answers v1.1's and v2's /ping and v1.0's /health, GET and
// HEAD: the storage, in memory, is always reachable.
func (h *handler) servePing(c *call) error {
	c.w.WriteHeader(http.StatusNoContent)
	return nil
}

// serveHealth answers v2's /health, which Zaqar serves to admins only.
func (h *handler) serveHealth(c *call) error {
	writeJSON(c.w, http.StatusOK, map[string]any{
		"catalog_reachable": true,
		"storage_reachable": true,
	})
	return nil
}

// smallBody is the largest body accepted by requests other than message
// posts and metadata: Zaqar's max_queue_metadata.
const smallBody = maxMetadataSize
