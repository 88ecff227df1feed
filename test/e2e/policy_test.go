package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	o2v1 "github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/generated/clientset/versioned"
	"github.com/netweave-io/netweave/internal/localstack"
)

const (
	policyTenant = "tenant-x"
	// quotaReady bounds how long kube-controller-manager's resourcequota controller takes to
	// discover the aggregated o2ims.oran.org resources (it re-reads discovery every 30s) and
	// to write a quota's first status.used, or to recount after a delete.
	quotaReady = 3 * time.Minute
	// policyReady bounds how long netweave's admission takes to see a new policy and binding
	// through its informers.
	policyReady = time.Minute
)

// policyManifests are the operator's governance rules for tenant-x, written as any cluster's:
// a ResourceQuota of O2 object counts and two CEL ValidatingAdmissionPolicies, bound to tenant-x
// only. docs/policy.md has the same recipes.
const policyManifests = `apiVersion: v1
kind: ResourceQuota
metadata: {name: o2-objects, namespace: tenant-x}
spec:
  hard:
    count/resourcepools.o2ims.oran.org: "2"
    count/inventorysubscriptions.o2ims.oran.org: "1"
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: o2-callbacks-https-smo}
spec:
  failurePolicy: Fail
  matchConstraints:
    resourceRules:
    - apiGroups: [o2ims.oran.org]
      apiVersions: ["*"]
      operations: [CREATE, UPDATE]
      resources: [inventorysubscriptions, alarmsubscriptions]
  validations:
  - expression: "object.spec.callback.matches('^https://[^/:]+[.]smo[.]example(:[0-9]+)?(/.*)?$')"
    message: "callbacks must be https to *.smo.example"
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: {name: o2-callbacks-https-smo}
spec:
  policyName: o2-callbacks-https-smo
  validationActions: [Deny]
  matchResources:
    namespaceSelector:
      matchLabels: {kubernetes.io/metadata.name: tenant-x}
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: o2-pools-site-y}
spec:
  failurePolicy: Fail
  matchConstraints:
    resourceRules:
    - apiGroups: [o2ims.oran.org]
      apiVersions: ["*"]
      operations: [CREATE, UPDATE]
      resources: [resourcepools]
  validations:
  - expression: "has(object.spec.location) && object.spec.location == 'site-y'"
    message: "ResourcePools in tenant-x must be at site-y"
    reason: Forbidden
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: {name: o2-pools-site-y}
spec:
  policyName: o2-pools-site-y
  validationActions: [Deny]
  matchResources:
    namespaceSelector:
      matchLabels: {kubernetes.io/metadata.name: tenant-x}
`

