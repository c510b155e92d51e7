package zaqartest

import (
	"fmt"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/claimq/claimq"
	"github.com/claimq/claimq/zaqar"
	"github.com/claimq/claimq/zaqarengine"
	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack/messaging/v2/claims"
)

// ClientID is the Client-ID of [Server.Client]: a fixed UUID, so that
// runs are reproducible. Zaqar lists hide a client's own messages unless
// it asks for echo; messages posted with [Queue.Post] have no client.
const ClientID = "3381af92-2b9e-11e3-b191-71861300734c"

// Start is the time the fake clock of a [Server] reads when New returns,
// unless [WithClock] gives another clock. Tests must not change it.
var Start = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

// Server is a Zaqar API served by package zaqar on an httptest server
// over loopback, with a fake clock. Use [New]; the zero Server is not
// usable. Its fields are set by New and must not be changed.
type Server struct {
	// URL is the server's base URL, without a trailing slash:
	// gophercloud's endpoint is URL + "/".
	URL string
	// Clock is the time of every queue and of fault delays: advance it
	// to make claims, messages and delays expire and stalls end.
	Clock *claimq.FakeClock
	// Client is a gophercloud messaging v2 client of the server, with
	// Client-ID [ClientID] (or [WithClientID]'s), the project of
	// [WithProject] as X-Project-Id, and the handler's auth token.
	Client *gophercloud.ServiceClient
	// Faults is the set of faults injected into requests: see
	// [Server.Inject].
	Faults *zaqar.Faults
	// Handler is the zaqar handler the server runs, for tests that call
	// it in process (httptest.NewRecorder) or through its Queue method.
	Handler *zaqar.Handler
	// Project is the project of Client and of [Server.Queue].
	Project string

	t    testing.TB
	opts settings
}

// Option changes what [New] starts.
type Option func(*settings)

type settings struct {
	clock    *claimq.FakeClock
	project  string
	clientID string
	handler  zaqar.Options
}

// WithClock makes the server run on clock instead of a new FakeClock
// reading [Start], so that the code under test can share it.
func WithClock(clock *claimq.FakeClock) Option {
	return func(s *settings) { s.clock = clock }
}

// WithProject makes project the project of [Server.Client], which then
// sends it as X-Project-Id (gophercloud never sends one by itself), and
// of [Server.Queue]. Without it, both use the handler's DefaultProject.
func WithProject(project string) Option {
	return func(s *settings) { s.project = project }
}

// WithClientID makes id the Client-ID of [Server.Client]; Zaqar requires
// a UUID.
func WithClientID(id string) Option {
	return func(s *settings) { s.clientID = id }
}

// WithHandlerOptions makes the server's handler run with opts (limits,
// auth token, default project, bounds …); their Clock, FakeClock and
// Faults are replaced by the server's own.
func WithHandlerOptions(opts zaqar.Options) Option {
	return func(s *settings) { s.handler = opts }
}

// New starts a Zaqar API server for the test t and registers its
// shutdown with t.Cleanup: every stalled request is let go, then the
// server is closed. It fails the test (t.Fatalf) if the gophercloud
// client cannot be built, which only a malformed option causes.
// Starting costs one loopback listener; no goroutine is left behind.
func New(t testing.TB, opts ...Option) *Server {
	t.Helper()
	var set settings
	for _, o := range opts {
		o(&set)
	}
	if set.clock == nil {
		set.clock = claimq.NewFakeClock(Start)
	}
	if set.clientID == "" {
		set.clientID = ClientID
	}
	project := set.handler.DefaultProject
	if set.project != "" {
		project = set.project
	}
	faults := &zaqar.Faults{}
	hopts := set.handler
	hopts.Clock, hopts.FakeClock, hopts.Faults = nil, set.clock, faults
	h := zaqar.NewHandler(hopts)
	hs := httptest.NewServer(h)
	t.Cleanup(func() {
		faults.Clear()
		hs.Close()
	})
	s := &Server{URL: hs.URL, Clock: set.clock, Faults: faults, Handler: h, Project: project, t: t, opts: set}
	s.Client = s.NewClient(set.clientID)
	return s
}

