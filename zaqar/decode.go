package zaqar

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// readBody reads the whole request body, refusing more than limit bytes
// with a 400 that names what was too large, as Zaqar does from
// Content-Length. The declared length is checked first so that an honest
// client with an oversize body is answered before it sends it.
func readBody(w http.ResponseWriter, r *http.Request, limit int64, what string) ([]byte, error) {
	if r.Body == nil {
		return nil, nil // a request built by hand, not read from a connection
	}
	if r.ContentLength > limit {
		return nil, badBody("%s is too large: %d bytes, at most %d", what, r.ContentLength, limit)
	}
	if r.ContentLength >= 0 {
		return readSized(w, r, limit, what)
	}
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, badBody("%s is too large: more than %d bytes", what, limit)
		}
		return nil, badBody("reading the request body: %v", err)
	}
	return b, nil
}

// readSized is readBody for a body of declared length, at most limit.
// The buffer grows with the bytes received, never ahead of them by more
// than the bytes already read (or firstRead), so that a client that
// declares a large body and sends none holds almost no memory, while an
// honest one costs at most two buffers of the body's size. The body is
// still read through http.MaxBytesReader, so that a body longer than
// declared (only possible in a request built by hand) is refused past
// limit and the server closes such a connection.
func readSized(w http.ResponseWriter, r *http.Request, limit int64, what string) ([]byte, error) {
	if r.Body == http.NoBody {
		return []byte{}, nil
	}
	body := http.MaxBytesReader(w, r.Body, limit)
	want := r.ContentLength + 1 // +1: room for the read that sees EOF
	b := make([]byte, 0, min(want, firstRead))
	for {
		if len(b) == cap(b) {
			grow := int64(len(b)) // doubling, but no further than declared
			if rest := want - int64(len(b)); rest > 0 {
				grow = min(grow, rest)
			}
			b = slices.Grow(b, int(max(grow, 1)))
		}
		n, err := body.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		var tooBig *http.MaxBytesError
		switch {
		case err == io.EOF:
			return b, nil
		case errors.As(err, &tooBig):
			return nil, badBody("%s is too large: more than %d bytes", what, limit)
		case err != nil:
			return nil, badBody("reading the request body: %v", err)
		}
	}
}

// firstRead is the buffer a body's first read gets: what a message post
// of a few messages needs.
const firstRead = 2 << 10

// parseJSON checks that data is one JSON object or array, as Zaqar's
// read_json requires of every body, with no integer outside int64 anywhere
// in it (Zaqar parses every integer and refuses larger ones, message
// bodies included).
func parseJSON(data []byte) error {
	if !json.Valid(data) {
		return badBody("Malformed JSON: the body is not a valid JSON document.")
	}
	// json.Valid lets invalid UTF-8 through inside strings; stored as is,
	// it would come back in responses that promise UTF-8, and Zaqar
	// refuses such a body too.
	if !utf8.Valid(data) {
		return badBody("Malformed JSON: the body is not valid UTF-8.")
	}
	if err := checkIntegers(data); err != nil {
		return err
	}
	switch firstByte(data) {
	case '{', '[':
		return nil
	}
	return badBody("Malformed JSON: the body must be a JSON object or array.")
}

// firstByte returns the first byte of data that is not JSON white space.
func firstByte(data []byte) byte {
	for _, c := range data {
		switch c {
		case ' ', '\t', '\r', '\n':
			continue
		}
		return c
	}
	return 0
}

// checkIntegers scans valid JSON for integer literals outside int64.
// Cost: one pass over data, no allocation unless a literal has 19 digits
// or more.
func checkIntegers(data []byte) error {
	inString, escaped := false, false
	for i := 0; i < len(data); i++ {
		c := data[i]
		if inString {
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
			continue
		}
		if c == '"' {
			inString = true
			continue
		}
		if c != '-' && (c < '0' || c > '9') {
			continue
		}
		j, isInt := i, true
		for j < len(data) && strings.IndexByte("+-0123456789.eE", data[j]) >= 0 {
			if data[j] == '.' || data[j] == 'e' || data[j] == 'E' {
				isInt = false
			}
			j++
		}
		if isInt && j-i >= 19 {
			if _, err := strconv.ParseInt(string(data[i:j]), 10, 64); err != nil {
				return badBody("Integer %s is out of range: integers must fit in 64 bits.", data[i:j])
			}
		}
		i = j - 1
	}
	return nil
}

