package redisengine

import (
	"fmt"

	"github.com/claimq/claimq"
)

// The combinations of claimq's sentinels the scripts' results stand for,
// built once.
var (
	errExpired      = fmt.Errorf("%w: %w", claimq.ErrNotClaimed, claimq.ErrClaimExpired)
	errExpiredOther = fmt.Errorf("%w: %w", claimq.ErrClaimedByOther, claimq.ErrClaimExpired)
)

// claimError maps a script's claim-level result to the contract's error.
func claimError(claim string, code int) error {
	switch code {
	case statusOK:
		return nil
	case statusExpired:
		return fmt.Errorf("redisengine: claim %s: %w", claim, claimq.ErrClaimExpired)
	case statusUnknownClaim:
		return fmt.Errorf("redisengine: claim %s: %w", claim, claimq.ErrClaimNotFound)
	}
	return fmt.Errorf("redisengine: claim %s: unexpected script result %d", claim, code)
}

// messageError maps a script's result for one message to the contract's
// error, nil when the operation was done.
func messageError(id string, code int64) error {
	var err error
	switch code {
	case statusOK:
		return nil
	case statusExpired:
		err = errExpired
	case statusExpiredOther:
		err = errExpiredOther
	case statusNotHeld:
		err = claimq.ErrNotClaimed
	case statusOther:
		err = claimq.ErrClaimedByOther
	case statusGone:
		err = claimq.ErrMessageNotFound
	default:
		return fmt.Errorf("redisengine: message %s: unexpected script result %d", id, code)
	}
	return fmt.Errorf("redisengine: message %s: %w", id, err)
}
