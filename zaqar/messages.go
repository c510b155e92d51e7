package zaqar

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/claimq/claimq"
)

// message is a message as the operations return it.
type message = claimq.Message[json.RawMessage]

// postMessages posts msgs to the queue, all or nothing, and returns their
// IDs in input order. With create it creates the queue if needed, as
// Zaqar does since v1.1.
// Errors: 404 when the queue does not exist and create is false.
func (h *handler) postMessages(t target, msgs []claimq.Post[json.RawMessage], create bool) ([]claimq.MessageID, error) {
	for range 3 {
		e, err := h.registry(t).forPost(t.project, t.queue, create)
		if err != nil {
			return nil, err
		}
		if e == nil {
			return nil, errNoQueue(t.queue)
		}
		ids, err := e.q.Post(msgs...)
		e.use.RUnlock()
		if errors.Is(err, claimq.ErrClosed) {
			continue // the queue was deleted under us: post to its successor, if any
		}
		if errors.Is(err, claimq.ErrInvalid) {
			return nil, badBody("%v", err)
		}
		if errors.Is(err, claimq.ErrQueueFull) {
			return nil, errorf(http.StatusServiceUnavailable, titleUnavailable,
				"Queue %s is full: it holds at most %d messages.", t.queue, h.opts.MaxMessagesPerQueue)
		}
		return ids, err
	}
	return nil, errorf(http.StatusServiceUnavailable, titleUnavailable,
		"Queue %s was deleted repeatedly while posting; try again.", t.queue)
}

// queueSettings returns the settings of the queue, zero if it does not
// exist.
func (h *handler) queueSettings(t target) settings {
	e := h.registry(t).get(t.project, t.queue)
	if e == nil {
		return settings{}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.set
}

// listMessages returns a page of the queue's messages and whether the
// queue exists. As in Zaqar, delayed messages are listed regardless of
// opts.IncludeDelayed in a queue without a default delay. forcedDelayed
// reports that case, which Zaqar shows in the next link.
func (h *handler) listMessages(t target, opts claimq.ListOptions) (msgs []message, forcedDelayed, exists bool) {
	e := h.registry(t).get(t.project, t.queue)
	if e == nil {
		return nil, false, false
	}
	e.mu.Lock()
	delayedQueue := e.set.defaultDelay > 0
	e.mu.Unlock()
	if !delayedQueue && !opts.IncludeDelayed {
		opts.IncludeDelayed, forcedDelayed = true, true
	}
	msgs, _ = e.q.List(opts)
	return msgs, forcedDelayed, true
}

// getMessage returns message id. Errors: 404 when it or its queue does
// not exist, or id is malformed.
func (h *handler) getMessage(t target, id string) (message, error) {
	mid, err := claimq.ParseMessageID(id)
	e := h.registry(t).get(t.project, t.queue)
	if err == nil && e != nil {
		var m message
		if m, err = e.q.Get(mid); err == nil {
			return m, nil
		}
	}
	return message{}, notFound("Message %s does not exist in queue %s.", id, t.queue)
}

// getMessages returns the messages among ids that exist, in the order
// given, skipping malformed and unknown ones; none is a result, which
// v1.0 answers 204 and later versions 404 (errNoMessages).
func (h *handler) getMessages(t target, ids []string) []message {
	if e := h.registry(t).get(t.project, t.queue); e != nil {
		return e.q.GetMany(parseMessageIDs(ids)...)
	}
	return nil
}

// errNoMessages is the 404 of a get by ids that found none.
func errNoMessages(ids []string) error {
	return notFound("No messages with IDs: %s found.", strings.Join(ids, ","))
}

func parseMessageIDs(ids []string) []claimq.MessageID {
	out := make([]claimq.MessageID, 0, len(ids))
	for _, s := range ids {
		if id, err := claimq.ParseMessageID(s); err == nil {
			out = append(out, id)
		}
	}
	return out
}

// Descriptions of the delete errors, Zaqar's words.
const (
	descNotClaimed    = "A claim was specified, but the message is not currently claimed."
	descClaimNotFound = "The specified claim does not exist or has expired."
	descClaimed       = "This message is claimed; it cannot be deleted without a valid claim ID."
)

// deleteMessage deletes message id, with the claim claimID if hasClaim.
// A message that does not exist (malformed id, missing queue) is deleted
// already. The message is looked up before a malformed claim ID is
// refused, as Zaqar's Redis driver does, so that deletes stay idempotent.
//
// Errors: 403 when a live claim other than the one given holds it (or any
// live claim, when none is given); 400 when the given claim does not hold
// it, worded as Zaqar words ClaimDoesNotExist when the claim has ended
// (expired or released: the core cannot tell which), is malformed, or is
// unknown while another claim holds the message, and MessageNotClaimed
// otherwise.
func (h *handler) deleteMessage(t target, id, claimID string, hasClaim bool) error {
	mid, err := claimq.ParseMessageID(id)
	e := h.registry(t).get(t.project, t.queue)
	if err != nil || e == nil {
		return nil
	}
	var cid claimq.ClaimID
	if hasClaim {
		if cid, err = claimq.ParseClaimID(claimID); err != nil {
			if _, err := e.q.Get(mid); err != nil {
				return nil
			}
			return errorf(http.StatusBadRequest, titleUnableDelete, descClaimNotFound)
		}
	}
	switch err := e.q.Delete(mid, cid); {
	case err == nil, errors.Is(err, claimq.ErrMessageNotFound):
		return nil
	case errors.Is(err, claimq.ErrClaimExpired), // the claim given has ended
		errors.Is(err, claimq.ErrClaimedByOther) && errors.Is(err, claimq.ErrClaimNotFound):
		return errorf(http.StatusBadRequest, titleUnableDelete, descClaimNotFound)
	case errors.Is(err, claimq.ErrNotClaimed):
		return errorf(http.StatusBadRequest, titleUnableDelete, descNotClaimed)
	case errors.Is(err, claimq.ErrMessageClaimed), errors.Is(err, claimq.ErrClaimedByOther):
		return errorf(http.StatusForbidden, titleUnableDelete, descClaimed)
	default:
		return err
	}
}

// deleteMessages deletes the listed messages whether claimed or not, as
// Zaqar's bulk delete does; malformed and unknown ids are skipped.
func (h *handler) deleteMessages(t target, ids []string) {
	if e := h.registry(t).get(t.project, t.queue); e != nil {
		e.q.DeleteMany(parseMessageIDs(ids)...)
	}
}

// popMessages removes and returns up to n claimable messages, oldest
// first.
func (h *handler) popMessages(t target, n int) ([]message, error) {
	e := h.registry(t).get(t.project, t.queue)
	if e == nil {
		return nil, nil
	}
	msgs, err := e.q.Pop(n)
	switch {
	case errors.Is(err, claimq.ErrClosed):
		return nil, nil // deleted under us: it had nothing left to pop
	case errors.Is(err, claimq.ErrInvalid):
		return nil, badRequest("%v", err)
	}
	return msgs, err
}
