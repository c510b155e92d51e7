package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/claimq/claimq"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// bench runs runBench and returns its stdout and stderr.
func bench(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err = runBench(t.Context(), args, &out, &errOut)
	return out.String(), errOut.String(), err
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

// progressRE matches the plain progress lines, sweep label optional.
var progressRE = regexp.MustCompile(`(?m)^((backlog|held)=\d+: )?(done: )?\d+\.\ds \d+ msgs \d+ msgs/s( average)?$`)

func TestBenchJSON(t *testing.T) {
	tests := []struct {
		name string
		args []string
	}{
		{"defaults", nil},
		{"many workers", []string{"-producers", "3", "-consumers", "4", "-batch", "7"}},
		{"batch 1", []string{"-batch", "1"}},
		{"batch 20 with backlog and held", []string{"-batch", "20", "-backlog", "150", "-held", "100"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errOut, err := bench(t, append([]string{"-messages", "200", "-json"}, tt.args...)...)
			require.NoError(t, err)
			var r result
			require.NoError(t, json.Unmarshal([]byte(out), &r), "stdout is not one JSON object: %s", out)

			assert.Equal(t, "in-process", r.Mode)
			assert.EqualValues(t, 200, r.Messages, "messages done")
			assert.Positive(t, r.Seconds)
			assert.Positive(t, r.Throughput)
			assert.InDelta(t, float64(r.Messages)/r.Seconds, r.Throughput, 1e-6*r.Throughput)
			requireMonotone(t, "end_to_end_ns", r.EndToEnd)
			requireMonotone(t, "claim_call_ns", r.Claim)
			// Claims take the oldest messages first, so the backlog,
			// posted before the run and not timed, goes first.
			assert.EqualValues(t, 200-r.Backlog, r.EndToEnd.Count)
			assert.GreaterOrEqual(t, r.ClaimCalls, r.Claim.Count)
			assert.Zero(t, r.Lost)
			assert.Positive(t, r.AllocsPerMessage)
			assert.Positive(t, r.PeakHeapBytes)
			assert.False(t, r.Interrupted)

			assert.Regexp(t, progressRE, errOut)
			assert.NotContains(t, errOut, "\r", "progress to a buffer must not redraw")
		})
	}
}

func TestBenchJSONEchoesSettings(t *testing.T) {
	out, _, err := bench(t, "-messages", "50", "-json", "-producers", "2", "-consumers", "3",
		"-batch", "5", "-backlog", "1e2", "-held", "20", "-claim-ttl", "90s")
	require.NoError(t, err)
	var r result
	require.NoError(t, json.Unmarshal([]byte(out), &r))
	assert.Equal(t, result{Mode: "in-process", Producers: 2, Consumers: 3, Batch: 5, Backlog: 100, Held: 20, ClaimTTL: "1m30s"},
		result{Mode: r.Mode, Producers: r.Producers, Consumers: r.Consumers, Batch: r.Batch, Backlog: r.Backlog, Held: r.Held, ClaimTTL: r.ClaimTTL})
}

func TestBenchTable(t *testing.T) {
	out, _, err := bench(t, "-messages", "100")
	require.NoError(t, err)
	for _, want := range []string{"claimq bench: in-process, 1 producer, 1 consumer, batch 10",
		"messages     100 in ", "throughput", "allocs/msg", "peak heap", "post→delete", "claim call", "p99.9"} {
		assert.Contains(t, out, want)
	}
}

func TestBenchDuration(t *testing.T) {
	out, _, err := bench(t, "-duration", "30ms", "-json", "-consumers", "2")
	require.NoError(t, err)
	var r result
	require.NoError(t, json.Unmarshal([]byte(out), &r))
	assert.Positive(t, r.Messages)
	assert.Equal(t, r.Messages, r.EndToEnd.Count)
	assert.False(t, r.Interrupted, "a duration run ends by itself")
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
			if _, err := strconv.Atoi(f[0]); err == nil {
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
	}{
		{"backlog", []int{0, 10, 1000}},
		{"held", []int{0, 100}},
	}
	for _, tt := range tests {
		t.Run(tt.param, func(t *testing.T) {
			var spec []string
			for _, v := range tt.values {
				spec = append(spec, strconv.Itoa(v))
			}
			sweepArg := tt.param + "=" + strings.Join(spec, ",")

			out, errOut, err := bench(t, "-messages", "100", "-sweep", sweepArg)
			require.NoError(t, err)
			rows := sweepRows(t, out)
			require.Len(t, rows, len(tt.values), "one row per value in:\n%s", out)
			for i, row := range rows {
				fields := strings.Fields(row)
				assert.Equal(t, spec[i], fields[0], "row %d", i)
			}
			assert.Contains(t, out, "sweeping "+tt.param)
			assert.Regexp(t, progressRE, errOut)
			assert.Contains(t, errOut, tt.param+"="+spec[len(spec)-1]+": ")

			out, _, err = bench(t, "-messages", "100", "-json", "-sweep", sweepArg)
			require.NoError(t, err)
			var got struct {
				Sweep string   `json:"sweep"`
				Runs  []result `json:"runs"`
			}
			require.NoError(t, json.Unmarshal([]byte(out), &got))
			assert.Equal(t, tt.param, got.Sweep)
			require.Len(t, got.Runs, len(tt.values))
			for i, r := range got.Runs {
				v := r.Backlog
				if tt.param == "held" {
					v = r.Held
				}
				assert.Equal(t, tt.values[i], v, "run %d", i)
				assert.EqualValues(t, 100, r.Messages, "run %d", i)
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
		{"messages and duration", []string{"-messages", "10", "-duration", "1s"}, "exclude each other"},
		{"zero messages", []string{"-messages", "0"}, "-messages 0: want at least 1"},
		{"negative messages", []string{"-messages", "-5"}, "want 0 to"},
		{"fractional messages", []string{"-messages", "1.5"}, "want a whole number"},
		{"no producers", []string{"-producers", "0"}, "-producers 0"},
		{"no consumers", []string{"-consumers", "-1"}, "-consumers -1"},
		{"negative backlog", []string{"-backlog", "-1"}, "want 0 to"},
		{"huge held", []string{"-held", "1e12"}, "want 0 to 10000000"},
		{"short claim TTL", []string{"-claim-ttl", "500ms"}, "-claim-ttl 500ms: want 1s to 12h"},
		{"long claim TTL", []string{"-claim-ttl", "13h"}, "want 1s to 12h"},
		{"HTTP claim TTL in fractions", []string{"-http", "-claim-ttl", "1500ms"}, "whole seconds"},
		{"HTTP claim TTL below Zaqar's", []string{"-http", "-claim-ttl", "10s"}, "the Zaqar API takes 60s to 12h"},
		{"sweep without =", []string{"-sweep", "backlog"}, "want backlog=N,N,… or held=N,N,…"},
		{"sweep of an unknown parameter", []string{"-sweep", "consumers=1,2"}, "want backlog=N"},
		{"sweep with no values", []string{"-sweep", "held="}, "want backlog=N"},
		{"sweep with a bad value", []string{"-sweep", "backlog=1e3,x"}, `"x": want a whole number`},
		{"sweep with an empty value", []string{"-sweep", "backlog=1,,2"}, "want a whole number"},
		{"sweep with a negative value", []string{"-sweep", "held=-1"}, "want 0 to"},
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
			assert.Equal(t, 2, exitCode(err), "exit code of %v", err)
			assert.Empty(t, out, "nothing runs on a bad command line")
		})
	}
}

func TestRunExitCodes(t *testing.T) {
	tests := []struct {
		name string
		args []string
		code int
	}{
		{"no command", nil, 2},
		{"unknown command", []string{"frobnicate"}, 2},
		{"help", []string{"help"}, 0},
		{"bench help", []string{"bench", "-h"}, 0},
		{"bad bench flag", []string{"bench", "-batch", "21"}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			err := run(t.Context(), tt.args, &out, &errOut)
			assert.Equal(t, tt.code, exitCode(err), "run(%q) = %v", tt.args, err)
		})
	}
}

func TestBenchHelp(t *testing.T) {
	out, _, err := bench(t, "-h")
	require.NoError(t, err)
	for _, flag := range []string{"-producers", "-consumers", "-batch", "-messages", "-duration", "-backlog", "-held", "-claim-ttl", "-http", "-json", "-sweep"} {
		assert.Contains(t, out, flag)
	}
}

func TestBenchInterrupted(t *testing.T) {
	// The fake server cancels the run at its fifth post, well inside the
	// hour the run asks for.
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	fz := newFakeZaqar()
	posts := 0
	fz.onPost = func() {
		if posts++; posts == 5 {
			cancel()
		}
	}
	srv := httptest.NewServer(fz)
	defer srv.Close()

	var out, errOut bytes.Buffer
	err := runBench(ctx, []string{"-url", srv.URL, "-duration", "1h", "-json"}, &out, &errOut)
	require.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, 1, exitCode(err))
	var r result
	require.NoError(t, json.Unmarshal(out.Bytes(), &r), "an interrupted run still prints what it measured")
	assert.True(t, r.Interrupted)
	assert.Less(t, r.Seconds, 60.0)
}

