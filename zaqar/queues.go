package zaqar

import (
	"encoding/json"
	"maps"
	"net/http"
	"strconv"

	"github.com/claimq/claimq"
)

// createQueue creates the queue with meta (validated) and reports whether
// it was created; an existing queue keeps its metadata, as in Zaqar.
func (h *handler) createQueue(c *call, meta map[string]any) (bool, error) {
	set, err := parseSettings(meta, h.limits)
	if err != nil {
		return false, err
	}
	_, created := h.reg.create(c.project, c.queue, meta, set)
	return created, nil
}

// queueMetadata returns a copy of the queue's stored metadata and whether
// the queue exists; a queue that does not exist has none, which v1.1 and
// v2 answer all the same.
func (h *handler) queueMetadata(c *call) (map[string]any, bool) {
	e := h.reg.get(c.project, c.queue)
	if e == nil {
		return map[string]any{}, false
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	return maps.Clone(e.meta), true
}

// queueExists reports whether the queue exists: v1.0's HEAD.
func (h *handler) queueExists(c *call) bool { return h.reg.get(c.project, c.queue) != nil }

// errNoQueue is the 404 of an operation that needs the queue to exist:
// v2's PATCH, and v1.0's message post, stats and metadata, from before
// Zaqar created queues lazily.
func errNoQueue(c *call) error { return notFound("Queue %s does not exist.", c.queue) }

// replaceMetadata replaces the queue's metadata wholesale, as v1.0's PUT
// .../metadata does, validating reserved keys as a create would.
// Errors: 404 for a queue that does not exist, 400 for reserved values
// out of their rules.
func (h *handler) replaceMetadata(c *call, meta map[string]any) error {
	set, err := parseSettings(meta, h.limits)
	if err != nil {
		return err
	}
	e := h.reg.get(c.project, c.queue)
	if e == nil {
		return errNoQueue(c)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	return h.reg.setMetadataLocked(e, maps.Clone(meta), set)
}

// patchOp is one JSON-patch operation on queue metadata.
type patchOp struct {
	op    string // add, remove or replace
	key   string // the metadata key, decoded from the pointer
	value any
}

// patchQueue applies changes to the queue's metadata in order, then
// validates the result and installs it for later operations; nothing
// changes on error. It returns the new metadata.
//
// Errors: 404 for a queue that does not exist, 409 for removing or
// replacing a free-form key that is not set, 400 for reserved values out
// of their rules.
func (h *handler) patchQueue(c *call, changes []patchOp) (map[string]any, error) {
	e := h.reg.get(c.project, c.queue)
	if e == nil {
		return nil, errNoQueue(c)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	meta := maps.Clone(e.meta)
	for _, ch := range changes {
		_, set := meta[ch.key]
		reserved := isReserved(ch.key)
		switch ch.op {
		case "add":
			meta[ch.key] = ch.value
		case "replace":
			if !set && !reserved {
				return nil, errorf(http.StatusConflict, titleConflict,
					"Cannot replace %q: the queue has no such metadata.", ch.key)
			}
			meta[ch.key] = ch.value
		case "remove":
			if !set && !reserved {
				return nil, errorf(http.StatusConflict, titleConflict,
					"Cannot remove %q: the queue has no such metadata.", ch.key)
			}
			delete(meta, ch.key)
		}
	}
	set, err := parseSettings(meta, h.limits)
	if err != nil {
		return nil, err
	}
	if err := h.reg.setMetadataLocked(e, meta, set); err != nil {
		return nil, err
	}
	return maps.Clone(meta), nil
}

func isReserved(key string) bool {
	switch key {
	case keyDefaultTTL, keyDefaultDelay, keyMaxClaimCount, keyDeadLetter,
		keyDeadLetterTTL, keyMaxPostSize, keyEncryptMessages:
		return true
	}
	return false
}

// deleteQueue removes the queue with its messages and claims. Requests
// still under way on it may finish against the removed queue; later ones
// see a new, empty queue.
func (h *handler) deleteQueue(c *call) {
	if e := h.reg.remove(c.project, c.queue); e != nil {
		e.q.Purge()
		e.q.Close()
	}
}

// listQueuesOptions are the arguments of a queue listing.
type listQueuesOptions struct {
	marker    string // list names after this one
	limit     int
	name      string            // substring the names must contain
	filter    map[string]string // metadata key = value, values compared as Zaqar coerces them
	withCount bool
}

// queueInfo is one queue in a listing, with its metadata.
type queueInfo struct {
	name string
	meta map[string]any
}

// listQueues returns up to opts.limit queues of the project after
// opts.marker, sorted by name, and the number of queues matching the
// filters when opts.withCount is set. Cost: O(q·log q) for the q queues
// of the project.
func (h *handler) listQueues(c *call, opts listQueuesOptions) (page []queueInfo, count int) {
	for _, e := range h.reg.list(c.project, opts.name) {
		e.mu.Lock()
		meta := maps.Clone(e.meta)
		e.mu.Unlock()
		if !metaMatches(meta, opts.filter) {
			continue
		}
		count++
		if e.name > opts.marker && len(page) < opts.limit {
			page = append(page, queueInfo{name: e.name, meta: meta})
		}
	}
	return page, count
}

// metaMatches reports whether meta has each key of filter with its value;
// a filter value that is an integer matches a number, as Zaqar coerces
// integer query values.
func metaMatches(meta map[string]any, filter map[string]string) bool {
	for k, want := range filter {
		switch v := meta[k].(type) {
		case string:
			if v != want {
				return false
			}
		case json.Number:
			a, err1 := v.Int64()
			b, err2 := strconv.ParseInt(want, 10, 64)
			if err1 != nil || err2 != nil || a != b {
				return false
			}
		default:
			return false
		}
	}
	return true
}

// queueStats returns the queue's counts and whether it exists; a queue
// that does not exist has zero of everything, which only v1.0 refuses.
func (h *handler) queueStats(c *call) (claimq.Stats, bool) {
	e := h.reg.get(c.project, c.queue)
	if e == nil {
		return claimq.Stats{}, false
	}
	return e.q.Stats(), true
}

// purgeQueue removes the queue's messages when types includes
// "messages"; this server keeps no subscriptions. Unlike Zaqar, which
// purges by popping, claimed messages go too.
func (h *handler) purgeQueue(c *call, types []string) {
	for _, t := range types {
		if t == "messages" {
			if e := h.reg.get(c.project, c.queue); e != nil {
				e.q.Purge()
			}
			return
		}
	}
}
