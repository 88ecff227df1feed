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
	"time"

	"github.com/prometheus/alertmanager/api/v2/models"
	"sigs.k8s.io/yaml"
)

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
// waits until /-/ready answers.
func StartAlertmanager(ctx context.Context, o AlertmanagerOptions, timeout time.Duration) (*Alertmanager, error) {
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
	port := o.Port
	if port == 0 {
		if port, err = FreePort(); err != nil {
			return nil, fmt.Errorf("start alertmanager: %w", err)
		}
	}
	url := fmt.Sprintf("http://127.0.0.1:%d", port)
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
		LogPath: filepath.Join(o.Dir, "alertmanager.log"),
	})
	if err != nil {
		return nil, err
	}
	if err := WaitForHTTPOK(ctx, http.DefaultClient, url+"/-/ready", proc, timeout); err != nil {
		_ = proc.Stop()
		return nil, fmt.Errorf("start alertmanager: %w", err)
	}
	return &Alertmanager{URL: url, Process: proc}, nil
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
			"receiver": "netweave",
			// One group per alert, so each alert's webhook is sent on its own schedule.
			"group_by":        []string{"..."},
			"group_wait":      o.GroupWait.String(),
			"group_interval":  o.GroupInterval.String(),
			"repeat_interval": "1h",
		},
		"receivers": []any{map[string]any{
			"name": "netweave",
			"webhook_configs": []any{map[string]any{
				"url":           o.WebhookURL,
				"send_resolved": true,
				"http_config":   httpConfig,
			}},
		}},
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
