package zaqarengine_test

import (
	"context"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/claimq/claimq"
	"github.com/claimq/claimq/enginetest"
	"github.com/claimq/claimq/zaqar"
	"github.com/claimq/claimq/zaqarengine"
	"github.com/google/uuid"
	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack/messaging/v2/queues"
)

var epoch = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// newFront starts claimq's Zaqar front over loopback on a fresh FakeClock
// and returns a client of it.
func newFront(t testing.TB) (*gophercloud.ServiceClient, *claimq.FakeClock) {
	t.Helper()
	clock := claimq.NewFakeClock(epoch)
	srv := httptest.NewServer(zaqar.NewHandler(zaqar.Options{FakeClock: clock, RequireProject: true}))
	t.Cleanup(srv.Close)
	sc, err := zaqarengine.NewClient(srv.URL, "", "")
	if err != nil {
		t.Fatalf("NewClient(%s) = %v", srv.URL, err)
	}
	return sc, clock
}

// instance makes the engine of queue (and of its dead-letter queue when
// cfg asks for one) on sc.
func instance(t *testing.T, sc *gophercloud.ServiceClient, queue string, opts zaqarengine.Options, cfg enginetest.Config) enginetest.Instance[enginetest.Job] {
	t.Helper()
	eng, err := zaqarengine.New[enginetest.Job](sc, queue, opts)
	if err != nil {
		t.Fatalf("New(%q) = %v", queue, err)
	}
	inst := enginetest.Instance[enginetest.Job]{Engine: eng}
	if cfg.MaxClaimCount > 0 {
		dlq := queue + "-dlq"
		scp := zaqarengine.WithProject(sc, opts.Project)
		err := queues.Create(t.Context(), scp, queues.CreateOpts{
			QueueName: queue,
			// gophercloud always sends this key, and a real Zaqar refuses
			// its zero value.
			DefaultMessageTTL: 3600,
			MaxClaimCount:     cfg.MaxClaimCount,
			DeadLetterQueue:   dlq,
			Extra:             map[string]any{"description": "claimq conformance"},
		}).ExtractErr()
		if err != nil {
			t.Fatalf("creating queue %s with a dead-letter queue: %v", queue, err)
		}
		if inst.DeadLetter, err = zaqarengine.New[enginetest.Job](sc, dlq, opts); err != nil {
			t.Fatalf("New(%q) = %v", dlq, err)
		}
	}
	return inst
}

// TestConformanceFront runs the suite against claimq's own Zaqar front
// through httptest, on a FakeClock shared by the server and the engine.
func TestConformanceFront(t *testing.T) {
	enginetest.RunConformance(t, enginetest.Harness[enginetest.Job]{
		New: func(t *testing.T, cfg enginetest.Config) enginetest.Instance[enginetest.Job] {
			sc, clock := newFront(t)
			return instance(t, sc, "jobs", zaqarengine.Options{Project: "conformance", Clock: clock}, cfg)
		},
	})
}

// TestConformanceZaqar runs the suite against the real Zaqar named by
// CLAIMQ_ZAQAR_URL (its base URL, without /v2), with CLAIMQ_ZAQAR_TOKEN as
// X-Auth-Token and CLAIMQ_ZAQAR_PROJECT as X-Project-Id when set. It runs
// on real time with Zaqar's 60 s claims, its cases in parallel, so it
// takes several minutes; each case uses queues of its own and deletes
// them at the end.
func TestConformanceZaqar(t *testing.T) {
	url := os.Getenv("CLAIMQ_ZAQAR_URL")
	if url == "" {
		t.Skip("no real Zaqar: set CLAIMQ_ZAQAR_URL (e.g. http://127.0.0.1:8888) to run the suite against one")
	}
	project := os.Getenv("CLAIMQ_ZAQAR_PROJECT")
	if project == "" {
		project = "claimq-conformance"
	}
	enginetest.RunConformance(t, enginetest.Harness[enginetest.Job]{
		New: func(t *testing.T, cfg enginetest.Config) enginetest.Instance[enginetest.Job] {
			sc, err := zaqarengine.NewClient(url, "", os.Getenv("CLAIMQ_ZAQAR_TOKEN"))
			if err != nil {
				t.Fatal(err)
			}
			queue := "claimq-" + strings.ReplaceAll(uuid.NewString(), "-", "")[:12]
			scp := zaqarengine.WithProject(sc, project)
			t.Cleanup(func() {
				ctx := context.Background()
				_ = queues.Delete(ctx, scp, queue).ExtractErr()
				_ = queues.Delete(ctx, scp, queue+"-dlq").ExtractErr()
			})
			return instance(t, sc, queue, zaqarengine.Options{Project: project, PollMin: time.Second, PollMax: 5 * time.Second}, cfg)
		},
		Margin:   2 * time.Second,
		Parallel: true,
	})
}
