package main

import "fmt"

// printStalledSMO shows the O2 listener's bound on a client that stops sending (or reading) in
// the middle of a request (docs/o2ims.md, "The serving chain"): it is cut off soon after
// --request-timeout, and holds nothing of netweave's after that.
func printStalledSMO(r *running) {
	fmt.Printf(`
A stalled SMO (docs/o2ims.md, "The serving chain"): a request whose body stops coming is answered 400 at
--request-timeout (60 s) and a tenth more, and one whose answer is never read is cut off a tenth after that;
neither holds a handler, API Priority and Fairness seat or buffer past it (before, for as long as the connection lived):
  date +%%T; (printf "POST /o2ims-infrastructureInventory/v1/subscriptions HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer $TOKEN\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"; sleep 80) | openssl s_client -quiet -connect 127.0.0.1:%d 2>/dev/null | while read -r l; do echo "$(date +%%T) $l"; done | grep -m1 HTTP   # 66 s later: HTTP/1.1 400 Bad Request
`, r.o2Port)
}

// printFairness shows how API Priority and Fairness admits an SMO (docs/o2ims.md, "One O2
// request, one seat"): by the cluster's FlowSchemas, once per O2 request, its write included,
// and netweave's own reviews at kube-apiserver in a level of their own.
func printFairness(r *running) {
	fmt.Printf(`
API Priority and Fairness (docs/o2ims.md, "One O2 request, one seat"): an O2 request takes one seat of its caller's
level, its Kubernetes-API write included; netweave's token and access reviews, and its Leases, have levels of their own:
  curl -s -o /dev/null -D - --cacert %s -H "Authorization: Bearer $TOKEN" https://127.0.0.1:%d/o2ims-infrastructureInventory/v1/ | grep -i x-kubernetes-pf   # the FlowSchema and level (uids) that admitted it
  kubectl get flowschemas | grep -E 'NAME|netweave-'   # the install's: reviews at workload-high, Leases at leader-election
`, r.caFile, r.o2Port)
}

// printAudit shows netweave's audit log (docs/o2ims.md, "Audit"), written with the policy the
// chart installs: who did what on either face, and the result, never a body.
func printAudit(r *running) {
	fmt.Printf(`
The audit log (docs/o2ims.md, "Audit"; the chart's audit.enabled policy): an O2 request is an event like a kubectl one,
with the caller, verb, path and code, and never a body (free-form fields and callbacks may hold credentials):
  tail -n 3 %s | cut -c1-400
  grep -c '"requestObject"' %s   # 0: no bodies
`, r.auditLog, r.auditLog)
}
