package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// Latencies are recorded in nanoseconds from 1 ns to an hour with three
// significant digits: 0.1% error at any scale, in about 200 KiB per
// histogram.
const (
	histMin    = 1
	histMax    = int64(time.Hour)
	histDigits = 3
)

func newHistogram() *hdrhistogram.Histogram {
	return hdrhistogram.New(histMin, histMax, histDigits)
}

// record adds d to h, clamped to the histogram's range so that a stalled
// run still counts every sample.
func record(h *hdrhistogram.Histogram, d time.Duration) {
	_ = h.RecordValue(min(max(int64(d), histMin), histMax))
}

// The figures of a run, each with one name used by the table, the JSON
// keys (snake case), the benchmark lines and the charts.
const (
	nameEndToEnd    = "end-to-end"         // send time to delete
	nameClaimCall   = "claim call"         // claims that found messages at once
	nameClaimWaited = "claim call, waited" // claims that waited for messages, wait included
	nameSendLag     = "send lag"           // open loop: post time less due time
)

// histograms are the latency distributions of a run.
type histograms struct {
	endToEnd, claimCall, claimWaited, sendLag *hdrhistogram.Histogram
}

// packedHistograms are a run's histograms as kept for -out: in
// HdrHistogram's compressed V2 encoding, a few KiB each instead of the
// 270 KiB of a live one, so that the runs kept do not weigh on the live
// heap of the runs after them.
type packedHistograms struct {
	endToEnd, claimCall, claimWaited, sendLag []byte
}

func pack(h histograms) (packedHistograms, error) {
	var p packedHistograms
	var err error
	for _, f := range []struct {
		dst *[]byte
		h   *hdrhistogram.Histogram
	}{{&p.endToEnd, h.endToEnd}, {&p.claimCall, h.claimCall}, {&p.claimWaited, h.claimWaited}, {&p.sendLag, h.sendLag}} {
		if *f.dst, err = f.h.Encode(hdrhistogram.V2CompressedEncodingCookieBase); err != nil {
			return p, fmt.Errorf("bench: encoding a histogram: %w", err)
		}
	}
	return p, nil
}

// latency is a summary of one histogram, in nanoseconds.
type latency struct {
	Count int64 `json:"count"`
	P50   int64 `json:"p50"`
	P90   int64 `json:"p90"`
	P99   int64 `json:"p99"`
	P999  int64 `json:"p99_9"`
	Max   int64 `json:"max"`
}

func summarize(h *hdrhistogram.Histogram) latency {
	if h.TotalCount() == 0 {
		return latency{}
	}
	// Max is taken at the same resolution as the percentiles, so that
	// p99.9 <= max holds even when they fall in one bucket.
	v := h.ValueAtPercentilesSlice([]float64{50, 90, 99, 99.9, 100})
	return latency{Count: h.TotalCount(), P50: v[0], P90: v[1], P99: v[2], P999: v[3], Max: v[4]}
}

// result is the outcome of one measurement.
type result struct {
	Engine    string `json:"engine"`
	Producers int    `json:"producers"`
	Consumers int    `json:"consumers"`
	Batch     int    `json:"batch"`
	Backlog   int    `json:"backlog"`
	Held      int    `json:"held"`
	BodySize  int    `json:"body_size"`
	Rate      int    `json:"rate_msgs_per_s,omitempty"` // open loop; absent in a closed loop
	ClaimTTL  string `json:"claim_ttl"`
	Warmup    string `json:"warmup"`

	Messages   int64   `json:"messages"` // deleted during the measurement
	Seconds    float64 `json:"seconds"`
	Throughput float64 `json:"throughput_msgs_per_s"`

	EndToEnd    latency  `json:"end_to_end_ns"`
	ClaimCall   latency  `json:"claim_call_ns"`
	ClaimWaited latency  `json:"claim_call_waited_ns"`
	SendLag     *latency `json:"send_lag_ns,omitempty"` // open loop only
	// Lost counts deletes refused because the claim had expired.
	Lost int64 `json:"lost_deletes"`

	AllocsPerMessage float64 `json:"allocs_per_message"`
	// AllocsScope says whose allocations AllocsPerMessage counts: the
	// queue's ("queue", with the harness's one body slab per batch),
	// "client+server" for the HTTP front in this process, "client" for
	// a server elsewhere.
	AllocsScope string `json:"allocs_scope"`
	Memory      memory `json:"memory"`

	Interrupted bool `json:"interrupted,omitempty"`

	hist packedHistograms
}

