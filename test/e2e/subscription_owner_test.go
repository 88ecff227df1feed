package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/netweave-io/netweave/generated/clientset/versioned"
	"github.com/netweave-io/netweave/internal/localstack"
)

// testSubscriptionOwnership runs on a stack with the notifier. Alice and Bob are two SMOs bound
// to o2ims-subscriber in the shared subscription namespace (o2ims-system) only.
func testSubscriptionOwnership(t *testing.T, s *stack) {
	const shared = localstack.APIServiceNamespace
	for _, u := range []string{localstack.Alice, localstack.Bob} {
		s.kubectl(t, localstack.Admin, "create", "rolebinding", u+"-shared-subscriber", "-n", shared, "--clusterrole=o2ims-subscriber", "--user="+u)
	}

	t.Run("regression: a kubectl subscription in o2ims-system gets no tenant-a changes", func(t *testing.T) {
		r := newReceiver(t)
		// Alice tries to name someone else as the subscriber, both ways the API ever offered.
		manifest := fmt.Sprintf(`apiVersion: o2ims.oran.org/v1alpha1
kind: InventorySubscription
metadata:
  name: alice-kubectl
  namespace: %s
  annotations: {o2ims.oran.org/subscriber: '{"username":"admin","groups":["system:masters"]}'}
spec:
  callback: %s/alice
  subscriber: {username: admin, groups: ["system:masters"]}
`, shared, r.srv.URL)
		eventually(t, 30*time.Second, "alice's binding takes effect", func() error {
			_, stderr, err := s.kubectlStdin(t, localstack.Alice, manifest, "create", "-f", "-")
			if err != nil {
				return errorf("%v: %s", err, stderr)
			}
			return nil
		})
		// The uid too (the token file gives alice the uid "alice"), which kube-apiserver passes
		// on only with --requestheader-uid-headers (regression: kubectl-made subscriptions
		// recorded none, so a user re-created under the same name would own them).
		if got := s.kubectl(t, localstack.Admin, "get", "isub", "alice-kubectl", "-n", shared, "-o", "jsonpath={.spec.subscriber.username}/{.spec.subscriber.uid}/{.spec.subscriber.groups}"); !strings.HasPrefix(got, "alice/alice/") || strings.Contains(got, "system:masters") {
			t.Errorf("spec.subscriber = %q, want alice (uid alice) as authenticated", got)
		}
		// An update cannot hand the subscription to someone else either.
		s.kubectl(t, localstack.Admin, "patch", "isub", "alice-kubectl", "-n", shared, "--type=merge", "-p", `{"spec":{"subscriber":{"username":"admin"}}}`)
		if got := s.kubectl(t, localstack.Admin, "get", "isub", "alice-kubectl", "-n", shared, "-o", "jsonpath={.spec.subscriber.username}"); got != "alice" {
			t.Errorf("after a patch spec.subscriber.username = %q", got)
		}

		// A pool in tenant-a (no rights for alice), then one alice may read. The notifier
		// handles changes in order, so once the second arrives the first was decided.
		s.kubectl(t, localstack.Admin, "create", "namespace", "owner-tenant-a")
		pool := `apiVersion: o2ims.oran.org/v1alpha1
kind: ResourcePool
metadata: {name: %s, namespace: %s}
spec: {name: %s}
`
		for _, p := range [][2]string{{"leak", "owner-tenant-a"}, {"visible", shared}} {
			if out, stderr, err := s.kubectlStdin(t, localstack.Admin, fmt.Sprintf(pool, p[0], p[1], p[0]), "apply", "-f", "-"); err != nil {
				t.Fatalf("apply: %v\n%s%s", err, out, stderr)
			}
		}
		eventually(t, 30*time.Second, "alice is notified of the pool she may read", func() error {
			if len(r.about("visible")) == 0 {
				return errorf("no notification about visible (got %d in all)", len(r.all()))
			}
			return nil
		})
		if n := len(r.about("leak")); n != 0 {
			t.Errorf("alice received %d notifications about a pool in a namespace she cannot read", n)
		}
	})

	t.Run("regression: a second SMO on the default apiRoot cannot list or delete the first's subscriptions", func(t *testing.T) {
		alice, bob, admin := s.o2As(t, localstack.Alice), s.o2As(t, localstack.Bob), s.o2As(t, localstack.Admin)
		code, _, body := alice.do(http.MethodPost, inventoryAPI+"/v1/subscriptions", `{"callback":"https://smo-a.example.net/cb?token=alice-secret"}`)
		if code != http.StatusCreated {
			t.Fatalf("alice subscribes: %d %s", code, body)
		}
		var sub map[string]any
		if err := json.Unmarshal(body, &sub); err != nil {
			t.Fatal(err)
		}
		id := sub["subscriptionId"].(string)

		code, _, body = bob.do(http.MethodGet, inventoryAPI+"/v1/subscriptions", "")
		if code != http.StatusOK || strings.Contains(string(body), id) || strings.Contains(string(body), "alice-secret") {
			t.Errorf("bob lists subscriptions: %d %s", code, body)
		}
		bob.json(inventoryAPI+"/v1/subscriptions/"+id, http.StatusNotFound, nil)
		if code, _, body := bob.do(http.MethodDelete, inventoryAPI+"/v1/subscriptions/"+id, ""); code != http.StatusNotFound {
			t.Errorf("bob deletes alice's subscription: %d %s, want 404", code, body)
		}
		// The same callback is bob's own business: it is not a duplicate of alice's, and the
		// answer names no id of hers.
		code, _, body = bob.do(http.MethodPost, inventoryAPI+"/v1/subscriptions", `{"callback":"https://smo-a.example.net/cb?token=alice-secret"}`)
		if code != http.StatusCreated || strings.Contains(string(body), id) {
			t.Errorf("bob subscribes the same callback: %d %s", code, body)
		}

		// The Kubernetes face holds the same line in the shared namespace.
		out := s.kubectl(t, localstack.Bob, "get", "isub", "-n", shared, "-o", "jsonpath={.items[*].spec.subscriptionId}")
		if strings.Contains(out, id) {
			t.Errorf("kubectl as bob lists alice's subscription: %s", out)
		}
		name := s.kubectl(t, localstack.Admin, "get", "isub", "-n", shared, "--field-selector", "spec.subscriptionId="+id, "-o", "jsonpath={.items[0].metadata.name}")
		for _, verb := range [][]string{{"get", "isub", name}, {"delete", "isub", name}} {
			if stderr := s.kubectlErr(t, localstack.Bob, append(verb, "-n", shared)...); !strings.Contains(stderr, "NotFound") && !strings.Contains(stderr, "not found") {
				t.Errorf("kubectl %v as bob: want NotFound, got %s", verb, stderr)
			}
		}
		// kubectl delete --all deletes what bob can list: his own. DeleteCollection, which the
		// store would run over every object, is refused (by RBAC here; a role that grants it
		// without manage-others meets the registry's refusal).
		s.kubectl(t, localstack.Bob, "delete", "isub", "--all", "-n", shared)
		if _, err := s.admin(t).O2imsV1alpha1().InventorySubscriptions(shared).Get(context.Background(), name, metav1.GetOptions{}); err != nil {
			t.Errorf("alice's subscription after bob's kubectl delete --all: %v", err)
		}
		bobClient, err := versioned.NewForConfig(s.cp.RESTConfig(localstack.Bob))
		if err != nil {
			t.Fatal(err)
		}
		err = bobClient.O2imsV1alpha1().InventorySubscriptions(shared).DeleteCollection(context.Background(), metav1.DeleteOptions{}, metav1.ListOptions{})
		if !isStatus(err, http.StatusForbidden) {
			t.Errorf("deletecollection as bob: %v, want 403", err)
		}
		// Nor can bob learn that the id exists by choosing it: ids are the server's to assign.
		probe := fmt.Sprintf(`{"apiVersion":"o2ims.oran.org/v1alpha1","kind":"InventorySubscription","metadata":{"name":"probe"},"spec":{"callback":"https://bob.example.net/cb","subscriptionId":%q}}`, id)
		for _, dry := range []string{"--dry-run=server", "--dry-run=none"} {
			_, stderr, err := s.kubectlStdin(t, localstack.Bob, probe, "create", "-n", shared, dry, "-f", "-")
			if err == nil || strings.Contains(stderr, "AlreadyExists") || strings.Contains(stderr, "already") || !strings.Contains(stderr, "the server assigns the ids of inventorysubscriptions") {
				t.Errorf("bob creates a subscription with alice's id (%s): %v %s", dry, err, stderr)
			}
		}

		// Whoever holds manage-others (system:masters holds every verb) sees them all.
		code, _, body = admin.do(http.MethodGet, inventoryAPI+"/v1/subscriptions", "")
		if code != http.StatusOK || !strings.Contains(string(body), id) {
			t.Errorf("admin lists subscriptions: %d %s", code, body)
		}
		// Alice deletes her own.
		if code, _, body := alice.do(http.MethodDelete, inventoryAPI+"/v1/subscriptions/"+id, ""); code != http.StatusOK {
			t.Errorf("alice deletes her subscription: %d %s", code, body)
		}
		if _, err := s.admin(t).O2imsV1alpha1().InventorySubscriptions(shared).Get(context.Background(), name, metav1.GetOptions{}); err == nil {
			t.Errorf("alice's subscription %s still exists", name)
		}
	})

	t.Run("POST to a namespace the caller may not create in reveals nothing", func(t *testing.T) {
		bob := s.o2As(t, localstack.Bob)
		s.kubectl(t, localstack.Admin, "create", "namespace", "owner-tenant-c")
		for _, cb := range []string{"https://smo-c.example.net/cb", "http://169.254.169.254/latest"} {
			code, _, body := bob.do(http.MethodPost, "/tenants/owner-tenant-c"+inventoryAPI+"/v1/subscriptions", `{"callback":"`+cb+`"}`)
			if code != http.StatusForbidden {
				t.Errorf("bob POSTs %s in a namespace he has no rights in: %d %s, want 403", cb, code, body)
			}
		}
	})
}
