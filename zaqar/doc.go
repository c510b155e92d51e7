// Package zaqar serves the OpenStack Zaqar v2 REST API over in-memory
// [claimq] queues, so that consumers written with a Zaqar client
// (gophercloud, python-zaqarclient) can be tested against a real server in
// one process, with time under the test's control, and deployed against a
// Zaqar cluster unchanged. Beside it, under /v1/ and /v1.1/, it serves the
// v1.0 and v1.1 APIs that Zaqar removed and that Rackspace Cloud Queues
// clients (php-opencloud, older Python and Go clients) still speak.
//
//	srv := httptest.NewServer(zaqar.NewHandler(zaqar.Options{}))
//	defer srv.Close()
//	// point the client's endpoint at srv.URL + "/"
//
// # Model
//
// The handler keeps a registry of queues per project (X-Project-Id, or
// [Options.DefaultProject], since gophercloud never sends it). A queue is
// created by PUT or lazily by the first message post, as in Zaqar, and its
// reserved metadata (_default_message_ttl, _default_message_delay,
// _max_claim_count, _dead_letter_queue, _dead_letter_queue_messages_ttl,
// _max_messages_post_size) configures it; a PATCH takes effect for later
// operations. Messages, claims and their expiry follow claimq's semantics,
// which are Zaqar's (see the claimq package).
//
// # Versions
//
// The three versions serve the same queues: a message posted through one
// is read, claimed and deleted through any other, in the same project.
// Each operation (queues.go, messages.go, claims.go) is implemented once;
// a version only decodes its requests and encodes the results (v1.go,
// v1_1.go, v2*.go, with the differences of representation listed in
// version.go). v1.0 takes and answers bare arrays, shows messages without
// "id", answers 204 to empty listings, requires Client-ID only to post
// and list messages, never requires X-Project-Id (not even with
// [Options.RequireProject]), has no lazy queues and keeps metadata under
// /queues/{queue}/metadata. v1.1 is v2 without queue PATCH, purge,
// share, delays and reserved defaults in GET queue; its posts take the
// configured TTL default, not the queue's.
//
// # Wire
//
// Every JSON response carries Content-Type application/json;
// charset=UTF-8, and every error a {"title", "description"} body whose
// description names the field and its allowed range. Ages and TTLs are
// whole seconds. A message href carries ?claim_id= only while a live
// claim holds the message. Bad input is answered with a 4xx, never a 5xx.
//
// # Time
//
// All queues share one clock ([Options.Clock]). With [Options.FakeClock]
// the handler also serves GET and POST /_claimq/clock, so that tests in
// any language can read the time and move it ({"advance": "90s"} or
// {"set": "<RFC 3339>"}) to make claims and messages expire.
//
// # Security
//
// With [Options.AuthToken] every request must carry it in X-Auth-Token.
// POST /v2/queues/{queue}/share signs a grant of some methods on some
// paths of the queue until an expiry (HMAC-SHA256 with a key random to the
// handler); requests carrying its URL-Signature, URL-Expires, URL-Methods
// and URL-Paths headers are served without the token.
//
// # Differences from Zaqar
//
// Where Zaqar's drivers disagree this package follows the choices listed
// in the repository's ARCHITECTURE.md; where it departs from both on
// purpose:
//   - a message href carries ?claim_id= only while a live claim holds the
//     message (Zaqar keeps a stale claim ID until the message is claimed
//     again or released);
//   - message IDs are 16 hex digits in posting order and serve as list
//     markers; a malformed marker gives an empty page;
//   - expiry is exact, with no garbage-collection delay;
//   - claim_count counts every claim, with or without a dead-letter queue;
//   - purge removes claimed messages too (Zaqar pops, skipping them);
//   - a dead-lettered message moves to the dead-letter queue with its ID
//     and creation time, no claim, and the TTL of
//     _dead_letter_queue_messages_ttl (or the time it had left); that queue is created by the first claim on a queue that names it, and its
//     name must be a valid queue name; _max_claim_count 0 disables
//     dead-lettering;
//   - a reserved numeric metadata value of 0 or null means "not set"
//     (gophercloud sends _default_message_ttl 0);
//   - a claim update checks grace against 0..MaxGrace;
//   - a bad or expired share signature answers 403 (Zaqar: 404);
//   - /v2/ping, /v2/health and /v1.1/ping need no Client-ID;
//   - no checksums, encryption, subscriptions, flavors or pools.
//
// In v1.0 and v1.1 besides:
//   - there are no JSON-home documents at /v1/ and /v1.1/, and no
//     admin /v1.1/health (404);
//   - error titles and descriptions are this package's, the same as
//     in v2 (Zaqar's validator words some of them otherwise, as
//     "No messages to enqueu."), and v1.1's delete by ids or pop answers
//     v2's texts;
//   - v1.0 list, stats and metadata routes answer a missing queue with
//     a JSON 404 body where Zaqar's Icehouse-era v1.0 sent none; the
//     queue existence check (HEAD or GET /v1/queues/{queue}) has no body
//     as in Zaqar;
//   - v1.0 refuses metadata keys beginning with "_", as Zaqar has since
//     2016, so reserved settings are made through v1.1 or v2;
//   - a message posted in v1.0 or v1.1 is never delayed, even in a
//     queue with _default_message_delay (Zaqar's v1 drivers knew no
//     delays either);
//   - v1.0's claim update checks grace against 0..MaxGrace (Zaqar
//     does not check it).
package zaqar
