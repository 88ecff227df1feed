package e2e

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/alertmanager/api/v2/models"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	o2v1 "github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/generated/clientset/versioned"
	"github.com/netweave-io/netweave/internal/localstack"
	"github.com/netweave-io/netweave/internal/localstack/stacktest"
	"github.com/netweave-io/netweave/pkg/alarms/alertmanager"
)

// TestAlertmanagerAlarms runs two real Alertmanagers against the real stack: one whose webhook
// reaches netweave (authenticated as a user bound to o2ims-alert-sender), and one whose webhook
// is lost, which netweave only learns of through its resync of /api/v2/alerts.
func TestAlertmanagerAlarms(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	lost := stacktest.StartAlertmanager(t, localstack.AlertmanagerOptions{WebhookURL: "http://127.0.0.1:1/lost"})
	s := startStack(t, append(append(invArgs("replica-a"), notifierArgs...),
		"--alertmanager-url="+lost.URL, "--alertmanager-receiver="+localstack.AlertmanagerReceiver, "--alertmanager-resync-interval=1s", "--alertmanager-startup-grace="+amStartupGrace.String())...)
	cfg := s.cp.RESTConfig(localstack.Admin)
	c := invClients{kube: kubernetes.NewForConfigOrDie(cfg), o2: versioned.NewForConfigOrDie(cfg)}
	s.kubectl(t, localstack.Admin, "create", "clusterrolebinding", "carol-sends-alerts", "--clusterrole=o2ims-alert-sender", "--user="+localstack.Carol)
	caFile := filepath.Join(t.TempDir(), "o2-ca.crt")
	if err := os.WriteFile(caFile, s.cp.Serving.CABundle, 0o600); err != nil {
		t.Fatal(err)
	}
	webhook := s.o2APIRoot() + alertmanager.WebhookPath
	am := stacktest.StartAlertmanager(t, localstack.AlertmanagerOptions{
		WebhookURL: webhook, BearerToken: s.cp.RESTConfig(localstack.Carol).BearerToken, CAFile: caFile,
	})
	smo := newReceiver(t)
	subscribeAlarms(t, s, localstack.Admin, invNS, "operator", smo.srv.URL+"/operator", nil)
	c.createNode(t, "am-n1", "zone-a", "small", true)
	c.waitResource(t, invNS, "am-n1", nil)
	res := c.resource(t, invNS, "am-n1")

	t.Run("an alert fired and resolved through Alertmanager raises and clears the node's alarm", func(t *testing.T) {
		started := time.Now().Add(-time.Minute).UTC().Truncate(time.Second)
		labels := map[string]string{"severity": "major", "node": "am-n1"}
		if err := am.PostAlerts(ctx, models.PostableAlerts{localstack.Alert("KubeletDown", labels, started, time.Time{})}); err != nil {
			t.Fatal(err)
		}
		raised := waitSourceAlarm(t, c.o2, "alertmanager", func(a *o2v1.AlarmEventRecord) error {
			if a.Spec.ObjectID != res.Spec.ResourceID || a.Spec.ObjectClass != "Resource" || a.Spec.AlarmName != "KubeletDown" ||
				a.Status.PerceivedSeverity != o2v1.PerceivedSeverityMajor || !a.Status.AlarmRaisedTime.Time.Equal(started) {
				return fmt.Errorf("alarm %+v %+v", a.Spec, a.Status)
			}
			return nil
		})
		waitEvent(t, smo, raised.Spec.AlarmEventRecordID, 0)
		if err := am.PostAlerts(ctx, models.PostableAlerts{localstack.Alert("KubeletDown", labels, started, time.Now().UTC().Truncate(time.Second))}); err != nil {
			t.Fatal(err)
		}
		waitSourceAlarm(t, c.o2, "alertmanager", func(a *o2v1.AlarmEventRecord) error {
			if a.Name != raised.Name || a.Status.PerceivedSeverity != o2v1.PerceivedSeverityCleared {
				return fmt.Errorf("alarm %s severity %d", a.Name, a.Status.PerceivedSeverity)
			}
			return nil
		})
		waitEvent(t, smo, raised.Spec.AlarmEventRecordID, 2)
	})

	// Bob holds o2ims-admin cluster-wide (TestRegressionO2AdminCannotSendAlerts): its write
	// verbs on every o2ims.oran.org resource do not include sending alerts.
	t.Run("a webhook from a caller without o2ims-alert-sender is refused", func(t *testing.T) {
		s.kubectl(t, localstack.Admin, "create", "clusterrolebinding", "bob-o2-admin", "--clusterrole=o2ims-admin", "--user="+localstack.Bob)
		body := `{"version":"4","status":"firing","alerts":[]}`
		for user, want := range map[string]int{"": http.StatusUnauthorized, localstack.Bob: http.StatusForbidden, localstack.Dave: http.StatusForbidden} {
			code, hdr, _ := s.o2As(t, user).send(http.MethodPost, alertmanager.WebhookPath, "application/json", body)
			if code != want || hdr.Get("Content-Type") != "application/problem+json" {
				t.Errorf("webhook as %q: %d %q, want %d problem+json", user, code, hdr.Get("Content-Type"), want)
			}
		}
	})

	t.Run("an alert whose webhook was lost is raised by the resync and cleared once resolved", func(t *testing.T) {
		started := time.Now().Add(-time.Minute).UTC().Truncate(time.Second)
		labels := map[string]string{"severity": "warning", "cluster": "e2e-cluster"}
		if err := lost.PostAlerts(ctx, models.PostableAlerts{localstack.Alert("EtcdSlow", labels, started, time.Time{})}); err != nil {
			t.Fatal(err)
		}
		raised := waitSourceAlarm(t, c.o2, "alertmanager", func(a *o2v1.AlarmEventRecord) error {
			if a.Spec.AlarmName != "EtcdSlow" || a.Spec.ObjectClass != "DeploymentManager" || a.Status.PerceivedSeverity != o2v1.PerceivedSeverityWarning {
				return fmt.Errorf("alarm %s %s %d", a.Spec.AlarmName, a.Spec.ObjectClass, a.Status.PerceivedSeverity)
			}
			return nil
		})
		if err := lost.PostAlerts(ctx, models.PostableAlerts{localstack.Alert("EtcdSlow", labels, started, time.Now().UTC().Truncate(time.Second))}); err != nil {
			t.Fatal(err)
		}
		waitSourceAlarm(t, c.o2, "alertmanager", func(a *o2v1.AlarmEventRecord) error {
			if a.Name != raised.Name || a.Status.PerceivedSeverity != o2v1.PerceivedSeverityCleared {
				return fmt.Errorf("alarm %s severity %d", a.Name, a.Status.PerceivedSeverity)
			}
			return nil
		})
	})

	t.Run("a restarted Alertmanager clears no alarm before its alerts are back", func(t *testing.T) {
		testAlertmanagerRestart(t, s, c, &lost)
	})
}

