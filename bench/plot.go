package bench

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// The charts of -out are plain SVG written here: a chart is a few axes,
// lines and labels, and gonum/plot (the Go plotting library that writes
// SVG) would bring its font, image and vector packages into the module
// for them.
const (
	svgWidth, svgHeight = 860, 480
	plotLeft, plotRight = 90, 250 // margins; the legend is on the right
	plotTop, plotBottom = 64, 60
)

// palette tells the lines apart; it repeats beyond eight.
var palette = []string{"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"}

// chart is a line chart in data coordinates that the caller has already
// transformed (log10 for log scales), with the ticks to label.
type chart struct {
	title, subtitle        string // the subtitle gives the settings
	xLabel, yLabel         string
	xMin, xMax, yMin, yMax float64
	xTicks, yTicks         []tick
	series                 []series
	markers                bool // a dot at each point, for sweeps with few points
}

type tick struct {
	at    float64
	label string
}

type series struct {
	name string
	pts  [][2]float64
}

// px maps data coordinates to the SVG's.
func (c *chart) px(x, y float64) (float64, float64) {
	w := float64(svgWidth - plotLeft - plotRight)
	h := float64(svgHeight - plotTop - plotBottom)
	return plotLeft + (x-c.xMin)/(c.xMax-c.xMin)*w, plotTop + (c.yMax-y)/(c.yMax-c.yMin)*h
}

// svg writes the chart as a standalone SVG document.
func (c *chart) svg() []byte {
	var b strings.Builder
	fmt.Fprintf(&b, `<?xml version="1.0" encoding="UTF-8"?>`+"\n"+
		`<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">`+"\n",
		svgWidth, svgHeight, svgWidth, svgHeight)
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="white"/>`+"\n", svgWidth, svgHeight)
	fmt.Fprintf(&b, `<text class="title" x="%d" y="24" font-size="15" font-weight="bold">%s</text>`+"\n", plotLeft, esc(c.title))
	fmt.Fprintf(&b, `<text class="subtitle" x="%d" y="44" font-size="11" fill="#444">%s</text>`+"\n", plotLeft, esc(c.subtitle))
	x0, y0 := c.px(c.xMin, c.yMin)
	x1, y1 := c.px(c.xMax, c.yMax)
	for _, t := range c.xTicks {
		x, _ := c.px(t.at, c.yMin)
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#ddd"/>`+"\n", x, y0, x, y1)
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="middle">%s</text>`+"\n", x, y0+18, esc(t.label))
	}
	for _, t := range c.yTicks {
		_, y := c.px(c.xMin, t.at)
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#ddd"/>`+"\n", x0, y, x1, y)
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="end" dominant-baseline="middle">%s</text>`+"\n", x0-6, y, esc(t.label))
	}
	fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="none" stroke="black"/>`+"\n", x0, y1, x1-x0, y0-y1)
	fmt.Fprintf(&b, `<text class="xlabel" x="%.1f" y="%d" text-anchor="middle">%s</text>`+"\n", (x0+x1)/2, svgHeight-14, esc(c.xLabel))
	fmt.Fprintf(&b, `<text class="ylabel" x="20" y="%.1f" text-anchor="middle" transform="rotate(-90 20 %.1f)">%s</text>`+"\n", (y0+y1)/2, (y0+y1)/2, esc(c.yLabel))
	for i, s := range c.series {
		color := palette[i%len(palette)]
		var pts []string
		for _, p := range s.pts {
			x, y := c.px(p[0], p[1])
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", x, y))
		}
		fmt.Fprintf(&b, `<polyline fill="none" stroke="%s" stroke-width="2" points="%s"><title>%s</title></polyline>`+"\n", color, strings.Join(pts, " "), esc(s.name))
		if c.markers {
			for _, p := range s.pts {
				x, y := c.px(p[0], p[1])
				fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="3.5" fill="%s"/>`+"\n", x, y, color)
			}
		}
		ly := float64(plotTop + 10 + 20*i)
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s" stroke-width="2"/>`+"\n", x1+14, ly, x1+38, ly, color)
		fmt.Fprintf(&b, `<text class="legend" x="%.1f" y="%.1f" dominant-baseline="middle">%s</text>`+"\n", x1+44, ly, esc(s.name))
	}
	b.WriteString("</svg>\n")
	return []byte(b.String())
}

func esc(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;").Replace(s)
}

