package templates

import (
	"context"
	"errors"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	dynamicfake "k8s.io/client-go/dynamic/fake"
	k8stesting "k8s.io/client-go/testing"

	"github.com/netweave-io/netweave/pkg/provisioning/clusterapi"
)

// TestRegressionUnreadableClassNamespaceStopsTemplateSync: a template namespace whose
// ClusterClasses netweave may not list kept the sync's leader term waiting for its informer:
// no template of any namespace was synced. The informers no longer wait for it; and what its
// cache does not hold is not taken for a class that is gone: its templates are not deleted
// while it cannot be read.
func TestRegressionUnreadableClassNamespaceStopsTemplateSync(t *testing.T) {
	want, _, err := Derive(demoClass())
	if err != nil {
		t.Fatal(err)
	}
	f := newFixture(t, nil, want[0], want[1])
	dyn := dynamicfake.NewSimpleDynamicClientWithCustomListKinds(runtime.NewScheme(),
		map[schema.GroupVersionResource]string{clusterapi.ClusterClasses: "ClusterClassList"})
	dyn.PrependReactor("list", "clusterclasses", func(a k8stesting.Action) (bool, runtime.Object, error) {
		if a.GetNamespace() == "o2ims-system" {
			return true, nil, apierrors.NewForbidden(schema.GroupResource{Group: "cluster.x-k8s.io", Resource: "clusterclasses"}, "", errors.New("no Role"))
		}
		return false, nil, nil
	})
	classes, err := clusterapi.NewInformers(dyn, clusterapi.ClusterClasses, []string{"o2ims-system", "tenant-a"}, clusterapi.DecodeClusterClass)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	unread, err := classes.Run(ctx)
	if err != nil || len(unread) != 1 || unread[0] != "o2ims-system" {
		t.Fatalf("informers: unread %v, %v; want o2ims-system only", unread, err)
	}
	f.r.classes = classes
	if err := f.r.reconcile(ctx, "o2ims-system/demo"); err == nil {
		t.Error("a class of a namespace not read reconciled as gone")
	}
	if got := f.templates(t); len(got) != 2 {
		t.Errorf("templates of a namespace whose ClusterClasses cannot be read: %v, want both kept", got)
	}
}
