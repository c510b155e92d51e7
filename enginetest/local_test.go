package enginetest_test

import (
	"context"
	"os"
	"os/exec"
	"strings"
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

// unfenced is the in-process engine with a Delete that reports nothing,
// while its Capabilities still say Fenced: a lie the suite must catch.
type unfenced[T any] struct{ claimq.Engine[T] }

func (u unfenced[T]) Delete(ctx context.Context, claim string, ids ...string) error {
	_ = u.Engine.Delete(ctx, claim, ids...)
	return nil
}

// TestConformanceCatchesALie runs the suite, in a child process (a
// failing subtest would fail this test), against an engine that claims a
// fencing it lacks: the late-delete cases must fail.
func TestConformanceCatchesALie(t *testing.T) {
	if os.Getenv("ENGINETEST_LIAR") == "1" {
		h := localHarness(claimq.ZaqarLimits())
		newLocal := h.New
		h.New = func(t *testing.T, cfg enginetest.Config) enginetest.Instance[enginetest.Job] {
			inst := newLocal(t, cfg)
			inst.Engine = unfenced[enginetest.Job]{inst.Engine}
			return inst
		}
		enginetest.RunConformance(t, h)
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestConformanceCatchesALie$", "-test.v")
	cmd.Env = append(os.Environ(), "ENGINETEST_LIAR=1")
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("the suite passed an engine that lies about fencing:\n%s", out)
	}
	for _, c := range []string{"LateDeleteWhileAnotherHolds", "LateDeleteUnclaimed", "LateDeleteAfterAnotherDeleted"} {
		if !strings.Contains(string(out), "--- FAIL: TestConformanceCatchesALie/"+c+" ") {
			t.Errorf("case %s passed an unfenced engine that says it is fenced:\n%s", c, out)
		}
	}
}
