package zaqartest

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/claimq/claimq"
)

// AssertEmpty checks that the queue holds no live message, claimed,
// delayed or free: every one was deleted, popped, dead-lettered or has
// expired (a claim ends with its last message, so none is left either).
// Cost: that of a Snapshot.
func (q *Queue) AssertEmpty() bool {
	q.s.t.Helper()
	snap := q.Snapshot()
	if len(snap.Messages) == 0 {
		return true
	}
	q.s.t.Errorf("zaqartest: queue %q is not empty: it holds %d messages\n%s", q.name, len(snap.Messages), snap)
	return false
}

// AssertFree checks that the messages free to be claimed now, not held
// by a live claim and not delayed, are exactly ids.
func (q *Queue) AssertFree(ids ...claimq.MessageID) bool {
	q.s.t.Helper()
	snap := q.Snapshot()
	return q.sameIDs(string(Free)+" messages", snap.IDs(Free), ids, snap)
}

// AssertClaimed checks that the messages held by live claims now are
// exactly ids, whichever claims hold them.
func (q *Queue) AssertClaimed(ids ...claimq.MessageID) bool {
	q.s.t.Helper()
	snap := q.Snapshot()
	return q.sameIDs(string(Claimed)+" messages", snap.IDs(Claimed), ids, snap)
}

// AssertDelayed checks that the messages whose delay has not yet ended
// are exactly ids.
func (q *Queue) AssertDelayed(ids ...claimq.MessageID) bool {
	q.s.t.Helper()
	snap := q.Snapshot()
	return q.sameIDs(string(Delayed)+" messages", snap.IDs(Delayed), ids, snap)
}

// AssertClaimedBy checks that claim is live and holds exactly ids: a
// consumer's claim, as [Server.ClaimIDs] reads it from gophercloud.
func (q *Queue) AssertClaimedBy(claim claimq.ClaimID, ids ...claimq.MessageID) bool {
	q.s.t.Helper()
	snap := q.Snapshot()
	for _, c := range snap.Claims {
		if c.ID == claim {
			return q.sameIDs("messages of claim "+short(claim), c.Messages, ids, snap)
		}
	}
	q.s.t.Errorf("zaqartest: queue %q: claim %s is not live\n%s", q.name, claim, snap)
	return false
}

// AssertDeadLettered checks that the dead-letter queue named by the
// queue's metadata holds exactly ids: the messages moved there by the
// claim after their _max_claim_count-th, which keep their IDs. It fails
// if the metadata names no dead-letter queue.
func (q *Queue) AssertDeadLettered(ids ...claimq.MessageID) bool {
	q.s.t.Helper()
	snap := q.Snapshot()
	if snap.DeadLetterQueue == "" {
		q.s.t.Errorf("zaqartest: queue %q has no dead-letter queue in its metadata (_dead_letter_queue)\n%s", q.name, snap)
		return false
	}
	got := make([]claimq.MessageID, len(snap.DeadLetter))
	for i, m := range snap.DeadLetter {
		got[i] = m.ID
	}
	return q.sameIDs("messages of dead-letter queue "+fmt.Sprintf("%q", snap.DeadLetterQueue), got, ids, snap)
}

// AssertBodies checks that the queue's messages, in posting order,
// have exactly the bodies given, compared as JSON values (so key order
// and spacing do not matter): what a producer under test posted. A body
// is marshalled as by [Queue.Post]: a json.RawMessage is JSON text,
// anything else a value to marshal.
func (q *Queue) AssertBodies(bodies ...any) bool {
	q.s.t.Helper()
	snap := q.Snapshot()
	want := make([]any, len(bodies))
	for i, b := range bodies {
		raw, err := marshalBody(b)
		if err == nil {
			err = json.Unmarshal(raw, &want[i])
		}
		if err != nil {
			q.s.t.Errorf("zaqartest: AssertBodies: body %d: %v", i, err)
			return false
		}
	}
	got := make([]any, len(snap.Messages))
	for i, m := range snap.Messages {
		_ = json.Unmarshal([]byte(m.Body), &got[i]) // stored bodies are valid JSON
	}
	if reflect.DeepEqual(got, want) {
		return true
	}
	var b strings.Builder
	for i := range max(len(got), len(want)) {
		g, w := "(none)", "(none)"
		if i < len(snap.Messages) {
			g = snap.Messages[i].Body
		}
		if i < len(bodies) {
			raw, _ := marshalBody(bodies[i]) // marshalled above
			w = string(raw)
		}
		mark := " "
		if i >= len(got) || i >= len(want) || !reflect.DeepEqual(got[i], want[i]) {
			mark = "≠"
		}
		fmt.Fprintf(&b, "\t%s %d: got %s, want %s\n", mark, i, g, w)
	}
	q.s.t.Errorf("zaqartest: queue %q: the bodies differ:\n%s%s", q.name, b.String(), snap)
	return false
}

// sameIDs reports whether got, in ID order, holds exactly the IDs of
// want, and reports the difference as a failure otherwise.
func (q *Queue) sameIDs(what string, got, want []claimq.MessageID, snap Snapshot) bool {
	q.s.t.Helper()
	got = slices.Sorted(slices.Values(got))
	want = slices.Compact(slices.Sorted(slices.Values(want)))
	if slices.Equal(got, want) {
		return true
	}
	var missing, unexpected []string
	for _, id := range want {
		if !slices.Contains(got, id) {
			missing = append(missing, id.String()+" ("+snap.stateOf(id)+")")
		}
	}
	for _, id := range got {
		if !slices.Contains(want, id) {
			unexpected = append(unexpected, id.String())
		}
	}
	var diff strings.Builder
	if len(missing) > 0 {
		fmt.Fprintf(&diff, "\tmissing: %s\n", strings.Join(missing, ", "))
	}
	if len(unexpected) > 0 {
		fmt.Fprintf(&diff, "\tunexpected: %s\n", strings.Join(unexpected, ", "))
	}
	q.s.t.Errorf("zaqartest: queue %q: %s are %v, want %v\n%s%s", q.name, what, got, want, diff.String(), snap)
	return false
}

// stateOf describes where message id is in the snapshot.
func (s Snapshot) stateOf(id claimq.MessageID) string {
	for _, m := range s.Messages {
		if m.ID == id {
			if m.State == Claimed {
				return "claimed by " + short(m.Claim)
			}
			return string(m.State)
		}
	}
	for _, m := range s.DeadLetter {
		if m.ID == id {
			return "in the dead-letter queue"
		}
	}
	return "not in the queue"
}
