package bench

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

const (
	// maxBatch is the claim limit of the queue (Zaqar's
	// max_messages_per_claim_or_pop), which bounds -batch.
	maxBatch = 20
	// maxCount bounds -backlog, -held and -sweep values: a message costs a
	// few hundred bytes, so 1e7 is already gigabytes.
	maxCount = 10_000_000
	// maxRate bounds -rate, in messages per second: beyond what any engine
	// here sustains, so a typo is caught rather than a queue grown
	// without bound.
	maxRate = 10_000_000
	// maxBodySize is Zaqar's default max_messages_post_size, the most a
	// message may carry on every engine.
	maxBodySize = 256 * 1024
)

// benchConfig is a command line of bench, parsed and checked.
type benchConfig struct {
	producers int
	consumers int
	batch     int
	messages  int // > 0: post this many, stop after as many deletes; else run for duration
	duration  time.Duration
	warmup    time.Duration // run, unmeasured, before the measurement
	backlog   int           // messages left waiting in the queue during the run
	held      int           // messages held by live claims during the run
	bodySize  int           // bytes per message body (see body.go)
	rate      int           // > 0: open loop, messages offered per second
	claimTTL  time.Duration
	engine    engineSpec
	openers   map[string]Opener // engines registered by the caller of Run, by URL scheme
	token     string            // X-Auth-Token for Zaqar URL engines
	project   string            // X-Project-Id for Zaqar engines
	format    string            // "table", "json" or "benchstat"
	count     int               // runs per point
	outDir    string            // where -out writes histograms and charts
	sweep     sweep
	args      []string // the command line, for the metadata of -json
	cpuProf   string   // file for a CPU profile of the measurements
	memProf   string   // file for an allocation profile, written at the end

	// wrap, set by tests only, wraps the driver of each run, to inject
	// faults such as a stalled producer.
	wrap func(driver) driver
	// phaseEnd, set by tests only, replaces the deadline of a duration
	// phase: the phase ends when the context it returns does, so that a
	// test ends it at a point of the load, not at a time of the clock.
	phaseEnd func(parent context.Context) (context.Context, context.CancelFunc)
}

// sweep is the parameter varied by -sweep; param is empty for a single run.
type sweep struct {
	param  string // a key of sweepParams
	values []int
}

// sweepParams are the parameters -sweep can vary, each with the setter of
// its value and the parser of the values written for it.
var sweepParams = map[string]struct {
	set   func(*benchConfig, int)
	parse func(string) (int, error)
}{
	"producers": {func(c *benchConfig, v int) { c.producers = v }, countParser(10_000)},
	"consumers": {func(c *benchConfig, v int) { c.consumers = v }, countParser(10_000)},
	"batch":     {func(c *benchConfig, v int) { c.batch = v }, countParser(maxBatch)},
	"backlog":   {func(c *benchConfig, v int) { c.backlog = v }, countParser(maxCount)},
	"held":      {func(c *benchConfig, v int) { c.held = v }, countParser(maxCount)},
	"body-size": {func(c *benchConfig, v int) { c.bodySize = v }, countParser(maxBodySize)},
	"rate":      {func(c *benchConfig, v int) { c.rate = v }, parseRate},
}

func sweepNames() string {
	names := make([]string, 0, len(sweepParams))
	for n := range sweepParams {
		names = append(names, n)
	}
	slices.Sort(names)
	return strings.Join(names, ", ")
}

// errHelp is returned by parseBenchFlags after printing the help for -h.
var errHelp = errors.New("help requested")

// point is one value of a sweep, or the single point of a run without one.
type point struct {
	cfg   benchConfig
	value int
	label string // "backlog=1000"; empty without a sweep
}

func (c benchConfig) points() []point {
	if c.sweep.param == "" {
		return []point{{cfg: c}}
	}
	var ps []point
	for _, v := range c.sweep.values {
		p := c
		sweepParams[c.sweep.param].set(&p, v)
		ps = append(ps, point{cfg: p, value: v, label: c.sweep.param + "=" + formatValue(c.sweep.param, v)})
	}
	return ps
}

