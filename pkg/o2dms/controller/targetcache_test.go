package controller

import (
	"context"
	"errors"
	"net"
	"sync/atomic"
	"testing"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/rest"
	k8stesting "k8s.io/client-go/testing"
	"k8s.io/client-go/tools/cache"

	o2imsv1 "github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	o2imslisters "github.com/netweave-io/netweave/generated/listers/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/pkg/helmrelease"
	"github.com/netweave-io/netweave/pkg/inventory"
	"github.com/netweave-io/netweave/pkg/inventory/members"
	"github.com/netweave-io/netweave/pkg/k8sprofile"
)

// TestRegressionCachedCredentialsOutliveTheirDeploymentManager: the O2-DMS controller reused a
// target's credentials for half their lifetime without looking at the DeploymentManager again,
// so after a cluster was removed from the inventory (its DeploymentManager deleted) NfDeployments
// naming it were still installed there, and after the id was re-synced for another member they
// went to the old cluster. The DeploymentManager is looked up on every call now; the cached
// credentials serve only the same object, cluster and tenant.
func TestRegressionCachedCredentialsOutliveTheirDeploymentManager(t *testing.T) {
	targets, dms, dmFor := newTargetRig(t, nil, nil)
	const id = targetDMID
	if err := dms.Add(dmFor("edge-1", "uid-1")); err != nil {
		t.Fatal(err)
	}
	tgt, err := targets.Target(t.Context(), id, "tenant-a")
	if err != nil || tgt.Config.Host != "https://edge-1:6443" {
		t.Fatalf("target of edge-1: %+v, %v", tgt.Config, err)
	}

	// The cluster leaves the inventory: no more deployments there.
	if err := dms.Delete(dmFor("edge-1", "uid-1")); err != nil {
		t.Fatal(err)
	}
	if tgt, err := targets.Target(t.Context(), id, "tenant-a"); !errors.Is(err, ErrUnknownDeploymentManager) {
		t.Errorf("target of a deleted deployment manager: %v, %v (want %v)", hostOf(tgt), err, ErrUnknownDeploymentManager)
	}

	// The id comes back for another member: its cluster, not the cached one.
	if err := dms.Add(dmFor("edge-2", "uid-2")); err != nil {
		t.Fatal(err)
	}
	if tgt, err := targets.Target(t.Context(), id, "tenant-a"); err != nil || tgt.Config.Host != "https://edge-2:6443" {
		t.Errorf("target after the id moved to edge-2: %v, %v", hostOf(tgt), err)
	}
}

func hostOf(t helmrelease.Target) string {
	if t.Config != nil {
		return t.Config.Host
	}
	return ""
}

// TestRegressionDeploymentTargetDialledWithoutTheMembersAddressCheck: the O2-DMS controller
// reached a member with a configuration of its own, from the profile's endpoint, without the
// address check the profile's (and the inventory sync's) connection to the member made. A
// tenant's member whose name resolved to a public address when the profile issued credentials,
// and to netweave's loopback or the operator's network afterwards, received the deployment
// there. The target now dials through the profile's Dial, at every connection.
func TestRegressionDeploymentTargetDialledWithoutTheMembersAddressCheck(t *testing.T) {
	refused := errors.New("address refused")
	var dialled atomic.Int32
	targets, dms, dmFor := newTargetRig(t, func(context.Context, string, string) (net.Conn, error) {
		dialled.Add(1)
		return nil, refused
	}, nil)
	if err := dms.Add(dmFor("edge-1", "uid-1")); err != nil {
		t.Fatal(err)
	}
	tgt, err := targets.Target(t.Context(), targetDMID, "tenant-a")
	if err != nil {
		t.Fatal(err)
	}
	kc, err := kubernetes.NewForConfig(tgt.Config)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := kc.Discovery().ServerVersion(); !errors.Is(err, refused) || dialled.Load() == 0 {
		t.Errorf("the target's client did not dial through the profile's Dial: %v (%d dials)", err, dialled.Load())
	}
}

const targetDMID = "6c8f3a52-3a0e-4a53-9b5e-6b0a3b8b0a11"

// newTargetRig is ProfileTargets over a profile of members edge-1 and edge-2 (at
// https://<member>:6443, dialled through dial, their API servers' certificates signed by
// ca), the DeploymentManagers it reads, and a DeploymentManager of id targetDMID for a cluster.
func newTargetRig(t *testing.T, dial func(ctx context.Context, network, address string) (net.Conn, error), ca []byte) (*ProfileTargets, cache.Indexer, func(cluster, uid string) *o2imsv1.DeploymentManager) {
	t.Helper()
	const ns, id = "o2ims-system", targetDMID
	secret := func(member string) *corev1.Secret {
		return &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: member, Labels: map[string]string{o2imsv1.LabelMemberCluster: "true"}},
			Data: map[string][]byte{o2imsv1.SecretKeyKubeconfig: []byte(member)}}
	}
	member := fake.NewClientset(&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "tenant-a"}})
	member.PrependReactor("create", "serviceaccounts", func(a k8stesting.Action) (bool, runtime.Object, error) {
		if a.GetSubresource() != "token" {
			return false, nil, nil
		}
		return true, &authenticationv1.TokenRequest{Status: authenticationv1.TokenRequestStatus{Token: "tok", ExpirationTimestamp: metav1.NewTime(time.Now().Add(time.Hour))}}, nil
	})
	profiles := k8sprofile.NewProvider(k8sprofile.Config{Secrets: fake.NewClientset(secret("edge-1"), secret("edge-2")), Namespace: ns,
		Connect: func(reg members.Registration) (kubernetes.Interface, *rest.Config, error) {
			// The kubeconfig names its member, whose API server is https://<member>:6443.
			return member, &rest.Config{Host: "https://" + string(reg.Kubeconfig) + ":6443", Dial: dial, TLSClientConfig: rest.TLSClientConfig{CAData: ca}}, nil
		}})
	dms := cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{cache.NamespaceIndex: cache.MetaNamespaceIndexFunc})
	dmFor := func(cluster, uid string) *o2imsv1.DeploymentManager {
		dm := &o2imsv1.DeploymentManager{ObjectMeta: inventory.ManagedMeta(ns, "dm", "Cluster/"+cluster)}
		dm.UID = types.UID(uid)
		dm.Labels[o2imsv1.LabelCluster] = cluster
		dm.Spec.DeploymentManagerID = id
		return dm
	}
	targets := &ProfileTargets{DeploymentManagers: o2imslisters.NewDeploymentManagerLister(dms), InventoryNamespace: ns, Profiles: profiles}

	return targets, dms, dmFor
}
