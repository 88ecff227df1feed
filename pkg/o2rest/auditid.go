package o2rest

import (
	"net/http"

	utilnet "k8s.io/apimachinery/pkg/util/net"
	auditinternal "k8s.io/apiserver/pkg/apis/audit"
	"k8s.io/apiserver/pkg/audit"
)

// withAuditID sends, on each request of the client clientAs makes, the audit ID of the O2
// request whose context the call carries (the Audit-ID header, which the Kubernetes face's
// audit takes as the request's own), as the aggregator does for a request it proxies to
// netweave. An O2 write is two audit events, the O2 request (the caller, the O2 path, the
// answer) and the Kubernetes write it makes as the caller (user system:apiserver,
// impersonatedUser the caller); with one audit ID an auditor can tell which O2 request made
// which write, which neither event says alone (a POST's O2 path names no object).
type withAuditID struct{ rt http.RoundTripper }

func (w withAuditID) RoundTrip(req *http.Request) (*http.Response, error) {
	id, ok := audit.AuditIDFrom(req.Context())
	if !ok || id == "" || req.Header.Get(auditinternal.HeaderAuditID) != "" {
		return w.rt.RoundTrip(req)
	}
	req = utilnet.CloneRequest(req)
	req.Header.Set(auditinternal.HeaderAuditID, string(id))
	return w.rt.RoundTrip(req)
}

func (w withAuditID) WrappedRoundTripper() http.RoundTripper { return w.rt }
