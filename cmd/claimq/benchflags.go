package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
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
)

// benchConfig is a command line of bench, parsed and checked.
type benchConfig struct {
	producers int
	consumers int
	batch     int
	messages  int // > 0: stop after this many deletes; else run for duration
	duration  time.Duration
	backlog   int // messages left waiting in the queue during the run
	held      int // messages held by live claims during the run
	claimTTL  time.Duration
	http      bool   // drive the Zaqar v2 HTTP front instead of the queue
	url       string // an existing Zaqar v2 server to drive, instead of starting one
	json      bool
	sweep     sweep
	cpuProf   string // file for a CPU profile of the measurements
	memProf   string // file for an allocation profile, written at the end
}

// sweep is the parameter varied by -sweep; param is empty for a single run.
type sweep struct {
	param  string // "backlog" or "held"
	values []int
}

// errHelp is returned by parseBenchFlags after printing the help for -h.
var errHelp = errors.New("help requested")

// point is one measurement of a sweep.
type point struct {
	cfg   benchConfig
	value int
}

func (c benchConfig) points() []point {
	if c.sweep.param == "" {
		return []point{{cfg: c}}
	}
	var ps []point
	for _, v := range c.sweep.values {
		p := c
		if c.sweep.param == "backlog" {
			p.backlog = v
		} else {
			p.held = v
		}
		ps = append(ps, point{cfg: p, value: v})
	}
	return ps
}

const benchUsage = `Usage: claimq bench [flags]

Runs producers and consumers against a claimq queue, in-process or through
its Zaqar v2 HTTP front on a loopback port, and prints throughput, latency
percentiles, allocations per message and peak heap. Progress goes to stderr.

Producers keep at most backlog + 2·batch·(producers+consumers) messages in
the queue, so the queue stays at the size asked for; post→delete latency
includes the wait behind those messages. Claims take the oldest first, so
the backlog, posted before the run and not timed, is worked through first.

Flags:
`

// parseBenchFlags parses and checks the command line of bench. Every
// mistake is a usageError, so that it exits with status 2 before anything
// runs; -h prints the help to stdout and returns errHelp.
func parseBenchFlags(args []string, stdout io.Writer) (benchConfig, error) {
	c := benchConfig{}
	fs := flag.NewFlagSet("claimq bench", flag.ContinueOnError)
	// Errors are returned, not printed, so that main prints each once.
	fs.SetOutput(io.Discard)
	fs.IntVar(&c.producers, "producers", 1, "goroutines posting batches")
	fs.IntVar(&c.consumers, "consumers", 1, "goroutines claiming batches and deleting each message")
	fs.IntVar(&c.batch, "batch", 10, "messages per post and per claim, 1 to 20")
	fs.Var(countFlag{&c.messages, math.MaxInt32}, "messages", "stop after `N` messages were deleted (instead of -duration)")
	fs.DurationVar(&c.duration, "duration", 3*time.Second, "how long to run (instead of -messages)")
	fs.Var(countFlag{&c.backlog, maxCount}, "backlog", "keep `N` messages waiting in the queue during the run; 1e5 is fine")
	fs.Var(countFlag{&c.held, maxCount}, "held", "keep `N` messages held by live claims during the run; 1e5 is fine")
	fs.DurationVar(&c.claimTTL, "claim-ttl", 5*time.Minute, "claim TTL, 1s to 12h; longer than the run so that claims do not expire")
	fs.BoolVar(&c.http, "http", false, "drive the Zaqar v2 HTTP front on a loopback port instead of the queue itself")
	fs.StringVar(&c.url, "url", "", "drive the Zaqar v2 server at this base `URL` (implies -http), e.g. one run by claimq serve")
	fs.BoolVar(&c.json, "json", false, "print the results as one JSON object")
	fs.StringVar(&c.cpuProf, "cpuprofile", "", "write a CPU profile of the run to `file`")
	fs.StringVar(&c.memProf, "memprofile", "", "write an allocation profile to `file` at the end")
	sweepText := fs.String("sweep", "", "one run per value: `backlog=1e3,1e4,…` or held=0,1e5,…")

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
	if err := c.check(set, fs.Args(), *sweepText); err != nil {
		return c, usageError{fmt.Errorf("bench: %w", err)}
	}
	return c, nil
}

// check validates the flags and fills in the sweep; set names the flags
// given on the command line.
func (c *benchConfig) check(set map[string]bool, rest []string, sweepText string) error {
	switch {
	case len(rest) > 0:
		return fmt.Errorf("unexpected argument %q", rest[0])
	case c.producers < 1 || c.producers > 10_000:
		return fmt.Errorf("-producers %d: want 1 to 10000", c.producers)
	case c.consumers < 1 || c.consumers > 10_000:
		return fmt.Errorf("-consumers %d: want 1 to 10000", c.consumers)
	case c.batch > maxBatch:
		return fmt.Errorf("-batch %d: above the claim limit of %d messages (Zaqar's max_messages_per_claim_or_pop)", c.batch, maxBatch)
	case c.batch < 1:
		return fmt.Errorf("-batch %d: want 1 to %d", c.batch, maxBatch)
	case set["messages"] && set["duration"]:
		return errors.New("-messages and -duration exclude each other: give one")
	case set["messages"] && c.messages < 1:
		return fmt.Errorf("-messages %d: want at least 1", c.messages)
	case !set["messages"] && c.duration <= 0:
		return fmt.Errorf("-duration %v: want a positive duration", c.duration)
	case c.claimTTL < time.Second || c.claimTTL > heldTTL:
		return fmt.Errorf("-claim-ttl %v: want 1s to %v", c.claimTTL, heldTTL)
	}
	if c.url != "" {
		c.http = true
	}
	if c.http && c.claimTTL%time.Second != 0 {
		return fmt.Errorf("-claim-ttl %v: the HTTP front counts whole seconds", c.claimTTL)
	}
	if c.http && c.claimTTL < time.Minute {
		return fmt.Errorf("-claim-ttl %v: the Zaqar API takes 60s to 12h", c.claimTTL)
	}
	if sweepText == "" {
		return nil
	}
	param, list, ok := strings.Cut(sweepText, "=")
	if !ok || (param != "backlog" && param != "held") || list == "" {
		return fmt.Errorf("-sweep %q: want backlog=N,N,… or held=N,N,…", sweepText)
	}
	if set[param] {
		return fmt.Errorf("-%s and -sweep %s exclude each other", param, param)
	}
	for _, s := range strings.Split(list, ",") {
		v, err := parseCount(strings.TrimSpace(s), maxCount)
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
