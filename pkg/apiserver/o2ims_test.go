package apiserver

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/netweave-io/netweave/pkg/alarms/alertmanager"
)

func TestAlertmanagerReceiverGetsItsPathOnlyAndTheO2APITheRest(t *testing.T) {
	named := func(name string) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.Header().Set("X-Handler", name) })
	}
	h := withAlertmanagerReceiver(named("o2"), named("receiver"))
	for path, want := range map[string]string{
		alertmanager.WebhookPath:                          "receiver",
		alertmanager.WebhookPath + "/x":                   "o2",
		"/o2ims-infrastructureInventory/v1/resourcePools": "o2",
		"/o2ims-alarmsources/alertmanager/v1":             "o2",
	} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, path, nil))
		if got := rec.Header().Get("X-Handler"); got != want {
			t.Errorf("%s served by %q, want %q", path, got, want)
		}
	}
	rec := httptest.NewRecorder()
	withAlertmanagerReceiver(named("o2"), nil).ServeHTTP(rec, httptest.NewRequest(http.MethodPost, alertmanager.WebhookPath, nil))
	if got := rec.Header().Get("X-Handler"); got != "o2" {
		t.Errorf("without a receiver the webhook path is served by %q, want the O2 API (its 404)", got)
	}
}
