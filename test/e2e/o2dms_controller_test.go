package e2e

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	admissionv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"

	dmsv1 "github.com/netweave-io/netweave/apis/o2dms/v1alpha1"
	o2v1 "github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/generated/clientset/versioned"
	"github.com/netweave-io/netweave/internal/localstack"
	"github.com/netweave-io/netweave/internal/localstack/stacktest"
	"github.com/netweave-io/netweave/pkg/helmrelease"
	"github.com/netweave-io/netweave/pkg/o2dms/controller"
)

// TestO2DMSController drives the O2-DMS controller on the real stack with a member cluster:
// install, upgrade, rollback, a refused upgrade, an unreachable chart repository, drift, an
// unreachable target cluster, deletion, and the tenancy rules, as kubectl users meet them.
func TestO2DMSController(t *testing.T) {
	t.Parallel()
	const tenant = "nf-tenant"
	s := startStack(t, append(invArgs("o2dms"), "--inventory-member-probe-interval=1s",
		"--o2dms-controller", "--o2dms-wait=false", "--o2dms-timeout=30s", "--o2dms-resync=2s", "--o2dms-retry-max=4s",
		"--o2dms-lease-duration=4s", "--o2dms-renew-deadline=3s", "--o2dms-retry-period=500ms",
		// The local chart repository serves on loopback, refused unless allowed.
		"--o2dms-chart-allowed-cidrs=127.0.0.0/8")...)
	ctx := context.Background()
	admin := versioned.NewForConfigOrDie(s.cp.RESTConfig(localstack.Admin))
	kube := kubernetes.NewForConfigOrDie(s.cp.RESTConfig(localstack.Admin))
	charts, err := localstack.StartChartRepo(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = charts.Stop() })

	// The member cluster and its registration; the tenant namespace exists there and here.
	// Its kube-controller-manager runs the deployment controller, so that the chart's Deployment
	// (0 replicas: no kubelets) reports status and readiness can be asserted.
	mcp := stacktest.StartControlPlane(t, localstack.Options{ExtraControllers: []string{"deployment-controller"}})
	memberCfg := mcp.RESTConfig(localstack.Admin)
	mkube := kubernetes.NewForConfigOrDie(memberCfg)
	if err := localstack.RegisterMember(ctx, s.cp, invNS, "edge-1", mcp); err != nil {
		t.Fatal(err)
	}
	for _, k := range []kubernetes.Interface{kube, mkube} {
		for _, ns := range []string{tenant, "other-tenant"} {
			if _, err := k.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
				t.Fatal(err)
			}
		}
	}
	var dmID, localDM string
	eventually(t, time.Minute, "deployment managers synced", func() error {
		dms, err := admin.O2imsV1alpha1().DeploymentManagers(invNS).List(ctx, metav1.ListOptions{})
		if err != nil {
			return err
		}
		for _, dm := range dms.Items {
			if dm.Labels[o2v1.LabelCluster] == "edge-1" {
				dmID = dm.Spec.DeploymentManagerID
			} else if dm.Labels[o2v1.LabelCluster] == "" && dm.Spec.DeploymentManagerID != "" {
				localDM = dm.Spec.DeploymentManagerID
			}
		}
		if dmID == "" || localDM == "" {
			return errors.New("no deployment managers yet")
		}
		return nil
	})
	for _, v := range localstack.DemoChartVersions {
		s.kubectlStdin(t, localstack.Admin, fmt.Sprintf(`apiVersion: o2dms.oran.org/v1alpha1
kind: NfDeploymentDescriptor
metadata: {name: demo-%[1]s, namespace: %[2]s}
spec:
  chart: {repository: {url: %[3]q, name: demo-nf}}
  version: %[1]s
  defaultValues: {replicas: 0, message: default}
`, v, invNS, charts.URL), "apply", "-f", "-")
	}

	nfds := admin.O2dmsV1alpha1().NfDeployments(tenant)
	target := helmrelease.Target{Config: memberCfg, Namespace: tenant}
	engine := helmrelease.NewEngine(helmrelease.Config{})
	// waitFor and patch take the subtest's t: a failure ends that subtest, not its parent
	// from another goroutine.
	waitFor := func(t *testing.T, what string, cond func(d *dmsv1.NfDeployment) error) *dmsv1.NfDeployment {
		t.Helper()
		var last *dmsv1.NfDeployment
		eventually(t, 90*time.Second, what, func() error {
			d, err := nfds.Get(ctx, "nf", metav1.GetOptions{})
			if err != nil {
				return err
			}
			last = d
			if err := cond(d); err != nil {
				return fmt.Errorf("%w (phase %s, revision %d, message %q)", err, d.Status.Phase, d.Status.ReleaseRevision, d.Status.Message)
			}
			return nil
		})
		return last
	}
	deployed := func(rev int64) func(d *dmsv1.NfDeployment) error {
		return func(d *dmsv1.NfDeployment) error {
			if d.Status.Phase != dmsv1.NfDeploymentDeployed || d.Status.ObservedGeneration != d.Generation || (rev > 0 && d.Status.ReleaseRevision != rev) {
				return errors.New("not deployed as expected")
			}
			return nil
		}
	}
	failed := func(reason string) func(d *dmsv1.NfDeployment) error {
		return func(d *dmsv1.NfDeployment) error {
			c := meta.FindStatusCondition(d.Status.Conditions, controller.ConditionReady)
			if d.Status.Phase != dmsv1.NfDeploymentFailed || c == nil || c.Reason != reason {
				return fmt.Errorf("not FAILED with %s", reason)
			}
			return nil
		}
	}
	configMessage := func() string {
		cm, err := mkube.CoreV1().ConfigMaps(tenant).Get(ctx, "nf-config", metav1.GetOptions{})
		if err != nil {
			return err.Error()
		}
		return cm.Data["message"] + "/" + cm.Data["chartVersion"]
	}
	patch := func(t *testing.T, p string) {
		t.Helper()
		if _, err := nfds.Patch(ctx, "nf", types.MergePatchType, []byte(p), metav1.PatchOptions{}); err != nil {
			t.Fatal(err)
		}
	}

	t.Run("install onto the member: DEPLOYED, revision 1, workloads listed", func(t *testing.T) {
		s.kubectlStdin(t, localstack.Admin, nfDeploymentManifest(tenant, "nf", "demo-0.1.0", invNS, dmID, "{message: first}"), "apply", "-f", "-")
		waitFor(t, "installed", deployed(1))
		// Readiness as the member reports it: its kube-controller-manager reconciles the
		// Deployment (0 replicas) and the next resync records it.
		d := waitFor(t, "workloads ready", func(d *dmsv1.NfDeployment) error {
			for _, w := range d.Status.Workloads {
				if !w.Ready {
					return fmt.Errorf("%s %s not ready: %s", w.Kind, w.Name, w.Message)
				}
			}
			return deployed(1)(d)
		})
		if !slices.Contains(d.Finalizers, dmsv1.FinalizerRelease) {
			t.Errorf("finalizers: %v", d.Finalizers)
		}
		var kinds []string
		for _, w := range d.Status.Workloads {
			kinds = append(kinds, fmt.Sprintf("%s/%s/%s/%s/%v", w.APIVersion, w.Kind, w.Namespace, w.Name, w.Ready))
		}
		if want := "v1/ConfigMap/nf-tenant/nf-config/true,apps/v1/Deployment/nf-tenant/nf/true"; strings.Join(kinds, ",") != want {
			t.Errorf("workloads %v, want %s", kinds, want)
		}
		if len(d.Status.History) != 1 || d.Status.History[0].ChartVersion != "0.1.0" || d.Status.History[0].ValuesHash == "" {
			t.Errorf("history: %+v", d.Status.History)
		}
		if got := configMessage(); got != "first/0.1.0" {
			t.Errorf("config map: %s", got)
		}
		// helm list in the member agrees.
		rel, err := engine.Get(ctx, target, "nf")
		if err != nil || rel.Revision != 1 || rel.Status != "deployed" {
			t.Errorf("release in the member: %+v %v", rel, err)
		}
		// The descriptor, made without a schema, took the chart's values.schema.json: values
		// it refuses are now a 422 naming the field, before anything is installed.
		eventually(t, 30*time.Second, "schema adopted from the chart", func() error {
			desc, err := admin.O2dmsV1alpha1().NfDeploymentDescriptors(invNS).Get(ctx, "demo-0.1.0", metav1.GetOptions{})
			if err != nil {
				return err
			}
			if desc.Spec.ParametersSchema == nil || !strings.Contains(string(desc.Spec.ParametersSchema.Raw), `"replicas"`) {
				return fmt.Errorf("parametersSchema %v", desc.Spec.ParametersSchema)
			}
			return nil
		})
		bad := nfDeploymentManifest(tenant, "nf-bad", "demo-0.1.0", invNS, dmID, "{replicas: 99}")
		if _, stderr, err := s.kubectlStdin(t, localstack.Admin, bad, "create", "-f", "-"); err == nil || !strings.Contains(stderr, "spec.values.replicas") {
			t.Errorf("values failing the adopted schema: err %v, stderr %s", err, stderr)
		}
	})

	t.Run("a values change upgrades to revision 2", func(t *testing.T) {
		patch(t, `{"spec":{"values":{"message":"second"}}}`)
		d := waitFor(t, "upgraded", deployed(2))
		if got := configMessage(); got != "second/0.1.0" {
			t.Errorf("config map: %s", got)
		}
		if len(d.Status.History) != 2 || d.Status.History[0].ValuesHash == d.Status.History[1].ValuesHash {
			t.Errorf("history: %+v", d.Status.History)
		}
	})

	t.Run("desiredRevision 1 rolls back as revision 3", func(t *testing.T) {
		patch(t, `{"spec":{"desiredRevision":1}}`)
		d := waitFor(t, "rolled back", deployed(3))
		if got := configMessage(); got != "first/0.1.0" {
			t.Errorf("config map after rollback: %s", got)
		}
		if d.Status.History[2].ValuesHash != d.Status.History[0].ValuesHash {
			t.Errorf("history: %+v", d.Status.History)
		}
		if c := meta.FindStatusCondition(d.Status.Conditions, controller.ConditionRolledBack); c == nil || c.Reason != "Revision1" {
			t.Errorf("rolled back condition: %+v", c)
		}
	})

	t.Run("an upgrade the target refuses is FAILED and leaves the deployed objects alone", func(t *testing.T) {
		// The member's admission refuses an image with leading whitespace (Kubernetes itself
		// accepts it in pod templates; a ValidatingAdmissionPolicy of the member's operator
		// does not) half-way through the upgrade, after the ConfigMap: the engine puts
		// revision 3 back. The chart renders the image unquoted, so the value carries the
		// quotes that keep the whitespace in YAML.
		refuseWhitespaceImages(t, mkube, tenant)
		patch(t, `{"spec":{"desiredRevision":null,"values":{"message":"refused","image":"\" registry.k8s.io/pause:3.10\""}}}`)
		d := waitFor(t, "upgrade refused", failed("UpgradeFailed"))
		if !strings.Contains(d.Status.Message, "image") {
			t.Errorf("message: %s", d.Status.Message)
		}
		// Put back by the engine right after the refusal, or, when the leader term that
		// upgraded ended meanwhile (a lease renewal lost on a loaded machine: the ended term
		// writes nothing more), by the next term's attempt.
		eventually(t, 30*time.Second, "the refused upgrade's config map put back", func() error {
			if got := configMessage(); got != "first/0.1.0" {
				return fmt.Errorf("a refused upgrade changed the config map: %s", got)
			}
			return nil
		})
		patch(t, `{"spec":{"values":{"message":"fixed","image":null}}}`)
		waitFor(t, "fixed", deployed(0))
		if got := configMessage(); got != "fixed/0.1.0" {
			t.Errorf("config map: %s", got)
		}
	})

	t.Run("kubectl describe tells the story in Events", func(t *testing.T) {
		// The phases so far, each once: installed, upgraded, rolled back, the refused upgrade
		// (a Warning with its reason) and the fix.
		want := []string{"Normal Pending", "Normal Installing", "Normal Deployed", "Normal Upgrading", "Normal RollingBack", "Warning UpgradeFailed"}
		eventually(t, 30*time.Second, "events of nf", func() error {
			list, err := kube.CoreV1().Events(tenant).List(ctx, metav1.ListOptions{FieldSelector: "involvedObject.kind=NfDeployment,involvedObject.name=nf"})
			if err != nil {
				return err
			}
			seen := map[string]bool{}
			for _, e := range list.Items {
				seen[e.Type+" "+e.Reason] = true
				if e.ReportingController != "netweave-o2dms-controller" {
					return fmt.Errorf("event %s reported by %q", e.Reason, e.ReportingController)
				}
			}
			for _, w := range want {
				if !seen[w] {
					return fmt.Errorf("no %q among %v", w, seen)
				}
			}
			return nil
		})
		out := s.kubectl(t, localstack.Admin, "describe", "nfdeployment", "nf", "-n", tenant)
		if !strings.Contains(out, "UpgradeFailed") || !strings.Contains(out, "netweave-o2dms-controller") {
			t.Errorf("kubectl describe shows no events of the controller:\n%s", out)
		}
	})

	t.Run("an unreachable chart repository is FAILED with the reason, then recovers", func(t *testing.T) {
		if err := charts.Stop(); err != nil {
			t.Fatal(err)
		}
		patch(t, `{"spec":{"descriptorRef":{"name":"demo-0.2.0","namespace":"`+invNS+`"}}}`)
		d := waitFor(t, "chart unavailable", failed("ChartUnavailable"))
		if !strings.Contains(d.Status.Message, "connect") && !strings.Contains(d.Status.Message, "refused") {
			t.Errorf("message: %s", d.Status.Message)
		}
		if err := charts.Restart(); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "recovered", func(d *dmsv1.NfDeployment) error {
			if err := deployed(0)(d); err != nil {
				return err
			}
			if h := d.Status.History; h[len(h)-1].ChartVersion != "0.2.0" {
				return errors.New("not on 0.2.0")
			}
			return nil
		})
		if got := configMessage(); got != "fixed/0.2.0" {
			t.Errorf("config map: %s", got)
		}
	})

	t.Run("a release uninstalled behind netweave's back is installed again", func(t *testing.T) {
		bin, err := localstack.HelmBinary()
		if err != nil {
			t.Fatal(err)
		}
		if out, err := exec.Command(bin, "uninstall", "nf", "-n", tenant, "--kubeconfig", mcp.Kubeconfig(localstack.Admin)).CombinedOutput(); err != nil {
			t.Fatalf("helm uninstall: %v\n%s", err, out)
		}
		waitFor(t, "reinstalled", func(d *dmsv1.NfDeployment) error {
			if err := deployed(1)(d); err != nil {
				return err
			}
			if c := meta.FindStatusCondition(d.Status.Conditions, controller.ConditionDriftRepaired); c == nil || c.Status != metav1.ConditionTrue {
				return errors.New("no DriftRepaired condition")
			}
			return nil
		})
		if got := configMessage(); got != "fixed/0.2.0" {
			t.Errorf("config map: %s", got)
		}
	})

	t.Run("an unreachable target cluster is FAILED with the reason, then recovers", func(t *testing.T) {
		if err := mcp.KubeAPIServer.Process.Stop(); err != nil {
			t.Fatal(err)
		}
		patch(t, `{"spec":{"values":{"message":"while-down"}}}`)
		waitFor(t, "target unavailable", failed("TargetUnavailable"))
		if err := mcp.KubeAPIServer.Process.Start(); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "recovered", func(d *dmsv1.NfDeployment) error {
			if err := deployed(0)(d); err != nil {
				return err
			}
			if got := configMessage(); got != "while-down/0.2.0" {
				return fmt.Errorf("config map %s", got)
			}
			return nil
		})
	})

	t.Run("the local cluster refuses namespaces not enabled for deployments", func(t *testing.T) {
		s.kubectlStdin(t, localstack.Admin, nfDeploymentManifest(tenant, "local", "demo-0.1.0", invNS, localDM, ""), "apply", "-f", "-")
		eventually(t, time.Minute, "local FAILED", func() error {
			d, err := nfds.Get(ctx, "local", metav1.GetOptions{})
			if err != nil {
				return err
			}
			if d.Status.Phase != dmsv1.NfDeploymentFailed || !strings.Contains(d.Status.Message, "namespace not enabled for deployments") {
				return fmt.Errorf("phase %s: %s", d.Status.Phase, d.Status.Message)
			}
			return nil
		})
		if err := nfds.Delete(ctx, "local", metav1.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
		eventually(t, time.Minute, "local deleted", func() error {
			if _, err := nfds.Get(ctx, "local", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
				return fmt.Errorf("still there: %v", err)
			}
			return nil
		})
	})

	t.Run("a tenant cannot deploy into another tenant's namespace", func(t *testing.T) {
		m := nfDeploymentManifest(tenant, "intruder", "demo-0.1.0", invNS, dmID, "") + "  targetNamespace: other-tenant\n"
		if _, stderr, err := s.kubectlStdin(t, localstack.Admin, m, "apply", "-f", "-"); err == nil || !strings.Contains(stderr, "spec.targetNamespace") {
			t.Errorf("deploying into another tenant's namespace: %v %s", err, stderr)
		}
		if list, err := mkube.AppsV1().Deployments("other-tenant").List(ctx, metav1.ListOptions{}); err != nil || len(list.Items) != 0 {
			t.Errorf("other tenant's namespace: %v %v", list, err)
		}
	})

	// TestRegression: a namespace admin removed the release finalizer and deleted the
	// NfDeployment, which went at once and left its release installed in the target cluster.
	t.Run("a namespace admin, even of '*', cannot remove the release finalizer", func(t *testing.T) {
		s.kubectlStdin(t, localstack.Admin, fmt.Sprintf(`apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: everything, namespace: %[1]s}
rules: [{apiGroups: ["*"], resources: ["*"], verbs: ["*"]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: alice-everything, namespace: %[1]s}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: everything}
subjects: [{apiGroup: rbac.authorization.k8s.io, kind: User, name: %[2]s}]
`, tenant, localstack.Alice), "apply", "-f", "-")
		eventually(t, 30*time.Second, "alice refused the finalizer removal", func() error {
			_, stderr, err := localstack.Kubectl(ctx, s.cp.Kubeconfig(localstack.Alice), "-n", tenant, "patch", "nfdeployment", "nf",
				"--type=json", "-p", `[{"op":"replace","path":"/metadata/finalizers","value":[]}]`)
			if err == nil {
				t.Fatal("alice removed the release finalizer")
			}
			if !strings.Contains(stderr, "Forbidden") || !strings.Contains(stderr, "metadata.finalizers") {
				return fmt.Errorf("patch: %v %s", err, stderr)
			}
			return nil
		})
		d, err := nfds.Get(ctx, "nf", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Contains(d.Finalizers, dmsv1.FinalizerRelease) {
			t.Fatalf("after the refused patch the finalizers are %v", d.Finalizers)
		}
	})

	t.Run("delete uninstalls the release and removes the finalizer", func(t *testing.T) {
		if err := nfds.Delete(ctx, "nf", metav1.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
		eventually(t, time.Minute, "deleted", func() error {
			if _, err := nfds.Get(ctx, "nf", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
				return fmt.Errorf("still there: %v", err)
			}
			return nil
		})
		if _, err := engine.Get(ctx, target, "nf"); !errors.Is(err, helmrelease.ErrNotFound) {
			t.Errorf("release after delete: %v", err)
		}
		if _, err := mkube.CoreV1().ConfigMaps(tenant).Get(ctx, "nf-config", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
			t.Errorf("config map after delete: %v", err)
		}
	})

	// TestRegressionChartTemplateExhaustsNetweave, on the real stack: a tenant's descriptor of
	// a chart whose templates render without end used to run in netweave's own process. Its
	// install is now FAILED on the bound of a rendering (a child process), nothing reaches the
	// target, and the controller goes on serving the next NfDeployment.
	t.Run("TestRegressionChartTemplateExhaustsNetweave", func(t *testing.T) {
		s.kubectlStdin(t, localstack.Admin, fmt.Sprintf(`apiVersion: o2dms.oran.org/v1alpha1
kind: NfDeploymentDescriptor
metadata: {name: runaway, namespace: %[1]s}
spec: {chart: {repository: {url: %[2]q, name: %[3]s}}, version: 0.1.0}
`, tenant, charts.URL, localstack.RunawayChartName), "apply", "-f", "-")
		s.kubectlStdin(t, localstack.Admin, nfDeploymentManifest(tenant, "nf-runaway", "runaway", tenant, dmID, "{}"), "apply", "-f", "-")
		start := time.Now()
		eventually(t, 90*time.Second, "the runaway chart FAILED", func() error {
			d, err := nfds.Get(ctx, "nf-runaway", metav1.GetOptions{})
			if err != nil {
				return err
			}
			c := meta.FindStatusCondition(d.Status.Conditions, controller.ConditionReady)
			if d.Status.Phase != dmsv1.NfDeploymentFailed || c == nil || c.Reason != "InstallFailed" {
				return fmt.Errorf("phase %s, message %q", d.Status.Phase, d.Status.Message)
			}
			if !strings.Contains(d.Status.Message, "went past the bounds of a rendering: rendering needed more than 256 MiB") {
				t.Fatalf("FAILED with message %q", d.Status.Message)
			}
			return nil
		})
		t.Logf("FAILED %s after the NfDeployment was applied", time.Since(start).Round(time.Millisecond))
		if _, err := engine.Get(ctx, target, "nf-runaway"); !errors.Is(err, helmrelease.ErrNotFound) {
			t.Errorf("release of the runaway chart in the member: %v", err)
		}
		if _, err := mkube.CoreV1().ConfigMaps(tenant).Get(ctx, "nf-runaway-0", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
			t.Errorf("a ConfigMap of the runaway chart in the member: %v", err)
		}
		// The controller is not hurt: the next NfDeployment is installed.
		s.kubectlStdin(t, localstack.Admin, nfDeploymentManifest(tenant, "nf-after", "demo-0.1.0", invNS, dmID, "{message: after}"), "apply", "-f", "-")
		eventually(t, 90*time.Second, "the next NfDeployment DEPLOYED", func() error {
			d, err := nfds.Get(ctx, "nf-after", metav1.GetOptions{})
			if err != nil {
				return err
			}
			if d.Status.Phase != dmsv1.NfDeploymentDeployed {
				return fmt.Errorf("phase %s, message %q", d.Status.Phase, d.Status.Message)
			}
			return nil
		})
	})
}

// refuseWhitespaceImages makes the cluster of k refuse Deployments with an image with leading
// whitespace, as an operator's ValidatingAdmissionPolicy would, and waits until it does in ns.
func refuseWhitespaceImages(t *testing.T, k kubernetes.Interface, ns string) {
	t.Helper()
	ctx := context.Background()
	failPolicy, deny := admissionv1.Fail, admissionv1.Deny
	if _, err := k.AdmissionregistrationV1().ValidatingAdmissionPolicies().Create(ctx, &admissionv1.ValidatingAdmissionPolicy{
		ObjectMeta: metav1.ObjectMeta{Name: "no-whitespace-images"},
		Spec: admissionv1.ValidatingAdmissionPolicySpec{
			FailurePolicy: &failPolicy,
			MatchConstraints: &admissionv1.MatchResources{ResourceRules: []admissionv1.NamedRuleWithOperations{{
				RuleWithOperations: admissionv1.RuleWithOperations{
					Operations: []admissionv1.OperationType{admissionv1.Create, admissionv1.Update},
					Rule:       admissionv1.Rule{APIGroups: []string{"apps"}, APIVersions: []string{"v1"}, Resources: []string{"deployments"}},
				}}}},
			Validations: []admissionv1.Validation{{
				Expression: "object.spec.template.spec.containers.all(c, !c.image.startsWith(' '))",
				Message:    "container image must not have leading whitespace",
			}},
		}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := k.AdmissionregistrationV1().ValidatingAdmissionPolicyBindings().Create(ctx, &admissionv1.ValidatingAdmissionPolicyBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "no-whitespace-images"},
		Spec: admissionv1.ValidatingAdmissionPolicyBindingSpec{PolicyName: "no-whitespace-images",
			ValidationActions: []admissionv1.ValidationAction{deny}},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	probe := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "whitespace-probe"},
		Spec: appsv1.DeploymentSpec{
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "probe"}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "probe"}},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: " registry.k8s.io/pause:3.10"}}},
			}}}
	eventually(t, time.Minute, "the policy refuses whitespace images", func() error {
		_, err := k.AppsV1().Deployments(ns).Create(ctx, probe, metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}})
		if err == nil || !strings.Contains(err.Error(), "leading whitespace") {
			return fmt.Errorf("dry-run create: %v", err)
		}
		return nil
	})
}
