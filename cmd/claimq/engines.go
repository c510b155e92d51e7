package main

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
	engineZaqarURL                    // a Zaqar v2 server: claimq serve or OpenStack Zaqar
	engineRedis                       // the Redis Streams engine against a redis-server
)

// engineSpec is a parsed -engine.
type engineSpec struct {
	kind engineKind
	url  string // of a Zaqar or Redis server; empty otherwise
}

// errEngineElsewhere reports an engine this command cannot open itself.
var errEngineElsewhere = errors.New("this engine is not built into claimq bench")

func parseEngine(s string) (engineSpec, error) {
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
		switch u.Scheme {
		case "http", "https":
			return engineSpec{kind: engineZaqarURL, url: s}, nil
		case "redis", "rediss":
			return engineSpec{kind: engineRedis, url: s}, nil
		}
	}
	return engineSpec{}, fmt.Errorf("-engine %q: want inproc, local, http, a Zaqar URL such as http://127.0.0.1:8888 or redis://host:port", s)
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
func (e engineSpec) zaqar() bool { return e.kind == engineHTTP || e.kind == engineZaqarURL }

// local reports whether the queue lives in this process, so that heap
// figures measure it.
func (e engineSpec) local() bool { return e.kind != engineZaqarURL && e.kind != engineRedis }

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
		d, err = newEngineDriver(claimq.Local(q), cfg, q.Close)
	case engineHTTP:
		d, err = newHTTPDriver(cfg)
	case engineZaqarURL:
		d, err = openZaqarURL(ctx, cfg)
	case engineRedis:
		d, err = openRedis(ctx, cfg)
	}
	if err != nil {
		return nil, err
	}
	if cfg.wrap != nil {
		d = cfg.wrap(d)
	}
	return d, nil
}

// openZaqarURL opens -engine http://…. It drives the server with the lean
// HTTP client of driver_http.go, which costs little on the client so that
// the figures are the server's. The Zaqar engine over gophercloud (what a
// Worker uses) plugs in here through the engine driver, in a few lines:
//
//	e, err := zaqarengine.New(ctx, zaqarengine.Options{URL: cfg.engine.url, Token: cfg.token, Project: cfg.project, Queue: benchQueueName()})
//	if err != nil {
//		return nil, err
//	}
//	return newEngineDriver(claimq.Engine[json.RawMessage](e), cfg, func() { e.Close() })
func openZaqarURL(_ context.Context, cfg benchConfig) (driver, error) {
	return newHTTPDriver(cfg)
}

// openRedis opens -engine redis://…. The Redis Streams engine lives in its
// own module (redisengine/) so that go-redis stays out of this one, and
// this command cannot import it; a command in that module that reuses
// this harness opens it here, through the engine driver:
//
//	e, err := redisengine.Open(ctx, cfg.engine.url, redisengine.Options{Stream: benchQueueName()})
//	if err != nil {
//		return nil, err
//	}
//	return newEngineDriver(claimq.Engine[[]byte](e), cfg, func() { e.Close() })
func openRedis(_ context.Context, cfg benchConfig) (driver, error) {
	return nil, fmt.Errorf("-engine %s: %w: the Redis Streams engine is in the module redisengine, which this command does not import", cfg.engine, errEngineElsewhere)
}
