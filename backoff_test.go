package claimq

import (
	"errors"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestExponentialBackoff(t *testing.T) {
	fixed := func(r float64) func() float64 { return func() float64 { return r } }
	tests := []struct {
		b       ExponentialBackoff
		attempt int
		want    time.Duration
	}{
		// Equal jitter: d/2 + r·d/2.
		{ExponentialBackoff{Rand: fixed(0)}, 1, 500 * time.Millisecond},
		{ExponentialBackoff{Rand: fixed(0.5)}, 1, 750 * time.Millisecond},
		{ExponentialBackoff{Rand: fixed(0.5)}, 2, 1500 * time.Millisecond},
		{ExponentialBackoff{Rand: fixed(0)}, 4, 4 * time.Second},
		{ExponentialBackoff{Rand: fixed(0)}, 0, 500 * time.Millisecond}, // an engine that does not count
		{ExponentialBackoff{Rand: fixed(0)}, -3, 500 * time.Millisecond},
		// The default cap is 5 min, before jitter.
		{ExponentialBackoff{Rand: fixed(0)}, 9, 128 * time.Second},
		{ExponentialBackoff{Rand: fixed(0)}, 10, 150 * time.Second},
		{ExponentialBackoff{Rand: fixed(0.5)}, 1000, 225 * time.Second},
		{ExponentialBackoff{Base: 10 * time.Millisecond, Max: time.Second, Rand: fixed(0)}, 3, 20 * time.Millisecond},
		{ExponentialBackoff{Base: 10 * time.Millisecond, Max: time.Second, Rand: fixed(0)}, 8, 500 * time.Millisecond},
		// Doubling past MaxInt64 takes the cap.
		{ExponentialBackoff{Base: time.Duration(math.MaxInt64 / 3), Max: time.Duration(math.MaxInt64), Rand: fixed(0)}, 3,
			time.Duration(math.MaxInt64 / 2)},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%v/%d", tt.b, tt.attempt), func(t *testing.T) {
			assert.Equal(t, tt.want, tt.b.Delay(tt.attempt, nil))
		})
	}
	for range 100 {
		d := ExponentialBackoff{}.Delay(3, nil)
		require.GreaterOrEqual(t, d, 2*time.Second, "at least half the delay")
		require.Less(t, d, 4*time.Second)
	}
}

func TestPermanent(t *testing.T) {
	base := errors.New("bad input")
	err := Permanent(base)
	require.ErrorIs(t, err, ErrPermanent)
	require.ErrorIs(t, err, base)
	assert.Equal(t, "bad input", err.Error())
	require.ErrorIs(t, fmt.Errorf("job 7: %w", err), ErrPermanent)
	require.NotErrorIs(t, base, ErrPermanent)
	require.NoError(t, Permanent(nil))
}
