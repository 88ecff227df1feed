package kube

import (
	"context"
	"encoding/json"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/apimachinery/pkg/version"
	fakediscovery "k8s.io/client-go/discovery/fake"
	"k8s.io/client-go/informers"
	kubefake "k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
	"k8s.io/client-go/tools/cache"

	o2listers "github.com/netweave-io/netweave/generated/listers/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/pkg/inventory"
)

// sharedNotifier reports each SharedChanged on a channel.
type sharedNotifier struct {
	nopNotifier
	shared chan struct{}
}

func (n sharedNotifier) SharedChanged() {
	select {
	case n.shared <- struct{}{}:
	default:
	}
}

func kubernetesVersionOf(t *testing.T, s *inventory.Shared) (string, bool) {
	t.Helper()
	if len(s.DeploymentManagers) != 1 {
		t.Fatalf("deployment managers: %d, want 1", len(s.DeploymentManagers))
	}
	raw, ok := s.DeploymentManagers[0].Spec.Capabilities["kubernetesVersion"]
	if !ok {
		return "", false
	}
	var v string
	if err := json.Unmarshal(raw.Raw, &v); err != nil {
		t.Fatalf("kubernetesVersion %s: %v", raw.Raw, err)
	}
	return v, true
}

// The cluster's /version was read once, at the start of a sync (each leader term for the local
// cluster, each (re)start of a member's sync, where it shares a 15 s budget with the kube-system
// lookup). A read that failed or timed out was only logged: the DeploymentManager was rewritten
// without capabilities.kubernetesVersion (a CHANGE notification to every SMO for a cluster
// whose version did not change), and stayed so until the sync restarted. Now the stored
// DeploymentManager's version is kept while /version cannot be read, and the read is retried
// until it answers.
func TestRegressionKubernetesVersionKeptWhenVersionReadFails(t *testing.T) {
	ids := testIDs(t)
	kc := kubefake.NewSimpleClientset(&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "kube-system", UID: "ks-uid"}})
	disc := &fakediscovery.FakeDiscovery{Fake: &kc.Fake, FakedServerVersion: &version.Info{GitVersion: "v1.31.2"}}
	// /version fails at sync start and on the first retry, then answers.
	var reads atomic.Int32
	kc.PrependReactor("get", "version", func(k8stesting.Action) (bool, runtime.Object, error) {
		if reads.Add(1) <= 2 {
			return true, nil, errors.New("context deadline exceeded")
		}
		return false, nil, nil
	})
	factory := informers.NewSharedInformerFactory(kc, 0)
	defer factory.Shutdown() // after cancel: the informers stop when ctx ends
	ctx, cancel := context.WithTimeout(context.Background(), wait.ForeverTestTimeout)
	defer cancel()
	info, err := ClusterInfoFrom(ctx, kc, ClusterInfo{Name: "edge-1", URL: "https://edge-1:6443"})
	if err != nil {
		t.Fatalf("ClusterInfoFrom: %v", err)
	}
	if info.Version != "" {
		t.Fatalf("version read despite the failing /version: %q", info.Version)
	}

	// What the previous sync stored.
	managers := cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{cache.NamespaceIndex: cache.MetaNamespaceIndexFunc})
	stored := DeploymentManager(ids, "o2ims-system", ClusterInfo{Name: "edge-1", URL: "https://edge-1:6443", UID: "ks-uid", Version: "v1.30.1"},
		newClusterTotals(), nil, nil)
	if err := managers.Add(stored); err != nil {
		t.Fatal(err)
	}
	pools := o2listers.NewResourcePoolLister(cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{}))
	a := NewAdapter(Config{IDs: ids, Namespace: "o2ims-system", PoolLabel: DefaultPoolLabel, Cluster: info,
		Managers: o2listers.NewDeploymentManagerLister(managers)}, factory, pools, disc, nil)
	a.versionRetry = wait.Backoff{Duration: time.Millisecond, Factor: 1, Steps: 1000}
	n := sharedNotifier{shared: make(chan struct{}, 1)}
	if err := a.Start(ctx, n); err != nil {
		t.Fatalf("Adapter.Start: %v", err)
	}
	// Informer events at start may have signalled already; only the version matters below.
	s, err := a.Shared()
	if err != nil {
		t.Fatal(err)
	}
	if v, ok := kubernetesVersionOf(t, s); !ok || v != "v1.30.1" && v != "v1.31.2" {
		t.Fatalf("kubernetesVersion = %q (present %v) after a failed /version read; want the stored v1.30.1 (or the refreshed v1.31.2), not erased", v, ok)
	}
	// The retry reads the version and asks for the shared objects to be recomputed.
	for {
		s, err := a.Shared()
		if err != nil {
			t.Fatal(err)
		}
		if v, _ := kubernetesVersionOf(t, s); v == "v1.31.2" {
			break
		}
		select {
		case <-n.shared:
		case <-ctx.Done():
			t.Fatalf("kubernetesVersion never refreshed from /version (reads: %d)", reads.Load())
		}
	}
}
