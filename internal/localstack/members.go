package localstack

import (
	"context"
	"fmt"
	"os"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	o2v1 "github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
)

// MemberSecretName is the name RegisterMember gives the registration Secret of member name:
// Cluster API's, so docs/multicluster.md's naming rule (less "-kubeconfig") gives back name.
func MemberSecretName(name string) string { return name + "-kubeconfig" }

// RegisterMember registers member as member cluster name of the netweave watching central, as
// an operator does (docs/multicluster.md): a Secret in namespace (the inventory namespace)
// labelled o2ims.oran.org/member-cluster=true holding the member's Admin kubeconfig under
// Cluster API's key. The local stack hands netweave the member's admin identity because it
// also issues Kubernetes-profile tokens there; a real install grants the narrower role the
// document lists. An existing Secret is replaced, so a re-registered member's kubeconfig is
// the current one.
func RegisterMember(ctx context.Context, central *ControlPlane, namespace, name string, member *ControlPlane) error {
	kubeconfig, err := os.ReadFile(member.Kubeconfig(Admin))
	if err != nil {
		return fmt.Errorf("register member %s: %w", name, err)
	}
	client, err := kubernetes.NewForConfig(central.RESTConfig(Admin))
	if err != nil {
		return fmt.Errorf("register member %s: %w", name, err)
	}
	secret := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: MemberSecretName(name), Namespace: namespace,
			Labels: map[string]string{o2v1.LabelMemberCluster: "true"}},
		Data: map[string][]byte{o2v1.SecretKeyCAPIKubeconfig: kubeconfig},
	}
	secrets := client.CoreV1().Secrets(namespace)
	_, err = secrets.Create(ctx, secret, metav1.CreateOptions{})
	if apierrors.IsAlreadyExists(err) {
		_, err = secrets.Update(ctx, secret, metav1.UpdateOptions{})
	}
	if err != nil {
		return fmt.Errorf("register member %s: %w", name, err)
	}
	return nil
}

// UnregisterMember deletes the registration Secret RegisterMember made, which removes the
// member's inventory; a Secret already gone is not an error.
func UnregisterMember(ctx context.Context, central *ControlPlane, namespace, name string) error {
	client, err := kubernetes.NewForConfig(central.RESTConfig(Admin))
	if err != nil {
		return fmt.Errorf("unregister member %s: %w", name, err)
	}
	err = client.CoreV1().Secrets(namespace).Delete(ctx, MemberSecretName(name), metav1.DeleteOptions{})
	if err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("unregister member %s: %w", name, err)
	}
	return nil
}
