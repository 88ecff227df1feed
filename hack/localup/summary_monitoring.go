package main

import (
	"fmt"

	"github.com/netweave-io/netweave/pkg/o2rest/model"
)

// printMonitoring shows the alarms on both faces and their life cycle: the demo alarms, an ack,
// an alarm subscription delivered to the SMO stand-in, and an alert fired into and resolved in
// Alertmanager. It uses $TOKEN from the REST section above.
func printMonitoring(r *running) {
	fmt.Printf(`
Monitoring: alarms from Node conditions (%[1]s is NotReady) and from Alertmanager (%[2]s),
whose webhook authenticates as ServiceAccount %[3]s/%[4]s bound to ClusterRole %[5]s:
  kubectl get alarms -A                                                # CRITICAL NotReady node, WARNING demo alert on %[6]s
  kubectl get alarms -A --field-selector status.perceivedSeverity=0   # CRITICAL only (0 CRITICAL ... 3 WARNING, 5 CLEARED)
  ALARM=$(kubectl get alarms -n %[7]s --field-selector status.perceivedSeverity=0 -o jsonpath='{.items[0].metadata.name}')
  kubectl describe alarm $ALARM -n %[7]s
  kubectl get alarmdictionaries -A
  MON=https://127.0.0.1:%[8]d/%[9]s
  curl -s --cacert %[10]s -H "Authorization: Bearer $TOKEN" $MON/v1/alarms
  curl -s --cacert %[10]s -H "Authorization: Bearer $TOKEN" "$MON/v2/alarms?filter=(eq,perceivedSeverity,3)"
  curl -s --cacert %[10]s -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
    -d '{"callback":"%[11]s/alarms"}' $MON/v1/alarmSubscriptions          # 201; notifications go to the SMO stand-in:
  tail -f %[12]s   # in a second terminal; notificationEventType 0 NEW, 1 CHANGE, 2 CLEAR, 3 ACKNOWLEDGE
  curl -s --cacert %[10]s -H "Authorization: Bearer $TOKEN" -X PATCH -H 'Content-Type: application/merge-patch+json' \
    -d '{"alarmAcknowledged":true}' $MON/v1/alarms/$ALARM                 # ACKNOWLEDGED true, an ACKNOWLEDGE notification

An alert through Alertmanager, as Prometheus would send it (watch with 'kubectl get alarms -A -w' in a third terminal;
an alert nobody re-sends resolves itself after 5m, Alertmanager's resolve_timeout):
  ALERT='"labels":{"alertname":"NodeFilesystemAlmostFull","node":"%[13]s","severity":"major"},"annotations":{"summary":"/var is 92%% full"}'
  curl -s -H 'Content-Type: application/json' -d "[{$ALERT}]" %[2]s/api/v2/alerts                                      # fired: a MAJOR alarm, NEW
  curl -s -H 'Content-Type: application/json' -d "[{$ALERT,\"endsAt\":\"$(date -u +%%FT%%TZ)\"}]" %[2]s/api/v2/alerts   # resolved: CLEARED, CLEAR

netweave re-reads Alertmanager's active alerts routed to its receiver, netweave (--alertmanager-receiver; alerts
routed elsewhere are not alarms), every 5m (--alertmanager-resync-interval). A restarted Alertmanager
has its alerts again only once Prometheus resends them, so for 3m after it starts (--alertmanager-startup-grace) a
resync raises what it has and clears nothing:
  curl -s --cacert %[10]s -H "Authorization: Bearer $TOKEN" https://127.0.0.1:%[14]d/metrics | grep '^netweave_alertmanager_resyncs_total'   # result="raise-only" while it is young
`, demoNodeName(func(d demoNode) bool { return !d.ready }), r.alertmanager.URL, monitoringNamespace, alertmanagerAccount, alertSenderRole, demoAlertNode,
		inventoryNamespace, r.o2Port, model.MonitoringAPIName, r.caFile, r.smo.URL, r.smo.LogPath, demoNodeName(func(d demoNode) bool { return d.role == "control-plane" }), r.netweavePort)
}
