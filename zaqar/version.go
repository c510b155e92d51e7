package zaqar

import (
	"encoding/json"
	"time"

	"github.com/claimq/claimq"
)

// version is what sets one API version's representation apart from the
// others'; the operations are the same for all. Decoders and encoders of
// v1.go, v1_1.go and v2*.go read it through the call.
type version struct {
	base string // the path prefix, without the trailing slash
	// ids shows a message's "id" field; v1.0 clients parse the href.
	ids bool
	// heldHrefs adds ?claim_id= of the claim holding a message to its
	// href outside claim responses, which v1.0 never does.
	heldHrefs bool
	// bare answers collections as bare arrays, not in {"messages": …}.
	bare bool
	// emptyNoContent answers 204 to a listing with nothing in it, and
	// to a get by ids that found nothing, where later versions answer 200
	// with an empty page and 404.
	emptyNoContent bool
	// contentLocation sets Content-Location on reads, as v1.0 did.
	contentLocation bool
	// projectOptional ignores Options.RequireProject: Zaqar never
	// required X-Project-Id on v1.0.
	projectOptional bool
}

var (
	ver10 = &version{base: "/v1", bare: true, emptyNoContent: true, contentLocation: true, projectOptional: true}
	ver11 = &version{base: "/v1.1", ids: true, heldHrefs: true}
	ver2  = &version{base: "/v2", ids: true, heldHrefs: true}
)

// Path builders for the hrefs and Location headers of v.
func (v *version) queuePath(q string) string { return v.base + "/queues/" + q }

func (v *version) messagePath(q string, id claimq.MessageID, claim claimq.ClaimID) string {
	p := v.base + "/queues/" + q + "/messages/" + id.String()
	if !claim.IsZero() {
		p += "?claim_id=" + claim.String()
	}
	return p
}

func (v *version) claimPath(q string, id claimq.ClaimID) string {
	return v.base + "/queues/" + q + "/claims/" + id.String()
}

// setContentLocation sets Content-Location to the request's path, and
// its query if withQuery, where the version does: v1.0's reads.
func setContentLocation(c *call, withQuery bool) {
	if c.v.contentLocation {
		loc := c.r.URL.Path
		if withQuery && c.r.URL.RawQuery != "" {
			loc += "?" + c.r.URL.RawQuery
		}
		c.w.Header().Set("Content-Location", loc)
	}
}

// wireMessage is a message as every version formats it
// (format_message_v1, format_message_v1_1, format_message); v1.0 leaves
// out the ID.
type wireMessage struct {
	ID   string          `json:"id,omitempty"`
	Href string          `json:"href"`
	TTL  int64           `json:"ttl"`
	Age  int64           `json:"age"`
	Body json.RawMessage `json:"body"`
}

// seconds returns d in whole seconds, rounded down and never negative:
// the wire's integer ages and TTLs.
func seconds(d time.Duration) int64 { return max(int64(d/time.Second), 0) }

// encodeMessage formats m, a message of queue, as v shows it; its href
// carries claim, if not zero.
func (v *version) encodeMessage(queue string, m message, claim claimq.ClaimID, now time.Time) wireMessage {
	w := wireMessage{
		Href: v.messagePath(queue, m.ID, claim),
		TTL:  seconds(m.TTL),
		Age:  seconds(m.Age(now)),
		Body: m.Body,
	}
	if v.ids {
		w.ID = m.ID.String()
	}
	return w
}

// encodeMessages formats messages read outside a claim: their hrefs
// carry the claim holding them where v shows it.
func (v *version) encodeMessages(queue string, msgs []message, now time.Time) []wireMessage {
	out := make([]wireMessage, len(msgs))
	for i, m := range msgs {
		var held claimq.ClaimID
		if v.heldHrefs {
			held = m.ClaimID
		}
		out[i] = v.encodeMessage(queue, m, held, now)
	}
	return out
}

// encodeClaimed formats the messages of claim cl, whose hrefs carry it in
// every version.
func (v *version) encodeClaimed(queue string, cl claim, now time.Time) []wireMessage {
	out := make([]wireMessage, len(cl.Messages))
	for i, m := range cl.Messages {
		out[i] = v.encodeMessage(queue, m, cl.ID, now)
	}
	return out
}
