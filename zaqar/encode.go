package zaqar

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/claimq/claimq"
)

// This file holds the encoders of messages and of the responses made of
// them (posts, claims, message pages): they append the bytes
// json.Encoder would write for the same values, without reflection, maps
// or intermediate strings. The tests compare their output with the
// Encoder's.

// bufPool holds response buffers; those grown past maxPooledBuf are
// left to the collector so that one large page does not pin its memory.
var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

const maxPooledBuf = 64 << 10

// getBuf returns an empty buffer from the pool; putBuf(p, b) returns it
// with b, the buffer as grown by appends.
func getBuf() *[]byte { return bufPool.Get().(*[]byte) }

func putBuf(p *[]byte, b []byte) {
	if cap(b) <= maxPooledBuf {
		*p = b[:0]
		bufPool.Put(p)
	}
}

// contentTypeValue is the Content-Type header value of every JSON
// response, shared: net/http only reads it, and its capacity is its
// length, so an Add would copy it.
var contentTypeValue = []string{contentTypeJSON}

// writeBody writes body, a JSON document ending in a newline as
// json.Encoder ends it, as the response with status.
func writeBody(w http.ResponseWriter, status int, body []byte) {
	w.Header()["Content-Type"] = contentTypeValue
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// appendMessageID appends id as its String writes it.
func appendMessageID(b []byte, id claimq.MessageID) []byte {
	b, _ = id.AppendText(b) // never fails
	return b
}

// appendClaimID appends id as its String writes it.
func appendClaimID(b []byte, id claimq.ClaimID) []byte {
	b, _ = id.AppendText(b) // never fails
	return b
}

// appendClaimPath appends claimPath(qpath, id).
func appendClaimPath(b []byte, qpath resPath, id claimq.ClaimID) []byte {
	b = qpath.appendTo(b)
	b = append(b, "/claims/"...)
	return appendClaimID(b, id)
}

// appendMessagePath appends messagePath(qpath, id, claim).
func appendMessagePath(b []byte, qpath resPath, id claimq.MessageID, claim claimq.ClaimID) []byte {
	b = qpath.appendTo(b)
	b = append(b, "/messages/"...)
	b = appendMessageID(b, id)
	if !claim.IsZero() {
		b = append(b, "?claim_id="...)
		b = appendClaimID(b, claim)
	}
	return b
}

// appendRawJSON appends raw, valid JSON, as the Encoder writes a
// json.RawMessage: compacted, and null when empty. Stored bodies were
// compacted when posted, so they have no white space at all outside
// strings; one with none anywhere is copied as it is.
func appendRawJSON(b []byte, raw json.RawMessage) []byte {
	if len(raw) == 0 {
		return append(b, "null"...)
	}
	if !bytes.ContainsAny(raw, " \t\r\n") {
		return append(b, raw...)
	}
	buf := bytes.NewBuffer(b)
	if json.Compact(buf, raw) != nil {
		return append(b, raw...) // not valid: unreachable for stored bodies
	}
	return buf.Bytes()
}

// appendMessage appends m, a message of the queue or topic at path qpath
// (v1.0's /v1/queues/q), as every version shows it (Zaqar's
// format_message_v1, format_message_v1_1, format_message): {"id",
// "href", "ttl", "age", "body"}, without "id" in v1.0. Its href carries
// claim, if not zero. qpath holds a valid name: nothing to escape. This
// is the one encoder of messages; the tests compare its output with
// encoding/json's for the same fields.
func (v *version) appendMessage(b []byte, qpath resPath, m message, claim claimq.ClaimID, now time.Time) []byte {
	b = append(b, '{')
	if v.ids {
		b = append(b, `"id":"`...)
		b = appendMessageID(b, m.ID)
		b = append(b, `",`...)
	}
	b = append(b, `"href":"`...)
	b = appendMessagePath(b, qpath, m.ID, claim)
	b = append(b, '"')
	b = append(b, `,"ttl":`...)
	b = strconv.AppendInt(b, seconds(m.TTL), 10)
	b = append(b, `,"age":`...)
	b = strconv.AppendInt(b, seconds(m.Age(now)), 10)
	b = append(b, `,"body":`...)
	b = appendRawJSON(b, m.Body)
	return append(b, '}')
}

// appendMessages appends msgs as a JSON array. With claim zero they
// were read outside a claim, and each href carries the claim holding
// the message where v shows it; otherwise they are claim's.
func (v *version) appendMessages(b []byte, qpath resPath, msgs []message, claim claimq.ClaimID, now time.Time) []byte {
	b = append(b, '[')
	for i, m := range msgs {
		if i > 0 {
			b = append(b, ',')
		}
		held := claim
		if claim.IsZero() && v.heldHrefs {
			held = m.ClaimID
		}
		b = v.appendMessage(b, qpath, m, held, now)
	}
	return append(b, ']')
}

// appendString appends s as a JSON string, as the Encoder writes it
// without HTML escaping.
func appendString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == '"' || c == '\\' || c >= 0x80 {
			var buf bytes.Buffer
			enc := json.NewEncoder(&buf)
			enc.SetEscapeHTML(false)
			_ = enc.Encode(s) // a string: cannot fail
			return append(b, bytes.TrimSuffix(buf.Bytes(), []byte("\n"))...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// writeMessages writes msgs as the response with status: a bare array
// in v1.0, else {"messages": […]}; qpath and claim as appendMessages
// takes them.
func (v *version) writeMessages(w http.ResponseWriter, status int, qpath resPath, msgs []message, claim claimq.ClaimID, now time.Time) {
	p := getBuf()
	b := *p
	if !v.bare {
		b = append(b, `{"messages":`...)
	}
	b = v.appendMessages(b, qpath, msgs, claim, now)
	if !v.bare {
		b = append(b, '}')
	}
	b = append(b, '\n')
	writeBody(w, status, b)
	putBuf(p, b)
}

// writePage writes a page of a message listing, {"messages": […],
// "links": […]}, with a next link to next if not empty, in every
// version.
func (v *version) writePage(w http.ResponseWriter, qpath resPath, msgs []message, next string, now time.Time) {
	p := getBuf()
	b := append(*p, `{"messages":`...)
	b = v.appendMessages(b, qpath, msgs, claimq.ClaimID{}, now)
	b = append(b, `,"links":[`...)
	if next != "" {
		b = append(b, `{"rel":"next","href":`...)
		b = appendString(b, next)
		b = append(b, '}')
	}
	b = append(b, "]}\n"...)
	writeBody(w, http.StatusOK, b)
	putBuf(p, b)
}

// writeMessage writes m, read outside a claim, as the 200 response.
func (v *version) writeMessage(w http.ResponseWriter, qpath resPath, m message, now time.Time) {
	p := getBuf()
	held := claimq.ClaimID{}
	if v.heldHrefs {
		held = m.ClaimID
	}
	b := v.appendMessage(*p, qpath, m, held, now)
	b = append(b, '\n')
	writeBody(w, http.StatusOK, b)
	putBuf(p, b)
}

// writeClaim writes cl as the 200 response of a claim read, {"age",
// "ttl", "href", "messages"} in every version.
func (v *version) writeClaim(w http.ResponseWriter, qpath resPath, cl claim, now time.Time) {
	p := getBuf()
	b := append(*p, `{"age":`...)
	b = strconv.AppendInt(b, seconds(cl.Age(now)), 10)
	b = append(b, `,"ttl":`...)
	b = strconv.AppendInt(b, seconds(cl.TTL), 10)
	b = append(b, `,"href":"`...)
	b = appendClaimPath(b, qpath, cl.ID)
	b = append(b, `","messages":`...)
	b = v.appendMessages(b, qpath, cl.Messages, cl.ID, now)
	b = append(b, "}\n"...)
	writeBody(w, http.StatusOK, b)
	putBuf(p, b)
}

// writePosted sets the Location of posted messages and answers 201 with
// their hrefs, {"resources": […]} in every version, after
// "partial": false in v1.0's; the bytes are those the Encoder writes for
// the map of the same keys.
func writePosted(c *call, ids []claimq.MessageID, partial bool) {
	p := getBuf()
	b := *p
	// Location first, in the same buffer: one string for the header.
	b = c.qpath.appendTo(b)
	b = append(b, "/messages?ids="...)
	for i, id := range ids {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendMessageID(b, id)
	}
	c.w.Header()["Location"] = []string{string(b)}
	b = b[:0]
	if partial {
		b = append(b, `{"partial":false,"resources":[`...)
	} else {
		b = append(b, `{"resources":[`...)
	}
	for i, id := range ids {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '"')
		b = appendMessagePath(b, c.qpath, id, claimq.ClaimID{})
		b = append(b, '"')
	}
	b = append(b, "]}\n"...)
	writeBody(c.w, http.StatusCreated, b)
	putBuf(p, b)
}
