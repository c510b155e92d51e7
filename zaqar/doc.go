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
//	client, err := zaqarengine.NewClient(srv.URL, clientID, "") // gophercloud, no Keystone
//
// Package zaqartest does this for one Go test, on a fake clock, with
// direct access to the queues, assertions and fault injection.
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
// Everything is in memory. [Options.MaxMessagesPerQueue],
// [Options.MaxQueuesPerProject] and [Options.MaxProjects] bound it (a
// queue or project beyond them is refused with 403 "Quota exceeded"), a
// request body costs memory as its bytes arrive, not as its
// Content-Length announces, and [Handler.Sweep] frees what expired in
// queues nobody touches and drops the lazily created queues left empty.
// Listing queues costs O(log q + limit) in a project of q queues (name
// and metadata filters visit the queues they skip; with_count visits all).
//
// # Versions
//
// The three versions serve the same queues: a message posted through one
// is read, claimed and deleted through any other, in the same project.
// One route table (routes.go) lists every method and path with, per
// version, the function serving it or none; those functions (the
// *_wire.go files, named with a version suffix where versions differ)
// decode requests and encode results, and call operations (queues.go,
// messages.go, claims.go) that take a queue of a project and a client,
// never the version. version.go lists the differences of
// representation. v1.0 takes and answers bare arrays, shows messages
// without "id", answers 204 to empty listings, requires Client-ID only to
// post and list messages, never requires X-Project-Id (not even with
// [Options.RequireProject]), has no lazy queues and keeps metadata under
// /queues/{queue}/metadata. v1.1 is v2 without queue PATCH, purge,
// share, delays and reserved defaults in GET queue; its posts take the
// configured TTL default, not the queue's. GET / answers 300 with the
// versions document and GET /v1/, /v1.1/ and /v2/ the JSON-home document
// of the resources served.
//
// # Operations
//
// Each route has an operation name, the same in every version: the name
// Zaqar's policy file gives it, which a hook placed before the routes
// matches on. home:get (the JSON-home documents), ping:get, health:get,
// queues:get_all, queues:create, queues:get (v1.0's HEAD and metadata
// read too), queues:update (v2's PATCH, v1.0's metadata write),
// queues:delete, queues:stats, queues:purge, queues:share,
// messages:get_all (the listing and the get by ids), messages:create,
// messages:get, messages:delete, messages:delete_all (by ids, and pop),
// claims:create, claims:get, claims:update, claims:delete (release), and
// topics:get_all, topics:create, topics:get, topics:update,
// topics:delete, topics:stats, topics:purge; messages on topics are
// messages:*, as Zaqar's policies have them.
//
// # Topics
//
// v2 serves Zaqar's topics under /v2/topics: the same lifecycle,
// metadata, stats, purge and messages as queues, without claims or
// shares; GET of a missing topic is 404, and a topic shows only the
// reserved keys of its messages (_max_messages_post_size,
// _default_message_ttl, _default_message_delay).
//
// # Wire
//
// Every JSON response carries Content-Type application/json;
// charset=UTF-8, and every error a {"title", "description"} body whose
// description names the field and its allowed range. Ages and TTLs are
// whole seconds. A message href carries ?claim_id= only while a live
// claim holds the message. Bad input is answered with a 4xx, never a 5xx.
// As in Zaqar, HEAD is served only where Zaqar serves it (v1.0's queue
// and health, the pings) and 405 elsewhere, and a per-message "delay" is
// read only in a queue with a _default_message_delay.
//
// # Time
//
// All queues share one clock ([Options.Clock]). With [Options.FakeClock]
// the handler also serves GET and POST /_claimq/clock, so that tests in
// any language can read the time and move it ({"advance": "90s"} or
// {"set": "<RFC 3339>"}, forward only) to make claims and messages
// expire; each move sweeps the queues.
//
// # Security
//
// With [Options.AuthToken] every request must carry it in X-Auth-Token.
// POST /v2/queues/{queue}/share signs a grant of some methods on some
// paths of the queue until an expiry, in whole seconds (HMAC-SHA256 with
// a key random to the handler); requests carrying its URL-Signature,
// URL-Expires, URL-Methods and URL-Paths headers are served without the
// token, and a bad, expired or out-of-scope share is answered 404, as
// Zaqar answers it.
//
// python-zaqarclient's "noauth" backend never sends X-Auth-Token; against
// a handler with a token, use its keystone backend with a token, which
// then asks Keystone nothing:
//
//	from zaqarclient.queues import client
//	conf = {"auth_opts": {"backend": "keystone", "options": {"os_auth_token": "T", "os_project_id": "p"}}}
//	cli = client.Client("http://127.0.0.1:8888", version=2, conf=conf)
//
// # Differences from Zaqar
//
// Where Zaqar's drivers disagree this package follows the choices listed
// in the repository's ARCHITECTURE.md; where it departs from all on
// purpose:
//   - a message href carries ?claim_id= only while a live claim holds the
//     message (Zaqar keeps a stale claim ID until the message is claimed
//     again or released);
//   - message IDs are 16 hex digits in posting order and serve as list
//     markers; a malformed marker gives an empty page (Zaqar's Mongo
//     driver; Redis restarts from the head);
//   - expiry is exact, with no garbage-collection delay;
//   - claim_count counts every claim, with or without a dead-letter queue;
//   - purge removes claimed messages too (Zaqar pops, skipping them);
//   - a dead-lettered message keeps its ID and creation time, as in
//     Zaqar, and goes to the tail of the dead-letter queue with no claim
//     and the TTL of _dead_letter_queue_messages_ttl (or the time it had
//     left); that queue is created by the first claim on a queue that
//     names it, and its name must be a valid queue name;
//     _max_claim_count 0 disables
//     dead-lettering;
//   - a reserved numeric metadata value of 0 or null means "not set"
//     (gophercloud sends _default_message_ttl 0);
//   - a claim update checks grace against 0..MaxGrace;
//   - the pings and /v2/health check Client-ID only when it is sent, so
//     that probes need none, and /v2/health is public (Zaqar serves it to
//     admins only);
//   - bounds on queues, projects and messages (Zaqar has none; a shared
//     server wants them), answered 403 and 503;
//   - topics and queues are namespaces of their own: a topic's messages
//     are never those of the queue of the same name (Zaqar 15 keeps both
//     through one message controller, by name);
//   - no subscriptions, on queues or topics (a purge of "subscriptions"
//     does nothing): delivering to them needs a notifier this in-memory
//     server does not run; nor checksums, encryption, flavors or pools.
//
// In v1.0 and v1.1 besides:
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
//     does not check it);
//   - /v1.1/health, admin-only in Zaqar, is not served (404, or 406
//     without a JSON Accept, as Zaqar answers every v1.1 path).
package zaqar
