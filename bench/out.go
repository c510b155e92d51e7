package bench

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// writeOut writes -out: per point, the percentile distribution of each
// latency in HdrHistogram's .hgrm text form (runs of a point merged), and
// charts of the percentile spectrum with one line per point; for a
// sweep, also throughput and p99 against the swept value. It returns the
// files written.
func writeOut(dir string, rep report) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("bench: -out: %w", err)
	}
	var written []string
	write := func(name string, data []byte) error {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, data, 0o644); err != nil {
			return fmt.Errorf("bench: -out: %w", err)
		}
		written = append(written, path)
		return nil
	}
	kinds := []struct {
		name string
		get  func(packedHistograms) []byte
	}{
		{nameEndToEnd, func(h packedHistograms) []byte { return h.endToEnd }},
		{nameClaimCall, func(h packedHistograms) []byte { return h.claimCall }},
		{nameClaimWaited, func(h packedHistograms) []byte { return h.claimWaited }},
		{nameSendLag, func(h packedHistograms) []byte { return h.sendLag }},
	}
	// Legends name a point as the command line does (rate=1000/s); file
	// names by its bare value (rate=1000), as a slash would be a folder.
	names := make([]string, len(rep.points))
	files := make([]string, len(rep.points))
	for i, p := range rep.points {
		names[i], files[i] = p.label, rep.sweep+"="+strconv.Itoa(p.Value)
		if p.label == "" {
			names[i], files[i] = "run", "run"
		}
	}
	for _, k := range kinds {
		file := fileName(k.name)
		var hs []*hdrhistogram.Histogram
		for i, p := range rep.points {
			// The runs of a point merged: one distribution of all their
			// samples.
			h := newHistogram()
			for _, r := range p.Runs {
				rh, err := hdrhistogram.Decode(k.get(r.hist))
				if err != nil {
					return written, fmt.Errorf("bench: -out: decoding a histogram: %w", err)
				}
				h.Merge(rh)
			}
			hs = append(hs, h)
			if h.TotalCount() == 0 {
				continue
			}
			var b strings.Builder
			// Values in microseconds, the unit HdrHistogram's plotter
			// expects by default.
			if _, err := h.PercentilesPrint(&b, 5, 1e3); err != nil {
				return written, err
			}
			if err := write(files[i]+"."+file+".hgrm", []byte(b.String())); err != nil {
				return written, err
			}
		}
		if !hasSamples(hs) {
			continue
		}
		c := spectrumChart(k.name+" latency: percentile spectrum", describe(rep.points[0].Median, rep.sweep), names, hs)
		if err := write(file+".svg", c.svg()); err != nil {
			return written, err
		}
	}
	if rep.sweep == "" {
		return written, nil
	}
	values := make([]string, len(rep.points))
	thr := series{name: "throughput (median)"}
	e2e := series{name: nameEndToEnd + " p99"}
	claim := series{name: nameClaimCall + " p99"}
	for i, p := range rep.points {
		values[i] = formatValue(rep.sweep, p.Value)
		thr.pts = append(thr.pts, [2]float64{float64(i), p.Median.Throughput})
		if l := p.Median.EndToEnd; l.Count > 0 {
			e2e.pts = append(e2e.pts, [2]float64{float64(i), float64(l.P99)})
		}
		if l := p.Median.ClaimCall; l.Count > 0 {
			claim.pts = append(claim.pts, [2]float64{float64(i), float64(l.P99)})
		}
	}
	desc := describe(rep.points[0].Median, rep.sweep)
	c := sweepChart("throughput against "+rep.sweep, desc, rep.sweep, "throughput (msgs/s)", values, []series{thr}, false, rateText)
	if err := write("throughput.svg", c.svg()); err != nil {
		return written, err
	}
	c = sweepChart("p99 latency against "+rep.sweep, desc, rep.sweep, "p99 latency (log scale)", values, []series{e2e, claim}, true,
		func(v float64) string { return decadeText(int64(math.Round(v))) })
	return written, write("p99.svg", c.svg())
}

// fileName turns a figure's name into a file name: "claim call, waited"
// into "claim-call-waited".
func fileName(figure string) string {
	return strings.NewReplacer(", ", "-", " ", "-").Replace(figure)
}

func hasSamples(hs []*hdrhistogram.Histogram) bool {
	for _, h := range hs {
		if h.TotalCount() > 0 {
			return true
		}
	}
	return false
}
