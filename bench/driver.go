package bench

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
// adds few allocations of its own to the ones measured.
type driver interface {
	newProducer() producer
	newConsumer() consumer
	close()
}

type producer interface {
	// post posts, in one call, one message per stamp, each with the body
	// appendBody writes for its stamp.
	post(ctx context.Context, stamps []int64) error
}

type consumer interface {
	// claim claims up to limit messages for ttl, blocking until at least
	// one is claimable or ctx ends. The result is valid until the next
	// call. waited reports that the queue was found empty first, so that
	// the call's duration includes a wait for messages.
	claim(ctx context.Context, limit int, ttl time.Duration) (ds []delivery, waited bool, err error)
	// delete deletes a claimed message with its claim. It returns errLost
	// when the claim no longer holds the message (it expired, and perhaps
	// another consumer has it now).
	delete(ctx context.Context, d delivery) error
}

// delivery is a claimed message as a consumer needs it to delete it.
// Each driver fills the fields it uses.
type delivery struct {
	stamp int64            // from the body: when it was due to be sent, or unstamped
	id    claimq.MessageID // in-process
	claim claimq.ClaimID   // in-process
	href  string           // HTTP: the message's href with its claim_id
	msg   string           // engine: the message ID
	lease string           // engine: the claim ID
}

// unstamped marks the messages posted to fill the queue before the
// measurement starts: their latency would measure the filling, not the
// queue.
const unstamped = -1

// errLost reports a delete refused because the message's claim had
// expired: the message went back to the queue and is counted once, when a
// later claim deletes it.
var errLost = errors.New("claim no longer holds the message")

// nextBody appends the body of stamp, written by write (appendBody or
// appendObjectBody), to the batch's slab and returns it as a slice of its
// own. The queue keeps each body, so each batch needs fresh ones; one
// slab per batch, of len(stamps)·size bytes, keeps the harness's share
// of allocs/msg at 1/batch.
func nextBody(slab *[]byte, write func([]byte, int64, int) []byte, stamp int64, size int) []byte {
	start := len(*slab)
	*slab = write(*slab, stamp, size)
	return (*slab)[start:len(*slab):len(*slab)]
}

// inProcess drives a claimq.Queue directly.
type inProcess struct {
	q        *claimq.Queue[[]byte]
	bodySize int
}

// newInProcess returns a driver over a new queue whose limits admit the
// short claim TTLs a benchmark uses and messages that outlive any run.
func newInProcess(bodySize int) *inProcess {
	l := claimq.ZaqarLimits()
	l.MinClaimTTL = time.Second
	l.MinGrace = 0
	return &inProcess{bodySize: bodySize, q: claimq.New(claimq.Options[[]byte]{
		Limits:     l,
		DefaultTTL: l.MaxMessageTTL,
	})}
}

func (d *inProcess) newProducer() producer { return &inProcessProducer{d: d} }
func (d *inProcess) newConsumer() consumer { return &inProcessConsumer{q: d.q} }

func (d *inProcess) close() { d.q.Close() }

type inProcessProducer struct {
	d   *inProcess
	buf []claimq.Post[[]byte]
}

func (p *inProcessProducer) post(_ context.Context, stamps []int64) error {
	p.buf = p.buf[:0]
	slab := make([]byte, 0, len(stamps)*p.d.bodySize)
	for _, s := range stamps {
		p.buf = append(p.buf, claimq.Post[[]byte]{Body: nextBody(&slab, appendBody, s, p.d.bodySize), Delay: claimq.NoDelay})
	}
	_, err := p.d.q.Post(p.buf...)
	return err
}

type inProcessConsumer struct {
	q  *claimq.Queue[[]byte]
	ds []delivery
}

func (c *inProcessConsumer) claim(ctx context.Context, limit int, ttl time.Duration) ([]delivery, bool, error) {
	opts := claimq.ClaimOptions{Limit: limit, TTL: ttl, Grace: claimq.NoGrace}
	cl, err := c.q.Claim(opts)
	waited := err == nil && len(cl.Messages) == 0
	if waited {
		// Claim first so that the common case is timed alone; ClaimWait
		// only when the queue ran dry, to block rather than spin.
		cl, err = c.q.ClaimWait(ctx, opts)
	}
	if err != nil {
		return nil, waited, err
	}
	c.ds = c.ds[:0]
	for _, m := range cl.Messages {
		stamp, err := parseStamp(m.Body)
		if err != nil {
			return nil, waited, err
		}
		c.ds = append(c.ds, delivery{stamp: stamp, id: m.ID, claim: cl.ID})
	}
	return c.ds, waited, nil
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
