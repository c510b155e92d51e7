package claimq

import (
	"errors"
	"fmt"
	"time"
)

// Errors returned by [Queue] methods. Each method's documentation lists the
// ones it can return; compare with [errors.Is], since most are wrapped to
// name the message or claim concerned.
var (
	// ErrInvalid matches every error caused by an argument outside the
	// queue's [Limits] (see [LimitError]) or otherwise malformed input.
	// Such a call changes nothing.
	ErrInvalid = errors.New("claimq: invalid argument")

	// ErrClosed is returned by operations that add work to a queue after
	// [Queue.Close], and by [Queue.ClaimWait] when the queue is closed
	// while it waits.
	ErrClosed = errors.New("claimq: queue closed")

	// ErrQueueFull is returned by [Queue.Post] when the batch would take
	// the queue beyond Options.MaxMessages. Nothing is posted.
	ErrQueueFull = errors.New("claimq: queue full")

	// ErrMessageNotFound means the message was deleted, expired or never
	// existed in this queue.
	ErrMessageNotFound = errors.New("claimq: message not found")

	// ErrMessageClaimed is returned by [Queue.Delete] without a claim when
	// a live claim holds the message.
	ErrMessageClaimed = errors.New("claimq: message is claimed")

	// ErrNotClaimed is returned by [Queue.Delete] with a claim when no live
	// claim holds the message: it was never claimed, was released, or its
	// claim expired. In the last case the error also matches
	// [ErrClaimExpired].
	ErrNotClaimed = errors.New("claimq: message is not claimed")

	// ErrClaimExpired marks the race a worker must roll back from: the
	// claim it deleted with has expired, so another worker may be
	// processing the message now. It comes wrapped with ErrNotClaimed
	// (nobody holds the message yet), ErrClaimedByOther (another claim
	// has taken it) or, from Complete, ErrClaimNotFound.
	ErrClaimExpired = errors.New("claimq: claim expired")

	// ErrClaimedByOther is returned by [Queue.Delete] when a different
	// live claim holds the message; it also matches ErrClaimExpired when
	// the claim given is no longer live.
	ErrClaimedByOther = errors.New("claimq: message is claimed by another claim")

	// ErrClaimNotFound means the claim was released, expired or never
	// existed in this queue.
	ErrClaimNotFound = errors.New("claimq: claim not found")
)

// errExpiredClaim is preallocated so that the race signal costs no
// allocation beyond the ID wrapping done by the caller.
var (
	errExpiredClaim          = fmt.Errorf("%w: %w", ErrNotClaimed, ErrClaimExpired)
	errClaimedByOtherExpired = fmt.Errorf("%w: %w", ErrClaimedByOther, ErrClaimExpired)
	errClaimGone             = fmt.Errorf("%w: %w", ErrClaimNotFound, ErrClaimExpired)
)

// LimitError reports an argument outside its allowed range. It matches
// [ErrInvalid] under [errors.Is]; use [errors.As] to read its fields.
type LimitError struct {
	// Field names the argument in full: "message ttl", "message delay",
	// "claim ttl", "claim grace", "claim limit", "pop count", "retry
	// delay", "min idle", "reclaim idle", "reclaim retry count",
	// "autoclaim count", "default message ttl", "default message delay",
	// "dead-letter ttl".
	Field string
	Value int64 // the value given
	Min   int64 // smallest allowed value
	Max   int64 // largest allowed value
	// Duration is true when Value, Min and Max are time.Duration values
	// (nanoseconds) rather than counts.
	Duration bool
}

func (e *LimitError) Error() string {
	if e.Duration {
		return fmt.Sprintf("claimq: %s %v out of range [%v, %v]",
			e.Field, time.Duration(e.Value), time.Duration(e.Min), time.Duration(e.Max))
	}
	return fmt.Sprintf("claimq: %s %d out of range [%d, %d]", e.Field, e.Value, e.Min, e.Max)
}

// Is makes a *LimitError match [ErrInvalid].
func (e *LimitError) Is(target error) bool { return target == ErrInvalid }
