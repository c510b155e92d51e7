package zaqar

import (
	"encoding/json"
	"time"

	"github.com/claimq/claimq"
)

// Reserved queue metadata keys: the ones Zaqar reads to configure a queue.
const (
	keyDefaultTTL      = "_default_message_ttl"
	keyDefaultDelay    = "_default_message_delay"
	keyMaxClaimCount   = "_max_claim_count"
	keyDeadLetter      = "_dead_letter_queue"
	keyDeadLetterTTL   = "_dead_letter_queue_messages_ttl"
	keyMaxPostSize     = "_max_messages_post_size"
	keyEncryptMessages = "_enable_encrypt_messages"
)

// Zaqar's size limits on request bodies (max_messages_post_size and
// max_queue_metadata).
const (
	maxPostSize     = 256 << 10
	maxMetadataSize = 64 << 10
)

// settings are the reserved metadata of a queue, validated. Zero fields
// mean "not set": Zaqar treats a falsy value as absent.
type settings struct {
	defaultTTL    time.Duration
	defaultDelay  time.Duration
	maxClaimCount int
	deadLetter    string
	deadLetterTTL time.Duration
	maxPostSize   int64
}

// deadLetterName returns the dead-letter queue's name when dead-lettering
// is on, which Zaqar requires both _max_claim_count and _dead_letter_queue
// for.
func (s settings) deadLetterName() string {
	if s.maxClaimCount > 0 {
		return s.deadLetter
	}
	return ""
}

// postLimit is the largest message post body the queue accepts.
func (s settings) postLimit() int64 {
	if s.maxPostSize > 0 {
		return s.maxPostSize
	}
	return maxPostSize
}

// options returns the claimq options for s; dead-lettering is enabled only
// once the dead-letter queue is known, since claimq drops what it would
// move to a nil one.
func (s settings) options(clock claimq.Clock, limits claimq.Limits, maxMessages int, dead *queueT) claimq.Options[json.RawMessage] {
	opts := claimq.Options[json.RawMessage]{
		Clock:         clock,
		Limits:        limits,
		MaxMessages:   maxMessages,
		DefaultTTL:    s.defaultTTL,
		DefaultDelay:  s.defaultDelay,
		DeadLetterTTL: s.deadLetterTTL,
	}
	if dead != nil && s.deadLetterName() != "" {
		opts.MaxClaimCount, opts.DeadLetter = s.maxClaimCount, dead
	}
	return opts
}

// parseSettings validates the reserved keys of meta by Zaqar's
// queue_metadata_putting rules and returns them; other keys are free-form.
// A null or zero value counts as not set.
func parseSettings(meta map[string]any, l claimq.Limits) (settings, error) {
	var s settings
	seconds := func(key string, lo, hi time.Duration) (time.Duration, error) {
		n, err := metaInt(meta, key, int64(lo/time.Second), int64(hi/time.Second), "seconds")
		return time.Duration(n) * time.Second, err
	}
	var err error
	if s.defaultTTL, err = seconds(keyDefaultTTL, l.MinMessageTTL, l.MaxMessageTTL); err != nil {
		return s, err
	}
	if s.deadLetterTTL, err = seconds(keyDeadLetterTTL, l.MinMessageTTL, l.MaxMessageTTL); err != nil {
		return s, err
	}
	if s.defaultDelay, err = seconds(keyDefaultDelay, 0, l.MaxDelay); err != nil {
		return s, err
	}
	if s.maxPostSize, err = metaInt(meta, keyMaxPostSize, 1, maxPostSize, "bytes"); err != nil {
		return s, err
	}
	if v, ok := meta[keyMaxClaimCount]; ok && v != nil {
		n, ok := v.(json.Number)
		i, err := n.Int64()
		if !ok || err != nil {
			return s, badBody("%q must be an integer.", keyMaxClaimCount)
		}
		// Zaqar only type-checks it; no claim can count past MaxInt32.
		s.maxClaimCount = int(min(max(i, 0), 1<<31-1))
	}
	switch v := meta[keyDeadLetter].(type) {
	case nil:
	case string:
		if v != "" && !validName(v) {
			return s, badBody("%q must be a queue name: 1 to 64 ASCII letters, digits, '_', '-' or '.'.", keyDeadLetter)
		}
		s.deadLetter = v
	default:
		return s, badBody("%q must be a queue name (a string).", keyDeadLetter)
	}
	if v, ok := meta[keyEncryptMessages]; ok && v != nil {
		if _, ok := v.(bool); !ok {
			return s, badBody("%q must be a boolean.", keyEncryptMessages)
		}
	}
	return s, nil
}

// metaInt reads meta[key], which must be null, absent, 0 (all meaning
// "not set", as Zaqar takes falsy values), or an integer in [lo, hi].
func metaInt(meta map[string]any, key string, lo, hi int64, unit string) (int64, error) {
	v, ok := meta[key]
	if !ok || v == nil {
		return 0, nil
	}
	n, ok := v.(json.Number)
	if !ok {
		return 0, badBody("%q must be an integer%s.", key, rangeText(lo, hi, unit))
	}
	if n == "0" {
		return 0, nil
	}
	return intField(json.RawMessage(n), key, lo, hi, unit)
}

// decodeMetadata parses a queue metadata document, a JSON object whose
// numbers are kept as written (json.Number) so that they are echoed back
// exactly.
func decodeMetadata(data []byte) (map[string]any, error) {
	if err := parseJSON(data); err != nil {
		return nil, err
	}
	var meta map[string]any
	if err := unmarshalNumbers(data, &meta); err != nil || meta == nil {
		return nil, badBody("Document type not supported: queue metadata must be a JSON object.")
	}
	return meta, nil
}

// withReserved returns a copy of meta with Zaqar's default filled in for
// each reserved key that is missing or falsy, as GET queue shows it; a
// topic shows only the keys of its messages (post size, TTL, delay).
func withReserved(meta map[string]any, l claimq.Limits, topic bool) map[string]any {
	out := make(map[string]any, len(meta)+7)
	for k, v := range meta {
		out[k] = v
	}
	defaults := map[string]any{
		keyMaxPostSize:     maxPostSize,
		keyDefaultTTL:      int64(l.DefaultMessageTTL / time.Second),
		keyDefaultDelay:    0,
		keyDeadLetter:      nil,
		keyDeadLetterTTL:   nil,
		keyMaxClaimCount:   nil,
		keyEncryptMessages: false,
	}
	for k, def := range defaults {
		if falsy(out[k]) && isReserved(k, topic) {
			out[k] = def
		}
	}
	return out
}

// isReserved reports whether key is reserved metadata of a queue, or of
// a topic when topic is set.
func isReserved(key string, topic bool) bool {
	switch key {
	case keyDefaultTTL, keyDefaultDelay, keyMaxPostSize:
		return true
	case keyMaxClaimCount, keyDeadLetter, keyDeadLetterTTL, keyEncryptMessages:
		return !topic
	}
	return false
}

// falsy reports whether Python would take v as false.
func falsy(v any) bool {
	switch v := v.(type) {
	case nil:
		return true
	case bool:
		return !v
	case string:
		return v == ""
	case json.Number:
		f, err := v.Float64()
		return err == nil && f == 0
	case map[string]any:
		return len(v) == 0
	case []any:
		return len(v) == 0
	}
	return false
}
