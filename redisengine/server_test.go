package redisengine_test

import (
	"fmt"
	"os"
	"testing"

	"github.com/claimq/claimq/redisengine/internal/redistest"
	"github.com/redis/go-redis/v9"
)

// server is the redis-server every test of the package talks to, started
// by TestMain on a free loopback port without persistence. Tests keep
// apart by queue name (see newQueueName).
var server *redis.Client

// serverAddr is the server's address, for examples that make their own
// client.
var serverAddr string

func TestMain(m *testing.M) {
	addr, stop, err := redistest.Start()
	if err != nil {
		fmt.Fprintf(os.Stderr, "redisengine tests need redis-server (Debian package redis-server; .ci/run installs it): %v\n", err)
		os.Exit(1)
	}
	serverAddr = addr
	server = redis.NewClient(&redis.Options{Addr: addr, PoolSize: 64})
	code := m.Run()
	_ = server.Close()
	stop()
	os.Exit(code)
}
