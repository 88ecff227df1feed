package e2e

import (
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	o2v1 "github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/internal/localstack"
	"github.com/netweave-io/netweave/pkg/o2rest/model/modeltest"
)

// The alarm kinds (issue 9) as kubectl users meet them, and alarm retention and purging as the
// leader carries them out.

// alarmKinds are the resources of the alarm kinds, as kubectl explain names them.
var alarmKinds = []string{"alarmeventrecord", "alarmdictionary", "alarmsubscription", "alarmserviceconfiguration", "alarmpurge"}

// testAlarm is an AlarmEventRecord an admin creates with its state, as the recorder does.
type testAlarm struct {
	ns, name, id, objectID, definition string
	severity                           o2v1.PerceivedSeverity
	raised, cleared                    time.Time // cleared zero: active
	acknowledged                       bool
}

// manifest is the record as YAML for kubectl. status is kept on create for this kind (the
// recorder raises an alarm in one write); the acknowledgement is the server's to record, so an
// acknowledged alarm asks for it in spec.
func (a testAlarm) manifest() string {
	status := fmt.Sprintf("perceivedSeverity: %d, alarmRaisedTime: %q", a.severity, a.raised.UTC().Format(time.RFC3339))
	if !a.cleared.IsZero() {
		status += fmt.Sprintf(", alarmClearedTime: %q", a.cleared.UTC().Format(time.RFC3339))
	}
	return fmt.Sprintf(`apiVersion: o2ims.oran.org/v1alpha1
kind: AlarmEventRecord
metadata: {name: %s, namespace: %s}
spec: {alarmEventRecordId: %s, acknowledged: %t, source: {name: e2e, key: %s}, objectClass: OCloud, objectId: %s, alarmName: %s}
status: {%s}
---
`, a.name, a.ns, a.id, a.acknowledged, a.name, a.objectID, a.definition, status)
}

// applyAlarms creates the alarms as the admin.
func applyAlarms(t *testing.T, s *stack, alarms ...testAlarm) {
	t.Helper()
	var manifest strings.Builder
	for _, a := range alarms {
		manifest.WriteString(a.manifest())
	}
	if out, stderr, err := s.kubectlStdin(t, localstack.Admin, manifest.String(), "apply", "-f", "-"); err != nil {
		t.Fatalf("apply alarms: %v\n%s%s", err, out, stderr)
	}
}

