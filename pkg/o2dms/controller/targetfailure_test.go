package controller

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"syscall"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/netweave-io/netweave/pkg/netclass"
)

// TestRegressionTargetFailureSaysClassOnly: an NfDeployment whose target cluster could not be
// reached (preparing the target, reading its release or history, uninstalling) carried the raw
// error in status.message and the Ready condition: the target's address, refused against
// unreachable, a non-Kubernetes answer's body. The target's kubeconfig may be a tenant's, so
// its status would probe the network through netweave; it now says the class, as the member
// clusters' conditions do, and the log keeps the cause. netweave's own refusals and Helm's
// answers still say what they are.
func TestRegressionTargetFailureSaysClassOnly(t *testing.T) {
	dial := &url.Error{Op: "Get", URL: "https://10.0.0.5:6443/api/v1/namespaces/nf", Err: &net.OpError{Op: "dial", Net: "tcp",
		Addr: &net.TCPAddr{IP: net.IPv4(10, 0, 0, 5), Port: 6443}, Err: syscall.ECONNREFUSED}}
	body := apierrors.NewGenericServerResponse(502, "get", schema.GroupResource{Resource: "secrets"}, "", "<html>internal admin console of 10.0.0.5</html>", 0, true)
	for _, c := range []struct {
		name   string
		err    error
		reason string
		class  string
	}{
		{"preparing the target", targetError(fmt.Errorf("issue a token: %w", dial)), "TargetUnavailable", netclass.APIServerConnect},
		{"reading the release", targetFailure("TargetUnavailable", "read release nf", dial), "TargetUnavailable", netclass.APIServerConnect},
		{"an answer that is not the Kubernetes API's", targetFailure("TargetUnavailable", "read release nf", body), "TargetUnavailable", "HTTP 502"},
	} {
		var f *failure
		if !errors.As(c.err, &f) || f.reason != c.reason {
			t.Fatalf("%s: %v is not a %s failure", c.name, c.err, c.reason)
		}
		msg := f.statusMessage()
		if !strings.Contains(msg, c.class) || strings.Contains(msg, "10.0.0.5") || strings.Contains(msg, "refused") || strings.Contains(msg, "console") {
			t.Errorf("%s: status message %q, want the class %q only", c.name, msg, c.class)
		}
		if !strings.Contains(f.Error(), "10.0.0.5") {
			t.Errorf("%s: the logged error %q lost the cause", c.name, f.Error())
		}
	}

	// netweave's own refusal says itself.
	var f *failure
	if !errors.As(targetError(fmt.Errorf("tenant-b: %w", ErrNamespaceNotEnabled)), &f) || f.reason != "NamespaceNotEnabled" ||
		!strings.Contains(f.statusMessage(), ErrNamespaceNotEnabled.Error()) {
		t.Errorf("a refusal of netweave's own: %+v", f)
	}
	// An uninstall: a transport failure is classed, Helm's own answer is kept.
	if !transportFailure(dial) || transportFailure(errors.New("uninstall: Release not loaded: nf: release: not found")) {
		t.Error("transportFailure does not tell a dial failure from Helm's answer")
	}
}

// TestRegressionHelmActionFailureSaysClassOnly: a failed install, upgrade or rollback put
// Helm's error in the status as it was; when Helm could not reach the target (a tenant's
// cluster whose API server address the tenant chose) that is the dial error with the address,
// refused against unreachable. A transport failure is now classed like the target's other
// calls; Helm's own answer (a manifest the API server refused) still says what it is.
func TestRegressionHelmActionFailureSaysClassOnly(t *testing.T) {
	dial := &url.Error{Op: "Get", URL: "https://10.0.0.5:6443/version", Err: &net.OpError{Op: "dial", Net: "tcp",
		Addr: &net.TCPAddr{IP: net.IPv4(10, 0, 0, 5), Port: 6443}, Err: syscall.ECONNREFUSED}}
	for _, reason := range []string{"InstallFailed", "UpgradeFailed", "RollbackFailed", "UninstallFailed"} {
		var f *failure
		if !errors.As(helmFailure(reason, "act on release nf", fmt.Errorf("Kubernetes cluster unreachable: %w", dial)), &f) || f.reason != reason {
			t.Fatalf("%s: not a %s failure: %+v", reason, reason, f)
		}
		if msg := f.statusMessage(); !strings.Contains(msg, netclass.APIServerConnect) || strings.Contains(msg, "10.0.0.5") {
			t.Errorf("%s: status message %q, want the class only", reason, msg)
		}
		helm := errors.New(`Deployment.apps "nf" is invalid: spec.replicas: Invalid value: -1`)
		if !errors.As(helmFailure(reason, "act on release nf", helm), &f) || f.statusMessage() != helm.Error() {
			t.Errorf("%s: Helm's own answer became %q", reason, f.statusMessage())
		}
	}
}
