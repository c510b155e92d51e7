package bench

import (
	"encoding/xml"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// svgDoc is what the tests read of an SVG chart.
type svgDoc struct {
	XMLName   xml.Name  `xml:"svg"`
	Width     int       `xml:"width,attr"`
	Height    int       `xml:"height,attr"`
	Texts     []svgText `xml:"text"`
	Polylines []struct {
		Points string `xml:"points,attr"`
		Title  string `xml:"title"`
	} `xml:"polyline"`
}

type svgText struct {
	Class string `xml:"class,attr"`
	Text  string `xml:",chardata"`
}

// readSVG parses an SVG file and returns it with its lines' points.
func readSVG(t *testing.T, path string) (svgDoc, [][][2]float64) {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	var doc svgDoc
	require.NoError(t, xml.Unmarshal(data, &doc), "%s is not XML", path)
	assert.Equal(t, "http://www.w3.org/2000/svg", doc.XMLName.Space)
	var lines [][][2]float64
	for _, pl := range doc.Polylines {
		var pts [][2]float64
		for _, p := range strings.Fields(pl.Points) {
			xs, ys, ok := strings.Cut(p, ",")
			require.True(t, ok, "point %q", p)
			x, err := strconv.ParseFloat(xs, 64)
			require.NoError(t, err)
			y, err := strconv.ParseFloat(ys, 64)
			require.NoError(t, err)
			assert.True(t, x >= plotLeft-0.1 && x <= float64(doc.Width-plotRight)+0.1, "x %v inside the plot", x)
			assert.True(t, y >= plotTop-0.1 && y <= float64(doc.Height-plotBottom)+0.1, "y %v inside the plot", y)
			pts = append(pts, [2]float64{x, y})
		}
		lines = append(lines, pts)
	}
	return doc, lines
}

func textOf(doc svgDoc, class string) string {
	for _, tx := range doc.Texts {
		if tx.Class == class {
			return tx.Text
		}
	}
	return ""
}

func TestBenchOut(t *testing.T) {
	dir := t.TempDir()
	_, errOut, err := bench(t, "-messages", "300", "-sweep", "batch=1,5,20", "-count", "2", "-out", dir)
	require.NoError(t, err)
	assert.Contains(t, errOut, "files to "+dir)

	// A percentile distribution per point, in HdrHistogram's format.
	for _, b := range []string{"1", "5", "20"} {
		data, err := os.ReadFile(filepath.Join(dir, "batch="+b+".end-to-end.hgrm"))
		require.NoError(t, err)
		text := string(data)
		assert.True(t, strings.HasPrefix(text, " Value\tPercentile\tTotalCount"), "header of %.40q", text)
		assert.Contains(t, text, "Percentile")
		assert.Contains(t, text, "#[Max     =")
		assert.Contains(t, text, "Total count    =          600]", "two runs of 300 merged")
	}

	doc, lines := readSVG(t, filepath.Join(dir, "end-to-end.svg"))
	require.Len(t, lines, 3, "one line per point")
	assert.Contains(t, textOf(doc, "xlabel"), "percentile")
	assert.Contains(t, textOf(doc, "ylabel"), "latency")
	for i, pts := range lines {
		require.Greater(t, len(pts), 5, "line %d", i)
		for j := 1; j < len(pts); j++ {
			assert.GreaterOrEqual(t, pts[j][0], pts[j-1][0], "line %d: percentiles go right", i)
			assert.LessOrEqual(t, pts[j][1], pts[j-1][1], "line %d: latencies go up (y is down in SVG)", i)
		}
	}
	assert.Contains(t, doc.Polylines[0].Title, "batch=1 (600 samples)")
	var ticks []string
	for _, tx := range doc.Texts {
		ticks = append(ticks, tx.Text)
	}
	for _, want := range []string{"50%", "90%", "99%"} {
		assert.Contains(t, ticks, want, "x tick")
	}

	doc, lines = readSVG(t, filepath.Join(dir, "throughput.svg"))
	require.Len(t, lines, 1)
	assert.Len(t, lines[0], 3, "a point per swept value")
	assert.Contains(t, textOf(doc, "xlabel"), "batch")
	assert.Contains(t, textOf(doc, "ylabel"), "msgs/s")

	_, lines = readSVG(t, filepath.Join(dir, "p99.svg"))
	require.Len(t, lines, 2, "end-to-end and claim call")
}

// TestBenchOutOpenLoop: a rate's label has a slash, which a file name
// must not.
func TestBenchOutOpenLoop(t *testing.T) {
	dir := t.TempDir()
	synctest.Test(t, func(t *testing.T) {
		_, _, err := bench(t, "-messages", "100", "-sweep", "rate=1000,2000", "-out", dir)
		require.NoError(t, err)
	})
	for _, f := range []string{"rate=1000.end-to-end.hgrm", "rate=2000.send-lag.hgrm", "send-lag.svg", "end-to-end.svg"} {
		assert.FileExists(t, filepath.Join(dir, f))
	}
	doc, lines := readSVG(t, filepath.Join(dir, "end-to-end.svg"))
	require.Len(t, lines, 2)
	assert.Contains(t, doc.Polylines[1].Title, "rate=2000/s")
}

func TestPercentText(t *testing.T) {
	for d, want := range map[int]string{1: "90%", 2: "99%", 3: "99.9%", 5: "99.999%"} {
		assert.Equal(t, want, percentText(d))
	}
}
