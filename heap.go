package claimq

import "math"

// heap4 is a min-heap of (at, p) entries, 4-ary: half the depth of a
// binary heap, and the four children of a node share a cache line. Entries
// are stored by value and moved tells each p its index whenever it moves,
// so that removing or re-timing an entry is O(log n) without searching
// and without the interface calls of container/heap. It serves the
// messages' late and delay timetables (expiry.go) and the claims'
// (claim.go). Invariants, checked by checkInvariants:
//
//	h[(i-1)/4].at <= h[i].at    for every i > 0
//	the last call of moved for h[i].p passed i
type heap4[P any] struct {
	h     []heapEntry[P]
	moved func(p P, i int)
}

type heapEntry[P any] struct {
	at int64
	p  P
}

func (d *heap4[P]) len() int { return len(d.h) }

// next returns the earliest time in the heap, math.MaxInt64 if it is empty.
func (d *heap4[P]) next() int64 {
	if len(d.h) == 0 {
		return math.MaxInt64
	}
	return d.h[0].at
}

func (d *heap4[P]) push(at int64, p P) {
	d.h = append(d.h, heapEntry[P]{at, p})
	d.up(len(d.h) - 1)
}

// fix restores the heap after the entry at i changed its time to at.
func (d *heap4[P]) fix(i int, at int64) {
	d.h[i].at = at
	if !d.down(i) {
		d.up(i)
	}
}

func (d *heap4[P]) remove(i int) {
	n := len(d.h) - 1
	if i != n {
		d.h[i] = d.h[n]
		d.moved(d.h[i].p, i)
	}
	d.h[n] = heapEntry[P]{}
	d.h = d.h[:n]
	if i < n && !d.down(i) {
		d.up(i)
	}
}

// clear empties the heap, keeping its array, and drops what it pointed to.
func (d *heap4[P]) clear() {
	clear(d.h)
	d.h = d.h[:0]
}

func (d *heap4[P]) up(i int) {
	h := d.h
	e := h[i]
	for i > 0 {
		p := (i - 1) / 4
		if h[p].at <= e.at {
			break
		}
		h[i] = h[p]
		d.moved(h[i].p, i)
		i = p
	}
	h[i] = e
	d.moved(e.p, i)
}

// down sifts the entry at i towards the leaves and reports whether it
// moved.
func (d *heap4[P]) down(i int) bool {
	h := d.h
	e := h[i]
	start, n := i, len(h)
	for {
		first := 4*i + 1
		if first >= n {
			break
		}
		c := first
		for j := first + 1; j < min(first+4, n); j++ {
			if h[j].at < h[c].at {
				c = j
			}
		}
		if e.at <= h[c].at {
			break
		}
		h[i] = h[c]
		d.moved(h[i].p, i)
		i = c
	}
	h[i] = e
	d.moved(e.p, i)
	return i > start
}
