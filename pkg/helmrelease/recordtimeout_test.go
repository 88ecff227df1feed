package helmrelease

import (
	"context"
	"errors"
	"testing"
	"time"
)

// TestRegressionRecordCheckTimeoutRememberedForever: the check of a release record's manifests
// remembers each outcome by digest, so that a release's records are not parsed again at every
// resync; but it remembered a parse that ran out of wall-clock time (RenderLimits.Timeout, the
// machine's load as much as the record's) like one that went past a bound of the parse itself:
// a release whose record met a loaded node once was refused (ErrRecordBound: its status, its
// upgrades, its uninstall, the NfDeployment's deletion) until netweave restarted. A timeout is
// now the error of that check only.
func TestRegressionRecordCheckTimeoutRememberedForever(t *testing.T) {
	limits := DefaultRenderLimits()
	// The check cannot answer within a nanosecond: the child is not even started.
	limits.Timeout = time.Nanosecond
	parsers := newRenderers(limits, nil)
	records := newRecordManifests(parsers)
	manifests := []string{"---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\ndata:\n  a: b\n"}
	if err := records.check(context.Background(), manifests); !errors.Is(err, ErrRecordBound) {
		t.Fatalf("check within a nanosecond: %v, want the timeout (ErrRecordBound)", err)
	}
	// The node is no longer loaded: the same record is parsed, in time.
	parsers.limits.Timeout = time.Minute
	if err := records.check(context.Background(), manifests); err != nil {
		t.Fatalf("check of the same record with time to parse it: %v, want it parsed", err)
	}
}
