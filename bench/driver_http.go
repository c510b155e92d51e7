package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
)

const (
	// httpQueue is the queue the HTTP driver uses; each run starts its own
	// server, or uses a fresh name against -url (see newHTTPDriver).
	httpQueue = "bench"
	// httpProject is the default X-Project-Id, which Zaqar requires.
	httpProject = "claimq-bench"
	// httpMessageTTL is Zaqar's longest message TTL, in seconds, so that
	// no message expires during a run.
	httpMessageTTL = 1209600
	// httpGrace is Zaqar's shortest claim grace, in seconds.
	httpGrace = 60
	// Zaqar has no blocking claim, so a consumer that finds the queue
	// empty polls, backing off from the first to the second of these.
	httpPollMin = 200 * time.Microsecond
	httpPollMax = 20 * time.Millisecond
	// httpTimeout bounds every request: a server that answers none in
	// that long has failed the run.
	httpTimeout = 30 * time.Second
)

// httpDriver speaks Zaqar v2 over net/http to base, the root of a server
// (no /v2).
type httpDriver struct {
	client   *http.Client
	base     string
	queue    string
	clientID string
	token    string // X-Auth-Token; empty sends none
	project  string // X-Project-Id
	bodySize int
	stop     func() // shuts the in-process server down; nil for a URL
}

// newHTTPDriver returns a driver for the Zaqar server at cfg.engine.url,
// or for the HTTP front of this module started on a loopback port when
// there is none (-engine http).
func newHTTPDriver(cfg benchConfig) (*httpDriver, error) {
	d := &httpDriver{
		base:     strings.TrimSuffix(cfg.engine.url, "/"),
		queue:    httpQueue,
		clientID: uuid.NewString(),
		token:    cfg.token,
		project:  cfg.project,
		bodySize: cfg.bodySize,
	}
	if d.base == "" {
		base, stop, err := serveLoopback(newZaqarHandler())
		if err != nil {
			return nil, err
		}
		d.base, d.stop = base, stop
	} else {
		// A server of someone else's may hold earlier runs' messages:
		// a queue of our own keeps them out of this run.
		d.queue = runQueueName()
	}
	d.client = newHTTPClient(cfg)
	return d, nil
}

// newHTTPClient returns the client of one run against a Zaqar server.
func newHTTPClient(cfg benchConfig) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.Proxy = nil // the target is on loopback, or named exactly by -engine
	// One idle connection per worker, or connections would be opened and
	// closed at every call and the run would measure TCP handshakes.
	tr.MaxIdleConnsPerHost = cfg.producers + cfg.consumers + 1
	return &http.Client{Transport: tr, Timeout: httpTimeout}
}

// serveLoopback serves h on a free port of 127.0.0.1 and returns its base
// URL and a function that shuts it down.
func serveLoopback(h http.Handler) (string, func(), error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, fmt.Errorf("-engine http: %w", err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(l)
	stop := func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	}
	return "http://" + l.Addr().String(), stop, nil
}

func (d *httpDriver) close() {
	d.client.CloseIdleConnections()
	if d.stop != nil {
		d.stop()
	}
}

func (d *httpDriver) newProducer() producer {
	return &httpProducer{d: d, url: d.base + "/v2/queues/" + url.PathEscape(d.queue) + "/messages"}
}

func (d *httpDriver) newConsumer() consumer {
	return &httpConsumer{d: d, url: d.base + "/v2/queues/" + url.PathEscape(d.queue) + "/claims?limit="}
}

// do sends a request with the headers Zaqar requires and returns the
// response; the caller closes its body.
func (d *httpDriver) do(ctx context.Context, method, target string, body []byte) (*http.Response, error) {
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, target, r)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Client-ID", d.clientID)
	req.Header.Set("X-Project-Id", d.project)
	if d.token != "" {
		req.Header.Set("X-Auth-Token", d.token)
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return d.client.Do(req)
}

// drain reads the rest of a body so that its connection can be reused.
func drain(resp *http.Response) {
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
}

// statusError describes an unexpected response, with the start of its
// body, where Zaqar puts its {"title","description"}.
func statusError(method, target string, resp *http.Response) error {
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	drain(resp)
	return fmt.Errorf("%s %s: %s: %s", method, target, resp.Status, bytes.TrimSpace(b))
}

