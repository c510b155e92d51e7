package zaqar

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/claimq/claimq"
)

// The message resources of every version: decoding, defaults and encoding.
// The route table (routes.go) says which versions each function serves;
// a suffix (V10, V11, V1 for both, V2) marks one written for those alone.

func (h *handler) servePostMessagesV2(c *call) error {
	set := h.queueSettings(c.target)
	limit := min(set.postLimit(), maxPostSize)
	body, err := readBody(c.w, c.r, limit, "Message collection")
	if err != nil {
		return err
	}
	elems, err := decodeEnvelope(body)
	if err != nil {
		return err
	}
	// As in Zaqar, delay is read only in a queue with a default delay,
	// and ignored elsewhere.
	posts, err := h.decodePosts(elems, len(body), postRules{delays: set.defaultDelay > 0}, c.client)
	if err != nil {
		return err
	}
	ids, err := h.postMessages(c.target, posts, true)
	if err != nil {
		return err
	}
	writePosted(c, ids, false)
	return nil
}

// decodeEnvelope parses the message post of v1.1 and v2, {"messages":
// […]}, into its elements.
func decodeEnvelope(body []byte) ([]json.RawMessage, error) {
	if err := parseJSON(body); err != nil {
		return nil, err
	}
	if elems, ok, err := scanEnvelope(body); ok {
		return elems, err
	}
	var doc map[string]json.RawMessage
	if firstByte(body) != '{' || json.Unmarshal(body, &doc) != nil || doc["messages"] == nil {
		return nil, badBody("No messages were found in the request body.")
	}
	var elems []json.RawMessage
	if firstByte(doc["messages"]) != '[' || json.Unmarshal(doc["messages"], &elems) != nil {
		return nil, badBody(`Document type not supported: "messages" must be an array.`)
	}
	return elems, nil
}

// postRules are what a version asks of each posted message.
type postRules struct {
	ttlRequired bool          // v1.0
	defaultTTL  time.Duration // a TTL not given; 0 leaves it to the queue's default
	delays      bool          // read "delay"; otherwise the queue's default delay applies
	undelayed   bool          // ignore the queue's default delay: v1.x know no delays
}

type messageElem struct {
	Body  json.RawMessage `json:"body"`
	TTL   json.RawMessage `json:"ttl"`
	Delay json.RawMessage `json:"delay"`
}

// decodePosts parses the elements of a message post, {"body": …,
// "ttl": n, "delay": n} each, by the version's rules; size is that of
// the whole body, which parseJSON accepted. Bodies are compacted into one block, so that a batch
// costs one allocation for all its bodies.
func (h *handler) decodePosts(elems []json.RawMessage, size int, r postRules, clientID string) ([]claimq.Post[json.RawMessage], error) {
	if len(elems) == 0 {
		return nil, badBody("No messages to enqueue.")
	}
	l := h.limits
	posts := make([]claimq.Post[json.RawMessage], len(elems))
	var block bytes.Buffer
	block.Grow(size)
	ends := make([]int, len(elems))
	for i, raw := range elems {
		var e messageElem
		if firstByte(raw) != '{' || !decodeElem(raw, &e) {
			return nil, badBody("Document type not supported: each message must be a JSON object.")
		}
		if e.TTL == nil && r.ttlRequired {
			return nil, badBody(`Missing "ttl" field.`)
		}
		if e.Body == nil {
			return nil, badBody(`Missing "body" field.`)
		}
		p := &posts[i]
		p.ClientID = clientID
		p.TTL = r.defaultTTL
		var err error
		if e.TTL != nil {
			if p.TTL, err = durationField(e.TTL, "ttl", l.MinMessageTTL, l.MaxMessageTTL); err != nil {
				return nil, err
			}
		}
		if e.Delay != nil && r.delays {
			if p.Delay, err = durationField(e.Delay, "delay", 0, l.MaxDelay); err != nil {
				return nil, err
			}
		}
		if p.Delay == 0 && (r.undelayed || e.Delay != nil && r.delays) {
			p.Delay = claimq.NoDelay // an explicit 0 overrides the queue's delay
		}
		block.Write(compactValid(block.AvailableBuffer(), e.Body))
		ends[i] = block.Len()
	}
	all, start := block.Bytes(), 0
	for i := range posts {
		posts[i].Body = json.RawMessage(all[start:ends[i]:ends[i]])
		start = ends[i]
	}
	return posts, nil
}

// decodeElem decodes raw, a valid JSON object, into e, by the scanner
// when it can: without copying the fields.
func decodeElem(raw json.RawMessage, e *messageElem) bool {
	if scanMessageElem(raw, e) {
		return true
	}
	*e = messageElem{}
	return json.Unmarshal(raw, e) == nil
}