// TestAlarmKinds: an admin files alarms in two tenants' namespaces; kubectl lists, selects and
// explains them; a tenant's operator acknowledges one of hers as herself; another tenant
// cannot tell it exists; the alarm service configuration refuses a retention period of 0.
func TestAlarmKinds(t *testing.T) {
	t.Parallel()
	s := startStack(t)
	const nsA, nsB = "alarms-a", "alarms-b"
	const oCloud, otherObject = "2f0d8a3c-1b4e-4c5d-8e6f-7a8b9c0d1e2f", "3a1e9b4d-2c5f-4d6e-9f70-8b9cad0e1f30"
	raised := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	alarms := []testAlarm{
		{ns: nsA, name: "cluster-down", id: "a1a1a1a1-0000-4000-8000-000000000001", objectID: oCloud, definition: "CLUSTER_CRITICAL", severity: o2v1.PerceivedSeverityCritical, raised: raised},
		{ns: nsA, name: "disk-warn", id: "a1a1a1a1-0000-4000-8000-000000000002", objectID: otherObject, definition: "CLUSTER_WARNING", severity: o2v1.PerceivedSeverityWarning, raised: raised},
		{ns: nsB, name: "node-down", id: "b1b1b1b1-0000-4000-8000-000000000001", objectID: oCloud, definition: "CLUSTERNODE_CRITICAL", severity: o2v1.PerceivedSeverityCritical, raised: raised},
		{ns: nsB, name: "link-flap", id: "b1b1b1b1-0000-4000-8000-000000000002", objectID: oCloud, definition: "CLUSTERNETWORK_MINOR", severity: o2v1.PerceivedSeverityCleared,
			raised: raised, cleared: raised.Add(time.Hour), acknowledged: true},
	}
	for _, ns := range []string{nsA, nsB} {
		s.kubectl(t, localstack.Admin, "create", "namespace", ns)
	}
	applyAlarms(t, s, alarms...)

	t.Run("kubectl get alarms -A shows the alarm columns", func(t *testing.T) {
		out := s.kubectl(t, localstack.Admin, "get", "alarms", "-A")
		lines := strings.Split(strings.TrimSpace(out), "\n")
		if got, want := strings.Join(strings.Fields(lines[0]), " "), "NAMESPACE NAME SEVERITY OBJECT DEFINITION ACKNOWLEDGED RAISED CLEARED AGE"; got != want {
			t.Fatalf("header %q, want %q\n%s", got, want, out)
		}
		rows := map[string][]string{}
		for _, l := range lines[1:] {
			f := strings.Fields(l)
			rows[f[0]+"/"+f[1]] = f
		}
		severities := map[o2v1.PerceivedSeverity]string{0: "CRITICAL", 3: "WARNING", 5: "CLEARED"}
		for _, a := range alarms {
			cleared := "<none>"
			if !a.cleared.IsZero() {
				cleared = a.cleared.Format(time.RFC3339)
			}
			want := []string{a.ns, a.name, severities[a.severity], "OCloud/" + a.objectID, a.definition, fmt.Sprint(a.acknowledged),
				a.raised.Format(time.RFC3339), cleared}
			// AGE is the ninth, whatever it says.
			if got := rows[a.ns+"/"+a.name]; len(got) != len(want)+1 || !slices.Equal(got[:len(want)], want) {
				t.Errorf("row %v, want %v + AGE", got, want)
			}
		}
		if len(rows) != len(alarms) {
			t.Errorf("%d rows, want %d:\n%s", len(rows), len(alarms), out)
		}
	})

	t.Run("field selectors on severity, acknowledgement and object", func(t *testing.T) {
		for sel, want := range map[string]string{
			// 0 is CRITICAL: the selector matches the number, as O2 filters do.
			"status.perceivedSeverity=0":                               "alarms-a/cluster-down alarms-b/node-down",
			"status.alarmAcknowledged=false":                           "alarms-a/cluster-down alarms-a/disk-warn alarms-b/node-down",
			"spec.objectId=" + otherObject:                             "alarms-a/disk-warn",
			"spec.objectId=" + oCloud + ",status.perceivedSeverity!=5": "alarms-a/cluster-down alarms-b/node-down",
		} {
			if got := selectAlarms(t, s, localstack.Admin, "-A", "--field-selector", sel); got != want {
				t.Errorf("--field-selector %s: %q, want %q", sel, got, want)
			}
		}
	})

	t.Run("kubectl explain describes every field of the alarm kinds", func(t *testing.T) {
		for _, kind := range alarmKinds {
			for _, path := range explainedObjects(t, s, kind) {
				out := s.kubectl(t, localstack.Admin, "explain", path)
				if strings.Contains(out, "<no description>") || !strings.Contains(out, "FIELDS:") {
					t.Errorf("kubectl explain %s leaves a field undescribed:\n%s", path, out)
				}
			}
		}
	})

	// alice reads tenant a's alarms and may update them: she is an operator of tenant a.
	s.kubectl(t, localstack.Admin, "create", "rolebinding", "alice-reader", "-n", nsA, "--clusterrole=o2ims-reader", "--user="+localstack.Alice)
	s.kubectl(t, localstack.Admin, "create", "role", "alarm-operator", "-n", nsA, "--verb=update,patch", "--resource=alarmeventrecords.o2ims.oran.org")
	s.kubectl(t, localstack.Admin, "create", "rolebinding", "alice-alarms", "-n", nsA, "--role=alarm-operator", "--user="+localstack.Alice)
	// bob reads tenant b only.
	s.kubectl(t, localstack.Admin, "create", "rolebinding", "bob-reader", "-n", nsB, "--clusterrole=o2ims-reader", "--user="+localstack.Bob)

	t.Run("acknowledged through spec as the requester, never withdrawn", func(t *testing.T) {
		ackBy := func() string {
			return s.kubectl(t, localstack.Admin, "get", "alarm", "cluster-down", "-n", nsA, "-o",
				"jsonpath={.spec.acknowledged} {.status.alarmAcknowledged} {.status.acknowledgedBy}")
		}
		// The body claims someone else acknowledged, and that the alarm is not: the status a
		// client sends to the main endpoint is not its to write.
		patch := `{"spec":{"acknowledged":true},"status":{"acknowledgedBy":"mallory","alarmAcknowledged":false}}`
		eventually(t, 30*time.Second, "alice's role binding takes effect and she acknowledges", func() error {
			_, stderr, err := localstack.Kubectl(t.Context(), s.cp.Kubeconfig(localstack.Alice), "patch", "alarm", "cluster-down", "-n", nsA, "--type=merge", "-p", patch)
			if err != nil {
				return errorf("%v: %s", err, stderr)
			}
			return nil
		})
		if got := ackBy(); got != "true true alice" {
			t.Errorf("after alice's ack: %q, want %q", got, "true true alice")
		}
		if at := s.kubectl(t, localstack.Admin, "get", "alarm", "cluster-down", "-n", nsA, "-o", "jsonpath={.status.alarmAcknowledgedTime}"); at == "" {
			t.Error("no alarmAcknowledgedTime recorded")
		}
		stderr := s.kubectlErr(t, localstack.Alice, "patch", "alarm", "cluster-down", "-n", nsA, "--type=merge", "-p", `{"spec":{"acknowledged":false}}`)
		if !strings.Contains(stderr, "spec.acknowledged: Invalid value: false") {
			t.Errorf("un-ack: want a field error on spec.acknowledged, got %s", stderr)
		}
		if got := ackBy(); got != "true true alice" {
			t.Errorf("after the refused un-ack: %q", got)
		}
		if got := selectAlarms(t, s, localstack.Alice, "-n", nsA, "--field-selector", "status.alarmAcknowledged=true"); got != "alarms-a/cluster-down" {
			t.Errorf("alice's acknowledged alarms: %q", got)
		}
	})

	t.Run("another tenant cannot tell the alarm exists", func(t *testing.T) {
		eventually(t, 30*time.Second, "bob's role binding takes effect", func() error {
			_, stderr, err := localstack.Kubectl(t.Context(), s.cp.Kubeconfig(localstack.Bob), "get", "alarms", "-n", nsB)
			if err != nil {
				return errorf("%v: %s", err, stderr)
			}
			return nil
		})
		// Each verb answers for an existing alarm exactly what it answers for a name that
		// does not exist: RBAC refuses before any lookup.
		for _, verb := range [][]string{
			{"get", "alarm", "%s", "-n", nsA},
			{"patch", "alarm", "%s", "-n", nsA, "--type=merge", "-p", `{"spec":{"acknowledged":true}}`},
			{"delete", "alarm", "%s", "-n", nsA},
		} {
			answer := func(name string) string {
				args := slices.Clone(verb)
				args[2] = name
				return strings.ReplaceAll(s.kubectlErr(t, localstack.Bob, args...), `"`+name+`"`, `"NAME"`)
			}
			existing, missing := answer("cluster-down"), answer("no-such-alarm")
			if !strings.Contains(existing, "Forbidden") || existing != missing {
				t.Errorf("bob %s: %q for the alarm, %q for a missing name", verb[0], existing, missing)
			}
		}
		for _, scope := range [][]string{{"-n", nsA}, {"-A"}} {
			if stderr := s.kubectlErr(t, localstack.Bob, append([]string{"get", "alarms"}, scope...)...); !strings.Contains(stderr, `cannot list resource "alarmeventrecords"`) {
				t.Errorf("bob lists alarms %v: %s", scope, stderr)
			}
		}
		if got := s.kubectl(t, localstack.Admin, "get", "alarm", "cluster-down", "-n", nsA, "-o", "jsonpath={.status.acknowledgedBy}"); got != "alice" {
			t.Errorf("bob's refused patch changed the alarm: acknowledgedBy %q", got)
		}
	})

	t.Run("retentionPeriod 0 is refused with the field path", func(t *testing.T) {
		manifest := `apiVersion: o2ims.oran.org/v1alpha1
kind: AlarmServiceConfiguration
metadata: {name: default}
spec: {retentionPeriod: 0}
`
		_, stderr, err := s.kubectlStdin(t, localstack.Admin, manifest, "create", "-f", "-")
		if err == nil || !strings.Contains(stderr, "spec.retentionPeriod: Invalid value: 0") {
			t.Errorf("kubectl create: err=%v %s", err, stderr)
		}
		// The Status behind kubectl's message: 422 Invalid, the cause naming the field.
		days := int32(0)
		_, err = s.admin(t).O2imsV1alpha1().AlarmServiceConfigurations().Create(t.Context(), &o2v1.AlarmServiceConfiguration{
			ObjectMeta: metav1.ObjectMeta{Name: "default"}, Spec: o2v1.AlarmServiceConfigurationSpec{RetentionPeriod: &days},
		}, metav1.CreateOptions{})
		var status apierrors.APIStatus
		if !apierrors.IsInvalid(err) || !errors.As(err, &status) || status.Status().Details == nil ||
			!slices.ContainsFunc(status.Status().Details.Causes, func(c metav1.StatusCause) bool { return c.Field == "spec.retentionPeriod" }) {
			t.Errorf("create with retentionPeriod 0: want Invalid with a cause on spec.retentionPeriod, got %v", err)
		}
	})
}