// NewClient returns another gophercloud messaging v2 client of the
// server, as Server.Client but with Client-ID clientID: a second
// producer or consumer, whose own messages Zaqar lists hide. It fails the
// test if gophercloud refuses to build it.
func (s *Server) NewClient(clientID string) *gophercloud.ServiceClient {
	s.t.Helper()
	sc, err := zaqarengine.NewClient(s.URL, clientID, s.opts.handler.AuthToken)
	if err != nil {
		s.t.Fatalf("zaqartest: gophercloud client for %s: %v", s.URL, err)
		return nil
	}
	return zaqarengine.WithProject(sc, s.opts.project)
}

// Queue returns the queue name of the server's project for direct
// access: seeding, inspection, assertions. The queue is created if it
// does not exist, as a client's first post would create it (see
// [zaqar.Handler.Queue]). It fails the test if name is not a valid Zaqar queue
// name. Cost: O(1).
func (s *Server) Queue(name string) *Queue {
	s.t.Helper()
	return s.QueueIn(s.Project, name)
}

// QueueIn is [Server.Queue] for the queue name of project.
func (s *Server) QueueIn(project, name string) *Queue {
	s.t.Helper()
	q := &Queue{s: s, project: project, name: name}
	q.raw() // checks the name now, where the mistake is
	return q
}

// Inject adds fault to the server's faults and returns its ID, failing
// the test if the fault is malformed (see [zaqar.Fault]). A fault with a
// Status answers the requests it matches with it; one with a Delay
// stalls them until the test advances [Server.Clock] past the delay
// (see [Server.WaitStalled]). Remove it with s.Faults.Remove(id), or all
// of them with s.Faults.Clear().
func (s *Server) Inject(fault zaqar.Fault) int {
	s.t.Helper()
	id, err := s.Faults.Add(fault)
	if err != nil {
		s.t.Fatalf("zaqartest: Inject(%+v): %v", fault, err)
	}
	return id
}

// WaitStalled blocks until n requests are stalled by injected delays, so
// that the test advances the clock only once the request it means to
// release has arrived. It fails the test if the test's context ends
// first.
func (s *Server) WaitStalled(n int) {
	s.t.Helper()
	if err := s.Faults.WaitStalled(s.t.Context(), n); err != nil {
		s.t.Fatalf("zaqartest: waiting for %d stalled requests (%d now): %v", n, s.Faults.Stalled(), err)
	}
}

// ClaimIDs returns the claim's ID and its messages' IDs from a
// gophercloud claim result, which carries them only in its hrefs
// (/v2/queues/{queue}/messages/{id}?claim_id={claim}). It fails the test
// if an href does not parse, carries no claim or another claim than the
// first, or if msgs is empty.
func (s *Server) ClaimIDs(msgs []claims.Messages) (claimq.ClaimID, []claimq.MessageID) {
	s.t.Helper()
	if len(msgs) == 0 {
		s.t.Fatalf("zaqartest: ClaimIDs of an empty claim result")
		return claimq.ClaimID{}, nil
	}
	var claim claimq.ClaimID
	ids := make([]claimq.MessageID, len(msgs))
	for i, m := range msgs {
		ref, err := zaqar.ParseHref(m.Href)
		if err == nil && ref.Claim == "" {
			err = fmt.Errorf("the href has no claim_id")
		}
		var c claimq.ClaimID
		if err == nil {
			c, err = claimq.ParseClaimID(ref.Claim)
		}
		if err == nil {
			ids[i], err = claimq.ParseMessageID(ref.Message)
		}
		if err == nil && i > 0 && c != claim {
			err = fmt.Errorf("claim %s, where the first message's is %s", c, claim)
		}
		if err != nil {
			s.t.Fatalf("zaqartest: ClaimIDs: message %d, href %q: %v", i, m.Href, err)
			return claimq.ClaimID{}, nil
		}
		claim = c
	}
	return claim, ids
}

// MessageIDs returns the message IDs of hrefs, such as the Resources of
// a gophercloud messages.Create result. It fails the test if an href is
// not a message's.
func (s *Server) MessageIDs(hrefs ...string) []claimq.MessageID {
	s.t.Helper()
	ids := make([]claimq.MessageID, len(hrefs))
	for i, href := range hrefs {
		ref, err := zaqar.ParseHref(href)
		if err == nil {
			ids[i], err = claimq.ParseMessageID(ref.Message)
		}
		if err != nil {
			s.t.Fatalf("zaqartest: MessageIDs: href %q: %v", href, err)
			return nil
		}
	}
	return ids
}
