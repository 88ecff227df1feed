package e2e

import (
	"context"
	"net/http"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/netweave-io/netweave/internal/localstack"
)

// TestRegressionSharedSubscriptionNamespaceDeleted: deleting the shared subscription namespace
// (the default apiRoot's, where every SMO's subscriptions live) left it Terminating for good
// once two SMOs had subscribed. kube-controller-manager's namespace controller empties a
// namespace with deletecollection as its own ServiceAccount, whose bootstrap role may delete
// every resource but holds no custom verb, and netweave refused deletecollection there without
// manage-others (namespace condition NamespaceDeletionContentFailure, retried forever). The
// local control plane runs the controllers as their ServiceAccounts, as real clusters do.
func TestRegressionSharedSubscriptionNamespaceDeleted(t *testing.T) {
	t.Parallel()
	const shared = "smo-shared"
	s := startStack(t, "--o2ims-subscription-namespace="+shared)
	s.kubectl(t, localstack.Admin, "create", "namespace", shared)
	for _, u := range []string{localstack.Alice, localstack.Bob} {
		s.kubectl(t, localstack.Admin, "create", "rolebinding", u+"-shared-subscriber", "-n", shared, "--clusterrole=o2ims-subscriber", "--user="+u)
	}
	for _, u := range []string{localstack.Alice, localstack.Bob} {
		smo := s.o2As(t, u)
		eventually(t, 30*time.Second, u+" subscribes on the default apiRoot", func() error {
			if code, _, body := smo.do(http.MethodPost, inventoryAPI+"/v1/subscriptions", `{"callback":"https://`+u+`.example.net/cb"}`); code != http.StatusCreated {
				return errorf("%d %s", code, body)
			}
			return nil
		})
	}
	admin := s.admin(t)
	if subs, err := admin.O2imsV1alpha1().InventorySubscriptions(shared).List(context.Background(), metav1.ListOptions{}); err != nil || len(subs.Items) != 2 {
		t.Fatalf("subscriptions in %s before its deletion: %v (err %v), want alice's and bob's", shared, subs, err)
	}

	kube, err := kubernetes.NewForConfig(s.cp.RESTConfig(localstack.Admin))
	if err != nil {
		t.Fatal(err)
	}
	if err := kube.CoreV1().Namespaces().Delete(context.Background(), shared, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, 2*time.Minute, "the namespace controller deletes "+shared, func() error {
		ns, err := kube.CoreV1().Namespaces().Get(context.Background(), shared, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return nil
		}
		if err != nil {
			return err
		}
		for _, c := range ns.Status.Conditions {
			if c.Type == corev1.NamespaceDeletionContentFailure && c.Status == corev1.ConditionTrue {
				return errorf("still %s: %s", ns.Status.Phase, c.Message)
			}
		}
		return errorf("still %s", ns.Status.Phase)
	})
	if subs, err := admin.O2imsV1alpha1().InventorySubscriptions(shared).List(context.Background(), metav1.ListOptions{}); err != nil || len(subs.Items) != 0 {
		t.Errorf("subscriptions left in the deleted namespace %s: %v (err %v)", shared, subs, err)
	}
}
