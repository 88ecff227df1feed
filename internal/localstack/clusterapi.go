package localstack

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// DemoClusterClass is the name of the ClusterClass SetUpProvisioning installs; its versions
// are DemoClusterClassVersions, so the template sync offers the templates demo.v1.33.0 and
// demo.v1.34.0.
const DemoClusterClass = "demo"

// DemoClusterClassVersions are the Kubernetes versions the demo ClusterClass offers, oldest
// first (an upgrade goes from the first to the second).
var DemoClusterClassVersions = []string{"v1.33.0", "v1.34.0"}

// demoClusterClass is the demo ClusterClass: a description and a characteristic for the
// template sync, three variables (region required; workers and flavor with defaults). Its
// infrastructure and control-plane templates do not exist: no Cluster API controller runs in
// the local stack, so nothing resolves them; the tests and `make run` play Cluster API by
// writing the Clusters' status themselves.
func demoClusterClass(namespace string) string {
	return fmt.Sprintf(`apiVersion: cluster.x-k8s.io/v1beta2
kind: ClusterClass
metadata:
  name: %[1]s
  namespace: %[2]s
  annotations:
    o2ims.oran.org/description: Demo edge cluster (no Cluster API provider runs in the local stack)
  labels:
    o2ims.oran.org/characteristic-site-type: edge
spec:
  kubernetesVersions: [%[3]s]
  infrastructure:
    templateRef: {apiVersion: infrastructure.cluster.x-k8s.io/v1beta2, kind: DockerClusterTemplate, name: demo}
  controlPlane:
    templateRef: {apiVersion: controlplane.cluster.x-k8s.io/v1beta2, kind: KubeadmControlPlaneTemplate, name: demo}
  variables:
  - name: region
    required: true
    schema:
      openAPIV3Schema: {type: string, minLength: 1, description: Region the cluster is built in.}
  - name: workers
    required: false
    schema:
      openAPIV3Schema: {type: integer, minimum: 1, maximum: 10, default: 2, description: Number of worker machines.}
  - name: flavor
    required: false
    schema:
      openAPIV3Schema: {type: string, enum: [small, large], default: small, description: Machine size.}
`, DemoClusterClass, namespace, strings.Join(DemoClusterClassVersions, ", "))
}

// ProvisioningArgs are netweave's flags for provisioning with requests in namespaces besides
// the inventory namespace (the ClusterClasses are the inventory namespace's). The clusters
// "provisioned" here are member control planes of the local stack, on loopback, which a
// production install would not allow tenants' members to be at.
func ProvisioningArgs(namespaces []string) []string {
	args := []string{"--provisioning-controller"}
	if len(namespaces) > 0 {
		args = append(args, "--provisioning-namespaces="+strings.Join(namespaces, ","),
			"--inventory-tenant-member-allowed-cidrs="+TenantMemberAllowedCIDRs)
	}
	return args
}

// TenantMemberAllowedCIDRs is where the local stack's tenants' members may be: loopback.
const TenantMemberAllowedCIDRs = "127.0.0.0/8"

// SetUpProvisioning prepares cp for provisioning with requests in inventoryNamespace and
// namespaces, the one way e2e tests, benchmarks and `make run` do: it creates the namespaces
// that are missing, installs Cluster API's CRDs (hack/build-control-plane.sh crds fetches them
// from the Cluster API module), grants netweave's ServiceAccount the RBAC the chart renders for
// provisioning.enabled with those namespaces (Clusters there, ClusterClasses in the inventory
// namespace, the Cluster API discovery Roles on Secrets), and applies the demo ClusterClass to
// the inventory namespace. Call it after InstallNetweaveRBAC.
func (cp *ControlPlane) SetUpProvisioning(ctx context.Context, inventoryNamespace string, namespaces []string) error {
	admin := cp.Kubeconfig(Admin)
	for _, ns := range namespaces {
		if _, _, err := Kubectl(ctx, admin, "get", "namespace", ns); err == nil {
			continue
		}
		if out, stderr, err := Kubectl(ctx, admin, "create", "namespace", ns); err != nil {
			return fmt.Errorf("create namespace %s: %w\n%s%s", ns, err, out, stderr)
		}
	}
	dir, err := CAPICRDDir()
	if err != nil {
		return err
	}
	// Server-side: the CRDs are too large for client-side apply's last-applied annotation.
	if out, stderr, err := Kubectl(ctx, admin, "apply", "--server-side", "-f", dir); err != nil {
		return fmt.Errorf("install Cluster API CRDs: %w\n%s%s", err, out, stderr)
	}
	if out, stderr, err := Kubectl(ctx, admin, "wait", "--for=condition=Established", "--timeout=60s", "-f", dir); err != nil {
		return fmt.Errorf("wait for Cluster API CRDs: %w\n%s%s", err, out, stderr)
	}
	rbac, err := provisioningRBAC(ctx, inventoryNamespace, namespaces)
	if err != nil {
		return err
	}
	if out, stderr, err := KubectlWithInput(ctx, admin, strings.NewReader(rbac), "apply", "-f", "-"); err != nil {
		return fmt.Errorf("apply provisioning RBAC: %w\n%s%s", err, out, stderr)
	}
	if out, stderr, err := KubectlWithInput(ctx, admin, strings.NewReader(demoClusterClass(inventoryNamespace)), "apply", "-f", "-"); err != nil {
		return fmt.Errorf("apply the demo ClusterClass: %w\n%s%s", err, out, stderr)
	}
	return nil
}

// provisioningRBAC renders what the chart grants netweave for provisioning.enabled with
// namespaces: templates/rbac-provisioning.yaml, and the Cluster API discovery Role and
// RoleBinding of templates/rbac.yaml (the rest of rbac.yaml is in artifacts/deploy already).
func provisioningRBAC(ctx context.Context, inventoryNamespace string, namespaces []string) (string, error) {
	root, err := RepoRoot()
	if err != nil {
		return "", err
	}
	helm, err := HelmBinary()
	if err != nil {
		return "", err
	}
	args := []string{"template", "netweave", filepath.Join(root, "charts", "netweave"), "--namespace", inventoryNamespace,
		"--set", "provisioning.enabled=true", "--set", "provisioning.namespaces={" + strings.Join(namespaces, ",") + "}",
		"--show-only", "templates/rbac-provisioning.yaml", "--show-only", "templates/rbac.yaml"}
	cmd := exec.CommandContext(ctx, helm, args...)
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("render provisioning RBAC: %w", err)
	}
	var keep []string
	for _, doc := range strings.Split(string(out), "\n---") {
		if strings.Contains(doc, "name: netweave:provisioning-") || strings.Contains(doc, "name: netweave:capi-member-clusters") {
			keep = append(keep, doc)
		}
	}
	if len(keep) == 0 {
		return "", fmt.Errorf("render provisioning RBAC: the chart rendered none")
	}
	return strings.Join(keep, "\n---\n"), nil
}
