package zaqar

import (
	"encoding/json"
	"errors"
	"net/http"
	"sync"

	"github.com/claimq/claimq"
	"github.com/google/btree"
)

// queueT is the queue type served over HTTP: bodies stay the JSON text the
// producer sent, compacted, and are never decoded.
type queueT = claimq.Queue[json.RawMessage]

// registryLimits bound what a registry holds; zero fields mean no bound.
type registryLimits struct {
	messages int // per queue
	queues   int // per project
	projects int
}

// registry holds the queues of every project, created on first use as
// Zaqar creates them, and removed by a queue DELETE or, when created
// lazily and left empty, by a sweep. It is safe for concurrent use; the
// queues have their own locks, so the registry lock is held only to
// find, add or list entries.
type registry struct {
	clock  claimq.Clock
	limits claimq.Limits
	bounds registryLimits

	mu       sync.RWMutex // guards the field below
	projects map[string]*project
}

// project is the queues of one project, by name and in name order.
type project struct {
	byName map[string]*entry
	sorted *btree.BTreeG[*entry]
}

// entry is one named queue of one project with its metadata.
type entry struct {
	name string
	q    *queueT
	// use is held shared by posts while they add messages to q, and
	// exclusively by a sweep that may drop q, so that no post lands in a
	// queue as it is dropped.
	use sync.RWMutex

	mu   sync.Mutex // guards the fields below; taken after registry.mu when both are held
	meta map[string]any
	set  settings
	// dead is the queue installed as q's DeadLetter, compared at each
	// claim with the registry's current queue of that name, since a
	// dead-letter queue may be deleted and created again at any time.
	dead *queueT
	// lazy marks a queue created by a message post and given no
	// metadata, no PUT and no role as a dead-letter queue since: a sweep
	// drops it once empty, as Zaqar's lazy queues cost nothing empty.
	lazy bool
	// dropped marks a queue the sweep removed.
	dropped bool
}

func newRegistry(clock claimq.Clock, limits claimq.Limits, bounds registryLimits) *registry {
	return &registry{clock: clock, limits: limits, bounds: bounds, projects: make(map[string]*project)}
}

func entryLess(a, b *entry) bool { return a.name < b.name }

// get returns the queue name of project, or nil if it does not exist.
func (r *registry) get(project, name string) *entry {
	r.mu.RLock()
	defer r.mu.RUnlock()
	if p := r.projects[project]; p != nil {
		return p.byName[name]
	}
	return nil
}

// ErrQuota is matched (errors.Is) by the error of [Handler.Queue] for a
// queue that would go beyond [Options.MaxQueuesPerProject] or
// [Options.MaxProjects]; over HTTP it is the 403 "Quota exceeded".
var ErrQuota = errors.New("zaqar: quota exceeded")

// errQuota is the answer to a creation beyond a registry bound, as
// OpenStack services answer an exceeded quota.
func errQuota(format string, args ...any) error {
	e := errorf(http.StatusForbidden, "Quota exceeded", format, args...)
	e.kind = ErrQuota
	return e
}

// create adds the queue name to project with meta and its settings unless
// it exists; it returns the queue and whether it was created. An existing
// queue keeps its metadata, as a Zaqar PUT on an existing queue does;
// lazy is false for a creation the client asked for, which makes an
// existing lazy queue permanent.
// Errors: 403 beyond the bounds on queues per project and projects.
// Cost: O(log q) for the q queues of the project.
func (r *registry) create(projectName, name string, meta map[string]any, set settings, lazy bool) (*entry, bool, error) {
	return r.createHeld(projectName, name, meta, set, lazy, false)
}

