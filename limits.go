package claimq

import (
	"fmt"
	"time"
)

// Limits bounds what callers may ask of a queue and supplies the defaults
// for what they leave out. The zero Limits means [DefaultLimits], which
// accepts any positive duration; a queue behind the HTTP front uses
// [ZaqarLimits], Zaqar's ranges. Any other value is used exactly as given,
// so derive a variant from one of the two rather than from a zero value:
//
//	l := claimq.ZaqarLimits()
//	l.MinClaimTTL = time.Second // Zaqar's ranges, shorter claims
//	l.MinGrace = 0
type Limits struct {
	MinMessageTTL     time.Duration // shortest message TTL (Zaqar: 60 s)
	MaxMessageTTL     time.Duration // longest message TTL (Zaqar: 14 days)
	DefaultMessageTTL time.Duration // TTL of a message posted without one (Zaqar: 3600 s)

	MaxDelay time.Duration // longest message delay, and Retry delay (Zaqar: 900 s); the shortest is 0

	MinClaimTTL     time.Duration // shortest claim TTL (Zaqar: 60 s)
	MaxClaimTTL     time.Duration // longest claim TTL (Zaqar: 12 h)
	DefaultClaimTTL time.Duration // claim TTL when ClaimOptions.TTL or RenewOptions.TTL is 0 (Zaqar: 300 s)

	MinGrace     time.Duration // shortest claim grace on Claim (Zaqar: 60 s); Renew accepts down to 0
	MaxGrace     time.Duration // longest claim grace (Zaqar: 12 h)
	DefaultGrace time.Duration // grace when ClaimOptions.Grace or RenewOptions.Grace is 0 (Zaqar: 60 s)

	MaxClaimLimit     int // most messages one Claim or Pop takes (Zaqar: 20)
	DefaultClaimLimit int // messages taken when ClaimOptions.Limit is 0 (Zaqar: 10)

	MaxListLimit     int // most messages one List returns (Zaqar: 20)
	DefaultListLimit int // messages returned when ListOptions.Limit is 0 (Zaqar: 10)
}

// DefaultLimits returns the limits of a queue created with the zero
// Limits: every TTL, grace and delay from the smallest positive duration
// (zero for grace and delay) up to [MaxDuration], with Zaqar's defaults
// and counts. An in-process work queue needs no more; the zaqar package
// uses [ZaqarLimits] instead.
func DefaultLimits() Limits {
	l := ZaqarLimits()
	l.MinMessageTTL, l.MaxMessageTTL = 1, MaxDuration
	l.MaxDelay = MaxDuration
	l.MinClaimTTL, l.MaxClaimTTL = 1, MaxDuration
	l.MinGrace, l.MaxGrace = 0, MaxDuration
	return l
}

// ZaqarLimits returns the limits and defaults of OpenStack Zaqar's default
// configuration (zaqar/conf/transport.py and transport/validation.py).
func ZaqarLimits() Limits {
	return Limits{
		MinMessageTTL:     60 * time.Second,
		MaxMessageTTL:     14 * 24 * time.Hour,
		DefaultMessageTTL: 3600 * time.Second,
		MaxDelay:          900 * time.Second,
		MinClaimTTL:       60 * time.Second,
		MaxClaimTTL:       12 * time.Hour,
		DefaultClaimTTL:   300 * time.Second,
		MinGrace:          60 * time.Second,
		MaxGrace:          12 * time.Hour,
		DefaultGrace:      60 * time.Second,
		MaxClaimLimit:     20,
		DefaultClaimLimit: 10,
		MaxListLimit:      20,
		DefaultListLimit:  10,
	}
}

// MaxDuration bounds every maximum of [Limits], so that deadlines computed
// from the clock (now + TTL + grace, …) cannot overflow int64 nanoseconds.
const MaxDuration = 25 * 365 * 24 * time.Hour

// Validate reports whether l is consistent: every minimum is at least zero
// (and positive for the two TTLs), at most its default, the default at
// most its maximum, and every maximum at most [MaxDuration]. [New] panics
// on inconsistent limits; Validate lets a caller check first.
func (l Limits) Validate() error {
	type rng struct {
		name          string
		min, def, max int64
	}
	for _, r := range []rng{
		{"message ttl", int64(l.MinMessageTTL), int64(l.DefaultMessageTTL), int64(l.MaxMessageTTL)},
		{"message delay", 0, 0, int64(l.MaxDelay)},
		{"claim ttl", int64(l.MinClaimTTL), int64(l.DefaultClaimTTL), int64(l.MaxClaimTTL)},
		{"claim grace", int64(l.MinGrace), int64(l.DefaultGrace), int64(l.MaxGrace)},
		{"claim limit", 1, int64(l.DefaultClaimLimit), int64(l.MaxClaimLimit)},
		{"list limit", 1, int64(l.DefaultListLimit), int64(l.MaxListLimit)},
	} {
		if r.min < 0 || r.min > r.def || r.def > r.max {
			return fmt.Errorf("%w: limits: %s needs 0 <= min (%d) <= default (%d) <= max (%d)",
				ErrInvalid, r.name, r.min, r.def, r.max)
		}
	}
	if l.MinMessageTTL <= 0 || l.MinClaimTTL <= 0 {
		return fmt.Errorf("%w: limits: message and claim TTLs must be positive", ErrInvalid)
	}
	if max(l.MaxMessageTTL, l.MaxDelay, l.MaxClaimTTL, l.MaxGrace) > MaxDuration {
		return fmt.Errorf("%w: limits: durations above %v could overflow", ErrInvalid, MaxDuration)
	}
	return nil
}

// Sentinels for the optional durations of [Post], [ClaimOptions] and
// [RenewOptions], where zero means "the default".
const (
	// NoDelay in Post.Delay makes a message claimable at once even when
	// the queue has a DefaultDelay.
	NoDelay time.Duration = -1
	// NoGrace in ClaimOptions.Grace or RenewOptions.Grace asks for a grace
	// of zero; Claim accepts it only when the limits allow it (MinGrace 0),
	// Renew always.
	NoGrace time.Duration = -1
)

func checkDuration(field string, v, lo, hi time.Duration) error {
	if v < lo || v > hi {
		return &LimitError{Field: field, Value: int64(v), Min: int64(lo), Max: int64(hi), Duration: true}
	}
	return nil
}

func checkCount(field string, v, lo, hi int) error {
	if v < lo || v > hi {
		return &LimitError{Field: field, Value: int64(v), Min: int64(lo), Max: int64(hi)}
	}
	return nil
}
