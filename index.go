package claimq

import (
	"fmt"
	"sort"

	"github.com/google/btree"
)

// seqIndex is an ordered set of messages by ID, shaped for the way the
// claimable and pending indexes change: nearly every insert carries an ID
// above every ID inserted before (a new post, the next messages a claim
// takes from the head), and removals hit the head or leave holes in the
// middle. Such inserts append to run, and removing them leaves a hole, so
// both cost O(1) amortized; the rare insert below the highest ID appended
// so far (a released message, an expired claim's messages, a delay that
// ends) goes to a B-tree. Ordered reads merge the two.
//
// A message in the index records where in m.pos[slot]: its absolute
// position in run (run[pos-base]), or -1 when it is in the tree. The
// queue's indexes use three slots: the claimable and pending indexes
// share slotState (a message is in at most one of them), the index of
// all messages has slotAll, and the expiry lanes slotLane.
//
// Invariants, checked by check:
//
//	run[i].id < run[i+1].id                      (holes keep their IDs)
//	run[i].m == nil for i < head; run[head] and run[len-1] are live
//	holes == number of nil entries in run[head:]
//	run[i].m.pos[slot] == base+i for live entries; tree entries have -1
type seqIndex[T any] struct {
	run   []seqEntry[T]
	head  int
	base  int
	holes int
	last  MessageID // highest ID ever appended to run
	tree  *btree.BTreeG[*message[T]]
	slot  int // which of message.pos this index keeps
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

func (s *seqIndex[T]) len() int { return len(s.run) - s.head - s.holes + s.tree.Len() }

func (s *seqIndex[T]) insert(m *message[T]) {
	if m.id > s.last {
		m.pos[s.slot] = s.base + len(s.run)
		s.run = append(s.run, seqEntry[T]{m.id, m})
		s.last = m.id
		return
	}
	m.pos[s.slot] = -1
	s.tree.ReplaceOrInsert(m)
}

func (s *seqIndex[T]) remove(m *message[T]) {
	pos := m.pos[s.slot]
	if pos < 0 {
		s.tree.Delete(m)
		return
	}
	s.run[pos-s.base].m = nil
	s.holes++
	s.trim()
}

// find returns the message with ID id, or nil. probe is a scratch message
// for the tree search. In a FIFO flow the message looked for is nearly
// always the oldest, which is tried first.
func (s *seqIndex[T]) find(id MessageID, probe *message[T]) *message[T] {
	run := s.run[s.head:]
	if len(run) > 0 && run[0].id == id {
		return run[0].m
	}
	if len(run) > 0 && id >= run[0].id && id <= s.last {
		lo, hi := 0, len(run)
		for lo < hi {
			mid := int(uint(lo+hi) >> 1)
			if run[mid].id < id {
				lo = mid + 1
			} else {
				hi = mid
			}
		}
		if lo < len(run) && run[lo].id == id {
			return run[lo].m // nil for a hole
		}
	}
	if s.tree.Len() == 0 {
		return nil
	}
	probe.id = id
	m, _ := s.tree.Get(probe)
	return m
}

// trim drops holes at both ends of run and, when holes make up most of
// it, squeezes them out, so that run stays proportional to what it holds.
func (s *seqIndex[T]) trim() {
	for s.head < len(s.run) && s.run[s.head].m == nil {
		s.head++
		s.holes--
	}
	for n := len(s.run); n > s.head && s.run[n-1].m == nil; n-- {
		s.run = s.run[:n-1]
		s.holes--
	}
	switch live := len(s.run) - s.head - s.holes; {
	case live == 0:
		// Positions only grow, so a message that left keeps no claim on
		// a slot that is reused.
		s.base += len(s.run)
		s.run, s.head, s.holes = s.run[:0], 0, 0
	case s.holes > 32 && s.holes > live:
		s.squeeze()
	case s.head > 32 && s.head > len(s.run)/2:
		n := copy(s.run, s.run[s.head:])
		clear(s.run[n:])
		s.base += s.head
		s.run, s.head = s.run[:n], 0
	}
}

// squeeze moves the live entries of run together; O(live), paid for by
// the holes it removes.
func (s *seqIndex[T]) squeeze() {
	s.base += len(s.run)
	j := 0
	for _, e := range s.run[s.head:] {
		if e.m != nil {
			e.m.pos[s.slot] = s.base + j
			s.run[j] = e
			j++
		}
	}
	clear(s.run[j:])
	s.run, s.head, s.holes = s.run[:j], 0, 0
}

// min returns the message with the lowest ID, if any.
func (s *seqIndex[T]) min() (*message[T], bool) {
	t, ok := s.tree.Min()
	if s.head == len(s.run) {
		return t, ok
	}
	if r := s.run[s.head].m; !ok || r.id < t.id {
		return r, true
	}
	return t, true
}

// max returns the message with the highest ID, if any.
func (s *seqIndex[T]) max() (*message[T], bool) {
	t, ok := s.tree.Max()
	if s.head == len(s.run) {
		return t, ok
	}
	if r := s.run[len(s.run)-1].m; !ok || r.id > t.id {
		return r, true
	}
	return t, true
}

// ascend calls fn for each message with an ID of at least from, in ID
// order, until fn returns false. probe is a scratch message for the tree
// search. fn must not change the index.
func (s *seqIndex[T]) ascend(from MessageID, probe *message[T], fn func(*message[T]) bool) {
	run := s.run[s.head:]
	i := sort.Search(len(run), func(i int) bool { return run[i].id >= from })
	more := true
	probe.id = from
	s.tree.AscendGreaterOrEqual(probe, func(t *message[T]) bool {
		for ; i < len(run) && run[i].id < t.id; i++ {
			if m := run[i].m; m != nil && !fn(m) {
				more = false
				return false
			}
		}
		more = fn(t)
		return more
	})
	for ; more && i < len(run); i++ {
		if m := run[i].m; m != nil {
			more = fn(m)
		}
	}
}

func (s *seqIndex[T]) clear() {
	clear(s.run)
	s.base += len(s.run)
	s.run, s.head, s.holes = s.run[:0], 0, 0
	s.tree.Clear(false)
}

// check verifies the invariants and returns the set's members in order.
func (s *seqIndex[T]) check() ([]*message[T], error) {
	holes := 0
	for i, e := range s.run {
		if i > 0 && s.run[i-1].id >= e.id {
			return nil, fmt.Errorf("run out of order at %d", i)
		}
		switch {
		case e.m == nil && i >= s.head:
			holes++
		case e.m == nil:
		case i < s.head:
			return nil, fmt.Errorf("live entry %v before head %d", e.id, s.head)
		case e.m.id != e.id || e.m.pos[s.slot] != s.base+i:
			return nil, fmt.Errorf("entry %d: message %v, pos %d, want id %v pos %d", i, e.m.id, e.m.pos[s.slot], e.id, s.base+i)
		}
	}
	if holes != s.holes {
		return nil, fmt.Errorf("%d holes counted, %d recorded", holes, s.holes)
	}
	if s.head < len(s.run) && (s.run[s.head].m == nil || s.run[len(s.run)-1].m == nil) {
		return nil, fmt.Errorf("run has a hole at an end")
	}
	var all []*message[T]
	var err error
	s.tree.Ascend(func(m *message[T]) bool {
		if m.pos[s.slot] != -1 {
			err = fmt.Errorf("tree message %v has pos %d", m.id, m.pos[s.slot])
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
