package zaqar

import (
	"net/http"
)

// This file is the v2 layer: it decodes v2 requests into the arguments of
// the operations, applies v2's defaults, and encodes their results in v2's
// shapes (spec/zaqar-v2.md section 6).

func (h *handler) v2Routes(rt *router) {
	api := func(fn func(*call) error) http.HandlerFunc { return h.api(ver2, clientRequired, fn) }
	// Unlike Zaqar, the liveness endpoints need no Client-ID, so that
	// probes can call them.
	ping := func(fn func(*call) error) http.HandlerFunc { return h.api(ver2, clientIgnored, fn) }
	rt.handle(http.MethodGet, "/v2/ping", ping(h.v2Ping))
	rt.handle(http.MethodGet, "/v2/health", ping(h.v2Health))

	rt.handle(http.MethodGet, "/v2/queues", api(h.v2ListQueues))
	rt.handle(http.MethodPut, "/v2/queues/{queue}", api(h.v2CreateQueue))
	rt.handle(http.MethodGet, "/v2/queues/{queue}", api(h.v2GetQueue))
	rt.handle(http.MethodPatch, "/v2/queues/{queue}", api(h.v2PatchQueue))
	rt.handle(http.MethodDelete, "/v2/queues/{queue}", api(h.v2DeleteQueue))
	rt.handle(http.MethodGet, "/v2/queues/{queue}/stats", api(h.v2Stats))
	rt.handle(http.MethodPost, "/v2/queues/{queue}/purge", api(h.v2Purge))
	rt.handle(http.MethodPost, "/v2/queues/{queue}/share", api(h.v2Share))

	rt.handle(http.MethodPost, "/v2/queues/{queue}/messages", api(h.v2PostMessages))
	rt.handle(http.MethodGet, "/v2/queues/{queue}/messages", api(h.v2GetMessages))
	rt.handle(http.MethodDelete, "/v2/queues/{queue}/messages", api(h.v2DeleteMessages))
	rt.handle(http.MethodGet, "/v2/queues/{queue}/messages/{id}", api(h.v2GetMessage))
	rt.handle(http.MethodDelete, "/v2/queues/{queue}/messages/{id}", api(h.v2DeleteMessage))

	rt.handle(http.MethodPost, "/v2/queues/{queue}/claims", api(h.v2CreateClaim))
	rt.handle(http.MethodGet, "/v2/queues/{queue}/claims/{id}", api(h.v2GetClaim))
	rt.handle(http.MethodPatch, "/v2/queues/{queue}/claims/{id}", api(h.v2UpdateClaim))
	rt.handle(http.MethodDelete, "/v2/queues/{queue}/claims/{id}", api(h.v2ReleaseClaim))
}

// v2Ping serves v1.0's /health and v1.1's /ping too.
func (h *handler) v2Ping(c *call) error {
	c.w.WriteHeader(http.StatusNoContent)
	return nil
}

func (h *handler) v2Health(c *call) error {
	writeJSON(c.w, http.StatusOK, map[string]any{
		"catalog_reachable": true,
		"storage_reachable": true,
	})
	return nil
}

// smallBody is the largest body accepted by requests other than message
// posts: Zaqar's max_queue_metadata.
const smallBody = maxMetadataSize
