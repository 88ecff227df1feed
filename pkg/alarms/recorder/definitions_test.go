package recorder

import (
	"context"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
)

// TestRegressionNodeAlarmInPoolNamespaceResolvesInTheOperatorsDictionaries: a node's Resource
// claimed by an admin pool of a node pool namespace has its alarms stored there (LocateResources),
// while the dictionaries that define them (the standard one, the node type's, the PrometheusRule
// alerts') live in the inventory namespace. Resolve only looked at the alarm's own namespace: the
// O-Cloud's NODE_DOWN alarm on that node was raised with no definition at all (nil ids on the O2
// face for good, a record's spec never changes), and a dictionary the namespace's admin wrote there
// (naming no type, or the operator's node type) defined it instead, with the tenant's ids, for
// every SMO reading the O-Cloud's alarms.
func TestRegressionNodeAlarmInPoolNamespaceResolvesInTheOperatorsDictionaries(t *testing.T) {
	const poolNS = "pool-a"
	std := standardDictionary()
	for _, tc := range []struct {
		name         string
		tenant       bool
		tenantTypeID string
	}{{name: "no tenant dictionary"}, {name: "tenant dictionary of no type", tenant: true}, {name: "tenant dictionary of the node type", tenant: true, tenantTypeID: typeID}} {
		fx := newFixture(t)
		fx.rec.cfg.Namespaces = func(ns string) bool { return ns == inventoryNS || ns == poolNS }
		ctx := context.Background()
		o := nodeDown(true, fx.clock.Now().Add(-time.Hour))
		o.Object.Namespace = poolNS
		if tc.tenant {
			// The pool namespace's admin writes a dictionary there, as the API lets them (of no
			// type, or of the operator's node type: a dictionary may belong to the operator's
			// resource types).
			tenant := &v1alpha1.AlarmDictionary{
				ObjectMeta: metav1.ObjectMeta{Namespace: poolNS, Name: "a-tenant"},
				Spec: v1alpha1.AlarmDictionarySpec{
					AlarmDictionaryID: "11111111-2222-4333-8444-555555555555",
					ResourceTypeID:    tc.tenantTypeID,
					AlarmDefinitions: []v1alpha1.AlarmDefinition{{
						AlarmDefinitionID: "66666666-7777-4888-9999-000000000000", AlarmName: "CLUSTERNODE_CRITICAL",
					}},
				},
			}
			if err := fx.dicts.GetIndexer().Add(tenant); err != nil {
				t.Fatal(err)
			}
		}
		if err := fx.rec.Observe(ctx, o); err != nil {
			t.Fatal(err)
		}
		list, err := fx.client.O2imsV1alpha1().AlarmEventRecords(poolNS).List(ctx, metav1.ListOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if len(list.Items) != 1 {
			t.Fatalf("%s: %d records in %s, want the node's alarm", tc.name, len(list.Items), poolNS)
		}
		spec := list.Items[0].Spec
		if spec.AlarmDictionaryID != std.Spec.AlarmDictionaryID ||
			spec.AlarmDefinitionID != std.Spec.AlarmDefinitions[0].AlarmDefinitionID ||
			spec.ProbableCauseID != std.Spec.ProbableCauses[0].ProbableCauseID {
			t.Errorf("%s: the O-Cloud's node alarm in %s refers to dictionary %q, definition %q, cause %q; want the standard dictionary's",
				tc.name, poolNS, spec.AlarmDictionaryID, spec.AlarmDefinitionID, spec.ProbableCauseID)
		}
	}
}
