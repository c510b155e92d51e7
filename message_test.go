package claimq

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMessageIDText(t *testing.T) {
	for _, tt := range []struct {
		id   MessageID
		text string
	}{
		{1, "0000000000000001"},
		{0xabc, "0000000000000abc"},
		{^MessageID(0), "ffffffffffffffff"},
	} {
		assert.Equal(t, tt.text, tt.id.String())
		back, err := ParseMessageID(tt.text)
		require.NoError(t, err)
		assert.Equal(t, tt.id, back)
	}
	for _, bad := range []string{"", "1", "000000000000000g", "00000000000000001", "0000000000000000", "-000000000000001"} {
		_, err := ParseMessageID(bad)
		require.ErrorIs(t, err, ErrInvalid, "ParseMessageID(%q)", bad)
	}
	assert.Less(t, MessageID(9).String(), MessageID(10).String(), "text sorts as the ID")
}

func TestMessageIDsUniqueAcrossQueues(t *testing.T) {
	a, _ := newTestQueue(t, Options[string]{})
	b, _ := newTestQueue(t, Options[string]{})
	ia := postN(t, a, 3, 0)
	ib := postN(t, b, 3, 0)
	seen := map[MessageID]bool{}
	for _, id := range append(ia, ib...) {
		require.False(t, seen[id], "ID %v given twice", id)
		seen[id] = true
	}
	_, err := b.Get(ia[0])
	require.ErrorIs(t, err, ErrMessageNotFound, "a message ID of one queue found in another")
}
