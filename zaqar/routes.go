package zaqar

import (
	"net/http"
	"slices"
	"strings"
)

// This file is the route table: every path the handler serves, with the
// method, the operation's stable name and, per API version, the function
// that serves it or none. Version policy that is not representation
// (which routes exist, which Client-ID rule applies) lives here and in
// [version]; the operations behind the serve functions (queues.go,
// messages.go, claims.go) take a [target] and never see the version.

// serveFunc serves one route of one version.
type serveFunc func(h *handler, c *call) error

// route is one method on one path pattern of the versioned APIs.
type route struct {
	// op names the operation, the same in every version, by the name
	// Zaqar's policy file gives it ("queues:get_all"): what a hook placed
	// before the routes (see handler.intercept) matches on. The names are
	// listed in doc.go.
	op     string
	method string
	// path is the pattern under the version's base: literal segments
	// and the wildcards {queue} (a queue's or, under /topics, a topic's
	// name) and {id}.
	path string
	// serve holds the function of each version, indexed by version.idx;
	// nil where the version has no such route (404, or 405 when the path
	// exists with other methods).
	serve [numVersions]serveFunc
	// probe checks Client-ID only when sent, so that liveness probes
	// need none (Zaqar requires it there in v1.1 and v2).
	probe bool
}

// all serves every version with fn.
func all(fn serveFunc) [numVersions]serveFunc { return [numVersions]serveFunc{fn, fn, fn} }

// since11 serves v1.1 and v2 with fn, and v1.0 with v10 (nil: none).
func since11(v10, fn serveFunc) [numVersions]serveFunc { return [numVersions]serveFunc{v10, fn, fn} }

// only2 serves v2 alone.
func only2(fn serveFunc) [numVersions]serveFunc { return [numVersions]serveFunc{2: fn} }

// routeTable lists the routes of the three versions (spec/zaqar-v2.md
// section 6, spec/zaqar-v1.md sections 2 and 3).
var routeTable = []route{
	{op: "home:get", method: http.MethodGet, path: "/", serve: all((*handler).serveHome)},
	{op: "ping:get", method: http.MethodGet, path: "/ping", serve: since11(nil, (*handler).servePing), probe: true},
	{op: "ping:get", method: http.MethodHead, path: "/ping", serve: since11(nil, (*handler).servePing), probe: true},
	{op: "health:get", method: http.MethodGet, path: "/health", serve: [numVersions]serveFunc{(*handler).servePing, nil, (*handler).serveHealth}, probe: true},
	{op: "health:get", method: http.MethodHead, path: "/health", serve: [numVersions]serveFunc{0: (*handler).servePing}, probe: true},

	{op: "queues:get_all", method: http.MethodGet, path: "/queues", serve: [numVersions]serveFunc{(*handler).serveListQueuesV1, (*handler).serveListQueuesV1, (*handler).serveListQueuesV2}},
	{op: "queues:create", method: http.MethodPut, path: "/queues/{queue}", serve: since11((*handler).serveCreateQueueV10, (*handler).serveCreateQueue)},
	{op: "queues:get", method: http.MethodGet, path: "/queues/{queue}", serve: [numVersions]serveFunc{(*handler).serveQueueExistsV10, (*handler).serveGetQueueV11, (*handler).serveGetQueueV2}},
	{op: "queues:get", method: http.MethodHead, path: "/queues/{queue}", serve: [numVersions]serveFunc{0: (*handler).serveQueueExistsV10}},
	{op: "queues:update", method: http.MethodPatch, path: "/queues/{queue}", serve: only2((*handler).servePatchQueue)},
	{op: "queues:delete", method: http.MethodDelete, path: "/queues/{queue}", serve: all((*handler).serveDeleteQueue)},
	{op: "queues:stats", method: http.MethodGet, path: "/queues/{queue}/stats", serve: since11((*handler).serveStatsV10, (*handler).serveStats)},
	{op: "queues:get", method: http.MethodGet, path: "/queues/{queue}/metadata", serve: [numVersions]serveFunc{0: (*handler).serveGetMetadataV10}},
	{op: "queues:update", method: http.MethodPut, path: "/queues/{queue}/metadata", serve: [numVersions]serveFunc{0: (*handler).serveSetMetadataV10}},
	{op: "queues:purge", method: http.MethodPost, path: "/queues/{queue}/purge", serve: only2((*handler).servePurge)},
	{op: "queues:share", method: http.MethodPost, path: "/queues/{queue}/share", serve: only2((*handler).serveShare)},

	{op: "messages:create", method: http.MethodPost, path: "/queues/{queue}/messages", serve: [numVersions]serveFunc{(*handler).servePostMessagesV10, (*handler).servePostMessagesV11, (*handler).servePostMessagesV2}},
	{op: "messages:get_all", method: http.MethodGet, path: "/queues/{queue}/messages", serve: [numVersions]serveFunc{(*handler).serveGetMessagesV1, (*handler).serveGetMessagesV1, (*handler).serveGetMessagesV2}},
	{op: "messages:delete_all", method: http.MethodDelete, path: "/queues/{queue}/messages", serve: since11((*handler).serveDeleteMessagesV10, (*handler).serveDeleteMessages)},
	{op: "messages:get", method: http.MethodGet, path: "/queues/{queue}/messages/{id}", serve: all((*handler).serveGetMessage)},
	{op: "messages:delete", method: http.MethodDelete, path: "/queues/{queue}/messages/{id}", serve: all((*handler).serveDeleteMessage)},

	// Topics (v2): queues of a namespace of their own, without claims.
	{op: "topics:get_all", method: http.MethodGet, path: "/topics", serve: only2((*handler).serveListQueuesV2)},
	{op: "topics:create", method: http.MethodPut, path: "/topics/{queue}", serve: only2((*handler).serveCreateQueue)},
	{op: "topics:get", method: http.MethodGet, path: "/topics/{queue}", serve: only2((*handler).serveGetQueueV2)},
	{op: "topics:update", method: http.MethodPatch, path: "/topics/{queue}", serve: only2((*handler).servePatchQueue)},
	{op: "topics:delete", method: http.MethodDelete, path: "/topics/{queue}", serve: only2((*handler).serveDeleteQueue)},
	{op: "topics:stats", method: http.MethodGet, path: "/topics/{queue}/stats", serve: only2((*handler).serveStats)},
	{op: "topics:purge", method: http.MethodPost, path: "/topics/{queue}/purge", serve: only2((*handler).servePurge)},
	{op: "messages:create", method: http.MethodPost, path: "/topics/{queue}/messages", serve: only2((*handler).servePostMessagesV2)},
	{op: "messages:get_all", method: http.MethodGet, path: "/topics/{queue}/messages", serve: only2((*handler).serveGetMessagesV2)},
	{op: "messages:delete_all", method: http.MethodDelete, path: "/topics/{queue}/messages", serve: only2((*handler).serveDeleteMessages)},
	{op: "messages:get", method: http.MethodGet, path: "/topics/{queue}/messages/{id}", serve: only2((*handler).serveGetMessage)},
	{op: "messages:delete", method: http.MethodDelete, path: "/topics/{queue}/messages/{id}", serve: only2((*handler).serveDeleteMessage)},

	{op: "claims:create", method: http.MethodPost, path: "/queues/{queue}/claims", serve: since11((*handler).serveCreateClaimV10, (*handler).serveCreateClaim)},
	{op: "claims:get", method: http.MethodGet, path: "/queues/{queue}/claims/{id}", serve: all((*handler).serveGetClaim)},
	{op: "claims:update", method: http.MethodPatch, path: "/queues/{queue}/claims/{id}", serve: since11((*handler).serveUpdateClaimV10, (*handler).serveUpdateClaim)},
	{op: "claims:delete", method: http.MethodDelete, path: "/queues/{queue}/claims/{id}", serve: all((*handler).serveReleaseClaim)},
}

