package localstack

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/prometheus/alertmanager/api/v2/models"
	"sigs.k8s.io/yaml"
)

// AlertmanagerReceiver is the name of the one receiver of the Alertmanagers started here, a
// webhook to netweave: netweave's --alertmanager-receiver.
const AlertmanagerReceiver = "netweave"

// AlertmanagerOptions configure an Alertmanager whose one receiver is a webhook to netweave.
type AlertmanagerOptions struct {
	// Dir holds the configuration, the storage and the log.
	Dir string
	// WebhookURL is where alerts are sent (send_resolved: true).
	WebhookURL string
	// BearerToken, when set, is sent with every webhook (http_config.authorization), as a
	// ServiceAccount token would be in a cluster.
	BearerToken string
	// CAFile, when set, verifies the webhook's serving certificate.
	CAFile string
	// GroupWait and GroupInterval are how long Alertmanager holds a new group and a changed
	// one; both default to one second so a test sees its alert without waiting minutes.
	GroupWait, GroupInterval time.Duration
	// Port is the loopback port to listen on; zero picks a free one. A test sets it when
	// netweave's command line (--alertmanager-url) must name Alertmanager before the webhook's
	// target (netweave's O2 port) is known.
	Port int
}

// Alertmanager is a running Alertmanager on loopback.
type Alertmanager struct {
	// URL is its base URL (the API is under /api/v2).
	URL     string
	Process *Process
}

// StartAlertmanager writes the configuration, starts Alertmanager with clustering off and
// waits until it answers as itself (alertmanagerReady). A start that lost the port it picked
// (another process bound it first) tries another, unless o.Port chose it.
func StartAlertmanager(ctx context.Context, o AlertmanagerOptions, timeout time.Duration) (*Alertmanager, error) {
	return startAlertmanager(ctx, o, timeout, FreePort)
}

// startAlertmanager is StartAlertmanager with the picker of free ports (a test's picker hands
// out a taken one).
func startAlertmanager(ctx context.Context, o AlertmanagerOptions, timeout time.Duration, pick func() (int, error)) (*Alertmanager, error) {
	bin, err := AlertmanagerBinary()
	if err != nil {
		return nil, err
	}
	if o.GroupWait == 0 {
		o.GroupWait = time.Second
	}
	if o.GroupInterval == 0 {
		o.GroupInterval = time.Second
	}
	config, err := alertmanagerConfig(o)
	if err != nil {
		return nil, fmt.Errorf("start alertmanager: %w", err)
	}
	configPath := filepath.Join(o.Dir, "alertmanager.yml")
	if err := os.WriteFile(configPath, config, 0o600); err != nil {
		return nil, fmt.Errorf("start alertmanager: write config: %w", err)
	}
	if o.Port != 0 {
		// The caller named this port elsewhere already: no other is any use to it.
		am, _, _, err := startAlertmanagerOnce(ctx, bin, o, configPath, timeout, func() (int, error) { return o.Port, nil })
		return am, err
	}
	return retryTakenPort(func() (*Alertmanager, *Process, int64, error) {
		return startAlertmanagerOnce(ctx, bin, o, configPath, timeout, pick)
	})
}

// startAlertmanagerOnce starts Alertmanager on a port pick chooses and waits for it; logStart is
// where this run's output begins in the (appended) log, for telling a lost port from other
// failures.
func startAlertmanagerOnce(ctx context.Context, bin string, o AlertmanagerOptions, configPath string, timeout time.Duration,
	pick func() (int, error)) (*Alertmanager, *Process, int64, error) {
	port, err := pick()
	if err != nil {
		return nil, nil, 0, fmt.Errorf("start alertmanager: %w", err)
	}
	url := fmt.Sprintf("http://127.0.0.1:%d", port)
	logPath := filepath.Join(o.Dir, "alertmanager.log")
	logStart := logEnd(logPath)
	proc, err := StartProcess(ProcessOptions{
		Name: "alertmanager",
		Argv: []string{
			bin,
			"--config.file=" + configPath,
			"--storage.path=" + filepath.Join(o.Dir, "data"),
			fmt.Sprintf("--web.listen-address=127.0.0.1:%d", port),
			// No gossip: a lone Alertmanager would otherwise bind :9094 on every interface.
			"--cluster.listen-address=",
			"--log.level=debug",
		},
		LogPath: logPath,
	})
	if err != nil {
		return nil, nil, 0, err
	}
	if err := WaitForHTTPAnswer(ctx, http.DefaultClient, url+"/api/v2/status", proc, timeout, alertmanagerReady(o)); err != nil {
		_ = proc.Stop()
		return nil, proc, logStart, fmt.Errorf("start alertmanager: %w", err)
	}
	return &Alertmanager{URL: url, Process: proc}, proc, logStart, nil
}

