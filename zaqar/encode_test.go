package zaqar

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/claimq/claimq"
)

// The direct encoders must write the bytes json.Encoder writes (with
// HTML escaping off, as writeJSON) for the shapes they replace.

// wireMessage is a message as Zaqar's formatters shape it, for
// encoding/json to write as the reference.
type wireMessage struct {
	ID   string          `json:"id,omitempty"`
	Href string          `json:"href"`
	TTL  int64           `json:"ttl"`
	Age  int64           `json:"age"`
	Body json.RawMessage `json:"body"`
}

// wire shapes msgs as v shows them: hrefs carry claim, or when it is
// zero the claim holding each message where v shows it.
func wire(v *version, queue string, msgs []message, claim claimq.ClaimID, now time.Time) []wireMessage {
	out := []wireMessage{}
	for _, m := range msgs {
		w := wireMessage{Href: v.base + "/queues/" + queue + "/messages/" + m.ID.String(),
			TTL: int64(m.TTL / time.Second), Age: int64(now.Sub(m.Created) / time.Second), Body: m.Body}
		if v != ver10 {
			w.ID = m.ID.String()
		}
		held := claim
		if claim.IsZero() && v != ver10 {
			held = m.ClaimID
		}
		if !held.IsZero() {
			w.Href += "?claim_id=" + held.String()
		}
		out = append(out, w)
	}
	return out
}

func encoderBytes(t *testing.T, v any) string {
	t.Helper()
	w := httptest.NewRecorder()
	writeJSON(w, http.StatusOK, v)
	return w.Body.String()
}

func TestWriteMessagesMatchesEncoder(t *testing.T) {
	now := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	held := claimq.ClaimID{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}
	other := claimq.ClaimID{0xff, 0xee}
	var msgs []message
	for i, body := range []string{
		`{"event":"order.created","id":1}`, `"<a&b>"`, "\"\u2028\u2029\"", `[1,2.5e3,null,true]`,
		`{"a" : [ 1 , 2 ] }`, ``, `"é\u00e9\n"`,
	} {
		m := message{ID: claimq.MessageID(0xabc0 + i), Body: json.RawMessage(body),
			TTL: time.Duration(300+i) * time.Second, Created: now.Add(-time.Duration(i) * 1500 * time.Millisecond)}
		if body == "" {
			m.Body = nil // the Encoder's null; stored bodies are never empty
		}
		if i%2 == 1 {
			m.ClaimID = held
		}
		msgs = append(msgs, m)
	}
	for _, v := range []*version{ver10, ver11, ver2} {
		for _, cid := range []claimq.ClaimID{{}, other} {
			for _, n := range []int{0, 1, len(msgs)} {
				want := wire(v, "q_1.-Z", msgs[:n], cid, now)
				var wantBody string
				if v.bare {
					wantBody = encoderBytes(t, want)
				} else {
					wantBody = encoderBytes(t, map[string][]wireMessage{"messages": want})
				}
				w := httptest.NewRecorder()
				v.writeMessages(w, http.StatusCreated, v.queues("q_1.-Z"), msgs[:n], cid, now)
				if got := w.Body.String(); got != wantBody {
					t.Errorf("%s claim %v n %d:\n got %s\nwant %s", v.base, cid, n, got, wantBody)
				}
				if w.Code != http.StatusCreated || w.Header().Get("Content-Type") != contentTypeJSON {
					t.Errorf("%s: status %d, Content-Type %q", v.base, w.Code, w.Header().Get("Content-Type"))
				}
				if !cid.IsZero() {
					cl := claim{ID: cid, Messages: msgs[:n], TTL: 90 * time.Second, Renewed: now.Add(-30 * time.Second)}
					w = httptest.NewRecorder()
					v.writeClaim(w, v.queues("q_1.-Z"), cl, now)
					wantBody = encoderBytes(t, struct {
						Age      int64         `json:"age"`
						TTL      int64         `json:"ttl"`
						Href     string        `json:"href"`
						Messages []wireMessage `json:"messages"`
					}{30, 90, v.base + "/queues/q_1.-Z/claims/" + cid.String(), want})
					if got := w.Body.String(); got != wantBody {
						t.Errorf("claim %s n %d:\n got %s\nwant %s", v.base, n, got, wantBody)
					}
					continue
				}
				for _, next := range []string{"", "/v2/queues/q/messages?marker=1&x=\"<é>\""} {
					w = httptest.NewRecorder()
					v.writePage(w, v.queues("q_1.-Z"), msgs[:n], next, now)
					links := []link{}
					if next != "" {
						links = append(links, link{Rel: "next", Href: next})
					}
					wantBody = encoderBytes(t, struct {
						Messages []wireMessage `json:"messages"`
						Links    []link        `json:"links"`
					}{want, links})
					if got := w.Body.String(); got != wantBody {
						t.Errorf("page %s n %d:\n got %s\nwant %s", v.base, n, got, wantBody)
					}
				}
				if n > 0 {
					w = httptest.NewRecorder()
					v.writeMessage(w, v.queues("q_1.-Z"), msgs[n-1], now)
					if got, want := w.Body.String(), encoderBytes(t, want[n-1]); got != want {
						t.Errorf("message %s:\n got %s\nwant %s", v.base, got, want)
					}
				}
			}
		}
	}
}

func TestWritePostedMatchesEncoder(t *testing.T) {
	ids := []claimq.MessageID{1, 0xdeadbeef, 1<<64 - 1}
	for _, v := range []*version{ver10, ver11, ver2} {
		for _, partial := range []bool{false, true} {
			for _, n := range []int{1, len(ids)} {
				refs, idList := []string{}, []string{}
				for _, id := range ids[:n] {
					refs = append(refs, v.base+"/queues/qq/messages/"+id.String())
					idList = append(idList, id.String())
				}
				want := map[string]any{"resources": refs}
				if partial {
					want["partial"] = false
				}
				w := httptest.NewRecorder()
				writePosted(&call{v: v, w: w, target: target{queue: "qq"}, qpath: v.queues("qq")}, ids[:n], partial)
				if got, want := w.Body.String(), encoderBytes(t, want); got != want {
					t.Errorf("got %s\nwant %s", got, want)
				}
				wantLoc := v.queuePath("qq") + "/messages?ids=" + strings.Join(idList, ",")
				if got := w.Header().Get("Location"); got != wantLoc || w.Code != http.StatusCreated {
					t.Errorf("Location %q, status %d; want %q, 201", got, w.Code, wantLoc)
				}
			}
		}
	}
}

func TestValidName(t *testing.T) {
	for name, want := range map[string]bool{
		"": false, "a": true, strings.Repeat("a", 64): true, strings.Repeat("a", 65): false,
		"a-b_c.D9": true, "a b": false, "a/b": false, "é": false, "a\n": false, "\x00": false,
	} {
		if got := validName(name); got != want {
			t.Errorf("validName(%q) = %v; want %v", name, got, want)
		}
	}
}
