package zaqar

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"

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
	// can read and move it. Without it those paths answer 404.
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
	// Logger receives a debug line per request and an error per 5xx; nil
	// means slog.Default().
	Logger *slog.Logger
	// MaxMessagesPerQueue, when positive, bounds every queue (Zaqar has no
	// such bound; a shared server wants one): a post that would go beyond
	// it is refused whole with 503, as Zaqar answers when its storage
	// cannot take a post.
	MaxMessagesPerQueue int
	// Faults, when set, are injected into the requests the handler
	// receives (see Fault). With a FakeClock and no Faults the handler
	// makes an empty set of its own, which /_claimq/faults manages.
	Faults *Faults
}

// handler serves the Zaqar API. Each operation is implemented once, as a
// method over decoded arguments returning a result (queues.go,
// messages.go, claims.go); v2.go decodes requests and encodes results for
// the v2 wire format.
type handler struct {
	opts   Options
	limits claimq.Limits
	clock  claimq.Clock
	log    *slog.Logger
	reg    *registry
	mux    *http.ServeMux
	// shareKey signs shares; it is random per handler, so shares do not
	// outlive the handler, as they do not outlive Zaqar's secret_key.
	shareKey [32]byte
	tokenSum [sha256.Size]byte // of Options.AuthToken
	faults   *Faults           // nil: none
}

// NewHandler returns an http.Handler serving the OpenStack Zaqar REST APIs
// v2 under /v2, v1.1 under /v1.1 and v1.0 under /v1, over the same
// in-memory claimq queues, one registry per handler.
// Queues are created on first use, as Zaqar creates them, per project.
// It panics if opts.Limits is inconsistent (see claimq.Limits.Validate),
// a programming error. The handler is safe for concurrent use; each
// request costs O(log n) in the queue it touches besides its own size.
func NewHandler(opts Options) http.Handler {
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
	if h.faults = opts.Faults; h.faults == nil && opts.FakeClock != nil {
		h.faults = &Faults{}
	}
	h.reg = newRegistry(h.clock, h.limits, opts.MaxMessagesPerQueue)
	h.mux = http.NewServeMux()
	h.routes()
	return h
}

// call is one request under way, with the identity checks done.
type call struct {
	v        *version // the API version of the route
	w        http.ResponseWriter
	r        *http.Request
	parsed   url.Values // the query once parsed: see query and param
	project  string
	clientID string
	queue    string // the validated {queue} path value, if the route has one
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

// route collects the handlers of one path pattern by method, so that a
// method not served answers a JSON 405 with Allow rather than the
// ServeMux's plain-text one.
type route struct {
	methods map[string]http.HandlerFunc
	// noHead refuses HEAD with a 405, where the ServeMux would serve
	// it with the GET handler (v1.1 queues have no HEAD).
	noHead bool
}

// router collects routes in registration order before they go to the
// ServeMux.
type router struct {
	order  []string
	routes map[string]*route
}

func (rt *router) handle(method, pattern string, fn http.HandlerFunc) {
	r := rt.routes[pattern]
	if r == nil {
		r = &route{methods: map[string]http.HandlerFunc{}}
		rt.routes[pattern] = r
		rt.order = append(rt.order, pattern)
	}
	r.methods[method] = fn
}

// refuseHead makes HEAD on pattern a 405 although the route has a GET.
func (rt *router) refuseHead(pattern string) { rt.routes[pattern].noHead = true }

func (rt *router) register(mux *http.ServeMux) {
	for _, pattern := range rt.order {
		r := rt.routes[pattern]
		allow := make([]string, 0, len(r.methods)+1)
		for m, fn := range r.methods {
			mux.HandleFunc(m+" "+pattern, fn)
			allow = append(allow, m)
			if m == http.MethodGet && !r.noHead {
				allow = append(allow, http.MethodHead)
			}
		}
		slices.Sort(allow)
		allowed := strings.Join(allow, ", ")
		notAllowed := func(w http.ResponseWriter, r *http.Request) {
			e := errorf(http.StatusMethodNotAllowed, "Method not allowed",
				"%s is not allowed on %s; allowed: %s.", r.Method, r.URL.Path, allowed)
			e.header = map[string]string{"Allow": allowed}
			writeError(w, e)
		}
		if r.noHead {
			mux.HandleFunc(http.MethodHead+" "+pattern, notAllowed)
		}
		mux.HandleFunc(pattern, notAllowed)
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, notFound("No resource at %s.", r.URL.Path))
	})
}