// pathRoutes are the routes of one path pattern in one version, and the
// Allow header of a 405 there.
type pathRoutes struct {
	segments []string // of the pattern, after the leading "/"; "" for "/"
	methods  map[string]*route
	allow    string
}

// router finds the route of a request. It is built once per handler from
// routeTable and read-only afterwards.
type router struct {
	paths [numVersions][]*pathRoutes
}

func newRouter() *router {
	rt := &router{}
	for i := range routeTable {
		r := &routeTable[i]
		for v, fn := range r.serve {
			if fn == nil {
				continue
			}
			var p *pathRoutes
			for _, q := range rt.paths[v] {
				if strings.Join(q.segments, "/") == r.path[1:] {
					p = q
				}
			}
			if p == nil {
				p = &pathRoutes{segments: strings.Split(r.path[1:], "/"), methods: map[string]*route{}}
				rt.paths[v] = append(rt.paths[v], p)
			}
			p.methods[r.method] = r
		}
	}
	for _, paths := range rt.paths {
		for _, p := range paths {
			allow := make([]string, 0, len(p.methods))
			for m := range p.methods {
				allow = append(allow, m)
			}
			slices.Sort(allow)
			p.allow = strings.Join(allow, ", ")
		}
	}
	return rt
}

// match is the outcome of routing a request: the version (nil outside
// the versioned APIs), the path's routes if the path exists, the route
// of the method if it has one, and the wildcard values.
type match struct {
	v         *version
	path      *pathRoutes
	route     *route
	queue, id string
}

// find routes method and urlPath. Cost: a pass over the version's dozen
// patterns, no allocation.
func (rt *router) find(method, urlPath string) match {
	var m match
	rest := ""
	for _, v := range versions {
		if r, ok := strings.CutPrefix(urlPath, v.base); ok && strings.HasPrefix(r, "/") {
			m.v, rest = v, r[1:]
			break
		}
	}
	if m.v == nil {
		return m
	}
	for _, p := range rt.paths[m.v.idx] {
		if queue, id, ok := matchSegments(p.segments, rest); ok {
			m.path, m.queue, m.id = p, queue, id
			m.route = p.methods[method]
			return m
		}
	}
	return m
}

// matchSegments matches path, without its leading "/", against the
// pattern's segments, returning the values of {queue} and {id}.
func matchSegments(segments []string, path string) (queue, id string, ok bool) {
	for i, s := range segments {
		var seg string
		seg, path, ok = strings.Cut(path, "/")
		if ok == (i == len(segments)-1) {
			return "", "", false // more segments than the pattern, or fewer
		}
		switch s {
		case "{queue}":
			queue = seg
		case "{id}":
			id = seg
		default:
			if seg != s {
				return "", "", false
			}
		}
	}
	return queue, id, true
}
