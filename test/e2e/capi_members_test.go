package e2e

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	o2v1 "github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/generated/clientset/versioned"
	"github.com/netweave-io/netweave/internal/localstack"
	"github.com/netweave-io/netweave/internal/localstack/stacktest"
	"github.com/netweave-io/netweave/pkg/inventory/members"
)

// TestInventoryCAPIDiscovery: with --inventory-capi-namespaces=capi-a and the chart's RBAC for
// it (inventorySync.capiNamespaces), a Cluster API kubeconfig Secret in capi-a (type
// cluster.x-k8s.io/secret, <cluster>-kubeconfig, labelled with the cluster) registers a member
// without the opt-in label; the same Secret in the unlisted capi-b does not, nor does another
// Secret Cluster API labels with the cluster in capi-a. Deleting the Secret removes the member.
func TestInventoryCAPIDiscovery(t *testing.T) {
	t.Parallel()
	const listed, unlisted = "capi-a", "capi-b"
	s := startStack(t, append(invArgs("capi"), "--inventory-member-probe-interval=1s", "--inventory-capi-namespaces="+listed)...)
	ctx := context.Background()
	cfg := s.cp.RESTConfig(localstack.Admin)
	c := invClients{kube: kubernetes.NewForConfigOrDie(cfg), o2: versioned.NewForConfigOrDie(cfg)}

	// As installed: the namespaces and the chart's RBAC exist before netweave starts.
	if err := s.netweave.Stop(); err != nil {
		t.Fatal(err)
	}
	for _, ns := range []string{listed, unlisted} {
		if _, err := c.kube.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	applyCAPIRBAC(t, s, listed)
	if err := s.netweave.Start(); err != nil {
		t.Fatal(err)
	}

	mcp := stacktest.StartControlPlane(t, localstack.Options{})
	mc := invClients{kube: kubernetes.NewForConfigOrDie(mcp.RESTConfig(localstack.Admin))}
	mc.createNode(t, "capi-node-1", "zone-c", "small", true)
	kubeconfig, err := os.ReadFile(mcp.Kubeconfig(localstack.Admin))
	if err != nil {
		t.Fatal(err)
	}
	capiSecret := func(ns, name, cluster string, data map[string][]byte) *corev1.Secret {
		return &corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, Labels: map[string]string{members.CAPIClusterLabel: cluster}},
			Type:       members.CAPISecretType,
			Data:       data,
		}
	}
	for _, sec := range []*corev1.Secret{
		capiSecret(unlisted, "edge-d-kubeconfig", "edge-d", map[string][]byte{o2v1.SecretKeyCAPIKubeconfig: kubeconfig}),
		capiSecret(listed, "edge-c-ca", "edge-c", map[string][]byte{"tls.crt": []byte("not a kubeconfig")}),
		capiSecret(listed, "edge-c-kubeconfig", "edge-c", map[string][]byte{o2v1.SecretKeyCAPIKubeconfig: kubeconfig}),
	} {
		if _, err := c.kube.CoreV1().Secrets(sec.Namespace).Create(ctx, sec, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	dms := c.o2.O2imsV1alpha1().DeploymentManagers(invNS)

	t.Run("a Cluster API kubeconfig in a listed namespace registers its cluster", func(t *testing.T) {
		eventually(t, 2*syncWait, "member edge-c enabled", func() error {
			dm, err := dms.Get(ctx, "edge-c", metav1.GetOptions{})
			if err != nil {
				return err
			}
			if dm.Labels[o2v1.LabelCluster] != "edge-c" || dm.Spec.ServiceURI != mcp.KubeAPIServer.URL || dm.Status.OperationalState != o2v1.OperationalStateEnabled {
				return fmt.Errorf("manager labels %v serviceUri %s state %s", dm.Labels, dm.Spec.ServiceURI, dm.Status.OperationalState)
			}
			return nil
		})
		c.waitResource(t, invNS, "edge-c-capi-node-1", nil)
	})

	t.Run("nothing else registers", func(t *testing.T) {
		// The listed namespace's Secrets were all handled before edge-c's sync wrote its
		// objects (one queue); the unlisted namespace is not watched at all.
		list, err := dms.List(ctx, metav1.ListOptions{LabelSelector: o2v1.LabelCluster})
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, dm := range list.Items {
			names = append(names, dm.Name)
		}
		if strings.Join(names, ",") != "edge-c" {
			t.Errorf("member managers %v, want only edge-c", names)
		}
	})

	t.Run("deleting the Secret removes the member", func(t *testing.T) {
		if err := c.kube.CoreV1().Secrets(listed).Delete(ctx, "edge-c-kubeconfig", metav1.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
		c.waitGone(t, invNS, "edge-c-capi-node-1")
		eventually(t, syncWait, "member manager deleted", func() error {
			if _, err := dms.Get(ctx, "edge-c", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
				return fmt.Errorf("get: %v", err)
			}
			return nil
		})
	})
}

// applyCAPIRBAC applies what the chart renders for inventorySync.capiNamespaces=[ns]: the
// Role and RoleBinding in ns, and nothing else of the chart (the stack runs artifacts/deploy).
func applyCAPIRBAC(t *testing.T, s *stack, ns string) {
	t.Helper()
	c := newChartRenderer(t)
	out, err := c.helm("template", "netweave", c.chart, "--namespace", invNS, "--show-only", "templates/rbac.yaml",
		"--set-json", `inventorySync.capiNamespaces=["`+ns+`"]`)
	if err != nil {
		t.Fatalf("render rbac: %v\n%s", err, out)
	}
	var docs []string
	for _, doc := range strings.Split(out, "\n---") {
		if strings.Contains(doc, "namespace: "+ns+"\n") {
			docs = append(docs, doc)
		}
	}
	if len(docs) != 2 {
		t.Fatalf("the chart renders %d objects in %s, want a Role and a RoleBinding:\n%s", len(docs), ns, out)
	}
	if stdout, stderr, err := s.kubectlStdin(t, localstack.Admin, strings.Join(docs, "\n---\n"), "apply", "-f", "-"); err != nil {
		t.Fatalf("apply: %v\n%s%s", err, stdout, stderr)
	}
}
