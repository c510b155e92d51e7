package zaqar

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/claimq/claimq"
	"github.com/google/uuid"
)

// Options configures the handler returned by [NewHandler]. The zero
// Options serves Zaqar's defaults on the system clock, with no
// authentication, every request in the project named "".
type Options struct {
	// Clock is the time source shared by every queue; nil means
	// claimq.SystemClock. FakeClock, when set, takes its place.
	Clock claimq.Clock
	// FakeClock, when set, is the clock of every queue and is exposed at
	// GET and POST /_claimq/clock so that tests written in any language
	// can read it and move it forward; each move sweeps the queues (see
	// Handler.Sweep). Without it those paths answer 404.
	FakeClock *claimq.FakeClock
	// Limits bounds TTLs, graces, delays and page sizes, and gives their
	// defaults; the zero Limits means claimq.ZaqarLimits(). Requests
	// outside them are refused with 400.
	Limits claimq.Limits
	// AuthToken, when not empty, must be sent as X-Auth-Token by every
	// request (compared in constant time), else 401; requests signed by
	// a share (URL-Signature) are the exception.
	AuthToken string
	// DefaultProject is the project of requests without X-Project-Id,
	// which gophercloud never sends.
	DefaultProject string
	// RequireProject makes X-Project-Id mandatory (400 without it), as
	// Zaqar without Keystone does.
	RequireProject bool
	// Logger receives a debug line per request, once answered (method,
	// path, query, status, bytes, duration), and an error per 5xx; nil
	// means slog.Default().
	Logger *slog.Logger
	// MaxMessagesPerQueue, when positive, bounds every queue (Zaqar has no
	// such bound; a shared server wants one): a post that would go beyond
	// it is refused whole with 503, as Zaqar answers when its storage
	// cannot take a post.
	MaxMessagesPerQueue int
	// MaxQueuesPerProject, when positive, bounds the queues of a project:
	// creating one more, by PUT or by a post to a new name, is refused
	// with 403 "Quota exceeded", as OpenStack services answer a quota.
	// 0 means no bound.
	MaxQueuesPerProject int
	// MaxProjects, when positive, bounds the projects holding queues: a
	// queue in one more project is refused with 403 "Quota exceeded".
	// A project ends with its last queue. 0 means no bound.
	MaxProjects int
	// Faults, when set, are injected into the requests that reach an
	// operation of the route table, matched by its operation names (see
	// Fault). With a FakeClock and no Faults the handler makes an empty
	// set of its own, which /_claimq/faults manages.
	Faults *Faults
}

// handler serves the Zaqar API: ServeHTTP authenticates a request,
// routes it by routeTable (routes.go), checks what Zaqar's before-hooks
// check, and runs the route's serve function, which decodes the request,
// calls an operation (queues.go, messages.go, claims.go) and encodes its
// result.
type handler struct {
	opts   Options
	limits claimq.Limits
	clock  claimq.Clock
	log    *slog.Logger
	reg    *registry // the queues
	topics *registry // the topics, a namespace of their own
	router *router
	// internal serves the paths outside the Zaqar APIs (/_claimq/...),
	// by ServeMux patterns; requests elsewhere never reach it.
	internal *http.ServeMux
	// intercept, when set, sees every request that reached a route of
	// the Zaqar APIs, after authentication and the checks of its
	// version, before the route runs, with the route's operation name
	// (route.op); it returns true when it has answered the request
	// itself. Fault injection attaches here.
	intercept func(w http.ResponseWriter, r *http.Request, op string) bool
	// shareKey signs shares; it is random per handler, so shares do not
	// outlive the handler, as they do not outlive Zaqar's secret_key.
	shareKey [32]byte
	tokenSum [sha256.Size]byte // of Options.AuthToken
	faults   *Faults           // nil: none
}

// Handler is an http.Handler serving the Zaqar APIs; see [NewHandler].
// It is safe for concurrent use.
type Handler struct{ h *handler }

