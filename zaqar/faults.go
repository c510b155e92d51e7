package zaqar

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/claimq/claimq"
)

// ErrFault is matched (errors.Is) by the error of [Faults.Add] for a
// Fault that is malformed or would never do anything.
var ErrFault = errors.New("zaqar: invalid fault")

// maxFaults bounds the faults a set holds, exhausted ones included, so
// that a client of /_claimq/faults cannot grow the server without bound.
const maxFaults = 1024

// Fault describes requests to fail or stall, so that a client's retry and
// timeout paths can be tested: each request that reaches an operation of
// the APIs is matched against the faults of its [Faults] in the order
// they were added, and the first that matches and has injections left
// applies to it. A request matches when every non-empty field among Op,
// Method and Path matches; a Fault with all three empty matches every
// operation. Faults apply after the checks Zaqar makes before an
// operation (auth token, Client-ID, Accept, queue name), so a request
// refused by those is refused as usual; requests that reach no operation
// (unknown paths, the versions document at /) and requests under
// /_claimq/ are never matched, so that faults can always be listed and
// cleared.
type Fault struct {
	// Op matches the operation by its name in Zaqar's policy file, the
	// same in every API version: "queues:get_all", "claims:create",
	// "messages:delete"; the package documentation lists them all.
	Op string
	// Method matches the request's HTTP method exactly ("POST").
	Method string
	// Path matches the request's URL path, segment by segment: "*" or a
	// name in braces ("{queue}") matches any one segment, a last segment
	// "{name...}" matches the rest of the path, and any other segment
	// itself, as in "/v2/queues/jobs/claims" or "/{version}/queues/jobs/{rest...}".
	Path string
	// Count is how many matching requests the fault applies to; 0 means
	// every one until the fault is removed.
	Count int
	// Status, when not 0, is the status the request is answered with
	// (400 to 599), with a Zaqar-style {"title", "description"} body,
	// instead of being served.
	Status int
	// Delay, when positive, stalls the request until the handler's clock
	// has moved Delay past its arrival: with a FakeClock, until the test
	// advances it; see [Faults.WaitStalled]. The request is then answered
	// with Status, or served if Status is 0. A client that gives up first
	// gets no answer.
	Delay time.Duration
}

// FaultState is a fault of a [Faults] with its ID and how often it was
// injected.
type FaultState struct {
	Fault
	ID       int // as returned by Faults.Add
	Injected int // requests the fault has applied to so far
}

// Left reports how many more requests the fault will apply to, or -1 if
// it applies to every one (Count 0).
func (s FaultState) Left() int {
	if s.Count == 0 {
		return -1
	}
	return s.Count - s.Injected
}

// Faults is a set of faults that a handler injects into the requests it
// receives (see [Options.Faults]). A Faults is safe for concurrent use,
// and may be changed while requests are served. The zero value is an
// empty set, ready to use.
//
// Over HTTP, a handler with a FakeClock serves its set at /_claimq/faults, beside
// /_claimq/clock, for tests written in other languages (claimq serve
// -fake-time). A fault is a JSON object with the fields of [Fault],
// every one optional, and delay as a Go duration:
//
//	{"op": "claims:create", "method": "POST", "path": "/v2/queues/{queue}/claims",
//	 "count": 1, "status": 503, "delay": "30s"}
//
// The endpoints:
//   - POST /_claimq/faults with a fault adds it: 201 and the fault with
//     its "id", "injected": 0 and "left" (-1 for a fault without count);
//     400 with {"title", "description"} for a malformed one or an
//     unknown field.
//   - GET /_claimq/faults: 200 {"faults": [fault…], "stalled": n}, the
//     faults in the order they were added, exhausted ones included, each
//     with its "injected" count, and how many requests are stalled now.
//   - DELETE /_claimq/faults/{id} removes one fault: 204, or 404.
//   - DELETE /_claimq/faults removes them all and lets every stalled
//     request go on: 204.
//
// A stalled request goes on once the clock is moved past its delay
// (POST /_claimq/clock {"advance": "30s"}); wait until "stalled" counts
// it before moving the clock.
type Faults struct {
	mu     sync.Mutex // guards the fields below
	faults []*FaultState
	nextID int
	stalls map[*stall]struct{} // requests stalled by a Delay
	// changed is closed, and replaced, whenever stalls changes, to wake
	// WaitStalled.
	changed chan struct{}
}