// newResult summarizes a measured phase and its histograms.
func newResult(cfg benchConfig, ph phaseResult, h histograms) (result, error) {
	r := result{
		Engine:      cfg.engine.String(),
		Producers:   cfg.producers,
		Consumers:   cfg.consumers,
		Batch:       cfg.batch,
		Backlog:     cfg.backlog,
		Held:        cfg.held,
		BodySize:    cfg.bodySize,
		Rate:        cfg.rate,
		ClaimTTL:    cfg.claimTTL.String(),
		Warmup:      cfg.warmup.String(),
		Messages:    ph.deleted,
		Seconds:     ph.elapsed.Seconds(),
		EndToEnd:    summarize(h.endToEnd),
		ClaimCall:   summarize(h.claimCall),
		ClaimWaited: summarize(h.claimWaited),
		Lost:        ph.lost,
		AllocsScope: cfg.engine.allocScope(),
	}
	if ph.elapsed > 0 {
		r.Throughput = float64(ph.deleted) / ph.elapsed.Seconds()
	}
	if cfg.rate > 0 {
		l := summarize(h.sendLag)
		r.SendLag = &l
	}
	var err error
	r.hist, err = pack(h)
	return r, err
}

// pointResult is every run of one point, with the median of each figure
// and the spread of the main ones across the runs.
type pointResult struct {
	label string
	Value int      `json:"value"` // of the swept parameter
	Runs  []result `json:"runs"`
	// Median holds the median of each figure over the runs (each
	// independently, so it need not be one of them).
	Median      result `json:"median"`
	Throughput  spread `json:"throughput_msgs_per_s"`
	EndToEndP99 spread `json:"end_to_end_p99_ns"`
}

// spread describes one figure across the runs of a point.
type spread struct {
	Median float64 `json:"median"`
	Min    float64 `json:"min"`
	Max    float64 `json:"max"`
	StdDev float64 `json:"stddev"` // sample standard deviation; 0 for one run
}

func spreadOf(rs []result, f func(result) float64) spread {
	vs := make([]float64, len(rs))
	mean := 0.0
	for i, r := range rs {
		vs[i] = f(r)
		mean += vs[i] / float64(len(rs))
	}
	slices.Sort(vs)
	s := spread{Median: medianOf(vs), Min: vs[0], Max: vs[len(vs)-1]}
	if len(vs) > 1 {
		ss := 0.0
		for _, v := range vs {
			ss += (v - mean) * (v - mean)
		}
		s.StdDev = math.Sqrt(ss / float64(len(vs)-1))
	}
	return s
}

// medianOf is the median of sorted values.
func medianOf(sorted []float64) float64 {
	n := len(sorted)
	if n%2 == 1 {
		return sorted[n/2]
	}
	return (sorted[n/2-1] + sorted[n/2]) / 2
}

// median returns the settings of the first run with each figure the
// median over rs.
func median(rs []result) result {
	m := rs[0]
	if len(rs) == 1 {
		return m
	}
	f := func(get func(result) float64) float64 { return spreadOf(rs, get).Median }
	i := func(get func(result) int64) int64 {
		return int64(math.Round(f(func(r result) float64 { return float64(get(r)) })))
	}
	lat := func(get func(result) latency) latency {
		return latency{
			Count: i(func(r result) int64 { return get(r).Count }),
			P50:   i(func(r result) int64 { return get(r).P50 }),
			P90:   i(func(r result) int64 { return get(r).P90 }),
			P99:   i(func(r result) int64 { return get(r).P99 }),
			P999:  i(func(r result) int64 { return get(r).P999 }),
			Max:   i(func(r result) int64 { return get(r).Max }),
		}
	}
	m.Messages = i(func(r result) int64 { return r.Messages })
	m.Seconds = f(func(r result) float64 { return r.Seconds })
	m.Throughput = f(func(r result) float64 { return r.Throughput })
	m.EndToEnd = lat(func(r result) latency { return r.EndToEnd })
	m.ClaimCall = lat(func(r result) latency { return r.ClaimCall })
	m.ClaimWaited = lat(func(r result) latency { return r.ClaimWaited })
	if m.SendLag != nil {
		l := lat(func(r result) latency { return *r.SendLag })
		m.SendLag = &l
	}
	m.Lost = i(func(r result) int64 { return r.Lost })
	m.AllocsPerMessage = f(func(r result) float64 { return r.AllocsPerMessage })
	m.Memory = memory{
		LiveHeapBytes:         uint64(i(func(r result) int64 { return int64(r.Memory.LiveHeapBytes) })),
		QueuedMessages:        i(func(r result) int64 { return r.Memory.QueuedMessages }),
		BytesPerQueuedMessage: f(func(r result) float64 { return r.Memory.BytesPerQueuedMessage }),
		PeakRSSBytes:          uint64(i(func(r result) int64 { return int64(r.Memory.PeakRSSBytes) })),
	}
	m.Interrupted = slices.ContainsFunc(rs, func(r result) bool { return r.Interrupted })
	return m
}

