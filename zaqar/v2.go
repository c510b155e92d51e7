package zaqar

import (
	"bytes"
	"encoding/json"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/claimq/claimq"
)

// This file is the v2 layer: it decodes v2 requests into the arguments of
// the operations, applies v2's defaults, and encodes their results in v2's
// shapes (spec/zaqar-v2.md section 6).

func (h *handler) v2Routes(rt *router) {
	rt.handle(http.MethodGet, "/v2/ping", h.ping(h.v2Ping))
	rt.handle(http.MethodGet, "/v2/health", h.ping(h.v2Health))

	rt.handle(http.MethodGet, "/v2/queues", h.api(h.v2ListQueues))
	rt.handle(http.MethodPut, "/v2/queues/{queue}", h.api(h.v2CreateQueue))
	rt.handle(http.MethodGet, "/v2/queues/{queue}", h.api(h.v2GetQueue))
	rt.handle(http.MethodPatch, "/v2/queues/{queue}", h.api(h.v2PatchQueue))
	rt.handle(http.MethodDelete, "/v2/queues/{queue}", h.api(h.v2DeleteQueue))
	rt.handle(http.MethodGet, "/v2/queues/{queue}/stats", h.api(h.v2Stats))
	rt.handle(http.MethodPost, "/v2/queues/{queue}/purge", h.api(h.v2Purge))
	rt.handle(http.MethodPost, "/v2/queues/{queue}/share", h.api(h.v2Share))

	rt.handle(http.MethodPost, "/v2/queues/{queue}/messages", h.api(h.v2PostMessages))
	rt.handle(http.MethodGet, "/v2/queues/{queue}/messages", h.api(h.v2GetMessages))
	rt.handle(http.MethodDelete, "/v2/queues/{queue}/messages", h.api(h.v2DeleteMessages))
	rt.handle(http.MethodGet, "/v2/queues/{queue}/messages/{id}", h.api(h.v2GetMessage))
	rt.handle(http.MethodDelete, "/v2/queues/{queue}/messages/{id}", h.api(h.v2DeleteMessage))

	rt.handle(http.MethodPost, "/v2/queues/{queue}/claims", h.api(h.v2CreateClaim))
	rt.handle(http.MethodGet, "/v2/queues/{queue}/claims/{id}", h.api(h.v2GetClaim))
	rt.handle(http.MethodPatch, "/v2/queues/{queue}/claims/{id}", h.api(h.v2UpdateClaim))
	rt.handle(http.MethodDelete, "/v2/queues/{queue}/claims/{id}", h.api(h.v2ReleaseClaim))
}

// ping wraps the liveness endpoints, which need no Client-ID so that
// probes can call them (Zaqar asks for one there too).
func (h *handler) ping(fn func(*call) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c, err := h.identify(w, r, false)
		if err == nil {
			err = fn(c)
		}
		if err != nil {
			h.fail(w, r, err)
		}
	}
}

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

// --- queues ---------------------------------------------------------------

func (h *handler) v2CreateQueue(c *call) error {
	body, err := readBody(c.w, c.r, maxMetadataSize, "Queue metadata")
	if err != nil {
		return err
	}
	var meta map[string]any
	if len(body) > 0 {
		if meta, err = decodeMetadata(body); err != nil {
			return err
		}
	}
	created, err := h.createQueue(c, meta)
	if err != nil {
		return err
	}
	c.w.Header().Set("Location", queuePath(c.queue))
	if created {
		c.w.WriteHeader(http.StatusCreated)
	} else {
		c.w.WriteHeader(http.StatusNoContent)
	}
	return nil
}

func (h *handler) v2GetQueue(c *call) error {
	writeJSON(c.w, http.StatusOK, withReserved(h.queueMetadata(c), h.limits))
	return nil
}

const jsonPatchType = "application/openstack-messaging-v2.0-json-patch"

func (h *handler) v2PatchQueue(c *call) error {
	if mt, _, _ := mime.ParseMediaType(c.r.Header.Get("Content-Type")); mt != jsonPatchType {
		e := errorf(http.StatusUnsupportedMediaType, "Unsupported media type",
			"Accepted media type for PATCH: %s.", jsonPatchType)
		e.header = map[string]string{"Accept-Patch": jsonPatchType}
		return e
	}
	body, err := readBody(c.w, c.r, maxMetadataSize, "Queue metadata patch")
	if err != nil {
		return err
	}
	var changes []patchOp
	if len(body) > 0 {
		if changes, err = decodePatch(body); err != nil {
			return err
		}
	}
	meta, err := h.patchQueue(c, changes)
	if err != nil {
		return err
	}
	writeJSON(c.w, http.StatusOK, withReserved(meta, h.limits))
	return nil
}

