package zaqarengine_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"time"

	"github.com/claimq/claimq"
	"github.com/claimq/claimq/zaqar"
	"github.com/claimq/claimq/zaqarengine"
)

type resize struct {
	Photo int `json:"photo"`
}

// A worker consumes a Zaqar queue: here claimq's own Zaqar front over
// loopback, as `claimq serve` runs it; a Zaqar cluster takes only another
// URL (and a Keystone client). The handler is the one an in-process worker
// runs; only the engine line differs.
func Example() {
	clock := claimq.NewFakeClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	srv := httptest.NewServer(zaqar.NewHandler(zaqar.Options{FakeClock: clock}))
	defer srv.Close()

	sc, err := zaqarengine.NewClient(srv.URL, "", "")
	if err != nil {
		panic(err)
	}
	eng, err := zaqarengine.New[resize](sc, "photos", zaqarengine.Options{Project: "demo", Clock: clock})
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	if _, err := eng.Post(ctx, claimq.Post[resize]{Body: resize{1}}, claimq.Post[resize]{Body: resize{2}}); err != nil {
		panic(err)
	}

	ctx, stop := context.WithCancel(ctx)
	handled := make(chan struct{}, 2)
	w, err := claimq.NewWorker(eng, func(ctx context.Context, m claimq.Delivery[resize]) error {
		fmt.Println("resizing photo", m.Body.Photo)
		return nil
	}, claimq.WorkerOptions[resize]{OnEvent: func(ev claimq.Event[resize]) {
		if ev.Kind == claimq.EventHandled {
			handled <- struct{}{}
		}
	}})
	if err != nil {
		panic(err)
	}
	done := make(chan error)
	go func() { done <- w.Run(ctx) }()
	<-handled
	<-handled
	stop()
	fmt.Println("worker stopped:", <-done, "handled:", w.Counters().Handled)
	// Output:
	// resizing photo 1
	// resizing photo 2
	// worker stopped: <nil> handled: 2
}