// report is the outcome of a command: its metadata and its points.
type report struct {
	meta   runMeta
	sweep  string // the swept parameter; empty for a single point
	points []pointResult
}

// summarize fills in the median and spreads from the runs.
func (p *pointResult) summarize() {
	p.Median = median(p.Runs)
	p.Throughput = spreadOf(p.Runs, func(r result) float64 { return r.Throughput })
	p.EndToEndP99 = spreadOf(p.Runs, func(r result) float64 { return float64(r.EndToEnd.P99) })
}

func (rep report) write(w io.Writer, format string) error {
	switch format {
	case "json":
		return writeJSON(w, rep)
	case "benchstat":
		return writeBenchstat(w, rep)
	}
	if rep.sweep != "" {
		return writeSweep(w, rep)
	}
	return writeTable(w, rep.points[0])
}

// writeJSON prints the report as one JSON document: the metadata, then
// one entry per point with every run.
func writeJSON(w io.Writer, rep report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(struct {
		Meta   runMeta       `json:"meta"`
		Sweep  string        `json:"sweep,omitempty"`
		Points []pointResult `json:"points"`
	}{rep.meta, rep.sweep, rep.points})
}

// writeTable prints one point as a small report.
func writeTable(w io.Writer, p pointResult) error {
	r := p.Median
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "claimq bench: %s\n", describe(r, ""))
	if len(p.Runs) > 1 {
		fmt.Fprintf(tw, "runs\t%d; each figure is the median over them\n", len(p.Runs))
	}
	fmt.Fprintf(tw, "messages\t%d in %.2fs\n", r.Messages, r.Seconds)
	fmt.Fprintf(tw, "throughput\t%s msgs/s%s\n", thousands(r.Throughput), spreadText(p.Throughput))
	fmt.Fprintf(tw, "allocs/msg\t%.2f (%s)\n", r.AllocsPerMessage, r.AllocsScope)
	m := r.Memory
	if m.LiveHeapBytes > 0 {
		fmt.Fprintf(tw, "live heap\t%s after a GC at the end, %d messages queued\n", bytesText(m.LiveHeapBytes), m.QueuedMessages)
	} else {
		fmt.Fprintf(tw, "live heap\t- (the queue is in another process)\n")
	}
	if m.BytesPerQueuedMessage > 0 {
		fmt.Fprintf(tw, "bytes/msg queued\t%.0f B (live heap of the filled queue over the empty one's, per message, body included)\n", m.BytesPerQueuedMessage)
	}
	if m.PeakRSSBytes > 0 {
		fmt.Fprintf(tw, "peak RSS\t%s (this process, since it started)\n", bytesText(m.PeakRSSBytes))
	}
	fmt.Fprintf(tw, "lost deletes\t%d (claims that expired before the delete)\n", r.Lost)
	fmt.Fprintln(tw)
	fmt.Fprintln(tw, "latency\tp50\tp90\tp99\tp99.9\tmax\tsamples")
	rows := []struct {
		name string
		l    latency
	}{{nameEndToEnd, r.EndToEnd}, {nameClaimCall, r.ClaimCall}, {nameClaimWaited, r.ClaimWaited}}
	if r.SendLag != nil {
		rows = append(rows, struct {
			name string
			l    latency
		}{nameSendLag, *r.SendLag})
	}
	for _, row := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%d\n", row.name,
			durText(row.l.P50), durText(row.l.P90), durText(row.l.P99), durText(row.l.P999), durText(row.l.Max), row.l.Count)
	}
	fmt.Fprintln(tw)
	fmt.Fprintln(tw, latencyNote(r))
	if r.Interrupted {
		fmt.Fprintln(tw, "\ninterrupted before the end")
	}
	return tw.Flush()
}

// latencyNote says what the latency rows count from.
func latencyNote(r result) string {
	s := nameEndToEnd + ": from the post"
	if r.Rate > 0 {
		s = nameEndToEnd + ": from the time the message was due to be sent (open loop), so stalls count in full"
	}
	return s + " to the delete, for messages sent after the warm-up and fill; " +
		nameClaimCall + ": claims that found messages at once; " + nameClaimWaited + ": claims that found the queue empty, wait included"
}

