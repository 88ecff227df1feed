//go:build tools

// Package tools pins Alertmanager so that 'go build github.com/prometheus/alertmanager/cmd/alertmanager'
// resolves here.
package tools

import _ "github.com/prometheus/alertmanager/cmd/alertmanager"
