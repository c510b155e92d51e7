package zaqar

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
)

// This file is the v1.0 layer (spec/zaqar-v1.md section 2), and the
// listings that v1.0 and v1.1 share. Operations whose v1.0 answer
// differs from v2's only by what the version struct describes (paths,
// message shape, Content-Location) use v2's encoders.

func (h *handler) v1Routes(rt *router) {
	api := func(fn func(*call) error) http.HandlerFunc { return h.api(ver10, clientIfSent, fn) }
	rt.handle(http.MethodGet, "/v1/health", api(h.v2Ping))

	rt.handle(http.MethodGet, "/v1/queues", api(h.v1ListQueues))
	rt.handle(http.MethodPut, "/v1/queues/{queue}", api(h.v10CreateQueue))
	rt.handle(http.MethodGet, "/v1/queues/{queue}", api(h.v10QueueExists)) // and HEAD
	rt.handle(http.MethodDelete, "/v1/queues/{queue}", api(h.v2DeleteQueue))
	rt.handle(http.MethodGet, "/v1/queues/{queue}/stats", api(h.v10Stats))
	rt.handle(http.MethodGet, "/v1/queues/{queue}/metadata", api(h.v10GetMetadata))
	rt.handle(http.MethodPut, "/v1/queues/{queue}/metadata", api(h.v10SetMetadata))

	rt.handle(http.MethodPost, "/v1/queues/{queue}/messages", api(h.v10PostMessages))
	rt.handle(http.MethodGet, "/v1/queues/{queue}/messages", api(h.v1GetMessages))
	rt.handle(http.MethodDelete, "/v1/queues/{queue}/messages", api(h.v10DeleteMessages))
	rt.handle(http.MethodGet, "/v1/queues/{queue}/messages/{id}", api(h.v2GetMessage))
	rt.handle(http.MethodDelete, "/v1/queues/{queue}/messages/{id}", api(h.v2DeleteMessage))

	rt.handle(http.MethodPost, "/v1/queues/{queue}/claims", api(h.v10CreateClaim))
	rt.handle(http.MethodGet, "/v1/queues/{queue}/claims/{id}", api(h.v2GetClaim))
	rt.handle(http.MethodPatch, "/v1/queues/{queue}/claims/{id}", api(h.v10UpdateClaim))
	rt.handle(http.MethodDelete, "/v1/queues/{queue}/claims/{id}", api(h.v2ReleaseClaim))
}

// v10CreateQueue ignores the body, as Zaqar did: php-opencloud sends
// {"queue_name", "metadata"} there, which v1.0 never read.
func (h *handler) v10CreateQueue(c *call) error {
	return h.createQueueReply(c, nil)
}

// v10QueueExists answers GET and HEAD alike, with no body: v1.0 clients
// test a queue's existence with HEAD.
func (h *handler) v10QueueExists(c *call) error {
	setContentLocation(c, false)
	if h.queueExists(c) {
		c.w.WriteHeader(http.StatusNoContent)
	} else {
		c.w.WriteHeader(http.StatusNotFound)
	}
	return nil
}

func (h *handler) v10Stats(c *call) error {
	s, ok := h.queueStats(c)
	if !ok {
		return errNoQueue(c)
	}
	setContentLocation(c, false)
	writeJSON(c.w, http.StatusOK, encodeStats(c, s))
	return nil
}

func (h *handler) v10GetMetadata(c *call) error {
	meta, ok := h.queueMetadata(c)
	if !ok {
		return errNoQueue(c)
	}
	setContentLocation(c, false)
	writeJSON(c.w, http.StatusOK, meta)
	return nil
}

// v10SetMetadata replaces the metadata. Reserved keys are refused: v1.0
// has no way to express them, and Zaqar refuses them since 2016.
func (h *handler) v10SetMetadata(c *call) error {
	body, err := readBody(c.w, c.r, maxMetadataSize, "Queue metadata")
	if err != nil {
		return err
	}
	if len(body) == 0 {
		return errEmptyBody()
	}
	meta, err := decodeMetadata(body)
	if err != nil {
		return err
	}
	for k := range meta {
		if strings.HasPrefix(k, "_") {
			return badRequest(`Reserved queue attributes in metadata (which names start with "_") can not be set in API v1; %q is one.`, k)
		}
	}
	if err := h.replaceMetadata(c, meta); err != nil {
		return err
	}
	c.w.Header().Set("Location", c.v.queuePath(c.queue)+"/metadata")
	c.w.WriteHeader(http.StatusNoContent)
	return nil
}

// v10PostMessages takes a bare array of {"ttl", "body"}, both required,
// and posts only to a queue that exists.
func (h *handler) v10PostMessages(c *call) error {
	if c.clientID == "" {
		return errMissingClientID()
	}
	body, err := readBody(c.w, c.r, maxPostSize, "Message collection")
	if err != nil {
		return err
	}
	if err := parseJSON(body); err != nil {
		return err
	}
	var elems []json.RawMessage
	if firstByte(body) != '[' || json.Unmarshal(body, &elems) != nil {
		return badBody("Document type not supported: v1.0 takes a JSON array of messages.")
	}
	posts, err := h.decodePosts(elems, len(body), postRules{ttlRequired: true, undelayed: true}, c.clientID)
	if err != nil {
		return err
	}
	ids, err := h.postMessages(c, posts, false)
	if err != nil {
		return err
	}
	writePosted(c, ids, true) // "partial": false always, since Icehouse
	return nil
}

