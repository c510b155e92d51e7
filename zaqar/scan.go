package zaqar

import (
	"bytes"
	"encoding/json"
)

// A scanner of JSON already validated (parseJSON), for the message post:
// it finds the spans of the envelope's elements and of their fields
// without copying them, where json.Unmarshal into maps and RawMessages
// copies each. It gives the same answers as those Unmarshal calls; a key
// it cannot compare as written (with an escape) makes it give up, and the
// caller then decodes with encoding/json.

// compactValid appends src, valid JSON, to dst without its white space
// outside strings: what json.Compact does to valid JSON, without
// validating it again.
func compactValid(dst, src []byte) []byte {
	for i := 0; i < len(src); {
		switch c := src[i]; c {
		case ' ', '\t', '\r', '\n':
			i++
		case '"':
			end, _ := skipString(src, i)
			dst = append(dst, src[i:end]...)
			i = end
		default:
			dst = append(dst, c)
			i++
		}
	}
	return dst
}

// skipSpace returns the index of the first byte of data at or after i
// that is not JSON white space.
func skipSpace(data []byte, i int) int {
	for i < len(data) {
		switch data[i] {
		case ' ', '\t', '\r', '\n':
			i++
		default:
			return i
		}
	}
	return i
}

// skipString returns the index after the string starting at data[i], a
// quote, and whether it has an escape.
func skipString(data []byte, i int) (end int, escaped bool) {
	for i++; i < len(data); i++ {
		switch data[i] {
		case '\\':
			escaped = true
			i++
		case '"':
			return i + 1, escaped
		}
	}
	return len(data), escaped
}

// skipValue returns the index after the value starting at data[i].
func skipValue(data []byte, i int) int {
	switch data[i] {
	case '"':
		end, _ := skipString(data, i)
		return end
	case '{', '[':
		depth := 0
		for i < len(data) {
			switch data[i] {
			case '"':
				i, _ = skipString(data, i)
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
			i++
		}
		return len(data)
	}
	for i < len(data) {
		switch data[i] {
		case ',', ']', '}', ' ', '\t', '\r', '\n':
			return i
		}
		i++
	}
	return i
}

// scanObject calls field with the key, as written between its quotes,
// and the value of each member of the object starting at data[i], in
// order. It returns false, having called field for some members maybe,
// if a key has an escape.
func scanObject(data []byte, i int, field func(key, value []byte)) bool {
	i = skipSpace(data, i+1) // past '{'
	for i < len(data) && data[i] == '"' {
		end, escaped := skipString(data, i)
		if escaped {
			return false
		}
		key := data[i+1 : end-1]
		i = skipSpace(data, end)
		i = skipSpace(data, i+1) // past ':'
		vend := skipValue(data, i)
		field(key, data[i:vend])
		i = skipSpace(data, vend)
		if i < len(data) && data[i] == ',' {
			i = skipSpace(data, i+1)
		}
	}
	return true
}

// scanArray appends the elements of the array starting at data[i] to
// elems.
func scanArray(data []byte, i int, elems []json.RawMessage) []json.RawMessage {
	i = skipSpace(data, i+1) // past '['
	for i < len(data) && data[i] != ']' {
		end := skipValue(data, i)
		elems = append(elems, data[i:end:end])
		i = skipSpace(data, end)
		if i < len(data) && data[i] == ',' {
			i = skipSpace(data, i+1)
		}
	}
	return elems
}

// scanEnvelope is decodeEnvelope's work on a body parseJSON accepted:
// the elements of the "messages" array of the top-level object, which
// must be there; ok is false when the scanner gave up. The elements are
// subslices of body.
func scanEnvelope(body []byte) (elems []json.RawMessage, ok bool, err error) {
	start := skipSpace(body, 0)
	if start == len(body) || body[start] != '{' {
		return nil, true, badBody("No messages were found in the request body.")
	}
	var messages []byte
	if !scanObject(body, start, func(key, value []byte) {
		if string(key) == "messages" { // the last one wins, as in a map
			messages = value
		}
	}) {
		return nil, false, nil
	}
	switch {
	case messages == nil:
		return nil, true, badBody("No messages were found in the request body.")
	case messages[0] != '[':
		return nil, true, badBody(`Document type not supported: "messages" must be an array.`)
	}
	return scanArray(messages, 0, make([]json.RawMessage, 0, 16)), true, nil
}

// scanMessageElem is json.Unmarshal(raw, e)'s work on an element that
// is a valid JSON object: fields are matched to keys case-insensitively
// as encoding/json matches them, the last one winning; ok is false when
// the scanner gave up.
func scanMessageElem(raw []byte, e *messageElem) (ok bool) {
	return scanObject(raw, 0, func(key, value []byte) {
		switch {
		case bytes.EqualFold(key, []byte("body")):
			e.Body = value
		case bytes.EqualFold(key, []byte("ttl")):
			e.TTL = value
		case bytes.EqualFold(key, []byte("delay")):
			e.Delay = value
		}
	})
}
