package controller

import (
	"context"
	"errors"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
	clusterv1 "sigs.k8s.io/cluster-api/api/core/v1beta2"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
)

// TestRegressionFailedAdoptionHidesTheOrphan (found by review): after a store wipe the operator is told to watch
// netweave_provisioning_orphaned_clusters fall to 0 as the SMOs submit their requests again,
// each adopting its Cluster. When the adoption's patch fails (an admission policy refusing the
// relabel, a conflict, the server unavailable), the Cluster is still nobody's, but the
// re-submitted request's reconcile stopped counting it ("Cluster no longer orphaned"), and a
// refusal left the request without any status, retried with backoff forever. A failed adoption
// now keeps the Cluster counted, and a refusal is FAILED ClusterRefused saying why.
func TestRegressionFailedAdoptionHidesTheOrphan(t *testing.T) {
	for name, refusal := range map[string]error{
		"refused":     apierrors.NewForbidden(schema.GroupResource{Group: "cluster.x-k8s.io", Resource: "clusters"}, ClusterName("tenant-a", id), errors.New("labels of Clusters are immutable (policy)")),
		"unavailable": apierrors.NewServiceUnavailable("etcd leader changed"),
	} {
		t.Run(name, func(t *testing.T) {
			f := newFixture(t, []*clusterv1.Cluster{lostRequestCluster("demo")}, request("tenant-a"), template("v1.33.0"))
			f.r.orphans = newOrphans(nil)
			// Before the request comes back, the Cluster is counted.
			f.r.orphans.keys["tenant-a/"+ClusterName("tenant-a", id)] = struct{}{}
			refuseClusters(f, "patch", refusal)
			err := f.r.reconcile(context.Background(), "tenant-a/"+id)
			if c := f.cluster(t, "tenant-a"); c.Labels[v1alpha1.LabelProvisioningRequestUID] != "uid-0" {
				t.Fatalf("setup: the Cluster was adopted: %v", c.Labels)
			}
			if _, ok := f.r.orphans.keys["tenant-a/"+ClusterName("tenant-a", id)]; !ok {
				t.Errorf("adoption failed (%v) but the Cluster is no longer counted orphaned: %v", err, f.r.orphans.keys)
			}
			if name == "refused" {
				got := f.request(t, "tenant-a").Status
				if err != nil || got.ProvisioningPhase != v1alpha1.ProvisioningPhaseFailed || !strings.Contains(got.Message, "immutable") {
					t.Errorf("adoption refused: reconcile error %v, request %q %q; want FAILED saying why, not retried", err, got.ProvisioningPhase, got.Message)
				}
			} else if err == nil {
				t.Error("adoption failed on an error that may pass, not retried")
			}
		})
	}
}
