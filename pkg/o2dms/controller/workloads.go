package controller

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/restmapper"

	"github.com/netweave-io/netweave/apis/o2dms/v1alpha1"
	"github.com/netweave-io/netweave/apis/o2dms/validation"
	"github.com/netweave-io/netweave/pkg/helmrelease"
	"github.com/netweave-io/netweave/pkg/netclass"
)

// Workloads reports the objects of a release manifest and their readiness in the target.
type Workloads interface {
	Status(ctx context.Context, t helmrelease.Target, manifest string) ([]v1alpha1.WorkloadStatus, error)
}

// ManifestObjects lists the objects of a rendered release manifest (apiVersion, kind, name,
// namespace: the target namespace where the manifest sets none), in manifest order. A list
// document (`kind: List`, any `items` list) stands for its items: Helm applies them one by one
// but records the list as the chart rendered it. Objects without an apiVersion, kind or name
// are left out: Helm applies no such object, and status validation refuses a workload without
// one (every status write of the NfDeployment would be a 422).
func ManifestObjects(manifest, namespace string) ([]v1alpha1.WorkloadStatus, error) {
	var out []v1alpha1.WorkloadStatus
	var add func(u *unstructured.Unstructured) error
	add = func(u *unstructured.Unstructured) error {
		if u.IsList() {
			l, err := u.ToList()
			if err != nil {
				return fmt.Errorf("read the list %s of the release manifest: %w", u.GetKind(), err)
			}
			for i := range l.Items {
				if err := add(&l.Items[i]); err != nil {
					return err
				}
			}
			return nil
		}
		if u.GetAPIVersion() == "" || u.GetKind() == "" || u.GetName() == "" {
			return nil
		}
		ns := u.GetNamespace()
		if ns == "" {
			ns = namespace
		}
		out = append(out, v1alpha1.WorkloadStatus{APIVersion: u.GetAPIVersion(), Kind: u.GetKind(), Name: u.GetName(), Namespace: ns})
		return nil
	}
	r := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewBufferString(manifest)))
	for {
		doc, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("read the release manifest: %w", err)
		}
		if len(bytes.TrimSpace(doc)) == 0 {
			continue
		}
		var u unstructured.Unstructured
		if err := utilyaml.Unmarshal(doc, &u.Object); err != nil {
			return nil, fmt.Errorf("parse the release manifest: %w", err)
		}
		if u.Object == nil {
			continue
		}
		if err := add(&u); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// ClusterWorkloads reads the objects from the target cluster with the target's credentials.
type ClusterWorkloads struct {
	// ReadTimeout bounds one Status call, all its reads together (DefaultWorkloadReadTimeout
	// when zero): each read of a target ends within a minute (members.DefaultRequestTimeout),
	// but a release names as many objects as its manifest holds, and a target that answers
	// each read slowly (a tenant's cluster) would otherwise hold a worker, which every tenant's
	// NfDeployments share, for hours.
	ReadTimeout time.Duration
}

// DefaultWorkloadReadTimeout is ClusterWorkloads.ReadTimeout when unset.
const DefaultWorkloadReadTimeout = time.Minute

// maxWorkloadReads bounds the objects of one release Status reads: the status lists no more
// (validation.MaxStatusWorkloads), and a chart (or a release record written in the target
// namespace) may name hundreds of thousands, one request each, every resync.
const maxWorkloadReads = validation.MaxStatusWorkloads

// Status implements Workloads: Deployments are ready when every replica of the current
// generation is available, StatefulSets when every replica is ready, DaemonSets when every
// scheduled pod is ready; any other object when it exists. Cluster-scoped objects are listed
// as they exist (the namespace-scoped identity may not read them: reported, not an error).
func (c ClusterWorkloads) Status(ctx context.Context, t helmrelease.Target, manifest string) ([]v1alpha1.WorkloadStatus, error) {
	objs, err := ManifestObjects(manifest, t.Namespace)
	if err != nil || len(objs) == 0 {
		return objs, err
	}
	dc, err := discovery.NewDiscoveryClientForConfig(t.Config)
	if err != nil {
		return nil, err
	}
	mapper := restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(dc))
	dyn, err := dynamic.NewForConfig(t.Config)
	if err != nil {
		return nil, err
	}
	timeout := c.ReadTimeout
	if timeout <= 0 {
		timeout = DefaultWorkloadReadTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	for i := range objs {
		o := &objs[i]
		if i >= maxWorkloadReads {
			o.Message = fmt.Sprintf("not read: the release has more than %d objects", maxWorkloadReads)
			continue
		}
		if ctx.Err() != nil {
			o.Message = fmt.Sprintf("not read: reading the release's objects took longer than %s", timeout)
			continue
		}
		gv, err := schema.ParseGroupVersion(o.APIVersion)
		if err != nil {
			o.Message = err.Error()
			continue
		}
		m, err := mapper.RESTMapping(gv.WithKind(o.Kind).GroupKind(), gv.Version)
		if err != nil {
			o.Message = "kind not served by the target cluster"
			continue
		}
		var ri dynamic.ResourceInterface = dyn.Resource(m.Resource)
		if m.Scope.Name() == meta.RESTScopeNameNamespace {
			ri = dyn.Resource(m.Resource).Namespace(o.Namespace)
		} else {
			o.Namespace = ""
		}
		u, err := ri.Get(ctx, o.Name, metav1.GetOptions{})
		switch {
		case apierrors.IsNotFound(err):
			o.Message = "not found in the target cluster"
			continue
		case err != nil:
			// The class only: the target may be a tenant's cluster, and its answer (or where
			// it failed) is not for the status to carry (see targetFailure).
			o.Message = "could not be read from the target cluster: " + netclass.APIServer(err)
			continue
		}
		o.Ready, o.Message = readiness(u)
	}
	return objs, nil
}

// readiness says whether an object the target reports is ready, and why.
func readiness(u *unstructured.Unstructured) (bool, string) {
	num := func(path ...string) int64 {
		v, _, _ := unstructured.NestedInt64(u.Object, path...)
		return v
	}
	generationSeen := num("status", "observedGeneration") >= u.GetGeneration()
	switch u.GroupVersionKind().GroupKind() {
	case schema.GroupKind{Group: "apps", Kind: "Deployment"}:
		want, found, _ := unstructured.NestedInt64(u.Object, "spec", "replicas")
		if !found {
			want = 1
		}
		have := num("status", "availableReplicas")
		return generationSeen && have >= want, fmt.Sprintf("%d/%d replicas available", have, want)
	case schema.GroupKind{Group: "apps", Kind: "StatefulSet"}:
		want, found, _ := unstructured.NestedInt64(u.Object, "spec", "replicas")
		if !found {
			want = 1
		}
		have := num("status", "readyReplicas")
		return generationSeen && have >= want, fmt.Sprintf("%d/%d replicas ready", have, want)
	case schema.GroupKind{Group: "apps", Kind: "DaemonSet"}:
		want, have := num("status", "desiredNumberScheduled"), num("status", "numberReady")
		return generationSeen && have >= want, fmt.Sprintf("%d/%d scheduled pods ready", have, want)
	}
	return true, "exists"
}

// sortedWorkloads orders workloads for a stable status.
func sortedWorkloads(w []v1alpha1.WorkloadStatus) []v1alpha1.WorkloadStatus {
	sort.SliceStable(w, func(i, j int) bool {
		if w[i].Kind != w[j].Kind {
			return w[i].Kind < w[j].Kind
		}
		return w[i].Name < w[j].Name
	})
	return w
}