// serveGetMessagesV2 serves both the listing and the get by ids.
func (h *handler) serveGetMessagesV2(c *call) error {
	if ids := queryList(c.query(), "ids"); len(ids) > 0 {
		return h.idsReply(c, ids)
	}

	opts, hasLimit, err := h.decodeList(c, true)
	if errors.Is(err, errBadMarker) {
		c.v.writePage(c.w, c.qpath, nil, "", h.clock.Now())
		return nil
	}
	if err != nil {
		return err
	}
	limit := opts.Limit
	msgs, forced, _ := h.listMessages(c.target, opts)
	var nextHref string
	if len(msgs) > 0 {
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
		nextHref = c.qpath.String() + "/messages?" + next.Encode()
	}
	c.v.writePage(c.w, c.qpath, msgs, nextHref, h.clock.Now())
	return nil
}

// errBadMarker reports a marker that names no message: an empty page, as
// Zaqar's Mongo driver gives.
var errBadMarker = errors.New("malformed marker")

// decodeList reads the parameters of a message listing: limit, echo,
// include_claimed, and include_delayed where the version has it.
// hasLimit reports a limit given; the error is errBadMarker for a marker
// that is not a message ID.
func (h *handler) decodeList(c *call, delayed bool) (opts claimq.ListOptions, hasLimit bool, err error) {
	opts.ClientID = c.client
	if opts.Limit, hasLimit, err = queryInt(c, "limit", 1, h.limits.MaxListLimit); err != nil {
		return opts, false, err
	}
	flags := []struct {
		name string
		v    *bool
	}{{"echo", &opts.Echo}, {"include_claimed", &opts.IncludeClaimed}, {"include_delayed", &opts.IncludeDelayed}}
	if !delayed {
		flags = flags[:2]
	}
	for _, b := range flags {
		if *b.v, err = queryBool(c, b.name); err != nil {
			return opts, false, err
		}
	}
	if m := c.param("marker"); m != "" {
		if opts.Marker, err = claimq.ParseMessageID(m); err != nil {
			return opts, hasLimit, errBadMarker
		}
	}
	return opts, hasLimit, nil
}

// idsReply answers a get by ids as every version does: the messages
// found, bare in v1.0 and in an envelope since v1.1; none found is 204 in
// v1.0 and 404 since.
func (h *handler) idsReply(c *call, ids []string) error {
	if err := h.checkIDCount(ids); err != nil {
		return err
	}
	msgs := h.getMessages(c.target, ids)
	switch {
	case len(msgs) == 0 && c.v.emptyNoContent:
		c.w.WriteHeader(http.StatusNoContent)
		return nil
	case len(msgs) == 0:
		return errNoMessages(ids)
	}
	c.v.writeMessages(c.w, http.StatusOK, c.qpath, msgs, claimq.ClaimID{}, h.clock.Now())
	return nil
}

// checkIDCount applies Zaqar's limit on ids per request.
func (h *handler) checkIDCount(ids []string) error {
	if n := len(ids); n > h.limits.MaxListLimit {
		return badRequest("The \"ids\" parameter lists %d messages; it may list from 1 to %d.", n, h.limits.MaxListLimit)
	}
	return nil
}

// serveGetMessage serves every version, each with its representation.
func (h *handler) serveGetMessage(c *call) error {
	m, err := h.getMessage(c.target, c.id)
	if err != nil {
		return err
	}
	setContentLocation(c, true)
	c.v.writeMessage(c.w, c.qpath, m, h.clock.Now())
	return nil
}

// serveDeleteMessage serves every version: the delete-with-claim answers
// are the same in all.
func (h *handler) serveDeleteMessage(c *call) error {
	claimID := c.param("claim_id")
	if err := h.deleteMessage(c.target, c.id, claimID, claimID != ""); err != nil {
		return err
	}
	c.w.WriteHeader(http.StatusNoContent)
	return nil
}

// poppedMessage is a popped message: Zaqar returns the storage dict.
type poppedMessage struct {
	ID         string          `json:"id"`
	Age        int64           `json:"age"`
	TTL        int64           `json:"ttl"`
	Body       json.RawMessage `json:"body"`
	ClaimID    *string         `json:"claim_id"`
	ClaimCount int             `json:"claim_count"`
}

