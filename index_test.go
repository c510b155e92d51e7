package claimq

import (
	"slices"
	"testing"

	"pgregory.net/rapid"
)

// TestSeqIndex drives a seqIndex against a sorted slice, with the mix of
// appends, inserts below the top and removals that the queue produces, in
// numbers large enough to squeeze holes and move the head.
func TestSeqIndex(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		s := newSeqIndex[int](slotState)
		var model []*message[int]
		next := MessageID(1)
		byID := func(a, b *message[int]) int { return int(a.id) - int(b.id) }
		var free []*message[int] // removed, may come back (a release)
		var probe message[int]
		steps := rapid.IntRange(1, 600).Draw(t, "steps")
		for range steps {
			switch op := rapid.IntRange(0, 9).Draw(t, "op"); {
			case op < 4: // a new post
				m := &message[int]{id: next}
				next += MessageID(rapid.IntRange(1, 3).Draw(t, "gap"))
				s.insert(m)
				model = append(model, m)
			case op < 5 && len(free) > 0: // a message comes back
				i := rapid.IntRange(0, len(free)-1).Draw(t, "back")
				m := free[i]
				free = slices.Delete(free, i, i+1)
				s.insert(m)
				j, _ := slices.BinarySearchFunc(model, m, byID)
				model = slices.Insert(model, j, m)
			case op < 7 && len(model) > 0: // claim from the head
				m, ok := s.min()
				if !ok || m != model[0] {
					t.Fatalf("min() = %v, want %v", m, model[0].id)
				}
				s.remove(m)
				model = model[1:]
				free = append(free, m)
			case len(model) > 0: // delete from anywhere
				i := rapid.IntRange(0, len(model)-1).Draw(t, "delete")
				s.remove(model[i])
				model = slices.Delete(model, i, i+1)
			}
			all, err := s.check()
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(all, model) {
				t.Fatalf("members %v, want %v", ids(all), ids(model))
			}
			if m, ok := s.max(); ok != (len(model) > 0) || ok && m != model[len(model)-1] {
				t.Fatalf("max() = %v, %v", m, ok)
			}
			id := MessageID(rapid.IntRange(0, int(next)).Draw(t, "find"))
			var want *message[int]
			if i, ok := slices.BinarySearchFunc(model, &message[int]{id: id}, byID); ok {
				want = model[i]
			}
			if got := s.find(id, &probe); got != want {
				t.Fatalf("find(%v) = %v, want %v", id, got, want)
			}
			if len(model) > 0 {
				from := model[rapid.IntRange(0, len(model)-1).Draw(t, "from")].id
				var got []*message[int]
				limit := rapid.IntRange(1, 5).Draw(t, "limit")
				s.ascend(from, &probe, func(m *message[int]) bool {
					got = append(got, m)
					return len(got) < limit
				})
				i, _ := slices.BinarySearchFunc(model, &message[int]{id: from}, byID)
				want := model[i:min(i+limit, len(model))]
				if !slices.Equal(got, want) {
					t.Fatalf("ascend(%v) = %v, want %v", from, ids(got), ids(want))
				}
			}
		}
		s.clear()
		if all, err := s.check(); err != nil || len(all) != 0 {
			t.Fatalf("after clear: %v, %v", ids(all), err)
		}
	})
}

func ids(ms []*message[int]) []MessageID {
	out := make([]MessageID, len(ms))
	for i, m := range ms {
		out[i] = m.id
	}
	return out
}

// TestSeqIndexSqueeze removes most of a run from its middle, so that the
// holes are squeezed out, and checks positions and order after it.
func TestSeqIndexSqueeze(t *testing.T) {
	s := newSeqIndex[int](slotState)
	var ms []*message[int]
	for i := range 100 {
		m := &message[int]{id: MessageID(i + 1)}
		ms = append(ms, m)
		s.insert(m)
	}
	for i := 1; i < 99; i++ {
		if i%4 != 0 {
			s.remove(ms[i])
		}
	}
	if s.tail-s.head >= 100-33 {
		t.Fatalf("ring not squeezed: span %d, holes %d", s.tail-s.head, s.holes)
	}
	all, err := s.check()
	if err != nil {
		t.Fatal(err)
	}
	want := []*message[int]{ms[0]}
	for i := 4; i < 99; i += 4 {
		want = append(want, ms[i])
	}
	want = append(want, ms[99])
	if !slices.Equal(all, want) {
		t.Fatalf("members %v, want %v", ids(all), ids(want))
	}
	for _, m := range want {
		s.remove(m)
	}
	if _, err := s.check(); err != nil || s.len() != 0 {
		t.Fatalf("after removing all: len %d, %v", s.len(), err)
	}
}

// TestSeqIndexPositionsWrap runs a ring whose absolute positions cross
// 2³¹ and 2³², where the 32 bits a message keeps wrap around.
func TestSeqIndexPositionsWrap(t *testing.T) {
	for _, start := range []int{1<<31 - 5, 1<<32 - 5} {
		s := newSeqIndex[int](slotState)
		s.head, s.tail = start, start
		var ms []*message[int]
		for i := range 100 {
			m := &message[int]{id: MessageID(i + 1)}
			ms = append(ms, m)
			s.insert(m)
		}
		for i := 1; i < 99; i++ {
			if i%3 != 0 {
				s.remove(ms[i]) // enough holes to squeeze
			}
		}
		var probe message[int]
		for i, m := range ms {
			want := m
			if i%3 != 0 && i > 0 && i < 99 {
				want = nil
			}
			if got := s.find(m.id, &probe); got != want {
				t.Fatalf("start %d: find(%v) = %v, want %v", start, m.id, got, want)
			}
		}
		if _, err := s.check(); err != nil {
			t.Fatalf("start %d: %v", start, err)
		}
		if s.tail-s.head >= 100 {
			t.Fatalf("start %d: span %d, never squeezed", start, s.tail-s.head)
		}
	}
}
