// Package zaqarengine is the [claimq.Engine] of an OpenStack Zaqar queue,
// over gophercloud v2's messaging v2 client: a Zaqar cluster, or `claimq
// serve` (the zaqar package) when one process no longer suffices. A
// [claimq.Worker] runs on it unchanged:
//
//	sc, _ := zaqarengine.NewClient("http://127.0.0.1:8888", "", "")
//	eng, _ := zaqarengine.New[Job](sc, "jobs", zaqarengine.Options{Project: "demo"})
//
// Message and claim IDs come from the hrefs Zaqar returns (gophercloud's
// claim results carry nothing else), read by zaqar.ParseHref.
//
// # Divergences from the in-process engine
//
// Zaqar's model is claimq's, but its API is narrower; [Engine.Capabilities]
// states the differences and the conformance suite (enginetest) checks
// them:
//
//   - No server-side wait: Claim with a Wait polls, backing off from
//     Options.PollMin to PollMax on the engine's Clock (a FakeClock drives
//     it), one request per poll.
//   - No delivery count: Delivery.Attempt is 0.
//   - Claim TTL and grace are at least 60 s, all times whole seconds
//     (rounded up); a zero grace is Zaqar's default of 60 s; at most 20
//     messages per claim.
//   - Not fenced: Zaqar answers 204 to a delete of a message that is
//     gone, so a late delete after another worker deleted the message
//     reports nothing; a MongoDB-backed Zaqar also deletes with an
//     expired claim while nobody else holds the message. A late delete
//     while another claim holds the message fails (403) with
//     claimq.ErrClaimedByOther and claimq.ErrClaimExpired.
//   - Retry is approximated: the retried message stays in its claim until
//     the rest of the claim is deleted or released, then becomes
//     claimable after the rest of its delay, no sooner than 60 s
//     ([Engine.Retry]).
//   - Dead letters are the server's: set _max_claim_count and
//     _dead_letter_queue in the queue's metadata (gophercloud's
//     queues.Create). The engine does not create queues; Zaqar creates a
//     queue without metadata on its first post.
//   - Delete costs a request per message, since Zaqar's bulk delete does
//     not check claims.
//
// # Zaqar 15's Redis store
//
// Two known faults of Zaqar 15's Redis driver are mapped to the contract's
// errors, so that a worker survives them: a claim made after another
// claim's release can also take messages a third, live claim holds, and
// the holder's delete then answers 403 (claimq.ErrClaimedByOther: someone
// else has it); operations on an expired claim answer 503
// (claimq.ErrClaimExpired on Delete, Renew and Retry; nothing on Release).
// A third cannot be mapped: releasing a claim re-saves its messages with
// their full TTL, so a released message outlives its expiry by up to its
// TTL (claims of that store go by the record's life, not its expiry
// time).
//
// The conformance suite runs against a real Zaqar where CLAIMQ_ZAQAR_URL
// names one; testdata/zaqar.conf configures Debian's Zaqar 15 for it.
package zaqarengine
