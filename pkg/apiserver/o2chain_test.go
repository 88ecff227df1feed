package apiserver

import (
	"net/http"
	"net/http/httptest"
	"reflect"
	"testing"
	"time"

	auditinternal "k8s.io/apiserver/pkg/apis/audit"
	"k8s.io/apiserver/pkg/audit"
	"k8s.io/apiserver/pkg/endpoints/request"
	genericapiserver "k8s.io/apiserver/pkg/server"
)

// The one-step request context must carry everything the filters it replaces attached, with
// the values the API server's own resolver and filters would have given.
func TestO2RequestContextCarriesWhatTheFiltersItReplacesDid(t *testing.T) {
	const timeout = 30 * time.Second
	var seen *http.Request
	h := withO2RequestContext(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) { seen = r }), timeout)

	for _, tc := range []struct {
		name, method, path, clientAuditID string
	}{
		{"a GET gets a fresh audit id", http.MethodGet, "/o2ims-infrastructureInventory/v1/resourcePools/x", ""},
		{"a client's Audit-ID is kept, as WithAuditInit keeps it", http.MethodDelete, "/tenants/a/o2ims-infrastructureInventory/v1/subscriptions/y", "client-chosen"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(tc.method, "https://o2.example"+tc.path+"?filter=(eq,name,a)", nil)
			if tc.clientAuditID != "" {
				req.Header.Set(auditinternal.HeaderAuditID, tc.clientAuditID)
			}
			w := httptest.NewRecorder()
			before := time.Now()
			h.ServeHTTP(w, req)
			ctx := seen.Context()

			// TestRegressionO2AnswersAreNotCached: the O2 face answered without Cache-Control
			// (the Kubernetes face says no-cache, private), a Kubernetes profile's token included,
			// so a shared cache in front of the listener could replay one to another SMO.
			if cc := w.Header().Get("Cache-Control"); cc != "no-store" {
				t.Errorf("Cache-Control %q, want no-store", cc)
			}
			id := w.Header().Get(auditinternal.HeaderAuditID)
			if id == "" || string(audit.GetAuditIDTruncated(ctx)) != id || (tc.clientAuditID != "" && id != tc.clientAuditID) {
				t.Errorf("audit id: header %q, context %q, client sent %q", id, audit.GetAuditIDTruncated(ctx), tc.clientAuditID)
			}
			if audit.AuditContextFrom(ctx) == nil {
				t.Error("no audit context: WithAudit would record nothing")
			}
			received, ok := request.ReceivedTimestampFrom(ctx)
			if !ok || received.Before(before) || received.After(time.Now()) {
				t.Errorf("received timestamp %v (set %v), request began %v", received, ok, before)
			}
			want, err := genericapiserver.NewRequestInfoResolver(&genericapiserver.Config{}).NewRequestInfo(req)
			if err != nil {
				t.Fatal(err)
			}
			info, ok := request.RequestInfoFrom(ctx)
			if !ok || !reflect.DeepEqual(info, want) {
				t.Errorf("request info %+v, the API server's resolver says %+v", info, want)
			}
			deadline, ok := ctx.Deadline()
			if !ok || !deadline.Equal(received.Add(timeout)) {
				t.Errorf("deadline %v (set %v), want received + %v = %v", deadline, ok, timeout, received.Add(timeout))
			}
		})
	}
	if seen.Context().Err() == nil {
		t.Error("the request's context outlives the request: its deadline timer is never released")
	}
}