// formatValue writes a swept value as the command line takes it.
func formatValue(param string, v int) string {
	if param == "rate" {
		return strconv.Itoa(v) + "/s"
	}
	return strconv.Itoa(v)
}

const benchUsage = `Usage: claimq bench [flags]

Runs producers and consumers against a claimq queue (in-process, through
its Zaqar v2 HTTP front on a loopback port, or a Zaqar server at a URL)
and prints throughput, latency percentiles, allocations per message and
memory. Progress goes to stderr.

Closed loop (the default): producers keep at most
backlog + 2·batch·(producers+consumers) messages in the queue, so the
queue stays at the size asked for; end-to-end latency includes the wait
behind those messages. Open loop (-rate): producers post on a schedule
whatever the consumers do, and end-to-end latency counts from the time a
message was due to be sent, so a stall of the system shows in every
message it delayed. Claims take the oldest first, so the backlog, posted
before the run and not timed, is worked through first. The -warmup runs
the same load unmeasured first.

Engines (-engine): inproc, the claimq.Queue in this process; local, the
same queue through claimq.Local, the engine a Worker uses; http, the
Zaqar v2 front of this module on a loopback port; http://host:port (or
https://), a Zaqar v2 server such as claimq serve or OpenStack Zaqar,
with -token and -project, through a lean HTTP client so that the
figures are the server's; zaqar+http://host:port (or zaqar+https://),
the same server through the Zaqar engine over gophercloud, as a Worker
uses it; redis://host:port, the Redis Streams engine, which is in the
module redisengine: from a claimq checkout run
go -C redisengine run ./cmd/claimq-bench with the same flags.

Flags:
`

// parseBenchFlags parses and checks the command line of bench. Every
// mistake is a usageError, so that it exits with status 2 before anything
// runs; -h prints the help to stdout and returns errHelp.
func parseBenchFlags(args []string, stdout io.Writer, openers map[string]Opener) (benchConfig, error) {
	c := benchConfig{args: slices.Clone(args), openers: openers}
	fs := flag.NewFlagSet("claimq bench", flag.ContinueOnError)
	// Errors are returned, not printed, so that main prints each once.
	fs.SetOutput(io.Discard)
	fs.IntVar(&c.producers, "producers", 1, "goroutines posting batches")
	fs.IntVar(&c.consumers, "consumers", 1, "goroutines claiming batches and deleting each message")
	fs.IntVar(&c.batch, "batch", 10, "messages per post and per claim, 1 to 20")
	fs.Var(countFlag{&c.messages, math.MaxInt32}, "messages", "post `N` messages and stop once N were deleted (instead of -duration)")
	fs.DurationVar(&c.duration, "duration", 3*time.Second, "how long to measure (instead of -messages)")
	fs.DurationVar(&c.warmup, "warmup", 500*time.Millisecond, "run the load this long, unmeasured, before measuring; 0 for none")
	fs.Var(countFlag{&c.backlog, maxCount}, "backlog", "keep `N` messages waiting in the queue during the run; 1e5 is fine")
	fs.Var(countFlag{&c.held, maxCount}, "held", "keep `N` messages held by live claims during the run; 1e5 is fine")
	c.bodySize = 64
	fs.Var(countFlag{&c.bodySize, maxBodySize}, "body-size", "`bytes` per message body, 18 to 262144 (the send time takes 18)")
	fs.Var(rateFlag{&c.rate}, "rate", "open loop: offer `N/s` messages per second on a schedule, whatever the consumers do")
	fs.DurationVar(&c.claimTTL, "claim-ttl", 5*time.Minute, "claim TTL, 1s to 12h; longer than the run so that claims do not expire")
	engine := fs.String("engine", "inproc", "what to drive: inproc, local, http, a Zaqar `URL` (http://host:port; zaqar+http://host:port through the Zaqar engine) or redis://host:port")
	httpAlias := fs.Bool("http", false, "same as -engine http")
	urlAlias := fs.String("url", "", "same as -engine `URL`")
	fs.StringVar(&c.token, "token", "", "X-Auth-Token sent to a Zaqar URL engine (http:// or zaqar+http://)")
	fs.StringVar(&c.project, "project", httpProject, "X-Project-Id sent to Zaqar engines")
	fs.StringVar(&c.format, "format", "table", "output: table, json (one document) or benchstat (Go benchmark lines)")
	jsonAlias := fs.Bool("json", false, "same as -format json")
	fs.IntVar(&c.count, "count", 1, "runs per point, 1 to 100; the table gives medians and spread")
	fs.StringVar(&c.outDir, "out", "", "write each point's latency distributions (.hgrm) and SVG charts to `dir`")
	fs.StringVar(&c.cpuProf, "cpuprofile", "", "write a CPU profile of the run to `file`")
	fs.StringVar(&c.memProf, "memprofile", "", "write an allocation profile to `file` at the end")
	sweepText := fs.String("sweep", "", "one run per value: `param=v,v,…`, param one of "+sweepNames())

	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fs.SetOutput(stdout)
			fmt.Fprint(stdout, benchUsage)
			fs.PrintDefaults()
			return c, errHelp
		}
		return c, usageErrorf("bench: %v", err)
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	err := c.resolveAliases(set, *engine, *httpAlias, *urlAlias, *jsonAlias)
	if err == nil {
		err = c.check(set, fs.Args(), *sweepText)
	}
	if err != nil {
		return c, usageError{fmt.Errorf("bench: %w", err)}
	}
	return c, nil
}

