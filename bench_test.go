package claimq

import (
	"runtime"
	"strconv"
	"sync"
	"testing"
	"time"
)

// sizes names benchmark sizes as benchstat-friendly keys.
func sizeName(key string, n int) string {
	switch n {
	case 0:
		return key + "=0"
	case 1e3:
		return key + "=1e3"
	case 1e4:
		return key + "=1e4"
	case 1e5:
		return key + "=1e5"
	case 1e6:
		return key + "=1e6"
	}
	return key + "=" + strconv.Itoa(n)
}

// cycleQueue is what a cycle benchmark drives: the claimq queue or, for
// comparison, a baseline.
type cycleQueue interface {
	post(k int)
	claimDelete(k int) int
}

// claimqCycle drives a claimq queue. Its consumer finishes a batch with
// Complete, which deletes the messages and ends the claim; with each set
// it deletes message by message instead, which leaves the emptied claim
// alive until it expires, as Zaqar's API does.
type claimqCycle struct {
	q     *Queue[int]
	posts []Post[int]
	each  bool
}

func newClaimqCycle(k int) *claimqCycle {
	return &claimqCycle{q: New(Options[int]{}), posts: make([]Post[int], max(k, 20))}
}

func (c *claimqCycle) post(k int) {
	if _, err := c.q.Post(c.posts[:k]...); err != nil {
		panic(err)
	}
}

func (c *claimqCycle) claimDelete(k int) int {
	cl, err := c.q.Claim(ClaimOptions{Limit: k})
	if err != nil {
		panic(err)
	}
	if !c.each {
		if n, err := c.q.Complete(cl.ID); err != nil || n != len(cl.Messages) {
			panic(err)
		}
		return len(cl.Messages)
	}
	for i := range cl.Messages {
		if err := c.q.Delete(cl.Messages[i].ID, cl.ID); err != nil {
			panic(err)
		}
	}
	return len(cl.Messages)
}

// fill posts n messages in batches of 20.
func fill(c cycleQueue, n int) {
	for n > 0 {
		k := min(n, 20)
		c.post(k)
		n -= k
	}
}

// impls are the queues the cycle benchmarks compare, in one run.
var impls = []struct {
	name string
	make func(k int) cycleQueue
}{
	{"claimq", func(k int) cycleQueue { return newClaimqCycle(k) }},
	{"claimq-delete-each", func(k int) cycleQueue {
		c := newClaimqCycle(k)
		c.each = true
		return c
	}},
	{"baseline", func(int) cycleQueue { return newBaseline() }},
}

// runCycle measures post k → claim k → delete k; ns/msg divides by k.
func runCycle(b *testing.B, c cycleQueue, k int) {
	b.ReportAllocs()
	for b.Loop() {
		c.post(k)
		if c.claimDelete(k) != k {
			b.Fatal("claimed fewer than posted")
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*k), "ns/msg")
}

// BenchmarkCycle measures post K → claim K → delete K with a standing
// backlog of claimable messages (Claim takes the oldest, so the backlog
// stays the same size), for claimq and the baseline.
func BenchmarkCycle(b *testing.B) {
	for _, k := range []int{1, 10} {
		for _, backlog := range []int{0, 1e5, 1e6} {
			for _, impl := range impls {
				name := "K=" + strconv.Itoa(k) + "/" + sizeName("backlog", backlog) + "/impl=" + impl.name
				b.Run(name, func(b *testing.B) {
					c := impl.make(k)
					fill(c, backlog)
					runCycle(b, c, k)
				})
			}
		}
	}
}

// BenchmarkClaimHeld measures the cycle of 10 with many messages held by
// live claims ahead of the claimable ones: Claim must not look at them.
func BenchmarkClaimHeld(b *testing.B) {
	for _, held := range []int{0, 1e5, 1e6} {
		b.Run(sizeName("held", held), func(b *testing.B) {
			c := newClaimqCycle(20)
			fill(c, held)
			for n := held; n > 0; n -= 20 {
				if _, err := c.q.Claim(ClaimOptions{Limit: 20, TTL: 12 * time.Hour}); err != nil {
					b.Fatal(err)
				}
			}
			if s := c.q.Stats(); s.Claimed != held {
				b.Fatalf("held %d, want %d", s.Claimed, held)
			}
			runCycle(b, c, 10)
		})
	}
}

// BenchmarkMemory reports the heap held per message with 1e6 live messages
// of 16-byte bodies, measured after a GC; B/msg-beyond-body subtracts the
// body's own bytes (slice header and array).
func BenchmarkMemory(b *testing.B) {
	const n = 1_000_000
	var perMsg float64
	for b.Loop() {
		before := heapInUse()
		q := New(Options[[]byte]{})
		posts := make([]Post[[]byte], 20)
		for i := 0; i < n; i += 20 {
			for j := range posts {
				posts[j].Body = make([]byte, 16)
			}
			if _, err := q.Post(posts...); err != nil {
				b.Fatal(err)
			}
		}
		clear(posts)
		after := heapInUse()
		perMsg = float64(after-before) / n
		runtime.KeepAlive(q)
	}
	b.ReportMetric(perMsg, "B/msg")
	b.ReportMetric(perMsg-16-24, "B/msg-beyond-body")
}

