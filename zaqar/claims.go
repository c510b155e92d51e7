package zaqar

import (
	"encoding/json"
	"errors"
	"time"

	"github.com/claimq/claimq"
)

type claim = claimq.Claim[json.RawMessage]

// createClaim claims up to opts.Limit messages of the queue; the zero
// claim means nothing was claimable, including when the queue does not
// exist (it is not created).
func (h *handler) createClaim(c *call, opts claimq.ClaimOptions) (claim, error) {
	e := h.reg.get(c.project, c.queue)
	if e == nil {
		return claim{}, nil
	}
	h.reg.resolveDeadLetter(c.project, e)
	opts.ClientID = c.clientID
	cl, err := e.q.Claim(opts)
	switch {
	case errors.Is(err, claimq.ErrClosed):
		return claim{}, nil // deleted under us: nothing left to claim
	case errors.Is(err, claimq.ErrInvalid):
		return claim{}, badBody("%v", err)
	}
	return cl, err
}

// liveClaim returns the queue and ID of the live claim id, or a 404.
func (h *handler) liveClaim(c *call, id string) (*entry, claimq.ClaimID, error) {
	cid, err := claimq.ParseClaimID(id)
	e := h.reg.get(c.project, c.queue)
	if err != nil || e == nil {
		return nil, cid, notFound("Claim %s does not exist in queue %s.", id, c.queue)
	}
	return e, cid, nil
}

// getClaim returns the live claim id with the messages it still holds.
// Errors: 404 when it does not exist or expired.
func (h *handler) getClaim(c *call, id string) (claim, error) {
	e, cid, err := h.liveClaim(c, id)
	if err != nil {
		return claim{}, err
	}
	cl, err := e.q.GetClaim(cid)
	if err != nil {
		return claim{}, notFound("Claim %s does not exist in queue %s.", id, c.queue)
	}
	return cl, nil
}

// updateClaim renews the live claim id with ttl and grace.
// Errors: 404 when it does not exist or expired, 400 for a grace out of
// range.
func (h *handler) updateClaim(c *call, id string, ttl, grace time.Duration) error {
	e, cid, err := h.liveClaim(c, id)
	if err != nil {
		return err
	}
	if grace == 0 {
		grace = claimq.NoGrace // the front has applied its defaults: 0 is none
	}
	switch err := e.q.Renew(cid, claimq.RenewOptions{TTL: ttl, Grace: grace}); {
	case err == nil:
		return nil
	case errors.Is(err, claimq.ErrInvalid):
		return badBody("%v", err)
	default: // not found, expired, or the queue was deleted
		return notFound("Claim %s does not exist in queue %s.", id, c.queue)
	}
}

// releaseClaim ends the claim id if it is live; releasing anything else
// does nothing, as in Zaqar.
func (h *handler) releaseClaim(c *call, id string) {
	if e, cid, err := h.liveClaim(c, id); err == nil {
		_ = e.q.Release(cid)
	}
}
