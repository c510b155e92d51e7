package zaqar

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"slices"
	"strings"
	"time"
)

// Headers of a request signed by a share, Zaqar's names.
const (
	hdrSignature = "URL-Signature"
	hdrExpires   = "URL-Expires"
	hdrMethods   = "URL-Methods"
	hdrPaths     = "URL-Paths"
)

// shareTimeFormat is how Zaqar writes a share's expiry: UTC, no zone.
const shareTimeFormat = "2006-01-02T15:04:05"

// share is a signed grant of some methods on some paths of one project
// until an instant.
type share struct {
	project   string
	paths     []string // absolute request paths, sorted
	methods   []string // sorted
	expires   time.Time
	signature string
}

// shareOptions are the arguments of a share: resource names under the
// queue ("messages", "claims", "subscriptions"), HTTP methods and expiry;
// empty fields take Zaqar's defaults.
type shareOptions struct {
	paths   []string
	methods []string
	expires time.Time
}

var (
	sharePaths   = []string{"claims", "messages", "subscriptions"}
	shareMethods = []string{"DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"}
)

// createShare signs a share of the queue whose path is queuePath (the
// share grants paths under it). Zaqar's defaults: the messages path,
// GET, one day.
// Errors: 400 for unknown paths or methods or an expiry in the past.
func (h *handler) createShare(t target, queuePath string, opts shareOptions) (share, error) {
	now := h.clock.Now()
	s := share{project: t.project, expires: opts.expires}
	if len(opts.paths) == 0 {
		opts.paths = []string{"messages"}
	}
	for _, p := range opts.paths {
		if !slices.Contains(sharePaths, p) {
			return share{}, badBody("Invalid paths: %q; a share may grant %s.", p, strings.Join(sharePaths, ", "))
		}
		s.paths = append(s.paths, queuePath+"/"+p)
	}
	if len(opts.methods) == 0 {
		opts.methods = []string{"GET"}
	}
	for _, m := range opts.methods {
		if !slices.Contains(shareMethods, m) {
			return share{}, badBody("Invalid methods: %q; a share may grant %s.", m, strings.Join(shareMethods, ", "))
		}
	}
	s.methods = slices.Clone(opts.methods)
	if s.expires.IsZero() {
		s.expires = now.Add(24 * time.Hour)
	}
	// The wire carries whole seconds: sign what the client will send.
	s.expires = s.expires.UTC().Truncate(time.Second)
	if !s.expires.After(now) {
		return share{}, badBody("Expiration date is in the past: %s.", s.expires.Format(shareTimeFormat))
	}
	slices.Sort(s.paths)
	slices.Sort(s.methods)
	s.signature = h.sign(s.project, s.paths, s.methods, s.expires)
	return s, nil
}

// sign computes Zaqar's share signature: HMAC-SHA256 over the sorted
// paths, sorted methods, project and expiry, one per line.
func (h *handler) sign(project string, paths, methods []string, expires time.Time) string {
	mac := hmac.New(sha256.New, h.shareKey[:])
	mac.Write([]byte(strings.Join(paths, ",") + "\n" + strings.Join(methods, ",") + "\n" +
		project + "\n" + expires.Format(shareTimeFormat)))
	return hex.EncodeToString(mac.Sum(nil))
}

// parseShareTime parses an expiry as Zaqar writes it, or RFC 3339.
func parseShareTime(s string) (time.Time, error) {
	if t, err := time.Parse(shareTimeFormat, s); err == nil {
		return t, nil
	}
	return time.Parse(time.RFC3339Nano, s)
}

// verifyShare admits a request that carries a share's headers if the
// share is genuine, unexpired, and grants the request's method and path
// to its project. A bad share is answered 404, as Zaqar answers it; the
// description says what was wrong.
func (h *handler) verifyShare(r *http.Request) error {
	deny := func(why string) error {
		return notFound("The signed URL does not grant this request: %s.", why)
	}
	expires, err := parseShareTime(r.Header.Get(hdrExpires))
	if err != nil {
		return deny("URL-Expires is not a date")
	}
	// The signature covers whole seconds: a fraction would stretch the
	// share past the instant signed.
	if !expires.Equal(expires.Truncate(time.Second)) {
		return deny("URL-Expires has a fraction of a second, which the signature does not cover")
	}
	if !h.clock.Now().Before(expires) {
		return deny("it has expired")
	}
	methods := strings.Split(r.Header.Get(hdrMethods), ",")
	paths := strings.Split(r.Header.Get(hdrPaths), ",")
	if !slices.Contains(methods, r.Method) {
		return deny("method " + r.Method + " is not granted")
	}
	if !slices.ContainsFunc(paths, func(p string) bool {
		return p != "" && (r.URL.Path == p || strings.HasPrefix(r.URL.Path, p+"/"))
	}) {
		return deny("path " + r.URL.Path + " is not granted")
	}
	project, err := h.project(r, false)
	if err != nil {
		return err
	}
	slices.Sort(methods)
	slices.Sort(paths)
	want := h.sign(project, paths, methods, expires.UTC())
	if !hmac.Equal([]byte(want), []byte(r.Header.Get(hdrSignature))) {
		return deny("the signature does not match")
	}
	return nil
}
