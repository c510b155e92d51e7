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

// runServe implements `claimq serve`: it serves the Zaqar v1.0, v1.1 and
// v2 APIs (under /v1/, /v1.1/ and /v2/) on -addr
// until ctx ends, then shuts down gracefully, letting requests under way
// finish for up to shutdownTimeout. It prints the URL it listens on to
// stdout and logs to stderr.
func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("claimq serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:8888", "address to listen on (host:port); loopback unless told otherwise")
	token := fs.String("token", "", "require this X-Auth-Token on every request")
	project := fs.String("project", "", "project of requests without X-Project-Id")
	strict := fs.Bool("strict-project", false, "require X-Project-Id on every v1.1 and v2 request (v1.0 never required it)")
	fakeTime := fs.Bool("fake-time", false, "run on a fake clock, read and moved at /_claimq/clock")
	verbose := fs.Bool("v", false, "log every request")
	maxMessages := fs.Int("max-messages", 0, "most messages a queue holds; a post beyond it gets 503 (0: no bound)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil // the flag package printed the help
		}
		return usageErrorf("serve: %v", err)
	}
	if fs.NArg() > 0 {
		return usageErrorf("serve: unexpected arguments %q", fs.Args())
	}
	if *maxMessages < 0 {
		return usageErrorf("serve: -max-messages %d: want 0 (no bound) or more", *maxMessages)
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
	}
	if *fakeTime {
		opts.FakeClock = claimq.NewFakeClock(time.Now().UTC().Truncate(time.Second))
	}

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	srv := &http.Server{
		Handler:           zaqar.NewHandler(opts),
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
	select {
	case err := <-done:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
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
	log.Info("claimq serve: stopped")
	return nil
}
