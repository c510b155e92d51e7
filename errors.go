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
	// claim holds the message: it was never claimed, was released or
	// retried, or its claim ended. It also matches [ErrClaimExpired] when
	// the claim given has ended, and ErrClaimNotFound when the queue never
	// issued it.
	ErrNotClaimed = errors.New("claimq: message is not claimed")

	// ErrClaimExpired marks the race a worker must roll back from: the
	// claim it names was issued by the queue but is no longer live (it
	// expired, or was released, completed, or emptied), so another worker
	// may hold its messages now. It comes wrapped with the error for the
	// message (ErrNotClaimed, ErrClaimedByOther or ErrMessageNotFound) from
	// Delete, and with ErrClaimNotFound from the calls that look the claim
	// up before its messages (DeleteClaimed, Retry, Renew, Release,
	// Complete, GetClaim). Its text
	// says "ended", not "expired": the queue keeps no record of how a
	// claim ended.
	ErrClaimExpired = errors.New("claimq: claim ended")

	// ErrClaimedByOther is returned by [Queue.Delete] when a different
	// live claim holds the message; it also matches ErrClaimExpired when
	// the claim given has ended, and ErrClaimNotFound when the queue never
	// issued it.
	ErrClaimedByOther = errors.New("claimq: message is claimed by another claim")

	// ErrClaimNotFound means no live claim has the ID: alone, the queue
	// never issued it; with ErrClaimExpired, the claim has ended.
	ErrClaimNotFound = errors.New("claimq: claim not found")
)

// errClaimEnded is a claim the queue issued and that is no longer live.
var errClaimEnded = fmt.Errorf("%w: %w", ErrClaimNotFound, ErrClaimExpired)

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