// resolveAliases folds -http, -url and -json, kept for the command lines
// of the first release, into -engine and -format.
func (c *benchConfig) resolveAliases(set map[string]bool, engine string, httpAlias bool, urlAlias string, jsonAlias bool) error {
	aliases := 0
	if httpAlias {
		engine, aliases = "http", aliases+1
	}
	if urlAlias != "" {
		engine, aliases = urlAlias, aliases+1
	}
	if aliases > 1 || (aliases == 1 && set["engine"]) {
		return errors.New("-engine, -http and -url exclude each other: give one")
	}
	if jsonAlias {
		if set["format"] && c.format != "json" {
			return fmt.Errorf("-json and -format %s exclude each other", c.format)
		}
		c.format = "json"
	}
	var err error
	c.engine, err = parseEngine(engine, c.openers)
	return err
}

// check validates the flags and fills in the sweep; set names the flags
// given on the command line.
func (c *benchConfig) check(set map[string]bool, rest []string, sweepText string) error {
	switch {
	case len(rest) > 0:
		return fmt.Errorf("unexpected argument %q", rest[0])
	case set["messages"] && set["duration"]:
		return errors.New("-messages and -duration exclude each other: give one")
	case set["messages"] && c.messages < 1:
		return fmt.Errorf("-messages %d: want at least 1", c.messages)
	case !set["messages"] && c.duration <= 0:
		return fmt.Errorf("-duration %v: want a positive duration", c.duration)
	case c.warmup < 0:
		return fmt.Errorf("-warmup %v: want 0 or a positive duration", c.warmup)
	case c.format != "table" && c.format != "json" && c.format != "benchstat":
		return fmt.Errorf("-format %q: want table, json or benchstat", c.format)
	case c.count < 1 || c.count > 100:
		return fmt.Errorf("-count %d: want 1 to 100", c.count)
	case c.token != "" && c.engine.kind != engineURL:
		return errors.New("-token goes with an engine at a URL (-engine http://…)")
	}
	if !set["messages"] {
		c.messages = 0
	}
	if sweepText != "" {
		if err := c.parseSweep(set, sweepText); err != nil {
			return err
		}
	}
	for _, p := range c.points() {
		if err := p.cfg.checkPoint(); err != nil {
			if p.label != "" {
				return fmt.Errorf("-sweep %s: %w", p.label, err)
			}
			return err
		}
	}
	return nil
}

