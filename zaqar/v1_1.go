package zaqar

import "net/http"

// This file is the v1.1 layer (spec/zaqar-v1.md section 3). v1.1 is v2
// without queue PATCH, purge, share, delays and reserved-metadata
// defaults: most routes use v2's encoders, which take the paths from
// the version.

func (h *handler) v11Routes(rt *router) {
	api := func(fn func(*call) error) http.HandlerFunc { return h.api(ver11, clientRequired, fn) }
	ping := func(fn func(*call) error) http.HandlerFunc { return h.api(ver11, clientIgnored, fn) }
	rt.handle(http.MethodGet, "/v1.1/ping", ping(h.v2Ping))

	rt.handle(http.MethodGet, "/v1.1/queues", api(h.v1ListQueues))
	rt.handle(http.MethodPut, "/v1.1/queues/{queue}", api(h.v2CreateQueue))
	rt.handle(http.MethodGet, "/v1.1/queues/{queue}", api(h.v11GetQueue))
	rt.handle(http.MethodDelete, "/v1.1/queues/{queue}", api(h.v2DeleteQueue))
	rt.refuseHead("/v1.1/queues/{queue}")
	rt.handle(http.MethodGet, "/v1.1/queues/{queue}/stats", api(h.v2Stats))

	rt.handle(http.MethodPost, "/v1.1/queues/{queue}/messages", api(h.v11PostMessages))
	rt.handle(http.MethodGet, "/v1.1/queues/{queue}/messages", api(h.v1GetMessages))
	rt.handle(http.MethodDelete, "/v1.1/queues/{queue}/messages", api(h.v2DeleteMessages))
	rt.handle(http.MethodGet, "/v1.1/queues/{queue}/messages/{id}", api(h.v2GetMessage))
	rt.handle(http.MethodDelete, "/v1.1/queues/{queue}/messages/{id}", api(h.v2DeleteMessage))

	rt.handle(http.MethodPost, "/v1.1/queues/{queue}/claims", api(h.v2CreateClaim))
	rt.handle(http.MethodGet, "/v1.1/queues/{queue}/claims/{id}", api(h.v2GetClaim))
	rt.handle(http.MethodPatch, "/v1.1/queues/{queue}/claims/{id}", api(h.v2UpdateClaim))
	rt.handle(http.MethodDelete, "/v1.1/queues/{queue}/claims/{id}", api(h.v2ReleaseClaim))
}

// v11GetQueue answers the metadata as stored, {} for a missing queue:
// v1.1 fills in no reserved defaults.
func (h *handler) v11GetQueue(c *call) error {
	meta, _ := h.queueMetadata(c)
	writeJSON(c.w, http.StatusOK, meta)
	return nil
}

// v11PostMessages takes v2's envelope with the configured default TTL,
// never the queue's, and no delays, as Zaqar's v1.1 did.
func (h *handler) v11PostMessages(c *call) error {
	body, err := readBody(c.w, c.r, maxPostSize, "Message collection")
	if err != nil {
		return err
	}
	elems, err := decodeEnvelope(body)
	if err != nil {
		return err
	}
	rules := postRules{defaultTTL: h.limits.DefaultMessageTTL, undelayed: true}
	posts, err := h.decodePosts(elems, len(body), rules, c.clientID)
	if err != nil {
		return err
	}
	ids, err := h.postMessages(c, posts, true)
	if err != nil {
		return err
	}
	writePosted(c, ids, false)
	return nil
}