// stall is one request held by a fault's Delay until its timer fires or
// the set is cleared.
type stall struct {
	once sync.Once
	done chan struct{}
}

func (s *stall) end() { s.once.Do(func() { close(s.done) }) }

// Add adds the fault ft after those already in the set and returns its
// ID.
//
// Errors: one matching [ErrFault] when ft has an Op that is not one of
// the names listed at [Fault.Op], a malformed Method or Path, a negative
// Count or Delay, a Status outside 400–599, neither Status nor Delay, or
// when the set already holds 1024 faults. Cost: O(1).
func (f *Faults) Add(ft Fault) (int, error) {
	if err := ft.validate(); err != nil {
		return 0, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.faults) >= maxFaults {
		return 0, fmt.Errorf("%w: the set already holds %d faults; clear it first", ErrFault, maxFaults)
	}
	f.nextID++
	f.faults = append(f.faults, &FaultState{Fault: ft, ID: f.nextID})
	return f.nextID, nil
}

// List returns the faults of the set in the order they were added,
// exhausted ones included, so that a test can check how often each was
// injected. Cost: O(faults).
func (f *Faults) List() []FaultState {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]FaultState, len(f.faults))
	for i, s := range f.faults {
		out[i] = *s
	}
	return out
}

// Remove removes the fault id and reports whether it was in the set.
// Requests it stalled stay stalled until their delay has passed.
// Cost: O(faults).
func (f *Faults) Remove(id int) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i, s := range f.faults {
		if s.ID == id {
			f.faults = slices.Delete(f.faults, i, i+1)
			return true
		}
	}
	return false
}

// Clear removes every fault and ends every stall at once: stalled
// requests go on as if their delay had passed. Cost: O(faults + stalls).
func (f *Faults) Clear() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.faults = nil
	for s := range f.stalls {
		f.releaseLocked(s)
	}
}

// Stalled returns the number of requests stalled by a Delay right now.
func (f *Faults) Stalled() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.stalls)
}

