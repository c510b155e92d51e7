package zaqarengine

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"sync"
	"time"

	"github.com/claimq/claimq"
	"github.com/claimq/claimq/zaqar"
	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack/messaging/v2/claims"
	"github.com/gophercloud/gophercloud/v2/openstack/messaging/v2/messages"
)

// Zaqar's fixed limits (zaqar/transport/validation.py): the engine
// refuses what a Zaqar server would refuse, with a clearer error.
const (
	minClaimTTL  = 60 * time.Second
	minGrace     = 60 * time.Second
	maxClaimTTL  = 12 * time.Hour
	maxClaimSize = 20 // max_messages_per_claim_or_pop
)

// Options configures an [Engine]. The zero Options works against a Zaqar
// with Keystone on real time.
type Options struct {
	// Project, when not empty, is sent as X-Project-Id with every request,
	// which a Zaqar without Keystone requires; gophercloud never sends it
	// on its own.
	Project string
	// Clock is the time the engine measures waits and back-off on, and
	// stamps leases with; nil means claimq.SystemClock. Against a server
	// on a claimq.FakeClock (zaqar.Options.FakeClock) pass the same
	// clock, so that moving it drives both.
	Clock claimq.Clock
	// PollMin and PollMax bound the back-off between the claims a Claim
	// with a Wait makes while the queue is empty: the first retry comes
	// after PollMin, each next after twice the last, at most PollMax.
	// Zero means 100 ms and 2 s.
	PollMin, PollMax time.Duration
}

// Engine is the [claimq.Engine] of one Zaqar queue, over gophercloud's
// messaging v2 client. It is safe for concurrent use. Every method makes
// one HTTP request per call unless its documentation says otherwise.
//
// Bodies travel as JSON: T must encode to a JSON object (gophercloud
// carries message bodies as objects), and a delivered body is the JSON
// the server returned, decoded into T.
//
// Where Zaqar differs from the in-process engine, see [Engine.Capabilities]
// and the package documentation.
type Engine[T any] struct {
	sc      *gophercloud.ServiceClient
	queue   string
	clock   claimq.Clock
	pollMin time.Duration
	pollMax time.Duration

	mu        sync.Mutex             // guards the fields below
	retries   map[string]*retryState // claims with messages handed back by Retry
	retryScan int                    // len(retries) after the last scan for ended claims
}

var _ claimq.Engine[struct{}] = (*Engine[struct{}])(nil)

// queueName is Zaqar's rule for queue names (validation.py).
var queueName = regexp.MustCompile(`^[a-zA-Z0-9_\-.]{1,64}$`)

// New returns the engine of queue on the Zaqar that sc speaks to (see
// [NewClient] for a server without Keystone). It makes no request: Zaqar
// creates a queue on its first post. sc is not modified; with
// opts.Project the engine works on [WithProject]'s copy.
//
// Errors: claimq.ErrInvalid for a nil client or a queue name Zaqar would
// refuse.
func New[T any](sc *gophercloud.ServiceClient, queue string, opts Options) (*Engine[T], error) {
	if sc == nil {
		return nil, fmt.Errorf("zaqarengine: nil service client: %w", claimq.ErrInvalid)
	}
	if !queueName.MatchString(queue) {
		return nil, fmt.Errorf("zaqarengine: queue name %q: want 1 to 64 of [a-zA-Z0-9_-.]: %w", queue, claimq.ErrInvalid)
	}
	sc = WithProject(sc, opts.Project)
	e := &Engine[T]{sc: sc, queue: queue, clock: opts.Clock, pollMin: opts.PollMin, pollMax: opts.PollMax}
	if e.clock == nil {
		e.clock = claimq.SystemClock{}
	}
	if e.pollMin <= 0 {
		e.pollMin = 100 * time.Millisecond
	}
	if e.pollMax <= 0 {
		e.pollMax = 2 * time.Second
	}
	e.pollMax = max(e.pollMax, e.pollMin)
	return e, nil
}

// Capabilities reports Zaqar's guarantees: no server-side wait (Claim
// polls), no delivery count, Retry approximated (see [Engine.Retry]),
// not fenced (a delete with an expired claim succeeds once the message is
// gone, and on a MongoDB store even while it waits for a new claim),
// dead-lettering by the server when the queue's metadata sets
// _max_claim_count and _dead_letter_queue, messages that expire by
// themselves, claim TTL and grace of at least 60 s, times in whole
// seconds.
func (e *Engine[T]) Capabilities() claimq.Capabilities {
	return claimq.Capabilities{
		DeadLetter:  true,
		MessageTTL:  true,
		MinClaimTTL: minClaimTTL,
		MinGrace:    minGrace,
		Precision:   time.Second,
	}
}

