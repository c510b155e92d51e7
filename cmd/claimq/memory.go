package main

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
	// the run, with the queue still full: what the process needs, not
	// the garbage a heap sample would count.
	LiveHeapBytes uint64 `json:"live_heap_bytes,omitempty"`
	// QueuedMessages is how many messages the queue held then: backlog,
	// held and those in flight.
	QueuedMessages int64 `json:"queued_messages"`
	// BytesPerQueuedMessage is the live heap's growth from the empty
	// queue to the end of the run, per queued message, body included.
	BytesPerQueuedMessage float64 `json:"bytes_per_queued_message,omitempty"`
	// PeakRSSBytes is the most memory the process had resident since it
	// started, so in a sweep the largest point so far: what the kernel
	// saw, GC headroom and runtime included.
	PeakRSSBytes uint64 `json:"peak_rss_bytes,omitempty"`
}

// liveHeap collects garbage and returns the bytes of heap objects left,
// which after runtime.GC (it finishes sweeping before it returns) are the
// live ones.
func liveHeap() uint64 {
	runtime.GC()
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// measureMemory fills in m at the end of a run, from the live heap of the
// empty queue, base. local is false when the queue lives in another
// process, whose heap this one cannot see.
func measureMemory(base uint64, queued int64, local bool) memory {
	m := memory{QueuedMessages: queued, PeakRSSBytes: peakRSS()}
	if !local {
		return m
	}
	m.LiveHeapBytes = liveHeap()
	if queued >= minQueuedForPerMessage && m.LiveHeapBytes > base {
		m.BytesPerQueuedMessage = float64(m.LiveHeapBytes-base) / float64(queued)
	}
	return m
}

// mallocs is the count of heap allocations since the process started.
func mallocs() uint64 {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.Mallocs
}
