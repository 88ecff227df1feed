package apiserver

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/client-go/tools/cache"
	"k8s.io/component-base/metrics/legacyregistry"
	"k8s.io/klog/v2"

	"github.com/netweave-io/netweave/generated/informers/externalversions"
	"github.com/netweave-io/netweave/pkg/alarms"
	"github.com/netweave-io/netweave/pkg/alarms/alertmanager"
	"github.com/netweave-io/netweave/pkg/alarms/certs"
	"github.com/netweave-io/netweave/pkg/alarms/dictionary"
	"github.com/netweave-io/netweave/pkg/alarms/nodes"
	"github.com/netweave-io/netweave/pkg/alarms/reachability"
	"github.com/netweave-io/netweave/pkg/alarms/recorder"
	"github.com/netweave-io/netweave/pkg/alarms/retention"
	"github.com/netweave-io/netweave/pkg/alarms/sourcemetrics"
	"github.com/netweave-io/netweave/pkg/inventory"
	"github.com/netweave-io/netweave/pkg/inventory/kube"
)

// AlarmsConfig configures the alarm sources that run beside the inventory sync.
type AlarmsConfig struct {
	// Certificates, when it names Secrets, raises CERTIFICATE_EXPIRATION alarms
	// (--alarm-certificate-*); Client and Object are filled in when the sync starts.
	Certificates *certs.Config
	// Alertmanager, when it names an Alertmanager (--alertmanager-url), re-reads its active
	// alerts periodically; the webhook receiver is served either way.
	Alertmanager *alertmanager.Options
	// RuleNamespaces are the namespaces besides the inventory namespace that are the
	// operator's for alarms (--alarm-rule-namespaces); see ruleNamespaces.
	RuleNamespaces []string
}

// ruleNamespaces is the one set of namespaces whose PrometheusRules and alerts netweave takes
// as the operator's: the inventory namespace and RuleNamespaces, sorted. The rules dictionary
// is built from these namespaces' rules only, and only alerts without a namespace label or
// labelled with one of these are mapped to the inventory's nodes and DeploymentManager; both
// read the set from here so they cannot disagree.
func (c AlarmsConfig) ruleNamespaces(inventoryNamespace string) []string {
	return sets.List(sets.New(c.RuleNamespaces...).Insert(inventoryNamespace))
}

// alarmWiring is what the alarm side shares across the process: the intake the webhook
// receiver reports to, and the metrics, registered once; every leadership term reuses them.
type alarmWiring struct {
	intake  *alarmIntake
	metrics *alarmMetrics
}

func newAlarmWiring() (*alarmWiring, error) {
	m, err := newAlarmMetrics()
	if err != nil {
		return nil, err
	}
	return &alarmWiring{intake: &alarmIntake{}, metrics: m}, nil
}

type alarmMetrics struct {
	recorder     *recorder.Metrics
	sources      *sourcemetrics.Metrics
	dictionaries *dictionary.Metrics
	retention    *retention.Metrics
	alertmanager *alertmanager.Metrics
}

func newAlarmMetrics() (*alarmMetrics, error) {
	var (
		m   alarmMetrics
		err error
	)
	if m.alertmanager, err = alertmanager.NewMetrics(legacyregistry.Register); err != nil {
		return nil, err
	}
	if m.recorder, err = recorder.NewMetrics(legacyregistry.Register); err != nil {
		return nil, err
	}
	if m.sources, err = sourcemetrics.NewMetrics(legacyregistry.Register); err != nil {
		return nil, err
	}
	if m.dictionaries, err = dictionary.NewMetrics(legacyregistry.Register); err != nil {
		return nil, err
	}
	if m.retention, err = retention.NewMetrics(legacyregistry.Register); err != nil {
		return nil, err
	}
	return &m, nil
}

