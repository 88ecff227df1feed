package e2e

import (
	"context"
	"errors"
	"net/netip"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"helm.sh/helm/v4/pkg/chart/common"
	chart "helm.sh/helm/v4/pkg/chart/v2"
	rcommon "helm.sh/helm/v4/pkg/release/common"
	release "helm.sh/helm/v4/pkg/release/v1"
	"helm.sh/helm/v4/pkg/storage"
	"helm.sh/helm/v4/pkg/storage/driver"

	"github.com/netweave-io/netweave/internal/localstack"
	"github.com/netweave-io/netweave/internal/localstack/stacktest"
	"github.com/netweave-io/netweave/pkg/helmrelease"
	"github.com/netweave-io/netweave/pkg/notify"
)

// TestHelmReleaseEngine drives pkg/helmrelease (the Helm SDK) against a real kube-apiserver
// and the local chart repository make run serves: install, upgrade, rollback, history, a
// pinned digest, atomic failure of install and upgrade, drift (the release uninstalled with
// the helm command) and uninstall, with `helm list` in the target namespace agreeing.
func TestHelmReleaseEngine(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	cp := stacktest.StartControlPlane(t, localstack.Options{})
	charts, err := localstack.StartChartRepo(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := charts.Stop(); err != nil {
			t.Error(err)
		}
	})
	kube := kubernetes.NewForConfigOrDie(cp.RESTConfig(localstack.Admin))
	const ns = "nf-a"
	if _, err := kube.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	target := helmrelease.Target{Config: cp.RESTConfig(localstack.Admin), Namespace: ns}
	engine := helmrelease.NewEngine(helmrelease.Config{})
	// The local chart repository serves on loopback, which the fetcher's policy refuses
	// unless allowed (as --o2dms-chart-allowed-cidrs does for the controller).
	fetcher := helmrelease.Fetcher{HTTP: helmrelease.NewHTTPClient(helmrelease.ClientConfig{
		Policy: &notify.CallbackPolicy{Allowed: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}}, Timeout: time.Minute})}
	fetch := func(version, digest string) (*helmrelease.Fetched, error) {
		return fetcher.Fetch(ctx, helmrelease.Source{RepoURL: charts.URL, Name: localstack.DemoChartName, Version: version, Digest: digest})
	}
	v1, err := fetch("0.1.0", charts.Digests["0.1.0"])
	if err != nil {
		t.Fatal(err)
	}
	v2, err := fetch("0.2.0", "")
	if err != nil {
		t.Fatal(err)
	}
	if v2.Digest != charts.Digests["0.2.0"] {
		t.Errorf("digest of 0.2.0: %s, repository says %s", v2.Digest, charts.Digests["0.2.0"])
	}
	configMessage := func(name string) (string, string) {
		t.Helper()
		cm, err := kube.CoreV1().ConfigMaps(ns).Get(ctx, name+"-config", metav1.GetOptions{})
		if err != nil {
			t.Fatalf("config map of %s: %v", name, err)
		}
		return cm.Data["message"], cm.Data["chartVersion"]
	}
	helmList := func() string {
		bin, err := localstack.HelmBinary()
		if err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(bin, "list", "-n", ns, "--kubeconfig", cp.Kubeconfig(localstack.Admin), "-o", "json").CombinedOutput()
		if err != nil {
			t.Fatalf("helm list: %v\n%s", err, out)
		}
		return string(out)
	}

	t.Run("bad sources are refused", func(t *testing.T) {
		if _, err := fetch("0.1.0", "sha256:"+strings.Repeat("0", 64)); !errors.Is(err, helmrelease.ErrDigestMismatch) {
			t.Errorf("wrong pin: %v", err)
		}
		if _, err := fetch("9.9.9", ""); err == nil {
			t.Error("unknown version fetched")
		}
		if _, err := fetcher.Fetch(ctx, helmrelease.Source{RepoURL: "http://127.0.0.1:1", Name: "x", Version: "1.0.0"}); err == nil {
			t.Error("unreachable repository fetched")
		}
	})

	t.Run("install, upgrade, rollback and history", func(t *testing.T) {
		r, err := engine.Apply(ctx, target, "demo", v1.Chart, map[string]any{"message": "first"}, "")
		if err != nil {
			t.Fatal(err)
		}
		if r.Revision != 1 || r.Status != "deployed" || r.ChartVersion != "0.1.0" {
			t.Errorf("install: %+v", r)
		}
		if msg, ver := configMessage("demo"); msg != "first" || ver != "0.1.0" {
			t.Errorf("after install: %s %s", msg, ver)
		}
		if r, err = engine.Apply(ctx, target, "demo", v2.Chart, map[string]any{"message": "second"}, ""); err != nil {
			t.Fatal(err)
		}
		if r.Revision != 2 || r.ChartVersion != "0.2.0" {
			t.Errorf("upgrade: %+v", r)
		}
		if msg, ver := configMessage("demo"); msg != "second" || ver != "0.2.0" {
			t.Errorf("after upgrade: %s %s", msg, ver)
		}
		if list := helmList(); !strings.Contains(list, `"name":"demo"`) || !strings.Contains(list, `"revision":"2"`) || !strings.Contains(list, `"status":"deployed"`) {
			t.Errorf("helm list disagrees: %s", list)
		}

		// Values the chart's schema refuses: the upgrade fails and nothing deployed changes.
		if _, err := engine.Apply(ctx, target, "demo", v2.Chart, map[string]any{"replicas": 99}, ""); err == nil {
			t.Error("upgrade with values failing the schema succeeded")
		}
		if got, err := engine.Get(ctx, target, "demo"); err != nil || got.Revision != 2 || got.Status != "deployed" {
			t.Errorf("after a failed upgrade: %+v %v", got, err)
		}
		if msg, _ := configMessage("demo"); msg != "second" {
			t.Errorf("a failed upgrade changed the config: %s", msg)
		}

		if r, err = engine.Rollback(ctx, target, "demo", 1); err != nil {
			t.Fatal(err)
		}
		if r.Revision != 3 || r.ChartVersion != "0.1.0" {
			t.Errorf("rollback: %+v", r)
		}
		if msg, ver := configMessage("demo"); msg != "first" || ver != "0.1.0" {
			t.Errorf("after rollback: %s %s", msg, ver)
		}
		hist, err := engine.History(ctx, target, "demo")
		if err != nil {
			t.Fatal(err)
		}
		var versions []string
		for _, h := range hist {
			versions = append(versions, h.ChartVersion+"/"+h.Status)
		}
		if strings.Join(versions, ",") != "0.1.0/superseded,0.2.0/superseded,0.1.0/deployed" {
			t.Errorf("history: %v", versions)
		}
		if hist[0].ValuesHash != hist[2].ValuesHash || hist[0].ValuesHash == hist[1].ValuesHash {
			t.Errorf("values hashes: %+v", hist)
		}

		// An upgrade the cluster refuses half-way (a new object whose name a foreign one has):
		// the deployed revision is put back and the foreign object is left alone.
		foreign := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "foreign"}, Data: map[string]string{"owner": "someone-else"}}
		if _, err := kube.CoreV1().ConfigMaps(ns).Create(ctx, foreign, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		clash := *v2.Chart
		clash.Templates = append(slices.Clone(v2.Chart.Templates), &common.File{Name: "templates/clash.yaml",
			Data: []byte("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: foreign\ndata:\n  owner: demo\n")})
		if _, err := engine.Apply(ctx, target, "demo", &clash, map[string]any{"message": "third"}, ""); err == nil {
			t.Fatal("upgrade over a foreign ConfigMap succeeded")
		}
		got, err := engine.Get(ctx, target, "demo")
		if err != nil || got.Status != "deployed" || got.ChartVersion != "0.1.0" {
			t.Errorf("after a refused upgrade: %+v %v", got, err)
		}
		if msg, ver := configMessage("demo"); msg != "first" || ver != "0.1.0" {
			t.Errorf("a refused upgrade changed the config: %s %s", msg, ver)
		}
		if cm, err := kube.CoreV1().ConfigMaps(ns).Get(ctx, "foreign", metav1.GetOptions{}); err != nil || cm.Data["owner"] != "someone-else" {
			t.Errorf("foreign config map: %v %v", cm, err)
		}
	})

	// TestRegressionUpgradeToEmptyValuesRunsTheChartDefaults: an NfDeployment whose values
	// became empty (spec.values removed, no descriptor defaults) was upgraded with Helm's
	// implicit reuse of the previous release's values: the old values kept running while the
	// status said DEPLOYED, and the release's values hash, never the spec's, made the controller
	// upgrade again on every resync, a new revision each time.
	t.Run("TestRegressionUpgradeToEmptyValuesRunsTheChartDefaults", func(t *testing.T) {
		if _, err := engine.Apply(ctx, target, "emptied", v1.Chart, map[string]any{"message": "tenant-value"}, ""); err != nil {
			t.Fatal(err)
		}
		empty := map[string]any{}
		r, err := engine.Apply(ctx, target, "emptied", v1.Chart, empty, "")
		if err != nil {
			t.Fatal(err)
		}
		if msg, _ := configMessage("emptied"); msg != "hello from demo-nf" {
			t.Errorf("after an upgrade to empty values the release runs message %q, not the chart's default", msg)
		}
		if r.ValuesHash != helmrelease.ValuesHash(empty) {
			t.Errorf("release values hash %s, the applied values' %s: the controller would upgrade on every resync", r.ValuesHash, helmrelease.ValuesHash(empty))
		}
		if r.Revision != 2 {
			t.Errorf("revision %d after one install and one upgrade", r.Revision)
		}
		if err := engine.Uninstall(ctx, target, "emptied", helmrelease.TakeUnowned); err != nil {
			t.Error(err)
		}
	})

	// cmChart is a chart of one ConfigMap, <release>-config, whose data names the chart.
	cmChart := func(name string) *chart.Chart {
		return &chart.Chart{
			Metadata:  &chart.Metadata{APIVersion: "v2", Name: name, Version: "1.0.0"},
			Templates: []*common.File{{Name: "templates/cm.yaml", Data: []byte("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-config\ndata:\n  chart: {{ .Chart.Name | quote }}\n")}},
		}
	}

	// TestRegressionReleaseRecordsItsChartIdentity (found by review): Helm records a chart's
	// name and version only, so a release told netweave nothing of which chart source (or digest
	// pin) it came from, and the O2-DMS controller never upgraded an NfDeployment switched to
	// another chart of the same version. Each revision now records the chart's identity as a
	// release label: install and upgrade set it, a rollback takes the one of the revision it
	// goes back to, and Get returns it.
	t.Run("TestRegressionReleaseRecordsItsChartIdentity", func(t *testing.T) {
		upf := helmrelease.Source{RepoURL: "https://charts.example", Name: "upf", Version: "1.0.0"}
		nf := helmrelease.Source{RepoURL: "https://charts.example", Name: "nf", Version: "1.0.0"}
		check := func(what string, rel *helmrelease.Release, err error, want string) {
			t.Helper()
			if err != nil {
				t.Fatalf("%s: %v", what, err)
			}
			if rel.ChartID != want {
				t.Errorf("%s: revision %d chart identity %q, want %q", what, rel.Revision, rel.ChartID, want)
			}
			got, err := engine.Get(ctx, target, "chart-id")
			if err != nil {
				t.Fatalf("%s: get: %v", what, err)
			}
			if got.ChartID != want {
				t.Errorf("%s: Get says chart identity %q, want %q", what, got.ChartID, want)
			}
		}
		rel, err := engine.Apply(ctx, target, "chart-id", cmChart("upf"), nil, upf.ID())
		check("install", rel, err, upf.ID())
		rel, err = engine.Apply(ctx, target, "chart-id", cmChart("nf"), nil, nf.ID())
		check("upgrade to another chart of the same version", rel, err, nf.ID())
		rel, err = engine.Rollback(ctx, target, "chart-id", 1)
		check("rollback to revision 1", rel, err, upf.ID())
		if err := engine.Uninstall(ctx, target, "chart-id", helmrelease.TakeUnowned); err != nil {
			t.Error(err)
		}
	})

	// TestRegressionOperatorNfDeploymentCannotTakeOverTenantRelease, the engine's half (the
	// controller's is a unit test): a release is recorded with its owner (the NfDeployment's
	// namespace), and another owner can neither upgrade, roll back nor uninstall it. A release
	// recorded without one (an older netweave's, helm's) is adopted by the first owner that
	// applies it.
	t.Run("an owner's release is refused to another", func(t *testing.T) {
		tenant, operator := target, target
		tenant.Owner, operator.Owner = "tenant-a", "o2ims-system"
		if _, err := engine.Apply(ctx, target, "owned", cmChart("legacy"), nil, ""); err != nil {
			t.Fatalf("install without an owner: %v", err)
		}
		rel, err := engine.Apply(ctx, tenant, "owned", cmChart("tenant"), nil, "")
		if err != nil || rel.Owner != "tenant-a" || rel.Revision != 2 {
			t.Fatalf("tenant adopts the ownerless release: %+v, %v", rel, err)
		}
		if _, err := engine.Apply(ctx, operator, "owned", cmChart("operator"), nil, ""); !errors.Is(err, helmrelease.ErrOwnedElsewhere) {
			t.Errorf("another owner's upgrade: %v, want ErrOwnedElsewhere", err)
		}
		if _, err := engine.Rollback(ctx, operator, "owned", 1); !errors.Is(err, helmrelease.ErrOwnedElsewhere) {
			t.Errorf("another owner's rollback: %v, want ErrOwnedElsewhere", err)
		}
		if err := engine.Uninstall(ctx, operator, "owned", helmrelease.TakeUnowned); !errors.Is(err, helmrelease.ErrOwnedElsewhere) {
			t.Errorf("another owner's uninstall: %v, want ErrOwnedElsewhere", err)
		}
		got, err := engine.Get(ctx, operator, "owned")
		if err != nil || got.Revision != 2 || got.Owner != "tenant-a" || got.Status != "deployed" {
			t.Errorf("the tenant's release after the operator's attempts: %+v, %v", got, err)
		}
		cm, err := kube.CoreV1().ConfigMaps(ns).Get(ctx, "owned-config", metav1.GetOptions{})
		if err != nil || cm.Data["chart"] != "tenant" {
			t.Errorf("the tenant's workload after the operator's attempts: %v, %v", cm, err)
		}
		// A rollback to the revision made before owners were recorded keeps the owner.
		if rel, err := engine.Rollback(ctx, tenant, "owned", 1); err != nil || rel.Owner != "tenant-a" || rel.Revision != 3 {
			t.Errorf("the owner's rollback to an ownerless revision: %+v, %v", rel, err)
		}
		if _, err := engine.Apply(ctx, operator, "owned", cmChart("operator"), nil, ""); !errors.Is(err, helmrelease.ErrOwnedElsewhere) {
			t.Errorf("another owner's upgrade after the rollback: %v, want ErrOwnedElsewhere", err)
		}
		if err := engine.Uninstall(ctx, tenant, "owned", helmrelease.TakeUnowned); err != nil {
			t.Errorf("the owner's uninstall: %v", err)
		}
		if _, err := engine.Get(ctx, tenant, "owned"); !errors.Is(err, helmrelease.ErrNotFound) {
			t.Errorf("after the owner's uninstall: %v", err)
		}
	})

	t.Run("TestRegressionAbandonedPendingReleaseIsTakenOver", func(t *testing.T) {
		// A process killed during an upgrade (SIGKILL, a node lost) leaves Helm's record of the
		// new revision pending-upgrade; Helm then refused every later upgrade and rollback of
		// the release ("another operation is in progress"), forever. A pending revision older
		// than the engine's Timeout (the bound of one action) is now marked failed and the
		// action goes on; a younger one may be a live action and is left alone.
		const name = "stuck"
		if _, err := engine.Apply(ctx, target, name, v1.Chart, map[string]any{"message": "first"}, ""); err != nil {
			t.Fatal(err)
		}
		// What the killed upgrade left: revision 2, pending-upgrade, written through Helm's own
		// storage driver as the upgrade writes it.
		store := storage.Init(driver.NewSecrets(kube.CoreV1().Secrets(ns)))
		pend := func(version int, status rcommon.Status, started time.Time) {
			t.Helper()
			last, err := store.Last(name)
			if err != nil {
				t.Fatal(err)
			}
			p := *last.(*release.Release)
			info := *p.Info
			p.Info, p.Version = &info, version
			p.Info.Status, p.Info.LastDeployed, p.Info.Description = status, started, "killed before it finished"
			if err := store.Create(&p); err != nil {
				t.Fatal(err)
			}
		}
		pend(2, rcommon.StatusPendingUpgrade, time.Now())
		if _, err := engine.Apply(ctx, target, name, v2.Chart, map[string]any{"message": "second"}, ""); !errors.Is(err, helmrelease.ErrActionInProgress) {
			t.Fatalf("upgrade over a pending revision of a moment ago: %v, want ErrActionInProgress", err)
		}
		// The same record, older than the engine's Timeout (its default, 5 minutes).
		rec, err := store.Get(name, 2)
		if err != nil {
			t.Fatal(err)
		}
		rec.(*release.Release).Info.LastDeployed = time.Now().Add(-6 * time.Minute)
		if err := store.Update(rec); err != nil {
			t.Fatal(err)
		}
		r, err := engine.Apply(ctx, target, name, v2.Chart, map[string]any{"message": "second"}, "")
		if err != nil {
			t.Fatalf("upgrade over an abandoned pending revision: %v", err)
		}
		if r.Revision != 3 || r.Status != "deployed" {
			t.Errorf("upgrade: %+v", r)
		}
		if msg, ver := configMessage(name); msg != "second" || ver != "0.2.0" {
			t.Errorf("after the upgrade: %s %s", msg, ver)
		}
		// A rollback killed likewise: the next rollback goes on.
		pend(4, rcommon.StatusPendingRollback, time.Now().Add(-6*time.Minute))
		if r, err = engine.Rollback(ctx, target, name, 1); err != nil || r.Revision != 5 || r.Status != "deployed" {
			t.Fatalf("rollback over an abandoned pending revision: %+v %v", r, err)
		}
		hist, err := engine.History(ctx, target, name)
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range hist {
			if (h.Revision == 2 || h.Revision == 4) && (h.Status != "failed" || !strings.Contains(h.Description, "abandoned")) {
				t.Errorf("revision %d: %s %q, want failed and described as abandoned", h.Revision, h.Status, h.Description)
			}
		}
		if err := engine.Uninstall(ctx, target, name, helmrelease.TakeUnowned); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("TestRegressionReleaseLeftUninstalledIsRepaired", func(t *testing.T) {
		// Found by review: a release whose last revision is uninstalled but whose older ones
		// are not (helm uninstall --keep-history after an upgrade) was sent to Helm's upgrade,
		// and one left uninstalling (an uninstall killed, or an object it could not delete) too:
		// Helm refused both on every retry ("has no deployed releases"), FAILED for good. The
		// first is installed again over its record; the second, once older than the engine's
		// Timeout (the bound of one action), has its uninstall finished and is installed afresh.
		bin, err := localstack.HelmBinary()
		if err != nil {
			t.Fatal(err)
		}
		store := storage.Init(driver.NewSecrets(kube.CoreV1().Secrets(ns)))
		twoRevisions := func(name string) {
			t.Helper()
			for _, msg := range []string{"first", "second"} {
				if _, err := engine.Apply(ctx, target, name, v1.Chart, map[string]any{"message": msg}, ""); err != nil {
					t.Fatal(err)
				}
			}
		}
		const kept = "kept"
		twoRevisions(kept)
		if out, err := exec.Command(bin, "uninstall", kept, "--keep-history", "-n", ns, "--kubeconfig", cp.Kubeconfig(localstack.Admin)).CombinedOutput(); err != nil {
			t.Fatalf("helm uninstall --keep-history: %v\n%s", err, out)
		}
		if _, err := engine.Get(ctx, target, kept); !errors.Is(err, helmrelease.ErrNotFound) {
			t.Fatalf("after helm uninstall --keep-history: %v", err)
		}
		if r, err := engine.Apply(ctx, target, kept, v1.Chart, map[string]any{"message": "again"}, ""); err != nil || r.Status != "deployed" {
			t.Fatalf("drift repair of a release uninstalled with its history kept: %+v %v", r, err)
		}
		if msg, _ := configMessage(kept); msg != "again" {
			t.Errorf("after the repair: %s", msg)
		}

		// What a killed uninstall leaves: the last revision uninstalling, its objects there.
		const half = "half"
		twoRevisions(half)
		uninstalling := func(deleted time.Time) {
			t.Helper()
			last, err := store.Last(half)
			if err != nil {
				t.Fatal(err)
			}
			r := last.(*release.Release)
			r.Info.Status, r.Info.Deleted, r.Info.Description = rcommon.StatusUninstalling, deleted, "Deletion in progress (or silently failed)"
			if err := store.Update(r); err != nil {
				t.Fatal(err)
			}
		}
		uninstalling(time.Now())
		if _, err := engine.Get(ctx, target, half); !errors.Is(err, helmrelease.ErrNotFound) {
			t.Errorf("a release being uninstalled: %v, want ErrNotFound (nothing deployed)", err)
		}
		if _, err := engine.Apply(ctx, target, half, v1.Chart, map[string]any{"message": "again"}, ""); !errors.Is(err, helmrelease.ErrActionInProgress) {
			t.Fatalf("apply over an uninstall of a moment ago: %v, want ErrActionInProgress", err)
		}
		uninstalling(time.Now().Add(-6 * time.Minute))
		r, err := engine.Apply(ctx, target, half, v1.Chart, map[string]any{"message": "again"}, "")
		if err != nil || r.Status != "deployed" || r.Revision != 1 {
			t.Fatalf("apply over an abandoned uninstall: %+v %v, want revision 1 deployed (installed afresh)", r, err)
		}
		if msg, _ := configMessage(half); msg != "again" {
			t.Errorf("after the reinstall: %s", msg)
		}
		for _, name := range []string{kept, half} {
			if err := engine.Uninstall(ctx, target, name, helmrelease.TakeUnowned); err != nil {
				t.Fatal(err)
			}
		}
	})

	t.Run("a failed install leaves nothing behind and touches no foreign object", func(t *testing.T) {
		foreign := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "taken", Labels: map[string]string{"owner": "someone-else"}},
			Spec: appsv1.DeploymentSpec{Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"a": "b"}},
				Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"a": "b"}},
					Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "registry.k8s.io/pause:3.10"}}}}}}
		if _, err := kube.AppsV1().Deployments(ns).Create(ctx, foreign, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		if _, err := engine.Apply(ctx, target, "taken", v1.Chart, nil, ""); err == nil {
			t.Fatal("install over a foreign Deployment succeeded")
		}
		if _, err := engine.Get(ctx, target, "taken"); !errors.Is(err, helmrelease.ErrNotFound) {
			t.Errorf("release after a failed install: %v", err)
		}
		if _, err := kube.CoreV1().ConfigMaps(ns).Get(ctx, "taken-config", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
			t.Errorf("config map of the failed install: %v", err)
		}
		d, err := kube.AppsV1().Deployments(ns).Get(ctx, "taken", metav1.GetOptions{})
		if err != nil || d.Labels["owner"] != "someone-else" {
			t.Errorf("foreign deployment: %v %v", d, err)
		}
	})

	t.Run("drift: a release uninstalled behind the engine's back is seen and reinstalled", func(t *testing.T) {
		bin, err := localstack.HelmBinary()
		if err != nil {
			t.Fatal(err)
		}
		if out, err := exec.Command(bin, "uninstall", "demo", "-n", ns, "--kubeconfig", cp.Kubeconfig(localstack.Admin)).CombinedOutput(); err != nil {
			t.Fatalf("helm uninstall: %v\n%s", err, out)
		}
		if _, err := engine.Get(ctx, target, "demo"); !errors.Is(err, helmrelease.ErrNotFound) {
			t.Fatalf("after helm uninstall: %v", err)
		}
		r, err := engine.Apply(ctx, target, "demo", v1.Chart, map[string]any{"message": "again"}, "")
		if err != nil {
			t.Fatal(err)
		}
		if r.Status != "deployed" {
			t.Errorf("reinstall: %+v", r)
		}
		if msg, _ := configMessage("demo"); msg != "again" {
			t.Errorf("after reinstall: %s", msg)
		}
	})

	t.Run("uninstall removes the release and its objects; twice is fine", func(t *testing.T) {
		for range 2 {
			if err := engine.Uninstall(ctx, target, "demo", helmrelease.TakeUnowned); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := engine.Get(ctx, target, "demo"); !errors.Is(err, helmrelease.ErrNotFound) {
			t.Errorf("after uninstall: %v", err)
		}
		if _, err := kube.CoreV1().ConfigMaps(ns).Get(ctx, "demo-config", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
			t.Errorf("config map after uninstall: %v", err)
		}
		if list := helmList(); strings.Contains(list, `"name":"demo"`) {
			t.Errorf("helm list still has the release: %s", list)
		}
	})
}