// alertmanagerTemplates is the template glob of o's configuration: it matches no file, and
// its path, under o's own directory, tells this Alertmanager's status from another's.
func alertmanagerTemplates(o AlertmanagerOptions) string {
	return filepath.Join(o.Dir, "templates", "*.tmpl")
}

// alertmanagerReady accepts the status of the Alertmanager started with o only: a plain HTTP
// server offers no certificate to pin, and another Alertmanager (another test package's) that
// took the port first answers /-/ready as well as ours would. The configuration it reports
// names o's directory (alertmanagerTemplates); /api/v2/status answers once the configuration
// is loaded, as /-/ready does.
func alertmanagerReady(o AlertmanagerOptions) func(body []byte) error {
	return func(body []byte) error {
		var status models.AlertmanagerStatus
		if err := json.Unmarshal(body, &status); err != nil {
			return fmt.Errorf("not an Alertmanager's status: %w", err)
		}
		if status.Config == nil || status.Config.Original == nil ||
			!strings.Contains(*status.Config.Original, alertmanagerTemplates(o)) {
			return fmt.Errorf("answered by another Alertmanager: its configuration does not name %s", o.Dir)
		}
		return nil
	}
}

// alertmanagerConfig is the alertmanager.yml of o; the bearer token goes into a file beside
// it, as a mounted ServiceAccount token would.
func alertmanagerConfig(o AlertmanagerOptions) ([]byte, error) {
	httpConfig := map[string]any{}
	if o.BearerToken != "" {
		tokenPath := filepath.Join(o.Dir, "webhook-token")
		if err := os.WriteFile(tokenPath, []byte(o.BearerToken), 0o600); err != nil {
			return nil, fmt.Errorf("write webhook token: %w", err)
		}
		httpConfig["authorization"] = map[string]any{"type": "Bearer", "credentials_file": tokenPath}
	}
	if o.CAFile != "" {
		httpConfig["tls_config"] = map[string]any{"ca_file": o.CAFile}
	}
	cfg := map[string]any{
		"route": map[string]any{
			"receiver": AlertmanagerReceiver,
			// One group per alert, so each alert's webhook is sent on its own schedule.
			"group_by":        []string{"..."},
			"group_wait":      o.GroupWait.String(),
			"group_interval":  o.GroupInterval.String(),
			"repeat_interval": "1h",
		},
		"receivers": []any{map[string]any{
			"name": AlertmanagerReceiver,
			"webhook_configs": []any{map[string]any{
				"url":           o.WebhookURL,
				"send_resolved": true,
				"http_config":   httpConfig,
			}},
		}},
		"templates": []string{alertmanagerTemplates(o)},
	}
	out, err := yaml.Marshal(cfg)
	if err != nil {
		return nil, fmt.Errorf("encode alertmanager.yml: %w", err)
	}
	return out, nil
}

// Stop stops Alertmanager.
func (a *Alertmanager) Stop() error { return a.Process.Stop() }

// PostAlerts sends alerts to Alertmanager's API, as Prometheus does; an alert with an endsAt in
// the past resolves it.
func (a *Alertmanager) PostAlerts(ctx context.Context, alerts models.PostableAlerts) error {
	body, err := json.Marshal(alerts)
	if err != nil {
		return fmt.Errorf("encode alerts: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, a.URL+"/api/v2/alerts", bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("post alerts: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("post alerts: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		return fmt.Errorf("post alerts: HTTP %d: %s", resp.StatusCode, msg)
	}
	return nil
}
