package servedapi

import (
	"errors"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	fakediscovery "k8s.io/client-go/discovery/fake"
	k8stesting "k8s.io/client-go/testing"
)

func TestFirstVersion(t *testing.T) {
	// kube-apiserver's answer for a path it does not serve, and a proxy's in front of it: a
	// 404 that is not a Status (client-go marks it an unexpected server response).
	page404 := apierrors.NewGenericServerResponse(404, "get", schema.GroupResource{}, "", "404 page not found", 0, true)
	both := []metav1.APIResource{{Name: "machinedeployments"}, {Name: "machinesets"}}
	for _, tc := range []struct {
		name      string
		lists     []*metav1.APIResourceList
		resources error // the answer for every group version, when set
		groups    error // the answer for /apis, when set
		want      string
		wantErr   bool
	}{
		{name: "served", lists: []*metav1.APIResourceList{{GroupVersion: "x.io/v1beta1", APIResources: both}}, want: "v1beta1"},
		{name: "the preferred version first", lists: []*metav1.APIResourceList{
			{GroupVersion: "x.io/v1beta1", APIResources: both}, {GroupVersion: "x.io/v1beta2", APIResources: both}}, want: "v1beta2"},
		{name: "a version without both kinds is passed over", lists: []*metav1.APIResourceList{
			{GroupVersion: "x.io/v1beta2", APIResources: both[:1]}, {GroupVersion: "x.io/v1beta1", APIResources: both}}, want: "v1beta1"},
		{name: "group not listed", lists: []*metav1.APIResourceList{{GroupVersion: "other.io/v1beta1", APIResources: both}}},
		{name: "only a version not asked for", lists: []*metav1.APIResourceList{{GroupVersion: "x.io/v1alpha1", APIResources: both}}},
		{name: "listed, its kinds missing", lists: []*metav1.APIResourceList{{GroupVersion: "x.io/v1beta1", APIResources: both[1:]}}},
		{name: "listed, its group version a 404 page", lists: []*metav1.APIResourceList{{GroupVersion: "x.io/v1beta1"}},
			resources: page404, wantErr: true},
		{name: "listed, its group version unavailable", lists: []*metav1.APIResourceList{{GroupVersion: "x.io/v1beta1"}},
			resources: apierrors.NewServiceUnavailable("restarting"), wantErr: true},
		{name: "the list of groups unreadable", groups: page404, wantErr: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := &fakediscovery.FakeDiscovery{Fake: &k8stesting.Fake{Resources: tc.lists}}
			if tc.resources != nil {
				d.PrependReactor("get", "resource", func(k8stesting.Action) (bool, runtime.Object, error) { return true, nil, tc.resources })
			}
			if tc.groups != nil {
				d.PrependReactor("get", "group", func(k8stesting.Action) (bool, runtime.Object, error) { return true, nil, tc.groups })
			}
			got, err := FirstVersion(d, "x.io", []string{"v1beta2", "v1beta1"}, "machinedeployments", "machinesets")
			if got != tc.want || (err != nil) != tc.wantErr {
				t.Errorf("FirstVersion = %q, %v; want %q, error %v", got, err, tc.want, tc.wantErr)
			}
			if tc.wantErr && tc.resources != nil && !errors.Is(err, tc.resources) {
				t.Errorf("the error %v does not wrap the discovery error", err)
			}
		})
	}
}
