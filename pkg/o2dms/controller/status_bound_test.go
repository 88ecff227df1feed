package controller

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	chart "helm.sh/helm/v4/pkg/chart/v2"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	k8stesting "k8s.io/client-go/testing"
	"k8s.io/client-go/tools/cache"

	"github.com/netweave-io/netweave/apis/o2dms"
	v1alpha1 "github.com/netweave-io/netweave/apis/o2dms/v1alpha1"
	"github.com/netweave-io/netweave/apis/o2dms/validation"
	o2fake "github.com/netweave-io/netweave/generated/clientset/versioned/fake"
	o2dmslisters "github.com/netweave-io/netweave/generated/listers/o2dms/v1alpha1"
	o2imslisters "github.com/netweave-io/netweave/generated/listers/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/pkg/helmrelease"
)

type boundTargets struct{}

func (boundTargets) Target(context.Context, string, string) (helmrelease.Target, error) {
	return helmrelease.Target{Namespace: "tenant-a"}, nil
}

type boundCharts struct{}

func (boundCharts) Fetch(context.Context, helmrelease.Source) (*helmrelease.Fetched, error) {
	return &helmrelease.Fetched{Chart: &chart.Chart{Metadata: &chart.Metadata{Name: "nf", Version: "1.0.0"}}}, nil
}

// boundReleases: no release yet; Apply answers applyErr, or a deployed release.
type boundReleases struct{ applyErr error }

func (r *boundReleases) Apply(_ context.Context, _ helmrelease.Target, name string, _ *chart.Chart, values map[string]any, chartID string) (*helmrelease.Release, error) {
	if r.applyErr != nil {
		return nil, r.applyErr
	}
	return &helmrelease.Release{Name: name, Revision: 1, Status: "deployed", ChartVersion: "1.0.0", ChartID: chartID, ValuesHash: helmrelease.ValuesHash(values)}, nil
}
func (r *boundReleases) Rollback(context.Context, helmrelease.Target, string, int) (*helmrelease.Release, error) {
	return nil, errors.New("unexpected")
}
func (r *boundReleases) Uninstall(context.Context, helmrelease.Target, string, helmrelease.Unowned) error {
	return nil
}
func (r *boundReleases) RecordOwner(context.Context, helmrelease.Target, string) error { return nil }
func (r *boundReleases) Get(context.Context, helmrelease.Target, string) (*helmrelease.Release, error) {
	return nil, helmrelease.ErrNotFound
}
func (r *boundReleases) History(context.Context, helmrelease.Target, string) ([]helmrelease.Revision, error) {
	return []helmrelease.Revision{{Revision: 1, Status: "deployed", ChartVersion: "1.0.0"}}, nil
}

type boundWorkloads struct{ n int }

func (w boundWorkloads) Status(context.Context, helmrelease.Target, string) ([]v1alpha1.WorkloadStatus, error) {
	out := make([]v1alpha1.WorkloadStatus, 0, w.n)
	for i := range w.n {
		out = append(out, v1alpha1.WorkloadStatus{APIVersion: "v1", Kind: "ConfigMap", Name: fmt.Sprintf("cm-%04d", i), Namespace: "tenant-a", Ready: true})
	}
	return out, nil
}

