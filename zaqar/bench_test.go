package zaqar_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/claimq/claimq/zaqar"
)

// BenchmarkHTTPCycle measures the life of a message over loopback HTTP,
// as a Zaqar producer and consumer drive it: one post of 10 messages, one
// claim of 10, then 10 deletes with the claim (DELETE
// …/messages/{id}?claim_id=…), per iteration. ns/msg is the time per
// message of the whole cycle.
func BenchmarkHTTPCycle(b *testing.B) { benchHTTPCycle(b, zaqar.NewHandler(zaqar.Options{}), false) }

// BenchmarkHTTPCycleBaseline is BenchmarkHTTPCycle answered by a
// handler that does nothing but read each body and write a canned
// answer of the same status, headers and size: the cost of net/http and
// of the benchmark's client, against which the handler's own cost is
// judged (BenchmarkHTTPCycle / BenchmarkHTTPCycleBaseline).
func BenchmarkHTTPCycleBaseline(b *testing.B) { benchHTTPCycle(b, cannedHandler(), false) }

// cannedHandler answers the requests of the cycle as the zaqar handler
// does, from answers recorded once.
func cannedHandler() http.Handler {
	var posted, claimed strings.Builder
	posted.WriteString(`{"resources":[`)
	claimed.WriteString(`{"messages":[`)
	for i := range 10 {
		if i > 0 {
			posted.WriteString(",")
			claimed.WriteString(",")
		}
		id := fmt.Sprintf("%016x", 0x400+i)
		fmt.Fprintf(&posted, `"/v2/queues/bench/messages/%s"`, id)
		fmt.Fprintf(&claimed, `{"id":"%s","href":"/v2/queues/bench/messages/%s?claim_id=0123456789abcdef0123456789abcdef","ttl":300,"age":0,"body":{"event":"order.created","id":%d}}`, id, id, i)
	}
	posted.WriteString("]}\n")
	claimed.WriteString("]}\n")
	postBody, claimBody := []byte(posted.String()), []byte(claimed.String())
	ctJSON := []string{"application/json; charset=UTF-8"}
	postLoc := []string{"/v2/queues/bench/messages?ids=0000000000000400,0000000000000401,0000000000000402,0000000000000403,0000000000000404,0000000000000405,0000000000000406,0000000000000407,0000000000000408,0000000000000409"}
	claimLoc := []string{"/v2/queues/bench/claims/0123456789abcdef0123456789abcdef"}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		switch {
		case r.Method == "DELETE":
			w.WriteHeader(http.StatusNoContent)
		case strings.HasSuffix(r.URL.Path, "/messages"):
			w.Header()["Location"], w.Header()["Content-Type"] = postLoc, ctJSON
			w.WriteHeader(http.StatusCreated)
			_, _ = w.Write(postBody)
		default:
			w.Header()["Location"], w.Header()["Content-Type"] = claimLoc, ctJSON
			w.WriteHeader(http.StatusCreated)
			_, _ = w.Write(claimBody)
		}
	})
}

// BenchmarkHTTPCycleBatchDelete is BenchmarkHTTPCycle with the 10 deletes
// made as one request (DELETE …/messages?ids=a,b,…), which deletes
// whether claimed or not: 3 requests per 10 messages rather than 12. It
// shows what the per-request cost of net/http weighs; the figure of the
// consumer's cycle is BenchmarkHTTPCycle's.
func BenchmarkHTTPCycleBatchDelete(b *testing.B) {
	benchHTTPCycle(b, zaqar.NewHandler(zaqar.Options{}), true)
}

