package bench

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/claimq/claimq"
)

// engineClaimWait bounds each wait of a consumer that found the queue
// empty; it claims again after it, so that the end of a run is noticed
// by engines whose wait does not follow the context.
const engineClaimWait = time.Second

// engineDriver drives any claimq.Engine whose bodies are bytes ([]byte,
// or json.RawMessage for the Zaqar engine), so that one harness measures
// every engine with the same workload. It deletes message by message, as
// the other drivers do.
type engineDriver[T ~[]byte] struct {
	e        claimq.Engine[T]
	bodySize int
	stop     func() // releases what the engine was opened over; may be nil
	// body writes each body: appendBody, or appendObjectBody for an
	// engine that carries only JSON objects.
	body func(dst []byte, stamp int64, size int) []byte
}

// newEngineDriver returns a driver over e for runs with claims of
// claimTTL and bodies of bodySize; stop, if not nil, is called by close.
// It refuses a claim TTL the engine does not take.
func newEngineDriver[T ~[]byte](e claimq.Engine[T], claimTTL time.Duration, bodySize int, stop func()) (*engineDriver[T], error) {
	if minTTL := e.Capabilities().MinClaimTTL; claimTTL < minTTL {
		return nil, fmt.Errorf("-claim-ttl %v: the engine takes claims of %v or more", claimTTL, minTTL)
	}
	return &engineDriver[T]{e: e, bodySize: bodySize, stop: stop, body: appendBody}, nil
}

func (d *engineDriver[T]) newProducer() producer { return &engineProducer[T]{d: d} }
func (d *engineDriver[T]) newConsumer() consumer { return &engineConsumer[T]{d: d} }

func (d *engineDriver[T]) close() {
	if d.stop != nil {
		d.stop()
	}
}

type engineProducer[T ~[]byte] struct {
	d   *engineDriver[T]
	buf []claimq.Post[T]
}

func (p *engineProducer[T]) post(ctx context.Context, stamps []int64) error {
	p.buf = p.buf[:0]
	slab := make([]byte, 0, len(stamps)*p.d.bodySize)
	for _, s := range stamps {
		p.buf = append(p.buf, claimq.Post[T]{Body: T(nextBody(&slab, p.d.body, s, p.d.bodySize))})
	}
	_, err := p.d.e.Post(ctx, p.buf...)
	return err
}

type engineConsumer[T ~[]byte] struct {
	d  *engineDriver[T]
	ds []delivery
}

func (c *engineConsumer[T]) claim(ctx context.Context, limit int, ttl time.Duration) ([]delivery, bool, error) {
	req := claimq.ClaimRequest{Limit: limit, TTL: ttl}
	waited := false
	for {
		// A claim that does not wait runs to its end even if the phase
		// ends meanwhile, as the HTTP driver's do: a claim the server
		// made and the client dropped would hold its messages for the
		// claim's TTL and shrink the next phase's window. A waiting one
		// follows ctx, or the end of a phase would wait for it.
		cctx := ctx
		if req.Wait == 0 {
			cctx = context.WithoutCancel(ctx)
		}
		lease, err := c.d.e.Claim(cctx, req)
		if err != nil {
			return nil, waited, err
		}
		if len(lease.Messages) > 0 {
			return c.deliveries(lease, waited)
		}
		if err := ctx.Err(); err != nil {
			return nil, waited, err
		}
		// The first call does not wait, so that the common case is
		// timed alone, as with the in-process queue.
		waited, req.Wait = true, engineClaimWait
	}
}

func (c *engineConsumer[T]) deliveries(lease claimq.Lease[T], waited bool) ([]delivery, bool, error) {
	c.ds = c.ds[:0]
	for _, m := range lease.Messages {
		stamp, err := parseStamp(m.Body)
		if err != nil {
			return nil, waited, err
		}
		c.ds = append(c.ds, delivery{stamp: stamp, msg: m.ID, lease: lease.ID})
	}
	return c.ds, waited, nil
}

func (c *engineConsumer[T]) delete(ctx context.Context, d delivery) error {
	err := c.d.e.Delete(ctx, d.lease, d.msg)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, claimq.ErrClaimExpired), errors.Is(err, claimq.ErrClaimedByOther), errors.Is(err, claimq.ErrClaimNotFound):
		return errLost
	default:
		return err
	}
}
