package smoreg

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/api/meta"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
)

// TestRegressionStatusMessageLeaksDialAddresses: a failed registration's status message was
// the error's text, for a failure to connect the dial error with the address the endpoint
// resolved to ("dial tcp 10.…:443: connect: connection refused", "lookup … on <cluster
// DNS>:53"). The OCloud's status is readable by every holder of the cluster-wide view role
// (o2ims-reader aggregates to it). The status now says the class of such a failure; the
// details go to the log. An answer of the SMO is still quoted (bounded): its own words about
// what it refused.
func TestRegressionStatusMessageLeaksDialAddresses(t *testing.T) {
	ctx := context.Background()
	const body = "globalCloudId not known to this SMO"
	answering := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = io.WriteString(w, body)
	}))
	t.Cleanup(answering.Close)

	// A port nothing listens on: connection refused, on loopback (allowed in the fixture).
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := l.Addr().String()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		name, url, want string
		forbidden       []string
	}{
		{"answer", answering.URL + "/reg", "500 Internal Server Error: \"" + body + "\"", nil},
		{"refused", "http://" + closed + "/reg", "connection failed", []string{"dial", "connect:", "refused"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, 0, "")
			f.a.cfg.URL = tc.url
			f.a.Sync(ctx)
			c := meta.FindStatusCondition(f.status(t).Conditions, v1alpha1.OCloudSMORegistered)
			if c == nil || !strings.Contains(c.Message, tc.want) {
				t.Fatalf("condition %+v, want a message with %q", c, tc.want)
			}
			for _, s := range tc.forbidden {
				if strings.Contains(c.Message, s) {
					t.Errorf("status message %q contains %q", c.Message, s)
				}
			}
		})
	}
}

// TestRegressionRegistrationConnectionClosedSaysDeliveryFailed: an SMO endpoint that accepted
// the connection and closed it without an answer was reported as "delivery failed", the class
// of an unknown failure, because the POST's url.Error (which the classification reads as a
// connection failure) was unwrapped to strip the URL. The URL is now redacted in place.
func TestRegressionRegistrationConnectionClosedSaysDeliveryFailed(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			_ = c.Close()
		}
	}()
	f := newFixture(t, 0, "")
	f.a.cfg.URL = "http://" + l.Addr().String() + "/reg?token=secret"
	f.a.Sync(context.Background())
	c := meta.FindStatusCondition(f.status(t).Conditions, v1alpha1.OCloudSMORegistered)
	if c == nil || !strings.Contains(c.Message, "connection failed") {
		t.Fatalf("condition %+v, want a message with %q", c, "connection failed")
	}
	if strings.Contains(c.Message, "secret") {
		t.Errorf("status message %q carries the URL's query", c.Message)
	}
}
