package zaqar

import (
	"math"
	"net/http"
	"time"
)

// clockReply is the body of both /_claimq/clock endpoints.
type clockReply struct {
	Now string `json:"now"`
}

func (h *handler) clockReply(w http.ResponseWriter) {
	writeJSON(w, http.StatusOK, clockReply{Now: h.opts.FakeClock.Now().UTC().Format(time.RFC3339Nano)})
}

// getClock answers GET /_claimq/clock with the fake clock's time.
func (h *handler) getClock(w http.ResponseWriter, r *http.Request) {
	h.clockReply(w)
}

// moveClock answers POST /_claimq/clock: {"advance": "<Go duration>"}
// moves the fake clock forward, {"set": "<RFC 3339>"} sets it, forward
// only: a step back is refused with 400, since queues that have seen a
// later time would not follow it while new ones would. Either move fires
// the clock's timers and then sweeps the queues (see Handler.Sweep), as
// the moment when messages expire; the reply is the new time.
func (h *handler) moveClock(w http.ResponseWriter, r *http.Request) {
	if err := h.doMoveClock(w, r); err != nil {
		h.fail(w, r, err)
		return
	}
	h.sweep()
	h.clockReply(w)
}

func (h *handler) doMoveClock(w http.ResponseWriter, r *http.Request) error {
	body, err := readBody(w, r, 4<<10, "clock request")
	if err != nil {
		return err
	}
	obj, err := decodeObject(body)
	if err != nil {
		return err
	}
	var req struct {
		Advance *string `json:"advance"`
		Set     *string `json:"set"`
	}
	if err := unmarshalNumbers(body, &req); err != nil {
		return badBody(`"advance" and "set" must be strings.`)
	}
	if len(obj) != 1 || (req.Advance == nil) == (req.Set == nil) {
		return badBody(`Send exactly one of {"advance": "90s"} or {"set": "<RFC 3339 time>"}.`)
	}
	if req.Advance != nil {
		d, err := time.ParseDuration(*req.Advance)
		if err != nil || d < 0 {
			return badBody(`"advance" must be a non-negative Go duration such as "90s", not %q.`, *req.Advance)
		}
		if !inClockRange(h.opts.FakeClock.Now().Add(d)) {
			return badBody(`"advance" %q would take the clock past the year 2262.`, *req.Advance)
		}
		h.opts.FakeClock.Advance(d)
		return nil
	}
	t, err := time.Parse(time.RFC3339Nano, *req.Set)
	if err != nil {
		return badBody(`"set" must be an RFC 3339 time, not %q.`, *req.Set)
	}
	if !inClockRange(t) {
		return badBody(`"set" must lie between the years 1678 and 2262 (int64 nanoseconds), not %q.`, *req.Set)
	}
	if now := h.opts.FakeClock.Now(); t.Before(now) {
		return badBody(`"set" %q is before the clock's time, %s: the clock only moves forward, since queues that have seen a later time would not follow it back.`,
			*req.Set, now.UTC().Format(time.RFC3339Nano))
	}
	h.opts.FakeClock.Set(t)
	return nil
}

// inClockRange reports whether t fits the queues' int64 nanosecond clock,
// with a year of room for TTLs.
func inClockRange(t time.Time) bool {
	return t.After(time.Unix(0, math.MinInt64+int64(365*24*time.Hour))) &&
		t.Before(time.Unix(0, math.MaxInt64-int64(30*365*24*time.Hour)))
}
