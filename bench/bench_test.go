package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// bench runs runBench without a warm-up unless args ask for one (the last
// of repeated flags wins) and returns its stdout and stderr.
func bench(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	return benchCtx(t.Context(), args...)
}

func benchCtx(ctx context.Context, args ...string) (stdout, stderr string, err error) {
	var out, errOut bytes.Buffer
	err = Run(ctx, append([]string{"-warmup", "0"}, args...), &out, &errOut, Options{})
	return out.String(), errOut.String(), err
}

// jsonReport is the document -format json prints.
type jsonReport struct {
	Meta   runMeta       `json:"meta"`
	Sweep  string        `json:"sweep"`
	Points []pointResult `json:"points"`
}

func decodeReport(t *testing.T, out string) jsonReport {
	t.Helper()
	var rep jsonReport
	require.NoError(t, json.Unmarshal([]byte(out), &rep), "stdout is not one JSON document: %s", out)
	require.NotEmpty(t, rep.Points)
	return rep
}

// benchOne runs a single point once with -json and returns its run.
func benchOne(t *testing.T, args ...string) result {
	t.Helper()
	out, errOut, err := bench(t, append([]string{"-json"}, args...)...)
	require.NoError(t, err, "stderr: %s", errOut)
	rep := decodeReport(t, out)
	require.Len(t, rep.Points, 1)
	require.Len(t, rep.Points[0].Runs, 1)
	return rep.Points[0].Runs[0]
}

// requireMonotone checks that a latency summary is ordered as percentiles
// must be.
func requireMonotone(t *testing.T, name string, l latency) {
	t.Helper()
	require.Positive(t, l.Count, "%s: no samples", name)
	assert.Positive(t, l.P50, "%s p50", name)
	assert.LessOrEqual(t, l.P50, l.P90, "%s p50 <= p90", name)
	assert.LessOrEqual(t, l.P90, l.P99, "%s p90 <= p99", name)
	assert.LessOrEqual(t, l.P99, l.P999, "%s p99 <= p99.9", name)
	assert.LessOrEqual(t, l.P999, l.Max, "%s p99.9 <= max", name)
}

// requireClaimRows checks the two claim rows: each claim that returned
// messages is in one of them, which of them depends on the scheduling.
func requireClaimRows(t *testing.T, r result) {
	t.Helper()
	require.Positive(t, r.ClaimCall.Count+r.ClaimWaited.Count, "no claim timed")
	for name, l := range map[string]latency{"claim_call_ns": r.ClaimCall, "claim_call_waited_ns": r.ClaimWaited} {
		if l.Count > 0 {
			requireMonotone(t, name, l)
		}
	}
}

// progressRE matches the plain progress lines, sweep label optional.
var progressRE = regexp.MustCompile(`(?m)^([a-z-]+=\d+(/s)?(#\d+)?: |#\d+: )?(done: )?\d+\.\ds \d+ msgs \d+ msgs/s( average)?$`)

