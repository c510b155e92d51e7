package redisengine_test

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/claimq/claimq"
	"github.com/claimq/claimq/redisengine"
	"pgregory.net/rapid"
)

// TestSameAsTheInProcessQueue drives the engine and the in-process
// claimq.Queue side by side with the same random operations, on two fake
// clocks moved together, and compares what each claim takes (messages,
// order, attempts) and whether each delete deletes. Durations are
// whole seconds within Zaqar's limits, a dead-letter queue behind a
// MaxClaimCount of 0 to 3, so that none of the engine's
// documented divergences (milliseconds, cleanup bounds) can show: the
// engine must have the in-process semantics exactly.
func TestSameAsTheInProcessQueue(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		m := newDiffMachine(t)
		defer m.close()
		t.Repeat(map[string]func(*rapid.T){
			"post":    m.post,
			"claim":   m.claim,
			"delete":  m.delete,
			"release": m.release,
			"advance": m.advance,
			"dead":    m.claimDead,
		})
	})
}

type diffClaim struct {
	local  claimq.ClaimID
	remote string
}

type diffIDs struct {
	local  claimq.MessageID
	remote string
}

type diffMachine struct {
	ctx            context.Context
	q, qdead       *claimq.Queue[[]byte]
	e, edead       *redisengine.Engine[[]byte]
	lclock, rclock *claimq.FakeClock
	posted         []diffIDs // by body
	claims         []diffClaim
}

func newDiffMachine(t *rapid.T) *diffMachine {
	m := &diffMachine{ctx: context.Background(), lclock: claimq.NewFakeClock(epoch), rclock: claimq.NewFakeClock(epoch)}
	maxClaims := rapid.IntRange(0, 3).Draw(t, "max claim count")
	m.qdead = claimq.New(claimq.Options[[]byte]{Clock: m.lclock, Limits: claimq.ZaqarLimits()})
	m.q = claimq.New(claimq.Options[[]byte]{Clock: m.lclock, Limits: claimq.ZaqarLimits(), MaxClaimCount: maxClaims, DeadLetter: m.qdead})
	name := "differential." + strconv.FormatInt(queues.Add(1), 10)
	opts := redisengine.Options[[]byte]{Client: server, Queue: name, Clock: m.rclock}
	var err error
	if m.edead, err = redisengine.New(m.ctx, opts); err != nil {
		t.Fatal(err)
	}
	opts.Queue, opts.MaxClaimCount, opts.DeadLetter = name+".main", maxClaims, name
	if m.e, err = redisengine.New(m.ctx, opts); err != nil {
		t.Fatal(err)
	}
	return m
}

func (m *diffMachine) close() {
	m.q.Close()
	m.qdead.Close()
	_ = m.e.Close()
	_ = m.edead.Close()
}

func (m *diffMachine) post(t *rapid.T) {
	n := rapid.IntRange(1, 3).Draw(t, "n")
	msgs := make([]claimq.Post[[]byte], n)
	for i := range msgs {
		msgs[i] = claimq.Post[[]byte]{
			Body:  []byte(strconv.Itoa(len(m.posted) + i)),
			TTL:   rapid.SampledFrom([]time.Duration{60 * time.Second, 120 * time.Second, 600 * time.Second}).Draw(t, "ttl"),
			Delay: rapid.SampledFrom([]time.Duration{claimq.NoDelay, 10 * time.Second, 60 * time.Second}).Draw(t, "delay"),
		}
	}
	lids, err := m.q.Post(msgs...)
	if err != nil {
		t.Fatalf("in-process Post = %v", err)
	}
	rids, err := m.e.Post(m.ctx, msgs...)
	if err != nil {
		t.Fatalf("engine Post = %v", err)
	}
	for i := range msgs {
		m.posted = append(m.posted, diffIDs{lids[i], rids[i]})
	}
}

