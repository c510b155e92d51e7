package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/claimq/claimq"
	"github.com/claimq/claimq/zaqar"
)

// Server limits of claimq serve: generous for a test fake, yet bounded so
// that a stuck or hostile client cannot hold a connection forever.
const (
	readHeaderTimeout = 10 * time.Second
	readTimeout       = 30 * time.Second
	writeTimeout      = 30 * time.Second
	idleTimeout       = 2 * time.Minute
	maxHeaderBytes    = 64 << 10
	shutdownTimeout   = 10 * time.Second
)

// tokenEnv names the environment variable that gives serve its token
// when -token is not set: a token on the command line shows in ps.
const tokenEnv = "CLAIMQ_TOKEN"

// runServe implements `claimq serve`: it serves the Zaqar v1.0, v1.1 and
// v2 APIs (under /v1/, /v1.1/ and /v2/) on -addr from memory until ctx
// ends, then shuts down gracefully, letting requests under way finish
// for up to shutdownTimeout, and logs how many messages it discards. It
// sweeps its queues every -sweep. It prints the URL it listens on to
// stdout and logs to stderr.
func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("claimq serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:8888", "address to listen on (host:port); loopback unless told otherwise")
	token := fs.String("token", "", "require this X-Auth-Token on every request (default $"+tokenEnv+"; prefer it, as a flag shows in ps)")
	project := fs.String("project", "", "project of requests without X-Project-Id")
	strict := fs.Bool("strict-project", false, "require X-Project-Id on every v1.1 and v2 request (v1.0 never required it)")
	fakeTime := fs.Bool("fake-time", false, "run on a fake clock, read and moved at /_claimq/clock")
	verbose := fs.Bool("v", false, "log every request")
	maxMessages := fs.Int("max-messages", 0, "most messages a queue holds; a post beyond it gets 503 (0: no bound)")
	maxQueues := fs.Int("max-queues", 1000, "most queues a project holds; one more gets 403 (0: no bound)")
	maxProjects := fs.Int("max-projects", 100, "most projects holding queues; one more gets 403 (0: no bound)")
	sweep := fs.Duration("sweep", time.Minute, "how often to free expired messages and drop empty lazily created queues (0: never)")
	maxConns := fs.Int("max-conns", 256, "most connections served at once; more wait to be accepted (0: no bound)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil // the flag package printed the help
		}
		return usageErrorf("serve: %v", err)
	}
	if fs.NArg() > 0 {
		return usageErrorf("serve: unexpected arguments %q", fs.Args())
	}
	for _, f := range []struct {
		name string
		n    int
	}{{"max-messages", *maxMessages}, {"max-queues", *maxQueues}, {"max-projects", *maxProjects}, {"max-conns", *maxConns}} {
		if f.n < 0 {
			return usageErrorf("serve: -%s %d: want 0 (no bound) or more", f.name, f.n)
		}
	}
	if *sweep < 0 {
		return usageErrorf("serve: -sweep %v: want 0 (never) or more", *sweep)
	}
	if *token == "" {
		*token = os.Getenv(tokenEnv)
	}

	level := slog.LevelInfo
	if *verbose {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	opts := zaqar.Options{
		AuthToken:           *token,
		DefaultProject:      *project,
		RequireProject:      *strict,
		Logger:              log,
		MaxMessagesPerQueue: *maxMessages,
		MaxQueuesPerProject: *maxQueues,
		MaxProjects:         *maxProjects,
	}
	if *fakeTime {
		opts.FakeClock = claimq.NewFakeClock(time.Now().UTC().Truncate(time.Second))
	}

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	if *maxConns > 0 {
		ln = limitListener(ln, *maxConns)
	}
	handler := zaqar.NewHandler(opts)
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	url := "http://" + ln.Addr().String() + "/"
	fmt.Fprintln(stdout, url)
	log.Info("claimq serve: listening", "url", url, "auth", *token != "", "fake_time", *fakeTime)

	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	stopSweeps := sweepEvery(*sweep, handler, log)
	defer stopSweeps()
	select {
	case err := <-done:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	stopSweeps()
	log.Info("claimq serve: shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	err = srv.Shutdown(sctx)
	if serr := <-done; !errors.Is(serr, http.ErrServerClosed) && err == nil {
		err = serr
	}
	if err != nil {
		return fmt.Errorf("serve: shutdown: %w", err)
	}
	// The store is memory only: say what is lost.
	log.Info("claimq serve: stopped", "discarded", handler.Len())
	return nil
}

// sweepEvery sweeps h every d (never if d is 0) until the returned
// function is called; it returns once no sweep runs.
func sweepEvery(d time.Duration, h *zaqar.Handler, log *slog.Logger) (stop func()) {
	if d == 0 {
		return func() {}
	}
	quit, finished := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(finished)
		tick := time.NewTicker(d)
		defer tick.Stop()
		for {
			select {
			case <-quit:
				return
			case <-tick.C:
				if n := h.Sweep(); n > 0 {
					log.Debug("claimq serve: swept", "queues_dropped", n)
				}
			}
		}
	}()
	return sync.OnceFunc(func() {
		close(quit)
		<-finished
	})
}

// limitListener returns ln accepting at most n connections open at
// once: each costs the server a goroutine and buffers whether or not its
// client sends anything, so clients that open many and stall would
// otherwise grow the server without bound. Connections beyond n wait in
// the kernel's backlog until one closes.
func limitListener(ln net.Listener, n int) net.Listener {
	l := &limitedListener{Listener: ln, slots: make(chan struct{}, n), closed: make(chan struct{})}
	l.closeOnce = sync.OnceFunc(func() { close(l.closed) })
	return l
}

type limitedListener struct {
	net.Listener
	slots     chan struct{} // one value per open connection
	closed    chan struct{} // closed by Close, so that a waiting Accept returns
	closeOnce func()
}

// Accept waits for a free slot, then for a connection.
func (l *limitedListener) Accept() (net.Conn, error) {
	select {
	case l.slots <- struct{}{}:
	case <-l.closed:
		return nil, net.ErrClosed
	}
	c, err := l.Listener.Accept()
	if err != nil {
		<-l.slots
		return nil, err
	}
	return &limitedConn{Conn: c, release: sync.OnceFunc(func() { <-l.slots })}, nil
}

// Close closes the listener and ends a waiting Accept.
func (l *limitedListener) Close() error {
	l.closeOnce()
	return l.Listener.Close()
}

// limitedConn gives its slot back when closed.
type limitedConn struct {
	net.Conn
	release func()
}

func (c *limitedConn) Close() error {
	err := c.Conn.Close()
	c.release()
	return err
}