func TestBenchJSON(t *testing.T) {
	tests := []struct {
		name string
		args []string
	}{
		{"defaults", nil},
		{"many workers", []string{"-producers", "3", "-consumers", "4", "-batch", "7"}},
		{"batch 1", []string{"-batch", "1"}},
		{"batch 20 with backlog and held", []string{"-batch", "20", "-backlog", "150", "-held", "100"}},
		{"large bodies", []string{"-body-size", "4096"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errOut, err := bench(t, append([]string{"-messages", "200", "-json"}, tt.args...)...)
			require.NoError(t, err)
			r := decodeReport(t, out).Points[0].Runs[0]

			assert.Equal(t, "inproc", r.Engine)
			assert.EqualValues(t, 200, r.Messages, "messages done")
			assert.Positive(t, r.Seconds)
			assert.InDelta(t, float64(r.Messages)/r.Seconds, r.Throughput, 1e-6*r.Throughput)
			requireMonotone(t, "end_to_end_ns", r.EndToEnd)
			requireClaimRows(t, r)
			// Claims take the oldest messages first, so the backlog,
			// posted before the run and not timed, goes first.
			assert.EqualValues(t, 200-r.Backlog, r.EndToEnd.Count)
			// Every claim that returned messages is in one of the two
			// claim rows: at least one claim per batch deleted.
			assert.GreaterOrEqual(t, r.ClaimCall.Count+r.ClaimWaited.Count, int64((200+r.Batch-1)/r.Batch))
			assert.Zero(t, r.Lost)
			assert.Nil(t, r.SendLag, "a closed loop has no schedule to lag behind")
			assert.Positive(t, r.AllocsPerMessage)
			assert.Equal(t, "queue", r.AllocsScope)
			assert.Positive(t, r.Memory.LiveHeapBytes)
			assert.Positive(t, r.Memory.PeakRSSBytes)
			assert.False(t, r.Interrupted)

			assert.Regexp(t, progressRE, errOut)
			assert.NotContains(t, errOut, "\r", "progress to a buffer must not redraw")
		})
	}
}

func TestBenchJSONEchoesSettings(t *testing.T) {
	r := benchOne(t, "-messages", "50", "-producers", "2", "-consumers", "3",
		"-batch", "5", "-backlog", "1e2", "-held", "20", "-claim-ttl", "90s", "-body-size", "100", "-warmup", "10ms")
	assert.Equal(t,
		result{Engine: "inproc", Producers: 2, Consumers: 3, Batch: 5, Backlog: 100, Held: 20, BodySize: 100, ClaimTTL: "1m30s", Warmup: "10ms"},
		result{Engine: r.Engine, Producers: r.Producers, Consumers: r.Consumers, Batch: r.Batch, Backlog: r.Backlog, Held: r.Held, BodySize: r.BodySize, ClaimTTL: r.ClaimTTL, Warmup: r.Warmup})
}

func TestBenchMetadata(t *testing.T) {
	args := []string{"-messages", "20", "-json", "-batch", "2"}
	out, _, err := bench(t, args...)
	require.NoError(t, err)
	m := decodeReport(t, out).Meta
	assert.Equal(t, append([]string{"-warmup", "0"}, args...), m.Args)
	assert.Equal(t, runtime.Version(), m.GoVersion)
	assert.Equal(t, runtime.GOMAXPROCS(0), m.GOMAXPROCS)
	assert.Equal(t, runtime.GOOS, m.GOOS)
	assert.NotEmpty(t, m.Module)
	_, err = time.Parse(time.RFC3339, m.Time)
	assert.NoError(t, err, "time %q", m.Time)
}

func TestBenchTable(t *testing.T) {
	out, _, err := bench(t, "-messages", "100")
	require.NoError(t, err)
	for _, want := range []string{"claimq bench: inproc, 1 producer, 1 consumer, batch 10, body 64 B",
		"throughput", "allocs/msg", "(queue)", "live heap", "after a GC at the end",
		"peak RSS", "this process", "end-to-end  ", "claim call  ", "claim call, waited", "p99.9", "closed loop"} {
		assert.Contains(t, out, want)
	}
	assert.Regexp(t, `(?m)^messages +100 in `, out)
	assert.NotContains(t, out, "bytes/msg queued", "too few messages queued to say")
	assert.NotContains(t, out, "send lag", "only an open loop has a schedule")
}

// cuttingDriver ends the phase (see benchConfig.phaseEnd) at the at-th
// delete, while the consumer that made it still holds the rest of its
// batch.
type cuttingDriver struct {
	driver
	at      int64
	deletes atomic.Int64
	end     context.CancelFunc // the phase's, set as it starts
}

func (d *cuttingDriver) newConsumer() consumer {
	return &cuttingConsumer{consumer: d.driver.newConsumer(), d: d}
}

type cuttingConsumer struct {
	consumer
	d *cuttingDriver
}

