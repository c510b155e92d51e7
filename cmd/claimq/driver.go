package main

import (
	"context"
	"errors"
	"time"

	"github.com/claimq/claimq"
)

// A driver is the system under test as the load generator sees it: a
// queue that producers post batches to and consumers claim batches from,
// deleting each message with its claim. Each worker gets its own producer
// or consumer so that buffers are reused without locks and the harness
// adds no allocations of its own to the ones measured.
type driver interface {
	newProducer() producer
	newConsumer() consumer
	close() error
}

type producer interface {
	// post posts one message per stamp, each carrying its stamp in its
	// body, in one call.
	post(ctx context.Context, stamps []int64) error
}

type consumer interface {
	// claim claims up to limit messages for ttl, blocking until at least
	// one is claimable or ctx ends. The result is valid until the next
	// call. waited reports that the queue was found empty first. took is
	// the duration of the claim call that returned the messages, or -1
	// when that call included the wait, whose length says nothing about
	// the cost of claiming.
	claim(ctx context.Context, limit int, ttl time.Duration) (ds []delivery, took time.Duration, waited bool, err error)
	// delete deletes a claimed message with its claim. It returns errLost
	// when the claim no longer holds the message (it expired, and perhaps
	// another consumer has it now).
	delete(ctx context.Context, d delivery) error
}

// delivery is a claimed message as a consumer needs it to delete it.
// Each driver fills the fields it uses.
type delivery struct {
	stamp int64            // from the body: when it was posted, or unstamped
	id    claimq.MessageID // in-process
	claim claimq.ClaimID   // in-process
	href  string           // HTTP: the message's href with its claim_id
}

// unstamped marks the messages posted to fill the queue before the
// measurement starts: their latency would measure the filling, not the
// queue.
const unstamped = -1

// errLost reports a delete refused because the message's claim had
// expired: the message went back to the queue and is counted once, when a
// later claim deletes it.
var errLost = errors.New("claim no longer holds the message")

// stampBody is the body of the messages of the in-process queue.
type stampBody struct {
	stamp int64 // nanoseconds since the start of the measurement
}

// inProcess drives a claimq.Queue directly.
type inProcess struct {
	q *claimq.Queue[stampBody]
}

// newInProcess returns a driver over a new queue whose limits admit the
// short claim TTLs a benchmark uses and messages that outlive any run.
func newInProcess() *inProcess {
	l := claimq.ZaqarLimits()
	l.MinClaimTTL = time.Second
	l.MinGrace = 0
	return &inProcess{q: claimq.New(claimq.Options[stampBody]{
		Limits:     l,
		DefaultTTL: l.MaxMessageTTL,
	})}
}

func (d *inProcess) newProducer() producer { return &inProcessProducer{q: d.q} }
func (d *inProcess) newConsumer() consumer { return &inProcessConsumer{q: d.q} }
func (d *inProcess) close() error          { d.q.Close(); return nil }

type inProcessProducer struct {
	q   *claimq.Queue[stampBody]
	buf []claimq.Post[stampBody]
}

func (p *inProcessProducer) post(_ context.Context, stamps []int64) error {
	p.buf = p.buf[:0]
	for _, s := range stamps {
		p.buf = append(p.buf, claimq.Post[stampBody]{Body: stampBody{stamp: s}, Delay: claimq.NoDelay})
	}
	_, err := p.q.Post(p.buf...)
	return err
}

type inProcessConsumer struct {
	q  *claimq.Queue[stampBody]
	ds []delivery
}

func (c *inProcessConsumer) claim(ctx context.Context, limit int, ttl time.Duration) ([]delivery, time.Duration, bool, error) {
	opts := claimq.ClaimOptions{Limit: limit, TTL: ttl, Grace: claimq.NoGrace}
	start := time.Now()
	cl, err := c.q.Claim(opts)
	took := time.Since(start)
	waited := err == nil && len(cl.Messages) == 0
	if waited {
		// Claim first so that the common case is timed alone; ClaimWait
		// only when the queue ran dry, to block rather than spin.
		took = -1
		cl, err = c.q.ClaimWait(ctx, opts)
	}
	if err != nil {
		return nil, 0, waited, err
	}
	c.ds = c.ds[:0]
	for _, m := range cl.Messages {
		c.ds = append(c.ds, delivery{stamp: m.Body.stamp, id: m.ID, claim: cl.ID})
	}
	return c.ds, took, waited, nil
}

func (c *inProcessConsumer) delete(_ context.Context, d delivery) error {
	err := c.q.Delete(d.id, d.claim)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, claimq.ErrNotClaimed), errors.Is(err, claimq.ErrClaimedByOther), errors.Is(err, claimq.ErrMessageNotFound):
		return errLost
	default:
		return err
	}
}
