package bench

import (
	"bytes"
	"fmt"
)

// Every engine carries the same body: a JSON string of exactly -body-size
// bytes that starts with the send time, so that one workload runs
// unchanged in process, as a Zaqar message body and as a Redis field:
//
//	"00000000075bcd15xxxxxxxx…"
//
// The 16 hex digits are the send time in nanoseconds since the start of
// the trial (two's complement, so unstamped reads back as -1); padding
// fills the rest. The Zaqar engine carries only JSON objects (as
// gophercloud does), so through it the same string is the field t of an
// object, still of -body-size bytes:
//
//	{"t":"00000000075bcd15xxxx…"}
const (
	stampDigits = 16
	minBodySize = stampDigits + 2
	// objectPrefix and objectSuffix wrap the string in an object.
	objectPrefix = `{"t":`
	objectSuffix = `}`
	// minObjectBodySize is the shortest object body.
	minObjectBodySize = len(objectPrefix) + minBodySize + len(objectSuffix)
)

// appendBody appends the body of a message sent at stamp, size bytes
// long (at least minBodySize).
func appendBody(dst []byte, stamp int64, size int) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	u := uint64(stamp)
	for shift := 4 * (stampDigits - 1); shift >= 0; shift -= 4 {
		dst = append(dst, hex[u>>shift&0xf])
	}
	for range size - minBodySize {
		dst = append(dst, 'x')
	}
	return append(dst, '"')
}

// appendObjectBody appends the object body of a message sent at stamp,
// size bytes long (at least minObjectBodySize).
func appendObjectBody(dst []byte, stamp int64, size int) []byte {
	dst = append(dst, objectPrefix...)
	dst = appendBody(dst, stamp, size-len(objectPrefix)-len(objectSuffix))
	return append(dst, objectSuffix...)
}

// parseStamp reads the send time back from a body written by appendBody
// or appendObjectBody. An object may come back re-encoded, with spaces
// after its colon (as Python's json.dumps writes it), so its string is
// found after the colon rather than at a fixed offset.
func parseStamp(b []byte) (int64, error) {
	if len(b) > 0 && b[0] == '{' {
		if !bytes.HasPrefix(b, []byte(`{"t"`)) {
			return 0, fmt.Errorf("body %.24q…: not a body of claimq bench", b)
		}
		b = bytes.TrimLeft(b[len(`{"t"`):], " \t\r\n")
		if len(b) == 0 || b[0] != ':' {
			return 0, fmt.Errorf("body %.24q…: not a body of claimq bench", b)
		}
		b = bytes.TrimLeft(b[1:], " \t\r\n")
	}
	if len(b) < minBodySize || b[0] != '"' {
		return 0, fmt.Errorf("body %.24q…: not a body of claimq bench", b)
	}
	var u uint64
	for _, c := range b[1 : 1+stampDigits] {
		var d byte
		switch {
		case '0' <= c && c <= '9':
			d = c - '0'
		case 'a' <= c && c <= 'f':
			d = c - 'a' + 10
		default:
			return 0, fmt.Errorf("body %.24q…: not a body of claimq bench", b)
		}
		u = u<<4 | uint64(d)
	}
	return int64(u), nil
}
