package main

import (
	"encoding/json"
	"fmt"
	"io"
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

// result is the outcome of one measurement; its JSON form is the output of
// -json.
type result struct {
	Mode      string `json:"mode"` // "in-process" or "http"
	Producers int    `json:"producers"`
	Consumers int    `json:"consumers"`
	Batch     int    `json:"batch"`
	Backlog   int    `json:"backlog"`
	Held      int    `json:"held"`
	ClaimTTL  string `json:"claim_ttl"`

	Messages   int64   `json:"messages"` // deleted during the measurement
	Seconds    float64 `json:"seconds"`
	Throughput float64 `json:"throughput_msgs_per_s"`

	EndToEnd latency `json:"end_to_end_ns"` // post to delete
	Claim    latency `json:"claim_call_ns"` // calls that found messages at once

	ClaimCalls int64 `json:"claim_calls"`
	// Waits counts claims that found the queue empty and had to wait.
	Waits int64 `json:"claim_waits"`
	// Lost counts deletes refused because the claim had expired.
	Lost int64 `json:"lost_deletes"`

	AllocsPerMessage float64 `json:"allocs_per_message"`
	PeakHeapBytes    uint64  `json:"peak_heap_bytes"`

	Interrupted bool `json:"interrupted,omitempty"`
}

// writeJSON prints one result as an object, or a sweep as an object with
// one entry per value, so that the output is always one JSON document.
func writeJSON(w io.Writer, param string, rs []result) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if param == "" {
		return enc.Encode(rs[0])
	}
	return enc.Encode(struct {
		Sweep string   `json:"sweep"`
		Runs  []result `json:"runs"`
	}{param, rs})
}

// writeTable prints one result as a small report.
func writeTable(w io.Writer, r result) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "claimq bench: %s\n", describe(r, ""))
	fmt.Fprintf(tw, "messages\t%d in %.2fs\n", r.Messages, r.Seconds)
	fmt.Fprintf(tw, "throughput\t%s msgs/s\n", thousands(r.Throughput))
	fmt.Fprintf(tw, "allocs/msg\t%.2f\n", r.AllocsPerMessage)
	fmt.Fprintf(tw, "peak heap\t%s\n", bytesText(r.PeakHeapBytes))
	fmt.Fprintf(tw, "claim calls\t%d (%d waited for messages, %d deletes lost to expiry)\n", r.ClaimCalls, r.Waits, r.Lost)
	fmt.Fprintln(tw)
	fmt.Fprintln(tw, "latency\tp50\tp90\tp99\tp99.9\tmax\tsamples")
	for _, row := range []struct {
		name string
		l    latency
	}{{"post→delete", r.EndToEnd}, {"claim call", r.Claim}} {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%d\n", row.name,
			durText(row.l.P50), durText(row.l.P90), durText(row.l.P99), durText(row.l.P999), durText(row.l.Max), row.l.Count)
	}
	if r.Interrupted {
		fmt.Fprintln(tw, "\ninterrupted before the end")
	}
	return tw.Flush()
}

// writeSweep prints one row per value of the swept parameter, with the
// columns that show how cost grows with size.
func writeSweep(w io.Writer, param string, rs []result) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "claimq bench: %s, sweeping %s\n", describe(rs[0], param), param)
	fmt.Fprintln(tw, param+"\tmsgs/s\te2e p50\te2e p99\tclaim p50\tclaim p99\tclaim p99.9\tclaim max\tallocs/msg\tpeak heap\t")
	for _, r := range rs {
		v := r.Backlog
		if param == "held" {
			v = r.Held
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%.2f\t%s\t\n", v, thousands(r.Throughput),
			durText(r.EndToEnd.P50), durText(r.EndToEnd.P99),
			durText(r.Claim.P50), durText(r.Claim.P99), durText(r.Claim.P999), durText(r.Claim.Max),
			r.AllocsPerMessage, bytesText(r.PeakHeapBytes))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, r := range rs {
		if r.EndToEnd.Count == 0 {
			_, err := fmt.Fprintln(w, "e2e -: the run ended before the backlog was worked through, so no message posted during it was deleted")
			return err
		}
	}
	return nil
}

// describe names the settings of a run but the one swept, whose value
// each row of a sweep gives.
func describe(r result, swept string) string {
	s := fmt.Sprintf("%s, %d producer%s, %d consumer%s, batch %d", r.Mode, r.Producers, plural(r.Producers), r.Consumers, plural(r.Consumers), r.Batch)
	if swept != "backlog" {
		s += fmt.Sprintf(", backlog %d", r.Backlog)
	}
	if swept != "held" {
		s += fmt.Sprintf(", held %d", r.Held)
	}
	return s + ", claim TTL " + r.ClaimTTL
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
