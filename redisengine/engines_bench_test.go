package redisengine_test

import (
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/claimq/claimq"
	"github.com/claimq/claimq/enginetest"
	"github.com/claimq/claimq/redisengine"
	"github.com/claimq/claimq/zaqar"
	"github.com/claimq/claimq/zaqarengine"
)

// BenchmarkEngines puts the three engines side by side in one run, on the
// same cycle (enginetest.BenchCycle: post a batch, claim it, delete it with
// the claim) and the same bodies: the in-process queue through
// claimq.Local, the Zaqar engine over loopback HTTP to the zaqar front (what
// `claimq serve` runs), and this engine over loopback to the test's
// redis-server. It lives in this module because only this module may
// import go-redis; ratios between its rows are what it is for.
func BenchmarkEngines(b *testing.B) {
	engines := []struct {
		name string
		make func(b *testing.B) claimq.Engine[enginetest.Job]
	}{
		{"engine=local", func(b *testing.B) claimq.Engine[enginetest.Job] {
			q := claimq.New(claimq.Options[enginetest.Job]{})
			b.Cleanup(q.Close)
			return claimq.Local(q)
		}},
		{"engine=zaqar", func(b *testing.B) claimq.Engine[enginetest.Job] {
			srv := httptest.NewServer(zaqar.NewHandler(zaqar.Options{}))
			b.Cleanup(srv.Close)
			sc, err := zaqarengine.NewClient(srv.URL, "", "")
			if err != nil {
				b.Fatal(err)
			}
			e, err := zaqarengine.New[enginetest.Job](sc, "bench", zaqarengine.Options{Project: "bench"})
			if err != nil {
				b.Fatal(err)
			}
			return e
		}},
		{"engine=redis", func(b *testing.B) claimq.Engine[enginetest.Job] {
			e, err := redisengine.New(b.Context(), redisengine.Options[enginetest.Job]{
				Client: server, Queue: queueName(b, ""), Clock: claimq.SystemClock{}})
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { _ = e.Close() })
			return e
		}},
	}
	for _, en := range engines {
		for _, batch := range []int{1, 10} {
			b.Run(en.name+"/batch="+strconv.Itoa(batch), func(b *testing.B) {
				enginetest.BenchCycle(b, en.make(b), batch, func(i int) enginetest.Job { return enginetest.Job{N: i} })
			})
		}
	}
}
