package bench

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

// progress shows how a run goes while it runs. On a terminal it redraws
// one line a few times a second; elsewhere (a CI log, a file) it prints a
// plain line each second, since carriage returns would pile up there.
type progress struct {
	w        io.Writer
	live     bool          // redraw in place
	interval time.Duration // between two reports
	label    string        // names the sweep point; empty for a single run

	lastAt   time.Duration // elapsed time at the last report
	lastDone int64
}

func newProgress(w io.Writer, live bool) *progress {
	p := &progress{w: w, live: live, interval: time.Second}
	if live {
		p.interval = 200 * time.Millisecond
	}
	return p
}

// isTerminal reports whether w is a terminal. A character device is taken
// for one, which the standard library can tell without golang.org/x/term;
// /dev/null passes too, where the redrawn lines do no harm.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// start begins a new run under label.
func (p *progress) start(label string) {
	p.label, p.lastAt, p.lastDone = label, 0, 0
}

// note prints a message about a phase outside the measurement, such as
// filling the queue, which can take seconds at large sizes.
func (p *progress) note(format string, args ...any) {
	p.clear()
	fmt.Fprintf(p.w, "%s"+format+"\n", append([]any{p.prefix()}, args...)...)
}

// due reports whether a report is due at elapsed.
func (p *progress) due(elapsed time.Duration) bool {
	return elapsed-p.lastAt >= p.interval
}

// report prints the messages done by elapsed and the rate since the
// previous report.
func (p *progress) report(done int64, elapsed time.Duration) {
	rate := float64(done-p.lastDone) / (elapsed - p.lastAt).Seconds()
	p.lastAt, p.lastDone = elapsed, done
	p.print(done, elapsed, rate, false)
}

// finish prints the final count and the average rate of the run, and ends
// the live line so that what follows starts on a line of its own.
func (p *progress) finish(done int64, elapsed time.Duration) {
	p.print(done, elapsed, float64(done)/elapsed.Seconds(), true)
}

func (p *progress) print(done int64, elapsed time.Duration, rate float64, last bool) {
	line := progressLine(p.prefix(), done, elapsed, rate)
	if last {
		// Marked, as it may follow a report of the same second and gives
		// the run's average instead of the last second's rate.
		line = p.prefix() + "done: " + strings.TrimPrefix(line, p.prefix()) + " average"
	}
	switch {
	case !p.live:
		fmt.Fprintln(p.w, line)
	case last:
		fmt.Fprintf(p.w, "\r\x1b[K%s\n", line)
	default:
		fmt.Fprintf(p.w, "\r\x1b[K%s", line)
	}
}

func (p *progress) clear() {
	if p.live {
		fmt.Fprint(p.w, "\r\x1b[K")
	}
}

func (p *progress) prefix() string {
	if p.label == "" {
		return ""
	}
	return p.label + ": "
}

// progressLine is the text of one report, for instance
// "backlog=1000: 1.0s 412001 msgs 412001 msgs/s".
func progressLine(prefix string, done int64, elapsed time.Duration, rate float64) string {
	return fmt.Sprintf("%s%.1fs %d msgs %.0f msgs/s", prefix, elapsed.Seconds(), done, rate)
}
