// Package claimq is an in-process claim queue with the semantics of
// OpenStack Zaqar (Rackspace Cloud Queues) and the pending-entry tools of
// Redis Streams.
//
// A [Queue] holds messages in posting order. A producer posts messages
// with a time to live ([Queue.Post]); each message expires, for every
// operation at once, when its TTL has passed. A consumer claims a batch of
// the oldest available messages for a claim TTL ([Queue.Claim]): while the
// claim lives, no other claim gets those messages and they can be deleted
// only with it. The consumer deletes each message it has handled
// ([Queue.Delete]), renews the claim if it needs more time
// ([Queue.Renew]) or releases it to hand the rest back ([Queue.Release]).
// A consumer that dies simply lets its claim expire, and its messages go
// back to the head of the queue for the next claim.
//
// # Claims
//
// Claiming never shortens a message's life below its claim's: a message
// that would expire before the claim lives on until the claim's expiry
// plus a grace period, so the consumer still finds it when it comes to
// delete it. Each claim counts as a delivery ([Message].ClaimCount); with
// [Options].MaxClaimCount set, a message delivered that many times is moved
// to a dead-letter queue instead of being handed out again.
//
// A claim lives until its TTL passes, its holder releases or completes it,
// or it loses its last message (deleted, retried with [Queue.Retry] or
// taken over by another claim): as in Zaqar, where a claim exists only
// through its messages, an emptied claim is gone. A worker whose claim
// ended before it deleted a message gets an error matching
// [ErrClaimExpired], whether or not the message still exists
// ([ErrNotClaimed] while the message waits, [ErrClaimedByOther] once
// another worker holds it, [ErrMessageNotFound] once it is gone): another
// worker may have the message, so the first must roll back what it did.
// The queue keeps no record of ended claims to say this: a claim ID is
// its number encrypted under the queue's key, so decrypting it tells an
// ID the queue issued from one it never did ([ErrClaimNotFound] alone). A
// worker that needs a message held by a stalled consumer can take it over
// with the Redis-style tools instead of waiting for the claim to expire.
//
// # Pending entries
//
// Beside Zaqar's model, a queue offers the pending-entry tools of Redis
// Streams. A message held by a live claim is a pending entry; its consumer
// is the ClientID of that claim, its idle time runs from its last delivery
// or the last renewal of its claim, and its delivery count is its
// ClaimCount. [Queue.Pending] and [Queue.PendingSummary] list them
// (XPENDING); [Queue.Reclaim] takes chosen entries idle for long enough
// into a new claim (XCLAIM), and [Queue.AutoClaim] scans for such entries
// with a cursor (XAUTOCLAIM), so a stalled worker's messages can be taken
// over before its claim expires and a poison message spotted by its
// delivery count.
//
// Two things differ from Redis. Claims still expire by their TTL: an entry
// leaves the pending list when its claim expires or is released, and the
// message is claimable again, where Redis keeps it pending until it is
// acknowledged. And deleting a message removes it from the pending list at
// once, so AutoClaim has no list of deleted IDs to return.
//
// # Workers
//
// A [Worker] owns the consumer loop that every user of a claim queue
// would otherwise write: [NewWorker] takes an [Engine], a [Handler] and
// [WorkerOptions], and [Worker.Run] claims only as many messages as it
// has free handlers, renews each claim while its messages are handled,
// deletes a message whose handler returned nil, retries one that failed
// after a backoff ([Queue.Retry] underneath), dead-letters what failed
// for good ([Permanent], MaxAttempts), reports a late delete as
// [EventLost] so the work can be rolled back, and shuts down gracefully
// when its context ends. [Local] makes a Queue an Engine; other packages
// of this repository implement it over a Zaqar cluster (zaqarengine)
// and Redis Streams (redisengine), each stating in [Capabilities] what it
// cannot do exactly. The worker
// reads time from [Engine.Clock], so a [FakeClock] drives its renewals
// and backoffs as it drives the queue.
//
// # Time
//
// A queue reads its [Clock] once per operation and applies every deadline
// up to that instant before doing anything else: there is no background
// goroutine, and expiry is exact (a message with Expires <= now is gone).
// Tests use a [FakeClock] and move time with [FakeClock.Advance], or run
// with the default [SystemClock] inside a testing/synctest bubble.
// [Queue.ClaimWait] blocks until a message is claimable, waking on posts,
// releases, claim expiry and the end of delays, with either clock, and
// [Queue.Drain] until the queue is empty.
//
// # Concurrency
//
// A Queue is safe for concurrent use by any number of goroutines. One
// mutex guards it; values returned are copies. The only outside code that
// runs while the mutex is held is the [Clock]'s AfterFunc and Timer.Stop,
// which must not call back into the queue synchronously.
//
// # Performance
//
// Every index is a seqIndex: a ring of entries in ID order, to which
// nearly every insert appends (a new post, the messages a claim takes
// from the head) and from which removals leave holes that are trimmed or
// squeezed out, plus a B-tree for the rare insert below the newest ID (a
// released message, an ended delay, a dead-lettered message). One holds
// every message, for lookups by ID and listings; one the claimable
// messages, so that [Queue.Claim] costs O(limit) however many messages
// other claims hold; one the pending messages, so that [Queue.Pending]
// and [Queue.AutoClaim] cost what they look at. Messages of one TTL
// expire in posting order, so each TTL in use (up to four) has a FIFO
// lane instead of a heap entry per message, the first of them kept in the
// index of all messages at no cost; lifetime extension and delays,
// rarer, use indexed 4-ary heaps, and live claims one of their own. A steady flow therefore costs the same per message with an empty
// queue and with a million waiting. The structs of deleted messages and
// ended claims are reused, so posting and deleting allocate nothing and
// claiming allocates only the result it returns. A worker done with a
// whole claim calls [Queue.Complete]: one lock and one clock reading for
// the batch. See ARCHITECTURE.md in the repository for the structures,
// their invariants and where each rule lives.
package claimq
