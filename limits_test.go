package claimq

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestZaqarLimits(t *testing.T) {
	l := ZaqarLimits()
	require.NoError(t, l.Validate())
	assert.Equal(t, 60*time.Second, l.MinMessageTTL)
	assert.Equal(t, 1209600*time.Second, l.MaxMessageTTL)
	assert.Equal(t, 3600*time.Second, l.DefaultMessageTTL)
	assert.Equal(t, 900*time.Second, l.MaxDelay)
	assert.Equal(t, 60*time.Second, l.MinClaimTTL)
	assert.Equal(t, 43200*time.Second, l.MaxClaimTTL)
	assert.Equal(t, 300*time.Second, l.DefaultClaimTTL)
	assert.Equal(t, 60*time.Second, l.MinGrace)
	assert.Equal(t, 43200*time.Second, l.MaxGrace)
	assert.Equal(t, 60*time.Second, l.DefaultGrace)
	assert.Equal(t, 20, l.MaxClaimLimit)
	assert.Equal(t, 10, l.DefaultClaimLimit)
}

func TestLimitsValidate(t *testing.T) {
	for _, tt := range []struct {
		name   string
		modify func(*Limits)
	}{
		{"min above default", func(l *Limits) { l.MinClaimTTL = time.Hour }},
		{"default above max", func(l *Limits) { l.DefaultGrace = 13 * time.Hour }},
		{"zero max limit", func(l *Limits) { l.MaxClaimLimit = 0 }},
		{"zero message TTL", func(l *Limits) { l.MinMessageTTL = 0 }},
		{"negative delay", func(l *Limits) { l.MaxDelay = -1 }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			l := ZaqarLimits()
			tt.modify(&l)
			require.ErrorIs(t, l.Validate(), ErrInvalid)
			assert.Panics(t, func() { New[int](Options[int]{Limits: l}) })
		})
	}
	t.Run("wide limits", func(t *testing.T) {
		require.NoError(t, wideLimits().Validate())
	})
}

func TestLimitError(t *testing.T) {
	q, _ := newTestQueue(t, Options[string]{})
	for _, tt := range []struct {
		name  string
		call  func() error
		field string
		value int64
		min   int64
		max   int64
		dur   bool
	}{
		{"message ttl", func() error { _, err := q.Post(Post[string]{TTL: 59 * time.Second}); return err },
			"message ttl", int64(59 * time.Second), int64(60 * time.Second), int64(1209600 * time.Second), true},
		{"claim ttl", func() error { _, err := q.Claim(ClaimOptions{TTL: 43201 * time.Second}); return err },
			"claim ttl", int64(43201 * time.Second), int64(60 * time.Second), int64(43200 * time.Second), true},
		{"grace", func() error { _, err := q.Claim(ClaimOptions{Grace: 59 * time.Second}); return err },
			"claim grace", int64(59 * time.Second), int64(60 * time.Second), int64(43200 * time.Second), true},
		{"limit", func() error { _, err := q.Claim(ClaimOptions{Limit: 21}); return err },
			"claim limit", 21, 1, 20, false},
		{"pop", func() error { _, err := q.Pop(0); return err },
			"pop count", 0, 1, 20, false},
		{"delay", func() error { _, err := q.Post(Post[string]{Delay: 901 * time.Second}); return err },
			"message delay", int64(901 * time.Second), 0, int64(900 * time.Second), true},
		{"retry delay", func() error { return q.Retry(ClaimID{1}, -1) },
			"retry delay", -1, 0, int64(900 * time.Second), true},
		{"renew grace", func() error { return q.Renew(ClaimID{1}, RenewOptions{Grace: 43201 * time.Second}) },
			"claim grace", int64(43201 * time.Second), 0, int64(43200 * time.Second), true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			require.ErrorIs(t, err, ErrInvalid)
			var le *LimitError
			require.True(t, errors.As(err, &le), "%v is not a *LimitError", err)
			assert.Equal(t, LimitError{Field: tt.field, Value: tt.value, Min: tt.min, Max: tt.max, Duration: tt.dur}, *le)
			assert.Contains(t, err.Error(), tt.field)
			assert.Contains(t, err.Error(), "claimq: ")
		})
	}
	assert.Equal(t, "claimq: claim ttl 59s out of range [1m0s, 336h0m0s]",
		(&LimitError{Field: "claim ttl", Value: int64(59 * time.Second), Min: int64(time.Minute), Max: int64(336 * time.Hour), Duration: true}).Error())
	assert.Equal(t, "claimq: claim limit 21 out of range [1, 20]", (&LimitError{Field: "claim limit", Value: 21, Min: 1, Max: 20}).Error())
	assert.Equal(t, 0, q.Len())
}

func TestOptionsDefaultsOutsideLimits(t *testing.T) {
	assert.Panics(t, func() { New(Options[int]{Limits: ZaqarLimits(), DefaultTTL: time.Second}) })
	assert.Panics(t, func() { New(Options[int]{Limits: ZaqarLimits(), DefaultDelay: time.Hour}) })
	assert.Panics(t, func() { New(Options[int]{DefaultTTL: -time.Second}) })
	assert.NotPanics(t, func() { New(Options[int]{Limits: wideLimits(), DefaultTTL: time.Second}) })
}

func TestDefaultLimits(t *testing.T) {
	l := DefaultLimits()
	require.NoError(t, l.Validate())
	z := ZaqarLimits()
	assert.Equal(t, z.DefaultMessageTTL, l.DefaultMessageTTL, "Zaqar's defaults")
	assert.Equal(t, z.DefaultClaimTTL, l.DefaultClaimTTL)
	assert.Equal(t, z.DefaultGrace, l.DefaultGrace)
	assert.Equal(t, z.MaxClaimLimit, l.MaxClaimLimit, "Zaqar's counts")

	// The zero Options of an in-process queue take any positive duration.
	q := New(Options[int]{Clock: NewFakeClock(start)})
	_, err := q.Post(Post[int]{Body: 1, TTL: time.Millisecond}, Post[int]{Body: 2, TTL: time.Hour, Delay: 2 * time.Hour})
	require.NoError(t, err)
	c, err := q.Claim(ClaimOptions{TTL: time.Millisecond, Grace: NoGrace})
	require.NoError(t, err)
	require.Len(t, c.Messages, 1)
	require.NoError(t, q.Renew(c.ID, RenewOptions{TTL: time.Nanosecond}))
	_, err = q.Claim(ClaimOptions{TTL: MaxDuration + 1})
	var le *LimitError
	require.ErrorAs(t, err, &le)
	assert.Equal(t, "claim ttl", le.Field)
	assert.Equal(t, int64(1), le.Min)
}