func TestBenchInterruptedBeforeStart(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	var out, errOut bytes.Buffer
	err := runBench(ctx, []string{"-backlog", "100"}, &out, &errOut)
	require.ErrorIs(t, err, context.Canceled)
	assert.Empty(t, out.String())
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

// TestBenchHTTP runs -http against the HTTP front of this module.
func TestBenchHTTP(t *testing.T) {
	out, errOut, err := bench(t, "-http", "-messages", "200", "-json", "-consumers", "2", "-backlog", "20", "-held", "20")
	require.NoError(t, err, "stderr: %s", errOut)
	var r result
	require.NoError(t, json.Unmarshal([]byte(out), &r))
	assert.Equal(t, "http", r.Mode)
	assert.EqualValues(t, 200, r.Messages)
	assert.EqualValues(t, 200-20, r.EndToEnd.Count)
	requireMonotone(t, "end_to_end_ns", r.EndToEnd)
	requireMonotone(t, "claim_call_ns", r.Claim)
	assert.Zero(t, r.Lost)
}

func TestBenchHTTPURL(t *testing.T) {
	fz := newFakeZaqar()
	srv := httptest.NewServer(fz)
	defer srv.Close()

	out, errOut, err := bench(t, "-url", srv.URL, "-messages", "200", "-json",
		"-producers", "2", "-consumers", "2", "-backlog", "40", "-held", "30")
	require.NoError(t, err, "stderr: %s", errOut)
	var r result
	require.NoError(t, json.Unmarshal([]byte(out), &r))
	assert.Equal(t, "http", r.Mode)
	assert.EqualValues(t, 200, r.Messages)
	requireMonotone(t, "end_to_end_ns", r.EndToEnd)
	requireMonotone(t, "claim_call_ns", r.Claim)
	assert.EqualValues(t, 200-40, r.EndToEnd.Count, "the backlog goes first, untimed")
	assert.Zero(t, r.Lost)

	s := fz.stats()
	assert.Equal(t, 40, s.Free, "the backlog is left in the queue")
	assert.Equal(t, 30, s.Claimed, "the held messages stay claimed")
	assert.Empty(t, fz.badRequests(), "requests the fake refused")
}

func TestBenchHTTPURLDuration(t *testing.T) {
	srv := httptest.NewServer(newFakeZaqar())
	defer srv.Close()
	out, errOut, err := bench(t, "-url", srv.URL, "-duration", "30ms", "-json", "-consumers", "3")
	require.NoError(t, err, "stderr: %s", errOut)
	var r result
	require.NoError(t, json.Unmarshal([]byte(out), &r))
	assert.Positive(t, r.Messages)
	assert.Equal(t, r.Messages, r.EndToEnd.Count,
		"a run cut short in the middle of a batch counts each delete it timed")
}

func TestHTTPDeleteLost(t *testing.T) {
	fz := newFakeZaqar()
	srv := httptest.NewServer(fz)
	defer srv.Close()
	d, err := newHTTPDriver(benchConfig{url: srv.URL, producers: 1, consumers: 1})
	require.NoError(t, err)
	defer d.close()

	require.NoError(t, d.newProducer().post(t.Context(), []int64{1, 2}))
	c := d.newConsumer()
	ds, took, waited, err := c.claim(t.Context(), 2, time.Minute)
	require.NoError(t, err)
	require.Len(t, ds, 2)
	assert.False(t, waited)
	assert.Positive(t, took)
	assert.Equal(t, []int64{1, 2}, []int64{ds[0].stamp, ds[1].stamp})

	require.NoError(t, fz.release())
	require.ErrorIs(t, c.delete(t.Context(), ds[0]), errLost)
	other := d.newConsumer()
	ds2, _, _, err := other.claim(t.Context(), 2, time.Minute)
	require.NoError(t, err)
	require.Len(t, ds2, 2)
	require.ErrorIs(t, c.delete(t.Context(), ds[1]), errLost, "claimed by another")
	require.NoError(t, other.delete(t.Context(), ds2[1]))
}

func TestHTTPClaimWaitsForPost(t *testing.T) {
	fz := newFakeZaqar()
	srv := httptest.NewServer(fz)
	defer srv.Close()
	d, err := newHTTPDriver(benchConfig{url: srv.URL, producers: 1, consumers: 1})
	require.NoError(t, err)
	defer d.close()

	// The post happens once the consumer has polled an empty queue, so
	// the claim must have waited, whatever the scheduling.
	var posted sync.WaitGroup
	defer posted.Wait()
	fz.onEmptyClaim = func() {
		posted.Go(func() { assert.NoError(t, d.newProducer().post(t.Context(), []int64{7})) })
	}
	ds, took, waited, err := d.newConsumer().claim(t.Context(), 5, time.Minute)
	require.NoError(t, err)
	require.Len(t, ds, 1)
	assert.True(t, waited)
	assert.Positive(t, took, "the HTTP call that found the message is timed on its own")
}

// fakeZaqar serves the three calls of the Zaqar v2 API that the bench
// uses, over claimq queues, as spec/zaqar-v2.md section 6 describes them:
// enough to test the HTTP driver before package zaqar exists. It refuses
// requests without the headers Zaqar requires.
type fakeZaqar struct {
	mux *http.ServeMux

	mu           sync.Mutex
	queues       map[string]*claimq.Queue[json.RawMessage]
	refused      []string
	onEmptyClaim func() // called once, when a claim first finds nothing
	onPost       func() // called at each post, under mu
}

func newFakeZaqar() *fakeZaqar {
	f := &fakeZaqar{mux: http.NewServeMux(), queues: map[string]*claimq.Queue[json.RawMessage]{}}
	f.mux.HandleFunc("POST /v2/queues/{q}/messages", f.post)
	f.mux.HandleFunc("POST /v2/queues/{q}/claims", f.claim)
	f.mux.HandleFunc("DELETE /v2/queues/{q}/messages/{id}", f.delete)
	return f
}

func (f *fakeZaqar) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if len(r.Header.Get("Client-ID")) != 36 || r.Header.Get("X-Project-Id") == "" {
		f.refuse(w, r.Method+" "+r.URL.String()+": missing Client-ID or X-Project-Id")
		return
	}
	f.mux.ServeHTTP(w, r)
}