// ServeHTTP authenticates the request (token or share signature) and
// dispatches it.
func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	defer func() {
		if p := recover(); p != nil {
			if p == http.ErrAbortHandler {
				panic(p)
			}
			h.log.Error("zaqar: panic serving request", "method", r.Method, "path", r.URL.Path, "panic", p)
			writeError(w, errorf(http.StatusInternalServerError, "Internal error", "The server failed: %v", p))
		}
	}()
	if h.log.Enabled(r.Context(), slog.LevelDebug) {
		h.log.Debug("zaqar: request", "method", r.Method, "path", r.URL.Path, "query", r.URL.RawQuery)
	}
	if header(r, keySignature) != "" {
		if err := h.verifyShare(r); err != nil {
			h.fail(w, r, err)
			return
		}
	} else if h.opts.AuthToken != "" && !h.tokenOK(header(r, "X-Auth-Token")) {
		h.fail(w, r, errorf(http.StatusUnauthorized, titleUnauthorized,
			"This server requires an auth token: send it in X-Auth-Token."))
		return
	}
	if h.faults.intercept(w, r, h.clock) {
		return
	}
	h.mux.ServeHTTP(w, r)
}

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

// api wraps an operation of version v of the Zaqar API with the checks
// Zaqar's before-hooks make on every request: body type, Accept,
// Client-ID (by rule), project and queue name.
func (h *handler) api(v *version, rule clientRule, fn func(*call) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c, err := h.identify(w, r, v, rule)
		if err == nil {
			err = fn(c)
		}
		if err != nil {
			h.fail(w, r, err)
		}
	}
}

// clientRule says what a route asks of the Client-ID header.
type clientRule int

const (
	clientIgnored  clientRule = iota // not read (liveness probes)
	clientRequired                   // a UUID, required (v1.1, v2)
	clientIfSent                     // a UUID when sent (v1.0)
)

// identify checks the headers of a request of version v and the {queue}
// path value, returning the call they describe.
func (h *handler) identify(w http.ResponseWriter, r *http.Request, v *version, rule clientRule) (*call, error) {
	c := &call{v: v, w: w, r: r}
	if ct := header(r, "Content-Type"); ct != "" && mayBeForm(ct) {
		if mt, _, _ := mime.ParseMediaType(ct); mt == "application/x-www-form-urlencoded" {
			return nil, badRequest("Form-encoded bodies are not supported; send JSON.")
		}
	}
	if !acceptsJSON(r.Header["Accept"]) {
		return nil, errorf(http.StatusNotAcceptable, "Media type not acceptable",
			"This API only supports responses encoded as JSON.")
	}
	ids := r.Header[keyClientID]
	sent := len(ids) > 0 // even empty, as Zaqar checks it
	if rule == clientRequired || (rule == clientIfSent && sent) {
		var id string
		if sent {
			id = ids[0]
		}
		if id == "" && rule == clientRequired {
			return nil, errMissingClientID()
		}
		u, err := uuid.Parse(id)
		if err != nil {
			return nil, errorf(http.StatusBadRequest, "Wrong UUID value",
				"Malformed hexadecimal UUID: the Client-ID header must be a UUID, not %q.", id)
		}
		// Canonical, as Zaqar stores uuid.UUID values, so that echo
		// filtering sees one client however its ID is spelled.
		c.clientID = id
		if len(id) != 36 || strings.ToLower(id) != id {
			c.clientID = u.String()
		}
	}
	project, err := h.project(r, v)
	if err != nil {
		return nil, err
	}
	c.project = project
	if strings.Contains(r.Pattern, "{queue}") {
		name := r.PathValue("queue")
		if !validName(name) {
			return nil, errorf(http.StatusBadRequest, titleBadQueue,
				"Queue names may not be more than 64 characters long, and may contain only ASCII letters, digits, underscores, dashes and periods; %q is not valid.", name)
		}
		c.queue = name
	}
	return c, nil
}

// errMissingClientID is the 400 of a request without the Client-ID its
// route requires.
func errMissingClientID() *apiError {
	return badRequest("The Client-ID header is required.")
}

// project returns the request's project: X-Project-Id, else the default
// unless a project is required; v1.0 never requires one, as in Zaqar.
func (h *handler) project(r *http.Request, v *version) (string, error) {
	vals := r.Header["X-Project-Id"]
	if len(vals) == 0 {
		if h.opts.RequireProject && !v.projectOptional {
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

// routes registers every path the handler serves.
func (h *handler) routes() {
	rt := &router{routes: map[string]*route{}}
	h.v1Routes(rt)
	h.v11Routes(rt)
	h.v2Routes(rt)
	if h.opts.FakeClock != nil {
		rt.handle(http.MethodGet, "/_claimq/clock", h.getClock)
		rt.handle(http.MethodPost, "/_claimq/clock", h.moveClock)
		rt.handle(http.MethodGet, "/_claimq/faults", h.listFaults)
		rt.handle(http.MethodPost, "/_claimq/faults", h.addFault)
		rt.handle(http.MethodDelete, "/_claimq/faults", h.clearFaults)
		rt.handle(http.MethodDelete, "/_claimq/faults/{id}", h.removeFault)
	}
	rt.register(h.mux)
}
