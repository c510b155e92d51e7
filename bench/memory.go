package bench

import (
	"runtime"
	"runtime/metrics"
)

// minQueuedForPerMessage is the fewest queued messages for which bytes
// per message is reported: below it the harness's own buffers, of a few
// KiB, would pass for the queue's.
const minQueuedForPerMessage = 1000

// memory is what a run's queue costs, as a user sizing a deployment
// means it.
type memory struct {
	// LiveHeapBytes is the heap still reachable after a GC at the end of
	// the run, with the queue still full: what the process holds, not
	// the garbage a heap sample would count. It includes the harness's
	// latency histograms, 270 KiB per figure and worker (about 1 MiB
	// with one producer and one consumer).
	LiveHeapBytes uint64 `json:"live_heap_bytes,omitempty"`
	// QueuedMessages is how many messages the queue held then: backlog,
	// held and those in flight.
	QueuedMessages int64 `json:"queued_messages"`
	// BytesPerQueuedMessage is the live heap's growth from the empty
	// queue to the queue filled with the backlog and the held messages,
	// per message, body included; measured before the load runs, so that
	// nothing the run leaves (ended claims, buffers) is counted.
	BytesPerQueuedMessage float64 `json:"bytes_per_queued_message,omitempty"`
	// PeakRSSBytes is the most memory the process had resident since it
	// started, so in a sweep the largest point so far: what the kernel
	// saw, GC headroom and runtime included.
	PeakRSSBytes uint64 `json:"peak_rss_bytes,omitempty"`
}

// liveHeap collects garbage and returns the bytes of heap objects left,
// which after runtime.GC (it finishes sweeping before it returns) are the
// live ones. It collects twice: objects in a sync.Pool outlive one
// collection, and those of the previous run of a sweep would pass for
// this one's.
func liveHeap() uint64 {
	runtime.GC()
	runtime.GC()
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// memoryGauge measures the queue's heap across a run: empty, filled, and
// at the end. It measures nothing but RSS when the queue lives in
// another process, whose heap this one cannot see.
type memoryGauge struct {
	local      bool
	empty      uint64 // live heap with the queue empty
	perMessage float64
}

func newMemoryGauge(local bool) *memoryGauge {
	g := &memoryGauge{local: local}
	if local {
		g.empty = liveHeap()
	}
	return g
}

// filled records the cost of the filled messages, if there are enough
// of them for the harness's own few KiB not to pass for the queue's.
func (g *memoryGauge) filled(n int64) {
	if !g.local || n < minQueuedForPerMessage {
		return
	}
	if h := liveHeap(); h > g.empty {
		g.perMessage = float64(h-g.empty) / float64(n)
	}
}

// end returns the figures at the end of the run, with queued messages.
func (g *memoryGauge) end(queued int64) memory {
	m := memory{QueuedMessages: queued, BytesPerQueuedMessage: g.perMessage, PeakRSSBytes: peakRSS()}
	if g.local {
		m.LiveHeapBytes = liveHeap()
	}
	return m
}

// mallocs is the count of heap allocations since the process started.
func mallocs() uint64 {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.Mallocs
}