// alarmsRun is the alarm side of one leadership term: the recorder and the sources reporting
// to it, the dictionaries, retention and purge tasks. The alarms are led with the inventory (one Lease): they are about the inventory's
// objects, named with its ids, and a node's alarm must not be raised by one replica while
// another re-syncs the node.
type alarmsRun struct {
	records, dictionaries cache.SharedIndexInformer
	sink                  alarms.Sink
	resolver              alertmanager.Resolver
	// synced reports whether every cache the sink and the resolver decide on has listed, and
	// the dictionaries are known (dictionariesKnown): the webhook, connected for the whole
	// term, records nothing before.
	synced func() bool
	// startNodes starts the Node informer synced waits for, which the sources (the node
	// conditions) started themselves before they waited for synced; nil in tests.
	startNodes  func(stop <-chan struct{})
	sources     []alarms.Source
	controllers []controller
	// dictionariesSettled is closed once the dictionary controller computed the dictionaries
	// knowing every source (dictionary.Controller.Settled); dictionariesKnown is closed by Run
	// then, or dictionarySettleBound after the term began, whichever comes first.
	dictionariesSettled <-chan struct{}
	dictionariesKnown   chan struct{}
}

// dictionarySettleBound bounds how long alarms wait at the start of a term for the dictionary
// controller to know every source of definitions (discovery of PrometheusRules, the rule
// namespaces' first lists): an alarm recorded before refers to no definition for good, since
// a record's spec never changes. A rule namespace netweave may not read never settles; its
// alarms wait this long once per term, and an alert its rules define is then recorded
// without that definition.
const dictionarySettleBound = 20 * time.Second

// controller is a leader-only loop of the alarm side.
type controller struct {
	name string
	run  func(context.Context) error
}

// newAlarmsRun wires the alarm side on o2inf, before the factory starts.
func (d *inventoryDeps) newAlarmsRun(ids inventory.IDs, cluster kube.ClusterInfo, nodePools inventory.NodePoolNamespaces, o2inf externalversions.SharedInformerFactory) (*alarmsRun, error) {
	m := d.alarms.metrics
	v := o2inf.O2ims().V1alpha1()
	run := &alarmsRun{records: v.AlarmEventRecords().Informer(), dictionaries: v.AlarmDictionaries().Informer()}
	ruleNamespaces := d.cfg.Alarms.ruleNamespaces(d.cfg.Namespace)
	dicts, err := dictionary.New(dictionary.Config{
		Client: d.o2, Informers: o2inf, IDs: ids, Namespace: d.cfg.Namespace,
		Rules: d.dynamic, Discovery: d.kube.Discovery(), RuleNamespaces: ruleNamespaces,
		FieldManager: "netweave-alarm-dictionaries", Metrics: m.dictionaries,
	})
	if err != nil {
		return nil, err
	}
	run.dictionariesSettled = dicts.Settled()
	// What the dictionary controller writes (the standard, the types', the PrometheusRules')
	// is known before it is written, or before the cache has it: an alarm raised meanwhile
	// refers to the ids it will have.
	defs, err := recorder.NewDictionaryDefinitions(run.dictionaries, d.cfg.Namespace, func(o alarms.Observation) (alarms.Definition, bool) {
		return recorder.Resolve(dicts.Desired(), d.cfg.Namespace, o)
	})
	if err != nil {
		return nil, err
	}
	rec, err := recorder.New(recorder.Config{
		Client: d.o2.O2imsV1alpha1(), Records: run.records, Definitions: defs, IDs: ids, Metrics: m.recorder,
		Namespaces: nodePools.Allows,
	})
	if err != nil {
		return nil, err
	}
	resources := v.O2Resources().Informer()
	located, err := recorder.LocateResources(rec, resources)
	if err != nil {
		return nil, err
	}
	run.sink = located
	run.sources = append(run.sources, nodes.New(nodes.Config{
		Informers: d.nodes, IDs: ids, Namespace: d.cfg.Namespace, Metrics: m.sources,
	}))
	// Registered whether or not member clusters are synced: with none, no manager reports
	// ClusterReachable, and the source's restatements clear what an earlier run left raised.
	run.sources = append(run.sources, reachability.New(reachability.Config{
		Informers: o2inf, Namespace: d.cfg.Namespace, Metrics: m.sources,
	}))
	nodeInformer := d.nodes.Core().V1().Nodes()
	run.resolver = alertmanager.NewNodeResolver(nodeInformer.Lister(), alertmanager.NodeResolverConfig{
		IDs: ids, Namespace: d.cfg.Namespace, Cluster: cluster, TrustedNamespaces: ruleNamespaces,
	})
	synced := []cache.InformerSynced{run.records.HasSynced, run.dictionaries.HasSynced, resources.HasSynced, nodeInformer.Informer().HasSynced}
	run.startNodes = d.nodes.Start
	run.dictionariesKnown = make(chan struct{})
	run.synced = func() bool {
		for _, s := range synced {
			if !s() {
				return false
			}
		}
		select {
		case <-run.dictionariesKnown:
			return true
		default:
			return false
		}
	}
	if o := d.cfg.Alarms.Alertmanager; o != nil && o.Enabled() {
		cfg, err := o.SourceConfig(run.resolver, m.alertmanager)
		if err != nil {
			return nil, err
		}
		resync, err := alertmanager.NewSource(cfg)
		if err != nil {
			return nil, err
		}
		if cfg.Receiver == "" {
			// Not refused, to keep existing deployments running; but every alert Alertmanager
			// holds, whatever its route, becomes an alarm at the resync.
			klog.InfoS("The Alertmanager resync reads the alerts of every receiver; set --alertmanager-receiver to netweave's receiver so that alerts routed elsewhere raise no alarm")
		}
		run.sources = append(run.sources, resync)
	}
	if c := d.cfg.Alarms.Certificates; c != nil {
		cfg := *c
		cfg.Client, cfg.Metrics = d.kube, m.sources
		cfg.Object = alarms.ObjectRef{Class: "OCloud", ID: ids.OCloudID(), Namespace: d.cfg.Namespace}
		run.sources = append(run.sources, certs.New(cfg))
	}
	if err := recorder.RestateVanished(run.records, run.sources); err != nil {
		return nil, err
	}
	purges, err := retention.New(d.o2, o2inf, retention.Config{FieldManager: "netweave-alarm-retention", Metrics: m.retention})
	if err != nil {
		return nil, err
	}
	run.controllers = []controller{{"alarm dictionaries", dicts.Run}, {"alarm retention", purges.Run}}
	return run, nil
}

