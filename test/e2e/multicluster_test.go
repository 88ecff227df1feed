package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	o2v1 "github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/generated/clientset/versioned"
	"github.com/netweave-io/netweave/internal/localstack"
	"github.com/netweave-io/netweave/internal/localstack/stacktest"
	"github.com/netweave-io/netweave/pkg/inventory"
	"github.com/netweave-io/netweave/pkg/inventory/kube"
)

// TestOCloudThreeClusters is one O-Cloud over three real kube-apiservers: the central cluster
// netweave runs in and two members registered as make run registers them
// (localstack.RegisterMember). Both faces show three deployment managers and each cluster's
// pools; a Node added in a member reaches an O2 subscription with the member's ids; removing
// one registration removes that member's objects and leaves the other clusters' alone.
func TestOCloudThreeClusters(t *testing.T) {
	t.Parallel()
	s := startStack(t, append(append(invArgs("three"), notifierArgs...), "--inventory-member-probe-interval=1s")...)
	ctx := context.Background()
	c := invClients{kube: kubernetes.NewForConfigOrDie(s.cp.RESTConfig(localstack.Admin)), o2: versioned.NewForConfigOrDie(s.cp.RESTConfig(localstack.Admin))}
	c.createNode(t, "n-1", "zone-c", "small", true)

	// The same Node name in every cluster, and a zone of each member's own.
	members := map[string]*localstack.ControlPlane{}
	memberClients := map[string]invClients{}
	zone := map[string]string{"edge-1": "zone-e1", "edge-2": "zone-e2"}
	for _, name := range []string{"edge-1", "edge-2"} {
		members[name] = stacktest.StartControlPlane(t, localstack.Options{})
		memberClients[name] = invClients{kube: kubernetes.NewForConfigOrDie(members[name].RESTConfig(localstack.Admin))}
		memberClients[name].createNode(t, "n-1", zone[name], "small", true)
		if err := localstack.RegisterMember(ctx, s.cp, invNS, name, members[name]); err != nil {
			t.Fatal(err)
		}
	}
	oc, err := c.o2.O2imsV1alpha1().OClouds().Get(ctx, "default", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ids, err := inventory.NewIDs(oc.Spec.OCloudID)
	if err != nil {
		t.Fatal(err)
	}
	admin := s.o2As(t, localstack.Admin)
	o2List := func(path string) ([]map[string]any, error) {
		code, _, body := admin.do(http.MethodGet, inventoryAPI+path, "")
		if code != http.StatusOK {
			return nil, fmt.Errorf("GET %s: %d %s", path, code, body)
		}
		var items []map[string]any
		if err := json.Unmarshal(body, &items); err != nil {
			return nil, fmt.Errorf("GET %s: %w: %s", path, err, body)
		}
		return items, nil
	}
	// serviceUris maps each deployment manager's name to its serviceUri, on both faces.
	managers := func() (kubectlFace, o2Face map[string]string, err error) {
		dms, err := c.o2.O2imsV1alpha1().DeploymentManagers(invNS).List(ctx, metav1.ListOptions{})
		if err != nil {
			return nil, nil, err
		}
		kubectlFace = map[string]string{}
		for _, dm := range dms.Items {
			kubectlFace[dm.Spec.Name] = dm.Spec.ServiceURI
		}
		items, err := o2List("/v1/deploymentManagers")
		if err != nil {
			return nil, nil, err
		}
		o2Face = map[string]string{}
		for _, it := range items {
			o2Face[fmt.Sprint(it["name"])] = fmt.Sprint(it["serviceUri"])
		}
		return kubectlFace, o2Face, nil
	}

	t.Run("three deployment managers and each cluster's pools on both faces", func(t *testing.T) {
		want := map[string]string{"e2e-cluster": s.cp.KubeAPIServer.URL, "edge-1": members["edge-1"].KubeAPIServer.URL, "edge-2": members["edge-2"].KubeAPIServer.URL}
		eventually(t, syncWait, "three deployment managers", func() error {
			k, o, err := managers()
			if err != nil {
				return err
			}
			if fmt.Sprint(k) != fmt.Sprint(want) || fmt.Sprint(o) != fmt.Sprint(want) {
				return fmt.Errorf("kubectl face %v, O2 face %v, want %v", k, o, want)
			}
			return nil
		})
		// Each member's pool, with the member's id, on both faces; the central pool unlabelled.
		wantPools := map[string]string{"zone-c": "", "edge-1-zone-e1": "edge-1", "edge-2-zone-e2": "edge-2"}
		eventually(t, syncWait, "each cluster's pool", func() error {
			pools, err := c.o2.O2imsV1alpha1().ResourcePools(invNS).List(ctx, metav1.ListOptions{})
			if err != nil {
				return err
			}
			got := map[string]string{}
			idOf := map[string]string{}
			for _, p := range pools.Items {
				got[p.Name] = p.Labels[o2v1.LabelCluster]
				idOf[p.Name] = p.Spec.ResourcePoolID
			}
			for name, cluster := range wantPools {
				if l, ok := got[name]; !ok || l != cluster {
					return fmt.Errorf("pool %s: present %v cluster %q, want %q (pools %v)", name, ok, l, cluster, got)
				}
			}
			items, err := o2List("/v1/resourcePools")
			if err != nil {
				return err
			}
			var o2IDs []string
			for _, it := range items {
				o2IDs = append(o2IDs, fmt.Sprint(it["resourcePoolId"]))
			}
			for name := range wantPools {
				if !slices.Contains(o2IDs, idOf[name]) {
					return fmt.Errorf("O2 face lacks pool %s (%s): %v", name, idOf[name], o2IDs)
				}
			}
			return nil
		})
		// Same Node name in three clusters: three Resources with three ids.
		seen := map[string]bool{}
		for _, name := range []string{"n-1", "edge-1-n-1", "edge-2-n-1"} {
			c.waitResource(t, invNS, name, nil)
			seen[c.resource(t, invNS, name).Spec.ResourceID] = true
		}
		if len(seen) != 3 {
			t.Errorf("three clusters' n-1 share ids: %v", seen)
		}
	})

	t.Run("a member's new node reaches an O2 subscription with the member's ids", func(t *testing.T) {
		r := newReceiver(t)
		s.subscribe(t, invNS, "members", r, "")
		memberClients["edge-2"].createNode(t, "n-2", zone["edge-2"], "small", true)
		node, err := memberClients["edge-2"].kube.CoreV1().Nodes().Get(ctx, "n-2", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		wantID := kube.NodeResourceID(ids.Member("edge-2"), node)
		eventually(t, syncWait, "notification of edge-2's new resource", func() error {
			for _, n := range r.all() {
				post, _ := n.body["postObjectState"].(map[string]any)
				if post != nil && post["resourceId"] == wantID {
					return nil
				}
			}
			return fmt.Errorf("%d notifications, none with resourceId %s", len(r.all()), wantID)
		})
	})

	t.Run("removing one registration removes that member's objects only", func(t *testing.T) {
		if err := localstack.UnregisterMember(ctx, s.cp, invNS, "edge-1"); err != nil {
			t.Fatal(err)
		}
		c.waitGone(t, invNS, "edge-1-n-1")
		eventually(t, syncWait, "two deployment managers", func() error {
			k, o, err := managers()
			if err != nil {
				return err
			}
			names := func(m map[string]string) []string {
				var out []string
				for n := range m {
					out = append(out, n)
				}
				sort.Strings(out)
				return out
			}
			if want := []string{"e2e-cluster", "edge-2"}; !slices.Equal(names(k), want) || !slices.Equal(names(o), want) {
				return fmt.Errorf("kubectl face %v, O2 face %v, want %v", names(k), names(o), want)
			}
			return nil
		})
		if _, err := c.o2.O2imsV1alpha1().ResourcePools(invNS).Get(ctx, "edge-1-zone-e1", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
			t.Errorf("edge-1's pool: %v", err)
		}
		for _, name := range []string{"n-1", "edge-2-n-1", "edge-2-n-2"} {
			c.waitResource(t, invNS, name, nil)
		}
	})
}
