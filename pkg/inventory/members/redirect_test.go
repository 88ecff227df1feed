package members

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
)

// TestRegressionMemberRedirectNotFollowed: client-go follows redirects, so the API server of a
// tenant's cluster (its kubeconfig is the tenant's) could answer a workload read with a 302 to
// an internal address; netweave fetched it and the O2-DMS status quoted the body ("Object
// 'Kind' is missing in '{...}'"). Clients of members and deployment targets now refuse
// redirects: the internal server is never reached and the error names no body.
func TestRegressionMemberRedirectNotFollowed(t *testing.T) {
	var internalHits atomic.Int32
	internal := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		internalHits.Add(1)
		_, _ = w.Write([]byte(`{"internalToken":"s3cr3t"}`))
	}))
	defer internal.Close()
	member := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, internal.URL+"/latest/meta-data", http.StatusFound)
	}))
	defer member.Close()

	cfg := &rest.Config{Host: member.URL}
	cfg.Wrap(RefuseRedirects)
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	_, err = dyn.Resource(schema.GroupVersionResource{Group: "apps", Version: "v1", Resource: "deployments"}).Namespace("tenant-b").
		Get(context.Background(), "upf", metav1.GetOptions{})
	if err == nil || strings.Contains(err.Error(), "s3cr3t") {
		t.Errorf("read through a redirect: %v", err)
	}
	if n := internalHits.Load(); n != 0 {
		t.Errorf("the redirect target was fetched %d times", n)
	}

	// The same through a member's kubeconfig.
	rc, err := Addresses{}.RESTConfigOf(Registration{Kubeconfig: []byte("apiVersion: v1\nkind: Config\nclusters: [{name: m, cluster: {server: " + member.URL + "}}]\n" +
		"users: [{name: u, user: {token: t}}]\ncontexts: [{name: c, context: {cluster: m, user: u}}]\ncurrent-context: c\n")})
	if err != nil {
		t.Fatal(err)
	}
	dyn, err = dynamic.NewForConfig(rc)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := dyn.Resource(schema.GroupVersionResource{Version: "v1", Resource: "nodes"}).List(context.Background(), metav1.ListOptions{}); err == nil || internalHits.Load() != 0 {
		t.Errorf("member kubeconfig followed the redirect: %v, %d hits", err, internalHits.Load())
	}
}
