package claimq

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestStress runs 8 producers and 8 consumers against one queue; the
// consumers move the fake clock as they work, so time advances with the
// work done, not with a goroutine spinning. Some consumers stall past
// their claim TTL, some renew. At the end every posted message was deleted
// exactly once or expired, and no message was ever seen held by two live
// claims at once.
func TestStress(t *testing.T) {
	const (
		producers   = 8
		consumers   = 8
		perProducer = 300
	)
	clock := NewFakeClock(start)
	q := New(Options[int]{Clock: clock, Limits: wideLimits()})

	var (
		mu      sync.Mutex
		posted  = map[MessageID]bool{}
		deleted = map[MessageID]int{}
	)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()

	var prodWG, consWG sync.WaitGroup
	for p := range producers {
		prodWG.Go(func() {
			for i := range perProducer {
				ids, err := q.Post(Post[int]{Body: p*perProducer + i, TTL: time.Duration(60+i%60) * time.Second})
				if !assert.NoError(t, err) {
					return
				}
				mu.Lock()
				posted[ids[0]] = true
				mu.Unlock()
			}
		})
	}
	var raceSignals atomic.Int64
	for w := range consumers {
		consWG.Go(func() {
			for batch := 0; ctx.Err() == nil; batch++ {
				c, err := q.ClaimWait(ctx, ClaimOptions{Limit: 1 + w%4, TTL: 5 * time.Second, Grace: NoGrace})
				if err != nil {
					assert.ErrorIs(t, err, context.Canceled)
					return
				}
				// A live claim is the only holder: if another claim showed
				// up on one of our messages while ours is still live
				// afterwards, two live claims held it at once.
				for _, m := range c.Messages {
					got, err := q.Get(m.ID)
					if err != nil || got.ClaimID == c.ID {
						continue
					}
					if _, err := q.GetClaim(c.ID); err == nil {
						t.Errorf("message %v held by %v while claim %v is live", m.ID, got.ClaimID, c.ID)
					}
				}
				switch w % 4 {
				case 0: // stalls: lets the claim expire, then tries
					clock.Advance(6 * time.Second)
				case 1: // renews before deleting
					if err := q.Renew(c.ID, RenewOptions{TTL: 5 * time.Second, Grace: NoGrace}); err != nil {
						assert.ErrorIs(t, err, ErrClaimNotFound)
					}
				}
				for _, m := range c.Messages {
					err := q.Delete(m.ID, c.ID)
					switch {
					case err == nil:
						mu.Lock()
						deleted[m.ID]++
						mu.Unlock()
					case errors.Is(err, ErrClaimExpired):
						raceSignals.Add(1)
					default:
						assert.True(t, errors.Is(err, ErrNotClaimed) || errors.Is(err, ErrClaimedByOther) ||
							errors.Is(err, ErrMessageNotFound), "Delete: %v", err)
					}
				}
				clock.Advance(200 * time.Millisecond)
				if w == 0 && batch%50 == 0 {
					assert.NoError(t, q.checkInvariants())
				}
			}
		})
	}

	prodWG.Wait()
	// Drain: keep moving time until every message is deleted or expired.
	for q.Len() > 0 {
		clock.Advance(time.Second)
	}
	cancel()
	consWG.Wait()
	require.NoError(t, q.checkInvariants())

	mu.Lock()
	defer mu.Unlock()
	require.Len(t, posted, producers*perProducer)
	for id, n := range deleted {
		require.True(t, posted[id], "deleted %v was never posted", id)
		require.Equal(t, 1, n, "message %v deleted %d times", id, n)
	}
	s := q.Stats()
	assert.Equal(t, int64(len(posted)), int64(len(deleted))+s.Expired,
		"posted %d = deleted %d + expired %d", len(posted), len(deleted), s.Expired)
	t.Logf("deleted %d, expired %d, race signals %d", len(deleted), s.Expired, raceSignals.Load())
}