func (c *cuttingConsumer) delete(ctx context.Context, dl delivery) error {
	err := c.consumer.delete(ctx, dl)
	if err == nil && c.d.deletes.Add(1) == c.d.at {
		c.d.end()
	}
	return err
}

// cutAt runs one point of args, a duration run of an hour that ends at
// its at-th delete rather than at its deadline, whatever the scheduling.
func cutAt(t *testing.T, at int64, args ...string) result {
	t.Helper()
	cfg, err := parseBenchFlags(append([]string{"-warmup", "0", "-duration", "1h"}, args...), &bytes.Buffer{}, nil)
	require.NoError(t, err)
	cd := &cuttingDriver{at: at}
	cfg.wrap = func(d driver) driver {
		cd.driver = d
		return cd
	}
	cfg.phaseEnd = func(parent context.Context) (context.Context, context.CancelFunc) {
		ctx, cancel := context.WithCancel(parent)
		cd.end = cancel
		return ctx, cancel
	}
	r, err := measure(t.Context(), cfg, newProgress(&bytes.Buffer{}, false))
	require.NoError(t, err)
	return r
}

// TestBenchDuration checks a closed-loop run bounded by -duration, ended
// in the middle of a batch: the consumer deletes the rest of its batch,
// and each delete counted is timed. TestBenchOpenLoopDuration checks the
// length of a run, in a bubble.
func TestBenchDuration(t *testing.T) {
	r := cutAt(t, 5, "-consumers", "2")
	assert.GreaterOrEqual(t, r.Messages, int64(10), "the batch of the fifth delete, deleted to its end")
	assert.Equal(t, r.Messages, r.EndToEnd.Count,
		"a run cut short in the middle of a batch counts each delete it timed")
	assert.False(t, r.Interrupted, "a duration run ends by itself")
}

// In a synctest bubble time moves only when every goroutine waits, so an
// open-loop run, whose producers wait for their schedule, is exact.
func TestBenchOpenLoopDuration(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := benchOne(t, "-rate", "1000/s", "-duration", "1s", "-batch", "1", "-producers", "2")
		assert.Equal(t, 1.0, r.Seconds, "a duration run lasts -duration")
		assert.Equal(t, 1000, r.Rate)
		// Sends are due at 0, 1, …, 1000 ms; the one due at the
		// deadline may or may not go.
		assert.InDelta(t, 1000, r.Messages, 1)
		require.NotNil(t, r.SendLag)
		assert.Equal(t, int64(histMin), r.SendLag.Max, "no send was late: time stands still while the load runs")
	})
}

// stallingProducer makes the post of number `at` (from 1) take `stall`.
type stallingDriver struct {
	driver
	at    int
	stall time.Duration
	posts int
}

func (d *stallingDriver) newProducer() producer {
	return &stallingProducer{d: d, producer: d.driver.newProducer()}
}

type stallingProducer struct {
	producer
	d *stallingDriver
}

func (p *stallingProducer) post(ctx context.Context, stamps []int64) error {
	if p.d.posts++; p.d.posts == p.d.at {
		time.Sleep(p.d.stall) // in a bubble: fake time
	}
	return p.producer.post(ctx, stamps)
}

// stalled runs one point of args with the at-th post stalled.
func stalled(t *testing.T, at int, stall time.Duration, args ...string) result {
	t.Helper()
	cfg, err := parseBenchFlags(append([]string{"-warmup", "0"}, args...), &bytes.Buffer{}, nil)
	require.NoError(t, err)
	cfg.wrap = func(d driver) driver { return &stallingDriver{driver: d, at: at, stall: stall} }
	r, err := measure(t.Context(), cfg, newProgress(&bytes.Buffer{}, false))
	require.NoError(t, err)
	return r
}

