package recorder

import (
	"fmt"

	"k8s.io/client-go/tools/cache"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/pkg/alarms"
)

// RestateVanished asks a source to restate its faults (alarms.Source.Restate) when an alarm of
// it that was not cleared leaves records without its deletion having been seen: the informer
// listed again and the record was not there, which is what a wiped or rolled-back store looks
// like to it. Without this the alarm of a fault still present came back only at its source's
// next periodic restatement: ten minutes for a node, an hour for a certificate. A deletion the
// informer saw (an operator's, the retention's purge of a cleared alarm) restates nothing.
func RestateVanished(records cache.SharedIndexInformer, sources []alarms.Source) error {
	byName := make(map[string]alarms.Source, len(sources))
	for _, s := range sources {
		byName[s.Name()] = s
	}
	_, err := records.AddEventHandler(cache.ResourceEventHandlerFuncs{
		DeleteFunc: func(obj any) {
			d, ok := obj.(cache.DeletedFinalStateUnknown)
			if !ok {
				return
			}
			rec, ok := d.Obj.(*v1alpha1.AlarmEventRecord)
			if !ok || rec.Status.PerceivedSeverity == v1alpha1.PerceivedSeverityCleared {
				return
			}
			if s := byName[rec.Spec.Source.Name]; s != nil {
				s.Restate()
			}
		},
	})
	if err != nil {
		return fmt.Errorf("alarm recorder: watch alarm records for vanished alarms: %w", err)
	}
	return nil
}