// decodeObject parses a body that must be a JSON object into its fields.
func decodeObject(data []byte) (map[string]json.RawMessage, error) {
	if err := parseJSON(data); err != nil {
		return nil, err
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(data, &obj); err != nil || obj == nil {
		return nil, badBody("Document type not supported: the body must be a JSON object.")
	}
	return obj, nil
}

// intField parses a JSON value that must be an integer within [lo, hi];
// unit, if not empty, follows the range in the description ("seconds").
func intField(raw json.RawMessage, field string, lo, hi int64, unit string) (int64, error) {
	v, err := jsonInt(raw)
	if err != nil {
		return 0, badBody("%q must be an integer%s.", field, rangeText(lo, hi, unit))
	}
	if v < lo || v > hi {
		return 0, badBody("%q is %d; it must be%s.", field, v, rangeText(lo, hi, unit))
	}
	return v, nil
}

// durationField parses a JSON value that must be a whole number of
// seconds within [lo, hi].
func durationField(raw json.RawMessage, field string, lo, hi time.Duration) (time.Duration, error) {
	n, err := intField(raw, field, int64(lo/time.Second), int64(hi/time.Second), "seconds")
	return time.Duration(n) * time.Second, err
}

func rangeText(lo, hi int64, unit string) string {
	s := " from " + strconv.FormatInt(lo, 10) + " to " + strconv.FormatInt(hi, 10)
	if unit != "" {
		s += " " + unit
	}
	return s
}

var errNotInt = errors.New("not an integer")

// jsonInt parses a JSON integer literal; floats, exponents, strings,
// booleans and null are refused, as Python's isinstance(v, int) refuses
// them in Zaqar.
func jsonInt(raw json.RawMessage) (int64, error) {
	s := strings.TrimSpace(string(raw))
	if s == "" || strings.ContainsAny(s, ".eE+") {
		return 0, errNotInt
	}
	return strconv.ParseInt(s, 10, 64)
}

// getter reads query parameters: url.Values, or a *call.
type getter interface{ Get(name string) string }

// queryInt parses query parameter name, which must be an integer within
// [lo, hi] when present; ok is false when it is absent or blank.
func queryInt(q getter, name string, lo, hi int) (v int, ok bool, err error) {
	s := q.Get(name)
	if s == "" {
		return 0, false, nil
	}
	n, perr := strconv.ParseInt(s, 10, 64)
	if perr != nil {
		return 0, false, badRequest("The value of the %q parameter must be an integer%s.", name, rangeText(int64(lo), int64(hi), ""))
	}
	if n < int64(lo) || n > int64(hi) {
		return 0, false, badRequest("The value of the %q parameter is %d; it must be%s.", name, n, rangeText(int64(lo), int64(hi), ""))
	}
	return int(n), true, nil
}

// queryBool parses query parameter name as falcon's get_param_as_bool
// does; a missing or blank parameter is false.
func queryBool(q getter, name string) (bool, error) {
	switch s := q.Get(name); s {
	case "":
		return false, nil
	case "true", "True", "t", "yes", "y", "1", "on":
		return true, nil
	case "false", "False", "f", "no", "n", "0", "off":
		return false, nil
	default:
		return false, badRequest("The value of the %q parameter must be a boolean (true or false), not %q.", name, s)
	}
}

// queryList returns the values of query parameter name, accepting both
// repeated keys (ids=a&ids=b, what gophercloud sends) and commas
// (ids=a,b, what Zaqar documents); blank items are dropped.
func queryList(q url.Values, name string) (list []string) {
	for _, v := range q[name] {
		for item := range strings.SplitSeq(v, ",") {
			if item != "" {
				list = append(list, item)
			}
		}
	}
	return list
}

// unmarshalNumbers decodes data, already checked by parseJSON, into v with
// numbers kept as json.Number.
func unmarshalNumbers(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	return dec.Decode(v)
}