// NewHandler returns a Handler serving the OpenStack Zaqar REST APIs v2
// under /v2, v1.1 under /v1.1 and v1.0 under /v1, over the same
// in-memory claimq queues, one registry per handler, and the versions
// document at /. Queues are created on first use, as Zaqar creates them,
// per project. It panics if opts.Limits is inconsistent (see
// claimq.Limits.Validate), a programming error. Each request costs
// O(log n) in the queue it touches besides its own size.
func NewHandler(opts Options) *Handler {
	h := &handler{opts: opts, limits: opts.Limits, clock: opts.Clock, log: opts.Logger}
	if h.limits == (claimq.Limits{}) {
		h.limits = claimq.ZaqarLimits()
	}
	if err := h.limits.Validate(); err != nil {
		panic(err)
	}
	if opts.FakeClock != nil {
		h.clock = opts.FakeClock
	}
	if h.clock == nil {
		h.clock = claimq.SystemClock{}
	}
	if h.log == nil {
		h.log = slog.Default()
	}
	_, _ = rand.Read(h.shareKey[:])
	h.tokenSum = sha256.Sum256([]byte(opts.AuthToken))
	bounds := registryLimits{messages: opts.MaxMessagesPerQueue, queues: opts.MaxQueuesPerProject, projects: opts.MaxProjects}
	h.reg = newRegistry(h.clock, h.limits, bounds)
	h.topics = newRegistry(h.clock, h.limits, bounds)
	h.router = newRouter()
	h.internal = http.NewServeMux()
	h.internal.HandleFunc(internalPrefix, func(w http.ResponseWriter, r *http.Request) {
		writeError(w, notFound("No resource at %s.", r.URL.Path))
	})
	if h.faults = opts.Faults; h.faults == nil && opts.FakeClock != nil {
		h.faults = &Faults{}
	}
	if h.faults != nil {
		h.intercept = func(w http.ResponseWriter, r *http.Request, op string) bool {
			return h.faults.intercept(w, r, op, h.clock)
		}
	}
	if opts.FakeClock != nil {
		h.handleInternal(http.MethodGet, "/_claimq/clock", h.getClock)
		h.handleInternal(http.MethodPost, "/_claimq/clock", h.moveClock)
		h.handleInternal(http.MethodGet, "/_claimq/faults", h.listFaults)
		h.handleInternal(http.MethodPost, "/_claimq/faults", h.addFault)
		h.handleInternal(http.MethodDelete, "/_claimq/faults", h.clearFaults)
		h.handleInternal(http.MethodDelete, "/_claimq/faults/{id}", h.removeFault)
	}
	return &Handler{h}
}

// internalPrefix starts the paths of this server's own endpoints.
const internalPrefix = "/_claimq/"

// handleInternal serves fn at method and path, a ServeMux pattern
// ("/_claimq/faults/{id}") under internalPrefix, outside the Zaqar APIs:
// no version checks, no route hook; the token is still required.
func (h *handler) handleInternal(method, path string, fn http.HandlerFunc) {
	h.internal.HandleFunc(method+" "+path, fn)
}

// ServeHTTP serves one request of the Zaqar APIs.
func (hh *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { hh.h.ServeHTTP(w, r) }

// Sweep frees the expired messages and claims of every queue and drops
// the queues that were created lazily, by a message post, and hold no
// message (Zaqar's lazy queues cost nothing when empty); a queue created
// by PUT, given metadata or serving as a dead-letter queue is kept. It
// returns the number of queues dropped. No operation needs a sweep to
// be correct, as each frees what has expired in the queue it touches; a
// long-running server sweeps periodically so that queues nobody touches
// give their memory back. Cost: O(total queues) plus what expires.
func (hh *Handler) Sweep() (dropped int) { return hh.h.sweep() }

func (h *handler) sweep() int { return h.reg.sweep() + h.topics.sweep() }

// registry returns the registry of t: its queues, or its topics.
func (h *handler) registry(t target) *registry {
	if t.topic {
		return h.topics
	}
	return h.reg
}

// Len returns the number of messages held by all queues of all
// projects, expired ones excluded: what a server that exits discards.
// Cost: O(total queues).
func (hh *Handler) Len() int { return hh.h.reg.messages() + hh.h.topics.messages() }

// target is what an operation acts on: a queue of a project, on behalf
// of a client. It is all an operation learns of the request, so that
// operations cannot depend on the API version.
type target struct {
	project string
	queue   string // the validated {queue} path value, if the route has one
	// topic makes queue a topic's name: topics are queues in a
	// namespace of their own, without claims.
	topic  bool
	client string // the canonical Client-ID, "" when not sent
}

// call is one request under way, with the identity checks done.
type call struct {
	target
	v      *version // the API version of the route
	qpath  resPath  // the path of the queue or topic, as hrefs show it
	w      http.ResponseWriter
	r      *http.Request
	id     string     // the {id} path value, if the route has one
	parsed url.Values // the query once parsed: see query and param
}

// query returns the request's query parameters, parsed on first use.
func (c *call) query() url.Values {
	if c.parsed == nil {
		c.parsed = c.r.URL.Query()
	}
	return c.parsed
}

// param returns the first value of query parameter name, as
// c.query().Get(name) does, without building the map for a plain query:
// one without escapes ('%', '+'), semicolons, or many parameters.
func (c *call) param(name string) string {
	raw := c.r.URL.RawQuery
	if c.parsed != nil || strings.ContainsAny(raw, "%+;") || strings.Count(raw, "&") >= 100 {
		return c.query().Get(name)
	}
	for raw != "" {
		var pair string
		pair, raw, _ = strings.Cut(raw, "&")
		if key, value, _ := strings.Cut(pair, "="); key == name && pair != "" {
			return value
		}
	}
	return ""
}

// Get makes a call a getter of its query parameters.
func (c *call) Get(name string) string { return c.param(name) }

// ServeHTTP authenticates the request (token or share signature),
// routes it and serves it; with debug logging on, it logs the request
// once answered.
func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if h.log.Enabled(r.Context(), slog.LevelDebug) {
		lw := &loggedWriter{ResponseWriter: w, status: http.StatusOK}
		start := time.Now()
		defer func() {
			h.log.Debug("zaqar: request", "method", r.Method, "path", r.URL.Path, "query", r.URL.RawQuery,
				"status", lw.status, "bytes", lw.bytes, "duration", time.Since(start))
		}()
		w = lw
	}
	defer func() {
		if p := recover(); p != nil {
			if p == http.ErrAbortHandler {
				panic(p)
			}
			h.log.Error("zaqar: panic serving request", "method", r.Method, "path", r.URL.Path, "panic", p)
			writeError(w, errorf(http.StatusInternalServerError, "Internal error", "The server failed: %v", p))
		}
	}()
	if err := h.serve(w, r); err != nil {
		h.fail(w, r, err)
	}
}