// spectrumChart plots the latency percentile spectrum of each named
// histogram: x is 1/(1-percentile) on a log scale, so that 90%, 99%,
// 99.9%… are evenly spaced and the tail gets the room it needs; y is the
// latency, also on a log scale, as a stall is orders of magnitude above
// the median.
func spectrumChart(title, subtitle string, names []string, hs []*hdrhistogram.Histogram) *chart {
	c := &chart{title: title, subtitle: subtitle, xLabel: "percentile (log scale of 1/(1−p))", yLabel: "latency (log scale)"}
	lo, hi, xmax := math.Inf(1), math.Inf(-1), 1.0
	for i, h := range hs {
		if h.TotalCount() == 0 {
			continue
		}
		s := series{name: fmt.Sprintf("%s (%s samples)", names[i], rateText(float64(h.TotalCount())))}
		// The last percentile the samples resolve: 100% would be at
		// infinity, so the maximum is drawn at 1 - 1/count.
		last := math.Log10(float64(h.TotalCount()))
		for _, br := range h.CumulativeDistributionWithTicks(5) {
			x := last
			if br.Quantile < 100 {
				x = min(math.Log10(1/(1-br.Quantile/100)), last)
			}
			y := math.Log10(float64(max(br.ValueAt, 1)))
			s.pts = append(s.pts, [2]float64{x, y})
			lo, hi = min(lo, y), max(hi, y)
		}
		xmax = max(xmax, last)
		c.series = append(c.series, s)
	}
	if len(c.series) == 0 {
		lo, hi = 0, 1
	}
	c.xMin, c.xMax = 0, math.Ceil(xmax)
	c.xTicks = append(c.xTicks, tick{math.Log10(2), "50%"})
	for d := 1; d <= int(c.xMax); d++ {
		c.xTicks = append(c.xTicks, tick{float64(d), percentText(d)})
	}
	c.yMin, c.yMax = math.Floor(lo), math.Ceil(hi)
	if c.yMax == c.yMin {
		c.yMax++
	}
	for d := c.yMin; d <= c.yMax; d++ {
		c.yTicks = append(c.yTicks, tick{d, decadeText(int64(math.Round(math.Pow(10, d))))})
	}
	return c
}

// percentText labels the percentile 1 - 10^-d: 90%, 99%, 99.9%…
func percentText(d int) string {
	return strconv.FormatFloat(100*(1-math.Pow(10, -float64(d))), 'f', max(d-2, 0), 64) + "%"
}

// sweepChart plots one figure per series against the swept values,
// evenly spaced as given (a sweep's values are often powers of ten with
// a zero among them, which no one scale shows well). logY puts y on a
// log scale, for latencies.
func sweepChart(title, subtitle, param, yLabel string, values []string, ss []series, logY bool, label func(float64) string) *chart {
	c := &chart{title: title, subtitle: subtitle, xLabel: param + " (the values swept, evenly spaced)", yLabel: yLabel, markers: true}
	c.xMin, c.xMax = -0.5, float64(len(values))-0.5
	for i, v := range values {
		c.xTicks = append(c.xTicks, tick{float64(i), v})
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for i := range ss {
		for j := range ss[i].pts {
			if logY {
				ss[i].pts[j][1] = math.Log10(max(ss[i].pts[j][1], 1))
			}
			lo, hi = min(lo, ss[i].pts[j][1]), max(hi, ss[i].pts[j][1])
		}
	}
	c.series = ss
	if math.IsInf(lo, 1) {
		lo, hi = 0, 1
	}
	if logY {
		c.yMin, c.yMax = math.Floor(lo), math.Ceil(hi)
		if c.yMax == c.yMin {
			c.yMax++
		}
		for d := c.yMin; d <= c.yMax; d++ {
			c.yTicks = append(c.yTicks, tick{d, label(math.Pow(10, d))})
		}
		return c
	}
	step := niceStep(hi / 5)
	c.yMin, c.yMax = 0, step*math.Ceil(hi/step)
	if c.yMax == 0 {
		c.yMax = 1
	}
	for v := 0.0; v <= c.yMax+step/2; v += step {
		c.yTicks = append(c.yTicks, tick{v, label(v)})
	}
	return c
}

// decadeText labels a power of ten of nanoseconds: 100ns, 1µs, 10ms.
func decadeText(ns int64) string {
	for _, u := range []struct {
		size int64
		name string
	}{{1e9, "s"}, {1e6, "ms"}, {1e3, "µs"}} {
		if ns >= u.size {
			return strconv.FormatInt(ns/u.size, 10) + u.name
		}
	}
	return strconv.FormatInt(ns, 10) + "ns"
}

// niceStep rounds v up to 1, 2 or 5 times a power of ten.
func niceStep(v float64) float64 {
	if v <= 0 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= v {
			return m * p
		}
	}
	return 10 * p
}

// rateText labels a throughput axis: 1.5M, 250k.
func rateText(v float64) string {
	switch {
	case v >= 1e6:
		return strconv.FormatFloat(math.Round(v/1e5)/10, 'f', -1, 64) + "M"
	case v >= 1e3:
		return strconv.FormatFloat(math.Round(v/1e2)/10, 'f', -1, 64) + "k"
	default:
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
}
