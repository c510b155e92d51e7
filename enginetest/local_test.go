package enginetest_test

import (
	"testing"
	"time"

	"github.com/claimq/claimq"
	"github.com/claimq/claimq/enginetest"
)

var epoch = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// localHarness makes in-process engines on a FakeClock, with Zaqar's
// limits or others.
func localHarness(limits claimq.Limits) enginetest.Harness[enginetest.Job] {
	return enginetest.Harness[enginetest.Job]{
		New: func(t *testing.T, cfg enginetest.Config) enginetest.Instance[enginetest.Job] {
			clock := claimq.NewFakeClock(epoch)
			opts := claimq.Options[enginetest.Job]{Clock: clock, Limits: limits}
			var inst enginetest.Instance[enginetest.Job]
			if cfg.MaxClaimCount > 0 {
				dlq := claimq.New(claimq.Options[enginetest.Job]{Clock: clock, Limits: limits})
				opts.MaxClaimCount, opts.DeadLetter = cfg.MaxClaimCount, dlq
				inst.DeadLetter = claimq.Local(dlq)
			}
			q := claimq.New(opts)
			t.Cleanup(q.Close)
			inst.Engine = claimq.Local(q)
			return inst
		},
	}
}

// TestConformanceLocal runs the suite against the in-process engine, the
// reference every other engine is compared with.
func TestConformanceLocal(t *testing.T) {
	t.Run("ZaqarLimits", func(t *testing.T) { enginetest.RunConformance(t, localHarness(claimq.ZaqarLimits())) })
	t.Run("ShortClaims", func(t *testing.T) {
		l := claimq.ZaqarLimits()
		l.MinClaimTTL, l.MinGrace = time.Millisecond, 0
		h := localHarness(l)
		h.TTL = 3 * time.Second
		enginetest.RunConformance(t, h)
	})
}
