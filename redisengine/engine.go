package redisengine

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/claimq/claimq"
	"github.com/redis/go-redis/v9"
)

// Options configures an [Engine]. Client and Queue are required; every
// other zero field means the default given beside it.
type Options[T any] struct {
	// Client is the connection pool to a standalone Redis server, 6.2 or
	// later (the scripts use ZMSCORE and ZRANGE BYSCORE; the tests run on
	// 7.0). Each Claim that waits holds one of its connections for the
	// wait: size the pool above the number of claims waiting at once.
	Client *redis.Client
	// Queue names the queue; its keys are "claimq:{Queue}:…", so that a
	// queue's keys share one hash slot.
	Queue string
	// Clock is the time every deadline is measured on (nil: the system
	// clock). All engines of a queue must read the same time: engines in
	// several processes need synchronised system clocks, since Redis's
	// own clock is never read.
	Clock claimq.Clock
	// Codec encodes bodies (nil: [Bytes] when T is []byte, else [JSON]).
	Codec Codec[T]
	// DefaultTTL is the TTL of a message posted without one (0: 3600 s).
	DefaultTTL time.Duration
	// DefaultDelay is the delay of a message posted without one (0: none).
	DefaultDelay time.Duration
	// MaxClaimCount > 0 moves a message delivered this many times to the
	// DeadLetter queue on its next claim, instead of delivering it again.
	MaxClaimCount int
	// DeadLetter names the queue dead-lettered messages are posted to,
	// as Queue names this one; required when MaxClaimCount > 0, so that
	// no message is dropped silently. An Engine of that queue reads it
	// (and applies its DeadLetterTTL, as any call of an engine applies
	// its queue's deadlines).
	DeadLetter string
	// DeadLetterTTL is the TTL of a dead-lettered message (0: the rest of
	// its own).
	DeadLetterTTL time.Duration
	// WaitSlice bounds how long a waiting Claim blocks before it looks
	// again, on Clock (0: 1 s). Posts, releases and retries end a wait at
	// once wherever they come from; the slice covers what no event
	// announces: a claim made after the wait began that expires, a wake
	// lost with a dropped connection.
	WaitSlice time.Duration
}

// MaxLimit is the most messages one claim can take.
const MaxLimit = 1000

// Engine is a [claimq.Engine] over Redis Streams: a queue is a stream read
// by one consumer group, and each claim is a consumer of that group, named
// by the claim's ID, so XPENDING shows who holds what and how often each
// message was delivered. Every operation is one Lua script, given the
// current time of the engine's [claimq.Clock]: claim deadlines, delays and
// message expiry are kept in sorted sets on that time, which makes them
// exact to the millisecond and lets a [claimq.FakeClock] drive a real
// server. Only waiting uses the server's time: Claim blocks in XREADGROUP,
// woken by a post, a release or a retry, or by the engine at the
// deadlines it knows.
//
// An Engine is safe for concurrent use. Several engines, in one process or
// many, may serve one queue. The zero value is not usable: use [New].
type Engine[T any] struct {
	client    *redis.Client
	keys      []string // as common.lua lists them
	clock     claimq.Clock
	codec     Codec[T]
	ttl       int64 // ms, DefaultTTL
	delay     int64 // ms, DefaultDelay
	maxClaims int
	deadTTL   int64 // ms
	slice     int64 // ms, WaitSlice
	caps      claimq.Capabilities
	last      atomic.Int64 // latest now handed to a script, so that time never runs back

	mu      sync.Mutex // guards the fields below
	closed  bool
	waiters map[waiter]struct{}

	subMu sync.Mutex    // guards sub; held while it is opened
	sub   *redis.PubSub // the wake channel's subscription, opened by the first wait
}