func (f *fakeZaqar) refuse(w http.ResponseWriter, why string) {
	f.mu.Lock()
	f.refused = append(f.refused, why)
	f.mu.Unlock()
	http.Error(w, `{"title":"Bad request","description":"`+why+`"}`, http.StatusBadRequest)
}

func (f *fakeZaqar) badRequests() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.refused
}

// only returns the single queue the driver used.
func (f *fakeZaqar) only() *claimq.Queue[json.RawMessage] {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, q := range f.queues {
		return q
	}
	return nil
}

func (f *fakeZaqar) stats() claimq.Stats { return f.only().Stats() }

// release ends every live claim, as their expiry would.
func (f *fakeZaqar) release() error {
	q := f.only()
	msgs, _ := q.List(claimq.ListOptions{IncludeClaimed: true, Limit: 20})
	for _, m := range msgs {
		if err := q.Release(m.ClaimID); err != nil && !errors.Is(err, claimq.ErrClaimNotFound) {
			return err
		}
	}
	return nil
}

func (f *fakeZaqar) queue(name string) *claimq.Queue[json.RawMessage] {
	f.mu.Lock()
	defer f.mu.Unlock()
	q := f.queues[name]
	if q == nil {
		q = claimq.New(claimq.Options[json.RawMessage]{})
		f.queues[name] = q
	}
	return q
}