// boundController is a controller over fakes whose status endpoint validates as the server's
// does (validation.ValidateNfDeploymentStatus, a 422 otherwise).
func boundController(t *testing.T, releases Releases, workloads Workloads) (*Controller, *o2fake.Clientset, string) {
	t.Helper()
	d := &v1alpha1.NfDeployment{ObjectMeta: metav1.ObjectMeta{Name: "nf", Namespace: "tenant-a", Generation: 1, ResourceVersion: "1", Finalizers: []string{v1alpha1.FinalizerRelease}},
		Spec: v1alpha1.NfDeploymentSpec{DescriptorRef: v1alpha1.DescriptorReference{Name: "d"}, DeploymentManagerID: "dm", TargetNamespace: "tenant-a"}}
	desc := &v1alpha1.NfDeploymentDescriptor{ObjectMeta: metav1.ObjectMeta{Name: "d", Namespace: "tenant-a"},
		Spec: v1alpha1.NfDeploymentDescriptorSpec{Version: "1.0.0", Chart: v1alpha1.ChartSource{Repository: &v1alpha1.RepositoryChartSource{URL: "https://charts.example", Name: "nf"}}}}
	client := o2fake.NewSimpleClientset(d.DeepCopy(), desc.DeepCopy())
	client.PrependReactor("update", "nfdeployments", func(a k8stesting.Action) (bool, runtime.Object, error) {
		if a.GetSubresource() != "status" {
			return false, nil, nil
		}
		obj := a.(k8stesting.UpdateAction).GetObject().(*v1alpha1.NfDeployment)
		var st o2dms.NfDeploymentStatus
		if err := v1alpha1.Convert_v1alpha1_NfDeploymentStatus_To_o2dms_NfDeploymentStatus(&obj.Status, &st, nil); err != nil {
			return true, nil, err
		}
		if errs := validation.ValidateNfDeploymentStatus(&st); len(errs) > 0 {
			return true, nil, apierrors.NewInvalid(schema.GroupKind{Group: "o2dms.oran.org", Kind: "NfDeployment"}, obj.Name, errs)
		}
		return false, nil, nil
	})
	idx := func(objs ...any) cache.Indexer {
		i := cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{cache.NamespaceIndex: cache.MetaNamespaceIndexFunc})
		for _, o := range objs {
			if err := i.Add(o); err != nil {
				t.Fatal(err)
			}
		}
		return i
	}
	c := New(Config{Client: client, InventoryNamespace: "o2ims-system", Releases: releases, Charts: boundCharts{}, Targets: boundTargets{},
		Workloads: workloads, Now: func() time.Time { return time.Unix(0, 0) }})
	c.deployments = o2dmslisters.NewNfDeploymentLister(idx(d))
	c.descriptors = o2dmslisters.NewNfDeploymentDescriptorLister(idx(desc))
	c.managers = o2imslisters.NewDeploymentManagerLister(idx())
	return c, client, "tenant-a/nf"
}

