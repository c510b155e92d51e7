package zaqar

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
)

// Titles of error responses, as Zaqar's falcon handlers word them, so that
// logs and clients written against Zaqar read the same here.
const (
	titleBadRequest   = "Invalid API request"
	titleBadBody      = "Invalid request body"
	titleBadQueue     = "Invalid queue identification"
	titleNotFound     = "Not found"
	titleUnableDelete = "Unable to delete"
	titleConflict     = "Conflict"
	titleUnauthorized = "Authentication required"
	titleForbidden    = "Forbidden"
	titleUnavailable  = "Service temporarily unavailable"
)

// apiError is the outcome of an operation that fails: an HTTP status and
// the {"title", "description"} body Zaqar sends with it. Operations return
// it as an error so that every version's encoder writes it the same way.
type apiError struct {
	Status      int    `json:"-"`
	Title       string `json:"title"`
	Description string `json:"description"`
	// header holds extra response headers, such as Allow on a 405.
	header map[string]string
	// kind, when set, is the exported sentinel the error matches, for Go
	// callers of the Handler's methods.
	kind error
}

func (e *apiError) Error() string {
	return fmt.Sprintf("%d %s: %s", e.Status, e.Title, e.Description)
}

// Unwrap makes the error match its sentinel, if it has one.
func (e *apiError) Unwrap() error { return e.kind }

func errorf(status int, title, format string, args ...any) *apiError {
	return &apiError{Status: status, Title: title, Description: fmt.Sprintf(format, args...)}
}

// badRequest is the 400 of a query parameter or header out of its rules.
func badRequest(format string, args ...any) *apiError {
	return errorf(http.StatusBadRequest, titleBadRequest, format, args...)
}

// badBody is the 400 of a request body out of its rules.
func badBody(format string, args ...any) *apiError {
	return errorf(http.StatusBadRequest, titleBadBody, format, args...)
}

func notFound(format string, args ...any) *apiError {
	return errorf(http.StatusNotFound, titleNotFound, format, args...)
}

const contentTypeJSON = "application/json; charset=UTF-8"

// writeJSON writes v as the response body with status, leaving & < >
// as they are so that hrefs read as Zaqar writes them. Encoding our own
// result types cannot fail, short of a broken connection, which the client
// will notice without our help.
func writeJSON(w http.ResponseWriter, status int, v any) {
	p := getBuf()
	buf := bytes.NewBuffer(*p)
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		// Unreachable with the types of this package; answer honestly
		// rather than with half a body.
		status = http.StatusInternalServerError
		buf.Reset()
		buf.WriteString(`{"title":"Internal error","description":"response encoding failed"}`)
	}
	writeBody(w, status, buf.Bytes())
	putBuf(p, buf.Bytes())
}

// writeError writes err as a Zaqar error body. Errors that are not an
// *apiError are internal and answer 503, as Zaqar maps storage failures.
func writeError(w http.ResponseWriter, err error) {
	e, ok := err.(*apiError)
	if !ok {
		e = errorf(http.StatusServiceUnavailable, titleUnavailable, "%v", err)
	}
	for k, v := range e.header {
		w.Header().Set(k, v)
	}
	writeJSON(w, e.Status, e)
}
