package controller

import (
	"context"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/admission"
	"k8s.io/apiserver/pkg/admission/plugin/resourcequota"
	webhookerrors "k8s.io/apiserver/pkg/admission/plugin/webhook/errors"
	"k8s.io/apiserver/pkg/authentication/user"
	"k8s.io/apiserver/pkg/authorization/authorizer"
	"k8s.io/apiserver/pkg/endpoints/handlers/responsewriters"
	"k8s.io/apiserver/pkg/quota/v1/generic"
	k8stesting "k8s.io/client-go/testing"
	clusterv1 "sigs.k8s.io/cluster-api/api/core/v1beta2"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/pkg/provisioning/clusterapi"
)

// clusterCount is the ResourceQuota resource that counts Clusters in a namespace.
var clusterCount = generic.ObjectCountQuotaResourceNameFor(clusterapi.Clusters.GroupResource())

// quotaAnswer is what kube-apiserver's ResourceQuota admission answers for the Cluster created
// in action, with quota the namespace's: it runs the plugin's own check (CheckRequest with the
// object count evaluator kube-apiserver makes for a custom resource).
func quotaAnswer(t *testing.T, quota corev1.ResourceQuota, action k8stesting.Action) error {
	t.Helper()
	obj := action.(k8stesting.CreateAction).GetObject()
	m, err := meta.Accessor(obj)
	if err != nil {
		t.Error(err)
		return nil
	}
	attrs := admission.NewAttributesRecord(obj, nil, clusterv1.GroupVersion.WithKind(clusterv1.ClusterKind), m.GetNamespace(), m.GetName(),
		clusterapi.Clusters, "", admission.Create, &metav1.CreateOptions{}, false, nil)
	_, err = resourcequota.CheckRequest([]corev1.ResourceQuota{quota}, attrs,
		generic.NewObjectCountEvaluator(clusterapi.Clusters.GroupResource(), nil, ""), nil)
	return err
}

// rbacDenial is what kube-apiserver's authorization filter answers when netweave's own account
// may not verb Clusters in tenant-a (name "" for a create, as its URL has none).
func rbacDenial(verb, name string) error {
	return responsewriters.ForbiddenStatusError(authorizer.AttributesRecord{
		User: &user.DefaultInfo{Name: "system:serviceaccount:o2ims-system:netweave"}, Verb: verb, Namespace: "tenant-a",
		APIGroup: clusterv1.GroupVersion.Group, APIVersion: clusterv1.GroupVersion.Version, Resource: "clusters", Name: name,
		ResourceRequest: true}, "")
}

