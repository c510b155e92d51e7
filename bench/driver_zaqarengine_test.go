package bench

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestBenchZaqarEngine drives the package's Zaqar front at a URL through
// the Zaqar engine (gophercloud), with a token and a project the server
// requires.
func TestBenchZaqarEngine(t *testing.T) {
	srv := newZaqarServer(t, "s3cret")
	engine := zaqarEnginePrefix + srv.URL
	r := benchOne(t, "-engine", engine, "-token", "s3cret", "-project", "p1", "-messages", "200",
		"-producers", "2", "-consumers", "2", "-backlog", "40", "-held", "30", "-body-size", "300")
	assert.Equal(t, engine, r.Engine)
	assert.EqualValues(t, 200, r.Messages)
	assert.EqualValues(t, 200-40, r.EndToEnd.Count, "the backlog goes first, untimed")
	requireMonotone(t, "end_to_end_ns", r.EndToEnd)
	requireClaimRows(t, r)
	assert.Zero(t, r.Lost)
	assert.Equal(t, "client", r.AllocsScope)
	assert.Zero(t, r.Memory.LiveHeapBytes, "the queue is in another process: no heap figure")

	// What the run left, seen by another client of project p1: the
	// backlog and the held messages, with bodies of -body-size bytes.
	var list struct {
		Queues []struct{ Name string } `json:"queues"`
	}
	srv.getAs(t, "p1", "/v2/queues", &list)
	require.Len(t, list.Queues, 1, "one queue, in the project given")
	q := list.Queues[0].Name
	assert.True(t, strings.HasPrefix(q, httpQueue+"-"), "a queue of the run's own: %s", q)
	var st struct {
		Messages struct{ Free, Claimed int } `json:"messages"`
	}
	srv.getAs(t, "p1", "/v2/queues/"+q+"/stats", &st)
	assert.Equal(t, 40, st.Messages.Free, "the backlog is left in the queue")
	assert.Equal(t, 30, st.Messages.Claimed, "the held messages stay claimed")
	var msgs struct {
		Messages []struct{ Body json.RawMessage } `json:"messages"`
	}
	srv.getAs(t, "p1", "/v2/queues/"+q+"/messages?include_claimed=true&limit=1", &msgs)
	require.Len(t, msgs.Messages, 1)
	body := msgs.Messages[0].Body
	assert.Len(t, body, 300, "%.40s…: a body of -body-size bytes", body)
	stamp, err := parseStamp(body)
	require.NoError(t, err)
	assert.Equal(t, int64(unstamped), stamp, "the held messages are the fill's")

	srv.getAs(t, httpProject, "/v2/queues", &list)
	assert.Empty(t, list.Queues, "nothing in the default project")
}

func TestBenchZaqarEngineToken(t *testing.T) {
	srv := newZaqarServer(t, "s3cret")
	_, _, err := bench(t, "-engine", zaqarEnginePrefix+srv.URL, "-token", "wrong", "-messages", "10")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "401")
}

// TestBenchZaqarEngineBenchstat: the benchmark lines keep the Zaqar
// engine apart from the lean driver of the same server.
func TestBenchZaqarEngineBenchstat(t *testing.T) {
	srv := newZaqarServer(t, "")
	out, errOut, err := bench(t, "-engine", zaqarEnginePrefix+srv.URL, "-messages", "20", "-format", "benchstat")
	require.NoError(t, err, "stderr: %s", errOut)
	assert.Contains(t, out, "BenchmarkBench/engine=zaqar+http/producers=1/")
}
