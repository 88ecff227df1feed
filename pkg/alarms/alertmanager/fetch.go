package alertmanager

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"

	"github.com/prometheus/alertmanager/api/v2/models"
	"github.com/prometheus/alertmanager/template"
)

// maxAlertsResponseBytes bounds the answer of GET /api/v2/alerts (about 64k alerts).
const maxAlertsResponseBytes = 64 << 20

// activeQuery asks for the alerts that would notify: a silenced or inhibited alert sends no
// webhook either, so its alarm is cleared like a resolved one.
var activeQuery = url.Values{
	"active":      {"true"},
	"silenced":    {"false"},
	"inhibited":   {"false"},
	"unprocessed": {"true"},
}

// fetchActive reads Alertmanager's active alerts.
func fetchActive(ctx context.Context, client *http.Client, base *url.URL) ([]template.Alert, error) {
	u := base.JoinPath("api", "v2", "alerts")
	u.RawQuery = activeQuery.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("build the request for %s: %w", u.Redacted(), err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("get %s: %w", u.Redacted(), err)
	}
	defer resp.Body.Close()
	body := io.LimitReader(resp.Body, maxAlertsResponseBytes+1)
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(body, 512))
		return nil, fmt.Errorf("get %s: HTTP %d: %s", u.Redacted(), resp.StatusCode, msg)
	}
	data, err := io.ReadAll(body)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", u.Redacted(), err)
	}
	if len(data) > maxAlertsResponseBytes {
		return nil, fmt.Errorf("read %s: the answer exceeds %d bytes", u.Redacted(), maxAlertsResponseBytes)
	}
	var list models.GettableAlerts
	if err := json.Unmarshal(data, &list); err != nil {
		return nil, fmt.Errorf("decode %s: %w", u.Redacted(), err)
	}
	alerts, err := activeAlerts(list)
	if err != nil {
		return nil, fmt.Errorf("check %s: %w", u.Redacted(), err)
	}
	return alerts, nil
}
