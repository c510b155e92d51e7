package zaqar

import (
	"encoding/json"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"github.com/claimq/claimq"
)

// The queue resources of every version: decoding, defaults and encoding.
// The route table (routes.go) says which versions each function serves;
// a suffix (V10, V11, V1 for both, V2) marks one written for those alone.

// serveCreateQueue serves v1.1 too, whose PUT also takes metadata.
func (h *handler) serveCreateQueue(c *call) error {
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
	return h.createQueueReply(c, meta)
}

// createQueueReply creates the queue with meta and answers as every
// version does: 201 if created, 204 if it existed, with its Location.
func (h *handler) createQueueReply(c *call, meta map[string]any) error {
	created, err := h.createQueue(c.target, meta)
	if err != nil {
		return err
	}
	c.w.Header().Set("Location", c.qpath.String())
	if created {
		c.w.WriteHeader(http.StatusCreated)
	} else {
		c.w.WriteHeader(http.StatusNoContent)
	}
	return nil
}

// serveGetQueueV2 serves topics too, which must exist (Zaqar answers a
// missing topic 404, a missing queue with the defaults).
func (h *handler) serveGetQueueV2(c *call) error {
	meta, ok := h.queueMetadata(c.target)
	if !ok && c.topic {
		return notFound("Topic %s does not exist.", c.queue)
	}
	writeJSON(c.w, http.StatusOK, withReserved(meta, h.limits, c.topic))
	return nil
}

const jsonPatchType = "application/openstack-messaging-v2.0-json-patch"