// v1GetMessages serves both the listing and the get by ids, in v1.0
// and v1.1.
func (h *handler) v1GetMessages(c *call) error {
	if ids := queryList(c.query(), "ids"); len(ids) > 0 {
		return h.idsReply(c, ids)
	}
	return h.v1ListMessages(c)
}

// v10DeleteMessages deletes by ids, which v1.0 requires: it has no pop.
func (h *handler) v10DeleteMessages(c *call) error {
	ids := queryList(c.query(), "ids")
	if len(ids) == 0 {
		return errorf(http.StatusBadRequest, "Missing parameter",
			`The "ids" parameter is required: deleting the whole collection is denied.`)
	}
	if err := h.checkIDCount(ids); err != nil {
		return err
	}
	h.deleteMessages(c, ids)
	c.w.WriteHeader(http.StatusNoContent)
	return nil
}

// v10CreateClaim requires both ttl and grace, which later versions
// default.
func (h *handler) v10CreateClaim(c *call) error {
	limit, _, err := queryInt(c, "limit", 1, h.limits.MaxClaimLimit)
	if err != nil {
		return err
	}
	ttl, grace, err := h.decodeClaimBody(c, claimRules{
		ttlRequired: true, graceRequired: true, minGrace: h.limits.MinGrace, empty: errEmptyBody(),
	})
	if err != nil {
		return err
	}
	return h.claimReply(c, limit, ttl, grace)
}

// v10UpdateClaim requires ttl; grace defaults to 0, not to the create
// default as in later versions.
func (h *handler) v10UpdateClaim(c *call) error {
	ttl, grace, err := h.decodeClaimBody(c, claimRules{ttlRequired: true, empty: errEmptyBody()})
	if err != nil {
		return err
	}
	return h.updateClaimReply(c, ttl, grace)
}

// v1Queue is a queue in a v1.0 or v1.1 listing, whose detailed form
// shows the stored metadata, {} included.
type v1Queue struct {
	Name     string `json:"name"`
	Href     string `json:"href"`
	Metadata any    `json:"metadata,omitempty"`
}

// v1ListQueues serves v1.0 and v1.1, which know no filters and show
// metadata as stored.
func (h *handler) v1ListQueues(c *call) error {
	opts := listQueuesOptions{limit: defaultQueuesPerPage, marker: c.param("marker")}
	if n, ok, err := queryInt(c, "limit", 1, maxQueuesPerPage); err != nil {
		return err
	} else if ok {
		opts.limit = n
	}
	detailed, err := queryBool(c, "detailed")
	if err != nil {
		return err
	}
	page, _ := h.listQueues(c, opts)
	if len(page) == 0 && c.v.emptyNoContent {
		c.w.WriteHeader(http.StatusNoContent)
		return nil
	}
	out := struct {
		Queues []v1Queue `json:"queues"`
		Links  []link    `json:"links"`
	}{Queues: make([]v1Queue, 0, len(page)), Links: []link{}}
	for _, q := range page {
		v := v1Queue{Name: q.name, Href: c.v.queuePath(q.name)}
		if detailed {
			v.Metadata = q.meta
		}
		out.Queues = append(out.Queues, v)
	}
	if len(page) > 0 {
		next := nextQuery(c.query(), page[len(page)-1].name, "limit", "detailed")
		out.Links = append(out.Links, link{Rel: "next", Href: c.v.base + "/queues?" + next})
	}
	setContentLocation(c, true)
	writeJSON(c.w, http.StatusOK, out)
	return nil
}

// nextQuery is the query of a v1 next link: the request's own values of
// keep, as sent, and the new marker.
func nextQuery(q url.Values, marker string, keep ...string) string {
	next := url.Values{"marker": {marker}}
	for _, k := range keep {
		if v, ok := q[k]; ok {
			next[k] = v
		}
	}
	return next.Encode()
}

// v1ListMessages serves v1.0 and v1.1, which know no delayed messages;
// v1.0 answers an empty page 204 and needs Client-ID to hide the
// caller's own messages.
func (h *handler) v1ListMessages(c *call) error {
	if c.clientID == "" {
		return errMissingClientID()
	}
	opts, _, err := h.decodeList(c, false)
	if err != nil && !errors.Is(err, errBadMarker) {
		return err
	}
	setContentLocation(c, true)
	var msgs []message
	if err == nil {
		msgs, _ = h.listMessages(c, opts)
	}
	if len(msgs) == 0 && c.v.emptyNoContent {
		c.w.WriteHeader(http.StatusNoContent)
		return nil
	}
	out := messageList{Messages: c.v.encodeMessages(c.queue, msgs, h.clock.Now()), Links: []link{}}
	if len(msgs) > 0 {
		next := nextQuery(c.query(), msgs[len(msgs)-1].ID.String(), "limit", "echo", "include_claimed")
		out.Links = append(out.Links, link{Rel: "next", Href: c.v.queuePath(c.queue) + "/messages?" + next})
	}
	writeJSON(c.w, http.StatusOK, out)
	return nil
}
