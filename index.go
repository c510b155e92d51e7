package claimq

import (
	"fmt"

	"github.com/google/btree"
)

// seqIndex is an ordered set of messages by ID, shaped for the way the
// queue's indexes change: nearly every insert carries an ID above every ID
// inserted before (a new post, the next messages a claim takes from the
// head), and removals hit the head or leave holes in the middle. Such
// inserts go to the tail of a ring, and removing them leaves a hole, so
// both cost O(1) amortized, and a window sliding along a long backlog
// never moves its entries; the rare insert below the highest ID appended
// so far (a released message, an expired claim's messages, a delay that
// ends, a dead-lettered message) goes to a B-tree. Ordered reads merge
// the two.
//
// Ring positions are absolute: position p lives at ring[p&mask] and the
// live span is [head, tail). A message in the index records the low 32
// bits of its position in m.pos[slot], which is all ring[p&mask] needs as
// long as the ring has fewer than 2³¹ entries, and its bit in m.inTree
// when it is in the tree instead; growing the ring keeps positions, so
// only squeezing out holes rewrites them. The queue's indexes use three
// slots: the claimable and pending indexes share slotState (a message is
// in at most one of them), the index of all messages has slotAll, and
// the expiry lanes slotLane.
//
// Invariants, checked by check:
//
//	len(ring) is 0 or a power of two; tail-head <= len(ring)
//	ids in [head, tail) strictly increase (holes keep their IDs)
//	the entries at head and tail-1 are live
//	holes == number of nil entries in [head, tail)
//	ring[p&mask].m.pos[slot] == int32(p) for live entries, whose inTree
//	bit is clear; tree entries have it set
type seqIndex[T any] struct {
	ring       []seqEntry[T]
	head, tail int
	holes      int
	last       MessageID // highest ID ever appended to the ring
	tree       *btree.BTreeG[*message[T]]
	slot       int // which of message.pos this index keeps
	// mark serves firstInLane0 in the index of all messages: no message
	// of expiry lane 0 lies in [head, mark).
	mark int
}

// The slots of message.pos.
const (
	slotState = iota // claimable or pending
	slotAll
	slotLane
	slots
)

type seqEntry[T any] struct {
	id MessageID
	m  *message[T]
}

func newSeqIndex[T any](slot int) seqIndex[T] {
	return seqIndex[T]{slot: slot, tree: btree.NewG(btreeDegree, func(a, b *message[T]) bool { return a.id < b.id })}
}

func (s *seqIndex[T]) at(p int) *seqEntry[T] { return &s.ring[p&(len(s.ring)-1)] }

func (s *seqIndex[T]) len() int { return s.tail - s.head - s.holes + s.tree.Len() }

func (s *seqIndex[T]) insert(m *message[T]) {
	if m.id <= s.last {
		m.inTree |= 1 << s.slot
		s.tree.ReplaceOrInsert(m)
		return
	}
	if s.tail-s.head == len(s.ring) {
		s.grow()
	}
	*s.at(s.tail) = seqEntry[T]{m.id, m}
	m.inTree &^= 1 << s.slot
	m.pos[s.slot] = int32(s.tail)
	s.tail++
	s.last = m.id
}

// grow makes room for one more entry: by squeezing out holes when they
// are many, else by doubling the ring. Entries keep their positions.
func (s *seqIndex[T]) grow() {
	if s.holes > 0 && s.holes >= (s.tail-s.head)/4 {
		s.squeeze()
		return
	}
	ring := make([]seqEntry[T], max(2*len(s.ring), 8))
	for p := s.head; p < s.tail; p++ {
		ring[p&(len(ring)-1)] = *s.at(p)
	}
	s.ring = ring
}

func (s *seqIndex[T]) remove(m *message[T]) {
	if m.inTree&(1<<s.slot) != 0 {
		s.tree.Delete(m)
		return
	}
	s.at(int(m.pos[s.slot])).m = nil
	s.holes++
	s.trim()
}

// trim drops holes at both ends of the live span and, when holes make up
// most of it, squeezes them out, so that the span stays proportional to
// what it holds.
func (s *seqIndex[T]) trim() {
	for s.head < s.tail && s.at(s.head).m == nil {
		s.head++
		s.holes--
	}
	for s.tail > s.head && s.at(s.tail-1).m == nil {
		s.tail--
		s.holes--
	}
	s.mark = min(s.mark, s.tail) // the next message appended may be of lane 0
	if s.holes > 32 && s.holes > s.tail-s.head-s.holes {
		s.squeeze()
	}
}

// squeeze moves the live entries together towards the head, in order;
// O(span), paid for by the holes it removes.
func (s *seqIndex[T]) squeeze() {
	w := s.head
	for r := s.head; r < s.tail; r++ {
		if e := *s.at(r); e.m != nil {
			e.m.pos[s.slot] = int32(w)
			*s.at(w) = e
			w++
		}
	}
	for p := w; p < s.tail; p++ {
		*s.at(p) = seqEntry[T]{}
	}
	s.tail, s.holes, s.mark = w, 0, s.head
}