func boundStored(t *testing.T, client *o2fake.Clientset) *v1alpha1.NfDeployment {
	t.Helper()
	d, err := client.O2dmsV1alpha1().NfDeployments("tenant-a").Get(context.Background(), "nf", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestRegressionStatusTheServerWouldRefuseIsBounded (found by review): the controller copied a
// Helm error and a release's objects into status.message and status.workloads unbounded. A
// failure with a long message (a chart's schema refusing many values, a template's fail) or a
// release of more than 1024 objects made every status write a 422: the NfDeployment showed
// INSTALLING, with no reason, for good. What it writes is bounded as validation bounds it.
func TestRegressionStatusTheServerWouldRefuseIsBounded(t *testing.T) {
	ctx := context.Background()
	t.Run("a long Helm failure", func(t *testing.T) {
		long := errors.New("values don't meet the specifications of the schema(s):\n" + strings.Repeat("- at '/items/0': got string, want integer\n", 1000))
		c, client, key := boundController(t, &boundReleases{applyErr: long}, boundWorkloads{})
		_, err := c.reconcile(ctx, key)
		got := boundStored(t, client)
		if got.Status.Phase != v1alpha1.NfDeploymentFailed {
			t.Errorf("install failed with a %d-byte error: stored phase %s (message %q…), want FAILED; reconcile: %.300v",
				len(long.Error()), got.Status.Phase, got.Status.Message, err)
		}
	})
	t.Run("a release of more than 1024 objects", func(t *testing.T) {
		c, client, key := boundController(t, &boundReleases{}, boundWorkloads{n: 1100})
		_, err := c.reconcile(ctx, key)
		got := boundStored(t, client)
		if got.Status.Phase != v1alpha1.NfDeploymentDeployed {
			t.Errorf("release installed: stored phase %s (%q), want DEPLOYED; reconcile: %.300v", got.Status.Phase, got.Status.Message, err)
		}
	})
}

// TestBoundStatusKeepsWhatMatters: the workloads not ready are kept first, the newest
// revisions are kept, and the message is cut on a rune boundary.
func TestBoundStatusKeepsWhatMatters(t *testing.T) {
	s := v1alpha1.NfDeploymentStatus{Message: strings.Repeat("é", validation.MaxStatusMessage)}
	for i := range validation.MaxStatusWorkloads + 10 {
		s.Workloads = append(s.Workloads, v1alpha1.WorkloadStatus{APIVersion: "v1", Kind: "ConfigMap", Name: fmt.Sprintf("cm-%04d", i), Ready: i%100 != 99})
	}
	for i := range validation.MaxStatusHistory + 5 {
		s.History = append(s.History, v1alpha1.RevisionRecord{Revision: int64(i + 1)})
	}
	boundStatus(&s)
	if len(s.Message) > validation.MaxStatusMessage || !utf8.ValidString(s.Message) {
		t.Errorf("message of %d bytes, valid UTF-8 %v", len(s.Message), utf8.ValidString(s.Message))
	}
	if len(s.History) != validation.MaxStatusHistory || s.History[len(s.History)-1].Revision != validation.MaxStatusHistory+5 {
		t.Errorf("history of %d, newest %d", len(s.History), s.History[len(s.History)-1].Revision)
	}
	notReady := 0
	for _, w := range s.Workloads {
		if !w.Ready {
			notReady++
		}
	}
	if len(s.Workloads) != validation.MaxStatusWorkloads || notReady != 10 {
		t.Errorf("%d workloads, %d not ready; want %d, every one of the 10 not ready", len(s.Workloads), notReady, validation.MaxStatusWorkloads)
	}
}

// listManifest is what Helm records as the manifest of a chart whose template is a v1 List:
// Helm's kube client applies the items one by one, the manifest keeps the List as rendered.
const listManifest = `---
# Source: nf/templates/list.yaml
apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: ConfigMap
  metadata:
    name: a
  data: {k: v}
- apiVersion: v1
  kind: List
  items:
  - apiVersion: v1
    kind: Secret
    metadata:
      name: b
      namespace: other
`

// manifestWorkloads reports the release's objects as ClusterWorkloads does when the target
// cannot be read: ManifestObjects, each with a message. nameless adds a workload without a
// name, as a Workloads implementation might.
type manifestWorkloads struct{ nameless bool }

func (w manifestWorkloads) Status(_ context.Context, t helmrelease.Target, manifest string) ([]v1alpha1.WorkloadStatus, error) {
	objs, err := ManifestObjects(manifest, t.Namespace)
	if w.nameless {
		objs = append(objs, v1alpha1.WorkloadStatus{APIVersion: "v1", Kind: "List", Namespace: t.Namespace})
	}
	for i := range objs {
		objs[i].Message = "kind not served by the target cluster"
	}
	return objs, err
}

// manifestReleases: boundReleases whose installed release has the List manifest.
type manifestReleases struct{ boundReleases }

func (r *manifestReleases) Apply(ctx context.Context, t helmrelease.Target, name string, ch *chart.Chart, values map[string]any, chartID string) (*helmrelease.Release, error) {
	rel, err := r.boundReleases.Apply(ctx, t, name, ch, values, chartID)
	if rel != nil {
		rel.Manifest = listManifest
	}
	return rel, err
}

// TestRegressionListChartReleaseIsRecordedDeployed (found by review): a chart with a `kind: List`
// template installs (Helm applies the items), but its manifest keeps the List, and the
// controller listed it as one workload without a name. Status validation requires a name, so
// every status write was a 422: the NfDeployment showed INSTALLING with no reason for good,
// retried forever, although the release ran. A List now stands for its items (nested ones
// too), and a workload without a name, whatever reports it, is left out of the status.
func TestRegressionListChartReleaseIsRecordedDeployed(t *testing.T) {
	objs, err := ManifestObjects(listManifest, "tenant-a")
	if err != nil {
		t.Fatal(err)
	}
	want := []v1alpha1.WorkloadStatus{
		{APIVersion: "v1", Kind: "ConfigMap", Name: "a", Namespace: "tenant-a"},
		{APIVersion: "v1", Kind: "Secret", Name: "b", Namespace: "other"},
	}
	if fmt.Sprint(objs) != fmt.Sprint(want) {
		t.Errorf("objects of a List manifest: %+v, want its items %+v", objs, want)
	}
	for _, w := range []manifestWorkloads{{}, {nameless: true}} {
		c, client, key := boundController(t, &manifestReleases{}, w)
		_, err = c.reconcile(context.Background(), key)
		got := boundStored(t, client)
		if got.Status.Phase != v1alpha1.NfDeploymentDeployed || len(got.Status.Workloads) != len(want) {
			t.Errorf("release installed (a nameless workload reported: %v): stored phase %s (%q), %d workloads, want DEPLOYED with %d; reconcile: %.300v",
				w.nameless, got.Status.Phase, got.Status.Message, len(got.Status.Workloads), len(want), err)
		}
	}
}