type httpProducer struct {
	d   *httpDriver
	url string
	buf []byte
}

// post writes the body by hand: encoding/json would cost more than the
// queue does and blur what the run measures.
func (p *httpProducer) post(ctx context.Context, stamps []int64) error {
	b := append(p.buf[:0], `{"messages":[`...)
	for i, s := range stamps {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"ttl":`...)
		b = strconv.AppendInt(b, httpMessageTTL, 10)
		b = append(b, `,"body":`...)
		b = appendBody(b, s, p.d.bodySize)
		b = append(b, '}')
	}
	b = append(b, "]}"...)
	p.buf = b
	resp, err := p.d.do(ctx, http.MethodPost, p.url, b)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusCreated {
		return statusError(http.MethodPost, p.url, resp)
	}
	drain(resp)
	return nil
}

type httpConsumer struct {
	d   *httpDriver
	url string // up to "?limit="
	buf []byte
	ds  []delivery
	// claimed is the response of a claim; kept to reuse its slice.
	claimed struct {
		Messages []struct {
			Href string          `json:"href"`
			Body json.RawMessage `json:"body"`
		} `json:"messages"`
	}
}

func (c *httpConsumer) claim(ctx context.Context, limit int, ttl time.Duration) ([]delivery, bool, error) {
	u := c.url + strconv.Itoa(limit)
	body := fmt.Appendf(c.buf[:0], `{"ttl":%d,"grace":%d}`, int64(ttl/time.Second), httpGrace)
	c.buf = body
	waited := false
	for pause := httpPollMin; ; pause = min(2*pause, httpPollMax) {
		if err := ctx.Err(); err != nil {
			return nil, waited, err
		}
		// The request runs to its end even if the phase ends meanwhile:
		// a claim the server made and the client dropped would hold its
		// messages for the claim's TTL and shrink the next phase's
		// window. Zaqar answers a claim at once, so the end waits one
		// round trip at most, and the client's timeout bounds a server
		// that hangs.
		resp, err := c.d.do(context.WithoutCancel(ctx), http.MethodPost, u, body)
		if err != nil {
			return nil, waited, err
		}
		switch resp.StatusCode {
		case http.StatusCreated:
			if err := c.decode(resp); err != nil {
				return nil, waited, fmt.Errorf("POST %s: %w", u, err)
			}
			return c.ds, waited, nil
		case http.StatusNoContent:
			drain(resp)
			waited = true
			t := time.NewTimer(pause)
			select {
			case <-ctx.Done():
				t.Stop()
				return nil, waited, ctx.Err()
			case <-t.C:
			}
		default:
			return nil, waited, statusError(http.MethodPost, u, resp)
		}
	}
}

func (c *httpConsumer) decode(resp *http.Response) error {
	defer drain(resp)
	c.claimed.Messages = c.claimed.Messages[:0]
	if err := json.NewDecoder(resp.Body).Decode(&c.claimed); err != nil {
		return err
	}
	c.ds = c.ds[:0]
	for _, m := range c.claimed.Messages {
		if !strings.Contains(m.Href, "claim_id=") {
			return fmt.Errorf("message href %q has no claim_id", m.Href)
		}
		stamp, err := parseStamp(m.Body)
		if err != nil {
			return err
		}
		c.ds = append(c.ds, delivery{stamp: stamp, href: m.Href})
	}
	if len(c.ds) == 0 {
		return errors.New("201 with no messages")
	}
	return nil
}

func (c *httpConsumer) delete(ctx context.Context, d delivery) error {
	u := c.d.base + d.href
	resp, err := c.d.do(ctx, http.MethodDelete, u, nil)
	if err != nil {
		return err
	}
	switch resp.StatusCode {
	case http.StatusNoContent:
		drain(resp)
		return nil
	case http.StatusBadRequest, http.StatusForbidden:
		// 400: the claim expired (the race Zaqar reports so); 403:
		// another claim holds the message now.
		drain(resp)
		return errLost
	default:
		return statusError(http.MethodDelete, u, resp)
	}
}

// runQueueName returns a fresh queue name for a run against a server.
func runQueueName() string { return httpQueue + "-" + uuid.NewString()[:8] }
