package redisengine_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/claimq/claimq"
	"github.com/claimq/claimq/redisengine"
	"github.com/redis/go-redis/v9"
)

// The engine on a real server (the tests start one at serverAddr), with a
// fake clock: a worker's claim expires, its late delete is refused, and
// the next claim takes the message over as its second attempt.
func ExampleEngine() {
	ctx := context.Background()
	client := redis.NewClient(&redis.Options{Addr: serverAddr})
	defer client.Close()
	clock := claimq.NewFakeClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	e, err := redisengine.New(ctx, redisengine.Options[string]{Client: client, Queue: "example", Clock: clock})
	if err != nil {
		fmt.Println(err)
		return
	}

	_, err = e.Post(ctx, claimq.Post[string]{Body: "resize photo 1"}, claimq.Post[string]{Body: "resize photo 2"})
	if err != nil {
		fmt.Println(err)
		return
	}
	slow, _ := e.Claim(ctx, claimq.ClaimRequest{Limit: 1, TTL: 30 * time.Second})
	fmt.Println("slow worker:", slow.Messages[0].Body, "until", slow.Expires.Format(time.TimeOnly))

	clock.Advance(31 * time.Second)
	fast, _ := e.Claim(ctx, claimq.ClaimRequest{Limit: 10, TTL: 30 * time.Second})
	for _, m := range fast.Messages {
		fmt.Println("fast worker:", m.Body, "attempt", m.Attempt)
	}

	err = e.Delete(ctx, slow.ID, slow.Messages[0].ID)
	fmt.Println("late delete refused:", errors.Is(err, claimq.ErrClaimExpired))
	for _, m := range fast.Messages {
		if err := e.Delete(ctx, fast.ID, m.ID); err != nil {
			fmt.Println(err)
		}
	}
	// Output:
	// slow worker: resize photo 1 until 00:00:30
	// fast worker: resize photo 1 attempt 2
	// fast worker: resize photo 2 attempt 1
	// late delete refused: true
}