// Clock returns Options.Clock, or the system clock.
func (e *Engine[T]) Clock() claimq.Clock { return e.clock }

// Queue returns the name of the engine's queue.
func (e *Engine[T]) Queue() string { return e.queue }

// Post posts msgs in one request, all or none as the server does (Zaqar's
// Redis store indexes a post at once; its MongoDB store may show part of
// it early), and returns their IDs in input order. TTL and Delay are sent
// in whole seconds, rounded up; zero takes the queue's default, and
// claimq.NoDelay sends a delay of 0. Zaqar honours a message's Delay only
// in a queue whose _default_message_delay is set. ClientID is not sent
// per message: Zaqar records the Client-ID of the service client.
//
// Errors: claimq.ErrInvalid when a body does not encode to a JSON object,
// for a negative TTL or Delay (but NoDelay), or when the server refuses
// the post (400: a TTL or delay out of its range, a post over its size
// limit).
func (e *Engine[T]) Post(ctx context.Context, msgs ...claimq.Post[T]) ([]string, error) {
	if len(msgs) == 0 {
		return nil, nil
	}
	batch := make(postBatch, len(msgs))
	for i, m := range msgs {
		body, err := encodeBody(m.Body)
		if err != nil {
			return nil, fmt.Errorf("zaqarengine: post message %d: %w", i, err)
		}
		if m.TTL < 0 || (m.Delay < 0 && m.Delay != claimq.NoDelay) {
			return nil, fmt.Errorf("zaqarengine: post message %d: negative TTL or delay: %w", i, claimq.ErrInvalid)
		}
		batch[i] = map[string]any{"body": body}
		if m.TTL > 0 {
			batch[i]["ttl"] = seconds(m.TTL)
		}
		switch {
		case m.Delay > 0:
			batch[i]["delay"] = seconds(m.Delay)
		case m.Delay == claimq.NoDelay:
			batch[i]["delay"] = 0
		}
	}
	res, err := messages.Create(ctx, e.sc, e.queue, batch).Extract()
	if err != nil {
		if gophercloud.ResponseCodeIs(err, 400) {
			return nil, fmt.Errorf("zaqarengine: post: %w: %w", claimq.ErrInvalid, err)
		}
		return nil, fmt.Errorf("zaqarengine: post: %w", err)
	}
	if len(res.Resources) != len(msgs) {
		return nil, fmt.Errorf("zaqarengine: post of %d messages returned %d resources", len(msgs), len(res.Resources))
	}
	ids := make([]string, len(res.Resources))
	for i, href := range res.Resources {
		ref, err := zaqar.ParseHref(href)
		if err == nil && ref.Message == "" {
			err = fmt.Errorf("posted message href %q has no message ID", href)
		}
		if err != nil {
			return nil, fmt.Errorf("zaqarengine: post: %w", err)
		}
		ids[i] = ref.Message
	}
	return ids, nil
}

