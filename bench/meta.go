package bench

import (
	"bufio"
	"os"
	"runtime"
	"runtime/debug"
	"strings"
	"time"
)

// runMeta tells two saved runs apart: what ran, where and when.
type runMeta struct {
	Time       string   `json:"time"` // start, UTC, RFC 3339
	Args       []string `json:"args"` // the command line of bench
	GoVersion  string   `json:"go_version"`
	GOOS       string   `json:"goos"`
	GOARCH     string   `json:"goarch"`
	GOMAXPROCS int      `json:"gomaxprocs"`
	NumCPU     int      `json:"num_cpu"`
	CPU        string   `json:"cpu,omitempty"` // model name, where the system says
	Module     string   `json:"module"`
	Version    string   `json:"version,omitempty"`      // module version, "(devel)" from a checkout
	Revision   string   `json:"vcs_revision,omitempty"` // with go build in a checkout
	VCSTime    string   `json:"vcs_time,omitempty"`
	Modified   bool     `json:"vcs_modified,omitempty"`
}

func newRunMeta(args []string, start time.Time) runMeta {
	m := runMeta{
		Time:       start.UTC().Format(time.RFC3339),
		Args:       args,
		GoVersion:  runtime.Version(),
		GOOS:       runtime.GOOS,
		GOARCH:     runtime.GOARCH,
		GOMAXPROCS: runtime.GOMAXPROCS(0),
		NumCPU:     runtime.NumCPU(),
		CPU:        cpuModel(),
		Module:     "github.com/claimq/claimq",
	}
	if m.Args == nil {
		m.Args = []string{}
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		if bi.Main.Path != "" {
			m.Module = bi.Main.Path
		}
		m.Version = bi.Main.Version
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				m.Revision = s.Value
			case "vcs.time":
				m.VCSTime = s.Value
			case "vcs.modified":
				m.Modified = s.Value == "true"
			}
		}
	}
	return m
}

// cpuModel reads the CPU's model name from /proc/cpuinfo; empty where
// there is none.
func cpuModel() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return ""
}