// Run runs the controllers, and reports every source to the recorder, until ctx ends. Sources
// start once the recorder knows the stored alarms and dictionaries, and the resolver and the
// locator the Nodes and Resources, so a source's first Sync clears only what is stale and
// names each alarm's object as the webhook would.
func (r *alarmsRun) Run(ctx context.Context) error {
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	fail := func(what string, err error) {
		klog.FromContext(ctx).Error(err, "Alarm side stopped", "part", what)
		mu.Lock()
		errs = append(errs, fmt.Errorf("%s: %w", what, err))
		mu.Unlock()
	}
	for _, c := range r.controllers {
		wg.Go(func() {
			if err := c.run(ctx); err != nil {
				fail(c.name, err)
			}
		})
	}
	if r.startNodes != nil {
		r.startNodes(ctx.Done())
	}
	// The sources start when the webhook would record (synced): once the Nodes the
	// Alertmanager resync resolves alerts through, and the Resources every Resource alarm is
	// placed through, have listed too. Read before, a node's alert was raised on the O-Cloud,
	// and the alarm of a node an admin pool claims was cleared in the pool's namespace and
	// raised anew, under another id, in the inventory namespace, at the start of a term.
	if cache.WaitForNamedCacheSync("alarm-recorder", ctx.Done(), r.records.HasSynced, r.dictionaries.HasSynced) && r.awaitDictionaries(ctx) &&
		cache.WaitForNamedCacheSync("alarm-sources", ctx.Done(), r.synced) {
		for _, s := range r.sources {
			wg.Go(func() {
				if err := s.Run(ctx, r.sink); err != nil {
					fail("alarm source "+s.Name(), err)
				}
			})
		}
	} else if ctx.Err() == nil {
		fail("alarm recorder", errors.New("caches not synced"))
	}
	wg.Wait()
	return errors.Join(errs...)
}

// awaitDictionaries waits until the dictionary controller knows every source of definitions,
// at most dictionarySettleBound, then closes dictionariesKnown; false when ctx ended first.
func (r *alarmsRun) awaitDictionaries(ctx context.Context) bool {
	bound := time.NewTimer(dictionarySettleBound)
	defer bound.Stop()
	select {
	case <-r.dictionariesSettled:
	case <-bound.C:
		klog.FromContext(ctx).Info("Alarm dictionaries not settled yet (a rule namespace unread, or discovery unanswered); reporting alarms anyway",
			"waited", dictionarySettleBound)
	case <-ctx.Done():
		return false
	}
	close(r.dictionariesKnown)
	return true
}