// WaitStalled blocks until at least n requests are stalled by a Delay,
// so that a test advances the fake clock only once its request has
// arrived. It returns ctx.Err() if ctx ends first.
func (f *Faults) WaitStalled(ctx context.Context, n int) error {
	for {
		f.mu.Lock()
		k, changed := len(f.stalls), f.changedLocked()
		f.mu.Unlock()
		if k >= n {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// changedLocked returns the channel closed at the next change of stalls.
func (f *Faults) changedLocked() chan struct{} {
	if f.changed == nil {
		f.changed = make(chan struct{})
	}
	return f.changed
}

// addStallLocked records s among the stalled requests and wakes
// WaitStalled.
func (f *Faults) addStallLocked(s *stall) {
	if f.stalls == nil {
		f.stalls = make(map[*stall]struct{})
	}
	f.stalls[s] = struct{}{}
	f.notifyLocked()
}

// releaseLocked ends stall s and forgets it, at once, so that Stalled is
// exact as soon as the clock move or Clear that ended it returns.
func (f *Faults) releaseLocked(s *stall) {
	s.end()
	if _, ok := f.stalls[s]; ok {
		delete(f.stalls, s)
		f.notifyLocked()
	}
}

func (f *Faults) release(s *stall) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.releaseLocked(s)
}

// notifyLocked wakes every WaitStalled.
func (f *Faults) notifyLocked() {
	if f.changed != nil {
		close(f.changed)
		f.changed = nil
	}
}

// intercept applies the first matching fault to r, a request for the
// route table's operation op, if any: it stalls the request on clock and
// reports whether it answered it (or the client gave up), in which case
// the handler must not serve it. The handler calls it only for routes of
// the versioned APIs, never for /_claimq/.
func (f *Faults) intercept(w http.ResponseWriter, r *http.Request, op string, clock claimq.Clock) bool {
	if f == nil {
		return false
	}
	ft, ok := f.take(r, op)
	if !ok {
		return false
	}
	if ft.Delay > 0 && !f.stall(r.Context(), clock, ft.Delay) {
		return true
	}
	if ft.Status == 0 {
		return false
	}
	writeError(w, errorf(ft.Status, faultTitle(ft.Status),
		"claimq injected this fault (status %d) into %s %s.", ft.Status, r.Method, r.URL.Path))
	return true
}

// take finds the first fault that matches r, a request for operation op,
// and has injections left, and counts r against it.
func (f *Faults) take(r *http.Request, op string) (Fault, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, s := range f.faults {
		if s.Left() == 0 || (s.Method != "" && s.Method != r.Method) ||
			(s.Path != "" && !matchPath(s.Path, r.URL.Path)) || (s.Op != "" && s.Op != op) {
			continue
		}
		s.Injected++
		return s.Fault, true
	}
	return Fault{}, false
}

// stall holds the request until clock has moved d, the set is cleared or
// ctx ends; it reports false in the last case. The clock's timer and
// Clear end the stall under f.mu; clock methods are never called with
// f.mu held, so a FakeClock may run the timer from Advance.
func (f *Faults) stall(ctx context.Context, clock claimq.Clock, d time.Duration) bool {
	s := &stall{done: make(chan struct{})}
	// The timer exists before the stall is visible, so that a test that
	// saw it in WaitStalled and advances the clock releases it.
	t := clock.AfterFunc(d, func() { f.release(s) })
	f.mu.Lock()
	select {
	case <-s.done: // the timer has fired already
	default:
		f.addStallLocked(s)
	}
	f.mu.Unlock()
	defer func() {
		t.Stop()
		f.release(s)
	}()
	select {
	case <-s.done:
		return true
	case <-ctx.Done():
		return false
	}
}

// faultTitle is the title of an injected error, as Zaqar words its own
// where it has one.
func faultTitle(status int) string {
	switch status {
	case http.StatusServiceUnavailable:
		return titleUnavailable
	case http.StatusNotFound:
		return titleNotFound
	case http.StatusUnauthorized:
		return titleUnauthorized
	case http.StatusForbidden:
		return titleForbidden
	case http.StatusConflict:
		return titleConflict
	}
	if t := http.StatusText(status); t != "" {
		return t
	}
	return "Error " + strconv.Itoa(status)
}

func (ft *Fault) validate() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrFault, fmt.Sprintf(format, args...))
	}
	if ft.Op != "" && !slices.Contains(opNames(), ft.Op) {
		return bad("unknown op %q; the ops are %s", ft.Op, strings.Join(opNames(), ", "))
	}
	if ft.Method != "" && !validMethod(ft.Method) {
		return bad("method %q is not an HTTP method", ft.Method)
	}
	if ft.Path != "" {
		if err := validPathPattern(ft.Path); err != nil {
			return bad("path %q: %v", ft.Path, err)
		}
	}
	switch {
	case ft.Count < 0:
		return bad("count %d is negative", ft.Count)
	case ft.Delay < 0 || ft.Delay > claimq.MaxDuration:
		return bad("delay %v is outside 0 to %v", ft.Delay, claimq.MaxDuration)
	case ft.Status != 0 && (ft.Status < 400 || ft.Status > 599):
		return bad("status %d is outside 400–599", ft.Status)
	case ft.Status == 0 && ft.Delay == 0:
		return bad("it has neither a status nor a delay, so it would do nothing")
	}
	return nil
}

// validMethod reports whether m is an HTTP method token in upper case,
// the only case methods are compared in.
func validMethod(m string) bool {
	for i := 0; i < len(m); i++ {
		if c := m[i]; c < 'A' || c > 'Z' {
			return false
		}
	}
	return m != ""
}

// validPathPattern checks the syntax matchPath reads.
func validPathPattern(p string) error {
	if !strings.HasPrefix(p, "/") {
		return errors.New(`it must start with "/"`)
	}
	segs := strings.Split(p[1:], "/")
	for i, seg := range segs {
		if !strings.ContainsAny(seg, "{}") {
			continue
		}
		if len(seg) < 3 || seg[0] != '{' || seg[len(seg)-1] != '}' || strings.ContainsAny(seg[1:len(seg)-1], "{}") {
			return fmt.Errorf("segment %q: a wildcard is a whole segment, {name} or {name...}", seg)
		}
		if strings.HasSuffix(seg, "...}") && i != len(segs)-1 {
			return fmt.Errorf("segment %q: {name...} must be the last segment", seg)
		}
	}
	return nil
}

