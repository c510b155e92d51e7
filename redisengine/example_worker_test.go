package redisengine_test

import (
	"context"
	"fmt"
	"time"

	"github.com/claimq/claimq"
	"github.com/claimq/claimq/redisengine"
	"github.com/redis/go-redis/v9"
)

type resize struct {
	Photo int `json:"photo"`
}

// A worker consumes a Redis queue (the tests start a redis-server at
// serverAddr). The handler is the one an in-process worker runs; only the
// engine line differs.
func Example_worker() {
	ctx := context.Background()
	client := redis.NewClient(&redis.Options{Addr: serverAddr})
	defer client.Close()
	clock := claimq.NewFakeClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	eng, err := redisengine.New(ctx, redisengine.Options[resize]{Client: client, Queue: "photos", Clock: clock})
	if err != nil {
		panic(err)
	}
	defer eng.Close()
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
