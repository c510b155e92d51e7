package zaqar

import (
	"encoding/json"
	"maps"
	"net/http"
	"strconv"
	"strings"

	"github.com/claimq/claimq"
)

// createQueue creates the queue with meta (validated) and reports whether
// it was created; an existing queue keeps its metadata, as in Zaqar.
func (h *handler) createQueue(t target, meta map[string]any) (bool, error) {
	set, err := parseSettings(meta, h.limits)
	if err != nil {
		return false, err
	}
	_, created, err := h.registry(t).create(t.project, t.queue, meta, set, false)
	return created, err
}

// queueMetadata returns a copy of the queue's stored metadata and whether
// the queue exists; a queue that does not exist has none, which v1.1 and
// v2 answer all the same.
func (h *handler) queueMetadata(t target) (map[string]any, bool) {
	e := h.registry(t).get(t.project, t.queue)
	if e == nil {
		return map[string]any{}, false
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	return maps.Clone(e.meta), true
}

// queueExists reports whether the queue exists: v1.0's HEAD.
func (h *handler) queueExists(t target) bool { return h.registry(t).get(t.project, t.queue) != nil }

// errNoQueue is the 404 of an operation that needs the queue to exist:
// v2's PATCH, and v1.0's message post, stats and metadata, from before
// Zaqar created queues lazily.
func errNoQueue(queue string) error { return notFound("Queue %s does not exist.", queue) }

// replaceMetadata replaces the queue's metadata wholesale, as v1.0's PUT
// .../metadata does, validating reserved keys as a create would.
// Errors: 404 for a queue that does not exist, 400 for reserved values
// out of their rules.
func (h *handler) replaceMetadata(t target, meta map[string]any) error {
	set, err := parseSettings(meta, h.limits)
	if err != nil {
		return err
	}
	e := h.registry(t).get(t.project, t.queue)
	if e == nil {
		return errNoQueue(t.queue)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	return h.registry(t).setMetadataLocked(e, maps.Clone(meta), set)
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
// of their rules or a result larger than a PUT may set (64 KiB of JSON).
func (h *handler) patchQueue(t target, changes []patchOp) (map[string]any, error) {
	e := h.registry(t).get(t.project, t.queue)
	if e == nil {
		return nil, errNoQueue(t.queue)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	meta := maps.Clone(e.meta)
	for _, ch := range changes {
		_, set := meta[ch.key]
		reserved := isReserved(ch.key, t.topic)
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
	// Checked on the result, so that patches cannot grow the metadata
	// past what a PUT may set.
	if b, err := json.Marshal(meta); err != nil || len(b) > maxMetadataSize {
		return nil, badBody("Queue metadata is too large: %d bytes once patched, at most %d.", len(b), maxMetadataSize)
	}
	set, err := parseSettings(meta, h.limits)
	if err != nil {
		return nil, err
	}
	if err := h.registry(t).setMetadataLocked(e, meta, set); err != nil {
		return nil, err
	}
	return maps.Clone(meta), nil
}

// deleteQueue removes the queue with its messages and claims. Requests
// still under way on it may finish against the removed queue; later ones
// see a new, empty queue.
func (h *handler) deleteQueue(t target) {
	if e := h.registry(t).remove(t.project, t.queue); e != nil {
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
// filters when opts.withCount is set. Cost: O(log q + opts.limit) for
// the q queues of the project, plus the queues a name or metadata
// filter skips; with_count visits every queue.
func (h *handler) listQueues(t target, opts listQueuesOptions) (page []queueInfo, count int) {
	matches := func(e *entry) bool {
		if !strings.Contains(e.name, opts.name) {
			return false
		}
		if len(opts.filter) == 0 {
			return true
		}
		e.mu.Lock()
		defer e.mu.Unlock()
		return metaMatches(e.meta, opts.filter)
	}
	h.registry(t).ascend(t.project, opts.marker, func(e *entry) bool {
		if matches(e) {
			e.mu.Lock()
			page = append(page, queueInfo{name: e.name, meta: maps.Clone(e.meta)})
			e.mu.Unlock()
		}
		return len(page) < opts.limit
	})
	if opts.withCount {
		h.registry(t).ascend(t.project, "", func(e *entry) bool {
			if matches(e) {
				count++
			}
			return true
		})
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
func (h *handler) queueStats(t target) (claimq.Stats, bool) {
	e := h.registry(t).get(t.project, t.queue)
	if e == nil {
		return claimq.Stats{}, false
	}
	return e.q.Stats(), true
}

// purgeQueue removes the queue's messages when types includes
// "messages"; this server keeps no subscriptions. Unlike Zaqar, which
// purges by popping, claimed messages go too.
func (h *handler) purgeQueue(t target, types []string) {
	for _, typ := range types {
		if typ == "messages" {
			if e := h.registry(t).get(t.project, t.queue); e != nil {
				e.q.Purge()
			}
			return
		}
	}
}