// New returns an engine for opts.Queue, creating the stream and its
// consumer group if they do not exist (messages already in the stream
// become claimable). It fails with an error matching [claimq.ErrInvalid]
// for bad options, or with the server's error. Cost: one round trip.
func New[T any](ctx context.Context, opts Options[T]) (*Engine[T], error) {
	switch {
	case opts.Client == nil:
		return nil, fmt.Errorf("redisengine: %w: no Client", claimq.ErrInvalid)
	case opts.Queue == "":
		return nil, fmt.Errorf("redisengine: %w: no Queue", claimq.ErrInvalid)
	case opts.MaxClaimCount < 0:
		return nil, fmt.Errorf("redisengine: %w: MaxClaimCount %d < 0", claimq.ErrInvalid, opts.MaxClaimCount)
	case opts.MaxClaimCount > 0 && opts.DeadLetter == "":
		return nil, fmt.Errorf("redisengine: %w: MaxClaimCount without DeadLetter", claimq.ErrInvalid)
	case opts.DeadLetter == opts.Queue:
		return nil, fmt.Errorf("redisengine: %w: DeadLetter is the queue itself", claimq.ErrInvalid)
	}
	for _, d := range []struct {
		field string
		v     time.Duration
	}{{"default TTL", opts.DefaultTTL}, {"default delay", opts.DefaultDelay}, {"dead-letter TTL", opts.DeadLetterTTL}, {"wait slice", opts.WaitSlice}} {
		if d.v < 0 {
			return nil, &claimq.LimitError{Field: d.field, Value: int64(d.v), Min: 0, Max: int64(maxDuration), Duration: true}
		}
	}
	e := &Engine[T]{
		client:    opts.Client,
		keys:      queueKeys(opts.Queue, opts.DeadLetter),
		clock:     opts.Clock,
		codec:     opts.Codec,
		ttl:       millis(opts.DefaultTTL),
		delay:     millis(opts.DefaultDelay),
		maxClaims: opts.MaxClaimCount,
		deadTTL:   millis(opts.DeadLetterTTL),
		slice:     millis(opts.WaitSlice),
		waiters:   make(map[waiter]struct{}),
	}
	if e.clock == nil {
		e.clock = claimq.SystemClock{}
	}
	if e.codec == nil {
		e.codec = defaultCodec[T]()
	}
	if e.ttl == 0 {
		e.ttl = 3600_000
	}
	if e.slice == 0 {
		e.slice = 1000
	}
	e.caps = claimq.Capabilities{
		Wait:       true,
		Attempts:   true,
		Retry:      true,
		Fenced:     true,
		DeadLetter: opts.MaxClaimCount > 0,
		MessageTTL: true,
		Precision:  time.Millisecond,
	}
	err := e.client.XGroupCreateMkStream(ctx, e.keys[0], group, "0").Err()
	if err != nil && !isBusyGroup(err) {
		return nil, fmt.Errorf("redisengine: creating the group of %s: %w", opts.Queue, err)
	}
	return e, nil
}

// maxDuration bounds durations so that ms arithmetic in the scripts stays
// exact in a Lua number (a double): 100 years.
const maxDuration = 100 * 365 * 24 * time.Hour

func isBusyGroup(err error) bool {
	var re redis.Error
	return errors.As(err, &re) && strings.HasPrefix(re.Error(), "BUSYGROUP")
}

// queueKeys returns the keys of queue in the order common.lua reads them.
func queueKeys(queue, deadLetter string) []string {
	p := "claimq:{" + queue + "}:"
	keys := []string{p + "s", p + "c", p + "d", p + "x", p + "n", p + "s", p + "x"}
	if deadLetter != "" {
		dp := "claimq:{" + deadLetter + "}:"
		keys[5], keys[6] = dp+"s", dp+"x"
	}
	return keys
}

// Stream returns the key of the queue's stream, for inspection with
// XINFO, XLEN, XPENDING (group "claimq").
func (e *Engine[T]) Stream() string { return e.keys[0] }

// Capabilities reports every guarantee of [claimq.Capabilities] except
// DeadLetter when Options.MaxClaimCount is 0; times are kept in
// milliseconds and any positive TTL or grace is accepted (rounded up to
// the millisecond). What the flags leave out is in the package
// documentation: dead-lettered messages get new IDs, cleanup is bounded
// per call.
func (e *Engine[T]) Capabilities() claimq.Capabilities { return e.caps }

// Clock returns Options.Clock, or the system clock.
func (e *Engine[T]) Clock() claimq.Clock { return e.clock }

// Close makes every later call fail with [claimq.ErrClosed], ends the
// waits of claims in progress and closes the engine's subscription to its
// wake channel, if a wait opened it. It does not close the Client, which
// the caller owns. Close is idempotent.
func (e *Engine[T]) Close() error {
	e.mu.Lock()
	e.closed = true
	e.wakeLocked()
	e.mu.Unlock()

	e.subMu.Lock()
	defer e.subMu.Unlock()
	if e.sub == nil {
		return nil
	}
	err := e.sub.Close()
	e.sub = nil
	return err
}

func (e *Engine[T]) checkOpen() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return claimq.ErrClosed
	}
	return nil
}

