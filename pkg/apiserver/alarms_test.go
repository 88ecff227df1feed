package apiserver

import (
	"context"
	"slices"
	"sync/atomic"
	"testing"

	"k8s.io/client-go/tools/cache"

	"github.com/netweave-io/netweave/pkg/alarms"
)

// TestRuleNamespacesAlwaysHoldTheInventoryNamespace: the dictionary and the alert resolver
// read one set, which always has the inventory namespace (the chart renders its own
// PrometheusRule there) and each namespace once.
func TestRuleNamespacesAlwaysHoldTheInventoryNamespace(t *testing.T) {
	for _, tc := range []struct {
		listed, want []string
	}{
		{nil, []string{"o2ims-system"}},
		{[]string{"monitoring"}, []string{"monitoring", "o2ims-system"}},
		{[]string{"o2ims-system", "monitoring", "monitoring"}, []string{"monitoring", "o2ims-system"}},
	} {
		if got := (AlarmsConfig{RuleNamespaces: tc.listed}).ruleNamespaces("o2ims-system"); !slices.Equal(got, tc.want) {
			t.Errorf("listed %v: rule namespaces %v, want %v", tc.listed, got, tc.want)
		}
	}
}

// TestAlarmsWaitForTheDictionaries: the alarm side reports (sources start, the webhook records)
// only once the dictionaries are known, so that an alarm raised at the start of a term refers
// to its definition; a term that ends first reports nothing.
func TestAlarmsWaitForTheDictionaries(t *testing.T) {
	settled := make(chan struct{})
	r := &alarmsRun{dictionariesSettled: settled, dictionariesKnown: make(chan struct{})}
	known := func() bool {
		select {
		case <-r.dictionariesKnown:
			return true
		default:
			return false
		}
	}
	done := make(chan bool)
	go func() { done <- r.awaitDictionaries(context.Background()) }()
	if known() {
		t.Fatal("dictionaries known before they settled")
	}
	close(settled)
	if !<-done || !known() {
		t.Fatal("dictionaries not known once settled")
	}

	ended, cancel := context.WithCancel(context.Background())
	cancel()
	r = &alarmsRun{dictionariesSettled: make(chan struct{}), dictionariesKnown: make(chan struct{})}
	if r.awaitDictionaries(ended) || known() {
		t.Error("a term that ended before the dictionaries settled reports alarms")
	}
}

// syncedInformer is an informer whose cache has listed; Run reads nothing else of it.
type syncedInformer struct{ cache.SharedIndexInformer }

func (syncedInformer) HasSynced() bool { return true }

// startedSource tells when its Run is called.
type startedSource struct{ started chan struct{} }

func (s startedSource) Name() string { return "test" }
func (s startedSource) Restate()     {}
func (s startedSource) Run(ctx context.Context, _ alarms.Sink) error {
	close(s.started)
	<-ctx.Done()
	return nil
}

// TestRegressionAlarmSourcesWaitForTheNodeAndResourceCaches: the sources start only once every
// cache the webhook waits for has listed (alarmsRun.synced: the Nodes and Resources too, not
// only the alarm records and dictionaries). The Alertmanager resync resolves alerts through
// the Node cache and every Resource alarm is placed through the Resource cache: a source
// started before they listed raised a node's alert on the O-Cloud, and cleared the alarm of a
// node an admin pool claims in the pool's namespace to raise it anew, under a new id, in the
// inventory namespace, at the start of a term.
func TestRegressionAlarmSourcesWaitForTheNodeAndResourceCaches(t *testing.T) {
	var nodesSynced atomic.Bool
	polled := make(chan struct{}, 1)
	settled := make(chan struct{})
	close(settled)
	src := startedSource{started: make(chan struct{})}
	r := &alarmsRun{
		records: syncedInformer{}, dictionaries: syncedInformer{},
		dictionariesSettled: settled, dictionariesKnown: make(chan struct{}),
		sources: []alarms.Source{src},
	}
	r.synced = func() bool {
		select {
		case <-r.dictionariesKnown:
		default:
			return false
		}
		select {
		case polled <- struct{}{}:
		default:
		}
		return nodesSynced.Load()
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	}()
	// Run asks whether the caches have listed before it starts a source; told no, it has not
	// started one.
	select {
	case <-polled:
	case <-src.started:
		t.Fatal("a source started before the Node and Resource caches listed")
	}
	select {
	case <-src.started:
		t.Fatal("a source started before the Node and Resource caches listed")
	default:
	}
	nodesSynced.Store(true)
	<-src.started
}