// TestBenchOpenLoopCountsStalls: one post stalled by 100 ms delays the
// hundred messages due during the stall. Latency from the due time counts
// each of them (100 ms, 99 ms, … 1 ms late); latency from the actual send
// time, coordinated omission, would show one slow message and call p99
// fast.
func TestBenchOpenLoopCountsStalls(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := stalled(t, 500, 100*time.Millisecond, "-rate", "1000/s", "-messages", "1000", "-batch", "1")
		require.EqualValues(t, 1000, r.EndToEnd.Count)
		assert.GreaterOrEqual(t, r.EndToEnd.Max, int64(100*time.Millisecond), "the stalled message")
		// p99 is the 10th slowest of 1000: 91 ms late.
		assert.InDelta(t, float64(91*time.Millisecond), float64(r.EndToEnd.P99), float64(time.Millisecond))
		// p90 is the 100th slowest: the last delayed message, ≤ 1 ms.
		assert.LessOrEqual(t, r.EndToEnd.P90, int64(time.Millisecond))
		require.NotNil(t, r.SendLag)
		// The stalled post went on time; the 99 after it were 99, 98, …
		// 1 ms late, and p99 is the 11th latest of 1000.
		assert.InDelta(t, float64(89*time.Millisecond), float64(r.SendLag.P99), float64(time.Millisecond),
			"the producer knows how late it was")
	})
}

// TestBenchClosedLoopHidesStalls is the contrast: in a closed loop the
// same stall delays one message, as nothing else was due.
func TestBenchClosedLoopHidesStalls(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := stalled(t, 50, 100*time.Millisecond, "-messages", "1000", "-batch", "1")
		require.EqualValues(t, 1000, r.EndToEnd.Count)
		assert.Less(t, r.EndToEnd.P99, int64(time.Millisecond))
	})
}

// TestBenchWarmupExcluded stalls a post during the warm-up: the measured
// figures must not see it.
func TestBenchWarmupExcluded(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := stalled(t, 100, 200*time.Millisecond, "-rate", "1000/s", "-messages", "500", "-batch", "1", "-warmup", "500ms")
		require.EqualValues(t, 500, r.Messages)
		assert.EqualValues(t, 500, r.EndToEnd.Count, "messages sent in the measurement")
		assert.Less(t, r.EndToEnd.Max, int64(time.Millisecond), "the warm-up's stall is not measured")
		// 500 sends due from 0 to 499 ms; one due at the end of the
		// warm-up may have gone then, as its timer and the deadline
		// fire at the same instant.
		assert.InDelta(t, 0.4985, r.Seconds, 0.0006)
	})
}

// TestBenchBytesPerMessage checks the memory figure against what a
// message must cost: its body, and the queue's bookkeeping, which is a
// few hundred bytes.
func TestBenchBytesPerMessage(t *testing.T) {
	small := benchOne(t, "-backlog", "2e4", "-messages", "100", "-body-size", "18")
	large := benchOne(t, "-backlog", "2e4", "-messages", "100", "-body-size", "1042")
	for _, r := range []result{small, large} {
		// The backlog, less the 100 deleted, plus what was posted, at
		// most a window of 40.
		assert.InDelta(t, 2e4, r.Memory.QueuedMessages, 100)
	}
	assert.Greater(t, small.Memory.BytesPerQueuedMessage, 18.0+48, "the body and at least its slice header")
	assert.Less(t, small.Memory.BytesPerQueuedMessage, 1000.0, "a small message costs hundreds of bytes")
	// 1024 more bytes of body (a batch's slab of 20·1042 bytes rounds up
	// to a size class of the allocator, hence the margin).
	assert.InDelta(t, 1024, large.Memory.BytesPerQueuedMessage-small.Memory.BytesPerQueuedMessage, 150)
	assert.Greater(t, large.Memory.LiveHeapBytes, uint64(2e4*1042), "the bodies are live")

	// The points of a sweep are measured alike: what the previous point
	// left (in pools, say) is not charged to the next.
	out, _, err := bench(t, "-json", "-messages", "100", "-sweep", "backlog=2e4,2e4")
	require.NoError(t, err)
	ps := decodeReport(t, out).Points
	require.Len(t, ps, 2)
	first, second := ps[0].Runs[0].Memory.BytesPerQueuedMessage, ps[1].Runs[0].Memory.BytesPerQueuedMessage
	assert.InEpsilon(t, first, second, 0.05, "bytes/msg of two equal points: %v, %v", first, second)
}

