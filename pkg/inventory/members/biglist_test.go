package members

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TestRegressionLargeMemberListCompletes: every request to a member but a watch was cut after
// RequestTimeout, its answer included. A member whose API server does not stream its initial
// lists (no watch-list: client-go falls back to a LIST at resourceVersion=0, which the watch
// cache answers whole, ignoring limit) and whose Node list takes longer than that to transfer
// (thousands of Nodes over a far-edge link) was cut off at every attempt and never synced. An
// informer's list is now bounded by its progress: it may take as long as it keeps coming.
func TestRegressionLargeMemberListCompletes(t *testing.T) {
	const bound = 300 * time.Millisecond
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		q := r.URL.Query()
		switch {
		case q.Get("sendInitialEvents") == "true":
			// An API server without watch-list.
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"BadRequest","code":400}`))
		case q.Get("watch") == "true":
			w.WriteHeader(http.StatusOK)
			w.(http.Flusher).Flush()
			<-r.Context().Done()
		case r.URL.Path == "/api/v1/namespaces/kube-system":
			_, _ = w.Write([]byte(`{"kind":"Namespace","apiVersion":"v1","metadata":{"name":"kube-system","uid":"big-uid"}}`))
		case r.URL.Path == "/version":
			_, _ = w.Write([]byte(`{"major":"1","minor":"33","gitVersion":"v1.33.0"}`))
		case r.URL.Path == "/api/v1/nodes":
			// The whole list in one answer, as the watch cache gives it, over a slow link:
			// it keeps coming, but takes three bounds to arrive.
			_, _ = w.Write([]byte(`{"kind":"NodeList","apiVersion":"v1","metadata":{"resourceVersion":"10"},"items":[`))
			w.(http.Flusher).Flush()
			tick := time.NewTicker(bound / 3)
			defer tick.Stop()
			for i := range 9 {
				select {
				case <-tick.C:
				case <-r.Context().Done():
					return
				}
				sep := ","
				if i == 0 {
					sep = ""
				}
				_, _ = fmt.Fprintf(w, `%s{"metadata":{"name":"big-%d","uid":"uid-big-%d"}}`, sep, i, i)
				w.(http.Flusher).Flush()
			}
			_, _ = w.Write([]byte(`]}`))
		case r.URL.Path == "/apis/storage.k8s.io/v1/storageclasses":
			_, _ = w.Write([]byte(`{"kind":"StorageClassList","apiVersion":"storage.k8s.io/v1","metadata":{"resourceVersion":"10"},"items":[]}`))
		case r.URL.Path == "/api":
			_, _ = w.Write([]byte(`{"kind":"APIVersions","versions":["v1"]}`))
		case r.URL.Path == "/apis":
			_, _ = w.Write([]byte(`{"kind":"APIGroupList","apiVersion":"v1","groups":[]}`))
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	kubeconfig := (&memberServer{Server: srv}).kubeconfig(t, nil)
	r := newRigWith(t, func(c *Config) { c.Connect = NewConnect(0, 0, bound, Addresses{}) }, optInSecret("edge-1", string(kubeconfig)))
	r.eventually("the member's Nodes synced", func() error {
		list, err := r.o2.O2imsV1alpha1().O2Resources(invNS).List(context.Background(), metav1.ListOptions{})
		if err != nil {
			return err
		}
		var names []string
		for _, res := range list.Items {
			if strings.HasPrefix(res.Name, "edge-1-") {
				names = append(names, res.Name)
			}
		}
		if len(names) != 9 {
			return fmt.Errorf("resources of edge-1: %v", names)
		}
		return nil
	})
}

// An informer's list is still cut off when its answer stops coming, headers or body.
func TestBoundProgressEndsAStalledAnswer(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/body" {
			_, _ = w.Write([]byte(`{"items":[`))
			w.(http.Flusher).Flush()
		}
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	client := &http.Client{Transport: boundProgress(100 * time.Millisecond)(http.DefaultTransport)}
	if resp, err := client.Get(srv.URL + "/headers"); err == nil {
		resp.Body.Close()
		t.Fatal("an answer whose headers never come was not cut off")
	}
	resp, err := client.Get(srv.URL + "/body")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if _, err := io.ReadAll(resp.Body); err == nil {
		t.Fatal("an answer whose body stopped coming was not cut off")
	}
}