// Claim claims up to req.Limit messages (at most 20, Zaqar's bound) for
// req.TTL with req.Grace, both in whole seconds rounded up. A zero Grace
// takes the server's default (60 s), since Zaqar accepts no grace below
// 60 s. Zaqar cannot wait on the server, so with req.Wait the engine
// claims again after a back-off (Options.PollMin doubling to PollMax,
// timed on the engine's Clock) until a claim returns messages or Wait has
// passed: each empty poll is one request. ClientID is not sent: Zaqar
// records the service client's Client-ID. Delivery.Attempt is 0 (Zaqar
// does not report it); Delivery.Created is derived from the message's age,
// to the second.
//
// Errors: claimq.ErrInvalid for a Limit below 1, a TTL or non-zero Grace
// below 60 s, a negative Wait, or a claim the server refuses (400);
// ctx's error when it ends while waiting; one naming the message when a
// claimed body does not decode into T or its href does not parse, after
// the claim has been released so that its messages are not held for
// nothing.
func (e *Engine[T]) Claim(ctx context.Context, req claimq.ClaimRequest) (claimq.Lease[T], error) {
	switch {
	case req.Limit < 1:
		return claimq.Lease[T]{}, fmt.Errorf("zaqarengine: claim limit %d: want at least 1: %w", req.Limit, claimq.ErrInvalid)
	case req.TTL < minClaimTTL:
		return claimq.Lease[T]{}, fmt.Errorf("zaqarengine: claim TTL %v: Zaqar wants at least %v: %w", req.TTL, minClaimTTL, claimq.ErrInvalid)
	case req.Grace != 0 && req.Grace < minGrace:
		return claimq.Lease[T]{}, fmt.Errorf("zaqarengine: claim grace %v: Zaqar wants 0 (its default) or at least %v: %w", req.Grace, minGrace, claimq.ErrInvalid)
	case req.Wait < 0:
		return claimq.Lease[T]{}, fmt.Errorf("zaqarengine: negative claim wait %v: %w", req.Wait, claimq.ErrInvalid)
	}
	opts := claims.CreateOpts{TTL: seconds(req.TTL), Grace: seconds(req.Grace), Limit: min(req.Limit, maxClaimSize)}
	deadline := e.clock.Now().Add(req.Wait)
	backoff := e.pollMin
	for {
		now := e.clock.Now()
		l, err := e.claimOnce(ctx, opts, now)
		if err != nil || len(l.Messages) > 0 {
			return l, err
		}
		left := deadline.Sub(now)
		if left <= 0 {
			return claimq.Lease[T]{}, nil
		}
		if err := e.sleep(ctx, min(backoff, left)); err != nil {
			return claimq.Lease[T]{}, err
		}
		backoff = min(2*backoff, e.pollMax)
	}
}

// claimed is a message of a claim as Zaqar sends it; the body stays raw so
// that numbers reach T exactly.
type claimed struct {
	Href string          `json:"href"`
	Age  float64         `json:"age"`
	Body json.RawMessage `json:"body"`
}

// claimOnce makes one claim request at time now.
func (e *Engine[T]) claimOnce(ctx context.Context, opts claims.CreateOpts, now time.Time) (claimq.Lease[T], error) {
	var res struct {
		Messages []claimed `json:"messages"`
	}
	if err := claims.Create(ctx, e.sc, e.queue, opts).ExtractInto(&res); err != nil {
		if gophercloud.ResponseCodeIs(err, 400) {
			return claimq.Lease[T]{}, fmt.Errorf("zaqarengine: claim: %w: %w", claimq.ErrInvalid, err)
		}
		return claimq.Lease[T]{}, fmt.Errorf("zaqarengine: claim: %w", err)
	}
	if len(res.Messages) == 0 {
		return claimq.Lease[T]{}, nil
	}
	l := claimq.Lease[T]{
		Expires:  now.Add(time.Duration(opts.TTL) * time.Second),
		Messages: make([]claimq.Delivery[T], len(res.Messages)),
	}
	for i, m := range res.Messages {
		ref, err := zaqar.ParseHref(m.Href)
		if err == nil && (ref.Message == "" || ref.Claim == "") {
			err = fmt.Errorf("claimed message href %q lacks a message ID or claim_id", m.Href)
		}
		if err != nil {
			return claimq.Lease[T]{}, e.abandon(ctx, l.ID, fmt.Errorf("zaqarengine: claim: %w", err))
		}
		if l.ID == "" {
			l.ID = ref.Claim
		}
		d := &l.Messages[i]
		d.ID = ref.Message
		d.Created = now.Add(-time.Duration(m.Age * float64(time.Second))).Truncate(time.Second)
		if err := json.Unmarshal(m.Body, &d.Body); err != nil {
			return claimq.Lease[T]{}, e.abandon(ctx, l.ID, fmt.Errorf("zaqarengine: claim: message %s: body does not decode into %T: %w", d.ID, d.Body, err))
		}
	}
	return l, nil
}

// abandon releases a claim the engine cannot hand out, so that its
// messages are not held for a TTL with nobody working on them (each such
// claim still counts for the server's dead-lettering), and returns err.
func (e *Engine[T]) abandon(ctx context.Context, claim string, err error) error {
	if claim != "" {
		_ = e.release(context.WithoutCancel(ctx), claim)
	}
	return err
}