func TestBenchCount(t *testing.T) {
	out, errOut, err := bench(t, "-messages", "50", "-count", "3", "-json")
	require.NoError(t, err)
	rep := decodeReport(t, out)
	p := rep.Points[0]
	require.Len(t, p.Runs, 3)
	var ths []float64
	for _, r := range p.Runs {
		ths = append(ths, r.Throughput)
	}
	assert.LessOrEqual(t, p.Throughput.Min, p.Throughput.Median)
	assert.LessOrEqual(t, p.Throughput.Median, p.Throughput.Max)
	assert.Contains(t, ths, p.Throughput.Median, "the median of three is one of them")
	assert.Equal(t, p.Throughput.Median, p.Median.Throughput)
	assert.Contains(t, errOut, "#3: ")

	out, _, err = bench(t, "-messages", "50", "-count", "3")
	require.NoError(t, err)
	assert.Regexp(t, `(?m)^runs +3; each figure is the median over them$`, out)
}

// sweepRows returns the rows of a sweep table: the lines after its two
// header lines that start with a value, leaving out footnotes.
func sweepRows(t *testing.T, out string) []string {
	t.Helper()
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	require.Greater(t, len(lines), 2, "no rows in:\n%s", out)
	var rows []string
	for _, l := range lines[2:] {
		if f := strings.Fields(l); len(f) > 0 {
			if _, err := strconv.Atoi(strings.TrimSuffix(f[0], "/s")); err == nil {
				rows = append(rows, l)
			}
		}
	}
	return rows
}

func TestBenchSweep(t *testing.T) {
	tests := []struct {
		param  string
		values []int
		get    func(result) int
	}{
		{"backlog", []int{0, 10, 1000}, func(r result) int { return r.Backlog }},
		{"held", []int{0, 100}, func(r result) int { return r.Held }},
		{"producers", []int{1, 3}, func(r result) int { return r.Producers }},
		{"consumers", []int{1, 2}, func(r result) int { return r.Consumers }},
		{"batch", []int{1, 20}, func(r result) int { return r.Batch }},
		{"body-size", []int{18, 1000}, func(r result) int { return r.BodySize }},
		{"rate", []int{100000, 200000}, func(r result) int { return r.Rate }},
	}
	for _, tt := range tests {
		t.Run(tt.param, func(t *testing.T) {
			var spec []string
			for _, v := range tt.values {
				spec = append(spec, formatValue(tt.param, v))
			}
			sweepArg := tt.param + "=" + strings.Join(spec, ",")

			out, errOut, err := bench(t, "-messages", "100", "-sweep", sweepArg)
			require.NoError(t, err)
			rows := sweepRows(t, out)
			require.Len(t, rows, len(tt.values), "one row per value in:\n%s", out)
			for i, row := range rows {
				assert.Equal(t, spec[i], strings.Fields(row)[0], "row %d", i)
			}
			assert.Contains(t, out, "sweeping "+tt.param)
			assert.Regexp(t, progressRE, errOut)
			assert.Contains(t, errOut, tt.param+"="+spec[len(spec)-1]+": ")

			out, _, err = bench(t, "-messages", "100", "-json", "-sweep", sweepArg)
			require.NoError(t, err)
			rep := decodeReport(t, out)
			assert.Equal(t, tt.param, rep.Sweep)
			require.Len(t, rep.Points, len(tt.values))
			for i, p := range rep.Points {
				assert.Equal(t, tt.values[i], p.Value, "point %d", i)
				assert.Equal(t, tt.values[i], tt.get(p.Runs[0]), "point %d", i)
				assert.EqualValues(t, 100, p.Runs[0].Messages, "point %d", i)
			}
		})
	}
}

