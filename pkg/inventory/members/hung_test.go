package members

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// TestRegressionHungMemberDoesNotWedgeTheManager: a member's clients had no request timeout
// and the cluster's identity was read partly without a context (discovery's ServerVersion), so
// a member API server that answered the kube-system GET and never /version (a tenant owns its
// control plane) kept the member's start there for good. The next stop of that member (its
// Secret deleted) then blocked the manager's only worker: no other member was registered,
// rotated or removed until netweave restarted. Every request but a watch is now bounded.
func TestRegressionHungMemberDoesNotWedgeTheManager(t *testing.T) {
	release := make(chan struct{})
	var versionAsked atomic.Bool
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/api/v1/namespaces/kube-system":
			_, _ = w.Write([]byte(`{"kind":"Namespace","apiVersion":"v1","metadata":{"name":"kube-system","uid":"hung-uid"}}`))
		case "/version":
			versionAsked.Store(true)
			select {
			case <-release:
			case <-r.Context().Done():
			}
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	ms := &memberServer{Server: srv}
	kubeconfig := ms.kubeconfig(t, nil)
	r := newRigWith(t, func(c *Config) { c.Connect = NewConnect(0, 0, 2*time.Second, Addresses{}) }, optInSecret("edge-1", string(kubeconfig)))
	// Registered after the rig's cleanup, so it runs first: without the fix the rig's manager
	// could not stop either.
	t.Cleanup(func() { close(release) })
	r.eventually("the member's version asked", func() error {
		if !versionAsked.Load() {
			return errNotAsked
		}
		return nil
	})
	ctx := context.Background()
	if err := r.central.CoreV1().Secrets(invNS).Delete(ctx, "edge-1", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	// Another member registered meanwhile (its kubeconfig is refused, but its sync starts).
	if _, err := r.central.CoreV1().Secrets(invNS).Create(ctx, optInSecret("edge-2", "kubeconfig of edge-2"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	// Well past the 2 s request bound; without it, past runMember's own 15 s for the identity.
	err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, 20*time.Second, true, func(context.Context) (bool, error) {
		return slices.Equal(r.mgr.Running(), []string{"edge-2"}), nil
	})
	if err != nil {
		t.Fatalf("20 s after edge-1's Secret was deleted and edge-2's created, running %v: the manager is stuck stopping edge-1", r.mgr.Running())
	}
}

type notAsked struct{}

func (notAsked) Error() string { return "not asked yet" }

var errNotAsked error = notAsked{}

// A watch is not bounded (it ends with its context); every other request ends within the bound,
// its body included.
func TestBoundRequestsSparesWatches(t *testing.T) {
	for q, want := range map[string]bool{"watch=true": true, "watch=1": true, "watch=false": false, "": false, "labelSelector=watch": false} {
		req, err := http.NewRequest(http.MethodGet, "https://m.example/api/v1/nodes?"+q, nil)
		if err != nil {
			t.Fatal(err)
		}
		if got := isWatch(req); got != want {
			t.Errorf("isWatch(?%s) = %v, want %v", q, got, want)
		}
	}
}

func TestBoundRequestsEndsAHungAnswer(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	client := &http.Client{Transport: BoundRequests(100 * time.Millisecond)(http.DefaultTransport)}
	resp, err := client.Get(srv.URL + "/version")
	if err == nil {
		resp.Body.Close()
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("a request the server never answers: %v, want the bound's deadline", err)
	}
}

// TestRegressionServerUserinfoIsRefused: a kubeconfig whose server was
// https://user:password@host was accepted; net/http sent the user information as Basic
// credentials, and the same URL, password included, became the member DeploymentManager's
// serviceUri (served by O2-IMS, notified) and was logged as the member's server.
func TestRegressionServerUserinfoIsRefused(t *testing.T) {
	srv := newMemberServer(t)
	for name, server := range map[string]string{
		"user information": strings.Replace(srv.URL, "https://", "https://admin:s3cret-password@", 1),
		"a query":          srv.URL + "?token=s3cret",
		"a fragment":       srv.URL + "#s3cret",
	} {
		t.Run(name, func(t *testing.T) {
			kubeconfig := srv.kubeconfig(t, func(c *clientcmdapi.Cluster, _ *clientcmdapi.AuthInfo) { c.Server = server })
			c, err := NewConnect(0, 0, 0, Addresses{})(Registration{Kubeconfig: kubeconfig})
			if err == nil {
				t.Fatalf("accepted; the member's published server is %s", c.Host)
			}
			if strings.Contains(err.Error(), "s3cret") {
				t.Errorf("the refusal quotes the credential: %v", err)
			}
		})
	}
}
