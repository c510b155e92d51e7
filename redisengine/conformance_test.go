package redisengine_test

import (
	"context"
	"testing"

	"github.com/claimq/claimq"
	"github.com/claimq/claimq/enginetest"
	"github.com/claimq/claimq/redisengine"
)

// harness makes engines over fresh queues of the test server, each on a
// FakeClock of its own.
func harness() enginetest.Harness[enginetest.Job] {
	return enginetest.Harness[enginetest.Job]{
		New: func(t *testing.T, cfg enginetest.Config) enginetest.Instance[enginetest.Job] {
			c := claimq.NewFakeClock(epoch)
			name := queueName(t, "")
			opts := redisengine.Options[enginetest.Job]{Client: server, Queue: name, Clock: c}
			var inst enginetest.Instance[enginetest.Job]
			if cfg.MaxClaimCount > 0 {
				opts.MaxClaimCount, opts.DeadLetter = cfg.MaxClaimCount, name+".dead"
				dead, err := redisengine.New(context.Background(), redisengine.Options[enginetest.Job]{Client: server, Queue: opts.DeadLetter, Clock: c})
				if err != nil {
					t.Fatal(err)
				}
				inst.DeadLetter = dead
			}
			e, err := redisengine.New(context.Background(), opts)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = e.Close() })
			inst.Engine = e
			return inst
		},
	}
}

// TestConformance runs the engines' conformance suite against the real
// redis-server, on a FakeClock: it drives claim expiry, delays and the
// ends of waits exactly, since the engine gives its scripts the clock's
// time and never reads the server's; posts wake waits on the server.
func TestConformance(t *testing.T) {
	enginetest.RunConformance(t, harness())
}
