package alertmanager

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"regexp"
	"time"

	"github.com/go-openapi/strfmt"
	"github.com/prometheus/alertmanager/api/v2/models"
	"github.com/prometheus/alertmanager/template"
)

// maxAlertsResponseBytes bounds the answer of GET /api/v2/alerts (about 64k alerts).
const maxAlertsResponseBytes = 64 << 20

// maxStatusResponseBytes bounds the answer of GET /api/v2/status (its configuration included).
const maxStatusResponseBytes = 4 << 20

// activeQuery asks for the alerts that would notify: a silenced or inhibited alert sends no
// webhook either, so its alarm is cleared like a resolved one.
var activeQuery = url.Values{
	"active":      {"true"},
	"silenced":    {"false"},
	"inhibited":   {"false"},
	"unprocessed": {"true"},
}

// fetchActive reads Alertmanager's active alerts, those routed to receiver when it is set.
func fetchActive(ctx context.Context, client *http.Client, base *url.URL, receiver string) ([]template.Alert, error) {
	u := base.JoinPath("api", "v2", "alerts")
	q := maps.Clone(activeQuery)
	if receiver != "" {
		// Alertmanager takes the parameter as a regular expression it anchors; the receiver's
		// name means itself, whatever characters it has.
		q.Set("receiver", regexp.QuoteMeta(receiver))
	}
	u.RawQuery = q.Encode()
	var list models.GettableAlerts
	if err := getJSON(ctx, client, u, maxAlertsResponseBytes, &list); err != nil {
		return nil, err
	}
	// Alertmanager answers no alerts with [], never null: null (a broken proxy's answer)
	// stated as the active alerts would clear every alarm of the source.
	if list == nil {
		return nil, fmt.Errorf("decode %s: null, not a list of alerts", u.Redacted())
	}
	alerts, err := activeAlerts(list)
	if err != nil {
		return nil, fmt.Errorf("check %s: %w", u.Redacted(), err)
	}
	return alerts, nil
}

// instance is which Alertmanager process answered: its start and, in a cluster, its peer name.
type instance struct {
	started time.Time
	peer    string
}

// fetchInstance reads which Alertmanager process answers at base (GET /api/v2/status).
func fetchInstance(ctx context.Context, client *http.Client, base *url.URL) (instance, error) {
	u := base.JoinPath("api", "v2", "status")
	var status models.AlertmanagerStatus
	if err := getJSON(ctx, client, u, maxStatusResponseBytes, &status); err != nil {
		return instance{}, err
	}
	if status.Uptime == nil || time.Time(*status.Uptime).IsZero() {
		return instance{}, fmt.Errorf("check %s: no uptime", u.Redacted())
	}
	in := instance{started: time.Time(*status.Uptime)}
	if status.Cluster != nil {
		in.peer = status.Cluster.Name
	}
	return in, nil
}

// same reports whether in and other are one process. Not ==: Alertmanager reports its start in
// its own local zone, and a parsed offset that is not a whole hour (+05:30) gets a new
// *time.Location on every read, so == told one process apart from itself.
func (in instance) same(other instance) bool {
	return in.peer == other.peer && in.started.Equal(other.started)
}

func (in instance) String() string {
	if in.peer == "" {
		return "started " + strfmt.DateTime(in.started).String()
	}
	return in.peer + " started " + strfmt.DateTime(in.started).String()
}

// getJSON decodes the JSON answer of GET u, at most limit bytes of it, into out.
func getJSON(ctx context.Context, client *http.Client, u *url.URL, limit int64, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return fmt.Errorf("build the request for %s: %w", u.Redacted(), err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("get %s: %w", u.Redacted(), err)
	}
	defer resp.Body.Close()
	body := io.LimitReader(resp.Body, limit+1)
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(body, 512))
		return fmt.Errorf("get %s: HTTP %d: %s", u.Redacted(), resp.StatusCode, msg)
	}
	data, err := io.ReadAll(body)
	if err != nil {
		return fmt.Errorf("read %s: %w", u.Redacted(), err)
	}
	if int64(len(data)) > limit {
		return fmt.Errorf("read %s: the answer exceeds %d bytes", u.Redacted(), limit)
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("decode %s: %w", u.Redacted(), err)
	}
	return nil
}