// createHeld is create; with hold, a queue it creates is returned with
// its use lock held shared, taken before the queue is published.
func (r *registry) createHeld(projectName, name string, meta map[string]any, set settings, lazy, hold bool) (*entry, bool, error) {
	if e := r.get(projectName, name); e != nil {
		if !lazy {
			e.mu.Lock()
			e.lazy = false
			e.mu.Unlock()
		}
		return e, false, nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	p := r.projects[projectName]
	if e := p.get(name); e != nil {
		return e, false, nil
	}
	if p == nil {
		if n := r.bounds.projects; n > 0 && len(r.projects) >= n {
			return nil, false, errQuota("This server holds at most %d projects; project %q would be one more.", n, projectName)
		}
		p = &project{byName: make(map[string]*entry), sorted: btree.NewG(16, entryLess)}
		r.projects[projectName] = p
	}
	if n := r.bounds.queues; n > 0 && len(p.byName) >= n {
		return nil, false, errQuota("A project holds at most %d queues on this server; queue %q would be one more.", n, name)
	}
	if meta == nil {
		meta = map[string]any{}
	}
	e := &entry{name: name, meta: meta, set: set, lazy: lazy}
	e.q = claimq.New(set.options(r.clock, r.limits, r.bounds.messages, nil))
	if hold {
		// Not yet published: no sweep can hold use, so this cannot wait.
		e.use.RLock()
	}
	p.byName[name] = e
	p.sorted.ReplaceOrInsert(e)
	return e, true, nil
}

func (p *project) get(name string) *entry {
	if p == nil {
		return nil
	}
	return p.byName[name]
}

// getOrCreate returns the queue name of project, creating it lazily with
// no metadata if needed (Zaqar's lazy creation on post).
func (r *registry) getOrCreate(project, name string) (*entry, error) {
	e, _, err := r.create(project, name, nil, settings{}, true)
	return e, err
}

// forPost returns the queue name of project with its use lock held
// shared, for a post; the caller unlocks it. With create it creates the
// queue lazily if needed, locked before it is published, so that a sweep
// cannot drop it empty before the post that created it lands: a post
// racing sweeps then ends on its second try at most (the first finding a
// queue dropped under it). nil without create means no such queue.
// Errors: those of create. Cost: that of get, or of create.
func (r *registry) forPost(project, name string, create bool) (*entry, error) {
	e := r.get(project, name)
	if e == nil && create {
		var created bool
		var err error
		if e, created, err = r.createHeld(project, name, nil, settings{}, true, true); err != nil {
			return nil, err
		}
		if created {
			return e, nil
		}
	}
	if e != nil {
		// Taken outside r.mu: a sweep takes use before r.mu.
		e.use.RLock()
	}
	return e, nil
}

// remove deletes the queue name from project and returns it, or nil if it
// did not exist.
func (r *registry) remove(project, name string) *entry {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.removeLocked(project, name, nil)
}

// removeLocked removes the queue name of project, if it is e or e is
// nil. r.mu must be held.
func (r *registry) removeLocked(projectName, name string, e *entry) *entry {
	p := r.projects[projectName]
	cur := p.get(name)
	if cur == nil || (e != nil && cur != e) {
		return nil
	}
	delete(p.byName, name)
	p.sorted.Delete(cur)
	if len(p.byName) == 0 {
		delete(r.projects, projectName)
	}
	return cur
}

// ascend calls fn with the queues of project whose names come after
// marker, in name order, until fn returns false. fn runs under the
// registry's read lock and may take an entry's lock. Cost: O(log q)
// plus the queues visited.
func (r *registry) ascend(project, marker string, fn func(*entry) bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	p := r.projects[project]
	if p == nil {
		return
	}
	p.sorted.AscendGreaterOrEqual(&entry{name: marker}, func(e *entry) bool {
		if e.name == marker {
			return true
		}
		return fn(e)
	})
}

// resolveDeadLetter makes e's DeadLetter the current queue named by its
// settings, creating that queue if needed, before a claim may move
// messages there. A queue installed as a dead-letter queue is no longer
// lazy: the sweep keeps it.
func (r *registry) resolveDeadLetter(project string, e *entry) {
	e.mu.Lock()
	name := e.set.deadLetterName()
	e.mu.Unlock()
	if name == "" {
		return
	}
	var dead *entry
	for range 3 {
		d, _, err := r.create(project, name, nil, settings{}, false)
		if err != nil {
			return // beyond the bounds: no dead-lettering, nothing dropped
		}
		d.mu.Lock()
		dropped := d.dropped
		d.mu.Unlock()
		if !dropped {
			dead = d
			break
		}
	}
	if dead == nil {
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.set.deadLetterName() != name || e.dead == dead.q {
		return
	}
	// The settings were validated when stored, so SetOptions cannot fail.
	if e.q.SetOptions(e.set.options(r.clock, r.limits, r.bounds.messages, dead.q)) == nil {
		e.dead = dead.q
	}
}

// setMetadataLocked replaces e's metadata and settings, keeping its
// dead-letter queue if it still names the same one. A queue given
// metadata is no longer lazy. e.mu must be held.
func (r *registry) setMetadataLocked(e *entry, meta map[string]any, set settings) error {
	dead := e.dead
	if set.deadLetterName() != e.set.deadLetterName() {
		dead = nil
	}
	if err := e.q.SetOptions(set.options(r.clock, r.limits, r.bounds.messages, dead)); err != nil {
		return badBody("%v", err)
	}
	e.meta, e.set, e.dead, e.lazy = meta, set, dead, false
	return nil
}

// entries returns every queue of every project with its project name.
// Cost: O(total queues).
func (r *registry) entries() (projects []string, all []*entry) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	for name, p := range r.projects {
		for _, e := range p.byName {
			projects = append(projects, name)
			all = append(all, e)
		}
	}
	return projects, all
}

// sweep frees the expired messages and claims of every queue (each
// queue operation does, here Len) and drops the lazily created queues
// that hold no message; it returns the number of queues dropped. Cost:
// O(total queues) besides what expires.
func (r *registry) sweep() (dropped int) {
	projects, all := r.entries()
	for i, e := range all {
		if e.q.Len() > 0 {
			continue
		}
		e.use.Lock()
		r.mu.Lock()
		e.mu.Lock()
		drop := e.lazy && !e.dropped && e.q.Len() == 0 && r.removeLocked(projects[i], e.name, e) != nil
		e.dropped = e.dropped || drop
		e.mu.Unlock()
		r.mu.Unlock()
		if drop {
			e.q.Close()
			dropped++
		}
		e.use.Unlock()
	}
	return dropped
}

// messages returns the number of messages held by every queue.
func (r *registry) messages() int {
	_, all := r.entries()
	n := 0
	for _, e := range all {
		n += e.q.Len()
	}
	return n
}
