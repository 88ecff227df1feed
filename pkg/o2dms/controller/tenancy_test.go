package controller

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1alpha1 "github.com/netweave-io/netweave/apis/o2dms/v1alpha1"
	o2imsv1 "github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	o2fake "github.com/netweave-io/netweave/generated/clientset/versioned/fake"
	o2imslisters "github.com/netweave-io/netweave/generated/listers/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/pkg/helmrelease"
)

// recordingTargets fails every Target call and records it: a test that must reach no cluster.
type recordingTargets struct{ calls []string }

func (r *recordingTargets) Target(_ context.Context, dmID, namespace string) (helmrelease.Target, error) {
	r.calls = append(r.calls, dmID+"/"+namespace)
	return helmrelease.Target{}, errors.New("no cluster in this test")
}

// TestRegressionControllerRefusesAnotherTenantsCluster: the controller re-checks what
// admission checks. An NfDeployment of tenant-a naming the DeploymentManager of a cluster
// tenant-b provisioned (one admitted before admission checked it, or whose cluster became
// tenant-b's since) was installed there: the controller issued a token in that cluster and
// ran tenant-a's release in the cluster tenant-b administers. It now fails with
// DeploymentManagerNotAllowed without reaching the cluster, and its deletion lets it go
// without touching that cluster either. tenant-b's own NfDeployment, and the operator's,
// still reach it.
func TestRegressionControllerRefusesAnotherTenantsCluster(t *testing.T) {
	const inventory = "o2ims-system"
	ctx := context.Background()
	dms := indexerOf(t, &o2imsv1.DeploymentManager{
		ObjectMeta: metav1.ObjectMeta{Namespace: inventory, Name: "tenant-b-edge", Labels: map[string]string{o2imsv1.LabelTenant: "tenant-b"}},
		Spec:       o2imsv1.DeploymentManagerSpec{DeploymentManagerID: "dm-b"},
	})
	nf := func(ns string) *v1alpha1.NfDeployment {
		return &v1alpha1.NfDeployment{ObjectMeta: metav1.ObjectMeta{Name: "nf", Namespace: ns, Generation: 1, Finalizers: []string{v1alpha1.FinalizerRelease}},
			Spec: v1alpha1.NfDeploymentSpec{DescriptorRef: v1alpha1.DescriptorReference{Name: "d", Namespace: inventory}, DeploymentManagerID: "dm-b", TargetNamespace: ns}}
	}
	newController := func(d *v1alpha1.NfDeployment, targets Targets) *Controller {
		c := New(Config{Client: o2fake.NewSimpleClientset(d.DeepCopy()), InventoryNamespace: inventory, Targets: targets,
			Now: func() time.Time { return time.Unix(0, 0) }})
		c.managers = o2imslisters.NewDeploymentManagerLister(dms)
		return c
	}

	targets := &recordingTargets{}
	c := newController(nf("tenant-a"), targets)
	_, err := c.deploy(ctx, nf("tenant-a"))
	var f *failure
	if !errors.As(err, &f) || f.reason != "DeploymentManagerNotAllowed" {
		t.Fatalf("tenant-a's NfDeployment on tenant-b's cluster: %v, want a DeploymentManagerNotAllowed failure", err)
	}
	if strings.Contains(f.statusMessage(), "tenant-b") {
		t.Errorf("status message %q names whose the cluster is", f.statusMessage())
	}
	gone := nf("tenant-a")
	now := metav1.Now()
	gone.DeletionTimestamp = &now
	if err := c.remove(ctx, gone); err != nil {
		t.Fatalf("deleting it: %v", err)
	}
	if len(targets.calls) != 0 {
		t.Errorf("reached the cluster for %v", targets.calls)
	}
	stored, err := c.cfg.Client.O2dmsV1alpha1().NfDeployments("tenant-a").Get(ctx, "nf", metav1.GetOptions{})
	if err != nil || slices.Contains(stored.Finalizers, v1alpha1.FinalizerRelease) {
		t.Errorf("finalizer kept after deletion: %v %v", stored.Finalizers, err)
	}

	for _, ns := range []string{"tenant-b", inventory} {
		if err := newController(nf(ns), &recordingTargets{}).tenancyAllowed(nf(ns)); err != nil {
			t.Errorf("%s's NfDeployment refused: %v", ns, err)
		}
	}
}

// TestRegressionControllerRefusesKubeSystemTarget: the controller re-checks the target
// namespace as admission does, kube-* excluded whatever the mapping says, so an NfDeployment
// of the hub's kube-system admitted before admission refused it never reaches the cluster.
func TestRegressionControllerRefusesKubeSystemTarget(t *testing.T) {
	const inventory = "o2ims-system"
	dms := indexerOf(t, &o2imsv1.DeploymentManager{ObjectMeta: metav1.ObjectMeta{Namespace: inventory, Name: "edge"},
		Spec: o2imsv1.DeploymentManagerSpec{DeploymentManagerID: "dm"}})
	nf := func(ns, target string) *v1alpha1.NfDeployment {
		return &v1alpha1.NfDeployment{ObjectMeta: metav1.ObjectMeta{Name: "nf", Namespace: ns, Generation: 1},
			Spec: v1alpha1.NfDeploymentSpec{DescriptorRef: v1alpha1.DescriptorReference{Name: "d"}, DeploymentManagerID: "dm", TargetNamespace: target}}
	}
	lax := func(ns, _ string) []string { return []string{ns, "kube-public"} }
	c := New(Config{Client: o2fake.NewSimpleClientset(), InventoryNamespace: inventory, Targets: &recordingTargets{}, TargetNamespaces: lax,
		Now: func() time.Time { return time.Unix(0, 0) }})
	c.managers = o2imslisters.NewDeploymentManagerLister(dms)
	for _, d := range []*v1alpha1.NfDeployment{nf("kube-system", "kube-system"), nf("tenant-a", "kube-public")} {
		var f *failure
		if err := c.tenancyAllowed(d); !errors.As(err, &f) || f.reason != "TargetNamespaceNotAllowed" {
			t.Errorf("%s into %s: %v, want TargetNamespaceNotAllowed", d.Namespace, d.Spec.TargetNamespace, err)
		}
	}
	for _, d := range []*v1alpha1.NfDeployment{nf("tenant-a", "tenant-a"), nf(inventory, "kube-system")} {
		if err := c.tenancyAllowed(d); err != nil {
			t.Errorf("%s into %s refused: %v", d.Namespace, d.Spec.TargetNamespace, err)
		}
	}
}

// TestRegressionDeploymentManagerIDInAnotherCase: admission resolves spec.deploymentManagerId
// through the id index, which folds case, and stores it as written; the controller compared
// it byte for byte, so an NfDeployment naming its manager's id in upper case was admitted and
// then never found it (the field is immutable: wedged until deleted). The controller now folds
// as the index does.
func TestRegressionDeploymentManagerIDInAnotherCase(t *testing.T) {
	const inventory, id = "o2ims-system", "abcdef01-2345-4678-9abc-def012345678"
	dms := indexerOf(t, &o2imsv1.DeploymentManager{ObjectMeta: metav1.ObjectMeta{Namespace: inventory, Name: "edge"},
		Spec: o2imsv1.DeploymentManagerSpec{DeploymentManagerID: id}})
	dm, err := deploymentManagerOf(o2imslisters.NewDeploymentManagerLister(dms), inventory, strings.ToUpper(id))
	if err != nil || dm.Name != "edge" {
		t.Errorf("the manager of %s: %v, %v", strings.ToUpper(id), dm, err)
	}
}
