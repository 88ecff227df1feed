package apiserver

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	flowcontrolv1 "k8s.io/api/flowcontrol/v1"
	utilflowcontrol "k8s.io/apiserver/pkg/util/flowcontrol"
	fq "k8s.io/apiserver/pkg/util/flowcontrol/fairqueuing"
	fcrequest "k8s.io/apiserver/pkg/util/flowcontrol/request"
)

// queuingFlowControl stands for API Priority and Fairness: it counts the requests it was asked
// to admit, and admits them.
type queuingFlowControl struct {
	utilflowcontrol.Interface
	admitted int
}

func (f *queuingFlowControl) Handle(_ context.Context, _ utilflowcontrol.RequestDigest,
	_ func(*flowcontrolv1.FlowSchema, *flowcontrolv1.PriorityLevelConfiguration, string),
	_ func() fcrequest.WorkEstimate, _ fq.QueueNoteFn, execFn func()) {
	f.admitted++
	execFn()
}

// TestNestedSeatOnlyForImpersonatingLoopbackRequests: only a request with the loopback token
// that impersonates someone (an O2 request's inner write) skips admission; a client that
// impersonates with its own token, the loopback user itself, or a token merely beginning
// like the loopback one are admitted as before.
func TestNestedSeatOnlyForImpersonatingLoopbackRequests(t *testing.T) {
	const token = "loopback-secret"
	for _, tc := range []struct {
		name          string
		authorization string
		impersonate   string
		skips         bool
	}{
		{"inner write of an O2 request", "Bearer " + token, "smo", true},
		{"netweave's own request, not impersonating", "Bearer " + token, "", false},
		{"a client impersonating with its own token", "Bearer someone-else", "smo", false},
		{"a token that only begins like the loopback one", "Bearer " + token[:5], "smo", false},
		{"the loopback token with more after it", "Bearer " + token + "x", "smo", false},
		{"no credentials", "", "smo", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fc := &queuingFlowControl{}
			shared := seatSharingFlowControl{fc}
			executed := false
			h := withNestedSeatMark(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				shared.Handle(r.Context(), utilflowcontrol.RequestDigest{}, nil, nil, nil, func() { executed = true })
			}), token)
			req := httptest.NewRequest(http.MethodPost, "/apis/o2ims.oran.org/v1alpha1/namespaces/o2ims-system/inventorysubscriptions", nil)
			if tc.authorization != "" {
				req.Header.Set("Authorization", tc.authorization)
			}
			if tc.impersonate != "" {
				req.Header.Set("Impersonate-User", tc.impersonate)
			}
			h.ServeHTTP(httptest.NewRecorder(), req)
			if !executed {
				t.Fatal("the request was not executed")
			}
			if skipped := fc.admitted == 0; skipped != tc.skips {
				t.Errorf("skipped admission = %v, want %v", skipped, tc.skips)
			}
		})
	}
}
