package zaqarengine_test

import (
	"context"
	"net/http/httptest"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/claimq/claimq"
	"github.com/claimq/claimq/enginetest"
	"github.com/claimq/claimq/zaqar"
	"github.com/claimq/claimq/zaqarengine"
	"github.com/gophercloud/gophercloud/v2/openstack/messaging/v2/queues"
)

// BenchmarkEngineCycle measures the per-message cost of a worker's round
// trip through an engine (enginetest.BenchCycle: post a batch, claim it,
// delete it with the claim). The in-process engine is the baseline the Zaqar engine (over
// loopback HTTP to the zaqar front, as `claimq serve` runs it) is compared
// with in the same run; where CLAIMQ_ZAQAR_URL names a real Zaqar, it is
// measured too.
func BenchmarkEngineCycle(b *testing.B) {
	type maker struct {
		name string
		make func(b *testing.B) claimq.Engine[enginetest.Job]
	}
	engines := []maker{
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
			eng, err := zaqarengine.New[enginetest.Job](sc, "bench", zaqarengine.Options{Project: "bench"})
			if err != nil {
				b.Fatal(err)
			}
			return eng
		}},
	}
	if url := os.Getenv("CLAIMQ_ZAQAR_URL"); url != "" {
		engines = append(engines, maker{"engine=zaqar-real", func(b *testing.B) claimq.Engine[enginetest.Job] {
			sc, err := zaqarengine.NewClient(url, "", os.Getenv("CLAIMQ_ZAQAR_TOKEN"))
			if err != nil {
				b.Fatal(err)
			}
			queue := "claimq-bench-" + strconv.FormatInt(time.Now().UnixNano(), 36)
			b.Cleanup(func() {
				_ = queues.Delete(context.Background(), zaqarengine.WithProject(sc, "claimq-bench"), queue).ExtractErr()
			})
			eng, err := zaqarengine.New[enginetest.Job](sc, queue, zaqarengine.Options{Project: "claimq-bench"})
			if err != nil {
				b.Fatal(err)
			}
			return eng
		}})
	}
	for _, en := range engines {
		for _, batch := range []int{1, 10} {
			b.Run(en.name+"/batch="+strconv.Itoa(batch), func(b *testing.B) {
				enginetest.BenchCycle(b, en.make(b), batch, func(i int) enginetest.Job { return enginetest.Job{N: i} })
			})
		}
	}
}
