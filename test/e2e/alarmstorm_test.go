package e2e

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	o2v1 "github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/generated/clientset/versioned"
	"github.com/netweave-io/netweave/internal/localstack"
	"github.com/netweave-io/netweave/internal/localstack/stacktest"
	"github.com/netweave-io/netweave/pkg/alarms/alertmanager"
)

// TestAlarmStormSurvivesKill9 fires a storm of distinct alerts into a real Alertmanager whose
// webhook goes to netweave, kills netweave with SIGKILL while it records them, fires the rest
// while it is down and starts it again. Alertmanager's retries and netweave's resync must then
// leave exactly one active AlarmEventRecord per alert (none lost, none raised twice under a
// second id, none cleared), and the subscriber must have a NEW for every alarm, repeated only
// under the same notification id (at-least-once delivery).
func TestAlarmStormSurvivesKill9(t *testing.T) {
	// Runs alone, before the parallel tests: see main_test.go.
	const (
		n     = 2000
		batch = 100
		// killAfter is how many NEW notifications have arrived when netweave is killed: the
		// recorder and the notifier are both mid-storm then.
		killAfter = n / 5
	)
	ctx := context.Background()
	amPort, err := localstack.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	// No startup grace: this Alertmanager is never restarted, and the resyncs counted below
	// must state its alerts whole (clearing what they would clear).
	s := startStack(t, append(append(invArgs("replica-a"), notifierArgs...),
		fmt.Sprintf("--alertmanager-url=http://127.0.0.1:%d", amPort), "--alertmanager-resync-interval=2s", "--alertmanager-startup-grace=0s")...)
	cfg := s.cp.RESTConfig(localstack.Admin)
	c := invClients{kube: kubernetes.NewForConfigOrDie(cfg), o2: versioned.NewForConfigOrDie(cfg)}
	s.kubectl(t, localstack.Admin, "create", "clusterrolebinding", "carol-sends-alerts", "--clusterrole=o2ims-alert-sender", "--user="+localstack.Carol)
	caFile := filepath.Join(t.TempDir(), "o2-ca.crt")
	if err := os.WriteFile(caFile, s.cp.Serving.CABundle, 0o600); err != nil {
		t.Fatal(err)
	}
	am := stacktest.StartAlertmanager(t, localstack.AlertmanagerOptions{
		Port: amPort, WebhookURL: s.o2APIRoot() + alertmanager.WebhookPath,
		BearerToken: s.cp.RESTConfig(localstack.Carol).BearerToken, CAFile: caFile,
	})
	storm := localstack.AlertStorm{Name: "StormKill9", N: n, StartsAt: time.Now().Add(-time.Minute).UTC().Truncate(time.Second)}
	for i := range 4 {
		name := fmt.Sprintf("storm-n%d", i)
		c.createNode(t, name, "zone-a", "small", true)
		storm.Nodes = append(storm.Nodes, name)
	}
	for _, name := range storm.Nodes {
		c.waitResource(t, invNS, name, nil)
	}
	smo := newReceiver(t)
	subscribeAlarms(t, s, localstack.Admin, invNS, "operator", smo.srv.URL+"/operator", nil)
	metrics := s.metricsReader(t)

	// Half the storm while netweave runs; kill it once it is busy recording and notifying.
	if err := storm.Fire(ctx, am, 0, n/2, batch, nil); err != nil {
		t.Fatal(err)
	}
	eventually(t, time.Minute, "netweave notifies part of the storm", func() error {
		if got := len(smo.all()); got < killAfter {
			return fmt.Errorf("%d notifications", got)
		}
		return nil
	})
	if err := s.netweave.Kill(); err != nil {
		t.Fatal(err)
	}
	t.Logf("killed netweave with SIGKILL after %d notifications", len(smo.all()))
	// The other half while it is down: Alertmanager's webhooks fail and are retried.
	if err := storm.Fire(ctx, am, n/2, n, batch, nil); err != nil {
		t.Fatal(err)
	}
	restarted := time.Now()
	if err := s.netweave.Start(); err != nil {
		t.Fatal(err)
	}

	keys := make(map[string]int, n) // fingerprint → alert index
	for i := range n {
		keys[storm.Fingerprint(i)] = i
	}
	var records []o2v1.AlarmEventRecord
	eventually(t, 90*time.Second, "every alert is an alarm and every alarm was notified", func() error {
		list, err := c.o2.O2imsV1alpha1().AlarmEventRecords(metav1.NamespaceAll).List(ctx, metav1.ListOptions{FieldSelector: "spec.source.name=" + alertmanager.SourceName})
		if err != nil {
			return err
		}
		records = list.Items
		if len(records) < n {
			return fmt.Errorf("%d of %d alarms", len(records), n)
		}
		news := newsByAlarm(smo.all())
		missing := 0
		for i := range records {
			if len(news[records[i].Spec.AlarmEventRecordID]) == 0 {
				missing++
			}
		}
		if missing > 0 {
			return fmt.Errorf("%d of %d alarms have no NEW notification", missing, len(records))
		}
		return nil
	})
	t.Logf("all %d alarms recorded and notified %s after the restart", n, time.Since(restarted).Round(time.Millisecond))

	// Two more resyncs, so an alarm the resync would clear or raise again under a second id
	// is in the records read below.
	resyncs := metrics.value(t, "netweave_alertmanager_resyncs_total", `result="success"`)
	eventually(t, 30*time.Second, "two more Alertmanager resyncs", func() error {
		if got := metrics.value(t, "netweave_alertmanager_resyncs_total", `result="success"`); got < resyncs+2 {
			return fmt.Errorf("%v successful resyncs, want %v", got, resyncs+2)
		}
		return nil
	})
	list, err := c.o2.O2imsV1alpha1().AlarmEventRecords(metav1.NamespaceAll).List(ctx, metav1.ListOptions{FieldSelector: "spec.source.name=" + alertmanager.SourceName})
	if err != nil {
		t.Fatal(err)
	}
	records = list.Items
	notifications := smo.all()

	byKey := map[string][]*o2v1.AlarmEventRecord{}
	byID := map[string]int{}
	var foreign, cleared []string
	for i := range records {
		r := &records[i]
		if _, ok := keys[r.Spec.Source.Key]; !ok {
			foreign = append(foreign, r.Spec.Source.Key)
		}
		byKey[r.Spec.Source.Key] = append(byKey[r.Spec.Source.Key], r)
		byID[r.Spec.AlarmEventRecordID]++
		if r.Status.PerceivedSeverity == o2v1.PerceivedSeverityCleared {
			cleared = append(cleared, r.Name)
		}
	}
	var lost, twice []string
	for key, i := range keys {
		switch recs := byKey[key]; {
		case len(recs) == 0:
			lost = append(lost, fmt.Sprintf("alert %d (%s)", i, key))
		case len(recs) > 1:
			twice = append(twice, fmt.Sprintf("alert %d (%s): %d alarms", i, key, len(recs)))
		}
	}
	idTwice := 0
	for _, count := range byID {
		if count > 1 {
			idTwice++
		}
	}
	news := newsByAlarm(notifications)
	var unnotified, newTwice []string
	clears := 0
	for id := range byID {
		switch ids := news[id]; {
		case len(ids) == 0:
			unnotified = append(unnotified, id)
		case len(ids) > 1:
			newTwice = append(newTwice, fmt.Sprintf("%s: %d NEW notification ids", id, len(ids)))
		}
	}
	redelivered := 0
	seen := map[string]bool{}
	for _, m := range notifications {
		if seen[m.id] {
			redelivered++
		}
		seen[m.id] = true
		if eventType(m) == 2 {
			clears++
		}
	}
	t.Logf("%d alerts fired, %d alarms: %d alerts lost, %d alerts with more than one alarm, %d ids on more than one alarm, %d alarms cleared, %d foreign; %d notifications (%d redelivered under the same id, %d CLEAR), %d alarms without NEW, %d with NEW under more than one id",
		n, len(records), len(lost), len(twice), idTwice, len(cleared), len(foreign), len(notifications), redelivered, clears, len(unnotified), len(newTwice))
	for what, list := range map[string][]string{
		"alerts without an alarm": lost, "alerts with more than one alarm": twice, "alarms cleared while their alert fires": cleared,
		"alarms of no fired alert": foreign, "alarms without a NEW notification": unnotified, "alarms with NEW under more than one notification id": newTwice,
	} {
		if len(list) > 0 {
			t.Errorf("%d %s, e.g. %s", len(list), what, strings.Join(list[:min(len(list), 5)], "; "))
		}
	}
	if idTwice > 0 {
		t.Errorf("%d alarm ids on more than one record", idTwice)
	}
	if clears > 0 {
		t.Errorf("%d CLEAR notifications, though every alert still fires", clears)
	}
}

