package controller

import (
	"context"
	"encoding/json"
	"testing"

	chart "helm.sh/helm/v4/pkg/chart/v2"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	k8stesting "k8s.io/client-go/testing"

	v1alpha1 "github.com/netweave-io/netweave/apis/o2dms/v1alpha1"
	o2fake "github.com/netweave-io/netweave/generated/clientset/versioned/fake"
	"github.com/netweave-io/netweave/pkg/helmrelease"
)

// TestRegressionSchemaAdoptionIsConditional: the controller wrote the values.schema.json of
// the chart it had just fetched into the descriptor it had read, with a merge patch that
// applied to whatever the descriptor was by then. A descriptor moved to chart 2.0 meanwhile got
// chart 1.0's schema, and admission then judged 2.0's values by it. The patch now carries the
// resourceVersion read, so the API server refuses it (409) once the descriptor changed.
func TestRegressionSchemaAdoptionIsConditional(t *testing.T) {
	desc := &v1alpha1.NfDeploymentDescriptor{ObjectMeta: metav1.ObjectMeta{Name: "d", Namespace: "tenant-a", ResourceVersion: "7"}}
	client := o2fake.NewSimpleClientset(desc.DeepCopy())
	// The API server's rule: a patch that names a resourceVersion applies only to that one; one
	// that names none applies to whatever is stored. The stored descriptor has moved on to
	// resourceVersion 8.
	var patches []string
	client.PrependReactor("patch", "nfdeploymentdescriptors", func(a k8stesting.Action) (bool, runtime.Object, error) {
		body := a.(k8stesting.PatchAction).GetPatch()
		patches = append(patches, string(body))
		var p struct {
			Metadata struct {
				ResourceVersion string `json:"resourceVersion"`
			} `json:"metadata"`
		}
		if err := json.Unmarshal(body, &p); err != nil {
			return true, nil, err
		}
		if rv := p.Metadata.ResourceVersion; rv != "" && rv != "8" {
			return true, nil, apierrors.NewConflict(schema.GroupResource{Group: v1alpha1.GroupName, Resource: "nfdeploymentdescriptors"}, "d",
				nil)
		}
		return false, nil, nil
	})
	c := New(Config{Client: client})
	ch := &helmrelease.Fetched{Chart: &chart.Chart{Schema: []byte(`{"type":"object"}`)}}
	c.adoptSchema(context.Background(), desc, ch)
	if len(patches) != 1 {
		t.Fatalf("patches %q", patches)
	}
	got, err := client.O2dmsV1alpha1().NfDeploymentDescriptors("tenant-a").Get(context.Background(), "d", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got.Spec.ParametersSchema != nil {
		t.Errorf("a descriptor changed since it was read took the schema: %s", got.Spec.ParametersSchema.Raw)
	}
}
