package zaqar

import (
	"net/http"
	"time"

	"github.com/claimq/claimq"
)

// The v2 claim resources: decoding, defaults and encoding.

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
		if ttl, err = durationField(raw, "ttl", l.MinClaimTTL, l.MaxClaimTTL); err != nil {
			return 0, 0, err
		}
	}
	if raw, ok := obj["grace"]; ok {
		if grace, err = durationField(raw, "grace", minGrace, l.MaxGrace); err != nil {
			return 0, 0, err
		}
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
	c.w.Header().Set("Location", c.v.claimPath(c.queue, cl.ID))
	writeJSON(c.w, http.StatusCreated, map[string][]wireMessage{
		"messages": c.v.encodeClaimed(c.queue, cl, h.clock.Now()),
	})
	return nil
}

type v2Claim struct {
	Age      int64         `json:"age"`
	TTL      int64         `json:"ttl"`
	Href     string        `json:"href"`
	Messages []wireMessage `json:"messages"`
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
		Href:     c.v.claimPath(c.queue, cl.ID),
		Messages: c.v.encodeClaimed(c.queue, cl, now),
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
