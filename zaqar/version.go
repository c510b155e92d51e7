package zaqar

import (
	"time"

	"github.com/claimq/claimq"
)

// version is what sets one API version apart from the others besides
// its routes: the rules of its before-hooks and its representation. The
// operations are the same for all; the serve functions (*_wire.go) read
// it through the call.
type version struct {
	idx  int    // the version's index in route.serve
	base string // the path prefix, without the trailing slash
	// queuesPrefix and topicsPrefix are base+"/queues/" and
	// base+"/topics/", made once.
	queuesPrefix, topicsPrefix string
	// clientIfSent checks Client-ID only when it is sent, as v1.0 did;
	// later versions require it on every route but the probes.
	clientIfSent bool
	// ids shows a message's "id" field; v1.0 clients parse the href.
	ids bool
	// heldHrefs adds ?claim_id= of the claim holding a message to its
	// href outside claim responses, which v1.0 never does.
	heldHrefs bool
	// bare answers collections as bare arrays, not in {"messages": …}.
	bare bool
	// emptyNoContent answers 204 to a listing with nothing in it, and
	// to a get by ids that found nothing, where later versions answer 200
	// with an empty page and 404.
	emptyNoContent bool
	// contentLocation sets Content-Location on reads, as v1.0 did.
	contentLocation bool
	// projectOptional ignores Options.RequireProject: Zaqar never
	// required X-Project-Id on v1.0.
	projectOptional bool
	// lazyQueues lists a queue that does not exist as an empty one;
	// v1.0, from before lazy queues, answers 404.
	lazyQueues bool
}

const numVersions = 3

var (
	ver10 = &version{idx: 0, base: "/v1", clientIfSent: true, bare: true, emptyNoContent: true, contentLocation: true, projectOptional: true}
	ver11 = &version{idx: 1, base: "/v1.1", ids: true, heldHrefs: true, lazyQueues: true}
	ver2  = &version{idx: 2, base: "/v2", ids: true, heldHrefs: true, lazyQueues: true}

	// versions are tried in this order on a request path: /v1.1 before
	// /v1, which is its prefix.
	versions = [numVersions]*version{ver11, ver10, ver2}
)

// queuePath returns the path of queue q in v.
func (v *version) queuePath(q string) string { return v.queues(q).String() }

// topicPath returns the path of topic t in v.
func (v *version) topicPath(t string) string { return v.topics(t).String() }

func (v *version) queues(q string) resPath { return resPath{v.queuesPrefix, q} }
func (v *version) topics(t string) resPath { return resPath{v.topicsPrefix, t} }

func init() {
	for _, v := range versions {
		v.queuesPrefix, v.topicsPrefix = v.base+"/queues/", v.base+"/topics/"
	}
}

// resPath is the path of a queue or topic, as hrefs show it, in two
// parts so that making one per request costs no allocation: prefix
// ("/v2/queues/") and name.
type resPath struct{ prefix, name string }

func (p resPath) appendTo(b []byte) []byte { return append(append(b, p.prefix...), p.name...) }
func (p resPath) String() string           { return p.prefix + p.name }

// messagePath returns the path of message id of the queue or topic at
// qpath, with ?claim_id= if claim is not zero.
func messagePath(qpath resPath, id claimq.MessageID, claim claimq.ClaimID) string {
	return string(appendMessagePath(nil, qpath, id, claim))
}

// claimPath returns the path of claim id of the queue at qpath.
func claimPath(qpath resPath, id claimq.ClaimID) string {
	return string(appendClaimPath(nil, qpath, id))
}

// setContentLocation sets Content-Location to the request's path, and
// its query if withQuery, where the version does: v1.0's reads.
func setContentLocation(c *call, withQuery bool) {
	if c.v.contentLocation {
		loc := c.r.URL.Path
		if withQuery && c.r.URL.RawQuery != "" {
			loc += "?" + c.r.URL.RawQuery
		}
		c.w.Header().Set("Content-Location", loc)
	}
}

// seconds returns d in whole seconds, rounded down and never negative:
// the wire's integer ages and TTLs.
func seconds(d time.Duration) int64 { return max(int64(d/time.Second), 0) }