func TestBenchScientificSweepValues(t *testing.T) {
	out, _, err := bench(t, "-messages", "20", "-sweep", "backlog=1e1, 2e2")
	require.NoError(t, err)
	rows := sweepRows(t, out)
	require.Len(t, rows, 2)
	assert.Equal(t, "10", strings.Fields(rows[0])[0])
	assert.Equal(t, "200", strings.Fields(rows[1])[0])
}

// benchLineRE is a line of the Go benchmark format: a name, an iteration
// count, then value-unit pairs.
var benchLineRE = regexp.MustCompile(`^Benchmark\S+-\d+\t\d+(\t[0-9.e+-]+ \S+)+$`)

func TestBenchBenchstatFormat(t *testing.T) {
	out, _, err := bench(t, "-messages", "100", "-count", "2", "-format", "benchstat", "-sweep", "batch=5,10")
	require.NoError(t, err)
	var lines []string
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		if strings.HasPrefix(l, "Benchmark") {
			lines = append(lines, l)
			assert.Regexp(t, benchLineRE, l)
		} else {
			assert.Regexp(t, `^[a-z]+: \S`, l, "configuration line")
		}
	}
	require.Len(t, lines, 4, "a line per run")
	assert.Contains(t, out, "goos: "+runtime.GOOS+"\n")
	assert.Contains(t, lines[0], "BenchmarkBench/engine=inproc/producers=1/consumers=1/batch=5/body=64/backlog=0/held=0/rate=closed-")
	assert.Contains(t, lines[3], "/batch=10/")
	f := strings.Split(lines[0], "\t")
	assert.Equal(t, "100", f[1], "iterations are the messages")
	units := map[string]float64{}
	for _, vu := range f[2:] {
		v, u, _ := strings.Cut(vu, " ")
		x, err := strconv.ParseFloat(v, 64)
		require.NoError(t, err)
		units[u] = x
	}
	for _, u := range []string{"ns/msg", "msgs/s", "end-to-end-p50-ns", "end-to-end-p99-ns", "claim-call-p99-ns", "allocs/msg", "live-heap-B"} {
		assert.Contains(t, units, u)
	}
	assert.InDelta(t, 1e9, units["ns/msg"]*units["msgs/s"], 1e4, "ns/msg and msgs/s are one figure")
}

