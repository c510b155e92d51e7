package bench

import (
	"context"
	"errors"
	"fmt"
	"net/url"

	"github.com/claimq/claimq"
)

// engineKind is what -engine drives.
type engineKind int

const (
	engineInProcess engineKind = iota // the claimq.Queue in this process
	engineLocal                       // the same through claimq.Local, the Engine a Worker uses
	engineHTTP                        // this module's Zaqar front on a loopback port
	engineURL                         // a server: Zaqar at http(s):// or zaqar+http(s)://, Redis at redis://, or a registered scheme
)

// zaqarEnginePrefix, before a Zaqar URL, drives it through the Zaqar
// engine (gophercloud) instead of the lean HTTP driver.
const zaqarEnginePrefix = "zaqar+"

// engineSpec is a parsed -engine.
type engineSpec struct {
	kind   engineKind
	url    string // of the server; empty otherwise
	scheme string // of url
}

// errEngineElsewhere reports an engine this command cannot open itself.
var errEngineElsewhere = errors.New("this engine is not built into claimq bench")

// parseEngine reads -engine; openers are the schemes registered beside
// the built-in ones.
func parseEngine(s string, openers map[string]Opener) (engineSpec, error) {
	switch s {
	case "inproc", "":
		return engineSpec{kind: engineInProcess}, nil
	case "local":
		return engineSpec{kind: engineLocal}, nil
	case "http":
		return engineSpec{kind: engineHTTP}, nil
	}
	u, err := url.Parse(s)
	if err == nil && u.Host != "" {
		_, registered := openers[u.Scheme]
		switch {
		case registered, u.Scheme == "http", u.Scheme == "https", u.Scheme == "redis", u.Scheme == "rediss",
			u.Scheme == zaqarEnginePrefix+"http", u.Scheme == zaqarEnginePrefix+"https":
			return engineSpec{kind: engineURL, url: s, scheme: u.Scheme}, nil
		}
	}
	return engineSpec{}, fmt.Errorf("-engine %q: want inproc, local, http, a Zaqar URL such as http://127.0.0.1:8888 (zaqar+http://… through the Zaqar engine) or redis://host:port", s)
}

// String names the engine in reports; a URL is shown without its
// password.
func (e engineSpec) String() string {
	switch e.kind {
	case engineInProcess:
		return "inproc"
	case engineLocal:
		return "local"
	case engineHTTP:
		return "http"
	}
	if u, err := url.Parse(e.url); err == nil {
		return u.Redacted()
	}
	return e.url
}

// zaqar reports whether the engine speaks the Zaqar API, whose claim TTLs
// are whole seconds from 60 up.
func (e engineSpec) zaqar() bool {
	return e.kind == engineHTTP || e.scheme == "http" || e.scheme == "https" || e.zaqarEngine()
}

// zaqarEngine reports whether the engine is the Zaqar engine over
// gophercloud (zaqar+http://), whose bodies are JSON objects.
func (e engineSpec) zaqarEngine() bool {
	return e.scheme == zaqarEnginePrefix+"http" || e.scheme == zaqarEnginePrefix+"https"
}

// local reports whether the queue lives in this process, so that heap
// figures measure it.
func (e engineSpec) local() bool { return e.kind != engineURL }

// allocScope says whose allocations allocs/msg counts.
func (e engineSpec) allocScope() string {
	switch e.kind {
	case engineInProcess:
		return "queue"
	case engineLocal:
		return "queue+engine"
	case engineHTTP:
		return "client+server"
	default:
		return "client"
	}
}

// openDriver returns the driver for one run of cfg over a fresh queue, so
// that no run of a sweep sees what the previous one left.
func openDriver(ctx context.Context, cfg benchConfig) (driver, error) {
	var (
		d   driver
		err error
	)
	switch cfg.engine.kind {
	case engineInProcess:
		d = newInProcess(cfg.bodySize)
	case engineLocal:
		q := newInProcess(cfg.bodySize).q
		d, err = newEngineDriver(claimq.Local(q), cfg.claimTTL, cfg.bodySize, q.Close)
	case engineHTTP:
		d, err = newHTTPDriver(cfg)
	case engineURL:
		d, err = openURL(ctx, cfg)
	}
	if err != nil {
		return nil, err
	}
	if cfg.wrap != nil {
		d = cfg.wrap(d)
	}
	return d, nil
}

// openURL opens -engine with a URL: through the Opener registered for its
// scheme, else the built-in driver of the scheme.
//
// http and https drive a Zaqar server with the lean HTTP client of
// driver_http.go, which costs little on the client so that the figures
// are the server's; zaqar+http and zaqar+https drive the same server
// through the Zaqar engine over gophercloud (driver_zaqarengine.go), so
// that the figures are what a Worker sees.
//
// redis has no built-in driver: the Redis Streams engine lives in its own
// module (redisengine/) so that go-redis stays out of this one, and its
// command redisengine/cmd/claimq-bench registers it under "redis".
func openURL(ctx context.Context, cfg benchConfig) (driver, error) {
	if open, ok := cfg.openers[cfg.engine.scheme]; ok {
		return open(ctx, Target{
			URL:      cfg.engine.url,
			Token:    cfg.token,
			Project:  cfg.project,
			Queue:    runQueueName(),
			ClaimTTL: cfg.claimTTL,
			BodySize: cfg.bodySize,
			Workers:  cfg.producers + cfg.consumers,
		})
	}
	switch {
	case cfg.engine.scheme == "http", cfg.engine.scheme == "https":
		return newHTTPDriver(cfg)
	case cfg.engine.zaqarEngine():
		return newZaqarEngineDriver(cfg)
	}
	return nil, fmt.Errorf("-engine %s: %w: the Redis Streams engine is in the module redisengine, so that this one does not depend on go-redis; "+
		"from the root of a claimq checkout, run the same flags with its command: go -C redisengine run ./cmd/claimq-bench -engine %s …",
		cfg.engine, errEngineElsewhere, cfg.engine)
}
