package zaqar_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/claimq/claimq/zaqar"
)

// BenchmarkHTTPCycle measures the life of a message over loopback HTTP,
// as a Zaqar producer and consumer drive it: one post of 10 messages, one
// claim of 10, then 10 deletes with the claim, per iteration. ns/msg is
// the time per message of the whole cycle.
func BenchmarkHTTPCycle(b *testing.B) {
	srv := httptest.NewServer(zaqar.NewHandler(zaqar.Options{}))
	defer srv.Close()
	client := srv.Client()
	const batch = 10
	var post strings.Builder
	post.WriteString(`{"messages":[`)
	for i := range batch {
		if i > 0 {
			post.WriteString(",")
		}
		fmt.Fprintf(&post, `{"ttl":300,"body":{"event":"order.created","id":%d}}`, i)
	}
	post.WriteString(`]}`)
	postBody := post.String()

	do := func(method, url, body string, want int) []byte {
		req, err := http.NewRequest(method, url, strings.NewReader(body))
		if err != nil {
			b.Fatal(err)
		}
		req.Header.Set("Client-ID", clientA)
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		out, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != want {
			b.Fatalf("%s %s = %d %s (%v); want %d", method, url, resp.StatusCode, out, err, want)
		}
		return out
	}
	hrefs := make([]string, 0, batch)
	b.ReportAllocs()
	for b.Loop() {
		do("POST", srv.URL+"/v2/queues/bench/messages", postBody, http.StatusCreated)
		claimed := string(do("POST", srv.URL+"/v2/queues/bench/claims?limit=10", "", http.StatusCreated))
		hrefs = hrefs[:0]
		for rest := claimed; ; {
			_, after, ok := strings.Cut(rest, `"href":"`)
			if !ok {
				break
			}
			href, tail, _ := strings.Cut(after, `"`)
			hrefs, rest = append(hrefs, href), tail
		}
		if len(hrefs) != batch {
			b.Fatalf("claimed %d messages; want %d: %s", len(hrefs), batch, claimed)
		}
		for _, href := range hrefs {
			do("DELETE", srv.URL+href, "", http.StatusNoContent)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*batch), "ns/msg")
}