// sleep waits d on the engine's clock, so that a FakeClock drives polls.
func (e *Engine[T]) sleep(ctx context.Context, d time.Duration) error {
	fired := make(chan struct{})
	t := e.clock.AfterFunc(d, func() { close(fired) })
	select {
	case <-fired:
		return nil
	case <-ctx.Done():
		t.Stop()
		return ctx.Err()
	}
}

// Renew restarts the claim with ttl and grace, in whole seconds rounded
// up, counted from now; unlike a claim, a renewal may have no grace.
//
// Errors: claimq.ErrInvalid for a ttl below 60 s or a negative grace;
// claimq.ErrClaimExpired (also matching claimq.ErrClaimNotFound) when
// the server no longer knows the claim (404: Zaqar cannot tell an expired
// claim from one it never issued, and an engine only renews claims it
// issued), or answers 503, as Zaqar 15's Redis store does for an expired
// claim.
func (e *Engine[T]) Renew(ctx context.Context, claim string, ttl, grace time.Duration) error {
	if ttl < minClaimTTL {
		return fmt.Errorf("zaqarengine: renew TTL %v: Zaqar wants at least %v: %w", ttl, minClaimTTL, claimq.ErrInvalid)
	}
	if grace < 0 {
		return fmt.Errorf("zaqarengine: negative renew grace %v: %w", grace, claimq.ErrInvalid)
	}
	if err := e.renew(ctx, claim, ttl, grace); err != nil {
		return err
	}
	e.touchRetry(claim, e.clock.Now().Add(ttl))
	return nil
}

func (e *Engine[T]) renew(ctx context.Context, claim string, ttl, grace time.Duration) error {
	err := claims.Update(ctx, e.sc, e.queue, claim, renewal{ttl: seconds(ttl), grace: seconds(grace)}).ExtractErr()
	switch {
	case err == nil:
		return nil
	case gophercloud.ResponseCodeIs(err, 400):
		return fmt.Errorf("zaqarengine: renew claim %s: %w: %w", claim, claimq.ErrInvalid, err)
	case gophercloud.ResponseCodeIs(err, 404), gophercloud.ResponseCodeIs(err, 503):
		return fmt.Errorf("zaqarengine: renew claim %s: %w: %w", claim, errClaimEnded, err)
	default:
		return fmt.Errorf("zaqarengine: renew claim %s: %w", claim, err)
	}
}

// renewal is the body of a claim update. gophercloud's UpdateOpts leaves
// out a zero grace, which Zaqar then reads as its default of 60 s; Zaqar
// takes any grace on an update, so this one always sends it.
type renewal struct{ ttl, grace int }

// ToClaimUpdateMap makes renewal a claims.UpdateOptsBuilder.
func (r renewal) ToClaimUpdateMap() (map[string]any, error) {
	return map[string]any{"ttl": r.ttl, "grace": r.grace}, nil
}

// errClaimEnded is how the engine reports a claim the server no longer
// holds: expired as far as the caller can know.
var errClaimEnded = fmt.Errorf("%w: %w", claimq.ErrClaimNotFound, claimq.ErrClaimExpired)