// TestRegressionQuotaOrRBACForbiddenIsNeverRetried (found by review): every 403 of the
// management cluster was taken for a refusal of the Cluster as it is: the request went FAILED
// and was tried again only when it, its template or its Cluster changed. A 403 of the tenant
// namespace's ResourceQuota ("exceeded quota", "status unknown for quota" while the quota
// controller has not counted yet) or of RBAC denying netweave's own account passes without any
// of those changing (the tenant frees quota, the usage is counted, the operator grants the
// Role), so the request stayed FAILED forever. Those now keep the status saying why, and are
// retried with backoff; a webhook's 403 denying the object is still a refusal, not retried.
func TestRegressionQuotaOrRBACForbiddenIsNeverRetried(t *testing.T) {
	full := corev1.ResourceQuota{ObjectMeta: metav1.ObjectMeta{Name: "clusters", Namespace: "tenant-a"},
		Spec: corev1.ResourceQuotaSpec{Hard: corev1.ResourceList{clusterCount: resource.MustParse("1")}},
		Status: corev1.ResourceQuotaStatus{Hard: corev1.ResourceList{clusterCount: resource.MustParse("1")},
			Used: corev1.ResourceList{clusterCount: resource.MustParse("1")}}}
	uncounted := *full.DeepCopy()
	uncounted.Status.Used = nil

	for _, tc := range []struct {
		name   string
		answer func(k8stesting.Action) error
		want   string
	}{
		{"exceeded quota", func(a k8stesting.Action) error { return quotaAnswer(t, full, a) }, "exceeded quota: clusters"},
		{"quota not counted yet", func(a k8stesting.Action) error { return quotaAnswer(t, uncounted, a) }, "status unknown for quota: clusters"},
		{"RBAC", func(k8stesting.Action) error { return rbacDenial("create", "") }, "cannot create resource"},
	} {
		t.Run("create/"+tc.name, func(t *testing.T) {
			req := request("tenant-a")
			req.Finalizers = []string{v1alpha1.FinalizerProvisioning}
			f := newFixture(t, nil, req, template("v1.33.0"))
			// Until the tenant frees quota (or it is counted, or the Role is granted).
			denied := true
			f.dyn.PrependReactor("create", "clusters", func(a k8stesting.Action) (bool, runtime.Object, error) {
				if !denied {
					return false, nil, nil
				}
				err := tc.answer(a)
				if err == nil {
					t.Error("setup: the management cluster's answer is not a denial")
				}
				return true, nil, err
			})
			err := f.r.reconcile(context.Background(), "tenant-a/"+id)
			if err == nil {
				t.Error("Cluster create denied by something that passes: reconcile returned no error, so it is never retried")
			}
			got := f.request(t, "tenant-a")
			c := meta.FindStatusCondition(got.Status.Conditions, ConditionClusterCreated)
			if !strings.Contains(got.Status.Message, tc.want) || !strings.HasSuffix(got.Status.Message, "retrying") ||
				c == nil || c.Reason != ReasonClusterRefused {
				t.Errorf("request %s %q, ClusterCreated %+v; want the status to say %q", got.Status.ProvisioningPhase, got.Status.Message, c, tc.want)
			}

			denied = false
			if err := f.r.reconcile(context.Background(), "tenant-a/"+id); err != nil {
				t.Errorf("retry once the denial passed: %v", err)
			}
			if got := f.request(t, "tenant-a"); got.Status.ProvisioningPhase != v1alpha1.ProvisioningPhaseProgressing {
				t.Errorf("retry once the denial passed: request %s %q, want PROGRESSING with its Cluster", got.Status.ProvisioningPhase, got.Status.Message)
			}
		})
	}

	t.Run("topology patch/RBAC", func(t *testing.T) {
		req, c := builtRequest(t)
		req.Generation = 2
		req.Spec.TemplateParameters = &v1alpha1.JSON{Raw: []byte(`{"region":"x","workers":3}`)}
		f := newFixture(t, []*clusterv1.Cluster{c}, req, template("v1.33.0"))
		refuseClusters(f, "patch", rbacDenial("patch", c.Name))
		if err := f.r.reconcile(context.Background(), "tenant-a/"+id); err == nil {
			t.Error("topology patch denied by RBAC: reconcile returned no error, so it is never retried")
		}
		got := f.request(t, "tenant-a")
		ful := meta.FindStatusCondition(got.Status.Conditions, ConditionFulfilled)
		if ful == nil || ful.Reason != ReasonNotApplied || !strings.Contains(got.Status.Message, "cannot patch resource") ||
			!strings.HasSuffix(got.Status.Message, "retrying") {
			t.Errorf("request %s %q, Fulfilled %+v; want %s saying netweave may not patch", got.Status.ProvisioningPhase, got.Status.Message, ful, ReasonNotApplied)
		}
	})

	t.Run("adoption patch/RBAC", func(t *testing.T) {
		f := newFixture(t, []*clusterv1.Cluster{lostRequestCluster("demo")}, request("tenant-a"), template("v1.33.0"))
		f.r.orphans = newOrphans(nil)
		refuseClusters(f, "patch", rbacDenial("patch", ClusterName("tenant-a", id)))
		if err := f.r.reconcile(context.Background(), "tenant-a/"+id); err == nil {
			t.Error("adoption patch denied by RBAC: reconcile returned no error, so it is never retried")
		}
		got := f.request(t, "tenant-a")
		if got.Status.ProvisioningPhase != v1alpha1.ProvisioningPhaseFailed || !strings.Contains(got.Status.Message, "cannot patch resource") ||
			!strings.HasSuffix(got.Status.Message, "retrying") {
			t.Errorf("request %s %q; want FAILED saying netweave may not patch", got.Status.ProvisioningPhase, got.Status.Message)
		}
	})

	// The boundary: an admission webhook answering 403 denies the object as it is.
	t.Run("create/webhook 403 is a refusal", func(t *testing.T) {
		req := request("tenant-a")
		req.Finalizers = []string{v1alpha1.FinalizerProvisioning}
		f := newFixture(t, nil, req, template("v1.33.0"))
		refuseClusters(f, "create", webhookerrors.ToStatusErr("validation.cluster.x-k8s.io",
			&metav1.Status{Code: 403, Reason: metav1.StatusReasonForbidden, Message: "exceeded quota of control plane nodes for class demo"}))
		if err := f.r.reconcile(context.Background(), "tenant-a/"+id); err != nil {
			t.Errorf("webhook denial of the Cluster: %v, want the refusal in the status, not a retry", err)
		}
		if got := f.request(t, "tenant-a"); got.Status.ProvisioningPhase != v1alpha1.ProvisioningPhaseFailed || strings.Contains(got.Status.Message, "retrying") {
			t.Errorf("webhook denial: request %s %q, want FAILED", got.Status.ProvisioningPhase, got.Status.Message)
		}
	})
}
