package e2e

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/cache"

	o2v1 "github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/generated/clientset/versioned"
	"github.com/netweave-io/netweave/generated/informers/externalversions"
	"github.com/netweave-io/netweave/internal/localstack"
)

const (
	demoNS         = "o2ims-demo"
	worker1ID      = "5b3a2c1d-0e9f-4a8b-9c7d-6e5f4a3b2c1d"
	ranWorkersPool = "39c85e74-2e98-4e3d-8fec-e5a849d967c6"
)

// TestNetweave drives netweave through the real aggregator the way an admin and client-go
// programs do. The subtests share one stack and run in order: later ones rely on the examples
// applied first, and the last ones restart netweave and stop Redis.
func TestNetweave(t *testing.T) {
	t.Parallel()
	s := startStack(t)
	admin := localstack.Admin

	t.Run("APIService is Available and discovery lists every kind", func(t *testing.T) {
		out := s.kubectl(t, admin, "api-resources", "--api-group=o2ims.oran.org", "-o", "name")
		for _, r := range []string{"oclouds", "resourcetypes", "resourcepools", "resources", "deploymentmanagers", "locations", "ocloudsites", "inventorysubscriptions"} {
			if !strings.Contains(out, r+".o2ims.oran.org") {
				t.Errorf("api-resources: %s missing from\n%s", r, out)
			}
		}
	})

	t.Run("kubectl apply of every example", func(t *testing.T) {
		out := s.kubectl(t, admin, "apply", "-f", filepath.Join(s.root, "artifacts", "examples"))
		for _, want := range []string{"ocloud.o2ims.oran.org/default created", "resourcepool.o2ims.oran.org/ran-workers created",
			"resource.o2ims.oran.org/worker-1 created", "inventorysubscription.o2ims.oran.org/smo-inventory created"} {
			if !strings.Contains(out, want) {
				t.Errorf("apply output lacks %q:\n%s", want, out)
			}
		}
		// Re-applying unchanged manifests is a no-op, as for any Kubernetes object.
		out = s.kubectl(t, admin, "apply", "-f", filepath.Join(s.root, "artifacts", "examples"))
		if !strings.Contains(out, "resource.o2ims.oran.org/worker-1 unchanged") {
			t.Errorf("second apply should leave worker-1 unchanged:\n%s", out)
		}
	})

	t.Run("kubectl get resourcepools shows the table columns", func(t *testing.T) {
		out := s.kubectl(t, admin, "get", "resourcepools", "-n", demoNS)
		header := strings.Fields(strings.SplitN(out, "\n", 2)[0])
		if got, want := strings.Join(header, " "), "NAME O2 ID SITE RESOURCES AGE"; got != want {
			t.Errorf("header = %q, want %q\n%s", got, want, out)
		}
		if !strings.Contains(out, "ran-workers") || !strings.Contains(out, ranWorkersPool) || !strings.Contains(out, "7fd364a0-6d82-4e0c-a418-5c1a2f8b9c3e") {
			t.Errorf("row for ran-workers lacks name, id or site:\n%s", out)
		}
		out = s.kubectl(t, admin, "get", "o2ims", "-n", demoNS, "-o", "name")
		for _, want := range []string{"resource.o2ims.oran.org/worker-2", "location.o2ims.oran.org/toronto-dc1", "deploymentmanager.o2ims.oran.org/edge-cluster"} {
			if !strings.Contains(out, want) {
				t.Errorf("kubectl get o2ims (category) lacks %s:\n%s", want, out)
			}
		}
	})

	t.Run("kubectl explain resourcepool.spec", func(t *testing.T) {
		out := s.kubectl(t, admin, "explain", "resourcepool.spec")
		for _, want := range []string{"resourcePoolId", "oCloudSiteId", "globalLocationId", "O2 identifier"} {
			if !strings.Contains(out, want) {
				t.Errorf("explain lacks %q:\n%s", want, out)
			}
		}
	})

	t.Run("kubectl get resources -w sees a change", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		kubectlBin, err := localstack.KubectlBinary()
		if err != nil {
			t.Fatal(err)
		}
		cmd := exec.CommandContext(ctx, kubectlBin, "--kubeconfig", s.cp.Kubeconfig(admin), "get", "resources", "-n", demoNS,
			"-w", "--output-watch-events", "-o", "custom-columns=EVENT:.type,NAME:.object.metadata.name,DESC:.object.spec.description")
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		defer func() { cancel(); _ = cmd.Wait() }()
		lines := make(chan string)
		go func() {
			sc := bufio.NewScanner(stdout)
			for sc.Scan() {
				lines <- sc.Text()
			}
			close(lines)
		}()
		waitLine := func(match func(string) bool) error {
			for {
				select {
				case l, ok := <-lines:
					if !ok {
						return errors.New("kubectl -w ended")
					}
					if match(l) {
						return nil
					}
				case <-ctx.Done():
					return ctx.Err()
				}
			}
		}
		if err := waitLine(func(l string) bool { return strings.Contains(l, "ADDED") && strings.Contains(l, "worker-1") }); err != nil {
			t.Fatalf("initial ADDED of worker-1: %v", err)
		}
		s.kubectl(t, admin, "patch", "resource", "worker-1", "-n", demoNS, "--type=merge", "-p", `{"spec":{"description":"re-racked"}}`)
		if err := waitLine(func(l string) bool {
			return strings.Contains(l, "MODIFIED") && strings.Contains(l, "worker-1") && strings.Contains(l, "re-racked")
		}); err != nil {
			t.Fatalf("MODIFIED of worker-1: %v", err)
		}
	})

	t.Run("kubectl apply --server-side", func(t *testing.T) {
		manifest := `apiVersion: o2ims.oran.org/v1alpha1
kind: DeploymentManager
metadata: {name: ssa-cluster, namespace: o2ims-demo}
spec:
  name: ssa-cluster
  serviceUri: https://ssa.example.net:6443
  capacity: {cpu: "8"}
`
		if out, stderr, err := s.kubectlStdin(t, admin, manifest, "apply", "--server-side", "--field-manager=e2e", "-f", "-"); err != nil {
			t.Fatalf("server-side apply: %v\n%s%s", err, out, stderr)
		}
		out := s.kubectl(t, admin, "get", "deploymentmanager", "ssa-cluster", "-n", demoNS, "--show-managed-fields", "-o", "yaml")
		if !strings.Contains(out, "manager: e2e") || !strings.Contains(out, "operation: Apply") {
			t.Errorf("managedFields lack the e2e Apply entry:\n%s", out)
		}
		if !strings.Contains(out, "deploymentManagerId:") {
			t.Errorf("the server did not assign an O2 id:\n%s", out)
		}
		// A second manager changing an owned field conflicts, as server-side apply promises.
		other := strings.Replace(manifest, "https://ssa.example.net:6443", "https://other.example.net:6443", 1)
		_, stderr, err := s.kubectlStdin(t, admin, other, "apply", "--server-side", "--field-manager=intruder", "-f", "-")
		if err == nil || !strings.Contains(stderr, "conflict") {
			t.Errorf("apply by another manager: want a conflict, got err=%v\n%s", err, stderr)
		}
	})

	t.Run("label and field selectors", func(t *testing.T) {
		out := s.kubectl(t, admin, "get", "resources", "-n", demoNS, "-l", "o2ims.oran.org/pool=ran-workers", "-o", "name")
		if strings.Count(out, "\n") != 2 {
			t.Errorf("label selector: want worker-1 and worker-2, got\n%s", out)
		}
		out = s.kubectl(t, admin, "get", "resources", "-A", "--field-selector", "spec.resourceId="+worker1ID, "-o", "name")
		if strings.TrimSpace(out) != "resource.o2ims.oran.org/worker-1" {
			t.Errorf("field selector on the O2 id: want only worker-1, got\n%s", out)
		}
		out = s.kubectl(t, admin, "get", "resources", "-n", demoNS, "--field-selector", "spec.resourcePoolId="+ranWorkersPool+",metadata.name!=worker-1", "-o", "name")
		if strings.TrimSpace(out) != "resource.o2ims.oran.org/worker-2" {
			t.Errorf("field selector on the pool reference: want only worker-2, got\n%s", out)
		}
		stderr := s.kubectlErr(t, admin, "get", "resources", "-n", demoNS, "--field-selector", "spec.nope=1")
		if !strings.Contains(stderr, "field label not supported") {
			t.Errorf("unsupported field selector: want a clear error, got\n%s", stderr)
		}
	})

	t.Run("client-go informer syncs and sees updates", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		client, err := versioned.NewForConfig(s.cp.RESTConfig(admin))
		if err != nil {
			t.Fatal(err)
		}
		factory := externalversions.NewSharedInformerFactoryWithOptions(client, 0, externalversions.WithNamespace(demoNS))
		informer := factory.O2ims().V1alpha1().O2Resources()
		updates := make(chan string, 16)
		_, err = informer.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
			UpdateFunc: func(_, obj interface{}) { updates <- obj.(*o2v1.O2Resource).Spec.Description },
		})
		if err != nil {
			t.Fatal(err)
		}
		stop := make(chan struct{})
		factory.Start(stop)
		// Shutdown waits for the informers, which end only once stop is closed.
		defer factory.Shutdown()
		defer close(stop)
		if !cache.WaitForCacheSync(ctx.Done(), informer.Informer().HasSynced) {
			t.Fatal("informer did not sync")
		}
		if r, err := informer.Lister().O2Resources(demoNS).Get("worker-2"); err != nil || r.Spec.ResourceID != "8d7c6b5a-4f3e-4d2c-8b1a-0f9e8d7c6b5a" {
			t.Fatalf("lister worker-2: %v %v", r, err)
		}
		r, err := client.O2imsV1alpha1().O2Resources(demoNS).Get(ctx, "worker-2", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		r.Spec.Description = "seen by the informer"
		if _, err := client.O2imsV1alpha1().O2Resources(demoNS).Update(ctx, r, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
		for {
			select {
			case d := <-updates:
				if d == "seen by the informer" {
					return
				}
			case <-ctx.Done():
				t.Fatal("informer never saw the update")
			}
		}
	})

	t.Run("status subresource is separate from spec", func(t *testing.T) {
		ctx := context.Background()
		client, err := versioned.NewForConfig(s.cp.RESTConfig(admin))
		if err != nil {
			t.Fatal(err)
		}
		pools := client.O2imsV1alpha1().ResourcePools(demoNS)
		p, err := pools.Get(ctx, "ran-workers", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		p.Status.ResourceCount = 2
		p.Spec.Description = "ignored by the status endpoint"
		if _, err := pools.UpdateStatus(ctx, p, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
		got, err := pools.Get(ctx, "ran-workers", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if got.Status.ResourceCount != 2 || got.Spec.Description == "ignored by the status endpoint" {
			t.Errorf("status update: count=%d description=%q", got.Status.ResourceCount, got.Spec.Description)
		}
		out := s.kubectl(t, admin, "get", "resourcepool", "ran-workers", "-n", demoNS, "--no-headers")
		if f := strings.Fields(out); len(f) < 4 || f[3] != "2" {
			t.Errorf("RESOURCES column should show 2:\n%s", out)
		}
	})

	t.Run("metrics, health and OpenAPI", func(t *testing.T) { testMetricsAndOpenAPI(t, s) })
	t.Run("bad input", func(t *testing.T) { testBadInput(t, s) })
	t.Run("tenants see only their namespace", func(t *testing.T) { testTenancy(t, s) })
	t.Run("O2-IMS REST API", func(t *testing.T) { testO2(t, s) })
	t.Run("O2-IMS tenants see only their namespace", func(t *testing.T) { testO2Tenancy(t, s) })
	t.Run("objects survive a restart of netweave", func(t *testing.T) {
		if err := s.netweave.Restart(); err != nil {
			t.Fatal(err)
		}
		eventually(t, time.Minute, "worker-1 readable after restart", func() error {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			out, stderr, err := localstack.Kubectl(ctx, s.cp.Kubeconfig(admin), "get", "resource", "worker-1", "-n", demoNS, "-o", "jsonpath={.spec.resourceId}")
			if err != nil {
				return fmt.Errorf("%v: %s", err, stderr)
			}
			if out != worker1ID {
				return fmt.Errorf("resourceId = %q", out)
			}
			return nil
		})
	})
	t.Run("Redis full: writes refused with 507, reads go on", func(t *testing.T) { testRedisFull(t, s) })
	t.Run("Redis down gives 5xx, never a panic", func(t *testing.T) { testRedisDown(t, s) })
	t.Run("Redis hung: the O2 face refuses rather than serves stale", func(t *testing.T) { testRedisHung(t, s) })
}

func isStatus(err error, code int32) bool {
	var st apierrors.APIStatus
	return errors.As(err, &st) && st.Status().Code == code
}