// newsByAlarm maps each alarm id to the notification ids of the NEW notifications about it.
func newsByAlarm(all []received) map[string]map[string]bool {
	out := map[string]map[string]bool{}
	for _, m := range all {
		if eventType(m) != 0 {
			continue
		}
		id, _ := m.body["alarmEventRecordId"].(string)
		if out[id] == nil {
			out[id] = map[string]bool{}
		}
		out[id][m.id] = true
	}
	return out
}

// metricsReader reads netweave's /metrics straight from its main port as the admin.
type metricsReader struct {
	url, token string
	client     *http.Client
}

func (s *stack) metricsReader(t *testing.T) *metricsReader { return s.metricsReaderAt(t, s.port) }

// metricsReaderAt reads the /metrics of the netweave serving on port (a replica's).
func (s *stack) metricsReaderAt(t *testing.T, port int) *metricsReader {
	return newMetricsReader(t, port, s.cp.Serving.CABundle, "localhost", s.cp.RESTConfig(localstack.Admin).BearerToken)
}

// newMetricsReader reads the /metrics of the netweave on port as token, verifying its serving
// certificate against ca for serverName.
func newMetricsReader(t *testing.T, port int, ca []byte, serverName, token string) *metricsReader {
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(ca) {
		t.Fatal("serving CA bundle holds no certificates")
	}
	transport := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, ServerName: serverName, MinVersion: tls.VersionTLS12}}
	t.Cleanup(transport.CloseIdleConnections)
	return &metricsReader{
		url:    "https://127.0.0.1:" + strconv.Itoa(port) + "/metrics",
		token:  token,
		client: &http.Client{Timeout: 10 * time.Second, Transport: transport},
	}
}