// decodePatch parses a JSON-patch document restricted to what Zaqar
// allows on queues: add, remove and replace of /metadata/<key>.
func decodePatch(body []byte) ([]patchOp, error) {
	if err := parseJSON(body); err != nil {
		return nil, err
	}
	var raw []any
	if err := unmarshalNumbers(body, &raw); err != nil {
		return nil, badBody("Request body must be a JSON array of operation objects.")
	}
	changes := make([]patchOp, 0, len(raw))
	for _, item := range raw {
		obj, ok := item.(map[string]any)
		if !ok {
			return nil, badBody("Operations must be JSON objects.")
		}
		op, _ := obj["op"].(string)
		switch op {
		case "add", "remove", "replace":
		default:
			return nil, badBody("Invalid operation %q: \"op\" must be add, remove or replace.", obj["op"])
		}
		path, ok := obj["path"].(string)
		if !ok {
			return nil, badBody("Unable to find a \"path\" string in an operation object.")
		}
		key, ok := strings.CutPrefix(path, "/metadata/")
		if !ok || key == "" || strings.Contains(key, "/") {
			return nil, badBody("Invalid JSON pointer for this resource: %q; use /metadata/<key>.", path)
		}
		key = strings.NewReplacer("~1", "/", "~0", "~").Replace(key)
		value, hasValue := obj["value"]
		if op != "remove" && !hasValue {
			return nil, badBody("Unable to find \"value\" in the %s operation on %q.", op, path)
		}
		changes = append(changes, patchOp{op: op, key: key, value: value})
	}
	return changes, nil
}

func (h *handler) v2DeleteQueue(c *call) error {
	h.deleteQueue(c)
	c.w.WriteHeader(http.StatusNoContent)
	return nil
}

// v2 queue listing page sizes (max_queues_per_page and its default).
const (
	maxQueuesPerPage     = 20
	defaultQueuesPerPage = 10
)

type v2Link struct {
	Rel  string `json:"rel"`
	Href string `json:"href"`
}

type v2Queue struct {
	Name     string         `json:"name"`
	Href     string         `json:"href"`
	Metadata map[string]any `json:"metadata,omitempty"`
}

type v2QueueList struct {
	Queues []v2Queue `json:"queues"`
	Links  []v2Link  `json:"links"`
	Count  int       `json:"count,omitempty"`
}

func (h *handler) v2ListQueues(c *call) error {
	opts := listQueuesOptions{limit: defaultQueuesPerPage, marker: c.query.Get("marker"), name: c.query.Get("name")}
	if n, ok, err := queryInt(c.query, "limit", 1, maxQueuesPerPage); err != nil {
		return err
	} else if ok {
		opts.limit = n
	}
	detailed, err := queryBool(c.query, "detailed")
	if err != nil {
		return err
	}
	if opts.withCount, err = queryBool(c.query, "with_count"); err != nil {
		return err
	}
	for k := range c.query {
		switch k {
		case "limit", "marker", "detailed", "name", "with_count":
		default:
			if opts.filter == nil {
				opts.filter = map[string]string{}
			}
			opts.filter[k] = c.query.Get(k)
		}
	}
	page, count := h.listQueues(c, opts)
	out := v2QueueList{Queues: make([]v2Queue, 0, len(page)), Links: []v2Link{}}
	for _, q := range page {
		v := v2Queue{Name: q.name, Href: queuePath(q.name)}
		if detailed {
			v.Metadata = withReserved(q.meta, h.limits)
		}
		out.Queues = append(out.Queues, v)
	}
	if len(page) > 0 {
		next := cloneQuery(c.query)
		next.Set("marker", page[len(page)-1].name)
		next.Set("limit", strconv.Itoa(opts.limit))
		out.Links = append(out.Links, v2Link{Rel: "next", Href: "/v2/queues?" + next.Encode()})
	}
	if opts.withCount {
		out.Count = count
	}
	writeJSON(c.w, http.StatusOK, out)
	return nil
}

