package k8sprofile

import (
	"context"
	"errors"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/pkg/inventory/members"
)

func optIn(ns, name, kubeconfig string) *corev1.Secret {
	return &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Labels: map[string]string{v1alpha1.LabelMemberCluster: "true"}},
		Data: map[string][]byte{v1alpha1.SecretKeyKubeconfig: []byte(kubeconfig)}}
}

func capi(ns, cluster, kubeconfig string) *corev1.Secret {
	return &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: cluster + "-kubeconfig", Labels: map[string]string{members.CAPIClusterLabel: cluster}},
		Type: members.CAPISecretType, Data: map[string][]byte{v1alpha1.SecretKeyCAPIKubeconfig: []byte(kubeconfig)}}
}

// TestKubeconfigOf: a member's kubeconfig comes from its opt-in Secret or, in the listed
// namespaces only, its Cluster API Secret; two different kubeconfigs for one member give none,
// since this replica cannot know which one the sync uses.
func TestKubeconfigOf(t *testing.T) {
	for _, tc := range []struct {
		name    string
		objs    []runtime.Object
		member  string
		want    string
		wantErr error
	}{
		{"opt-in", []runtime.Object{optIn("o2ims-system", "edge-1", "a")}, "edge-1", "a", nil},
		{"cluster api, listed", []runtime.Object{capi("capi-a", "edge-2", "b")}, "edge-2", "b", nil},
		{"cluster api, unlisted", []runtime.Object{capi("capi-b", "edge-2", "b")}, "edge-2", "", ErrUnknownCluster},
		{"same kubeconfig twice", []runtime.Object{optIn("o2ims-system", "edge-2", "b"), capi("capi-a", "edge-2", "b")}, "edge-2", "b", nil},
		{"two kubeconfigs", []runtime.Object{optIn("o2ims-system", "edge-2", "a"), capi("capi-a", "edge-2", "b")}, "edge-2", "", ErrUnknownCluster},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := NewProvider(Config{Secrets: fake.NewClientset(tc.objs...), Namespace: "o2ims-system", CAPINamespaces: []string{"capi-a"}})
			got, err := p.kubeconfigOf(context.Background(), tc.member)
			if string(got) != tc.want || !errors.Is(err, tc.wantErr) {
				t.Errorf("kubeconfigOf(%s) = %q, %v; want %q, %v", tc.member, got, err, tc.want, tc.wantErr)
			}
		})
	}
}