// benchHTTPCycle drives the cycle as a good client does: one
// http.Client over one kept-alive connection (the benchmark fails if
// connections are not kept alive), every body drained and closed, URLs
// built once.
func benchHTTPCycle(b *testing.B, h http.Handler, batchDelete bool) {
	var conns atomic.Int64
	srv := httptest.NewUnstartedServer(h)
	srv.Start()
	defer srv.Close()
	client := srv.Client()
	tr := client.Transport.(*http.Transport)
	// The transport hands a connection back to its pool from another
	// goroutine after the body is read, and dials a new one if the next
	// request comes first; one connection per host rules that out.
	tr.MaxConnsPerHost = 1
	// Dials are counted at the client: on a shared machine, other
	// processes may connect to the server's port.
	tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		conns.Add(1)
		return (&net.Dialer{}).DialContext(ctx, network, addr)
	}
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
	postURL := srv.URL + "/v2/queues/bench/messages"
	claimURL := srv.URL + "/v2/queues/bench/claims?limit=10"

	var buf bytes.Buffer // reused: the client side of the cycle is not what is measured
	do := func(method, url, body string, want int) []byte {
		var rd io.Reader
		if body != "" {
			rd = strings.NewReader(body)
		}
		req, err := http.NewRequest(method, url, rd)
		if err != nil {
			b.Fatal(err)
		}
		// Canonical keys, set directly: what http.Header.Set would store.
		req.Header["Client-Id"] = []string{clientA}
		if body != "" {
			req.Header["Content-Type"] = []string{"application/json"}
		}
		resp, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		buf.Reset()
		_, err = buf.ReadFrom(resp.Body)
		if err != nil {
			b.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			b.Fatalf("%s %s = %d %s; want %d", method, url, resp.StatusCode, buf.Bytes(), want)
		}
		return buf.Bytes()
	}
	hrefs := make([]string, 0, batch)
	ids := make([]string, 0, batch)
	var del strings.Builder
	b.ReportAllocs()
	for b.Loop() {
		do("POST", postURL, postBody, http.StatusCreated)
		claimed := string(do("POST", claimURL, "", http.StatusCreated))
		hrefs, ids = hrefs[:0], ids[:0]
		for rest := claimed; ; {
			_, after, ok := strings.Cut(rest, `"href":"`)
			if !ok {
				break
			}
			href, tail, _ := strings.Cut(after, `"`)
			hrefs, rest = append(hrefs, href), tail
			path, _, _ := strings.Cut(href, "?")
			ids = append(ids, path[strings.LastIndexByte(path, '/')+1:])
		}
		if len(hrefs) != batch {
			b.Fatalf("claimed %d messages; want %d: %s", len(hrefs), batch, claimed)
		}
		if batchDelete {
			del.Reset()
			del.WriteString(postURL)
			del.WriteString("?ids=")
			del.WriteString(strings.Join(ids, ","))
			do("DELETE", del.String(), "", http.StatusNoContent)
			continue
		}
		for _, href := range hrefs {
			do("DELETE", srv.URL+href, "", http.StatusNoContent)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*batch), "ns/msg")
	// Under load the transport now and then drops a connection and dials
	// again; one per request would mean keep-alive is broken.
	if n := conns.Load(); n > 1+int64(b.N)/100 {
		b.Fatalf("the client opened %d connections for %d cycles; want one, kept alive", n, b.N)
	}
}

// BenchmarkListQueues lists a page of 10 queues with metadata from the
// middle of a project: the cost must not grow with the project.
func BenchmarkListQueues(b *testing.B) {
	for _, n := range []int{100, 10000} {
		b.Run(fmt.Sprintf("queues=%d", n), func(b *testing.B) {
			h := zaqar.NewHandler(zaqar.Options{})
			for i := range n {
				req := httptest.NewRequest("PUT", fmt.Sprintf("/v2/queues/q%05d", i), strings.NewReader(`{"k": 1}`))
				req.Header["Client-Id"] = []string{clientA}
				h.ServeHTTP(httptest.NewRecorder(), req)
			}
			req := httptest.NewRequest("GET", fmt.Sprintf("/v2/queues?detailed=true&marker=q%05d", n/2), nil)
			req.Header["Client-Id"] = []string{clientA}
			b.ReportAllocs()
			for b.Loop() {
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					b.Fatalf("list = %d %s", rec.Code, rec.Body)
				}
			}
		})
	}
}
