package o2rest

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apiserver/pkg/admission"
	k8stesting "k8s.io/client-go/testing"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
)

// admissionRefusal builds the error netweave's admission chain returns for a create of sub,
// the way the plugins build it: admission.NewForbidden with the plugin's reason, and for a
// ValidatingAdmissionPolicy the reason and code rewritten as its dispatcher does.
func admissionRefusal(sub *v1alpha1.InventorySubscription, reason error, policyReason metav1.StatusReason) error {
	attrs := admission.NewAttributesRecord(sub, nil, v1alpha1.SchemeGroupVersion.WithKind("InventorySubscription"),
		sub.Namespace, sub.Name, v1alpha1.SchemeGroupVersion.WithResource("inventorysubscriptions"), "", admission.Create, nil, false, nil)
	err := admission.NewForbidden(attrs, reason).(*apierrors.StatusError)
	if policyReason != "" {
		err.ErrStatus.Reason = policyReason
		err.ErrStatus.Code = map[metav1.StatusReason]int32{metav1.StatusReasonInvalid: 422, metav1.StatusReasonForbidden: 403}[policyReason]
		err.ErrStatus.Details.Causes = append(err.ErrStatus.Details.Causes, metav1.StatusCause{Message: reason.Error()})
	}
	return err
}

func TestSubscriptionCreateAdmissionRefusals(t *testing.T) {
	const quotaReason = "exceeded quota: subs, requested: count/inventorysubscriptions.o2ims.oran.org=1, used: count/inventorysubscriptions.o2ims.oran.org=7, limited: count/inventorysubscriptions.o2ims.oran.org=7"
	const perOwner = "exceeded quota: subscriptions-per-owner, requested: inventorysubscriptions=1, used: inventorysubscriptions=3, limited: inventorysubscriptions=3"
	const policy = "ValidatingAdmissionPolicy 'https-callbacks' with binding 'https-callbacks' denied request: callbacks must be https to *.smo.example"
	for _, tc := range []struct {
		name, token, path string
		refuse            func(*v1alpha1.InventorySubscription) error
		status            int
		want, notWant     []string
		retryAfter        string
	}{{
		// TestRegressionAPIClientErrorsKeepTheirStatus: refusals the O2 face did not expect
		// (a webhook's 400, a policy's 413) were answered 500, as if netweave had failed.
		name: "a webhook's BadRequest: 400 with its message", token: "alice-token", path: "/tenants/tenant-a",
		refuse: func(*v1alpha1.InventorySubscription) error {
			return apierrors.NewBadRequest("callbacks must carry a path under /o2")
		},
		status: http.StatusBadRequest, want: []string{"callbacks must carry a path under /o2"},
	}, {
		name: "a policy's RequestEntityTooLarge: 413 with its message", token: "alice-token", path: "/tenants/tenant-a",
		refuse: func(*v1alpha1.InventorySubscription) error {
			return apierrors.NewRequestEntityTooLargeError("subscriptions may hold 4 KiB of filter")
		},
		status: http.StatusRequestEntityTooLarge, want: []string{"subscriptions may hold 4 KiB of filter"},
	}, {
		name: "quota in the tenant's own namespace: the whole reason", token: "alice-token", path: "/tenants/tenant-a",
		refuse: func(s *v1alpha1.InventorySubscription) error { return admissionRefusal(s, errors.New(quotaReason), "") },
		status: http.StatusForbidden, want: []string{quotaReason},
	}, {
		name: "quota in the shared namespace: which quota, not the other SMOs' usage", token: "admin-token", path: "",
		refuse: func(s *v1alpha1.InventorySubscription) error { return admissionRefusal(s, errors.New(quotaReason), "") },
		status: http.StatusForbidden, want: []string{"exceeded quota: subs", "shared subscription namespace"}, notWant: []string{"used:", "=7", "limited"},
	}, {
		name: "the per-owner cap in the shared namespace: the caller's own figures stay", token: "admin-token", path: "",
		refuse: func(s *v1alpha1.InventorySubscription) error {
			return apierrors.NewForbidden(v1alpha1.Resource("inventorysubscriptions"), "", errors.New(perOwner))
		},
		status: http.StatusForbidden, want: []string{perOwner},
	}, {
		name: "policy with the default reason: 422 with the policy's message", token: "alice-token", path: "/tenants/tenant-a",
		refuse: func(s *v1alpha1.InventorySubscription) error {
			return admissionRefusal(s, errors.New(policy), metav1.StatusReasonInvalid)
		},
		status: http.StatusUnprocessableEntity, want: []string{policy},
	}, {
		name: "policy with reason Forbidden: 403 with the policy's message", token: "admin-token", path: "",
		refuse: func(s *v1alpha1.InventorySubscription) error {
			return admissionRefusal(s, errors.New(policy), metav1.StatusReasonForbidden)
		},
		status: http.StatusForbidden, want: []string{policy},
	}, {
		name: "the registry's field validation stays a 400", token: "alice-token", path: "/tenants/tenant-a",
		refuse: func(s *v1alpha1.InventorySubscription) error {
			return apierrors.NewInvalid(v1alpha1.SchemeGroupVersion.WithKind("InventorySubscription").GroupKind(), s.Name, field.ErrorList{field.Invalid(field.NewPath("spec", "filter"), "x", "bad filter")})
		},
		status: http.StatusBadRequest, want: []string{"bad filter"},
	}, {
		// Regression: a full Redis answered "500 could not create the subscription".
		name: "a full store: 507, nothing written, no store key", token: "alice-token", path: "/tenants/tenant-a",
		refuse: func(s *v1alpha1.InventorySubscription) error {
			return &apierrors.StatusError{ErrStatus: metav1.Status{Status: metav1.StatusFailure, Code: http.StatusInsufficientStorage, Reason: "InsufficientStorage",
				Message: `the store cannot take more: Redis refused the create of "/o2ims.oran.org/inventorysubscriptions/tenant-a/x": OOM command not allowed. Nothing was written`}}
		},
		status: http.StatusInsufficientStorage, want: []string{"cannot take more writes", "nothing was written"}, notWant: []string{"/o2ims.oran.org", "OOM"},
	}, {
		name: "a store refusing for now: 503 with the API's Retry-After", token: "alice-token", path: "/tenants/tenant-a",
		refuse: func(s *v1alpha1.InventorySubscription) error {
			return &apierrors.StatusError{ErrStatus: metav1.Status{Status: metav1.StatusFailure, Code: http.StatusServiceUnavailable, Reason: metav1.StatusReasonServiceUnavailable,
				Message: `the store refused the create of "/o2ims.oran.org/inventorysubscriptions/tenant-a/x" for now: LOADING Redis is loading the dataset in memory. Nothing was written`,
				Details: &metav1.StatusDetails{RetryAfterSeconds: 2}}}
		},
		status: http.StatusServiceUnavailable, want: []string{"for now", "nothing was written"}, notWant: []string{"/o2ims.oran.org", "LOADING"}, retryAfter: "2",
	}} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, 0)
			e.client.PrependReactor("create", "inventorysubscriptions", func(a k8stesting.Action) (bool, runtime.Object, error) {
				return true, nil, tc.refuse(a.(k8stesting.CreateAction).GetObject().(*v1alpha1.InventorySubscription))
			})
			r := e.do("POST", tc.token, tc.path+inventory+"/v1/subscriptions", `{"callback":"http://cb.smo.example/n"}`)
			e.expect(r, tc.status, "create")
			if got := r.header.Get("Retry-After"); got != tc.retryAfter {
				t.Errorf("Retry-After %q, want %q", got, tc.retryAfter)
			}
			var p struct{ Detail string }
			if err := json.Unmarshal(r.body, &p); err != nil {
				t.Fatal(err)
			}
			for _, w := range tc.want {
				if !strings.Contains(p.Detail, w) {
					t.Errorf("detail %q does not say %q", p.Detail, w)
				}
			}
			for _, w := range tc.notWant {
				if strings.Contains(p.Detail, w) {
					t.Errorf("detail %q says %q", p.Detail, w)
				}
			}
		})
	}
}
