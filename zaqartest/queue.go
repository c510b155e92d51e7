package zaqartest

import (
	"bytes"
	"encoding/json"

	"github.com/claimq/claimq"
)

// Queue is direct access to one queue of a [Server], without the
// network: the queue the API serves, so what a test posts here clients
// claim, and what they do the test sees. Get one with [Server.Queue].
// A Queue names its queue: after a DELETE over HTTP, its next use
// creates the queue again, as a client's post would.
//
// The Assert methods check the queue's state now, as a [Snapshot] shows
// it. Each reports a failure with t.Errorf, so that the test goes on and
// later checks add what they know, and returns whether it passed, as
// testify's assert functions do. A failure names what differs (the IDs
// missing, with the state they are in, and those unexpected) and prints
// the whole queue as a table. Lists of IDs are compared as sets: order
// and repetitions do not matter. Each costs what a Snapshot costs.
type Queue struct {
	s             *Server
	project, name string
}

// Name returns the queue's name.
func (q *Queue) Name() string { return q.name }

// Raw returns the claimq queue behind q, for what the helpers do not
// cover: Claim, Renew, Release, Pending, Stats, and posting with a TTL,
// delay or client ID. Bodies are JSON text; gophercloud expects objects.
// It fails the test if the queue cannot be reached (see zaqar.Handler.Queue).
func (q *Queue) Raw() *claimq.Queue[json.RawMessage] {
	q.s.t.Helper()
	return q.raw()
}

func (q *Queue) raw() *claimq.Queue[json.RawMessage] {
	q.s.t.Helper()
	raw, err := q.s.Handler.Queue(q.project, q.name)
	if err != nil {
		q.s.t.Fatalf("zaqartest: queue %q of project %q: %v", q.name, q.project, err)
	}
	return raw
}

// Post posts one message per body, with the queue's default TTL and
// delay and no client ID, all at once, and returns their IDs in order.
// A body is marshalled to JSON, except a json.RawMessage, which is taken
// as JSON text; gophercloud reads only JSON objects, such as a
// map[string]any or a struct. It fails the test if a body cannot be
// marshalled or the queue refuses the batch (claimq.Queue.Post). Cost:
// marshalling, and O(k·log n) for k bodies.
func (q *Queue) Post(bodies ...any) []claimq.MessageID {
	q.s.t.Helper()
	posts := make([]claimq.Post[json.RawMessage], len(bodies))
	for i, b := range bodies {
		raw, err := marshalBody(b)
		if err != nil {
			q.s.t.Fatalf("zaqartest: Post to %q: body %d: %v", q.name, i, err)
			return nil
		}
		posts[i].Body = raw
	}
	ids, err := q.raw().Post(posts...)
	if err != nil {
		q.s.t.Fatalf("zaqartest: Post to %q: %v", q.name, err)
	}
	return ids
}

// marshalBody returns b as compact JSON text, as the HTTP front stores
// bodies.
func marshalBody(b any) (json.RawMessage, error) {
	raw, ok := b.(json.RawMessage)
	if !ok {
		var err error
		if raw, err = json.Marshal(b); err != nil {
			return nil, err
		}
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, raw); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
