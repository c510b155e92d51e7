package zaqar

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// The names Fault.Op documents are exactly those operation returns.
func TestOpNames(t *testing.T) {
	assert.Equal(t, []string{
		"claims:create", "claims:delete", "claims:get", "claims:update",
		"health:get",
		"messages:create", "messages:delete", "messages:delete_all", "messages:get", "messages:get_all",
		"ping:get",
		"queues:create", "queues:delete", "queues:get", "queues:get_all", "queues:purge",
		"queues:share", "queues:stats", "queues:update",
	}, opNames())
}

func TestOperation(t *testing.T) {
	for _, tt := range []struct{ method, path, want string }{
		{"GET", "/v2/queues", "queues:get_all"},
		{"PUT", "/v1.1/queues/q", "queues:create"},
		{"GET", "/v1/queues/q/metadata", "queues:get"},
		{"PUT", "/v1/queues/q/metadata", "queues:update"},
		{"POST", "/v2/queues/q/share", "queues:share"},
		{"DELETE", "/v2/queues/q/messages", "messages:delete_all"},
		{"PATCH", "/v2/queues/q/claims/c", "claims:update"},
		{"GET", "/v1/health", "health:get"},
		{"GET", "/v3/queues", ""},
		{"GET", "/v2/queues/q/messages/m/x", ""},
		{"POST", "/v2/queues//claims", ""},
		{"GET", "/", ""},
	} {
		assert.Equal(t, tt.want, operation(tt.method, tt.path), "operation(%s, %s)", tt.method, tt.path)
	}
}

func TestMatchPath(t *testing.T) {
	for _, tt := range []struct {
		pattern, path string
		want          bool
	}{
		{"/v2/queues", "/v2/queues", true},
		{"/v2/queues", "/v2/queues/", false},
		{"/v2/queues/", "/v2/queues/", true},
		{"/v2/queues/*", "/v2/queues/", false},
		{"/v2/queues/{q}", "/v2/queues/a", true},
		{"/v2/queues/{q}", "/v2/queues/a/b", false},
		{"/v2/{rest...}", "/v2/", true},
		{"/v2/{rest...}", "/v2/a/b/c", true},
		{"/v2/{rest...}", "/v1/a", false},
		{"/{rest...}", "/", true},
		{"/", "/", true},
		{"/", "/a", false},
		{"/v2", "v2", false},
	} {
		assert.Equal(t, tt.want, matchPath(tt.pattern, tt.path), "matchPath(%q, %q)", tt.pattern, tt.path)
	}
}
