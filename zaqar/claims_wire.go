package zaqar

import (
	"net/http"
	"time"

	"github.com/claimq/claimq"
)

// The claim resources of every version: decoding, defaults and encoding.
// The route table (routes.go) says which versions each function serves;
// a suffix (V10, V11, V1 for both, V2) marks one written for those alone.

// claimRules are what a version asks of a claim's {"ttl": n, "grace": n}.
type claimRules struct {
	ttl, grace    time.Duration // defaults of fields not given
	ttlRequired   bool          // v1.0
	graceRequired bool          // v1.0's create
	minGrace      time.Duration // grace is checked against minGrace..MaxGrace
	empty         error         // answer to an empty body; nil means the defaults
}

// errEmptyBody is the 400 of a request whose body may not be empty.
func errEmptyBody() error { return badBody("Request body can not be empty.") }

// decodeClaimBody parses a claim body by r, checking ttl against the
// claim TTL limits and grace against r.minGrace..MaxGrace.
func (h *handler) decodeClaimBody(c *call, r claimRules) (ttl, grace time.Duration, err error) {
	l := h.limits
	ttl, grace = r.ttl, r.grace
	body, err := readBody(c.w, c.r, smallBody, "Claim request")
	if err != nil {
		return 0, 0, err
	}
	if len(body) == 0 {
		return ttl, grace, r.empty
	}
	obj, err := decodeObject(body)
	if err != nil {
		return 0, 0, err
	}
	rawTTL, hasTTL := obj["ttl"]
	rawGrace, hasGrace := obj["grace"]
	switch {
	case r.ttlRequired && !hasTTL:
		return 0, 0, badBody(`Missing "ttl" field.`)
	case r.graceRequired && !hasGrace:
		return 0, 0, badBody(`Missing "grace" field.`)
	}
	if hasTTL {
		if ttl, err = durationField(rawTTL, "ttl", l.MinClaimTTL, l.MaxClaimTTL); err != nil {
			return 0, 0, err
		}
	}
	if hasGrace {
		if grace, err = durationField(rawGrace, "grace", r.minGrace, l.MaxGrace); err != nil {
			return 0, 0, err
		}
	}
	return ttl, grace, nil
}

// serveCreateClaim serves v1.1 too, whose defaults are the same.
func (h *handler) serveCreateClaim(c *call) error {
	limit, _, err := queryInt(c, "limit", 1, h.limits.MaxClaimLimit)
	if err != nil {
		return err
	}
	ttl, grace, err := h.decodeClaimBody(c, claimRules{
		ttl: h.limits.DefaultClaimTTL, grace: h.limits.DefaultGrace, minGrace: h.limits.MinGrace,
	})
	if err != nil {
		return err
	}
	return h.claimReply(c, limit, ttl, grace)
}

// claimReply claims and answers as every version does: 204 when nothing
// was claimable, else 201 with the claim's Location and its messages,
// bare in v1.0 and in an envelope since v1.1.
func (h *handler) claimReply(c *call, limit int, ttl, grace time.Duration) error {
	if grace == 0 {
		grace = claimq.NoGrace // only reachable with limits that allow it
	}
	cl, err := h.createClaim(c.target, claimq.ClaimOptions{Limit: limit, TTL: ttl, Grace: grace})
	if err != nil {
		return err
	}
	if len(cl.Messages) == 0 {
		c.w.WriteHeader(http.StatusNoContent)
		return nil
	}
	c.w.Header()["Location"] = []string{claimPath(c.qpath, cl.ID)}
	c.v.writeMessages(c.w, http.StatusCreated, c.qpath, cl.Messages, cl.ID, h.clock.Now())
	return nil
}

// serveGetClaim serves every version, each with its representation.
func (h *handler) serveGetClaim(c *call) error {
	cl, err := h.getClaim(c.target, c.id)
	if err != nil {
		return err
	}
	setContentLocation(c, true)
	c.v.writeClaim(c.w, c.qpath, cl, h.clock.Now())
	return nil
}

// serveUpdateClaim serves v1.1 too.
func (h *handler) serveUpdateClaim(c *call) error {
	// Zaqar checks grace on update only for type; claimq needs it
	// within 0..MaxGrace, which the description then names.
	ttl, grace, err := h.decodeClaimBody(c, claimRules{
		ttl: h.limits.DefaultClaimTTL, grace: h.limits.DefaultGrace, empty: errEmptyBody(),
	})
	if err != nil {
		return err
	}
	return h.updateClaimReply(c, ttl, grace)
}

func (h *handler) updateClaimReply(c *call, ttl, grace time.Duration) error {
	if err := h.updateClaim(c.target, c.id, ttl, grace); err != nil {
		return err
	}
	c.w.WriteHeader(http.StatusNoContent)
	return nil
}

// serveReleaseClaim serves every version.
func (h *handler) serveReleaseClaim(c *call) error {
	h.releaseClaim(c.target, c.id)
	c.w.WriteHeader(http.StatusNoContent)
	return nil
}

// serveCreateClaimV10 requires both ttl and grace, which later versions
// default.
func (h *handler) serveCreateClaimV10(c *call) error {
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

// serveUpdateClaimV10 requires ttl; grace defaults to 0, not to the create
// default as in later versions.
func (h *handler) serveUpdateClaimV10(c *call) error {
	ttl, grace, err := h.decodeClaimBody(c, claimRules{ttlRequired: true, empty: errEmptyBody()})
	if err != nil {
		return err
	}
	return h.updateClaimReply(c, ttl, grace)
}