func TestBenchBadFlags(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string // in the error text
	}{
		{"batch 0", []string{"-batch", "0"}, "-batch 0: want 1 to 20"},
		{"batch above the claim limit", []string{"-batch", "21"}, "above the claim limit of 20"},
		{"negative duration", []string{"-duration", "-1s"}, "-duration -1s: want a positive duration"},
		{"zero duration", []string{"-duration", "0"}, "want a positive duration"},
		{"negative warm-up", []string{"-warmup", "-1s"}, "-warmup -1s: want 0 or a positive duration"},
		{"messages and duration", []string{"-messages", "10", "-duration", "1s"}, "exclude each other"},
		{"zero messages", []string{"-messages", "0"}, "-messages 0: want at least 1"},
		{"negative messages", []string{"-messages", "-5"}, "want 0 to"},
		{"fractional messages", []string{"-messages", "1.5"}, "want a whole number"},
		{"no producers", []string{"-producers", "0"}, "-producers 0"},
		{"no consumers", []string{"-consumers", "-1"}, "-consumers -1"},
		{"negative backlog", []string{"-backlog", "-1"}, "want 0 to"},
		{"huge held", []string{"-held", "1e12"}, "want 0 to 10000000"},
		{"tiny body", []string{"-body-size", "10"}, "-body-size 10: want 18 to 262144"},
		{"huge body", []string{"-body-size", "1e6"}, "want 0 to 262144"},
		{"bad rate", []string{"-rate", "fast"}, `rate "fast": want a whole number`},
		{"rate below a message per producer", []string{"-rate", "2", "-producers", "3"}, "below one message per second per producer"},
		{"short claim TTL", []string{"-claim-ttl", "500ms"}, "-claim-ttl 500ms: want 1s to 12h"},
		{"long claim TTL", []string{"-claim-ttl", "13h"}, "want 1s to 12h"},
		{"HTTP claim TTL in fractions", []string{"-engine", "http", "-claim-ttl", "1500ms"}, "whole seconds"},
		{"HTTP claim TTL below Zaqar's", []string{"-http", "-claim-ttl", "10s"}, "the Zaqar API takes 60s to 12h"},
		{"Zaqar engine claim TTL below Zaqar's", []string{"-engine", "zaqar+http://127.0.0.1:1", "-claim-ttl", "10s"}, "the Zaqar API takes 60s to 12h"},
		{"Zaqar engine body below an object's", []string{"-engine", "zaqar+http://127.0.0.1:1", "-body-size", "23"}, "-body-size 23: the Zaqar engine carries JSON objects, of 24 bytes or more"},
		{"Zaqar engine without a host", []string{"-engine", "zaqar+http:///v2"}, `-engine "zaqar+http:///v2": want inproc`},
		{"unknown engine", []string{"-engine", "kafka"}, `-engine "kafka": want inproc, local, http`},
		{"engine and its alias", []string{"-engine", "inproc", "-http"}, "-engine, -http and -url exclude each other"},
		{"token without a URL", []string{"-token", "t"}, "-token goes with an engine at a URL"},
		{"bad format", []string{"-format", "xml"}, `-format "xml": want table, json or benchstat`},
		{"json and another format", []string{"-json", "-format", "benchstat"}, "-json and -format benchstat exclude each other"},
		{"zero count", []string{"-count", "0"}, "-count 0: want 1 to 100"},
		{"sweep without =", []string{"-sweep", "backlog"}, "want param=v,v,… with param one of backlog, batch, body-size, consumers, held, producers, rate"},
		{"sweep of an unknown parameter", []string{"-sweep", "claim-ttl=1,2"}, "want param=v,v,…"},
		{"sweep with no values", []string{"-sweep", "held="}, "want param=v,v,…"},
		{"sweep with a bad value", []string{"-sweep", "backlog=1e3,x"}, `"x": want a whole number`},
		{"sweep with an empty value", []string{"-sweep", "backlog=1,,2"}, "want a whole number"},
		{"sweep with a negative value", []string{"-sweep", "held=-1"}, "want 0 to"},
		{"sweep to a bad point", []string{"-sweep", "consumers=1,0"}, "-sweep consumers=0: -consumers 0: want 1 to 10000"},
		{"sweep of batch beyond the limit", []string{"-sweep", "batch=10,30"}, "want 0 to 20"},
		{"sweep and its flag", []string{"-sweep", "backlog=1,2", "-backlog", "5"}, "-backlog and -sweep backlog exclude each other"},
		{"unknown flag", []string{"-nope"}, "flag provided but not defined: -nope"},
		{"bad number", []string{"-batch", "ten"}, "invalid value"},
		{"extra argument", []string{"now"}, `unexpected argument "now"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, _, err := bench(t, tt.args...)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
			assert.ErrorIs(t, err, ErrUsage)
			assert.Empty(t, out, "nothing runs on a bad command line")
		})
	}
}

func TestBenchHelp(t *testing.T) {
	out, _, err := bench(t, "-h")
	require.NoError(t, err)
	for _, flag := range []string{"-producers", "-consumers", "-batch", "-messages", "-duration", "-warmup", "-backlog", "-held",
		"-body-size", "-rate", "-claim-ttl", "-engine", "-http", "-url", "-token", "-project", "-format", "-json", "-count", "-out", "-sweep"} {
		assert.Contains(t, out, flag)
	}
	assert.Contains(t, out, "(default 64)", "-body-size shows its default")
}

func TestBenchInterruptedBeforeStart(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	out, _, err := benchCtx(ctx, "-backlog", "100")
	require.ErrorIs(t, err, context.Canceled)
	assert.Empty(t, out)
}

func TestBenchRedisEngineElsewhere(t *testing.T) {
	_, _, err := bench(t, "-engine", "redis://127.0.0.1:6379", "-messages", "10")
	require.ErrorIs(t, err, errEngineElsewhere)
	assert.Contains(t, err.Error(), "go -C redisengine run ./cmd/claimq-bench -engine redis://127.0.0.1:6379 …",
		"the error names the command that runs it")
	assert.NotErrorIs(t, err, ErrUsage, "a valid command line that cannot run")
}

func TestBody(t *testing.T) {
	for _, stamp := range []int64{0, 1, 123456789, unstamped, int64(time.Hour)} {
		for _, size := range []int{minBodySize, 64, 1000} {
			b := appendBody(nil, stamp, size)
			assert.Len(t, b, size)
			assert.True(t, json.Valid(b), "%q is JSON", b)
			got, err := parseStamp(b)
			require.NoError(t, err)
			assert.Equal(t, stamp, got, "parseStamp(appendBody(%d, %d))", stamp, size)
		}
		for _, size := range []int{24, 64, 1000} {
			b := appendObjectBody(nil, stamp, size)
			assert.Len(t, b, size)
			var obj map[string]string
			require.NoError(t, json.Unmarshal(b, &obj), "%q is a JSON object", b)
			assert.Len(t, obj, 1)
			assert.Len(t, obj["t"], size-len(`{"t":""}`), "%q: the string is the field t", b)
			got, err := parseStamp(b)
			require.NoError(t, err)
			assert.Equal(t, stamp, got, "parseStamp(appendObjectBody(%d, %d))", stamp, size)
			// A server may send the object back re-encoded, as Python's
			// json.dumps writes it.
			spaced := []byte(`{"t": ` + strconv.Quote(obj["t"]) + `}`)
			got, err = parseStamp(spaced)
			require.NoError(t, err)
			assert.Equal(t, stamp, got, "parseStamp(%q)", spaced)
		}
	}
	for _, bad := range []string{"", `"0123"`, `"0123456789abcdeg"`, `{"0123456789abcdef"}`,
		`{"u":"0123456789abcdef"}`, `{"t" "0123456789abcdef"}`, `{"t":`, `{"t":1234567890123456789}`} {
		_, err := parseStamp([]byte(bad))
		assert.Error(t, err, "parseStamp(%q)", bad)
	}
}

func TestProgressPlain(t *testing.T) {
	var buf bytes.Buffer
	require.False(t, isTerminal(&buf))
	p := newProgress(&buf, false)
	p.start("held=100")
	assert.False(t, p.due(999*time.Millisecond))
	require.True(t, p.due(time.Second))
	p.report(1000, time.Second)
	assert.False(t, p.due(1500*time.Millisecond), "next report a second after the last")
	p.report(4000, 2*time.Second)
	p.finish(5000, 2500*time.Millisecond)
	p.start("")
	p.note("posting a backlog of %d messages", 10)
	p.finish(7, time.Second)
	assert.Equal(t, "held=100: 1.0s 1000 msgs 1000 msgs/s\n"+
		"held=100: 2.0s 4000 msgs 3000 msgs/s\n"+
		"held=100: done: 2.5s 5000 msgs 2000 msgs/s average\n"+
		"posting a backlog of 10 messages\n"+
		"done: 1.0s 7 msgs 7 msgs/s average\n", buf.String())
}

func TestProgressLive(t *testing.T) {
	var buf bytes.Buffer
	p := newProgress(&buf, true)
	p.start("")
	assert.True(t, p.due(200*time.Millisecond), "a terminal is redrawn a few times a second")
	p.report(10, 200*time.Millisecond)
	p.finish(20, 400*time.Millisecond)
	assert.Equal(t, "\r\x1b[K0.2s 10 msgs 50 msgs/s\r\x1b[Kdone: 0.4s 20 msgs 50 msgs/s average\n", buf.String())
}