// checkPoint validates the settings a sweep may vary, once per point.
func (c *benchConfig) checkPoint() error {
	switch {
	case c.producers < 1 || c.producers > 10_000:
		return fmt.Errorf("-producers %d: want 1 to 10000", c.producers)
	case c.consumers < 1 || c.consumers > 10_000:
		return fmt.Errorf("-consumers %d: want 1 to 10000", c.consumers)
	case c.batch > maxBatch:
		return fmt.Errorf("-batch %d: above the claim limit of %d messages (Zaqar's max_messages_per_claim_or_pop)", c.batch, maxBatch)
	case c.batch < 1:
		return fmt.Errorf("-batch %d: want 1 to %d", c.batch, maxBatch)
	case c.bodySize < minBodySize:
		return fmt.Errorf("-body-size %d: want %d to %d; the send time takes %d bytes", c.bodySize, minBodySize, maxBodySize, minBodySize)
	case c.rate > 0 && c.rate < c.producers:
		return fmt.Errorf("-rate %d/s: below one message per second per producer (%d producers)", c.rate, c.producers)
	case c.claimTTL < time.Second || c.claimTTL > heldTTL:
		return fmt.Errorf("-claim-ttl %v: want 1s to %v", c.claimTTL, heldTTL)
	}
	if c.engine.zaqarEngine() && c.bodySize < minObjectBodySize {
		return fmt.Errorf("-body-size %d: the Zaqar engine carries JSON objects, of %d bytes or more", c.bodySize, minObjectBodySize)
	}
	if c.engine.zaqar() && c.claimTTL%time.Second != 0 {
		return fmt.Errorf("-claim-ttl %v: the Zaqar API counts whole seconds", c.claimTTL)
	}
	if c.engine.zaqar() && c.claimTTL < time.Minute {
		return fmt.Errorf("-claim-ttl %v: the Zaqar API takes 60s to 12h", c.claimTTL)
	}
	return nil
}

func (c *benchConfig) parseSweep(set map[string]bool, sweepText string) error {
	param, list, ok := strings.Cut(sweepText, "=")
	sp, known := sweepParams[param]
	if !ok || !known || list == "" {
		return fmt.Errorf("-sweep %q: want param=v,v,… with param one of %s", sweepText, sweepNames())
	}
	if set[param] {
		return fmt.Errorf("-%s and -sweep %s exclude each other", param, param)
	}
	for _, s := range strings.Split(list, ",") {
		v, err := sp.parse(strings.TrimSpace(s))
		if err != nil {
			return fmt.Errorf("-sweep %q: %w", sweepText, err)
		}
		c.sweep.values = append(c.sweep.values, v)
	}
	c.sweep.param = param
	return nil
}

// countFlag is a count that also reads in scientific notation, as sizes
// are written in sweeps: -backlog 1e6.
type countFlag struct {
	v   *int
	max int
}

func (f countFlag) String() string {
	if f.v == nil {
		return "0"
	}
	return strconv.Itoa(*f.v)
}

func (f countFlag) Set(s string) error {
	v, err := parseCount(s, f.max)
	*f.v = v
	return err
}

// rateFlag is a rate in messages per second, written 5000, 5000/s or
// 5e3/s.
type rateFlag struct{ v *int }

func (f rateFlag) String() string {
	if f.v == nil || *f.v == 0 {
		return "0"
	}
	return strconv.Itoa(*f.v) + "/s"
}

func (f rateFlag) Set(s string) error {
	v, err := parseRate(s)
	*f.v = v
	return err
}

func parseRate(s string) (int, error) {
	v, err := parseCount(strings.TrimSuffix(s, "/s"), maxRate)
	if err != nil {
		return 0, fmt.Errorf("rate %w", err)
	}
	return v, nil
}

func countParser(most int) func(string) (int, error) {
	return func(s string) (int, error) { return parseCount(s, most) }
}

// parseCount reads a whole number from 0 to most, such as 1000 or 1e6.
func parseCount(s string, most int) (int, error) {
	f, err := strconv.ParseFloat(s, 64)
	switch {
	case err != nil && !errors.Is(err, strconv.ErrRange), f != math.Trunc(f):
		return 0, fmt.Errorf("%q: want a whole number such as 1000 or 1e6", s)
	case f < 0 || f > float64(most):
		return 0, fmt.Errorf("%s: want 0 to %d", s, most)
	}
	return int(f), nil
}
