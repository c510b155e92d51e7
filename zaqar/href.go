package zaqar

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// ErrHref is matched (errors.Is) by every error of [ParseHref]: the text
// is not the href of a Zaqar queue, message or claim.
var ErrHref = errors.New("zaqar: not a Zaqar href")

// Href is what the href of a Zaqar resource names. Zaqar hands out hrefs
// where a client needs IDs: a claim's messages carry
// /v2/queues/{queue}/messages/{id}?claim_id={claim} and nothing else
// (gophercloud's claims.Messages has no ID field), a post answers the
// hrefs of the new messages, and a claim's own href ends in its ID.
// The IDs are kept as the server wrote them, so that hrefs of a real
// Zaqar (whose IDs are not claimq's) parse too.
type Href struct {
	// Version is the API version segment: "v2", "v1.1" or "v1".
	Version string
	// Queue is the queue's name; never empty.
	Queue string
	// Message is the message's ID; empty in the href of a queue or claim.
	Message string
	// Claim is the claim's ID: the claim_id of a claimed message's href
	// or the last segment of a claim's href; empty otherwise.
	Claim string
}

// ParseHref parses the href of a queue, a message (claimed or not) or a
// claim, of API version v2, v1.1 or v1.0, as Zaqar and this package
// write them:
//
//	/v2/queues/{queue}
//	/v2/queues/{queue}/messages/{id}
//	/v2/queues/{queue}/messages/{id}?claim_id={claim}
//	/v2/queues/{queue}/claims/{claim}
//
// Absolute URLs are accepted and their scheme and host ignored, as are
// path segments before the version (a deployment prefix such as
// /messaging). Query parameters other than claim_id are ignored.
//
// Errors: one matching [ErrHref], naming the href and what is wrong with
// it, for anything else (a claim_id given twice or empty, a claim_id on a
// queue's or claim's href, trailing segments, an empty name or ID).
// Cost: O(len(href)), a few small allocations.
func ParseHref(href string) (Href, error) {
	u, err := url.Parse(href)
	if err != nil {
		return Href{}, hrefError(href, "it is not a URL")
	}
	query, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return Href{}, hrefError(href, "its query is malformed")
	}
	segs := strings.Split(u.Path, "/")
	// The first {version}/queues pair starts the resource: segments before
	// it are a deployment prefix, and a queue may well be named "queues"
	// or "v2".
	start := -1
	for i := 0; i+1 < len(segs) && start < 0; i++ {
		switch segs[i] {
		case "v2", "v1.1", "v1":
			if segs[i+1] == "queues" {
				start = i
			}
		}
	}
	if start < 0 {
		return Href{}, hrefError(href, "it has no /v2/queues/, /v1.1/queues/ or /v1/queues/ in its path")
	}
	ref := Href{Version: segs[start]}
	rest := segs[start+2:]
	if len(rest) == 0 || rest[0] == "" {
		return Href{}, hrefError(href, "its queue name is empty")
	}
	ref.Queue = rest[0]
	claims := query["claim_id"]
	if len(claims) > 1 {
		return Href{}, hrefError(href, "it has %d claim_id parameters", len(claims))
	}
	if len(claims) == 1 && claims[0] == "" {
		return Href{}, hrefError(href, "its claim_id is empty")
	}
	switch {
	case len(rest) == 1:
		if len(claims) == 1 {
			return Href{}, hrefError(href, "a queue's href has no claim_id")
		}
	case len(rest) == 3 && rest[1] == "messages":
		if rest[2] == "" {
			return Href{}, hrefError(href, "its message ID is empty")
		}
		ref.Message = rest[2]
		if len(claims) == 1 {
			ref.Claim = claims[0]
		}
	case len(rest) == 3 && rest[1] == "claims":
		if rest[2] == "" {
			return Href{}, hrefError(href, "its claim ID is empty")
		}
		if len(claims) == 1 {
			return Href{}, hrefError(href, "a claim's href has no claim_id")
		}
		ref.Claim = rest[2]
	default:
		return Href{}, hrefError(href, "after the queue name its path is not /messages/{id} or /claims/{id}")
	}
	return ref, nil
}

func hrefError(href, format string, args ...any) error {
	return fmt.Errorf("%w: %q: %s", ErrHref, href, fmt.Sprintf(format, args...))
}