// amStartupGrace is TestAlertmanagerAlarms' --alertmanager-startup-grace: long enough for its
// restart subtest to look at two resyncs within it on a loaded machine, short enough to wait
// out once.
const amStartupGrace = 20 * time.Second

// testAlertmanagerRestart is TestRegressionRestartedAlertmanagerClearsNoAlarm (unit) on the
// real stack: Alertmanager keeps no alerts across a restart, and has each again only once
// Prometheus sends it again. A resync that reached it in between cleared every alarm of the
// Alertmanager source, and the alerts raised them again under new ids, unacknowledged. The
// resyncs of a restarted Alertmanager clear nothing for --alertmanager-startup-grace; the
// alert sent again keeps its alarm, and a resync after the grace believes the answer whole.
func testAlertmanagerRestart(t *testing.T, s *stack, c invClients, lost **localstack.Alertmanager) {
	ctx := context.Background()
	metrics := s.metricsReader(t)
	started := time.Now().Add(-time.Minute).UTC().Truncate(time.Second)
	labels := map[string]string{"severity": "minor", "cluster": "e2e-cluster"}
	alert := models.PostableAlerts{localstack.Alert("ApiserverSlow", labels, started, time.Time{})}
	if err := (*lost).PostAlerts(ctx, alert); err != nil {
		t.Fatal(err)
	}
	isOurs := func(a *o2v1.AlarmEventRecord) error {
		if a.Spec.AlarmName != "ApiserverSlow" || a.Status.PerceivedSeverity != o2v1.PerceivedSeverityMinor {
			return fmt.Errorf("alarm %s %s severity %d", a.Name, a.Spec.AlarmName, a.Status.PerceivedSeverity)
		}
		return nil
	}
	raised := waitSourceAlarm(t, c.o2, "alertmanager", isOurs)

	// The same Alertmanager started again, on its port and directory, with no alerts.
	port, err := strconv.Atoi((*lost).URL[strings.LastIndexByte((*lost).URL, ':')+1:])
	if err != nil {
		t.Fatal(err)
	}
	if err := (*lost).Stop(); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Dir((*lost).Process.LogPath())
	*lost = stacktest.StartAlertmanager(t, localstack.AlertmanagerOptions{Dir: dir, Port: port, WebhookURL: "http://127.0.0.1:1/lost"})
	restarted := time.Now()
	raiseOnly := metrics.value(t, "netweave_alertmanager_resyncs_total", `result="raise-only"`)
	eventually(t, amStartupGrace/2, "two resyncs of the restarted Alertmanager", func() error {
		if got := metrics.value(t, "netweave_alertmanager_resyncs_total", `result="raise-only"`); got < raiseOnly+2 {
			return fmt.Errorf("%v raise-only resyncs, want %v", got, raiseOnly+2)
		}
		return nil
	})
	cur, err := c.o2.O2imsV1alpha1().AlarmEventRecords(invNS).Get(ctx, raised.Name, metav1.GetOptions{})
	if err != nil || cur.Status.PerceivedSeverity != o2v1.PerceivedSeverityMinor {
		t.Fatalf("alarm %s after two resyncs of the restarted Alertmanager: %+v, %v", raised.Name, cur.Status, err)
	}
	// Prometheus sends the alert again; a resync after the grace believes Alertmanager whole.
	if err := (*lost).PostAlerts(ctx, alert); err != nil {
		t.Fatal(err)
	}
	success := metrics.value(t, "netweave_alertmanager_resyncs_total", `result="success"`)
	eventually(t, amStartupGrace+syncWait, "a resync after the grace", func() error {
		if got := metrics.value(t, "netweave_alertmanager_resyncs_total", `result="success"`); got < success+1 {
			return fmt.Errorf("%v successful resyncs, want %v", got, success+1)
		}
		return nil
	})
	list, err := c.o2.O2imsV1alpha1().AlarmEventRecords(invNS).List(ctx, metav1.ListOptions{FieldSelector: "spec.source.name=alertmanager"})
	if err != nil {
		t.Fatal(err)
	}
	for i := range list.Items {
		a := &list.Items[i]
		if a.Spec.Source.Key != raised.Spec.Source.Key {
			continue
		}
		if a.Name != raised.Name || a.Status.PerceivedSeverity != o2v1.PerceivedSeverityMinor {
			t.Errorf("after the restart the alert's alarm is %s, severity %d; want %s still raised", a.Name, a.Status.PerceivedSeverity, raised.Name)
		}
	}
	t.Logf("Alertmanager restarted: alarm %s kept through %s of resyncs, none cleared", raised.Spec.AlarmEventRecordID, time.Since(restarted).Round(time.Second))
}

// waitSourceAlarm waits until the newest alarm of source in the inventory namespace satisfies
// check, and returns it.
func waitSourceAlarm(t *testing.T, o2 versioned.Interface, source string, check func(*o2v1.AlarmEventRecord) error) *o2v1.AlarmEventRecord {
	t.Helper()
	var got *o2v1.AlarmEventRecord
	eventually(t, syncWait, "an alarm of "+source, func() error {
		list, err := o2.O2imsV1alpha1().AlarmEventRecords(invNS).List(context.Background(), metav1.ListOptions{FieldSelector: "spec.source.name=" + source})
		if err != nil {
			return err
		}
		var errs []string
		for i := range list.Items {
			a := &list.Items[i]
			if err := check(a); err != nil {
				errs = append(errs, err.Error())
				continue
			}
			got = a
			return nil
		}
		return fmt.Errorf("%d alarms, none fits: %s", len(list.Items), strings.Join(errs, "; "))
	})
	return got
}
