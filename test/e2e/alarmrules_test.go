package e2e

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/alertmanager/api/v2/models"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	o2v1 "github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/generated/clientset/versioned"
	"github.com/netweave-io/netweave/internal/localstack"
	"github.com/netweave-io/netweave/internal/localstack/stacktest"
	"github.com/netweave-io/netweave/test/redisserver"
)

// TestRegressionAlertFiringAtStartRefersToItsRule (found by review): an alert a PrometheusRule
// of the inventory namespace defines, already firing when netweave starts, was recorded by the
// Alertmanager resync before the dictionary controller had written the rules dictionary (or
// before the cache had the write), so with no definition, for good: a record's spec never
// changes, and the O2 face served alarmDefinitionId as the nil UUID while it fired. The alarm
// now refers to the definition the rules dictionary holds. Real kube-apiserver with the
// Prometheus Operator's PrometheusRule CRD, real Alertmanager, real Redis.
func TestRegressionAlertFiringAtStartRefersToItsRule(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	cp := stacktest.StartControlPlane(t, localstack.Options{})
	admin := cp.Kubeconfig(localstack.Admin)
	crds, err := localstack.CRDDir()
	if err != nil {
		t.Fatal(err)
	}
	crd := filepath.Join(crds, "monitoring.coreos.com_prometheusrules.yaml")
	for _, args := range [][]string{
		{"apply", "--server-side", "-f", crd},
		{"wait", "--for=condition=Established", "--timeout=60s", "-f", crd},
		{"create", "namespace", invNS},
	} {
		if out, stderr, err := localstack.Kubectl(ctx, admin, args...); err != nil {
			t.Fatalf("kubectl %s: %v\n%s%s", strings.Join(args, " "), err, out, stderr)
		}
	}
	const alertName = "NodeFilesystemAlmostFull"
	rule := `apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata: {name: node-disks, namespace: ` + invNS + `}
spec:
  groups:
  - name: node
    rules:
    - alert: ` + alertName + `
      expr: node_filesystem_avail_bytes / node_filesystem_size_bytes < 0.1
      labels: {severity: major}
      annotations: {summary: A filesystem is almost full}
`
	if out, stderr, err := localstack.KubectlWithInput(ctx, admin, strings.NewReader(rule), "apply", "-f", "-"); err != nil {
		t.Fatalf("apply the PrometheusRule: %v\n%s%s", err, out, stderr)
	}
	// Firing before netweave starts; its webhook goes nowhere, so the resync is what records it.
	am := stacktest.StartAlertmanager(t, localstack.AlertmanagerOptions{WebhookURL: "http://127.0.0.1:1/lost"})
	started := time.Now().Add(-time.Minute).UTC().Truncate(time.Second)
	if err := am.PostAlerts(ctx, models.PostableAlerts{localstack.Alert(alertName,
		map[string]string{"severity": "major", "cluster": "e2e-cluster"}, started, time.Time{})}); err != nil {
		t.Fatal(err)
	}

	redis := redisserver.Start(t)
	stacktest.StartNetweave(t, cp, localstack.NetweaveOptions{RedisAddr: redis.Addr(), KeyPrefix: "e2e", Verbosity: 2, WaitReady: true,
		Args: append(invArgs("replica-a"), "--alertmanager-url="+am.URL, "--alertmanager-resync-interval=1s")})
	o2 := versioned.NewForConfigOrDie(cp.RESTConfig(localstack.Admin))

	raised := waitSourceAlarm(t, o2, "alertmanager", func(a *o2v1.AlarmEventRecord) error {
		if a.Spec.AlarmName != alertName {
			return fmt.Errorf("alarm %s", a.Spec.AlarmName)
		}
		return nil
	})
	var def *o2v1.AlarmDefinition
	var dict *o2v1.AlarmDictionary
	eventually(t, syncWait, "the rules dictionary defining "+alertName, func() error {
		d, err := o2.O2imsV1alpha1().AlarmDictionaries(invNS).Get(ctx, "prometheus-rules", metav1.GetOptions{})
		if err != nil {
			return err
		}
		for i := range d.Spec.AlarmDefinitions {
			if d.Spec.AlarmDefinitions[i].AlarmName == alertName {
				dict, def = d, &d.Spec.AlarmDefinitions[i]
				return nil
			}
		}
		return fmt.Errorf("no definition of %s in %+v", alertName, d.Spec.AlarmDefinitions)
	})
	if raised.Spec.AlarmDictionaryID != dict.Spec.AlarmDictionaryID || raised.Spec.AlarmDefinitionID != def.AlarmDefinitionID {
		t.Errorf("the alarm of an alert firing at the start refers to dictionary %q definition %q; the rules dictionary is %q, its definition %q",
			raised.Spec.AlarmDictionaryID, raised.Spec.AlarmDefinitionID, dict.Spec.AlarmDictionaryID, def.AlarmDefinitionID)
	}
}
