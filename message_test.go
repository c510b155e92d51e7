package claimq

import (
	"encoding/json"
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

		b, err := tt.id.AppendText([]byte("id="))
		require.NoError(t, err)
		assert.Equal(t, "id="+tt.text, string(b), "AppendText")
		b, err = tt.id.MarshalText()
		require.NoError(t, err)
		assert.Equal(t, tt.text, string(b), "MarshalText")
		var u MessageID
		require.NoError(t, u.UnmarshalText([]byte(tt.text)))
		assert.Equal(t, tt.id, u, "UnmarshalText")
	}
	var u MessageID = 7
	require.ErrorIs(t, u.UnmarshalText([]byte("zz")), ErrInvalid)
	assert.Equal(t, MessageID(7), u, "a failed UnmarshalText changed the ID")
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

func TestIDsInJSON(t *testing.T) {
	type doc struct {
		M MessageID
		C ClaimID
	}
	in := doc{M: 0x1f, C: ClaimID{0xab, 15: 0x01}}
	b, err := json.Marshal(in)
	require.NoError(t, err)
	assert.JSONEq(t, `{"M":"000000000000001f","C":"ab000000000000000000000000000001"}`, string(b))
	var out doc
	require.NoError(t, json.Unmarshal(b, &out))
	assert.Equal(t, in, out)
}

func TestAppendTextAllocates(t *testing.T) {
	buf := make([]byte, 0, 64)
	m, c := MessageID(42), ClaimID{1, 2, 3}
	allocs := testing.AllocsPerRun(100, func() {
		b, _ := m.AppendText(buf[:0])
		b, _ = c.AppendText(b)
		_ = b
	})
	assert.Zero(t, allocs, "AppendText into a buffer with room allocates")
}
