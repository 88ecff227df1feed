package alertmanager

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"k8s.io/klog/v2"

	"github.com/netweave-io/netweave/pkg/alarms"
)

// SourceConfig configures the resync of Alertmanager's active alerts.
type SourceConfig struct {
	// URL is Alertmanager's base URL (the one its web.external-url or route prefix serves at).
	URL *url.URL
	// Client reaches Alertmanager (its CA and credentials, see Options).
	Client *http.Client
	// Interval between two resyncs; the first runs at once.
	Interval time.Duration
	// StartupGrace is how long after an Alertmanager process started its answer is taken as
	// incomplete: it keeps no alerts across a restart and has each again only once Prometheus
	// sends it again (its resend delay, a minute by default, after a rule evaluation). Within
	// it the resync raises what Alertmanager has and clears nothing.
	StartupGrace time.Duration
	// Receiver, when set, is the name of netweave's receiver in Alertmanager's configuration:
	// the resync reads only the alerts routed to it. The webhook receives only those, so an
	// alert the operator routes elsewhere (an ever-firing Watchdog to a null receiver, a
	// tenant's alerts to the tenant's own receiver) is none of netweave's, and read with the
	// others it was raised by the resync, never cleared by a webhook. Empty: every alert.
	Receiver string
	// Resolver names the object of each alert.
	Resolver Resolver
	// Metrics, when set, count the resyncs.
	Metrics *Metrics
}

// Source re-reads Alertmanager's active alerts every Interval and states them to the Sink, so an
// alarm whose resolving webhook was lost (netweave down, Alertmanager gave up retrying) is
// cleared, and one whose firing webhook was lost is raised.
type Source struct {
	cfg SourceConfig
	// restate wakes Run for a resync before the interval is over (Restate); one pending
	// request is enough.
	restate chan struct{}
}

var _ alarms.Source = (*Source)(nil)

// NewSource returns the resync source.
func NewSource(cfg SourceConfig) (*Source, error) {
	if cfg.URL == nil || cfg.Client == nil || cfg.Resolver == nil || cfg.Interval <= 0 {
		return nil, errors.New("the Alertmanager source needs a URL, a client, a resolver and a positive interval")
	}
	return &Source{cfg: cfg, restate: make(chan struct{}, 1)}, nil
}

// Name is SourceName.
func (s *Source) Name() string { return SourceName }

// Run resyncs now, then every Interval and whenever Restate asks, until ctx is done. A failed
// resync is logged and counted and tried again at the next interval: until then the alarms
// stand as the webhooks left them.
func (s *Source) Run(ctx context.Context, sink alarms.Sink) error {
	ticker := time.NewTicker(s.cfg.Interval)
	defer ticker.Stop()
	for {
		result, err := s.Resync(ctx, sink)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			klog.ErrorS(err, "Resyncing the Alertmanager alarms failed; retrying at the next interval", "interval", s.cfg.Interval)
		}
		if s.cfg.Metrics != nil {
			s.cfg.Metrics.Resyncs.WithLabelValues(result).Inc()
		}
		select {
		case <-ctx.Done():
			return nil
		case <-ticker.C:
		case <-s.restate:
		}
	}
}

// The results of a resync, as counted.
const (
	resyncSuccess = "success"
	resyncFailure = "failure"
	// resyncRaiseOnly: Alertmanager had started within StartupGrace; what it had was raised,
	// nothing cleared.
	resyncRaiseOnly = "raise-only"
)

// clearsNothing is the scope of a raise-only resync.
func clearsNothing(string, map[string]string) bool { return false }

// Restate implements alarms.Source: the next resync starts now, or right after the current one.
func (s *Source) Restate() {
	select {
	case s.restate <- struct{}{}:
	default:
	}
}

// Resync reads the active alerts once and states them to sink. It reads which Alertmanager
// process answers before and after the alerts: an Alertmanager restarted (a rolling update,
// a peer of an HA pair behind one Service) answers with none of the alerts it had until
// Prometheus sends them again, and stated as complete that answer would clear every alarm,
// to be raised again under new ids, unacknowledged, once they come back. So an answer of a
// process younger than StartupGrace raises what it has and clears nothing, and one whose
// process changed during the read is not used at all.
func (s *Source) Resync(ctx context.Context, sink alarms.Sink) (result string, err error) {
	// An alert the webhook raises while this read is on its way is not in it; asOf keeps the
	// Sync from clearing that alarm.
	asOf := time.Now()
	before, err := fetchInstance(ctx, s.cfg.Client, s.cfg.URL)
	if err != nil {
		return resyncFailure, err
	}
	alerts, err := fetchActive(ctx, s.cfg.Client, s.cfg.URL, s.cfg.Receiver)
	if err != nil {
		return resyncFailure, err
	}
	after, err := fetchInstance(ctx, s.cfg.Client, s.cfg.URL)
	if err != nil {
		return resyncFailure, err
	}
	if !before.same(after) {
		return resyncFailure, fmt.Errorf("alertmanager answered as another process during the read (%s, then %s): "+
			"restarted, or another peer behind one address", before, after)
	}
	obs, _, err := observe(ctx, s.cfg.Resolver, alerts, asOf)
	if err != nil {
		return resyncFailure, err
	}
	if age := asOf.Sub(before.started); age < s.cfg.StartupGrace {
		if err := sink.SyncScope(ctx, SourceName, obs, asOf, clearsNothing); err != nil {
			return resyncFailure, fmt.Errorf("raise %d active Alertmanager alerts: %w", len(obs), err)
		}
		klog.V(2).InfoS("Alertmanager started recently and may not have all its alerts again yet; raised what it has, cleared nothing",
			"started", before.started, "grace", s.cfg.StartupGrace, "active", len(obs))
		return resyncRaiseOnly, nil
	}
	if err := sink.Sync(ctx, SourceName, obs, asOf); err != nil {
		return resyncFailure, fmt.Errorf("sync %d active Alertmanager alerts: %w", len(obs), err)
	}
	klog.V(2).InfoS("Resynced the Alertmanager alarms", "active", len(obs))
	return resyncSuccess, nil
}
