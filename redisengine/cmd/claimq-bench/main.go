// Command claimq-bench is "claimq bench" with the Redis Streams engine
// built in: -engine redis://host:port[/db] (or rediss:// for TLS) drives
// a queue of its own on that Redis server with the workload, flags and
// report of "claimq bench", so that Redis can be measured beside the
// in-process queue and a Zaqar server. It lives in this module so that
// claimq's own module does not depend on go-redis. From the root of a
// claimq checkout:
//
//	go -C redisengine run ./cmd/claimq-bench -engine redis://127.0.0.1:6379 -messages 100000
//
// The URL is go-redis's (redis.ParseURL): user and password, database
// number, and options such as ?pool_size=; the pool is grown to one
// connection per producer and consumer if it is smaller. Each run's queue
// is deleted from the server when the run ends. Every other engine of
// "claimq bench" works here too; run with -h for the flags.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"syscall"
	"time"

	"github.com/claimq/claimq/bench"
	"github.com/claimq/claimq/redisengine"
	"github.com/redis/go-redis/v9"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	// A second signal ends the process the default way.
	context.AfterFunc(ctx, stop)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	switch {
	case err == nil:
	case errors.Is(err, bench.ErrUsage):
		fmt.Fprintln(os.Stderr, "claimq-bench:", err)
		os.Exit(2)
	default:
		fmt.Fprintln(os.Stderr, "claimq-bench:", err)
		os.Exit(1)
	}
}

// run is the command without the process around it, for tests.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return bench.Run(ctx, args, stdout, stderr, bench.Options{Engines: map[string]bench.Opener{
		"redis":  openRedis,
		"rediss": openRedis,
	}})
}

// openRedis opens the Redis Streams engine of one run, on a connection
// pool of its own so that nothing of a run outlives it.
func openRedis(ctx context.Context, t bench.Target) (bench.Driver, error) {
	opt, err := redis.ParseURL(t.URL)
	if err != nil {
		return nil, fmt.Errorf("-engine: %w", err)
	}
	sizePool(opt, t.Workers)
	c := redis.NewClient(opt)
	e, err := redisengine.New(ctx, redisengine.Options[[]byte]{Client: c, Queue: t.Queue})
	if err != nil {
		c.Close()
		return nil, fmt.Errorf("-engine: %w", err)
	}
	d, err := bench.EngineDriver(e, t, func() {
		_ = e.Close()
		dropQueue(c, t.Queue)
		_ = c.Close()
	})
	if err != nil {
		_ = e.Close()
		dropQueue(c, t.Queue)
		c.Close()
		return nil, err
	}
	return d, nil
}

// dropQueue deletes the keys of queue (the engine names them
// "claimq:{queue}:…"), so that a run leaves nothing on the server; a
// failure leaves keys whose messages expire in an hour (the engine's
// default TTL) and is not reported, as the figures are out by then.
func dropQueue(c *redis.Client, queue string) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	it := c.Scan(ctx, 0, "claimq:{"+queue+"}:*", 100).Iterator()
	var keys []string
	for it.Next(ctx) {
		keys = append(keys, it.Val())
	}
	if len(keys) > 0 && it.Err() == nil {
		_ = c.Del(ctx, keys...).Err()
	}
}

// sizePool grows the pool of opt, as the URL set it or go-redis's default,
// to a connection per worker, each of which may hold one at once (a
// waiting claim for up to a second), and one for the wake subscription
// and the filling; else the run would measure waits for the pool.
func sizePool(opt *redis.Options, workers int) {
	if opt.PoolSize == 0 {
		opt.PoolSize = 10 * runtime.GOMAXPROCS(0) // go-redis's default, which it sets only for 0
	}
	opt.PoolSize = max(opt.PoolSize, workers+2)
}
