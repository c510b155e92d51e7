package zaqar_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/claimq/claimq/zaqar"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// encodeHeaders writes hdr as "Name: value" lines, the fuzz input form.
func encodeHeaders(hdr map[string]string) string {
	var b strings.Builder
	for k, v := range hdr {
		b.WriteString(k + ": " + v + "\n")
	}
	return b.String()
}

// FuzzHandler sends arbitrary requests to a handler holding a queue with
// messages and a claim, whose IDs the input may name as {m0}, {m1}, {m2}
// and {cid}: whatever the method, path, query, headers and body, the
// answer is never a 5xx, never a panic, and JSON (or JSON-home) when it
// has a body.
func FuzzHandler(f *testing.F) {
	for _, tt := range httpCases {
		f.Add(tt.method, tt.target, encodeHeaders(tt.hdr), []byte(tt.body))
	}
	for _, tt := range append(v10Cases[:len(v10Cases):len(v10Cases)], v11Cases...) {
		f.Add(tt.method, tt.target, encodeHeaders(tt.hdr), []byte(tt.body))
	}
	for _, r := range routes {
		f.Add(r.method, r.target, "X-Auth-Token: x\n", []byte(r.body))
	}
	f.Add("GET", "/v2/queues/q/messages", "URL-Signature: 00\nURL-Expires: 2030-01-01T00:00:00\nURL-Methods: GET\nURL-Paths: /v2/queues/q/messages\n", []byte(nil))
	f.Add("POST", "/_claimq/clock", "", []byte(`{"set": "0001-01-01T00:00:00Z"}`))
	f.Add("POST", "/_claimq/clock", "", []byte(`{"advance": "2562047h"}`))
	f.Add("PATCH", "/v2/queues/q", "Content-Type: application/openstack-messaging-v2.0-json-patch\n",
		[]byte(`[{"op":"add","path":"/metadata/_dead_letter_queue","value":"q"},{"op":"add","path":"/metadata/_max_claim_count","value":1}]`))

	f.Fuzz(func(t *testing.T, method, target, headers string, body []byte) {
		fx := newFixture(t, zaqar.Options{})
		req, err := http.NewRequest(method, "http://claimq.test"+fx.expand(target), bytes.NewReader(body))
		if err != nil {
			return // not a request a server could receive
		}
		req.Header.Set("Client-ID", clientA)
		for line := range strings.SplitSeq(headers, "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok {
				req.Header.Set(strings.TrimSpace(k), fx.expand(strings.TrimSpace(v)))
			}
		}
		rec := httptest.NewRecorder()
		require.NotPanics(t, func() { fx.h.ServeHTTP(rec, req) })
		assert.Less(t, rec.Code, 500, "%s %s: %d %s", method, target, rec.Code, rec.Body)
		// ServeMux answers unclean paths with its own redirect.
		if rec.Body.Len() > 0 && (rec.Code < 300 || rec.Code >= 400) {
			// The home documents are JSON-home, as Zaqar serves them.
			assert.Contains(t, []string{"application/json; charset=UTF-8", "application/json-home"},
				rec.Header().Get("Content-Type"), "%s %s", method, target)
			assert.True(t, utf8.Valid(rec.Body.Bytes()) && json.Valid(rec.Body.Bytes()),
				"%s %s: body is not UTF-8 JSON: %q", method, target, rec.Body)
		}
	})
}
