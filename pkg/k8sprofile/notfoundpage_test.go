package k8sprofile

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/rest"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/pkg/inventory"
	"github.com/netweave-io/netweave/pkg/inventory/members"
)

// TestRegressionProfileProxyNotFoundIsNotANamespaceGone: a member reached through a load
// balancer that answers its own 404 page while the API server behind it is away made the
// profile report the tenant namespace gone (ErrNoNamespace); the O2-DMS controller takes that
// as "nothing was ever deployed there" and, deleting an NfDeployment, dropped its finalizer
// with the release still running in the member. Only the API server's own NotFound Status for
// the namespace means it is gone; any other 404 is a failure to retry.
func TestRegressionProfileProxyNotFoundIsNotANamespaceGone(t *testing.T) {
	for name, tc := range map[string]struct {
		answer func(w http.ResponseWriter)
		gone   bool
	}{
		"the load balancer's page": {func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write([]byte("<html><body>404 Not Found</body></html>"))
		}, false},
		"the API server's Status": {func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusNotFound)
			_ = json.NewEncoder(w).Encode(&metav1.Status{TypeMeta: metav1.TypeMeta{Kind: "Status", APIVersion: "v1"},
				Status: metav1.StatusFailure, Reason: metav1.StatusReasonNotFound, Code: http.StatusNotFound,
				Message: `namespaces "tenant-a" not found`, Details: &metav1.StatusDetails{Name: "tenant-a", Kind: "namespaces"}})
		}, true},
	} {
		t.Run(name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path != "/api/v1/namespaces/tenant-a" {
					t.Errorf("unexpected request %s %s", r.Method, r.URL.Path)
					http.Error(w, "unexpected", http.StatusTeapot)
					return
				}
				tc.answer(w)
			}))
			defer srv.Close()
			member, err := kubernetes.NewForConfig(&rest.Config{Host: srv.URL})
			if err != nil {
				t.Fatal(err)
			}
			dm := &v1alpha1.DeploymentManager{ObjectMeta: inventory.ManagedMeta("o2ims-system", "edge-1", "Cluster/x")}
			dm.Labels[v1alpha1.LabelCluster] = "edge-1"
			p := NewProvider(Config{Secrets: fake.NewClientset(optIn("o2ims-system", "edge-1", "k")), Namespace: "o2ims-system",
				Connect: func(members.Registration) (kubernetes.Interface, *rest.Config, error) {
					return member, &rest.Config{Host: srv.URL}, nil
				}})
			_, err = p.Access(t.Context(), dm, "tenant-a")
			if got := errors.Is(err, ErrNoNamespace); got != tc.gone || err == nil {
				t.Errorf("Access: %v; namespace gone = %v, want %v", err, got, tc.gone)
			}
		})
	}
}