func (h *handler) servePatchQueue(c *call) error {
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
	if len(body) == 0 {
		return badBody("PATCH body could not be empty for update.")
	}
	changes, err := decodePatch(body)
	if err != nil {
		return err
	}
	meta, err := h.patchQueue(c.target, changes)
	if err != nil {
		return err
	}
	writeJSON(c.w, http.StatusOK, withReserved(meta, h.limits, c.topic))
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

// serveDeleteQueue serves every version.
func (h *handler) serveDeleteQueue(c *call) error {
	h.deleteQueue(c.target)
	c.w.WriteHeader(http.StatusNoContent)
	return nil
}

// v2 queue listing page sizes (max_queues_per_page and its default).
const (
	maxQueuesPerPage     = 20
	defaultQueuesPerPage = 10
)

type link struct {
	Rel  string `json:"rel"`
	Href string `json:"href"`
}

type queueItemV2 struct {
	Name     string         `json:"name"`
	Href     string         `json:"href"`
	Metadata map[string]any `json:"metadata,omitempty"`
}

type queueListV2 struct {
	Queues []queueItemV2 `json:"queues"`
	Links  []link        `json:"links"`
	Count  int           `json:"count,omitempty"`
}

// topicListV2 is a topic listing, which names its items topics.
type topicListV2 struct {
	Topics []queueItemV2 `json:"topics"`
	Links  []link        `json:"links"`
	Count  int           `json:"count,omitempty"`
}

func (h *handler) serveListQueuesV2(c *call) error {
	opts := listQueuesOptions{limit: defaultQueuesPerPage, marker: c.param("marker"), name: c.param("name")}
	if n, ok, err := queryInt(c, "limit", 1, maxQueuesPerPage); err != nil {
		return err
	} else if ok {
		opts.limit = n
	}
	detailed, err := queryBool(c, "detailed")
	if err != nil {
		return err
	}
	if opts.withCount, err = queryBool(c, "with_count"); err != nil {
		return err
	}
	for k := range c.query() {
		switch k {
		case "limit", "marker", "detailed", "name", "with_count":
		default:
			if opts.filter == nil {
				opts.filter = map[string]string{}
			}
			opts.filter[k] = c.param(k)
		}
	}
	page, count := h.listQueues(c.target, opts)
	path, collection := c.v.queuePath, "/v2/queues?"
	if c.topic {
		path, collection = c.v.topicPath, "/v2/topics?"
	}
	out := queueListV2{Queues: make([]queueItemV2, 0, len(page)), Links: []link{}}
	for _, q := range page {
		v := queueItemV2{Name: q.name, Href: path(q.name)}
		if detailed {
			v.Metadata = withReserved(q.meta, h.limits, c.topic)
		}
		out.Queues = append(out.Queues, v)
	}
	if len(page) > 0 {
		// The parameters given and the new marker, as Zaqar links.
		next := cloneQuery(c.query())
		next.Set("marker", page[len(page)-1].name)
		out.Links = append(out.Links, link{Rel: "next", Href: collection + next.Encode()})
	}
	if !opts.withCount {
		count = 0
	}
	if c.topic {
		writeJSON(c.w, http.StatusOK, topicListV2{Topics: out.Queues, Links: out.Links, Count: count})
		return nil
	}
	out.Count = count
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

type messageRef struct {
	Href    string `json:"href"`
	Age     int64  `json:"age"`
	Created string `json:"created"`
}

type statsCounts struct {
	Claimed int         `json:"claimed"`
	Free    int         `json:"free"`
	Total   int         `json:"total"`
	Oldest  *messageRef `json:"oldest,omitempty"`
	Newest  *messageRef `json:"newest,omitempty"`
}

// serveStats serves v1.1 too.
func (h *handler) serveStats(c *call) error {
	s, _ := h.queueStats(c.target)
	writeJSON(c.w, http.StatusOK, encodeStats(c, s))
	return nil
}

// encodeStats formats s as every version does.
func encodeStats(c *call, s claimq.Stats) map[string]statsCounts {
	out := statsCounts{Claimed: s.Claimed, Free: s.Free, Total: s.Total}
	if s.Total > 0 {
		ref := func(m claimq.MessageStat) *messageRef {
			return &messageRef{
				Href:    messagePath(c.qpath, m.ID, claimq.ClaimID{}),
				Age:     seconds(m.Age),
				Created: m.Created.UTC().Format("2006-01-02T15:04:05Z"),
			}
		}
		out.Oldest, out.Newest = ref(s.Oldest), ref(s.Newest)
	}
	return map[string]statsCounts{"messages": out}
}

func (h *handler) servePurge(c *call) error {
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
	h.purgeQueue(c.target, types)
	c.w.WriteHeader(http.StatusNoContent)
	return nil
}

type serveShare struct {
	Project   string   `json:"project"`
	Paths     []string `json:"paths"`
	Expires   string   `json:"expires"`
	Methods   []string `json:"methods"`
	Signature string   `json:"signature"`
}

func (h *handler) serveShare(c *call) error {
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
	s, err := h.createShare(c.target, c.qpath.String(), opts)
	if err != nil {
		return err
	}
	writeJSON(c.w, http.StatusOK, serveShare{
		Project:   s.project,
		Paths:     s.paths,
		Expires:   s.expires.Format(shareTimeFormat),
		Methods:   s.methods,
		Signature: s.signature,
	})
	return nil
}

// serveCreateQueueV10 ignores the body, as Zaqar did: php-opencloud sends
// {"queue_name", "metadata"} there, which v1.0 never read.
func (h *handler) serveCreateQueueV10(c *call) error {
	return h.createQueueReply(c, nil)
}

// serveQueueExistsV10 answers GET and HEAD alike, with no body: v1.0 clients
// test a queue's existence with HEAD.
func (h *handler) serveQueueExistsV10(c *call) error {
	setContentLocation(c, false)
	if h.queueExists(c.target) {
		c.w.WriteHeader(http.StatusNoContent)
	} else {
		c.w.WriteHeader(http.StatusNotFound)
	}
	return nil
}

func (h *handler) serveStatsV10(c *call) error {
	s, ok := h.queueStats(c.target)
	if !ok {
		return errNoQueue(c.queue)
	}
	setContentLocation(c, false)
	writeJSON(c.w, http.StatusOK, encodeStats(c, s))
	return nil
}

func (h *handler) serveGetMetadataV10(c *call) error {
	meta, ok := h.queueMetadata(c.target)
	if !ok {
		return errNoQueue(c.queue)
	}
	setContentLocation(c, false)
	writeJSON(c.w, http.StatusOK, meta)
	return nil
}

// serveSetMetadataV10 replaces the metadata. Reserved keys are refused: v1.0
// has no way to express them, and Zaqar refuses them since 2016.
func (h *handler) serveSetMetadataV10(c *call) error {
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
	if err := h.replaceMetadata(c.target, meta); err != nil {
		return err
	}
	c.w.Header().Set("Location", c.qpath.String()+"/metadata")
	c.w.WriteHeader(http.StatusNoContent)
	return nil
}

// queueItemV1 is a queue in a v1.0 or v1.1 listing, whose detailed form
// shows the stored metadata, {} included.
type queueItemV1 struct {
	Name     string `json:"name"`
	Href     string `json:"href"`
	Metadata any    `json:"metadata,omitempty"`
}

// serveListQueuesV1 serves v1.0 and v1.1, which know no filters and show
// metadata as stored.
func (h *handler) serveListQueuesV1(c *call) error {
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
	page, _ := h.listQueues(c.target, opts)
	if len(page) == 0 && c.v.emptyNoContent {
		c.w.WriteHeader(http.StatusNoContent)
		return nil
	}
	out := struct {
		Queues []queueItemV1 `json:"queues"`
		Links  []link        `json:"links"`
	}{Queues: make([]queueItemV1, 0, len(page)), Links: []link{}}
	for _, q := range page {
		v := queueItemV1{Name: q.name, Href: c.v.queuePath(q.name)}
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

// serveGetQueueV11 answers the metadata as stored, {} for a missing queue:
// v1.1 fills in no reserved defaults.
func (h *handler) serveGetQueueV11(c *call) error {
	meta, _ := h.queueMetadata(c.target)
	writeJSON(c.w, http.StatusOK, meta)
	return nil
}