// TestTenantPolicy shows an operator governing a tenant with the Kubernetes machinery they
// already use: a ResourceQuota counting O2 objects and CEL ValidatingAdmissionPolicies,
// enforced by netweave's admission chain on both faces, with the reasons reaching kubectl and
// the SMO (as ProblemDetails), and nothing stored by a refused request.
func TestTenantPolicy(t *testing.T) {
	t.Parallel()
	s := startStack(t)
	ctx := context.Background()
	admin := localstack.Admin
	s.kubectl(t, admin, "create", "namespace", policyTenant)
	s.kubectl(t, admin, "create", "rolebinding", "alice-admin", "-n", policyTenant, "--clusterrole=o2ims-admin", "--user=alice")
	if out, stderr, err := s.kubectlStdin(t, admin, policyManifests, "apply", "-f", "-"); err != nil {
		t.Fatalf("apply the policies: %v\n%s%s", err, out, stderr)
	}
	kube, err := kubernetes.NewForConfig(s.cp.RESTConfig(admin))
	if err != nil {
		t.Fatal(err)
	}
	o2, err := versioned.NewForConfig(s.cp.RESTConfig(localstack.Alice))
	if err != nil {
		t.Fatal(err)
	}
	pools := o2.O2imsV1alpha1().ResourcePools(policyTenant)
	subs := o2.O2imsV1alpha1().InventorySubscriptions(policyTenant)
	pool := func(name, location string) *o2v1.ResourcePool {
		return &o2v1.ResourcePool{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: o2v1.ResourcePoolSpec{Name: name, Location: location}}
	}
	dryRun := metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}}

	// Both machineries start out of sync: the quota has no usage until the controller counted
	// it, the policies reach netweave through informers. Dry runs go through the whole admission
	// chain without storing or charging anything, so they probe safely.
	waitQuotaCounted(t, kube, policyTenant, "o2-objects", "count/resourcepools.o2ims.oran.org", "count/inventorysubscriptions.o2ims.oran.org")
	eventually(t, policyReady, "the pool policy is enforced", func() error {
		_, err := pools.Create(ctx, pool("probe", "site-z"), dryRun)
		if !isStatus(err, http.StatusForbidden) || !strings.Contains(err.Error(), "ResourcePools in tenant-x must be at site-y") {
			return errorf("dry-run create of a pool at site-z: %v", err)
		}
		return nil
	})
	eventually(t, policyReady, "the callback policy is enforced", func() error {
		_, err := subs.Create(ctx, &o2v1.InventorySubscription{ObjectMeta: metav1.ObjectMeta{Name: "probe"}, Spec: o2v1.InventorySubscriptionSpec{Callback: "http://cb.smo.example/n"}}, dryRun)
		if !isStatus(err, http.StatusUnprocessableEntity) || !strings.Contains(err.Error(), "callbacks must be https to *.smo.example") {
			return errorf("dry-run create of an http subscription: %v", err)
		}
		return nil
	})

	t.Run("a CEL policy refuses pools elsewhere than site-y on the kubectl face", func(t *testing.T) {
		_, err := pools.Create(ctx, pool("elsewhere", "site-z"), metav1.CreateOptions{})
		if !isStatus(err, http.StatusForbidden) || !strings.Contains(err.Error(), "ValidatingAdmissionPolicy 'o2-pools-site-y'") {
			t.Fatalf("pool at site-z: want 403 from the policy, got %v", err)
		}
		out, stderr, err := s.kubectlStdin(t, localstack.Alice, "apiVersion: o2ims.oran.org/v1alpha1\nkind: ResourcePool\nmetadata: {name: elsewhere, namespace: tenant-x}\nspec: {name: elsewhere, location: site-z}\n", "create", "-f", "-")
		if err == nil || !strings.Contains(stderr, "ResourcePools in tenant-x must be at site-y") {
			t.Errorf("kubectl create of a pool at site-z: want the policy's message, got %v\n%s%s", err, out, stderr)
		}
		assertNames(t, "pools", listPools(t, pools), "")
	})

	t.Run("the pool quota holds on the kubectl face and frees on delete", func(t *testing.T) {
		for _, name := range []string{"pool-1", "pool-2"} {
			if _, err := pools.Create(ctx, pool(name, "site-y"), metav1.CreateOptions{}); err != nil {
				t.Fatalf("create %s within the quota: %v", name, err)
			}
		}
		_, err := pools.Create(ctx, pool("pool-3", "site-y"), metav1.CreateOptions{})
		if !isStatus(err, http.StatusForbidden) || !strings.Contains(err.Error(), "exceeded quota: o2-objects") {
			t.Fatalf("third pool: want 403 exceeded quota, got %v", err)
		}
		out, stderr, err := s.kubectlStdin(t, localstack.Alice, "apiVersion: o2ims.oran.org/v1alpha1\nkind: ResourcePool\nmetadata: {name: pool-3, namespace: tenant-x}\nspec: {name: pool-3, location: site-y}\n", "create", "-f", "-")
		if err == nil || !strings.Contains(stderr, "exceeded quota: o2-objects") {
			t.Errorf("kubectl create of a third pool: want exceeded quota, got %v\n%s%s", err, out, stderr)
		}
		assertNames(t, "pools", listPools(t, pools), "pool-1,pool-2")

		if err := pools.Delete(ctx, "pool-1", metav1.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
		// The controller recounts on the delete; until then the plugin still charges the old
		// usage, so the create is retried until the quota has room.
		eventually(t, quotaReady, "the deleted pool's share is free again", func() error {
			_, err := pools.Create(ctx, pool("pool-3", "site-y"), metav1.CreateOptions{})
			return err
		})
		assertNames(t, "pools", listPools(t, pools), "pool-2,pool-3")
	})

	alice := s.o2As(t, localstack.Alice)
	tenantSubs := "/tenants/" + policyTenant + inventoryAPI + "/v1/subscriptions"

	t.Run("the callback policy refuses http callbacks on both faces and allows https to *.smo.example", func(t *testing.T) {
		_, err := subs.Create(ctx, &o2v1.InventorySubscription{ObjectMeta: metav1.ObjectMeta{Name: "plain-http"}, Spec: o2v1.InventorySubscriptionSpec{Callback: "http://cb.smo.example/n"}}, metav1.CreateOptions{})
		if !isStatus(err, http.StatusUnprocessableEntity) || !strings.Contains(err.Error(), "callbacks must be https to *.smo.example") {
			t.Errorf("client-go create with an http callback: want 422 from the policy, got %v", err)
		}
		for _, cb := range []string{"http://cb.smo.example/n", "https://cb.elsewhere.example/n"} {
			expectProblem(t, alice, tenantSubs, cb, http.StatusUnprocessableEntity, []string{"ValidatingAdmissionPolicy 'o2-callbacks-https-smo'", "callbacks must be https to *.smo.example"}, nil)
		}
		assertNames(t, "subscriptions", listSubs(t, subs), "")

		code, _, body := alice.do(http.MethodPost, tenantSubs, `{"callback":"https://cb.smo.example/n"}`)
		if code != http.StatusCreated {
			t.Fatalf("O2 POST with an https callback to cb.smo.example: %d %s", code, body)
		}
	})

	t.Run("the subscription quota refuses the next one on both faces with the reason", func(t *testing.T) {
		// The https subscription above used the only one; the usage the admission plugin
		// charged for it is what refuses the next.
		expectProblem(t, alice, tenantSubs, "https://other.smo.example/n", http.StatusForbidden, []string{"exceeded quota: o2-objects", "used: count/inventorysubscriptions.o2ims.oran.org=1"}, nil)
		_, err := subs.Create(ctx, &o2v1.InventorySubscription{ObjectMeta: metav1.ObjectMeta{Name: "third"}, Spec: o2v1.InventorySubscriptionSpec{Callback: "https://third.smo.example/n"}}, metav1.CreateOptions{})
		if !isStatus(err, http.StatusForbidden) || !strings.Contains(err.Error(), "exceeded quota: o2-objects") {
			t.Errorf("client-go create beyond the quota: want 403 exceeded quota, got %v", err)
		}
		if got := listSubs(t, subs); len(got) != 1 {
			t.Errorf("subscriptions stored after the refusals: %v, want only the admitted one", got)
		}
	})

	t.Run("a quota in the shared subscription namespace does not tell one SMO the others' usage", func(t *testing.T) {
		const shared = localstack.APIServiceNamespace
		for _, u := range []string{localstack.Alice, localstack.Bob} {
			s.kubectl(t, admin, "create", "rolebinding", u+"-shared-subscriber", "-n", shared, "--clusterrole=o2ims-subscriber", "--user="+u)
		}
		if _, err := kube.CoreV1().ResourceQuotas(shared).Create(ctx, &corev1.ResourceQuota{
			ObjectMeta: metav1.ObjectMeta{Name: "smo-subscriptions"},
			Spec:       corev1.ResourceQuotaSpec{Hard: corev1.ResourceList{"count/inventorysubscriptions.o2ims.oran.org": resource.MustParse("1")}},
		}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		waitQuotaCounted(t, kube, shared, "smo-subscriptions", "count/inventorysubscriptions.o2ims.oran.org")
		eventually(t, 30*time.Second, "alice subscribes on the default apiRoot", func() error {
			if code, _, body := alice.do(http.MethodPost, inventoryAPI+"/v1/subscriptions", `{"callback":"https://alice.smo.example/n"}`); code != http.StatusCreated {
				return errorf("%d %s", code, body)
			}
			return nil
		})
		expectProblem(t, s.o2As(t, localstack.Bob), inventoryAPI+"/v1/subscriptions", "https://bob.smo.example/n", http.StatusForbidden,
			[]string{"exceeded quota: smo-subscriptions", "shared subscription namespace"}, []string{"used:", "=1"})
	})
}

// waitQuotaCounted waits until the quota's status.used has every resource in names: the
// admission plugin refuses what a quota covers until then ("status unknown for quota").
func waitQuotaCounted(t *testing.T, kube kubernetes.Interface, ns, name string, names ...corev1.ResourceName) {
	t.Helper()
	eventually(t, quotaReady, fmt.Sprintf("quota %s/%s is counted", ns, name), func() error {
		q, err := kube.CoreV1().ResourceQuotas(ns).Get(context.Background(), name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		for _, n := range names {
			if _, ok := q.Status.Used[n]; !ok {
				return errorf("status.used %v has no %s", q.Status.Used, n)
			}
		}
		return nil
	})
}

// expectProblem POSTs a subscription with callback over the O2 face and checks the refusal:
// status, application/problem+json, and a detail that says every want and none of notWant.
func expectProblem(t *testing.T, c *o2Client, path, callback string, status int, want, notWant []string) {
	t.Helper()
	code, hdr, body := c.do(http.MethodPost, path, `{"callback":"`+callback+`"}`)
	if code != status || hdr.Get("Content-Type") != "application/problem+json" {
		t.Fatalf("POST %s callback %s: %d %s %s, want %d problem+json", path, callback, code, hdr.Get("Content-Type"), body, status)
	}
	var p struct {
		Status int
		Detail string
	}
	if err := json.Unmarshal(body, &p); err != nil || p.Status != status {
		t.Fatalf("problem %s: %v", body, err)
	}
	for _, w := range want {
		if !strings.Contains(p.Detail, w) {
			t.Errorf("POST callback %s: detail %q does not say %q", callback, p.Detail, w)
		}
	}
	for _, w := range notWant {
		if strings.Contains(p.Detail, w) {
			t.Errorf("POST callback %s: detail %q says %q", callback, p.Detail, w)
		}
	}
}

func listPools(t *testing.T, c interface {
	List(context.Context, metav1.ListOptions) (*o2v1.ResourcePoolList, error)
}) []string {
	t.Helper()
	l, err := c.List(context.Background(), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, p := range l.Items {
		out = append(out, p.Name)
	}
	return out
}

func listSubs(t *testing.T, c interface {
	List(context.Context, metav1.ListOptions) (*o2v1.InventorySubscriptionList, error)
}) []string {
	t.Helper()
	l, err := c.List(context.Background(), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, p := range l.Items {
		out = append(out, p.Name)
	}
	return out
}

func assertNames(t *testing.T, what string, got []string, want string) {
	t.Helper()
	if strings.Join(got, ",") != want {
		t.Errorf("%s stored: %v, want %q", what, got, want)
	}
}
