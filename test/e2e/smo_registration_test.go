package e2e

import (
	"context"
	"encoding/json"
	"encoding/pem"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/internal/localstack"
)

// smoRegistrar is an SMO's O-Cloud registration endpoint over HTTPS on loopback; while fail is
// set it answers 503.
type smoRegistrar struct {
	srv    *httptest.Server
	caFile string
	fail   atomic.Bool

	mu       sync.Mutex
	attempts int
	accepted []map[string]any
}

func newSMORegistrar(t *testing.T) *smoRegistrar {
	r := &smoRegistrar{}
	r.srv = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		raw, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		defer r.mu.Unlock()
		r.attempts++
		if req.Method != http.MethodPost || req.URL.Path != "/smo/v1/ocloud-registration" || req.Header.Get("Content-Type") != "application/json" {
			t.Errorf("registration: %s %s (%s)", req.Method, req.URL.Path, req.Header.Get("Content-Type"))
		}
		if r.fail.Load() {
			http.Error(w, "SMO not ready", http.StatusServiceUnavailable)
			return
		}
		var body map[string]any
		if err := json.Unmarshal(raw, &body); err != nil {
			t.Errorf("registration body is not JSON: %s", raw)
		}
		r.accepted = append(r.accepted, body)
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(r.srv.Close)
	r.caFile = filepath.Join(t.TempDir(), "smo-ca.crt")
	if err := os.WriteFile(r.caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: r.srv.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	return r
}

func (r *smoRegistrar) state() (attempts int, accepted []map[string]any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.attempts, append([]map[string]any(nil), r.accepted...)
}

func TestSMORegistration(t *testing.T) {
	t.Parallel()
	smo := newSMORegistrar(t)
	smo.fail.Store(true)
	s := startStack(t,
		"--smo-registration-url="+smo.srv.URL+"/smo/v1/ocloud-registration",
		"--smo-registration-ca-file="+smo.caFile,
		"--smo-registration-allowed-cidrs=127.0.0.0/8",
		"--smo-registration-retry-base=200ms",
		"--smo-registration-retry-max=1s",
		"--smo-registration-lease-duration=4s",
		"--smo-registration-renew-deadline=3s",
		"--smo-registration-retry-period=500ms",
	)
	const (
		oCloudID  = "262c8f17-52b5-4614-9e56-812ae21fa8a7"
		globalID  = "8b7d2f4e-5a9c-4e1b-b3d6-0f2a7c9e1d45"
		globalID2 = "5d0c3b2a-1f4e-4a6b-9c8d-7e6f5a4b3c2d"
	)
	s.kubectl(t, localstack.Admin, "apply", "-f", filepath.Join(s.root, "artifacts/examples/10-ocloud.yaml"))
	client := s.admin(t)
	ocloud := func() *v1alpha1.OCloud {
		o, err := client.O2imsV1alpha1().OClouds().Get(context.Background(), "default", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return o
	}

	// The SMO fails: the status says so, and netweave retries.
	eventually(t, 60*time.Second, "the OCloud's status reports the failing registration", func() error {
		o := ocloud()
		c := meta.FindStatusCondition(o.Status.Conditions, v1alpha1.OCloudSMORegistered)
		r := o.Status.SMORegistration
		if c == nil || c.Status != metav1.ConditionFalse || c.Reason != v1alpha1.ReasonSMORegistrationFailed || r == nil || r.ConsecutiveFailures < 2 {
			return errorf("condition %+v, smoRegistration %+v", c, r)
		}
		if !strings.Contains(c.Message, "503") {
			return errorf("message %q does not say what the SMO answered", c.Message)
		}
		return nil
	})
	if attempts, accepted := smo.state(); attempts < 2 || len(accepted) != 0 {
		t.Fatalf("%d attempts, %d accepted while failing", attempts, len(accepted))
	}

	// The SMO recovers: the retry registers the O-Cloud.
	smo.fail.Store(false)
	eventually(t, 30*time.Second, "the OCloud's status reports the registration", func() error {
		o := ocloud()
		c := meta.FindStatusCondition(o.Status.Conditions, v1alpha1.OCloudSMORegistered)
		r := o.Status.SMORegistration
		if c == nil || c.Status != metav1.ConditionTrue || c.Reason != v1alpha1.ReasonSMORegistered || r == nil || r.LastSuccessTime == nil || r.ConsecutiveFailures != 0 {
			return errorf("condition %+v, smoRegistration %+v", c, r)
		}
		return nil
	})
	_, accepted := smo.state()
	if len(accepted) != 1 {
		t.Fatalf("%d accepted announcements, want 1: %v", len(accepted), accepted)
	}
	want := map[string]any{"globalCloudId": globalID, "oCloudId": oCloudID, "IMS_EP": s.o2APIRoot()}
	if !sameMap(accepted[0], want) {
		t.Fatalf("announcement %v, want %v", accepted[0], want)
	}
	o := ocloud()
	if r := o.Status.SMORegistration; r.Endpoint != smo.srv.URL+"/smo/v1/ocloud-registration" || r.IMSEndpoint != s.o2APIRoot() || r.GlobalCloudID != globalID {
		t.Errorf("smoRegistration %+v", r)
	}
	out := s.kubectl(t, localstack.Admin, "get", "ocloud", "default", "-o", "jsonpath={.status.conditions[?(@.type==\"SMORegistered\")].status}")
	if out != "True" {
		t.Errorf("kubectl jsonpath of the condition: %q", out)
	}

	// A new globalCloudId, from the kubectl face, is announced again.
	s.kubectl(t, localstack.Admin, "patch", "ocloud", "default", "--type=merge", "-p", `{"spec":{"globalCloudId":"`+globalID2+`"}}`)
	eventually(t, 30*time.Second, "the new globalCloudId is announced", func() error {
		_, accepted := smo.state()
		if len(accepted) < 2 {
			return errorf("%d accepted announcements", len(accepted))
		}
		if got := accepted[len(accepted)-1]["globalCloudId"]; got != globalID2 {
			return errorf("last announcement has globalCloudId %v", got)
		}
		if r := ocloud().Status.SMORegistration; r == nil || r.GlobalCloudID != globalID2 {
			return errorf("status %+v", r)
		}
		return nil
	})

	// The registration state is the OCloud's, which RBAC governs: a tenant admin cannot read
	// it, and the O2 face does not serve it.
	s.kubectl(t, localstack.Admin, "create", "namespace", "smo-tenant")
	s.kubectl(t, localstack.Admin, "create", "rolebinding", "alice-admin", "-n", "smo-tenant", "--clusterrole=o2ims-admin", "--user="+localstack.Alice)
	if stderr := s.kubectlErr(t, localstack.Alice, "get", "ocloud", "default", "-o", "yaml"); !strings.Contains(stderr, "Forbidden") && !strings.Contains(stderr, "forbidden") {
		t.Errorf("alice reading the OCloud: %s", stderr)
	}
	code, _, body := s.o2As(t, localstack.Admin).do(http.MethodGet, "/o2ims-infrastructureInventory/v1/", "")
	if code != http.StatusOK || strings.Contains(string(body), "smoRegistration") || strings.Contains(string(body), "SMORegistered") {
		t.Errorf("O2 OCloudInfo: %d %s", code, body)
	}
}

// sameMap compares two JSON objects.
func sameMap(a, b map[string]any) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range b {
		if a[k] != v {
			return false
		}
	}
	return true
}
