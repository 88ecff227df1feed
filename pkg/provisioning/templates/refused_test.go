package templates

import (
	"context"
	"errors"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"
	k8stesting "k8s.io/client-go/testing"
	clusterv1 "sigs.k8s.io/cluster-api/api/core/v1beta2"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
)

var templatesResource = schema.GroupResource{Group: v1alpha1.GroupName, Resource: resource}

// TestRegressionOneRefusedTemplateStopsItsClassSync: a ClusterClass's reconcile returned at
// the first template the API refused, before the versions after it and before deleting the
// templates of versions the class dropped. So one version's template refused (admission, a
// bound) held back every other version's; and in a namespace at its ResourceQuota for
// managedinfrastructuretemplates, a class that swapped a version (v1.32.0 for v1.34.0) stayed
// stuck for good: the create of v1.34.0 was refused for the quota the stale v1.32.0 held, and
// v1.32.0 was never deleted, so SMOs were offered the dropped version and never the new one.
// The templates that went away are now deleted first and each template's failure is its own.
func TestRegressionOneRefusedTemplateStopsItsClassSync(t *testing.T) {
	want, _, err := Derive(demoClass())
	if err != nil {
		t.Fatal(err)
	}
	t.Run("quota", func(t *testing.T) {
		stale := want[0].DeepCopy()
		stale.Name, stale.Spec.Version = "demo.v1.32.0", "v1.32.0"
		f := newFixture(t, []*clusterv1.ClusterClass{demoClass()}, want[0].DeepCopy(), stale)
		// The namespace's quota: two templates.
		f.o2.PrependReactor("create", resource, func(a k8stesting.Action) (bool, runtime.Object, error) {
			list, err := f.o2.Tracker().List(v1alpha1.SchemeGroupVersion.WithResource(resource),
				v1alpha1.SchemeGroupVersion.WithKind("ManagedInfrastructureTemplate"), a.GetNamespace())
			if err != nil {
				return true, nil, err
			}
			if items, _ := list.(*v1alpha1.ManagedInfrastructureTemplateList); items != nil && len(items.Items) >= 2 {
				return true, nil, apierrors.NewForbidden(templatesResource, "demo.v1.34.0",
					errors.New("exceeded quota: templates, requested: count/managedinfrastructuretemplates.o2ims.oran.org=1, used: 2, limited: 2"))
			}
			return false, nil, nil
		})
		for range 3 {
			_ = f.r.reconcile(context.Background(), "o2ims-system/demo")
		}
		got := f.templates(t)
		if _, ok := got["demo.v1.32.0"]; ok {
			t.Error("the template of the dropped version v1.32.0 is kept")
		}
		if _, ok := got["demo.v1.34.0"]; !ok {
			t.Error("the template of the new version v1.34.0 is never created")
		}
	})
	t.Run("one version refused", func(t *testing.T) {
		f := newFixture(t, []*clusterv1.ClusterClass{demoClass()})
		f.o2.PrependReactor("create", resource, func(a k8stesting.Action) (bool, runtime.Object, error) {
			if a.(k8stesting.CreateAction).GetObject().(metav1.Object).GetName() == "demo.v1.33.0" {
				return true, nil, apierrors.NewInvalid(schema.GroupKind{Group: v1alpha1.GroupName, Kind: "ManagedInfrastructureTemplate"},
					"demo.v1.33.0", field.ErrorList{field.Forbidden(field.NewPath("spec"), "denied by policy")})
			}
			return false, nil, nil
		})
		if err := f.r.reconcile(context.Background(), "o2ims-system/demo"); err == nil {
			t.Error("the refused template is not reported")
		}
		if _, ok := f.templates(t)["demo.v1.34.0"]; !ok {
			t.Error("v1.33.0's refusal held back the template of v1.34.0")
		}
	})
}