func (m *diffMachine) claim(t *rapid.T) {
	limit := rapid.IntRange(1, 5).Draw(t, "limit")
	ttl := rapid.SampledFrom([]time.Duration{60 * time.Second, 90 * time.Second, 300 * time.Second}).Draw(t, "claim ttl")
	grace := rapid.SampledFrom([]time.Duration{60 * time.Second, 120 * time.Second}).Draw(t, "grace")
	lc, err := m.q.Claim(claimq.ClaimOptions{Limit: limit, TTL: ttl, Grace: grace})
	if err != nil {
		t.Fatalf("in-process Claim = %v", err)
	}
	rc, err := m.e.Claim(m.ctx, claimq.ClaimRequest{Limit: limit, TTL: ttl, Grace: grace})
	if err != nil {
		t.Fatalf("engine Claim = %v", err)
	}
	var want, got []string
	for _, msg := range lc.Messages {
		want = append(want, fmt.Sprintf("%s#%d", msg.Body, msg.ClaimCount))
	}
	for _, d := range rc.Messages {
		got = append(got, fmt.Sprintf("%s#%d", d.Body, d.Attempt))
	}
	if !slices.Equal(got, want) {
		t.Fatalf("engine claimed %v; in-process claimed %v (body#attempt)", got, want)
	}
	if len(lc.Messages) > 0 {
		m.claims = append(m.claims, diffClaim{lc.ID, rc.ID})
	}
}

// claimDead claims everything in the dead-letter queues and releases it:
// the same messages must have been dead-lettered. Their order may differ,
// a documented divergence: the in-process queue keeps a dead-lettered
// message's ID, and so its place, where the engine posts it anew.
func (m *diffMachine) claimDead(t *rapid.T) {
	var want, got []string
	var lclaims []claimq.ClaimID
	for {
		c, err := m.qdead.Claim(claimq.ClaimOptions{Limit: 20, TTL: 60 * time.Second, Grace: 60 * time.Second})
		if err != nil {
			t.Fatalf("in-process Claim of dead letters = %v", err)
		}
		if len(c.Messages) == 0 {
			break
		}
		lclaims = append(lclaims, c.ID)
		for _, msg := range c.Messages {
			want = append(want, string(msg.Body))
		}
	}
	var rclaims []string
	for {
		l, err := m.edead.Claim(m.ctx, claimq.ClaimRequest{Limit: 20, TTL: 60 * time.Second, Grace: 60 * time.Second})
		if err != nil {
			t.Fatalf("engine Claim of dead letters = %v", err)
		}
		if len(l.Messages) == 0 {
			break
		}
		rclaims = append(rclaims, l.ID)
		for _, d := range l.Messages {
			got = append(got, string(d.Body))
		}
	}
	for _, c := range lclaims {
		_ = m.qdead.Release(c)
	}
	for _, c := range rclaims {
		if err := m.edead.Release(m.ctx, c); err != nil {
			t.Fatalf("engine Release of dead letters = %v", err)
		}
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("engine dead letters %v; in-process dead letters %v", got, want)
	}
}

func (m *diffMachine) pickClaim(t *rapid.T) diffClaim {
	if len(m.claims) == 0 {
		t.Skip("no claim yet")
	}
	return rapid.SampledFrom(m.claims).Draw(t, "claim")
}

func (m *diffMachine) delete(t *rapid.T) {
	c := m.pickClaim(t)
	ids := rapid.SampledFrom(m.posted).Draw(t, "message")
	// Whether the message goes must agree; why a delete is refused may
	// not: the queue answers for the message (not found, not claimed),
	// the engine gives the race signal for every delete with a claim
	// that is no longer live, as the engine contract asks.
	want := m.q.Delete(ids.local, c.local) == nil
	got := m.e.Delete(m.ctx, c.remote, ids.remote)
	if (got == nil) != want {
		t.Fatalf("engine Delete = %v; in-process Delete deleted: %v", got, want)
	}
}

func (m *diffMachine) release(t *rapid.T) {
	c := m.pickClaim(t)
	_ = m.q.Release(c.local) // not found when no longer live; nothing to compare
	if err := m.e.Release(m.ctx, c.remote); err != nil {
		t.Fatalf("engine Release = %v", err)
	}
}

func (m *diffMachine) advance(t *rapid.T) {
	d := rapid.SampledFrom([]time.Duration{time.Second, 10 * time.Second, 30 * time.Second, 60 * time.Second, 120 * time.Second}).Draw(t, "advance")
	m.lclock.Advance(d)
	m.rclock.Advance(d)
}
