package zaqar

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// The names Fault.Op accepts are exactly the route table's operations.
func TestOpNames(t *testing.T) {
	assert.Equal(t, []string{
		"claims:create", "claims:delete", "claims:get", "claims:update",
		"health:get", "home:get",
		"messages:create", "messages:delete", "messages:delete_all", "messages:get", "messages:get_all",
		"ping:get",
		"queues:create", "queues:delete", "queues:get", "queues:get_all", "queues:purge",
		"queues:share", "queues:stats", "queues:update",
		"topics:create", "topics:delete", "topics:get", "topics:get_all", "topics:purge",
		"topics:stats", "topics:update",
	}, opNames())
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
