package zaqar

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// A hook before the routes sees each request with its operation's name,
// after the checks of its version, and may answer it instead.
func TestInterceptSeesOperation(t *testing.T) {
	hh := NewHandler(Options{})
	var seen []string
	hh.h.intercept = func(w http.ResponseWriter, r *http.Request, op string) bool {
		seen = append(seen, op)
		if op == "claims:create" {
			writeError(w, errorf(http.StatusServiceUnavailable, titleUnavailable, "injected"))
			return true
		}
		return false
	}
	for _, tt := range []struct {
		method, target string
		op             string // "" for none: the request does not reach a route
		status         int
	}{
		{"GET", "/v2/queues", "queues:get_all", 200},
		{"HEAD", "/v1/queues/q", "queues:get", 404},
		{"GET", "/v1/queues/q/metadata", "queues:get", 404},
		{"POST", "/v1.1/queues/q/messages", "messages:create", 400},
		{"DELETE", "/v2/queues/q/messages?pop=1", "messages:delete_all", 200},
		{"POST", "/v2/queues/q/claims", "claims:create", 503},
		{"DELETE", "/v1/queues/q/claims/x", "claims:delete", 204},
		{"PUT", "/v2/topics/t", "topics:create", 201},
		{"POST", "/v2/topics/t/messages", "messages:create", 400},
		{"HEAD", "/v2/ping", "ping:get", 204},
		{"GET", "/v2/", "home:get", 200},
		{"GET", "/v2/queues", "", 400},          // no Client-ID: refused before the routes
		{"POST", "/v2/queues/q/stats", "", 405}, // no route for the method
		{"GET", "/v2/nothing", "", 404},
	} {
		seen = seen[:0]
		req := httptest.NewRequest(tt.method, tt.target, strings.NewReader(""))
		if !(tt.status == 400 && tt.op == "") {
			req.Header.Set("Client-ID", "3381af92-2b9e-11e3-b191-71861300734c")
		}
		rec := httptest.NewRecorder()
		hh.ServeHTTP(rec, req)
		if rec.Code != tt.status {
			t.Errorf("%s %s = %d %s; want %d", tt.method, tt.target, rec.Code, rec.Body, tt.status)
		}
		want := []string{}
		if tt.op != "" {
			want = append(want, tt.op)
		}
		if strings.Join(seen, ",") != strings.Join(want, ",") {
			t.Errorf("%s %s: the hook saw %q; want %q", tt.method, tt.target, seen, want)
		}
	}
}
