package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/claimq/claimq/bench"
	"github.com/claimq/claimq/redisengine/internal/redistest"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// serverAddr is the address of the redis-server TestMain starts on a free
// loopback port without persistence, as the engine's own tests do.
var serverAddr string

func TestMain(m *testing.M) {
	addr, stop, err := redistest.Start()
	if err != nil {
		fmt.Fprintf(os.Stderr, "claimq-bench tests need redis-server (Debian package redis-server; .ci/run installs it): %v\n", err)
		os.Exit(1)
	}
	serverAddr = addr
	code := m.Run()
	stop()
	os.Exit(code)
}

// evalCalls is how many scripts the server has run: every operation of
// the engine is one.
func evalCalls(t *testing.T, c *redis.Client) int {
	t.Helper()
	info, err := c.Info(t.Context(), "commandstats").Result()
	require.NoError(t, err)
	n := 0
	for line := range strings.SplitSeq(info, "\n") {
		name, rest, ok := strings.Cut(strings.TrimSpace(line), ":")
		if !ok || (name != "cmdstat_evalsha" && name != "cmdstat_eval") {
			continue
		}
		calls, _, _ := strings.Cut(strings.TrimPrefix(rest, "calls="), ",")
		v, err := strconv.Atoi(calls)
		require.NoError(t, err, "%s", line)
		n += v
	}
	return n
}

// TestBenchRedis runs the command against the real server: every message
// goes through the Redis Streams engine, and the run's queue is gone from
// the server afterwards.
func TestBenchRedis(t *testing.T) {
	c := redis.NewClient(&redis.Options{Addr: serverAddr})
	defer c.Close()
	before := evalCalls(t, c)

	engine := "redis://" + serverAddr
	var out, errOut bytes.Buffer
	err := run(t.Context(), []string{"-engine", engine, "-messages", "300", "-backlog", "30", "-held", "20",
		"-producers", "2", "-consumers", "3", "-warmup", "0", "-json"}, &out, &errOut)
	require.NoError(t, err, "stderr: %s", errOut.String())

	var rep struct {
		Points []struct {
			Runs []struct {
				Engine   string `json:"engine"`
				Messages int64  `json:"messages"`
				EndToEnd struct {
					Count    int64 `json:"count"`
					P50, P99 int64
				} `json:"end_to_end_ns"`
				Lost        int64  `json:"lost_deletes"`
				AllocsScope string `json:"allocs_scope"`
				Interrupted bool   `json:"interrupted"`
			} `json:"runs"`
		} `json:"points"`
	}
	require.NoError(t, json.Unmarshal(out.Bytes(), &rep), "stdout: %s", out.String())
	require.Len(t, rep.Points, 1)
	require.Len(t, rep.Points[0].Runs, 1)
	r := rep.Points[0].Runs[0]
	assert.Equal(t, engine, r.Engine)
	assert.EqualValues(t, 300, r.Messages)
	assert.EqualValues(t, 300-30, r.EndToEnd.Count, "the backlog goes first, untimed")
	assert.Positive(t, r.EndToEnd.P50)
	assert.LessOrEqual(t, r.EndToEnd.P50, r.EndToEnd.P99)
	assert.Zero(t, r.Lost)
	assert.Equal(t, "client", r.AllocsScope)
	assert.False(t, r.Interrupted)

	// A delete per message, a post per batch of the fill and the run, a
	// claim per batch: at least one script per message deleted.
	assert.GreaterOrEqual(t, evalCalls(t, c)-before, 300+20+30, "the messages went through the server")
	keys, err := c.Keys(t.Context(), "claimq:*").Result()
	require.NoError(t, err)
	assert.Empty(t, keys, "the run's queue is deleted when it ends")
}

func TestBenchRedisTable(t *testing.T) {
	var out, errOut bytes.Buffer
	err := run(t.Context(), []string{"-engine", "redis://" + serverAddr + "/1", "-messages", "50", "-warmup", "0"}, &out, &errOut)
	require.NoError(t, err, "stderr: %s", errOut.String())
	assert.Contains(t, out.String(), "redis://"+serverAddr+"/1")
}

func TestBenchRedisBadURL(t *testing.T) {
	var out, errOut bytes.Buffer
	err := run(t.Context(), []string{"-engine", "redis://" + serverAddr + "/notanumber", "-messages", "10"}, &out, &errOut)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "notanumber")
	assert.NotErrorIs(t, err, bench.ErrUsage, "found when the engine opens")
}

func TestBenchRedisUnreachable(t *testing.T) {
	port, err := redistest.FreePort()
	require.NoError(t, err)
	var out, errOut bytes.Buffer
	err = run(t.Context(), []string{"-engine", "redis://127.0.0.1:" + strconv.Itoa(port) + "?max_retries=-1", "-messages", "10"}, &out, &errOut)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "connection refused")
}

func TestSizePool(t *testing.T) {
	for _, tc := range []struct {
		url     string
		workers int
		want    int
	}{
		{"redis://h:1", 2, 10 * runtime.GOMAXPROCS(0)},
		{"redis://h:1", 1000, 1002},
		{"redis://h:1?pool_size=5", 10, 12},
		{"redis://h:1?pool_size=100", 10, 100},
	} {
		opt, err := redis.ParseURL(tc.url)
		require.NoError(t, err)
		sizePool(opt, tc.workers)
		assert.Equal(t, tc.want, opt.PoolSize, "%s with %d workers", tc.url, tc.workers)
	}
}