// serveDeleteMessages serves both the delete by ids and the pop, in v1.1
// too.
func (h *handler) serveDeleteMessages(c *call) error {
	ids := queryList(c.query(), "ids")
	popText := c.param("pop")
	switch {
	case len(ids) > 0 && popText != "":
		return badRequest(`The "ids" and "pop" parameters cannot be used together.`)
	case popText != "":
		n, _, err := queryInt(c, "pop", 1, h.limits.MaxClaimLimit)
		if err != nil {
			return err
		}
		msgs, err := h.popMessages(c.target, n)
		if err != nil {
			return err
		}
		now := h.clock.Now()
		out := make([]poppedMessage, len(msgs))
		for i, m := range msgs {
			out[i] = poppedMessage{ID: m.ID.String(), Age: seconds(m.Age(now)), TTL: seconds(m.TTL), Body: m.Body, ClaimCount: m.ClaimCount}
		}
		writeJSON(c.w, http.StatusOK, map[string][]poppedMessage{"messages": out})
		return nil
	case len(ids) == 0:
		return badRequest(`Deleting the whole collection is denied: give "ids" (1 to %d) or "pop" (1 to %d).`,
			h.limits.MaxListLimit, h.limits.MaxClaimLimit)
	}
	if err := h.checkIDCount(ids); err != nil {
		return err
	}
	h.deleteMessages(c.target, ids)
	c.w.WriteHeader(http.StatusNoContent)
	return nil
}

// servePostMessagesV10 takes a bare array of {"ttl", "body"}, both required,
// and posts only to a queue that exists.
func (h *handler) servePostMessagesV10(c *call) error {
	if c.client == "" {
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
	posts, err := h.decodePosts(elems, len(body), postRules{ttlRequired: true, undelayed: true}, c.client)
	if err != nil {
		return err
	}
	ids, err := h.postMessages(c.target, posts, false)
	if err != nil {
		return err
	}
	writePosted(c, ids, true) // "partial": false always, since Icehouse
	return nil
}

// serveGetMessagesV1 serves both the listing and the get by ids, in v1.0
// and v1.1.
func (h *handler) serveGetMessagesV1(c *call) error {
	setContentLocation(c, true) // whatever the answer, as v1.0 set it
	if ids := queryList(c.query(), "ids"); len(ids) > 0 {
		return h.idsReply(c, ids)
	}
	return h.listMessagesV1(c)
}

// serveDeleteMessagesV10 deletes by ids, which v1.0 requires: it has no pop.
func (h *handler) serveDeleteMessagesV10(c *call) error {
	ids := queryList(c.query(), "ids")
	if len(ids) == 0 {
		return errorf(http.StatusBadRequest, "Missing parameter",
			`The "ids" parameter is required: deleting the whole collection is denied.`)
	}
	if err := h.checkIDCount(ids); err != nil {
		return err
	}
	h.deleteMessages(c.target, ids)
	c.w.WriteHeader(http.StatusNoContent)
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

// listMessagesV1 serves v1.0 and v1.1, which know no delayed messages;
// v1.0 answers an empty page 204 and needs Client-ID to hide the
// caller's own messages.
func (h *handler) listMessagesV1(c *call) error {
	if c.client == "" {
		return errMissingClientID()
	}
	opts, _, err := h.decodeList(c, false)
	if err != nil && !errors.Is(err, errBadMarker) {
		return err
	}
	var msgs []message
	exists := true
	if err == nil {
		msgs, _, exists = h.listMessages(c.target, opts)
	}
	if !exists && !c.v.lazyQueues {
		return errNoQueue(c.queue)
	}
	if len(msgs) == 0 && c.v.emptyNoContent {
		c.w.WriteHeader(http.StatusNoContent)
		return nil
	}
	var next string
	if len(msgs) > 0 {
		next = c.qpath.String() + "/messages?" + nextQuery(c.query(), msgs[len(msgs)-1].ID.String(), "limit", "echo", "include_claimed")
	}
	c.v.writePage(c.w, c.qpath, msgs, next, h.clock.Now())
	return nil
}

// servePostMessagesV11 takes v2's envelope with the configured default TTL,
// never the queue's, and no delays, as Zaqar's v1.1 did.
func (h *handler) servePostMessagesV11(c *call) error {
	body, err := readBody(c.w, c.r, maxPostSize, "Message collection")
	if err != nil {
		return err
	}
	elems, err := decodeEnvelope(body)
	if err != nil {
		return err
	}
	rules := postRules{defaultTTL: h.limits.DefaultMessageTTL, undelayed: true}
	posts, err := h.decodePosts(elems, len(body), rules, c.client)
	if err != nil {
		return err
	}
	ids, err := h.postMessages(c.target, posts, true)
	if err != nil {
		return err
	}
	writePosted(c, ids, false)
	return nil
}
