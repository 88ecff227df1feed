package apiserver

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"k8s.io/client-go/tools/cache"
	"k8s.io/component-base/metrics/legacyregistry"
	"k8s.io/klog/v2"

	"github.com/netweave-io/netweave/generated/informers/externalversions"
	"github.com/netweave-io/netweave/pkg/alarms"
	"github.com/netweave-io/netweave/pkg/alarms/certs"
	"github.com/netweave-io/netweave/pkg/alarms/nodes"
	"github.com/netweave-io/netweave/pkg/alarms/recorder"
	"github.com/netweave-io/netweave/pkg/alarms/sourcemetrics"
	"github.com/netweave-io/netweave/pkg/inventory"
)

// AlarmsConfig configures the alarm sources that run beside the inventory sync.
type AlarmsConfig struct {
	// Certificates, when it names Secrets, raises CERTIFICATE_EXPIRATION alarms
	// (--alarm-certificate-*); Client and Object are filled in when the sync starts.
	Certificates *certs.Config
}

// alarmMetrics are registered once per process; every leadership term reuses them.
type alarmMetrics struct {
	recorder *recorder.Metrics
	sources  *sourcemetrics.Metrics
}

func newAlarmMetrics() (*alarmMetrics, error) {
	r, err := recorder.NewMetrics(legacyregistry.Register)
	if err != nil {
		return nil, err
	}
	s, err := sourcemetrics.NewMetrics(legacyregistry.Register)
	if err != nil {
		return nil, err
	}
	return &alarmMetrics{recorder: r, sources: s}, nil
}

// alarmsRun is the alarm side of one leadership term: the recorder and the sources reporting
// to it. The alarms are led with the inventory (one Lease): they are about the inventory's
// objects, named with its ids, and a node's alarm must not be raised by one replica while
// another re-syncs the node.
type alarmsRun struct {
	records, dictionaries cache.SharedIndexInformer
	sink                  alarms.Sink
	sources               []alarms.Source
}

// newAlarmsRun wires the alarm side on o2inf, before the factory starts.
func (d *inventoryDeps) newAlarmsRun(ids inventory.IDs, o2inf externalversions.SharedInformerFactory) (*alarmsRun, error) {
	v := o2inf.O2ims().V1alpha1()
	run := &alarmsRun{records: v.AlarmEventRecords().Informer(), dictionaries: v.AlarmDictionaries().Informer()}
	defs, err := recorder.NewDictionaryDefinitions(run.dictionaries)
	if err != nil {
		return nil, err
	}
	rec, err := recorder.New(recorder.Config{
		Client: d.o2.O2imsV1alpha1(), Records: run.records, Definitions: defs, IDs: ids, Metrics: d.alarms.recorder,
	})
	if err != nil {
		return nil, err
	}
	located, err := recorder.LocateResources(rec, v.O2Resources().Informer())
	if err != nil {
		return nil, err
	}
	run.sink = located
	run.sources = append(run.sources, nodes.New(nodes.Config{
		Informers: d.nodes, IDs: ids, Namespace: d.cfg.Namespace, Metrics: d.alarms.sources,
	}))
	if c := d.cfg.Alarms.Certificates; c != nil {
		cfg := *c
		cfg.Client, cfg.Metrics = d.kube, d.alarms.sources
		cfg.Object = alarms.ObjectRef{Class: "OCloud", ID: ids.OCloudID(), Namespace: d.cfg.Namespace}
		run.sources = append(run.sources, certs.New(cfg))
	}
	return run, nil
}

// Run reports every source to the recorder until ctx ends. Sources start once the recorder
// knows the stored alarms and dictionaries, so a source's first Sync clears only what is stale.
func (r *alarmsRun) Run(ctx context.Context) error {
	if !cache.WaitForNamedCacheSync("alarm-recorder", ctx.Done(), r.records.HasSynced, r.dictionaries.HasSynced) {
		return fmt.Errorf("wait for the alarm caches: %w", errors.Join(ctx.Err(), errors.New("not synced")))
	}
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	for _, s := range r.sources {
		wg.Go(func() {
			if err := s.Run(ctx, r.sink); err != nil {
				klog.FromContext(ctx).Error(err, "Alarm source stopped", "source", s.Name())
				mu.Lock()
				errs = append(errs, fmt.Errorf("alarm source %s: %w", s.Name(), err))
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}