func cloneQuery(q url.Values) url.Values {
	out := make(url.Values, len(q)+1)
	for k, v := range q {
		out[k] = append([]string(nil), v...)
	}
	return out
}

type v2MessageRef struct {
	Href    string `json:"href"`
	Age     int64  `json:"age"`
	Created string `json:"created"`
}

type v2StatsCounts struct {
	Claimed int           `json:"claimed"`
	Free    int           `json:"free"`
	Total   int           `json:"total"`
	Oldest  *v2MessageRef `json:"oldest,omitempty"`
	Newest  *v2MessageRef `json:"newest,omitempty"`
}

func (h *handler) v2Stats(c *call) error {
	s := h.queueStats(c)
	out := v2StatsCounts{Claimed: s.Claimed, Free: s.Free, Total: s.Total}
	if s.Total > 0 {
		ref := func(m claimq.MessageStat) *v2MessageRef {
			return &v2MessageRef{
				Href:    messagePath(c.queue, m.ID, claimq.ClaimID{}),
				Age:     seconds(m.Age),
				Created: m.Created.UTC().Format("2006-01-02T15:04:05Z"),
			}
		}
		out.Oldest, out.Newest = ref(s.Oldest), ref(s.Newest)
	}
	writeJSON(c.w, http.StatusOK, map[string]any{"messages": out})
	return nil
}

func (h *handler) v2Purge(c *call) error {
	body, err := readBody(c.w, c.r, smallBody, "Purge request")
	if err != nil {
		return err
	}
	types := []string{"messages", "subscriptions"}
	if len(body) > 0 {
		obj, err := decodeObject(body)
		if err != nil {
			return err
		}
		raw, ok := obj["resource_types"]
		if !ok {
			return badBody(`Missing "resource_types" field.`)
		}
		if err := json.Unmarshal(raw, &types); err != nil {
			return badBody(`"resource_types" must be an array of strings.`)
		}
		for _, t := range types {
			if t != "messages" && t != "subscriptions" {
				return badBody(`Invalid resource type %q: "resource_types" may hold "messages" and "subscriptions".`, t)
			}
		}
	}
	h.purgeQueue(c, types)
	c.w.WriteHeader(http.StatusNoContent)
	return nil
}

type v2Share struct {
	Project   string   `json:"project"`
	Paths     []string `json:"paths"`
	Expires   string   `json:"expires"`
	Methods   []string `json:"methods"`
	Signature string   `json:"signature"`
}

func (h *handler) v2Share(c *call) error {
	body, err := readBody(c.w, c.r, smallBody, "Share request")
	if err != nil {
		return err
	}
	var opts shareOptions
	if len(body) > 0 {
		obj, err := decodeObject(body)
		if err != nil {
			return err
		}
		for k, raw := range obj {
			switch k {
			case "paths":
				err = json.Unmarshal(raw, &opts.paths)
			case "methods":
				err = json.Unmarshal(raw, &opts.methods)
			case "expires":
				var s string
				if err = json.Unmarshal(raw, &s); err == nil {
					opts.expires, err = parseShareTime(s)
				}
			default:
				return badBody("Unknown key %q: a share takes paths, methods and expires.", k)
			}
			if err != nil {
				return badBody("%q is malformed: paths and methods are arrays of strings, expires a time such as 2016-09-01T00:00:00.", k)
			}
		}
	}
	s, err := h.createShare(c, opts)
	if err != nil {
		return err
	}
	writeJSON(c.w, http.StatusOK, v2Share{
		Project:   s.project,
		Paths:     s.paths,
		Expires:   s.expires.Format(shareTimeFormat),
		Methods:   s.methods,
		Signature: s.signature,
	})
	return nil
}

// --- messages -------------------------------------------------------------

// v2Message is a message as v2 formats it (format_message).
type v2Message struct {
	ID   string          `json:"id"`
	Href string          `json:"href"`
	TTL  int64           `json:"ttl"`
	Age  int64           `json:"age"`
	Body json.RawMessage `json:"body"`
}

// seconds returns d in whole seconds, rounded down and never negative:
// the wire's integer ages and TTLs.
func seconds(d time.Duration) int64 { return max(int64(d/time.Second), 0) }

// encodeMessage formats m; its href carries claim when not zero.
func encodeMessage(queue string, m message, claim claimq.ClaimID, now time.Time) v2Message {
	return v2Message{
		ID:   m.ID.String(),
		Href: messagePath(queue, m.ID, claim),
		TTL:  seconds(m.TTL),
		Age:  seconds(m.Age(now)),
		Body: m.Body,
	}
}

