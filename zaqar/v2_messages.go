package zaqar

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/claimq/claimq"
)

// The v2 message resources: decoding, defaults and encoding.

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
		refs[i] = c.v.messagePath(c.queue, id, claimq.ClaimID{})
	}
	c.w.Header().Set("Location", c.v.queuePath(c.queue)+"/messages?ids="+strings.Join(idList, ","))
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
		var err error
		if e.TTL != nil {
			if p.TTL, err = durationField(e.TTL, "ttl", l.MinMessageTTL, l.MaxMessageTTL); err != nil {
				return nil, err
			}
		}
		if e.Delay != nil && set.defaultDelay > 0 {
			if p.Delay, err = durationField(e.Delay, "delay", 0, l.MaxDelay); err != nil {
				return nil, err
			}
			if p.Delay == 0 {
				p.Delay = claimq.NoDelay // an explicit 0 overrides the queue's delay
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
	Messages []wireMessage `json:"messages"`
	Links    []v2Link      `json:"links"`
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
		writeJSON(c.w, http.StatusOK, map[string][]wireMessage{
			"messages": c.v.encodeMessages(c.queue, msgs, h.clock.Now()),
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
	out := v2MessageList{Messages: []wireMessage{}, Links: []v2Link{}}
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
		out.Messages = c.v.encodeMessages(c.queue, msgs, h.clock.Now())
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
		out.Links = append(out.Links, v2Link{Rel: "next", Href: c.v.queuePath(c.queue) + "/messages?" + next.Encode()})
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
	writeJSON(c.w, http.StatusOK, c.v.encodeMessage(c.queue, m, m.ClaimID, h.clock.Now()))
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
