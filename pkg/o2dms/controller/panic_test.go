package controller

import (
	"context"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/tools/cache"

	v1alpha1 "github.com/netweave-io/netweave/apis/o2dms/v1alpha1"
	o2imsv1 "github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	o2fake "github.com/netweave-io/netweave/generated/clientset/versioned/fake"
	o2dmslisters "github.com/netweave-io/netweave/generated/listers/o2dms/v1alpha1"
	o2imslisters "github.com/netweave-io/netweave/generated/listers/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/pkg/helmrelease"
)

// panickingTargets panics where a cluster would be reached, as Helm did on a tenant's planted
// release record (TestRegressionPlantedReleaseRecordWithoutInfoCrashesController).
type panickingTargets struct{}

func (panickingTargets) Target(context.Context, string, string) (helmrelease.Target, error) {
	panic("nil pointer dereference in a Helm action")
}

// indexerOf is an informer's indexer (by namespace) holding objs.
func indexerOf(t *testing.T, objs ...runtime.Object) cache.Indexer {
	t.Helper()
	i := cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{cache.NamespaceIndex: cache.MetaNamespaceIndexFunc})
	for _, o := range objs {
		if err := i.Add(o); err != nil {
			t.Fatal(err)
		}
	}
	return i
}

// TestRegressionPanicInReconcileDoesNotKillTheProcess: a panic in Helm on what a tenant
// controls (a repository index entry, a release record in its namespace) unwound the worker,
// whose wait loop re-panics, and killed netweave: every tenant's API, the O2 face and every
// controller, again after each restart while the object stayed. Whatever panics while an
// NfDeployment is reconciled, the worker now goes on and the NfDeployment is retried with
// backoff.
func TestRegressionPanicInReconcileDoesNotKillTheProcess(t *testing.T) {
	d := deletingNfDeployment("tenant-a", "nf")
	c := controllerOn(t, panickingTargets{}, 1, d)
	t.Cleanup(c.queue.ShutDown)
	key := "tenant-a/nf"
	c.queue.Add(key)

	if !c.processNext(context.Background()) {
		t.Fatal("the worker stopped")
	}
	if n := c.queue.NumRequeues(key); n != 1 {
		t.Errorf("the NfDeployment was requeued %d times after the panic, want 1 (retried with backoff)", n)
	}
}

// fixtureInventory is the inventory namespace of controllerOn's controllers.
const fixtureInventory = "o2ims-system"

// deletingNfDeployment is an NfDeployment ns/name being deleted, of DeploymentManager dm-1,
// targeting ns: its reconcile goes straight to the target, to uninstall.
func deletingNfDeployment(ns, name string) *v1alpha1.NfDeployment {
	deleted := metav1.Now()
	return &v1alpha1.NfDeployment{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, Generation: 1, DeletionTimestamp: &deleted,
			Finalizers: []string{v1alpha1.FinalizerRelease}},
		Spec: v1alpha1.NfDeploymentSpec{DescriptorRef: v1alpha1.DescriptorReference{Name: "d", Namespace: fixtureInventory},
			DeploymentManagerID: "dm-1", TargetNamespace: ns},
	}
}

// controllerOn is a Controller of workers over objs (NfDeployments), whose listers hold them
// and DeploymentManager edge (dm-1) in fixtureInventory, reaching targets, retrying an hour
// apart; its queue is made, no worker is started.
func controllerOn(t *testing.T, targets Targets, workers int, objs ...runtime.Object) *Controller {
	t.Helper()
	dms := indexerOf(t, &o2imsv1.DeploymentManager{
		ObjectMeta: metav1.ObjectMeta{Namespace: fixtureInventory, Name: "edge"},
		Spec:       o2imsv1.DeploymentManagerSpec{DeploymentManagerID: "dm-1"},
	})
	copies := make([]runtime.Object, len(objs))
	for i, o := range objs {
		copies[i] = o.DeepCopyObject()
	}
	c := New(Config{Client: o2fake.NewSimpleClientset(copies...), InventoryNamespace: fixtureInventory, Targets: targets, Workers: workers,
		RetryBase: time.Hour, RetryMax: time.Hour, Now: func() time.Time { return time.Unix(0, 0) }})
	c.managers = o2imslisters.NewDeploymentManagerLister(dms)
	c.deployments = o2dmslisters.NewNfDeploymentLister(indexerOf(t, objs...))
	c.queue = c.newQueue()
	return c
}