func encodeMessages(queue string, msgs []message, claim claimq.ClaimID, now time.Time) []v2Message {
	out := make([]v2Message, len(msgs))
	for i, m := range msgs {
		cl := claim
		if cl.IsZero() {
			cl = m.ClaimID
		}
		out[i] = encodeMessage(queue, m, cl, now)
	}
	return out
}

type v2MessageElem struct {
	Body  json.RawMessage `json:"body"`
	TTL   json.RawMessage `json:"ttl"`
	Delay json.RawMessage `json:"delay"`
}

func (h *handler) v2PostMessages(c *call) error {
	set := h.queueSettings(c)
	limit := min(set.postLimit(), maxPostSize)
	body, err := readBody(c.w, c.r, limit, "Message collection")
	if err != nil {
		return err
	}
	posts, err := h.decodePosts(body, set, c.clientID)
	if err != nil {
		return err
	}
	ids, err := h.postMessages(c, posts)
	if err != nil {
		return err
	}
	refs := make([]string, len(ids))
	idList := make([]string, len(ids))
	for i, id := range ids {
		idList[i] = id.String()
		refs[i] = messagePath(c.queue, id, claimq.ClaimID{})
	}
	c.w.Header().Set("Location", queuePath(c.queue)+"/messages?ids="+strings.Join(idList, ","))
	writeJSON(c.w, http.StatusCreated, map[string][]string{"resources": refs})
	return nil
}

// decodePosts parses a v2 message post: {"messages": [{"body": …,
// "ttl": n, "delay": n}, …]}. As in Zaqar, delay is read only in a queue
// with a default delay, and ignored elsewhere. Bodies are compacted into
// one block, so that a batch costs one allocation for all its bodies.
func (h *handler) decodePosts(body []byte, set settings, clientID string) ([]claimq.Post[json.RawMessage], error) {
	if err := parseJSON(body); err != nil {
		return nil, err
	}
	var doc map[string]json.RawMessage
	if firstByte(body) != '{' || json.Unmarshal(body, &doc) != nil || doc["messages"] == nil {
		return nil, badBody("No messages were found in the request body.")
	}
	var elems []json.RawMessage
	if firstByte(doc["messages"]) != '[' || json.Unmarshal(doc["messages"], &elems) != nil {
		return nil, badBody(`Document type not supported: "messages" must be an array.`)
	}
	if len(elems) == 0 {
		return nil, badBody("No messages to enqueue.")
	}
	l := h.limits
	posts := make([]claimq.Post[json.RawMessage], len(elems))
	var block bytes.Buffer
	block.Grow(len(body))
	ends := make([]int, len(elems))
	for i, raw := range elems {
		var e v2MessageElem
		if firstByte(raw) != '{' || json.Unmarshal(raw, &e) != nil {
			return nil, badBody("Document type not supported: each message must be a JSON object.")
		}
		if e.Body == nil {
			return nil, badBody(`Missing "body" field.`)
		}
		p := &posts[i]
		p.ClientID = clientID
		if e.TTL != nil {
			ttl, err := intField(e.TTL, "ttl", int64(l.MinMessageTTL/time.Second), int64(l.MaxMessageTTL/time.Second), "seconds")
			if err != nil {
				return nil, err
			}
			p.TTL = time.Duration(ttl) * time.Second
		}
		if e.Delay != nil && set.defaultDelay > 0 {
			delay, err := intField(e.Delay, "delay", 0, int64(l.MaxDelay/time.Second), "seconds")
			if err != nil {
				return nil, err
			}
			p.Delay = time.Duration(delay) * time.Second
			if delay == 0 {
				p.Delay = claimq.NoDelay
			}
		}
		if err := json.Compact(&block, e.Body); err != nil {
			return nil, badBody(`"body" is not valid JSON.`)
		}
		ends[i] = block.Len()
	}
	all, start := block.Bytes(), 0
	for i := range posts {
		posts[i].Body = json.RawMessage(all[start:ends[i]:ends[i]])
		start = ends[i]
	}
	return posts, nil
}

type v2MessageList struct {
	Messages []v2Message `json:"messages"`
	Links    []v2Link    `json:"links"`
}

