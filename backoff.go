package claimq

import (
	"errors"
	"math/rand/v2"
	"time"
)

// ErrPermanent marks a handler error that retrying cannot fix: a [Worker]
// dead-letters the message at once instead of retrying it. Wrap it into
// an error (fmt.Errorf("decode: %w: %w", claimq.ErrPermanent, err)) or
// use [Permanent].
var ErrPermanent = errors.New("claimq: permanent failure")

// Permanent marks err as permanent: errors.Is(Permanent(err),
// [ErrPermanent]) is true, and the result also matches and unwraps to
// err. Permanent(nil) is nil.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return permanentError{err}
}

type permanentError struct{ err error }

func (e permanentError) Error() string        { return e.err.Error() }
func (e permanentError) Unwrap() error        { return e.err }
func (e permanentError) Is(target error) bool { return target == ErrPermanent }

// ExponentialBackoff is the default retry policy of a [Worker]: the n-th
// failed attempt waits Base·2^(n−1), at most Max, with "equal jitter": a
// delay d becomes d/2 plus a random part of up to d/2, so that messages
// that failed together do not all come back at the same instant, yet
// none comes back sooner than half its delay. The zero value is usable.
type ExponentialBackoff struct {
	Base time.Duration // delay after the first attempt, before jitter; 0 means 1 s
	Max  time.Duration // cap on the delay, before jitter; 0 means 5 min
	// Rand returns the jitter's random factor, in [0, 1); nil means
	// math/rand/v2's Float64. Tests pass a fixed function to make
	// delays exact. It must be safe for concurrent use.
	Rand func() float64
}

// Delay returns the delay before attempt number attempt+1, after attempt
// failed with err (unused: the policy is the same for every error). An
// attempt below 1 counts as 1, for engines that do not count deliveries.
// Cost: O(1), no allocation.
func (b ExponentialBackoff) Delay(attempt int, err error) time.Duration {
	base, limit := b.Base, b.Max
	if base <= 0 {
		base = time.Second
	}
	if limit <= 0 {
		limit = 5 * time.Minute
	}
	d := base
	for i := 1; i < attempt && d < limit; i++ {
		if d *= 2; d <= 0 { // doubled past MaxInt64
			d = limit
		}
	}
	d = min(d, limit)
	r := rand.Float64
	if b.Rand != nil {
		r = b.Rand
	}
	return d/2 + time.Duration(r()*float64(d-d/2))
}
