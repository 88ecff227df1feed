package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/netweave-io/netweave/internal/localstack"
)

// dmsNamespace is the tenant namespace of the O2-DMS steps: it holds their NfDeployments and
// is the namespace they deploy into, in this cluster and in member regional.
const dmsNamespace = "nf-demo"

// o2dmsArgs turn the O2-DMS controller on for dmsNamespace of this cluster. The local stack
// has no kubelets, so workloads never become ready: the controller does not wait for them
// (production should, --o2dms-wait=true, the default). Drift is checked every 10s. The local
// chart repository serves on loopback, which chart fetches refuse unless allowed.
func o2dmsArgs() []string {
	return []string{"--o2dms-controller", "--o2dms-wait=false", "--o2dms-timeout=1m", "--o2dms-resync=10s",
		"--o2dms-local-namespaces=" + dmsNamespace, "--o2dms-chart-allowed-cidrs=127.0.0.0/8"}
}

// prepareO2DMS creates dmsNamespace in this cluster and in the members, and grants netweave
// the chart's RBAC for deploying into it here (charts/netweave rbac-o2dms.yaml, rendered with
// o2dms.localNamespaces={dmsNamespace}), as an operator installing the chart would.
func prepareO2DMS(ctx context.Context, cp *localstack.ControlPlane, members []*member) error {
	kubeconfigs := []string{cp.Kubeconfig(localstack.Admin)}
	for _, m := range members {
		kubeconfigs = append(kubeconfigs, m.cp.Kubeconfig(localstack.Admin))
	}
	for _, kc := range kubeconfigs {
		if out, stderr, err := localstack.Kubectl(ctx, kc, "create", "namespace", dmsNamespace); err != nil {
			return fmt.Errorf("create namespace %s: %w\n%s%s", dmsNamespace, err, out, stderr)
		}
	}
	root, err := localstack.RepoRoot()
	if err != nil {
		return err
	}
	helm, err := localstack.HelmBinary()
	if err != nil {
		return err
	}
	rbac, err := exec.CommandContext(ctx, helm, "template", "netweave", filepath.Join(root, "charts", "netweave"),
		"--namespace", inventoryNamespace, "--set", "o2dms.enabled=true", "--set", "o2dms.localNamespaces={"+dmsNamespace+"}",
		"--show-only", "templates/rbac-o2dms.yaml").Output()
	if err != nil {
		return fmt.Errorf("render the O2-DMS RBAC: %w", err)
	}
	f := filepath.Join(os.TempDir(), fmt.Sprintf("netweave-o2dms-rbac-%d.yaml", os.Getpid()))
	if err := os.WriteFile(f, rbac, 0o600); err != nil {
		return err
	}
	defer os.Remove(f)
	if out, stderr, err := localstack.Kubectl(ctx, cp.Kubeconfig(localstack.Admin), "apply", "-f", f); err != nil {
		return fmt.Errorf("apply the O2-DMS RBAC: %w\n%s%s", err, out, stderr)
	}
	return nil
}

// demoDescriptors are the shared NfDeploymentDescriptors of demo-nf, one per version the
// local chart repository serves, in the inventory namespace (usable by every tenant).
func demoDescriptors(charts *localstack.ChartRepo) string {
	var b strings.Builder
	for _, v := range localstack.DemoChartVersions {
		fmt.Fprintf(&b, `---
apiVersion: o2dms.oran.org/v1alpha1
kind: NfDeploymentDescriptor
metadata: {name: %[1]s-%[2]s, namespace: %[3]s}
spec:
  chart:
    repository: {url: %[4]q, name: %[1]s}
  version: %[2]s
  digest: %[5]s
  description: the demo network function of the local chart repository
  defaultValues: {replicas: 1, message: "hello from demo-nf %[2]s"}
`, localstack.DemoChartName, v, inventoryNamespace, charts.URL, charts.Digests[v])
	}
	return b.String()
}

// createDemoDescriptors applies demoDescriptors.
func createDemoDescriptors(ctx context.Context, cp *localstack.ControlPlane, charts *localstack.ChartRepo) error {
	f := filepath.Join(os.TempDir(), fmt.Sprintf("netweave-o2dms-descriptors-%d.yaml", os.Getpid()))
	if err := os.WriteFile(f, []byte(demoDescriptors(charts)), 0o600); err != nil {
		return err
	}
	defer os.Remove(f)
	if out, stderr, err := localstack.Kubectl(ctx, cp.Kubeconfig(localstack.Admin), "apply", "-f", f); err != nil {
		return fmt.Errorf("create the demo descriptors: %w\n%s%s", err, out, stderr)
	}
	return nil
}
