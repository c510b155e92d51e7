// Package zaqartest runs the Zaqar API of package zaqar as a fake server
// for the tests of Zaqar clients, in one line:
//
//	srv := zaqartest.New(t)
//
// starts it on httptest over loopback with a [claimq.FakeClock], closes
// it when the test ends, and hands over a ready gophercloud messaging v2
// client ([Server.Client]). The test reaches the queues directly, without
// the network ([Server.Queue]): it seeds them, takes a [Snapshot] of
// every message with its state, the live claims, the counters and the
// dead-letter queue, and asserts with helpers that fail the test with a
// readable account of the queue ([Queue.AssertClaimed] and the others).
// It moves time with the clock, so that claims and messages expire without
// sleeping, and injects faults, a status or a stall measured on the fake
// clock, into chosen requests ([Server.Inject]), so that a client's retry
// paths run.
//
// # Consumer test
//
// A consumer claims through gophercloud and dies before deleting; once
// its claim expires, the message is back for the next consumer:
//
//	func TestConsumerDies(t *testing.T) {
//		srv := zaqartest.New(t)
//		jobs := srv.Queue("jobs")
//		ids := jobs.Post(map[string]any{"job": "resize"})
//
//		_, err := claims.Create(t.Context(), srv.Client, "jobs", claims.CreateOpts{TTL: 60}).Extract()
//		require.NoError(t, err)
//		jobs.AssertClaimed(ids...)
//
//		srv.Clock.Advance(61 * time.Second)
//		jobs.AssertFree(ids...)
//	}
//
// [Server.ClaimIDs] reads the claim's and messages' IDs from a claim
// result, for the delete; [Server.Inject] makes the claim fail first:
//
//	srv.Inject(zaqar.Fault{Op: "claims:create", Status: 503, Count: 1})
//
// # Other languages
//
// The same fake runs as a process, `claimq serve -fake-time`, with the
// clock at /_claimq/clock and the faults at /_claimq/faults (see package
// zaqar).
//
// # Concurrency
//
// A Server and its Queues are safe for concurrent use, but the methods
// that fail the test (assertions, Post, Inject) report to the testing.TB
// given to New, which must not be failed after its test ends: give each
// test, and each parallel subtest, its own Server; they are cheap.
package zaqartest
