package bench

import (
	"fmt"
	"io"
	"strings"
)

// writeBenchstat prints every run as a line of the Go benchmark format
// (golang.org/design/14313-benchmark-format), so that benchstat compares
// two invocations of claimq bench as it compares two of go test -bench:
// the settings are the name's keys, each run a sample, and every figure a
// value with its unit. The header's configuration lines say where the
// runs ran.
func writeBenchstat(w io.Writer, rep report) error {
	var b strings.Builder
	m := rep.meta
	fmt.Fprintf(&b, "goos: %s\ngoarch: %s\npkg: %s/cmd/claimq\n", m.GOOS, m.GOARCH, m.Module)
	if m.CPU != "" {
		fmt.Fprintf(&b, "cpu: %s\n", m.CPU)
	}
	for _, p := range rep.points {
		for _, r := range p.Runs {
			if r.Messages == 0 {
				continue // a run with no message done has no figure per message
			}
			fmt.Fprintf(&b, "%s-%d\t%d", benchName(r), m.GOMAXPROCS, r.Messages)
			for _, v := range benchValues(r) {
				fmt.Fprintf(&b, "\t%.6g %s", v.value, v.unit)
			}
			b.WriteByte('\n')
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// benchName names a run by all its settings, so that benchstat lines up
// the same settings of two invocations and tells sweep points apart.
func benchName(r result) string {
	rate := "closed"
	if r.Rate > 0 {
		rate = fmt.Sprintf("%d", r.Rate)
	}
	engine := r.Engine
	if strings.Contains(engine, "://") {
		// A slash would split the key; the scheme says which engine.
		engine, _, _ = strings.Cut(engine, "://")
		if engine == "https" || engine == "http" {
			engine = "zaqar"
		}
	}
	return fmt.Sprintf("BenchmarkBench/engine=%s/producers=%d/consumers=%d/batch=%d/body=%d/backlog=%d/held=%d/rate=%s",
		engine, r.Producers, r.Consumers, r.Batch, r.BodySize, r.Backlog, r.Held, rate)
}

type benchValue struct {
	value float64
	unit  string
}

// benchValues are the figures of a run as benchmark values. Latency
// units carry the figure's name, so that a line reads on its own.
func benchValues(r result) []benchValue {
	vs := []benchValue{
		{1e9 / r.Throughput, "ns/msg"},
		{r.Throughput, "msgs/s"},
	}
	lat := func(name string, l latency) {
		if l.Count == 0 {
			return
		}
		name = strings.NewReplacer(" ", "-", ",", "").Replace(name)
		vs = append(vs,
			benchValue{float64(l.P50), name + "-p50-ns"},
			benchValue{float64(l.P99), name + "-p99-ns"},
			benchValue{float64(l.P999), name + "-p99.9-ns"})
	}
	lat(nameEndToEnd, r.EndToEnd)
	lat(nameClaimCall, r.ClaimCall)
	if r.SendLag != nil {
		lat(nameSendLag, *r.SendLag)
	}
	vs = append(vs, benchValue{r.AllocsPerMessage, "allocs/msg"})
	if r.Memory.LiveHeapBytes > 0 {
		vs = append(vs, benchValue{float64(r.Memory.LiveHeapBytes), "live-heap-B"})
	}
	if r.Memory.BytesPerQueuedMessage > 0 {
		vs = append(vs, benchValue{r.Memory.BytesPerQueuedMessage, "B/queued-msg"})
	}
	return vs
}
