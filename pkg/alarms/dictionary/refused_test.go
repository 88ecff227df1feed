package dictionary

import (
	"context"
	"errors"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	k8stesting "k8s.io/client-go/testing"
	"k8s.io/component-base/metrics"
	"k8s.io/component-base/metrics/testutil"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
)

// TestRegressionTenantDictionaryFailsTheSharedSyncForever: the one dictionaries sync covers
// every namespace. A tenant that held an AlarmDictionary named resourcetype-<its type> (or whose
// ResourceQuota on alarmdictionaries was full) made every pass fail: the operator's
// dictionaries were written, but the shared key was retried with backoff for ever, logged at
// error level and counted in netweave_alarm_dictionaries_sync_errors_total{reason="error"}
// every 30 s, and any real failure of the operator's dictionaries waited the tenant's grown
// backoff. A tenant's refusal is now that tenant's: noted once, retried on its own, and the
// pass succeeds; the tenant freeing the name is what brings its dictionary.
func TestRegressionTenantDictionaryFailsTheSharedSyncForever(t *testing.T) {
	held := &v1alpha1.AlarmDictionary{ObjectMeta: metav1.ObjectMeta{Namespace: "tenant", Name: "resourcetype-disk"},
		Spec: v1alpha1.AlarmDictionarySpec{AlarmDictionaryID: "0c1d2e3f-4a5b-4c6d-8e7f-8091a2b3c4d5"}}
	f := newFixture(t,
		resourceType(invNS, "node-x86", nodeTID, v1alpha1.ResourceClassCompute),
		resourceType("tenant", "disk", diskTID, v1alpha1.ResourceClassStorage),
		resourceType("quota", "ssd", "2b2c3d4e-5f60-4718-8293-a4b5c6d7e8f9", v1alpha1.ResourceClassStorage),
		held)
	m, err := NewMetrics(metrics.NewKubeRegistry().Register)
	if err != nil {
		t.Fatal(err)
	}
	f.c.cfg.Metrics = m
	// Namespace "quota" is at its ResourceQuota for alarmdictionaries.
	f.o2.PrependReactor("create", "alarmdictionaries", func(a k8stesting.Action) (bool, runtime.Object, error) {
		if a.GetNamespace() == "quota" {
			return true, nil, apierrors.NewForbidden(schema.GroupResource{Group: v1alpha1.GroupName, Resource: "alarmdictionaries"},
				"resourcetype-ssd", errQuota)
		}
		return false, nil, nil
	})
	ctx := context.Background()
	for pass := range 3 {
		f.refresh()
		f.c.queue.Add(syncKey)
		f.c.processNext(ctx)
		if n := f.c.queue.NumRequeues(syncKey); n != 0 {
			t.Fatalf("pass %d: the shared key is retried with backoff (%d requeues) for the tenants' refusals", pass, n)
		}
		if got, _ := testutil.GetCounterMetricValue(m.SyncErrors.WithLabelValues("error")); got != 0 {
			t.Fatalf("pass %d: %v sync errors counted for the tenants' refusals", pass, got)
		}
	}
	if f.dictionary(invNS, "resourcetype-node-x86") == nil {
		t.Fatal("the operator's type dictionary was not written")
	}
	if got := f.dictionary("tenant", "resourcetype-disk"); got == nil || got.Spec.AlarmDictionaryID != held.Spec.AlarmDictionaryID || !isTenants(got) {
		t.Fatalf("the tenant's own dictionary changed: %+v", got)
	}
	// The tenant frees the name: that event brings the sync, which writes the type's dictionary.
	if err := f.o2.O2imsV1alpha1().AlarmDictionaries("tenant").Delete(ctx, held.Name, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	if !f.c.relevantDictionary(held) {
		t.Fatal("the deletion of the dictionary that held a desired name does not queue the sync")
	}
	f.refresh()
	if err := f.c.sync(ctx); err != nil {
		t.Fatal(err)
	}
	if got := f.dictionary("tenant", "resourcetype-disk"); got == nil || isTenants(got) || got.Spec.ResourceTypeID != diskTID {
		t.Fatalf("after the name was freed the type's dictionary is %+v", got)
	}
	// A failure that is not the tenant's refusal (the store unavailable) still fails the pass.
	f.o2.PrependReactor("update", "alarmdictionaries", func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, apierrors.NewServiceUnavailable("not now")
	})
	if err := f.o2.O2imsV1alpha1().ResourceTypes("tenant").Delete(ctx, "disk", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.o2.O2imsV1alpha1().ResourceTypes("tenant").Create(ctx, func() *v1alpha1.ResourceType {
		rt := resourceType("tenant", "disk", diskTID, v1alpha1.ResourceClassStorage)
		rt.Spec.Vendor = "other"
		return rt
	}(), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	f.refresh()
	if err := f.c.sync(ctx); err == nil {
		t.Fatal("a store failure on a tenant's dictionary was not retried")
	}
}

// errQuota is what the quota admission answers in a namespace at its limit.
var errQuota = errors.New("exceeded quota: tenant-quota, requested: count/alarmdictionaries.o2ims.oran.org=1, used: 10, limited: 10")

func isTenants(d *v1alpha1.AlarmDictionary) bool { return d.Labels[v1alpha1.LabelManagedBy] == "" }