// spreadText is the spread of a figure over several runs, empty for one.
func spreadText(s spread) string {
	if s.Min == s.Max || s.Median == 0 {
		return ""
	}
	return fmt.Sprintf(" (min %s, max %s, stddev ±%.1f%%)", thousands(s.Min), thousands(s.Max), 100*s.StdDev/s.Median)
}

// writeSweep prints one row per value of the swept parameter, with the
// columns that show how cost grows with it.
func writeSweep(w io.Writer, rep report) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	first := rep.points[0].Median
	fmt.Fprintf(tw, "claimq bench: %s, sweeping %s\n", describe(first, rep.sweep), rep.sweep)
	fmt.Fprintf(tw, "%s\tmsgs/s\t±stddev\t%[2]s p50\t%[2]s p99\t%[3]s p50\t%[3]s p99\t%[3]s p99.9\t%[4]s\tallocs/msg\tlive heap\tbytes/msg queued\t\n",
		rep.sweep, nameEndToEnd, nameClaimCall, strings.ReplaceAll(nameClaimWaited, ",", ""))
	emptyE2E := false
	for _, p := range rep.points {
		r := p.Median
		dev := "-"
		if p.Throughput.StdDev > 0 {
			dev = fmt.Sprintf("%.1f%%", 100*p.Throughput.StdDev/p.Throughput.Median)
		}
		perMsg := "-"
		if r.Memory.BytesPerQueuedMessage > 0 {
			perMsg = fmt.Sprintf("%.0f", r.Memory.BytesPerQueuedMessage)
		}
		heap := "-"
		if r.Memory.LiveHeapBytes > 0 {
			heap = bytesText(r.Memory.LiveHeapBytes)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%d\t%.2f\t%s\t%s\t\n", formatValue(rep.sweep, p.Value),
			thousands(r.Throughput), dev,
			durText(r.EndToEnd.P50), durText(r.EndToEnd.P99),
			durText(r.ClaimCall.P50), durText(r.ClaimCall.P99), durText(r.ClaimCall.P999), r.ClaimWaited.Count,
			r.AllocsPerMessage, heap, perMsg)
		emptyE2E = emptyE2E || r.EndToEnd.Count == 0
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "%s: the count of claims that found the queue empty; allocs/msg counts the %s\n", strings.ReplaceAll(nameClaimWaited, ",", ""), first.AllocsScope)
	if emptyE2E {
		fmt.Fprintf(w, "%s -: the run ended before the backlog was worked through, so no message sent during it was deleted\n", nameEndToEnd)
	}
	return nil
}

// describe names the settings of a run but the one swept, whose value
// each row of a sweep gives.
func describe(r result, swept string) string {
	parts := []string{r.Engine}
	add := func(param, text string) {
		if param != swept {
			parts = append(parts, text)
		}
	}
	add("producers", fmt.Sprintf("%d producer%s", r.Producers, plural(r.Producers)))
	add("consumers", fmt.Sprintf("%d consumer%s", r.Consumers, plural(r.Consumers)))
	add("batch", fmt.Sprintf("batch %d", r.Batch))
	add("body-size", fmt.Sprintf("body %d B", r.BodySize))
	add("backlog", fmt.Sprintf("backlog %d", r.Backlog))
	add("held", fmt.Sprintf("held %d", r.Held))
	if r.Rate > 0 {
		add("rate", fmt.Sprintf("open loop at %d msgs/s", r.Rate))
	} else {
		add("rate", "closed loop")
	}
	parts = append(parts, "claim TTL "+r.ClaimTTL, "warm-up "+r.Warmup)
	return strings.Join(parts, ", ")
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// durText prints a latency with three significant digits, the precision
// of the histogram.
func durText(ns int64) string {
	d := float64(ns)
	switch {
	case ns == 0:
		return "-"
	case d < 1e3:
		return fmt.Sprintf("%dns", ns)
	case d < 1e6:
		return sig3(d/1e3) + "µs"
	case d < 1e9:
		return sig3(d/1e6) + "ms"
	default:
		return sig3(d/1e9) + "s"
	}
}

func sig3(v float64) string {
	switch {
	case v < 10:
		return strconv.FormatFloat(v, 'f', 2, 64)
	case v < 100:
		return strconv.FormatFloat(v, 'f', 1, 64)
	default:
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
}

// thousands prints a rate as a whole number with thin groups, which reads
// faster than seven bare digits when rows are compared.
func thousands(v float64) string {
	s := strconv.FormatInt(int64(v+0.5), 10)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

func bytesText(n uint64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.2f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	default:
		return fmt.Sprintf("%.0f KiB", float64(n)/(1<<10))
	}
}