func heapInUse() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// BenchmarkParallel runs producers and consumers on all cores at once;
// compare msgs/s with the single-goroutine cycle of the same K.
func BenchmarkParallel(b *testing.B) {
	for _, impl := range impls {
		b.Run("impl="+impl.name, func(b *testing.B) {
			c := impl.make(10)
			b.SetParallelism(4) // 4 goroutines per core, each a producer and a consumer in turn
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					c.post(10)
					c.claimDelete(10)
				}
			})
			b.ReportMetric(float64(b.N*10)/b.Elapsed().Seconds(), "msgs/s")
		})
	}
}

// baseline is the least queue that does post → claim → delete with lease
// expiry: one mutex, a FIFO slice, a map of in-flight messages and an
// indexed heap of lease deadlines, with claim tokens checked on delete.
// It has none of claimq's other rules (message TTL, delay, claim objects,
// lifetime extension, ordering of returned messages); it is the floor
// claimq is measured against, in the same run.
type baseline struct {
	mu       sync.Mutex
	fifo     []*baseMsg
	head     int
	inflight map[uint64]*baseMsg
	leases   []*baseMsg // min-heap by deadline
	lastID   uint64
	lastTok  uint64
}

type baseMsg struct {
	id       uint64
	token    uint64
	deadline int64
	index    int
}

type baseLease struct{ id, token uint64 }

func newBaseline() *baseline { return &baseline{inflight: make(map[uint64]*baseMsg)} }

func (q *baseline) post(k int) {
	q.mu.Lock()
	for range k {
		q.lastID++
		q.fifo = append(q.fifo, &baseMsg{id: q.lastID})
	}
	q.mu.Unlock()
}

func (q *baseline) claim(k int, ttl time.Duration) []baseLease {
	now := time.Now().UnixNano()
	q.mu.Lock()
	defer q.mu.Unlock()
	for len(q.leases) > 0 && q.leases[0].deadline <= now {
		m := q.leasePop()
		delete(q.inflight, m.id)
		q.fifo = append(q.fifo, m) // redelivered at the tail: no ordering promise
	}
	out := make([]baseLease, 0, k)
	for len(out) < k && q.head < len(q.fifo) {
		m := q.fifo[q.head]
		q.fifo[q.head] = nil
		q.head++
		q.lastTok++
		m.token, m.deadline = q.lastTok, now+int64(ttl)
		q.inflight[m.id] = m
		q.leasePush(m)
		out = append(out, baseLease{m.id, m.token})
	}
	if q.head == len(q.fifo) {
		q.fifo, q.head = q.fifo[:0], 0
	} else if q.head > len(q.fifo)/2 {
		n := copy(q.fifo, q.fifo[q.head:])
		q.fifo, q.head = q.fifo[:n], 0
	}
	return out
}

func (q *baseline) delete(l baseLease) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	m := q.inflight[l.id]
	if m == nil || m.token != l.token {
		return false
	}
	delete(q.inflight, l.id)
	q.leaseRemove(m.index)
	return true
}

func (q *baseline) claimDelete(k int) int {
	ls := q.claim(k, 5*time.Minute)
	for _, l := range ls {
		if !q.delete(l) {
			panic("baseline lost a lease")
		}
	}
	return len(ls)
}

func (q *baseline) leasePush(m *baseMsg) {
	m.index = len(q.leases)
	q.leases = append(q.leases, m)
	q.leaseUp(m.index)
}

func (q *baseline) leasePop() *baseMsg {
	m := q.leases[0]
	q.leaseRemove(0)
	return m
}

func (q *baseline) leaseRemove(i int) {
	h := q.leases
	n := len(h) - 1
	if i != n {
		h[i] = h[n]
		h[i].index = i
	}
	h[n] = nil
	q.leases = h[:n]
	if i < n {
		q.leaseDown(i)
		q.leaseUp(i)
	}
}

func (q *baseline) leaseUp(i int) {
	h := q.leases
	for i > 0 {
		p := (i - 1) / 2
		if h[p].deadline <= h[i].deadline {
			return
		}
		h[p], h[i] = h[i], h[p]
		h[p].index, h[i].index = p, i
		i = p
	}
}

func (q *baseline) leaseDown(i int) {
	h := q.leases
	for {
		c := 2*i + 1
		if c >= len(h) {
			return
		}
		if c+1 < len(h) && h[c+1].deadline < h[c].deadline {
			c++
		}
		if h[i].deadline <= h[c].deadline {
			return
		}
		h[i], h[c] = h[c], h[i]
		h[i].index, h[c].index = i, c
		i = c
	}
}