func (f *fakeZaqar) post(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Messages []struct {
			TTL  int64           `json:"ttl"`
			Body json.RawMessage `json:"body"`
		} `json:"messages"`
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil || len(in.Messages) == 0 {
		f.refuse(w, "bad post body")
		return
	}
	posts := make([]claimq.Post[json.RawMessage], len(in.Messages))
	for i, m := range in.Messages {
		posts[i] = claimq.Post[json.RawMessage]{Body: m.Body, TTL: time.Duration(m.TTL) * time.Second}
	}
	f.mu.Lock()
	if f.onPost != nil {
		f.onPost()
	}
	f.mu.Unlock()
	q := r.PathValue("q")
	ids, err := f.queue(q).Post(posts...)
	if err != nil {
		f.refuse(w, err.Error())
		return
	}
	var out struct {
		Resources []string `json:"resources"`
	}
	for _, id := range ids {
		out.Resources = append(out.Resources, "/v2/queues/"+q+"/messages/"+id.String())
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	_ = json.NewEncoder(w).Encode(out)
}

func (f *fakeZaqar) claim(w http.ResponseWriter, r *http.Request) {
	var in struct {
		TTL   int64 `json:"ttl"`
		Grace int64 `json:"grace"`
	}
	limit, err := strconv.Atoi(r.URL.Query().Get("limit"))
	if err != nil || json.NewDecoder(r.Body).Decode(&in) != nil {
		f.refuse(w, "bad claim")
		return
	}
	q := r.PathValue("q")
	c, err := f.queue(q).Claim(claimq.ClaimOptions{Limit: limit, TTL: time.Duration(in.TTL) * time.Second, Grace: time.Duration(in.Grace) * time.Second})
	if err != nil {
		f.refuse(w, err.Error())
		return
	}
	if len(c.Messages) == 0 {
		f.mu.Lock()
		hook := f.onEmptyClaim
		f.onEmptyClaim = nil
		f.mu.Unlock()
		if hook != nil {
			hook()
		}
		w.WriteHeader(http.StatusNoContent)
		return
	}
	type message struct {
		ID   string          `json:"id"`
		Href string          `json:"href"`
		TTL  int64           `json:"ttl"`
		Age  int64           `json:"age"`
		Body json.RawMessage `json:"body"`
	}
	var out struct {
		Messages []message `json:"messages"`
	}
	for _, m := range c.Messages {
		out.Messages = append(out.Messages, message{
			ID:   m.ID.String(),
			Href: "/v2/queues/" + q + "/messages/" + m.ID.String() + "?claim_id=" + c.ID.String(),
			TTL:  int64(m.TTL / time.Second),
			Body: m.Body,
		})
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Location", "/v2/queues/"+q+"/claims/"+c.ID.String())
	w.WriteHeader(http.StatusCreated)
	_ = json.NewEncoder(w).Encode(out)
}

func (f *fakeZaqar) delete(w http.ResponseWriter, r *http.Request) {
	id, err := claimq.ParseMessageID(r.PathValue("id"))
	if err != nil {
		f.refuse(w, err.Error())
		return
	}
	var cid claimq.ClaimID
	if s := r.URL.Query().Get("claim_id"); s != "" {
		if cid, err = claimq.ParseClaimID(s); err != nil {
			f.refuse(w, err.Error())
			return
		}
	}
	switch err := f.queue(r.PathValue("q")).Delete(id, cid); {
	case err == nil, errors.Is(err, claimq.ErrMessageNotFound):
		w.WriteHeader(http.StatusNoContent)
	case errors.Is(err, claimq.ErrNotClaimed):
		http.Error(w, `{"title":"Bad request","description":"claim expired"}`, http.StatusBadRequest)
	default:
		http.Error(w, `{"title":"Forbidden","description":"claimed"}`, http.StatusForbidden)
	}
}