// serve answers r, or returns the error to answer.
func (h *handler) serve(w http.ResponseWriter, r *http.Request) error {
	if header(r, keySignature) != "" {
		if err := h.verifyShare(r); err != nil {
			return err
		}
	} else if h.opts.AuthToken != "" && !h.tokenOK(header(r, "X-Auth-Token")) {
		return errorf(http.StatusUnauthorized, titleUnauthorized,
			"This server requires an auth token: send it in X-Auth-Token.")
	}
	if strings.HasPrefix(r.URL.Path, internalPrefix) {
		h.internal.ServeHTTP(w, r)
		return nil
	}
	m := h.router.find(r.Method, r.URL.Path)
	c, err := h.identify(w, r, m)
	if err != nil {
		return err
	}
	switch {
	case r.URL.Path == "/":
		return h.serveVersions(c)
	case m.path == nil:
		return notFound("No resource at %s.", r.URL.Path)
	case m.route == nil:
		e := errorf(http.StatusMethodNotAllowed, "Method not allowed",
			"%s is not allowed on %s; allowed: %s.", r.Method, r.URL.Path, m.path.allow)
		e.header = map[string]string{"Allow": m.path.allow}
		return e
	}
	c.topic = strings.HasPrefix(m.route.path, "/topics")
	if strings.Contains(m.route.path, "{queue}") {
		if !validName(m.queue) {
			kind := "Queue"
			if c.topic {
				kind = "Topic"
			}
			return errorf(http.StatusBadRequest, titleBadQueue,
				"%s names may not be more than 64 characters long, and may contain only ASCII letters, digits, underscores, dashes and periods; %q is not valid.", kind, m.queue)
		}
		c.queue = m.queue
		if c.topic {
			c.qpath = m.v.topics(c.queue)
		} else {
			c.qpath = m.v.queues(c.queue)
		}
	}
	c.id = m.id
	if h.intercept != nil && h.intercept(w, r, m.route.op) {
		return nil
	}
	return m.route.serve[m.v.idx](h, c)
}

// loggedWriter records what was answered, for the request log.
type loggedWriter struct {
	http.ResponseWriter
	status, bytes int
	wrote         bool
}

func (lw *loggedWriter) WriteHeader(status int) {
	if !lw.wrote {
		lw.status, lw.wrote = status, true
	}
	lw.ResponseWriter.WriteHeader(status)
}

