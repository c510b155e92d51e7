package zaqar

import (
	"encoding/json"
	"slices"
	"strings"
	"sync"

	"github.com/claimq/claimq"
)

// queueT is the queue type served over HTTP: bodies stay the JSON text the
// producer sent, compacted, and are never decoded.
type queueT = claimq.Queue[json.RawMessage]

// registry holds the queues of every project, created on first use as
// Zaqar creates them, and removed by a queue DELETE. It is safe for
// concurrent use; the queues themselves have their own locks, so the
// registry lock is held only to find or add an entry.
type registry struct {
	clock       claimq.Clock
	limits      claimq.Limits
	maxMessages int // per queue; 0 for no bound

	mu       sync.RWMutex // guards the field below
	projects map[string]map[string]*entry
}

// entry is one named queue of one project with its metadata.
type entry struct {
	name string
	q    *queueT

	mu   sync.Mutex // guards the fields below; never held while taking registry.mu
	meta map[string]any
	set  settings
	// dead is the queue installed as q's DeadLetter, compared at each
	// claim with the registry's current queue of that name, since a
	// dead-letter queue may be deleted and created again at any time.
	dead *queueT
}

func newRegistry(clock claimq.Clock, limits claimq.Limits, maxMessages int) *registry {
	return &registry{clock: clock, limits: limits, maxMessages: max(maxMessages, 0),
		projects: make(map[string]map[string]*entry)}
}

// get returns the queue name of project, or nil if it does not exist.
func (r *registry) get(project, name string) *entry {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.projects[project][name]
}

// create adds the queue name to project with meta and its settings unless
// it exists; it returns the queue and whether it was created. An existing
// queue keeps its metadata, as a Zaqar PUT on an existing queue does.
func (r *registry) create(project, name string, meta map[string]any, set settings) (*entry, bool) {
	if e := r.get(project, name); e != nil {
		return e, false
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	queues := r.projects[project]
	if e := queues[name]; e != nil {
		return e, false
	}
	if queues == nil {
		queues = make(map[string]*entry)
		r.projects[project] = queues
	}
	if meta == nil {
		meta = map[string]any{}
	}
	e := &entry{name: name, meta: meta, set: set}
	e.q = claimq.New(set.options(r.clock, r.limits, r.maxMessages, nil))
	queues[name] = e
	return e, true
}

// getOrCreate returns the queue name of project, creating it with no
// metadata if needed (Zaqar's lazy creation on post).
func (r *registry) getOrCreate(project, name string) *entry {
	e, _ := r.create(project, name, nil, settings{})
	return e
}

// remove deletes the queue name from project and returns it, or nil if it
// did not exist.
func (r *registry) remove(project, name string) *entry {
	r.mu.Lock()
	defer r.mu.Unlock()
	queues := r.projects[project]
	e := queues[name]
	if e == nil {
		return nil
	}
	delete(queues, name)
	if len(queues) == 0 {
		delete(r.projects, project)
	}
	return e
}

// list returns the queues of project whose names contain substr, sorted
// by name. Cost: O(q·log q) for q queues in the project.
func (r *registry) list(project, substr string) []*entry {
	r.mu.RLock()
	out := make([]*entry, 0, len(r.projects[project]))
	for name, e := range r.projects[project] {
		if strings.Contains(name, substr) {
			out = append(out, e)
		}
	}
	r.mu.RUnlock()
	slices.SortFunc(out, func(a, b *entry) int { return strings.Compare(a.name, b.name) })
	return out
}

// resolveDeadLetter makes e's DeadLetter the current queue named by its
// settings, creating that queue if needed, before a claim may move
// messages there.
func (r *registry) resolveDeadLetter(project string, e *entry) {
	e.mu.Lock()
	name := e.set.deadLetterName()
	e.mu.Unlock()
	if name == "" {
		return
	}
	dead := r.getOrCreate(project, name).q
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.set.deadLetterName() != name || e.dead == dead {
		return
	}
	// The settings were validated when stored, so SetOptions cannot fail.
	if e.q.SetOptions(e.set.options(r.clock, r.limits, r.maxMessages, dead)) == nil {
		e.dead = dead
	}
}

// setMetadataLocked replaces e's metadata and settings, keeping its
// dead-letter queue if it still names the same one. e.mu must be held.
func (r *registry) setMetadataLocked(e *entry, meta map[string]any, set settings) error {
	dead := e.dead
	if set.deadLetterName() != e.set.deadLetterName() {
		dead = nil
	}
	if err := e.q.SetOptions(set.options(r.clock, r.limits, r.maxMessages, dead)); err != nil {
		return badBody("%v", err)
	}
	e.meta, e.set, e.dead = meta, set, dead
	return nil
}