// samples returns the sample lines of netweave's /metrics.
func (m *metricsReader) samples(t *testing.T) ([]string, error) {
	req, err := http.NewRequest(http.MethodGet, m.url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+m.token)
	resp, err := m.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var lines []string
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	return lines, sc.Err()
}

// value sums the samples of metric whose labels contain every one of labels (`k="v"`); 0 when
// netweave cannot be read (it may be starting).
func (m *metricsReader) value(t *testing.T, metric string, labels ...string) float64 {
	lines, err := m.samples(t)
	if err != nil {
		return 0
	}
	sum := 0.0
	for _, line := range lines {
		if !strings.HasPrefix(line, metric+"{") && !strings.HasPrefix(line, metric+" ") {
			continue
		}
		matches := true
		for _, l := range labels {
			matches = matches && strings.Contains(line, l)
		}
		if !matches {
			continue
		}
		if v, err := strconv.ParseFloat(line[strings.LastIndexByte(line, ' ')+1:], 64); err == nil {
			sum += v
		}
	}
	return sum
}

// has tells whether a sample line of netweave's /metrics starts with prefix (a metric name,
// or a name and its first labels: `workqueue_depth{name="inventory"`).
func (m *metricsReader) has(t *testing.T, prefix string) bool {
	lines, err := m.samples(t)
	if err != nil {
		t.Fatalf("GET %s: %v", m.url, err)
	}
	for _, line := range lines {
		if strings.HasPrefix(line, prefix) {
			return true
		}
	}
	return false
}