// v2GetMessages serves both the listing and the get by ids.
func (h *handler) v2GetMessages(c *call) error {
	if ids := queryList(c.query, "ids"); len(ids) > 0 {
		if err := h.checkIDCount(ids); err != nil {
			return err
		}
		msgs, err := h.getMessages(c, ids)
		if err != nil {
			return err
		}
		writeJSON(c.w, http.StatusOK, map[string][]v2Message{
			"messages": encodeMessages(c.queue, msgs, claimq.ClaimID{}, h.clock.Now()),
		})
		return nil
	}

	opts := claimq.ListOptions{ClientID: c.clientID}
	limit, hasLimit, err := queryInt(c.query, "limit", 1, h.limits.MaxListLimit)
	if err != nil {
		return err
	}
	opts.Limit = limit
	for _, b := range []struct {
		name string
		v    *bool
	}{{"echo", &opts.Echo}, {"include_claimed", &opts.IncludeClaimed}, {"include_delayed", &opts.IncludeDelayed}} {
		if *b.v, err = queryBool(c.query, b.name); err != nil {
			return err
		}
	}
	out := v2MessageList{Messages: []v2Message{}, Links: []v2Link{}}
	if m := c.query.Get("marker"); m != "" {
		// An unknown or malformed marker gives an empty page, as
		// Zaqar's Mongo driver does.
		if opts.Marker, err = claimq.ParseMessageID(m); err != nil {
			writeJSON(c.w, http.StatusOK, out)
			return nil
		}
	}
	msgs, forced := h.listMessages(c, opts)
	if len(msgs) > 0 {
		out.Messages = encodeMessages(c.queue, msgs, claimq.ClaimID{}, h.clock.Now())
		next := url.Values{"marker": {msgs[len(msgs)-1].ID.String()}}
		if hasLimit {
			next.Set("limit", strconv.Itoa(limit))
		}
		for _, b := range []struct {
			name string
			v    bool
		}{{"echo", opts.Echo}, {"include_claimed", opts.IncludeClaimed}, {"include_delayed", opts.IncludeDelayed || forced}} {
			if b.v {
				next.Set(b.name, "true")
			}
		}
		out.Links = append(out.Links, v2Link{Rel: "next", Href: queuePath(c.queue) + "/messages?" + next.Encode()})
	}
	writeJSON(c.w, http.StatusOK, out)
	return nil
}

// checkIDCount applies Zaqar's limit on ids per request.
func (h *handler) checkIDCount(ids []string) error {
	if n := len(ids); n > h.limits.MaxListLimit {
		return badRequest("The \"ids\" parameter lists %d messages; it may list from 1 to %d.", n, h.limits.MaxListLimit)
	}
	return nil
}