// benchPending returns a queue whose n messages are all held, in claims
// of 20 that outlive any benchmark run.
func benchPending(b *testing.B, n int) (*Queue[int], []MessageID) {
	b.Helper()
	q := New(Options[int]{Clock: NewFakeClock(start)})
	posts := make([]Post[int], n)
	for i := range posts {
		posts[i] = Post[int]{Body: i, TTL: 14 * 24 * time.Hour}
	}
	ids, err := q.Post(posts...)
	if err != nil {
		b.Fatal(err)
	}
	for held := 0; held < n; {
		c, err := q.Claim(ClaimOptions{Limit: 20, TTL: 12 * time.Hour})
		if err != nil || len(c.Messages) == 0 {
			b.Fatalf("Claim: %v, %d messages", err, len(c.Messages))
		}
		held += len(c.Messages)
	}
	return q, ids
}

// pendingSizes are the lengths of the pending list in the pending
// family's benchmarks: their cost must not grow with it.
var pendingSizes = []int{1e3, 1e5}

// BenchmarkReclaim takes over 10 pending messages by ID, moving through
// the pending list window by window, and releases the claim that held
// the window before (empty by then), so that claims do not pile up.
func BenchmarkReclaim(b *testing.B) {
	const k = 10
	for _, n := range pendingSizes {
		b.Run(sizeName("pending", n), func(b *testing.B) {
			q, ids := benchPending(b, n)
			windows := n / k
			holders := make([]ClaimID, windows)
			opts := ReclaimOptions{TTL: 12 * time.Hour, ClientID: "bench"}
			w := 0
			b.ReportAllocs()
			for b.Loop() {
				c, err := q.Reclaim(ids[w*k:(w+1)*k], opts)
				if err != nil || len(c.Messages) != k {
					b.Fatalf("Reclaim: %v, %d messages", err, len(c.Messages))
				}
				if !holders[w].IsZero() {
					q.Release(holders[w])
				}
				holders[w] = c.ID
				w = (w + 1) % windows
			}
			b.ReportMetric(float64(b.N*k)/b.Elapsed().Seconds(), "msgs/s")
		})
	}
}

// BenchmarkAutoClaim walks the pending list with AutoClaim(Count 100)
// over and over, releasing the claim each call empties, as
// BenchmarkReclaim does.
func BenchmarkAutoClaim(b *testing.B) {
	const count = 100
	for _, n := range pendingSizes {
		b.Run(sizeName("pending", n), func(b *testing.B) {
			q, _ := benchPending(b, n)
			holders := make([]ClaimID, n/count)
			opts := AutoClaimOptions{Count: count, TTL: 12 * time.Hour, ClientID: "bench"}
			var cursor MessageID
			w := 0
			b.ReportAllocs()
			for b.Loop() {
				c, next, err := q.AutoClaim(cursor, opts)
				if err != nil || len(c.Messages) != count {
					b.Fatalf("AutoClaim: %v, %d messages", err, len(c.Messages))
				}
				if !holders[w].IsZero() {
					q.Release(holders[w])
				}
				holders[w] = c.ID
				w++
				if cursor = next; next == 0 {
					w = 0
				}
			}
			b.ReportMetric(float64(b.N*count)/b.Elapsed().Seconds(), "msgs/s")
		})
	}
}

// BenchmarkPending lists 10 entries from the middle of the pending list.
func BenchmarkPending(b *testing.B) {
	for _, n := range pendingSizes {
		b.Run(sizeName("pending", n), func(b *testing.B) {
			q, ids := benchPending(b, n)
			opts := PendingOptions{Start: ids[n/2], Count: 10}
			b.ReportAllocs()
			for b.Loop() {
				if got := q.Pending(opts); len(got) != 10 {
					b.Fatalf("Pending: %d entries", len(got))
				}
			}
		})
	}
}

// BenchmarkEmptiedClaims reports the heap a queue holds after 1e6 limit-1
// claims (claim TTL 5 min, so none expires during the run) whose consumer
// finished each one, message by message with Delete (the only way a Zaqar
// client can) or with Complete. A claim emptied by deletes must cost
// nothing once its last message is gone: both must hold the same.
func BenchmarkEmptiedClaims(b *testing.B) {
	const n = 1_000_000
	for _, each := range []bool{false, true} {
		name := "finish=complete"
		if each {
			name = "finish=delete"
		}
		b.Run(name, func(b *testing.B) {
			var perClaim float64
			for b.Loop() {
				before := heapInUse()
				c := newClaimqCycle(1)
				c.each = each
				for range n {
					c.post(1)
					c.claimDelete(1)
				}
				perClaim = float64(heapInUse()-before) / n
				runtime.KeepAlive(c)
			}
			b.ReportMetric(perClaim, "B/claim")
		})
	}
}
