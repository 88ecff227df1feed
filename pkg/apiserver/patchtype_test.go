package apiserver

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"
	"k8s.io/apiserver/pkg/registry/rest"

	"github.com/netweave-io/netweave/apis/o2ims"
	"github.com/netweave-io/netweave/pkg/registry/o2ims/kind"
)

// TestRegressionApplyOfAnUndeclaredFieldIsNotAdvisedAStrategicMerge: `kubectl apply
// --server-side` of a ResourcePool with a misspelt field answered "field not declared in
// schema; free-form values ... are not merged by a strategic merge patch: use a JSON merge
// patch": advice for a patch the user had not sent. The advice is now given to a strategic
// merge patch only.
func TestRegressionApplyOfAnUndeclaredFieldIsNotAdvisedAStrategicMerge(t *testing.T) {
	cause := errors.New("failed to create typed patch object (o2ims-system/p; o2ims.oran.org/v1alpha1, Kind=ResourcePool): .spec.bogus: field not declared in schema")
	failing := rest.DefaultUpdatedObjectInfo(nil, func(context.Context, runtime.Object, runtime.Object) (runtime.Object, error) {
		return nil, cause
	})
	for contentType, advised := range map[string]bool{
		"application/apply-patch+yaml":                      false,
		"application/merge-patch+json":                      false,
		"application/strategic-merge-patch+json":            true,
		"application/strategic-merge-patch+json; charset=x": true,
	} {
		var err error
		h := withPatchType(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
			ctx := genericapirequest.WithRequestInfo(r.Context(), &genericapirequest.RequestInfo{IsResourceRequest: true, Verb: "patch"})
			_, err = kind.PatchErrorsAsBadRequest(failing).UpdatedObject(ctx, &o2ims.ResourcePool{})
		}))
		req := httptest.NewRequest(http.MethodPatch, "/apis/o2ims.oran.org/v1alpha1/namespaces/o2ims-system/resourcepools/p", strings.NewReader("{}"))
		req.Header.Set("Content-Type", contentType)
		h.ServeHTTP(httptest.NewRecorder(), req)
		if !apierrors.IsBadRequest(err) || !strings.Contains(err.Error(), ".spec.bogus: field not declared") {
			t.Errorf("%s: %v, want 400 naming .spec.bogus", contentType, err)
			continue
		}
		if got := strings.Contains(err.Error(), "strategic merge"); got != advised {
			t.Errorf("%s: %q advises about strategic merge patches: %v, want %v", contentType, err, got, advised)
		}
	}
}