// now reads the clock once for an operation, in ms, never earlier than a
// time already handed to a script by this engine.
func (e *Engine[T]) now() int64 {
	t := e.clock.Now().UnixMilli()
	for {
		last := e.last.Load()
		if t <= last {
			return last
		}
		if e.last.CompareAndSwap(last, t) {
			return t
		}
	}
}

// millis rounds d up to whole milliseconds, the engine's precision.
func millis(d time.Duration) int64 {
	return int64((d + time.Millisecond - 1) / time.Millisecond)
}

// Post adds msgs at the tail of the stream, all or none (one script), and
// returns their stream IDs in input order. A zero TTL or Delay takes the
// Options' default; [claimq.NoDelay] means none. Post.ClientID is not
// stored. Errors: [claimq.ErrInvalid] (a *[claimq.LimitError]) for a
// negative TTL or delay, the codec's error, [claimq.ErrClosed], or the
// server's. Cost: one round trip; O(log n) on the server per message.
func (e *Engine[T]) Post(ctx context.Context, msgs ...claimq.Post[T]) ([]string, error) {
	if err := e.checkOpen(); err != nil {
		return nil, err
	}
	if len(msgs) == 0 {
		return nil, nil
	}
	args := make([]any, 1, 1+3*len(msgs))
	for _, m := range msgs {
		if m.TTL < 0 || m.TTL > maxDuration {
			return nil, &claimq.LimitError{Field: "ttl", Value: int64(m.TTL), Min: 1, Max: int64(maxDuration), Duration: true}
		}
		if (m.Delay < 0 && m.Delay != claimq.NoDelay) || m.Delay > maxDuration {
			return nil, &claimq.LimitError{Field: "delay", Value: int64(m.Delay), Min: 0, Max: int64(maxDuration), Duration: true}
		}
		b, err := e.codec.Encode(m.Body)
		if err != nil {
			return nil, fmt.Errorf("redisengine: encoding a body: %w", err)
		}
		ttl, delay := millis(m.TTL), millis(m.Delay)
		if ttl == 0 {
			ttl = e.ttl
		}
		switch m.Delay {
		case 0:
			delay = e.delay
		case claimq.NoDelay:
			delay = 0
		}
		args = append(args, b, ttl, delay)
	}
	args[0] = e.now()
	ids, err := postScript.Run(ctx, e.client, e.keys, args...).StringSlice()
	if err != nil {
		return nil, fmt.Errorf("redisengine: post: %w", err)
	}
	return ids, nil
}

// Renew restarts the live claim with ttl counted from now and re-applies
// the lifetime extension with grace; it resets the idle time XPENDING
// shows. Errors: [claimq.ErrClaimExpired] when the claim is no longer
// live (expired, released or emptied by deletes), [claimq.ErrClaimNotFound]
// for an ID this queue never issued, [claimq.ErrInvalid] for a TTL or
// grace out of range. Cost: one round trip; O(k log n) for k held messages.
func (e *Engine[T]) Renew(ctx context.Context, claim string, ttl, grace time.Duration) error {
	if err := e.checkOpen(); err != nil {
		return err
	}
	if err := checkTTL(ttl, grace); err != nil {
		return err
	}
	seq, err := parseClaim(claim)
	if err != nil {
		return err
	}
	code, err := renewScript.Run(ctx, e.client, e.keys, e.now(), claim, seq, millis(ttl), millis(grace)).Int()
	if err != nil {
		return fmt.Errorf("redisengine: renew: %w", err)
	}
	return claimError(claim, code)
}

// Delete acknowledges and removes (XACK, XDEL) the messages the live
// claim holds; the check and the removal are one script, so a claim that
// has expired can never delete (the engine is fenced). A claim emptied by
// its deletes ends. Each ID not deleted is reported, joined with
// [errors.Join]: [claimq.ErrClaimExpired] (with [claimq.ErrNotClaimed],
// or [claimq.ErrClaimedByOther] when another live claim has taken the
// message) when the claim is no longer live; [claimq.ErrNotClaimed],
// [claimq.ErrClaimedByOther] or [claimq.ErrMessageNotFound] when it is
// live but does not hold the message; [claimq.ErrInvalid] for a malformed
// ID. [claimq.ErrClaimNotFound] alone for a claim never issued. Cost: one
// round trip; O(log n) per ID.
func (e *Engine[T]) Delete(ctx context.Context, claim string, ids ...string) error {
	return e.perMessage(ctx, deleteScript, "delete", claim, nil, ids)
}

