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
func (h *handler) createClaim(t target, opts claimq.ClaimOptions) (claim, error) {
	e := h.registry(t).get(t.project, t.queue)
	if e == nil {
		return claim{}, nil
	}
	h.registry(t).resolveDeadLetter(t.project, e)
	opts.ClientID = t.client
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
func (h *handler) liveClaim(t target, id string) (*entry, claimq.ClaimID, error) {
	cid, err := claimq.ParseClaimID(id)
	e := h.registry(t).get(t.project, t.queue)
	if err != nil || e == nil {
		return nil, cid, notFound("Claim %s does not exist in queue %s.", id, t.queue)
	}
	return e, cid, nil
}

// getClaim returns the live claim id with the messages it still holds.
// Errors: 404 when it does not exist or expired.
func (h *handler) getClaim(t target, id string) (claim, error) {
	e, cid, err := h.liveClaim(t, id)
	if err != nil {
		return claim{}, err
	}
	cl, err := e.q.GetClaim(cid)
	if err != nil {
		return claim{}, notFound("Claim %s does not exist in queue %s.", id, t.queue)
	}
	return cl, nil
}

// updateClaim renews the live claim id with ttl and grace.
// Errors: 404 when it does not exist or expired, 400 for a grace out of
// range.
func (h *handler) updateClaim(t target, id string, ttl, grace time.Duration) error {
	e, cid, err := h.liveClaim(t, id)
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
		return notFound("Claim %s does not exist in queue %s.", id, t.queue)
	}
}

// releaseClaim ends the claim id if it is live; releasing anything else
// does nothing, as in Zaqar.
func (h *handler) releaseClaim(t target, id string) {
	if e, cid, err := h.liveClaim(t, id); err == nil {
		_ = e.q.Release(cid)
	}
}
