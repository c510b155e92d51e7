package zaqar

import (
	"encoding/json"
	"testing"

	"github.com/claimq/claimq"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestForPostHoldsWhatItCreates: a lazy queue forPost creates is held
// from before it is published, so a sweep started meanwhile waits for
// the post and then finds the queue holding its message: it drops
// nothing, whenever it runs.
func TestForPostHoldsWhatItCreates(t *testing.T) {
	r := newRegistry(claimq.SystemClock{}, claimq.Limits{}, registryLimits{})
	e, err := r.forPost("p", "lz", true)
	require.NoError(t, err)
	require.NotNil(t, e)
	swept := make(chan int)
	go func() { swept <- r.sweep() }()
	_, err = e.q.Post(claimq.Post[json.RawMessage]{Body: json.RawMessage(`1`)})
	e.use.RUnlock()
	require.NoError(t, err)
	assert.Zero(t, <-swept, "the sweep dropped the queue being posted to")
	assert.Same(t, e, r.get("p", "lz"))
	assert.Equal(t, 1, e.q.Len())
}