func (lw *loggedWriter) Write(p []byte) (int, error) {
	lw.wrote = true
	n, err := lw.ResponseWriter.Write(p)
	lw.bytes += n
	return n, err
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (lw *loggedWriter) Unwrap() http.ResponseWriter { return lw.ResponseWriter }

// tokenOK compares token with the expected one in constant time; both
// are hashed first so that not even the length of the token leaks.
func (h *handler) tokenOK(token string) bool {
	got := sha256.Sum256([]byte(token))
	return subtle.ConstantTimeCompare(got[:], h.tokenSum[:]) == 1
}

// fail writes err and logs it if it is the server's fault.
func (h *handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	if e, ok := err.(*apiError); !ok || e.Status >= 500 {
		h.log.Error("zaqar: request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	writeError(w, err)
}

// identify makes Zaqar's before-hook checks of a request routed to m,
// whether or not it found a route, and returns the call they describe:
// body type, Accept, Client-ID (by the version's rule; probes check it
// only when sent), project. Outside the versioned APIs Client-ID and project
// are checked as v1.0 checks them.
func (h *handler) identify(w http.ResponseWriter, r *http.Request, m match) (*call, error) {
	c := &call{v: m.v, w: w, r: r}
	// Only a body of declared length sent as a form is refused, as Zaqar
	// checks the type only of requests with a Content-Length.
	if ct := header(r, "Content-Type"); ct != "" && mayBeForm(ct) && r.ContentLength > 0 {
		if mt, _, _ := mime.ParseMediaType(ct); mt == "application/x-www-form-urlencoded" {
			return nil, badRequest("Form-encoded bodies are not supported; send JSON.")
		}
	}
	if !acceptsJSON(r.Header["Accept"]) {
		return nil, errorf(http.StatusNotAcceptable, "Media type not acceptable",
			"This API only supports responses encoded as JSON.")
	}
	ifSent := m.v == nil || m.v.clientIfSent || m.route != nil && m.route.probe
	ids := r.Header[keyClientID]
	sent := len(ids) > 0 // even empty, as Zaqar checks it
	if sent || !ifSent {
		var id string
		if sent {
			id = ids[0]
		}
		if id == "" && !ifSent {
			return nil, errMissingClientID()
		}
		u, err := uuid.Parse(id)
		if err != nil {
			return nil, errorf(http.StatusBadRequest, "Wrong UUID value",
				"Malformed hexadecimal UUID: the Client-ID header must be a UUID, not %q.", id)
		}
		// Canonical, as Zaqar stores uuid.UUID values, so that echo
		// filtering sees one client however its ID is spelled.
		c.client = id
		if len(id) != 36 || strings.ToLower(id) != id {
			c.client = u.String()
		}
	}
	project, err := h.project(r, m.v == nil || m.v.projectOptional)
	if err != nil {
		return nil, err
	}
	c.project = project
	return c, nil
}

// errMissingClientID is the 400 of a request without the Client-ID its
// route requires.
func errMissingClientID() *apiError {
	return badRequest("The Client-ID header is required.")
}

// project returns the request's project: X-Project-Id, else the default
// unless a project is required and not optional (v1.0 never requires
// one, as in Zaqar).
func (h *handler) project(r *http.Request, optional bool) (string, error) {
	vals := r.Header["X-Project-Id"]
	if len(vals) == 0 {
		if h.opts.RequireProject && !optional {
			return "", badRequest("Project-Id Missing: the X-Project-Id header is required.")
		}
		return h.opts.DefaultProject, nil
	}
	p := vals[0]
	switch {
	case p == "":
		return "", badRequest("The X-Project-Id header may not be empty.")
	case len(p) > maxProjectLen:
		return "", errorf(http.StatusBadRequest, titleBadQueue,
			"Project ids may not be more than %d bytes long; this one has %d.", maxProjectLen, len(p))
	}
	return p, nil
}

const maxProjectLen = 256

// validName reports whether name is a valid queue name: 1 to 64 of
// [a-zA-Z0-9_.-].
func validName(name string) bool {
	if name == "" || len(name) > 64 {
		return false
	}
	for i := 0; i < len(name); i++ {
		switch c := name[i]; {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '_', c == '.', c == '-':
		default:
			return false
		}
	}
	return true
}

// Canonical forms of header names that are not canonical as Zaqar spells
// them, so that reading them costs no canonicalization per request.
var (
	keyClientID  = http.CanonicalHeaderKey("Client-ID")
	keySignature = http.CanonicalHeaderKey(hdrSignature)
)

// header returns the first value of the header with canonical name key,
// as r.Header.Get does without canonicalizing key.
func header(r *http.Request, key string) string {
	if v := r.Header[key]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// mayBeForm reports whether the media type of Content-Type ct, before
// any parameter, may be application/x-www-form-urlencoded once trimmed
// and lowered as mime.ParseMediaType does; only then need ct be parsed.
func mayBeForm(ct string) bool {
	mt, _, _ := strings.Cut(ct, ";")
	return strings.EqualFold(strings.TrimSpace(mt), "application/x-www-form-urlencoded")
}

// acceptsJSON reports whether the Accept header values allow
// application/json; no header accepts anything.
func acceptsJSON(accept []string) bool {
	if len(accept) == 0 {
		return true
	}
	for _, v := range accept {
		for part := range strings.SplitSeq(v, ",") {
			mt, _, _ := strings.Cut(part, ";")
			switch strings.ToLower(strings.TrimSpace(mt)) {
			case "application/json", "application/*", "*/*", "*":
				return true
			}
		}
	}
	return false
}
