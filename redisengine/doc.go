// Package redisengine is a [claimq.Engine] over Redis Streams, so that a
// claimq worker written against the in-process queue runs unchanged on a
// Redis server shared by many processes. It is a module of its own
// (github.com/claimq/claimq/redisengine): users of the core never
// download its client library, github.com/redis/go-redis/v9.
//
// # Model
//
// A queue is a stream, and every engine of the queue reads it through one
// consumer group. [Engine.Post] is XADD. A claim is a consumer of the
// group, named by the claim's ID: [Engine.Claim] is XREADGROUP, or XCLAIM
// of messages delivered before and claimable again, and the group's
// pending-entries list (XPENDING) says which claim holds each message and
// how often it was delivered ([claimq.Delivery].Attempt). [Engine.Delete]
// is XACK and XDEL; [Engine.Release] and [Engine.Retry] hand messages to
// the group's internal consumers "~free" and "~delayed". Messages claimed
// Options.MaxClaimCount times are posted to a dead-letter queue, another
// queue of this package, on their next claim.
//
// Every operation is one Lua script, so that a check and the change it
// guards are atomic on the server: only the live holder of a message can
// delete it or hand it back ([claimq.Capabilities].Fenced), and a delete
// with an expired claim reports [claimq.ErrClaimExpired] whether or not
// another claim has the message by then.
//
// # Time
//
// Redis's clock is never read. Each script gets the engine's now, from
// Options.Clock, and claim deadlines, delays and message expiry are
// scores in sorted sets on that time, applied by the next call that comes
// after them (no background process). They are exact to the millisecond,
// and a [claimq.FakeClock] drives a real server deterministically. The
// price is that every engine of one queue must read the same time: engines
// in several processes need synchronised system clocks. XAUTOCLAIM is not
// used for claim expiry for the same reason: its idle time is the server's
// and one min-idle cannot serve claims of different TTLs.
//
// # Waiting
//
// A Claim with a Wait blocks on the server in XREADGROUP BLOCK, so a post
// from any process ends the wait at once. The release and retry scripts
// PUBLISH on the queue's wake channel ("claimq:{Queue}:s:wake"), to which
// an Engine subscribes on its first wait, so releases and retries from any
// process end waits too. The engine also cuts a block short (CLIENT
// UNBLOCK) when, on its clock, the wait ends, a claim it knows of expires
// or a delay ends, and every Options.WaitSlice (1 s by default), for what
// no event announces: a claim made after the wait began that expires, a
// publication lost with a dropped connection.
//
// # Divergences from the in-process queue
//
//   - Precision is a millisecond; TTLs, grace and delays are rounded up
//     to it.
//   - A dead-lettered message gets a new ID in the dead-letter queue; its
//     stream entry keeps the first ID in field "o", and its creation time.
//   - Post.ClientID and ClaimRequest.ClientID are not stored, and a queue
//     has no bound on its length.
//   - Expired messages and claims are cleaned up by later calls, at most
//     256 deadlines of each kind per call: until then they take memory, and
//     when more than 256 claims expired at once, the messages of the rest
//     become claimable with the next calls (expired messages are never
//     handed out, and a late delete is refused all the same). Likewise a
//     claim looks at no more than 1000 entries in its way (expired,
//     delayed) and may return fewer than its limit behind more.
//   - A message's Attempt counts deliveries in this queue to engines: a
//     message delivered to a waiting Claim whose process died before the
//     Claim returned counts that delivery (it is handed out again once
//     the wait's registration expires, after the wait plus the claim's
//     TTL).
//
// # Testing
//
// The package's tests start a redis-server of their own on a free loopback
// port, without persistence, and fail when there is none: install it with
// "apt-get install redis-server" (Debian, Ubuntu) or your system's
// package. They run the conformance suite of package
// github.com/claimq/claimq/enginetest against it on a [claimq.FakeClock],
// and a property test that drives the engine and the in-process queue side
// by side with random operations and compares what every claim takes.
//
// # Performance
//
// Each operation is one round trip plus O(log n) work per message on the
// server; BenchmarkEngine measures post, claim and delete of one message
// against a plain XADD, XREADGROUP, XACK and XDEL.
package redisengine