// matchPath reports whether path matches the pattern p, whose syntax is
// described at Fault.Path. Cost: O(len(p) + len(path)), no allocation.
func matchPath(p, path string) bool {
	if !strings.HasPrefix(path, "/") {
		return false
	}
	p, path = p[1:], path[1:]
	for {
		pseg, prest, pmore := strings.Cut(p, "/")
		if strings.HasPrefix(pseg, "{") && strings.HasSuffix(pseg, "...}") {
			return true
		}
		seg, rest, more := strings.Cut(path, "/")
		if pseg == "*" || strings.HasPrefix(pseg, "{") {
			if seg == "" {
				return false
			}
		} else if pseg != seg {
			return false
		}
		if !pmore || !more {
			return pmore == more
		}
		p, path = prest, rest
	}
}

// opNames returns the distinct operation names of the route table,
// sorted: the names a Fault's Op may take.
func opNames() []string {
	names := make([]string, 0, len(routeTable))
	for _, rt := range routeTable {
		names = append(names, rt.op)
	}
	slices.Sort(names)
	return slices.Compact(names)
}

// faultJSON is a fault as /_claimq/faults reads and writes it: Delay as
// a Go duration ("30s"), and, in replies, the ID and the injections
// made and left (-1: unlimited).
type faultJSON struct {
	ID       int    `json:"id,omitempty"`
	Op       string `json:"op,omitempty"`
	Method   string `json:"method,omitempty"`
	Path     string `json:"path,omitempty"`
	Count    int    `json:"count,omitempty"`
	Status   int    `json:"status,omitempty"`
	Delay    string `json:"delay,omitempty"`
	Injected *int   `json:"injected,omitempty"`
	Left     *int   `json:"left,omitempty"`
}

func toJSON(s FaultState) faultJSON {
	left := s.Left()
	out := faultJSON{ID: s.ID, Op: s.Op, Method: s.Method, Path: s.Path, Count: s.Count,
		Status: s.Status, Injected: &s.Injected, Left: &left}
	if s.Delay > 0 {
		out.Delay = s.Delay.String()
	}
	return out
}

// faultsReply is the body of GET /_claimq/faults.
type faultsReply struct {
	Faults  []faultJSON `json:"faults"`
	Stalled int         `json:"stalled"`
}

// listFaults answers GET /_claimq/faults with every fault of the set, in
// the order they were added, and the number of stalled requests.
func (h *handler) listFaults(w http.ResponseWriter, r *http.Request) {
	reply := faultsReply{Faults: []faultJSON{}, Stalled: h.faults.Stalled()}
	for _, s := range h.faults.List() {
		reply.Faults = append(reply.Faults, toJSON(s))
	}
	writeJSON(w, http.StatusOK, reply)
}

// addFault answers POST /_claimq/faults: the body is one fault, such as
// {"op": "claims:create", "status": 503, "count": 1}; the reply, 201, is
// the fault with its ID.
func (h *handler) addFault(w http.ResponseWriter, r *http.Request) {
	body, err := readBody(w, r, 4<<10, "fault")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	var in faultJSON
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil || dec.More() {
		h.fail(w, r, badBody(`A fault is one JSON object with "op", "method", "path", "count", "status" and "delay" (all optional, but one of status and delay): %v`, err))
		return
	}
	if in.ID != 0 || in.Injected != nil || in.Left != nil {
		h.fail(w, r, badBody(`"id", "injected" and "left" are set by the server.`))
		return
	}
	ft := Fault{Op: in.Op, Method: in.Method, Path: in.Path, Count: in.Count, Status: in.Status}
	if in.Delay != "" {
		if ft.Delay, err = time.ParseDuration(in.Delay); err != nil {
			h.fail(w, r, badBody(`"delay" must be a Go duration such as "30s", not %q.`, in.Delay))
			return
		}
	}
	id, err := h.faults.Add(ft)
	if err != nil {
		h.fail(w, r, badBody("%v", err))
		return
	}
	writeJSON(w, http.StatusCreated, toJSON(FaultState{Fault: ft, ID: id}))
}

// clearFaults answers DELETE /_claimq/faults: every fault goes and every
// stalled request goes on (see Faults.Clear).
func (h *handler) clearFaults(w http.ResponseWriter, r *http.Request) {
	h.faults.Clear()
	w.WriteHeader(http.StatusNoContent)
}

// removeFault answers DELETE /_claimq/faults/{id}: 204, or 404 if the
// set has no such fault.
func (h *handler) removeFault(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.Atoi(r.PathValue("id"))
	if err != nil || !h.faults.Remove(id) {
		h.fail(w, r, notFound("There is no fault %q.", r.PathValue("id")))
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
