package claimq

import (
	"context"
	"time"
)

// Engine is the contract between a [Worker] and the service that stores its
// messages: the in-process [Queue] through [Local], a Zaqar cluster, Redis
// Streams. It is small on purpose, as a driver interface is: everything a
// worker does beyond these calls (renewal timers, backoff, dead letters,
// shutdown) lives in the worker, once, for every engine.
//
// Message and claim IDs are the engine's own, as strings: a worker only
// passes them back. Every method may talk to a server, so each takes a
// context and may fail with the context's error or a transport error; the
// errors that carry meaning are the package's sentinels, matched with
// [errors.Is]:
//
//   - [ErrClaimExpired]: the claim given is no longer live, so another
//     worker may hold (or have finished) its messages: the race a worker
//     rolls back from. Delete, Renew and Retry report it.
//   - [ErrClaimedByOther]: another live claim holds the message (an engine
//     whose claims can overlap, such as Zaqar's Redis driver, reports it on
//     Delete).
//   - [ErrClaimNotFound]: the engine never issued the claim, or cannot tell
//     an ended claim from one it never issued.
//   - [ErrInvalid]: an argument the engine cannot accept, such as a claim TTL
//     below its [Capabilities].MinClaimTTL.
//   - [ErrClosed]: the engine no longer takes work.
//
// Implementations must be safe for concurrent use. What an engine cannot do
// exactly it says in [Capabilities], never through type switches by its
// callers.
type Engine[T any] interface {
	// Post adds messages at the tail, all or none where the engine can
	// promise it, and returns their IDs in input order. A zero TTL or
	// Delay takes the engine's default.
	Post(ctx context.Context, msgs ...Post[T]) ([]string, error)

	// Claim takes up to req.Limit of the oldest claimable messages for
	// req.TTL. When none is claimable it waits up to req.Wait, measured
	// on [Engine.Clock], for one to become so (server-side where
	// [Capabilities].Wait is true, polling otherwise), then returns an
	// empty Lease and no error. A Lease with messages always has an ID.
	Claim(ctx context.Context, req ClaimRequest) (Lease[T], error)

	// Renew restarts the live claim with a new TTL and grace, counted
	// from now.
	Renew(ctx context.Context, claim string, ttl, grace time.Duration) error

	// Delete removes messages held by the live claim: the acknowledgement
	// of work done. IDs the claim no longer holds are reported with the
	// sentinels above; the others are deleted all the same.
	Delete(ctx context.Context, claim string, ids ...string) error

	// Release ends the claim: its messages are claimable again at once.
	// Releasing a claim that is no longer live is not an error, since
	// nothing is held by it.
	Release(ctx context.Context, claim string) error

	// Retry hands the listed messages of the live claim back, claimable
	// once delay has passed, and leaves the rest of the claim held. The
	// delivery already made counts as an attempt. Engines without an
	// exact call for it say so in [Capabilities].Retry and document how
	// they approximate it.
	Retry(ctx context.Context, claim string, delay time.Duration, ids ...string) error

	// Capabilities says what the engine guarantees. It is constant for the
	// engine's life.
	Capabilities() Capabilities

	// Clock is the time the engine's deadlines are measured on; the worker
	// reads it for renewals and backoff, so that a [FakeClock] drives an
	// engine and its worker together.
	Clock() Clock
}

// ClaimRequest is the argument of [Engine.Claim].
type ClaimRequest struct {
	Limit int           // most messages to take, at least 1
	TTL   time.Duration // how long the claim lives unless renewed
	// Grace extends the life of claimed messages that would expire before
	// the claim, as in [ClaimOptions]; 0 means none.
	Grace time.Duration
	// Wait bounds how long Claim waits for a claimable message; 0 means it
	// returns at once.
	Wait time.Duration
	// ClientID names the consumer, for engines that record one.
	ClientID string
}

// Lease is a claim as an engine returns it: the claim's ID, when it expires
// unless renewed, and the messages it holds.
type Lease[T any] struct {
	ID       string
	Expires  time.Time // on the engine's clock; zero if the engine cannot tell
	Messages []Delivery[T]
}

// Delivery is one claimed message as an engine hands it out.
type Delivery[T any] struct {
	ID   string
	Body T
	// Attempt counts the deliveries of the message, this one included: 1
	// on its first claim. It is 0 when the engine does not count them
	// ([Capabilities].Attempts is false).
	Attempt int
	// Created is when the message was posted; zero if the engine cannot
	// tell.
	Created time.Time
}

// Capabilities describes what an [Engine] guarantees, so that a worker (or a
// conformance test) adapts to an engine instead of testing its type.
type Capabilities struct {
	// Wait is true when Claim waits on the server for a message to arrive;
	// false when it polls with a back-off until ClaimRequest.Wait passes.
	Wait bool
	// Attempts is true when Delivery.Attempt counts deliveries.
	Attempts bool
	// Retry is true when Engine.Retry keeps the rest of the claim held and
	// makes the chosen messages claimable exactly after the delay; false
	// when the engine approximates it.
	Retry bool
	// Fenced is true when only the live holder of a message can delete it:
	// a delete with an expired claim always fails with ErrClaimExpired.
	Fenced bool
	// DeadLetter is true when the engine itself moves messages claimed too
	// often to a dead-letter queue.
	DeadLetter bool
	// MessageTTL is true when messages expire by themselves.
	MessageTTL bool
	// MinClaimTTL and MinGrace are the smallest claim TTL and non-zero
	// grace the engine accepts (Zaqar: 60 s each); zero means any positive
	// duration.
	MinClaimTTL, MinGrace time.Duration
	// Precision is the unit the engine keeps times in (Zaqar: a second);
	// zero means the clock's full precision.
	Precision time.Duration
}
