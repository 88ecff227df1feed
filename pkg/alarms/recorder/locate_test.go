package recorder

import (
	"context"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/cache"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/generated/clientset/versioned/fake"
	"github.com/netweave-io/netweave/generated/informers/externalversions"
	"github.com/netweave-io/netweave/pkg/alarms"
	"github.com/netweave-io/netweave/pkg/hashindex"
)

// capture is a Sink that keeps what it is given.
type capture struct {
	observed []alarms.Observation
	synced   []alarms.Observation
}

func (c *capture) Observe(_ context.Context, o alarms.Observation) error {
	c.observed = append(c.observed, o)
	return nil
}

func (c *capture) Sync(_ context.Context, _ string, active []alarms.Observation, _ time.Time) error {
	c.synced = append(c.synced, active...)
	return nil
}

func (c *capture) SyncScope(ctx context.Context, source string, active []alarms.Observation, asOf time.Time, _ alarms.Scope) error {
	return c.Sync(ctx, source, active, asOf)
}

func nodeResource(ns, name, id string) *v1alpha1.O2Resource {
	return &v1alpha1.O2Resource{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}, Spec: v1alpha1.ResourceSpec{ResourceID: id}}
}

func observation(class, id string) alarms.Observation {
	return alarms.Observation{Source: "test", Key: id, Object: alarms.ObjectRef{Class: class, ID: id, Namespace: inventoryNS}}
}

func TestLocateResources(t *testing.T) {
	f := externalversions.NewSharedInformerFactory(fake.NewSimpleClientset(), 0)
	resources := f.O2ims().V1alpha1().O2Resources().Informer()
	sink := &capture{}
	located, err := LocateResources(sink, resources)
	if err != nil {
		t.Fatal(err)
	}
	const (
		tenantNode = "1d8f2a8c-1b8f-5c1e-9d3e-3f6f7a9b2c41"
		twice      = "2d8f2a8c-1b8f-5c1e-9d3e-3f6f7a9b2c41"
	)
	// The informer's store as it has seen the Resources (the informer does not run).
	for _, r := range []*v1alpha1.O2Resource{
		nodeResource("tenant-a", "worker-1", tenantNode),
		nodeResource(inventoryNS, "worker-2", nodeID),
		nodeResource("tenant-a", "worker-3", twice),
		nodeResource("tenant-b", "worker-3", twice),
	} {
		if err := resources.GetIndexer().Add(r); err != nil {
			t.Fatal(err)
		}
	}
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		o    alarms.Observation
		want string
	}{
		{"claimed by a tenant's pool", observation("Resource", tenantNode), "tenant-a"},
		{"upper-case id", observation("Resource", strings.ToUpper(tenantNode)), "tenant-a"},
		{"in the inventory namespace", observation("Resource", nodeID), inventoryNS},
		{"unknown: kept", observation("Resource", "3d8f2a8c-1b8f-5c1e-9d3e-3f6f7a9b2c41"), inventoryNS},
		{"ambiguous: kept", observation("Resource", twice), inventoryNS},
		{"not a Resource: kept", observation("DeploymentManager", tenantNode), inventoryNS},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sink.observed, sink.synced = nil, nil
			if err := located.Observe(ctx, tc.o); err != nil {
				t.Fatal(err)
			}
			if err := located.Sync(ctx, "test", []alarms.Observation{tc.o}, time.Now()); err != nil {
				t.Fatal(err)
			}
			if len(sink.observed) != 1 || sink.observed[0].Object.Namespace != tc.want {
				t.Fatalf("Observe passed %+v, want namespace %s", sink.observed, tc.want)
			}
			if len(sink.synced) != 1 || sink.synced[0].Object.Namespace != tc.want {
				t.Fatalf("Sync passed %+v, want namespace %s", sink.synced, tc.want)
			}
		})
	}
}

// TestLocateResourcesSharesTheIndex checks the recorder reuses the hashed id index another
// component (the O2 REST face) already added to the shared informer, instead of a second one.
func TestLocateResourcesSharesTheIndex(t *testing.T) {
	f := externalversions.NewSharedInformerFactory(fake.NewSimpleClientset(), 0)
	resources := f.O2ims().V1alpha1().O2Resources().Informer()
	name := hashindex.Name("spec.resourceId")
	if err := resources.AddIndexers(cache.Indexers{name: hashindex.IndexFunc(hashindex.Field("spec.resourceId"))}); err != nil {
		t.Fatal(err)
	}
	before := len(resources.GetIndexer().GetIndexers())
	if _, err := LocateResources(&capture{}, resources); err != nil {
		t.Fatal(err)
	}
	if after := len(resources.GetIndexer().GetIndexers()); after != before {
		t.Fatalf("the recorder added %d indexes, want none", after-before)
	}
}
