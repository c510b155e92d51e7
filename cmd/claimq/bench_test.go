package main

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestRunExitCodes(t *testing.T) {
	tests := []struct {
		name string
		args []string
		code int
	}{
		{"no command", nil, 2},
		{"unknown command", []string{"frobnicate"}, 2},
		{"help", []string{"help"}, 0},
		{"bench help", []string{"bench", "-h"}, 0},
		{"bad bench flag", []string{"bench", "-batch", "21"}, 2},
		{"bench of an engine not built in", []string{"bench", "-engine", "redis://127.0.0.1:1", "-messages", "1"}, 1},
		{"a bench run", []string{"bench", "-messages", "20", "-warmup", "0"}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			err := run(t.Context(), tt.args, &out, &errOut)
			assert.Equal(t, tt.code, exitCode(err), "run(%q) = %v", tt.args, err)
		})
	}
}
