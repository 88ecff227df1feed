package e2e

import (
	"context"
	"fmt"
	"testing"
	"time"

	authorizationv1 "k8s.io/api/authorization/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	o2v1 "github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/generated/clientset/versioned"
	"github.com/netweave-io/netweave/internal/localstack"
)

// TestClusterControllers shows netweave behaving like a built-in API under the controllers of
// a real cluster (kube-controller-manager runs in the local control plane): the shipped
// ClusterRoles aggregate into admin/edit/view, deleting a namespace deletes its O2 objects and
// completes, and the garbage collector deletes an O2 object whose owner is gone.
func TestClusterControllers(t *testing.T) {
	t.Parallel()
	s := startStack(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cfg := s.cp.RESTConfig(localstack.Admin)
	kube := kubernetes.NewForConfigOrDie(cfg)
	o2 := versioned.NewForConfigOrDie(cfg)

	t.Run("the o2ims ClusterRoles aggregate into admin and view", func(t *testing.T) {
		const ns = "agg-tenant"
		if _, err := kube.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		// alice gets only the built-in admin role in the namespace, bob only view.
		for user, role := range map[string]string{localstack.Alice: "admin", localstack.Bob: "view"} {
			rb := &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: user + "-" + role, Namespace: ns},
				RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: role},
				Subjects: []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: user}}}
			if _, err := kube.RbacV1().RoleBindings(ns).Create(ctx, rb, metav1.CreateOptions{}); err != nil {
				t.Fatal(err)
			}
		}
		can := func(user, verb string) (bool, error) {
			r, err := kube.AuthorizationV1().SubjectAccessReviews().Create(ctx, &authorizationv1.SubjectAccessReview{Spec: authorizationv1.SubjectAccessReviewSpec{
				User: user, ResourceAttributes: &authorizationv1.ResourceAttributes{
					Namespace: ns, Verb: verb, Group: o2v1.GroupName, Resource: "resourcepools"}}}, metav1.CreateOptions{})
			if err != nil {
				return false, err
			}
			return r.Status.Allowed, nil
		}
		for _, c := range []struct {
			user, verb string
			want       bool
		}{{localstack.Alice, "create", true}, {localstack.Alice, "list", true}, {localstack.Bob, "list", true}, {localstack.Bob, "create", false}} {
			eventually(t, syncWait, fmt.Sprintf("%s may %s resourcepools: %v", c.user, c.verb, c.want), func() error {
				got, err := can(c.user, c.verb)
				if err != nil {
					return err
				}
				if got != c.want {
					return fmt.Errorf("allowed %v", got)
				}
				return nil
			})
		}
		// And through netweave itself: alice, with nothing but admin, creates a pool.
		alice := versioned.NewForConfigOrDie(s.cp.RESTConfig(localstack.Alice))
		if _, err := alice.O2imsV1alpha1().ResourcePools(ns).Create(ctx, &o2v1.ResourcePool{
			ObjectMeta: metav1.ObjectMeta{Name: "alice-pool"}, Spec: o2v1.ResourcePoolSpec{Name: "alice-pool"}}, metav1.CreateOptions{}); err != nil {
			t.Fatalf("alice, admin of %s, creates a ResourcePool: %v", ns, err)
		}
	})

	t.Run("deleting a namespace deletes its O2 objects and completes", func(t *testing.T) {
		const ns = "doomed-tenant"
		if _, err := kube.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		if _, err := o2.O2imsV1alpha1().ResourcePools(ns).Create(ctx, &o2v1.ResourcePool{
			ObjectMeta: metav1.ObjectMeta{Name: "pool"}, Spec: o2v1.ResourcePoolSpec{Name: "pool"}}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		if _, err := o2.O2imsV1alpha1().Locations(ns).Create(ctx, &o2v1.Location{ObjectMeta: metav1.ObjectMeta{Name: "doomed-loc"},
			Spec: o2v1.LocationSpec{GlobalLocationID: "LOC-doomed", Name: "doomed"}}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		if err := kube.CoreV1().Namespaces().Delete(ctx, ns, metav1.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
		eventually(t, 2*time.Minute, "namespace "+ns+" is gone", func() error {
			n, err := kube.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{})
			if apierrors.IsNotFound(err) {
				return nil
			}
			if err != nil {
				return err
			}
			return fmt.Errorf("phase %s, conditions %v", n.Status.Phase, n.Status.Conditions)
		})
		pools, err := o2.O2imsV1alpha1().ResourcePools(ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			t.Fatal(err)
		}
		locs, err := o2.O2imsV1alpha1().Locations(ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if len(pools.Items)+len(locs.Items) != 0 {
			t.Errorf("after the namespace was deleted: %d pools, %d locations remain in it", len(pools.Items), len(locs.Items))
		}
	})

	t.Run("the garbage collector deletes an O2 object whose owner is gone", func(t *testing.T) {
		const ns = "gc-tenant"
		if _, err := kube.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		owner, err := kube.CoreV1().ConfigMaps(ns).Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "owner"}}, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		pool := &o2v1.ResourcePool{ObjectMeta: metav1.ObjectMeta{Name: "owned", OwnerReferences: []metav1.OwnerReference{{
			APIVersion: "v1", Kind: "ConfigMap", Name: owner.Name, UID: owner.UID}}}, Spec: o2v1.ResourcePoolSpec{Name: "owned"}}
		if _, err := o2.O2imsV1alpha1().ResourcePools(ns).Create(ctx, pool, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		if err := kube.CoreV1().ConfigMaps(ns).Delete(ctx, owner.Name, metav1.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
		eventually(t, 2*time.Minute, "the owned pool is collected", func() error {
			_, err := o2.O2imsV1alpha1().ResourcePools(ns).Get(ctx, "owned", metav1.GetOptions{})
			if apierrors.IsNotFound(err) {
				return nil
			}
			if err != nil {
				return err
			}
			return fmt.Errorf("still there")
		})
	})
}
