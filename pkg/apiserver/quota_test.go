package apiserver

import (
	"context"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	quota "k8s.io/apiserver/pkg/quota/v1"
	"k8s.io/apiserver/pkg/quota/v1/generic"

	"github.com/netweave-io/netweave/apis/o2ims"
)

func TestQuotaResources(t *testing.T) {
	got := map[schema.GroupResource]bool{}
	for _, gr := range QuotaResources() {
		got[gr] = true
	}
	for _, r := range []string{"resourcepools", "resources", "inventorysubscriptions", "alarmsubscriptions", "ocloudsites", "provisioningrequests"} {
		if !got[o2ims.Resource(r)] {
			t.Errorf("%s cannot be counted by a quota", r)
		}
	}
	// Cluster-scoped kinds have no namespace to be counted in.
	for _, r := range []string{"oclouds", "alarmserviceconfigurations"} {
		if got[o2ims.Resource(r)] {
			t.Errorf("cluster-scoped %s offered to quotas", r)
		}
	}
}

func TestQuotaConfigurationCountsThroughTheLister(t *testing.T) {
	listed := map[schema.GroupResource]string{}
	cfg := NewQuotaConfiguration(func(_ context.Context, gr schema.GroupResource, ns string) ([]runtime.Object, error) {
		listed[gr] = ns
		return []runtime.Object{&metav1.PartialObjectMetadata{}, &metav1.PartialObjectMetadata{}}, nil
	})
	pools := o2ims.Resource("resourcepools")
	ev := generic.NewRegistry(cfg.Evaluators()).Get(pools)
	if ev == nil {
		t.Fatal("no evaluator for resourcepools")
	}
	name := corev1.ResourceName("count/resourcepools.o2ims.oran.org")
	stats, err := ev.UsageStats(quota.UsageStatsOptions{Namespace: "tenant-x", Resources: []corev1.ResourceName{name}})
	if err != nil {
		t.Fatal(err)
	}
	if got := stats.Used[name]; got.Value() != 2 {
		t.Errorf("usage %v, want 2", stats.Used)
	}
	if listed[pools] != "tenant-x" {
		t.Errorf("listed %v, want resourcepools in tenant-x", listed)
	}
}