// selectAlarms lists alarms as user with args (scope and selectors) and returns their
// namespace/name, sorted, separated by spaces.
func selectAlarms(t *testing.T, s *stack, user string, args ...string) string {
	t.Helper()
	out := s.kubectl(t, user, append([]string{"get", "alarms", "-o", `jsonpath={range .items[*]}{.metadata.namespace}/{.metadata.name}{"\n"}{end}`}, args...)...)
	names := strings.Fields(out)
	slices.Sort(names)
	return strings.Join(names, " ")
}

// explainField is one line of `kubectl explain --recursive`: indentation, name, type.
var explainField = regexp.MustCompile(`^(\s+)(\w+)\t<(\[\])?([^>]+)>`)

// explainedObjects lists kind.spec, kind.status and every object nested in them, as paths for
// kubectl explain: explaining each shows a description for every field there is.
func explainedObjects(t *testing.T, s *stack, kind string) []string {
	t.Helper()
	out := s.kubectl(t, localstack.Admin, "explain", kind, "--recursive")
	var paths, stack []string
	for _, line := range strings.Split(out, "\n") {
		m := explainField.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		depth := len(m[1])/2 - 1
		stack = append(stack[:depth], m[2])
		// Objects are the named types (AlarmSource, []AlarmDefinition); maps and scalars are
		// described in their parent's explanation.
		typ := m[4]
		if (stack[0] == "spec" || stack[0] == "status") && typ[0] >= 'A' && typ[0] <= 'Z' && typ != "JSON" {
			paths = append(paths, kind+"."+strings.Join(stack, "."))
		}
	}
	if !slices.Contains(paths, kind+".spec") {
		t.Fatalf("kubectl explain %s --recursive has no spec:\n%s", kind, out)
	}
	return paths
}