// Retry hands the listed messages of the live claim back, claimable once
// delay has passed on the engine's clock (exactly: a delay's end is a
// deadline like any other), and keeps the rest held. The delivery already
// made counts: the next one reports Attempt+1. A claim emptied by Retry
// ends. Errors as for [Engine.Delete], and [claimq.ErrInvalid] for a
// negative delay. Cost: one round trip; O(log n) per ID.
func (e *Engine[T]) Retry(ctx context.Context, claim string, delay time.Duration, ids ...string) error {
	if delay < 0 || delay > maxDuration {
		return &claimq.LimitError{Field: "delay", Value: int64(delay), Min: 0, Max: int64(maxDuration), Duration: true}
	}
	return e.perMessage(ctx, retryScript, "retry", claim, millis(delay), ids)
}

func (e *Engine[T]) perMessage(ctx context.Context, s *redis.Script, op, claim string, extra any, ids []string) error {
	if err := e.checkOpen(); err != nil {
		return err
	}
	seq, err := parseClaim(claim)
	if err != nil {
		return err
	}
	args := make([]any, 0, 4+len(ids))
	args = append(args, e.now(), claim, seq)
	if extra != nil {
		args = append(args, extra)
	}
	var errs []error
	sent := make([]string, 0, len(ids))
	for _, id := range ids {
		if !validMessageID(id) {
			errs = append(errs, fmt.Errorf("redisengine: message %q: %w", id, claimq.ErrInvalid))
			continue
		}
		sent = append(sent, id)
		args = append(args, id)
	}
	if len(sent) == 0 {
		return errors.Join(errs...)
	}
	codes, err := s.Run(ctx, e.client, e.keys, args...).Int64Slice()
	if err != nil {
		return fmt.Errorf("redisengine: %s: %w", op, err)
	}
	if len(codes) == 1 && codes[0] == statusUnknownClaim {
		return claimError(claim, statusUnknownClaim)
	}
	for i, c := range codes {
		if err := messageError(sent[i], c); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Release ends the claim: its messages are claimable again at once, in
// ID order, with their delivery counts kept. Releasing a claim that is no
// longer live is not an error; an ID never issued is
// [claimq.ErrClaimNotFound]. Cost: one round trip; O(k log n).
func (e *Engine[T]) Release(ctx context.Context, claim string) error {
	if err := e.checkOpen(); err != nil {
		return err
	}
	seq, err := parseClaim(claim)
	if err != nil {
		return err
	}
	code, err := releaseScript.Run(ctx, e.client, e.keys, claim, seq).Int()
	if err != nil {
		return fmt.Errorf("redisengine: release: %w", err)
	}
	return claimError(claim, code)
}

func checkTTL(ttl, grace time.Duration) error {
	if ttl <= 0 || ttl > maxDuration {
		return &claimq.LimitError{Field: "ttl", Value: int64(ttl), Min: 1, Max: int64(maxDuration), Duration: true}
	}
	if grace < 0 || grace > maxDuration {
		return &claimq.LimitError{Field: "grace", Value: int64(grace), Min: 0, Max: int64(maxDuration), Duration: true}
	}
	return nil
}

// Claim IDs are "<seq>-<token>": seq numbers the claims of a queue (the
// scripts tell an ended claim from one never issued by comparing it with
// the counter), and the random token keeps an ID from matching a claim of
// the same number after the queue's keys were deleted.
func newToken() string { return strconv.FormatUint(uint64(rand.Uint32()), 16) }

// parseClaim returns the sequence part of a claim ID.
func parseClaim(claim string) (string, error) {
	for i := 0; i < len(claim); i++ {
		if claim[i] == '-' {
			if i == 0 || i > 19 || !digits(claim[:i]) || !hexDigits(claim[i+1:]) {
				break
			}
			return claim[:i], nil
		}
	}
	return "", fmt.Errorf("redisengine: claim %q: %w", claim, claimq.ErrClaimNotFound)
}

// validMessageID reports whether id has the form of a stream ID, ms-seq,
// so that no script fails on it.
func validMessageID(id string) bool {
	for i := 0; i < len(id); i++ {
		if id[i] == '-' {
			return i > 0 && i <= 20 && len(id)-i-1 <= 20 && digits(id[:i]) && digits(id[i+1:])
		}
	}
	return false
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return len(s) > 0
}

func hexDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if (s[i] < '0' || s[i] > '9') && (s[i] < 'a' || s[i] > 'f') {
			return false
		}
	}
	return len(s) > 0 && len(s) <= 16
}
