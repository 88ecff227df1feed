package e2e

import (
	"context"
	"net/http"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	o2v1 "github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/generated/clientset/versioned"
	"github.com/netweave-io/netweave/internal/localstack"
)

// testBadInput checks that invalid requests get the Kubernetes error a user expects and leave
// what is stored untouched.
func testBadInput(t *testing.T, s *stack) {
	admin := localstack.Admin
	apply := func(t *testing.T, manifest string) string {
		t.Helper()
		out, stderr, err := s.kubectlStdin(t, admin, manifest, "apply", "-f", "-")
		if err == nil {
			t.Fatalf("apply should fail:\n%s", out)
		}
		return stderr
	}

	t.Run("invalid enum is 422 with the field path", func(t *testing.T) {
		stderr := apply(t, `apiVersion: o2ims.oran.org/v1alpha1
kind: ResourceType
metadata: {name: squishy, namespace: o2ims-demo}
spec: {name: squishy, resourceKind: SQUISHY}
`)
		if !strings.Contains(stderr, "spec.resourceKind") || !strings.Contains(stderr, "Unsupported value") {
			t.Errorf("want an Unsupported value error on spec.resourceKind:\n%s", stderr)
		}
	})

	t.Run("malformed reference is 422 with the field path", func(t *testing.T) {
		stderr := apply(t, `apiVersion: o2ims.oran.org/v1alpha1
kind: Resource
metadata: {name: orphan, namespace: o2ims-demo}
spec: {resourcePoolId: not-a-uuid, resourceTypeId: 56337d0e-8bee-47d3-afcb-3c621cffa2b7}
`)
		if !strings.Contains(stderr, "spec.resourcePoolId") || !strings.Contains(stderr, "must be a UUID") {
			t.Errorf("want an invalid spec.resourcePoolId:\n%s", stderr)
		}
	})

	t.Run("unknown fields are rejected", func(t *testing.T) {
		stderr := apply(t, `apiVersion: o2ims.oran.org/v1alpha1
kind: Location
metadata: {name: bogus, namespace: o2ims-demo}
spec: {globalLocationId: X, name: X, bogus: true}
`)
		if !strings.Contains(stderr, `unknown field "spec.bogus"`) {
			t.Errorf("want unknown field spec.bogus:\n%s", stderr)
		}
	})

	t.Run("O2 ids are immutable", func(t *testing.T) {
		stderr := s.kubectlErr(t, admin, "patch", "resource", "worker-1", "-n", demoNS, "--type=merge",
			"-p", `{"spec":{"resourceId":"00000000-0000-0000-0000-000000000001"}}`)
		if !strings.Contains(stderr, "spec.resourceId") || !strings.Contains(stderr, "field is immutable") {
			t.Errorf("want spec.resourceId immutable:\n%s", stderr)
		}
	})

	t.Run("stale resourceVersion is 409", func(t *testing.T) {
		ctx := context.Background()
		client, err := versioned.NewForConfig(s.cp.RESTConfig(admin))
		if err != nil {
			t.Fatal(err)
		}
		res := client.O2imsV1alpha1().O2Resources(demoNS)
		stale, err := res.Get(ctx, "worker-1", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		fresh := stale.DeepCopy()
		fresh.Spec.Tags = append(fresh.Spec.Tags, "fresh")
		if _, err := res.Update(ctx, fresh, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
		stale.Spec.Tags = []string{"stale"}
		_, err = res.Update(ctx, stale, metav1.UpdateOptions{})
		if !isStatus(err, http.StatusConflict) {
			t.Fatalf("update with a stale resourceVersion: want 409, got %v", err)
		}
		got, err := res.Get(ctx, "worker-1", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if got.Spec.ResourceID != worker1ID || !strings.Contains(strings.Join(got.Spec.Tags, ","), "fresh") {
			t.Errorf("a rejected update changed the stored object: %+v", got.Spec)
		}
	})

	t.Run("duplicate O2 id is 409", func(t *testing.T) {
		ctx := context.Background()
		client, err := versioned.NewForConfig(s.cp.RESTConfig(admin))
		if err != nil {
			t.Fatal(err)
		}
		pools := client.O2imsV1alpha1().ResourcePools(demoNS)
		before, err := pools.Get(ctx, "ran-workers", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		// Another namespace, so only the id can clash, not the name.
		s.kubectl(t, admin, "create", "namespace", "o2ims-dup")
		stderr := apply(t, `apiVersion: o2ims.oran.org/v1alpha1
kind: ResourcePool
metadata: {name: ran-workers-copy, namespace: o2ims-dup}
spec: {name: copy, resourcePoolId: `+ranWorkersPool+`}
`)
		for _, want := range []string{"(Conflict)", "spec.resourcePoolId " + ranWorkersPool, "already used by another object"} {
			if !strings.Contains(stderr, want) {
				t.Errorf("duplicate id: want %q in\n%s", want, stderr)
			}
		}
		dup := before.DeepCopy()
		dup.ObjectMeta = metav1.ObjectMeta{Name: "ran-workers-copy-2", Namespace: "o2ims-dup"}
		dup.Status = o2v1.ResourcePoolStatus{}
		if _, err := client.O2imsV1alpha1().ResourcePools("o2ims-dup").Create(ctx, dup, metav1.CreateOptions{}); !isStatus(err, http.StatusConflict) {
			t.Errorf("client-go create with a held id: want 409, got %v", err)
		}
		// A server-side dry run promises only what a real create would do.
		_, stderr, err = s.kubectlStdin(t, admin, `apiVersion: o2ims.oran.org/v1alpha1
kind: ResourcePool
metadata: {name: ran-workers-dry, namespace: o2ims-dup}
spec: {name: dry, resourcePoolId: `+strings.ToUpper(ranWorkersPool)+`}
`, "apply", "--dry-run=server", "-f", "-")
		if err == nil || !strings.Contains(stderr, "(Conflict)") {
			t.Errorf("dry-run create with a held id: want a conflict, got err=%v\n%s", err, stderr)
		}
		if out, _, err := s.kubectlStdin(t, admin, `apiVersion: o2ims.oran.org/v1alpha1
kind: ResourcePool
metadata: {name: ran-workers-dry, namespace: o2ims-dup}
spec: {name: dry, resourcePoolId: 0f0e0d0c-0b0a-4908-8706-050403020100}
`, "apply", "--dry-run=server", "-f", "-"); err != nil {
			t.Errorf("dry-run create with a free id: %v\n%s", err, out)
		}

		after, err := pools.Get(ctx, "ran-workers", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if after.ResourceVersion != before.ResourceVersion || after.Spec.ResourcePoolID != ranWorkersPool {
			t.Errorf("the original changed: rv %s -> %s, id %s", before.ResourceVersion, after.ResourceVersion, after.Spec.ResourcePoolID)
		}
		out := s.kubectl(t, admin, "get", "resourcepools", "-A", "--field-selector", "spec.resourcePoolId="+ranWorkersPool,
			"-o", "jsonpath={range .items[*]}{.metadata.namespace}/{.metadata.name} {end}")
		if strings.TrimSpace(out) != "o2ims-demo/ran-workers" {
			t.Errorf("field selector on the id: want only the original, got %q", out)
		}
	})

	t.Run("the OCloud is a singleton", func(t *testing.T) {
		stderr := apply(t, `apiVersion: o2ims.oran.org/v1alpha1
kind: OCloud
metadata: {name: second}
spec: {name: second}
`)
		if !strings.Contains(stderr, "metadata.name") || !strings.Contains(stderr, "singleton") {
			t.Errorf("want the singleton error:\n%s", stderr)
		}
	})
}

func newLocation(name string) *o2v1.Location {
	return &o2v1.Location{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: demoNS},
		Spec:       o2v1.LocationSpec{GlobalLocationID: "LOC-" + name, Name: name},
	}
}
