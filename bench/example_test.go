package bench_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"

	"github.com/claimq/claimq"
	"github.com/claimq/claimq/bench"
)

// A command in another module runs the harness over its own engine by
// registering an Opener for a URL scheme; here the in-process queue,
// through claimq.Local, stands in for such an engine.
func ExampleRun_registeredEngine() {
	open := func(_ context.Context, t bench.Target) (bench.Driver, error) {
		q := claimq.New(claimq.Options[[]byte]{})
		return bench.EngineDriver(claimq.Local(q), t, q.Close)
	}
	var out, progress bytes.Buffer
	err := bench.Run(context.Background(),
		[]string{"-engine", "mem://example", "-messages", "500", "-batch", "5", "-warmup", "0", "-format", "json"},
		&out, &progress, bench.Options{Engines: map[string]bench.Opener{"mem": open}})
	if err != nil {
		fmt.Println(err)
		return
	}
	var rep struct {
		Points []struct {
			Runs []struct {
				Engine   string `json:"engine"`
				Batch    int    `json:"batch"`
				Messages int    `json:"messages"`
			} `json:"runs"`
		} `json:"points"`
	}
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		fmt.Println(err)
		return
	}
	r := rep.Points[0].Runs[0]
	fmt.Printf("%s: %d messages in batches of %d\n", r.Engine, r.Messages, r.Batch)
	// Output: mem://example: 500 messages in batches of 5
}