func (h *handler) v2GetMessage(c *call) error {
	m, err := h.getMessage(c, c.r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(c.w, http.StatusOK, encodeMessage(c.queue, m, m.ClaimID, h.clock.Now()))
	return nil
}

func (h *handler) v2DeleteMessage(c *call) error {
	claimID := c.query.Get("claim_id")
	if err := h.deleteMessage(c, c.r.PathValue("id"), claimID, claimID != ""); err != nil {
		return err
	}
	c.w.WriteHeader(http.StatusNoContent)
	return nil
}

// v2PopMessage is a popped message: Zaqar returns the storage dict.
type v2PopMessage struct {
	ID         string          `json:"id"`
	Age        int64           `json:"age"`
	TTL        int64           `json:"ttl"`
	Body       json.RawMessage `json:"body"`
	ClaimID    *string         `json:"claim_id"`
	ClaimCount int             `json:"claim_count"`
}

// v2DeleteMessages serves both the delete by ids and the pop.
func (h *handler) v2DeleteMessages(c *call) error {
	ids := queryList(c.query, "ids")
	popText := c.query.Get("pop")
	switch {
	case len(ids) > 0 && popText != "":
		return badRequest(`The "ids" and "pop" parameters cannot be used together.`)
	case popText != "":
		n, _, err := queryInt(c.query, "pop", 1, h.limits.MaxClaimLimit)
		if err != nil {
			return err
		}
		msgs, err := h.popMessages(c, n)
		if err != nil {
			return err
		}
		now := h.clock.Now()
		out := make([]v2PopMessage, len(msgs))
		for i, m := range msgs {
			out[i] = v2PopMessage{ID: m.ID.String(), Age: seconds(m.Age(now)), TTL: seconds(m.TTL), Body: m.Body, ClaimCount: m.ClaimCount}
		}
		writeJSON(c.w, http.StatusOK, map[string][]v2PopMessage{"messages": out})
		return nil
	case len(ids) == 0:
		return badRequest(`Deleting the whole collection is denied: give "ids" (1 to %d) or "pop" (1 to %d).`,
			h.limits.MaxListLimit, h.limits.MaxClaimLimit)
	}
	if err := h.checkIDCount(ids); err != nil {
		return err
	}
	h.deleteMessages(c, ids)
	c.w.WriteHeader(http.StatusNoContent)
	return nil
}

// --- claims ---------------------------------------------------------------

// decodeClaimBody parses {"ttl": n, "grace": n}, each optional, checking
// ttl against the claim TTL limits and grace against minGrace..MaxGrace.
// empty is the error for an empty body, nil when an empty body means the
// defaults.
func (h *handler) decodeClaimBody(c *call, minGrace time.Duration, empty error) (ttl, grace time.Duration, err error) {
	l := h.limits
	ttl, grace = l.DefaultClaimTTL, l.DefaultGrace
	body, err := readBody(c.w, c.r, smallBody, "Claim request")
	if err != nil {
		return 0, 0, err
	}
	if len(body) == 0 {
		return ttl, grace, empty
	}
	obj, err := decodeObject(body)
	if err != nil {
		return 0, 0, err
	}
	if raw, ok := obj["ttl"]; ok {
		n, err := intField(raw, "ttl", int64(l.MinClaimTTL/time.Second), int64(l.MaxClaimTTL/time.Second), "seconds")
		if err != nil {
			return 0, 0, err
		}
		ttl = time.Duration(n) * time.Second
	}
	if raw, ok := obj["grace"]; ok {
		n, err := intField(raw, "grace", int64(minGrace/time.Second), int64(l.MaxGrace/time.Second), "seconds")
		if err != nil {
			return 0, 0, err
		}
		grace = time.Duration(n) * time.Second
	}
	return ttl, grace, nil
}

func (h *handler) v2CreateClaim(c *call) error {
	limit, _, err := queryInt(c.query, "limit", 1, h.limits.MaxClaimLimit)
	if err != nil {
		return err
	}
	ttl, grace, err := h.decodeClaimBody(c, h.limits.MinGrace, nil)
	if err != nil {
		return err
	}
	if grace == 0 {
		grace = claimq.NoGrace // only reachable with limits that allow it
	}
	cl, err := h.createClaim(c, claimq.ClaimOptions{Limit: limit, TTL: ttl, Grace: grace})
	if err != nil {
		return err
	}
	if len(cl.Messages) == 0 {
		c.w.WriteHeader(http.StatusNoContent)
		return nil
	}
	c.w.Header().Set("Location", claimPath(c.queue, cl.ID))
	writeJSON(c.w, http.StatusCreated, map[string][]v2Message{
		"messages": encodeMessages(c.queue, cl.Messages, cl.ID, h.clock.Now()),
	})
	return nil
}

type v2Claim struct {
	Age      int64       `json:"age"`
	TTL      int64       `json:"ttl"`
	Href     string      `json:"href"`
	Messages []v2Message `json:"messages"`
}

func (h *handler) v2GetClaim(c *call) error {
	cl, err := h.getClaim(c, c.r.PathValue("id"))
	if err != nil {
		return err
	}
	now := h.clock.Now()
	writeJSON(c.w, http.StatusOK, v2Claim{
		Age:      seconds(cl.Age(now)),
		TTL:      seconds(cl.TTL),
		Href:     claimPath(c.queue, cl.ID),
		Messages: encodeMessages(c.queue, cl.Messages, cl.ID, now),
	})
	return nil
}

func (h *handler) v2UpdateClaim(c *call) error {
	// Zaqar checks grace on update only for type; claimq needs it
	// within 0..MaxGrace, which the description then names.
	ttl, grace, err := h.decodeClaimBody(c, 0, badBody("Request body can not be empty."))
	if err != nil {
		return err
	}
	if err := h.updateClaim(c, c.r.PathValue("id"), ttl, grace); err != nil {
		return err
	}
	c.w.WriteHeader(http.StatusNoContent)
	return nil
}

func (h *handler) v2ReleaseClaim(c *call) error {
	h.releaseClaim(c, c.r.PathValue("id"))
	c.w.WriteHeader(http.StatusNoContent)
	return nil
}