// TestAlarmRetention: with the inventory sync on, the leader keeps the alarm service
// configuration and purges alarms when their retention period passes, when the period is
// lowered, and when an SMO asks for a purge through O2 v2.
func TestAlarmRetention(t *testing.T) {
	t.Parallel()
	s := startStack(t, invArgs("replica-a")...)
	admin := s.admin(t)
	schemas := modeltest.New(t)
	eventually(t, time.Minute, "the leader creates the default alarm service configuration", func() error {
		cfg, err := admin.O2imsV1alpha1().AlarmServiceConfigurations().Get(t.Context(), "default", metav1.GetOptions{})
		if err != nil {
			return err
		}
		if p := cfg.Spec.RetentionPeriod; p == nil || *p != o2v1.DefaultAlarmRetentionDays {
			return errorf("retentionPeriod %v", p)
		}
		return nil
	})

	now := time.Now().UTC().Truncate(time.Second)
	days := func(n int) time.Time { return now.Add(-time.Duration(n) * 24 * time.Hour) }
	alarm := func(name string, n int, clearedDaysAgo int, acked bool) testAlarm {
		return testAlarm{ns: invNS, name: name, id: fmt.Sprintf("c1c1c1c1-0000-4000-8000-%012d", n), objectID: "2f0d8a3c-1b4e-4c5d-8e6f-7a8b9c0d1e2f",
			definition: "CLUSTER_MAJOR", severity: o2v1.PerceivedSeverityCleared, raised: days(clearedDaysAgo + 1), cleared: days(clearedDaysAgo), acknowledged: acked}
	}
	// Within the default 14 days, all of them; past 2 days, the first two.
	oldAcked, oldUnacked := alarm("old-acked", 1, 5, true), alarm("old-unacked", 2, 5, false)
	recentAcked, recentUnacked := alarm("recent-acked", 3, 1, true), alarm("recent-unacked", 4, 1, false)
	applyAlarms(t, s, oldAcked, oldUnacked, recentAcked, recentUnacked)
	records := admin.O2imsV1alpha1().AlarmEventRecords(invNS)
	exists := func(a testAlarm) bool {
		t.Helper()
		_, err := records.Get(t.Context(), a.name, metav1.GetOptions{})
		if err != nil && !apierrors.IsNotFound(err) {
			t.Fatal(err)
		}
		return err == nil
	}
	waitGone := func(a testAlarm) {
		t.Helper()
		eventually(t, 30*time.Second, a.name+" is purged", func() error {
			if exists(a) {
				return errorf("still there")
			}
			return nil
		})
	}

	t.Run("lowering retentionPeriod purges the acknowledged alarms it no longer covers", func(t *testing.T) {
		s.kubectl(t, localstack.Admin, "patch", "alarmserviceconfiguration", "default", "--type=merge", "-p", `{"spec":{"retentionPeriod":2}}`)
		waitGone(oldAcked)
		// The pass that removed old-acked judged every record: what is left now was kept.
		for _, a := range []testAlarm{oldUnacked, recentAcked, recentUnacked} {
			if !exists(a) {
				t.Errorf("%s was purged; only cleared and acknowledged alarms past the retention period are", a.name)
			}
		}
	})

	t.Run("a purge through O2 v2 is a task that completes with its count", func(t *testing.T) {
		smo := s.o2As(t, localstack.Admin)
		// The window covers every alarm left; only the acknowledged one may go.
		body := fmt.Sprintf(`{"purgeConditions":{"endWindowTime":%q}}`, now.Format(time.RFC3339))
		code, hdr, resp := smo.do(http.MethodPost, monitoringAPI+"/v2/alarms/purge", body)
		if code != http.StatusAccepted {
			t.Fatalf("POST purge: %d %s", code, resp)
		}
		loc := hdr.Get("Location")
		taskPath := strings.TrimPrefix(loc, s.o2APIRoot())
		id := taskPath[strings.LastIndex(taskPath, "/")+1:]
		if taskPath != monitoringAPI+"/v2/taskOperations/"+id || !strings.HasPrefix(loc, s.o2APIRoot()) {
			t.Fatalf("Location %q is not a task of this apiRoot", loc)
		}
		var task map[string]any
		eventually(t, 30*time.Second, "the purge task completes", func() error {
			task = nil
			smo.json(taskPath, http.StatusOK, &task)
			if task["operationState"] != string(o2v1.PurgeOperationStateCompleted) {
				return errorf("task %v", task)
			}
			return nil
		})
		schemas.Validate(t, 2, "TaskOperationInfo", task)
		if task["id"] != id || task["operation"] != "PURGE" {
			t.Errorf("task %v", task)
		}
		purges, err := admin.O2imsV1alpha1().AlarmPurges(invNS).List(t.Context(), metav1.ListOptions{FieldSelector: "spec.taskId=" + id})
		if err != nil || len(purges.Items) != 1 {
			t.Fatalf("AlarmPurge of task %s: %v %v", id, purges, err)
		}
		if st := purges.Items[0].Status; st.OperationState != o2v1.PurgeOperationStateCompleted || st.Purged != 1 {
			t.Errorf("AlarmPurge status %+v, want COMPLETED with 1 purged", st)
		}
		if exists(recentAcked) {
			t.Error("recent-acked is still there after the purge that counted it")
		}
		for _, a := range []testAlarm{oldUnacked, recentUnacked} {
			if !exists(a) {
				t.Errorf("the purge removed %s, which is not acknowledged", a.name)
			}
		}
		var list []map[string]any
		smo.json(monitoringAPI+"/v2/taskOperations", http.StatusOK, &list)
		if got := idsOf(list, "id"); got != id {
			t.Errorf("taskOperations: %q, want %q", got, id)
		}
	})
}