// search returns the first position in [head, tail) whose ID is at least
// id, or tail.
func (s *seqIndex[T]) search(id MessageID) int {
	lo, hi := s.head, s.tail
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if s.at(mid).id < id {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return lo
}

// find returns the message with ID id, or nil. probe is a scratch message
// for the tree search. In a FIFO flow the message looked for is nearly
// always the oldest, which is tried first.
func (s *seqIndex[T]) find(id MessageID, probe *message[T]) *message[T] {
	if s.head < s.tail {
		if e := s.at(s.head); e.id == id {
			return e.m
		}
		if id > s.at(s.head).id && id <= s.last {
			if p := s.search(id); p < s.tail && s.at(p).id == id {
				return s.at(p).m // nil for a hole
			}
		}
	}
	if s.tree.Len() == 0 {
		return nil
	}
	probe.id = id
	m, _ := s.tree.Get(probe)
	return m
}

// firstInLane0 returns the oldest message of the ring in expiry lane 0,
// or nil. Such messages only ever join at the tail and never come back
// to the lane once they leave it, so the mark moves forward only and the
// cost is O(1) amortized.
func (s *seqIndex[T]) firstInLane0() *message[T] {
	s.mark = max(s.mark, s.head)
	for ; s.mark < s.tail; s.mark++ {
		if m := s.at(s.mark).m; m != nil && m.lane == 0 {
			return m
		}
	}
	return nil
}

// first returns the oldest message of the ring, ignoring the tree, or nil.
func (s *seqIndex[T]) first() *message[T] {
	if s.head < s.tail {
		return s.at(s.head).m
	}
	return nil
}

// min returns the message with the lowest ID, if any.
func (s *seqIndex[T]) min() (*message[T], bool) {
	t, ok := s.tree.Min()
	if s.head == s.tail {
		return t, ok
	}
	if r := s.at(s.head).m; !ok || r.id < t.id {
		return r, true
	}
	return t, true
}

// max returns the message with the highest ID, if any.
func (s *seqIndex[T]) max() (*message[T], bool) {
	t, ok := s.tree.Max()
	if s.head == s.tail {
		return t, ok
	}
	if r := s.at(s.tail - 1).m; !ok || r.id > t.id {
		return r, true
	}
	return t, true
}

// ascend calls fn for each message with an ID of at least from, in ID
// order, until fn returns false. probe is a scratch message for the tree
// search. fn must not change the index.
func (s *seqIndex[T]) ascend(from MessageID, probe *message[T], fn func(*message[T]) bool) {
	p := s.search(from)
	more := true
	if s.tree.Len() > 0 {
		probe.id = from
		s.tree.AscendGreaterOrEqual(probe, func(t *message[T]) bool {
			for ; p < s.tail && s.at(p).id < t.id; p++ {
				if m := s.at(p).m; m != nil && !fn(m) {
					more = false
					return false
				}
			}
			more = fn(t)
			return more
		})
	}
	for ; more && p < s.tail; p++ {
		if m := s.at(p).m; m != nil {
			more = fn(m)
		}
	}
}

func (s *seqIndex[T]) clear() {
	clear(s.ring)
	s.head, s.holes, s.mark = s.tail, 0, s.tail
	s.tree.Clear(false)
}

// check verifies the invariants and returns the set's members in order.
func (s *seqIndex[T]) check() ([]*message[T], error) {
	if n := len(s.ring); n&(n-1) != 0 || s.tail-s.head > n || s.tail < s.head {
		return nil, fmt.Errorf("ring of %d for span [%d, %d)", n, s.head, s.tail)
	}
	holes := 0
	for p := s.head; p < s.tail; p++ {
		e := s.at(p)
		if p > s.head && s.at(p-1).id >= e.id {
			return nil, fmt.Errorf("ring out of order at %d", p)
		}
		switch {
		case e.m == nil:
			holes++
		case e.m.id != e.id || e.m.pos[s.slot] != int32(p) || e.m.inTree&(1<<s.slot) != 0:
			return nil, fmt.Errorf("entry %d: message %v, pos %d, want id %v", p, e.m.id, e.m.pos[s.slot], e.id)
		}
	}
	if holes != s.holes {
		return nil, fmt.Errorf("%d holes counted, %d recorded", holes, s.holes)
	}
	if s.head < s.tail && (s.at(s.head).m == nil || s.at(s.tail-1).m == nil) {
		return nil, fmt.Errorf("ring has a hole at an end")
	}
	var all []*message[T]
	var err error
	s.tree.Ascend(func(m *message[T]) bool {
		if m.inTree&(1<<s.slot) == 0 {
			err = fmt.Errorf("tree message %v has its ring position %d", m.id, m.pos[s.slot])
		}
		return err == nil
	})
	if err != nil {
		return nil, err
	}
	var probe message[T]
	s.ascend(0, &probe, func(m *message[T]) bool {
		if len(all) > 0 && all[len(all)-1].id >= m.id {
			err = fmt.Errorf("ascend out of order: %v after %v", m.id, all[len(all)-1].id)
		}
		all = append(all, m)
		return err == nil
	})
	if err == nil && len(all) != s.len() {
		err = fmt.Errorf("len() = %d, ascend saw %d", s.len(), len(all))
	}
	return all, err
}
