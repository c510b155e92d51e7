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
// A worker whose claim expired before it deleted a message gets an error
// matching [ErrClaimExpired] ([ErrNotClaimed] while the message waits,
// [ErrClaimedByOther] once another worker holds it): another worker may
// have the message, so the first must roll back what it did. A worker
// that needs a message held by a stalled consumer can take it over with
// the Redis-style tools instead of waiting for the claim to expire.
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
// # Time
//
// A queue reads its [Clock] once per operation and applies every deadline
// up to that instant before doing anything else: there is no background
// goroutine, and expiry is exact (a message with Expires <= now is gone).
// Tests use a [FakeClock] and move time with [FakeClock.Advance], or run
// with the default [SystemClock] inside a testing/synctest bubble.
// [Queue.ClaimWait] blocks until a message is claimable, waking on posts,
// releases, claim expiry and the end of delays, with either clock.
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
// Messages live in a B-tree ordered by ID. Beside it, an index holds only
// the claimable ones, so that [Queue.Claim] costs O(limit·log n) however
// many messages other claims hold, and another the pending ones, so that
// [Queue.Pending] and [Queue.AutoClaim] cost what they look at, not the
// length of the queue. Both indexes append in O(1), since nearly every
// message enters them with the highest ID so far, and keep a B-tree only
// for the rest (released messages, ended delays). Message deadlines live
// in an indexed min-heap; claim deadlines in a heap of their own that
// holds no pointers. The structs of deleted messages and finished claims
// are reused, so in a steady flow posting and deleting allocate nothing
// and claiming allocates only the result it returns. A worker done with a
// whole claim calls [Queue.Complete]: one lock and one clock reading for
// the batch, and nothing of the claim left behind.
package claimq