// Delete deletes each message with the claim, one request per message
// (Zaqar's bulk delete does not check claims), and, when the claim has
// messages handed back by Retry, one more to learn what it still holds.
// The errors of the messages that could not be deleted are joined; the
// others are deleted all the same. Per message:
//
//   - claimq.ErrClaimExpired when the server says the claim does not hold
//     the message any more (400: expired or released), or answers 503,
//     as Zaqar 15's Redis store does for an expired claim;
//   - claimq.ErrClaimedByOther when another claim holds it (403), which
//     Zaqar 15's Redis store also answers when a later claim overlapped a
//     live one; it also matches claimq.ErrClaimExpired when a second
//     request finds this claim ended.
//
// A message already deleted (by another worker after this claim expired,
// say) is not an error: Zaqar answers 204 whether it deleted it or not.
func (e *Engine[T]) Delete(ctx context.Context, claim string, ids ...string) error {
	var errs []error
	for _, id := range ids {
		if err := e.deleteOne(ctx, claim, id); err != nil {
			errs = append(errs, err)
		}
	}
	if err := e.afterDelete(ctx, claim); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

func (e *Engine[T]) deleteOne(ctx context.Context, claim, id string) error {
	err := messages.Delete(ctx, e.sc, e.queue, id, messages.DeleteOpts{ClaimID: claim}).ExtractErr()
	switch {
	case err == nil:
		return nil
	case gophercloud.ResponseCodeIs(err, 400), gophercloud.ResponseCodeIs(err, 503):
		return fmt.Errorf("zaqarengine: delete message %s with claim %s: %w: %w", id, claim, claimq.ErrClaimExpired, err)
	case gophercloud.ResponseCodeIs(err, 403):
		if _, gerr := e.held(ctx, claim); errors.Is(gerr, claimq.ErrClaimExpired) {
			return fmt.Errorf("zaqarengine: delete message %s with claim %s: %w: %w: %w", id, claim, claimq.ErrClaimedByOther, claimq.ErrClaimExpired, err)
		}
		return fmt.Errorf("zaqarengine: delete message %s with claim %s: %w: %w", id, claim, claimq.ErrClaimedByOther, err)
	default:
		return fmt.Errorf("zaqarengine: delete message %s with claim %s: %w", id, claim, err)
	}
}

// held returns the IDs of the messages the live claim holds.
// Errors: errClaimEnded when the server does not know the claim (404) or
// answers 503.
func (e *Engine[T]) held(ctx context.Context, claim string) ([]string, error) {
	var res struct {
		TTL      int       `json:"ttl"`
		Messages []claimed `json:"messages"`
	}
	err := claims.Get(ctx, e.sc, e.queue, claim).ExtractInto(&res)
	switch {
	case gophercloud.ResponseCodeIs(err, 404), gophercloud.ResponseCodeIs(err, 503):
		return nil, fmt.Errorf("zaqarengine: claim %s: %w: %w", claim, errClaimEnded, err)
	case err != nil:
		return nil, fmt.Errorf("zaqarengine: get claim %s: %w", claim, err)
	}
	ids := make([]string, 0, len(res.Messages))
	for _, m := range res.Messages {
		ref, err := zaqar.ParseHref(m.Href)
		if err == nil && ref.Message == "" {
			err = fmt.Errorf("claimed message href %q has no message ID", m.Href)
		}
		if err != nil {
			return nil, fmt.Errorf("zaqarengine: get claim %s: %w", claim, err)
		}
		ids = append(ids, ref.Message)
	}
	return ids, nil
}

// Release ends the claim: its messages are claimable at once. When Retry
// handed some of them back, those wait out their delay (see
// [Engine.Retry]). Releasing a claim the server no longer holds is not an
// error; a 503 is taken for that too, as Zaqar 15's Redis store answers it
// for an expired claim (and a claim the server failed to release expires
// by itself).
func (e *Engine[T]) Release(ctx context.Context, claim string) error {
	if st := e.retryOf(claim); st != nil {
		return e.park(ctx, claim, st)
	}
	return e.release(ctx, claim)
}

func (e *Engine[T]) release(ctx context.Context, claim string) error {
	err := claims.Delete(ctx, e.sc, e.queue, claim).ExtractErr()
	if err == nil || gophercloud.ResponseCodeIs(err, 404) || gophercloud.ResponseCodeIs(err, 503) {
		return nil
	}
	return fmt.Errorf("zaqarengine: release claim %s: %w", claim, err)
}

// postBatch is the body of a post. gophercloud's own BatchCreateOpts
// takes bodies as maps and turns them into JSON through float64, which
// rounds integers beyond 53 bits; this one carries each body as the JSON
// that T encodes to.
type postBatch []map[string]any

// ToMessageCreateMap makes postBatch a messages.CreateOptsBuilder.
func (b postBatch) ToMessageCreateMap() (map[string]any, error) {
	return map[string]any{"messages": []map[string]any(b)}, nil
}

// encodeBody returns the JSON of body, which must be an object.
func encodeBody[T any](body T) (json.RawMessage, error) {
	raw, err := json.Marshal(body)
	if err != nil {
		return nil, fmt.Errorf("body: %w: %w", claimq.ErrInvalid, err)
	}
	if raw = bytes.TrimSpace(raw); len(raw) == 0 || raw[0] != '{' {
		return nil, fmt.Errorf("body %T encodes to %.20s, not a JSON object: %w", body, raw, claimq.ErrInvalid)
	}
	return raw, nil
}

// seconds rounds d up to whole seconds, Zaqar's unit.
func seconds(d time.Duration) int {
	return int((d + time.Second - 1) / time.Second)
}
