package controller

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"k8s.io/client-go/rest"

	"github.com/netweave-io/netweave/pkg/helmrelease"
)

// workloadTarget is a target API server serving ConfigMaps, whose reads of a ConfigMap are
// counted and answered by get.
func workloadTarget(t *testing.T, get func(w http.ResponseWriter, r *http.Request)) (*atomic.Int64, helmrelease.Target) {
	t.Helper()
	var gets atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.URL.Path == "/api":
			fmt.Fprint(w, `{"kind":"APIVersions","versions":["v1"],"serverAddressByClientCIDRs":[{"clientCIDR":"0.0.0.0/0","serverAddress":"x"}]}`)
		case r.URL.Path == "/apis":
			fmt.Fprint(w, `{"kind":"APIGroupList","apiVersion":"v1","groups":[]}`)
		case r.URL.Path == "/api/v1":
			fmt.Fprint(w, `{"kind":"APIResourceList","groupVersion":"v1","resources":[{"name":"configmaps","singularName":"configmap","namespaced":true,"kind":"ConfigMap","verbs":["get"]}]}`)
		case strings.HasPrefix(r.URL.Path, "/api/v1/namespaces/tenant-a/configmaps/"):
			gets.Add(1)
			get(w, r)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return &gets, helmrelease.Target{Config: &rest.Config{Host: srv.URL, QPS: -1, Timeout: time.Second}, Namespace: "tenant-a"}
}

func configMapManifest(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c%d}\n", i)
	}
	return b.String()
}

// TestRegressionReleaseObjectsReadWithoutBound: every resync read each object of the release
// manifest from the target, one request each, however many the chart rendered (16 MiB of
// manifests holds ~250,000 small objects; a release record written in the target namespace as
// many), and however long the target took to answer each (a tenant's cluster may answer every
// read just under the one-minute bound of a request). One such NfDeployment held a worker,
// which every tenant's NfDeployments share, for hours of each resync. The status lists at most
// validation.MaxStatusWorkloads objects: no more are read, and the reads of one release end
// within ClusterWorkloads.ReadTimeout together.
func TestRegressionReleaseObjectsReadWithoutBound(t *testing.T) {
	t.Run("many objects", func(t *testing.T) {
		gets, tgt := workloadTarget(t, func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprint(w, `{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"NotFound","code":404}`)
		})
		n := 3 * maxWorkloadReads
		ws, err := ClusterWorkloads{}.Status(t.Context(), tgt, configMapManifest(n))
		if err != nil {
			t.Fatal(err)
		}
		if len(ws) != n {
			t.Fatalf("%d workloads reported, want %d", len(ws), n)
		}
		if got := gets.Load(); got > int64(maxWorkloadReads) {
			t.Errorf("%d objects read from the target for one release, want at most %d", got, maxWorkloadReads)
		}
		if last := ws[n-1]; last.Ready || !strings.Contains(last.Message, "not read") {
			t.Errorf("an object past the bound is reported %+v, want not ready, not read", last)
		}
	})
	t.Run("slow target", func(t *testing.T) {
		const bound = 2 * time.Second
		_, tgt := workloadTarget(t, func(w http.ResponseWriter, r *http.Request) {
			<-r.Context().Done() // each read answered only when the client gives up (1 s)
		})
		start := time.Now()
		ws, err := ClusterWorkloads{ReadTimeout: bound}.Status(t.Context(), tgt, configMapManifest(60))
		if err != nil {
			t.Fatal(err)
		}
		if took := time.Since(start); took > 15*time.Second {
			t.Errorf("reading a release's 60 objects from a target answering each in 1 s took %s, want the bound (%s)", took, bound)
		}
		if len(ws) != 60 || ws[59].Ready {
			t.Errorf("workloads %d, last %+v", len(ws), ws[len(ws)-1])
		}
	})
}
