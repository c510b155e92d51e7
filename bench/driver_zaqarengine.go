package bench

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/claimq/claimq/zaqarengine"
)

// newZaqarEngineDriver returns the driver of -engine zaqar+http://host:port:
// the Zaqar engine over gophercloud, as a Worker uses it, on a fresh queue
// of the server at http://host:port, with -token and -project. It costs
// more on the client than the HTTP driver (gophercloud builds and decodes
// every request through maps), so its figures are the server's and the
// client's together, as an application meets them. Bodies are JSON
// objects of -body-size bytes (see body.go); an empty queue is polled
// with the HTTP driver's back-off, not the engine's default, which is
// tuned for idle workers rather than for latency.
func newZaqarEngineDriver(cfg benchConfig) (driver, error) {
	endpoint := strings.TrimPrefix(cfg.engine.url, zaqarEnginePrefix)
	sc, err := zaqarengine.NewClient(endpoint, "", cfg.token)
	if err != nil {
		return nil, fmt.Errorf("-engine %s: %w", cfg.engine, err)
	}
	client := newHTTPClient(cfg)
	sc.HTTPClient = *client
	e, err := zaqarengine.New[json.RawMessage](sc, runQueueName(), zaqarengine.Options{
		Project: cfg.project,
		PollMin: httpPollMin,
		PollMax: httpPollMax,
	})
	if err != nil {
		return nil, fmt.Errorf("-engine %s: %w", cfg.engine, err)
	}
	d, err := newEngineDriver(e, cfg.claimTTL, cfg.bodySize, client.CloseIdleConnections)
	if err != nil {
		return nil, err
	}
	d.body = appendObjectBody
	return d, nil
}
