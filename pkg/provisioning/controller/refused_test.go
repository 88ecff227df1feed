package controller

import (
	"context"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"
	k8stesting "k8s.io/client-go/testing"
	clusterv1 "sigs.k8s.io/cluster-api/api/core/v1beta2"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/apis/o2ims/validation"
)

// refuseClusters makes the management cluster answer every verb ("create", "patch") of a
// Cluster with err.
func refuseClusters(f *fixture, verb string, err error) {
	f.dyn.PrependReactor(verb, "clusters", func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, err
	})
}

// celRefusal is what Cluster API's webhook answers for a Cluster whose variable fails the
// ClusterClass's CEL rule (which the template's JSON schema does not check): 422 Invalid.
func celRefusal(detail string) error {
	return apierrors.NewInvalid(schema.GroupKind{Group: "cluster.x-k8s.io", Kind: "Cluster"}, ClusterName("tenant-a", id),
		field.ErrorList{field.Invalid(field.NewPath("spec", "topology", "variables").Index(0).Child("value"), "x",
			"failed rule: self.matches('^[a-z]+-[0-9]$')"+detail)})
}

// TestRegressionClusterAPIRefusalIsAFailedStatus (found by review): when Cluster API refused
// the Cluster a request asks for (its webhook, a ClusterClass variable's CEL rule, a version
// downgrade), the controller returned the error before writing status and retried with backoff
// forever: a new request showed no phase, no message, no condition; a FULFILLED request whose
// change was refused kept saying FULFILLED for the old spec. The refusal is now the request's
// status: FAILED ClusterRefused for a create, FAILED SpecNotApplied for a change, with Cluster
// API's message, bounded. An error that may pass (the server unavailable) is still retried.
func TestRegressionClusterAPIRefusalIsAFailedStatus(t *testing.T) {
	t.Run("create", func(t *testing.T) {
		req := request("tenant-a")
		req.Finalizers = []string{v1alpha1.FinalizerProvisioning}
		f := newFixture(t, nil, req, template("v1.33.0"))
		refuseClusters(f, "create", celRefusal(""))
		if err := f.r.reconcile(context.Background(), "tenant-a/"+id); err != nil {
			t.Errorf("reconcile of a refused Cluster: %v, want the refusal in the status", err)
		}
		got := f.request(t, "tenant-a")
		c := meta.FindStatusCondition(got.Status.Conditions, ConditionClusterCreated)
		if got.Status.ProvisioningPhase != v1alpha1.ProvisioningPhaseFailed || !strings.Contains(got.Status.Message, "failed rule") ||
			c == nil || c.Reason != ReasonClusterRefused {
			t.Errorf("Cluster refused by Cluster API: request phase %q, message %q, ClusterCreated %+v; want FAILED %s saying why",
				got.Status.ProvisioningPhase, got.Status.Message, c, ReasonClusterRefused)
		}
	})
	t.Run("change of a fulfilled request", func(t *testing.T) {
		req, c := builtRequest(t)
		req.Status = v1alpha1.ProvisioningRequestStatus{ProvisioningPhase: v1alpha1.ProvisioningPhaseFulfilled, ObservedGeneration: 1,
			Message: "cluster is ready at v1.33.0 and in the inventory"}
		req.Generation = 2
		req.Spec.TemplateParameters = &v1alpha1.JSON{Raw: []byte(`{"region":"x","workers":3}`)}
		f := newFixture(t, []*clusterv1.Cluster{c}, req, template("v1.33.0"))
		// A long answer (every variable's rule) is cut, and what netweave says after it stays.
		refuseClusters(f, "patch", celRefusal(strings.Repeat(" and more", 10000)))
		if err := f.r.reconcile(context.Background(), "tenant-a/"+id); err != nil {
			t.Errorf("reconcile of a refused change: %v, want the refusal in the status", err)
		}
		got := f.request(t, "tenant-a")
		ful := meta.FindStatusCondition(got.Status.Conditions, ConditionFulfilled)
		if got.Status.ProvisioningPhase != v1alpha1.ProvisioningPhaseFailed || got.Status.ObservedGeneration != 2 ||
			ful == nil || ful.Reason != ReasonNotApplied || ful.Status != "False" {
			t.Errorf("Cluster API refused the change: request %s (%.200q, observedGeneration %d of %d), Fulfilled %+v; want FAILED %s",
				got.Status.ProvisioningPhase, got.Status.Message, got.Status.ObservedGeneration, got.Generation, ful, ReasonNotApplied)
		}
		if len(got.Status.Message) > validation.MaxMessageLength || !strings.HasSuffix(got.Status.Message, "the Cluster is left as it is") {
			t.Errorf("message of %d bytes ending %q; want at most %d ending with what is left as it is",
				len(got.Status.Message), got.Status.Message[max(0, len(got.Status.Message)-60):], validation.MaxMessageLength)
		}
	})
	t.Run("unavailable", func(t *testing.T) {
		req := request("tenant-a")
		req.Finalizers = []string{v1alpha1.FinalizerProvisioning}
		f := newFixture(t, nil, req, template("v1.33.0"))
		refuseClusters(f, "create", apierrors.NewServiceUnavailable("webhook unreachable"))
		if err := f.r.reconcile(context.Background(), "tenant-a/"+id); err == nil {
			t.Error("reconcile with the management cluster unavailable: no error, want one to retry with backoff")
		}
		if got := f.request(t, "tenant-a"); got.Status.ProvisioningPhase == v1alpha1.ProvisioningPhaseFailed {
			t.Errorf("unavailable management cluster: request FAILED (%q), want it retried", got.Status.Message)
		}
	})
}
