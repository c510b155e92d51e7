package zaqar

import (
	"encoding/json"
	"fmt"

	"github.com/claimq/claimq"
)

// Queue returns the queue name of project that the handler serves, creating it
// with no metadata if it does not exist, as a client's first post would
// (Zaqar's lazy creation). It is the very queue the API serves: what Go
// code posts, claims or deletes through it, clients see, and the other
// way round. Bodies are JSON text; the API's clients expect objects.
//
// Before returning, Queue wires the dead-letter queue the metadata
// names, creating it, as a claim over HTTP does, so that claims made
// in Go dead-letter too; a later change of the metadata takes effect in
// Go at the next claim over HTTP or call of Queue. Deleting the queue
// over HTTP detaches the returned queue: it keeps working, unserved.
//
// Errors: one matching [ErrQuota] for a queue that does not exist yet
// and would go beyond Options.MaxQueuesPerProject or MaxProjects; one
// matching [claimq.ErrInvalid] for a name Zaqar refuses (1 to 64 of ASCII letters, digits, '_', '-', '.')
// or a project longer than 256 bytes. Cost: O(1).
func (hh *Handler) Queue(project, name string) (*claimq.Queue[json.RawMessage], error) {
	hd, err := hh.accessible(project, name)
	if err != nil {
		return nil, err
	}
	e, err := hd.reg.getOrCreate(project, name)
	if err != nil {
		return nil, err
	}
	hd.reg.resolveDeadLetter(project, e)
	return e.q, nil
}

// DeadLetter returns the name of the dead-letter queue that the
// metadata of queue name of project names (_dead_letter_queue), and
// that queue if it exists. It creates nothing: name and nil mean the
// dead-letter queue was never created, so nothing was moved to it, and
// "" and nil that there is no such queue or it names none.
//
// Errors: those of [Handler.Queue]. Cost: O(1).
func (hh *Handler) DeadLetter(project, name string) (string, *claimq.Queue[json.RawMessage], error) {
	hd, err := hh.accessible(project, name)
	if err != nil {
		return "", nil, err
	}
	e := hd.reg.get(project, name)
	if e == nil {
		return "", nil, nil
	}
	e.mu.Lock()
	dead := e.set.deadLetterName()
	e.mu.Unlock()
	if dead == "" {
		return "", nil, nil
	}
	if d := hd.reg.get(project, dead); d != nil {
		return dead, d.q, nil
	}
	return dead, nil, nil
}

// accessible checks the arguments of Queue and DeadLetter as the API
// checks a request's.
func (hh *Handler) accessible(project, name string) (*handler, error) {
	hd := hh.h
	if !validName(name) {
		return nil, fmt.Errorf("%w: queue name %q: 1 to 64 of ASCII letters, digits, '_', '-' and '.'", claimq.ErrInvalid, name)
	}
	if len(project) > maxProjectLen {
		return nil, fmt.Errorf("%w: project of %d bytes: at most %d", claimq.ErrInvalid, len(project), maxProjectLen)
	}
	return hd, nil
}
