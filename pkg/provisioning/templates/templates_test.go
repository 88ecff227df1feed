package templates

import (
	"context"
	"encoding/json"
	"reflect"
	"testing"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	dynamicfake "k8s.io/client-go/dynamic/fake"
	clusterv1 "sigs.k8s.io/cluster-api/api/core/v1beta2"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/generated/clientset/versioned/fake"
	"github.com/netweave-io/netweave/generated/informers/externalversions"
	"github.com/netweave-io/netweave/pkg/provisioning/clusterapi"
)

func ptr[T any](v T) *T { return &v }

func demoClass() *clusterv1.ClusterClass {
	return &clusterv1.ClusterClass{
		ObjectMeta: metav1.ObjectMeta{Name: "demo", Namespace: "o2ims-system",
			Annotations: map[string]string{v1alpha1.AnnotationDescription: "demo clusters"},
			Labels:      map[string]string{v1alpha1.LabelCharacteristicPrefix + "site": "edge", "other": "x"}},
		Spec: clusterv1.ClusterClassSpec{
			KubernetesVersions: []string{"v1.33.0", "v1.34.0", "v1.34.0+k3s1"},
			Variables: []clusterv1.ClusterClassVariable{
				{Name: "workers", Required: ptr(false), Schema: clusterv1.VariableSchema{OpenAPIV3Schema: clusterv1.JSONSchemaProps{
					Type: "integer", Minimum: ptr[int64](1), Maximum: ptr[int64](10), ExclusiveMaximum: ptr(true),
					Default: &apiextensionsv1.JSON{Raw: []byte(`2`)}}}},
				{Name: "region", Required: ptr(true), Schema: clusterv1.VariableSchema{OpenAPIV3Schema: clusterv1.JSONSchemaProps{
					Type: "string", MinLength: ptr[int64](1)}}},
			},
		},
	}
}

func decode(t *testing.T, j *v1alpha1.JSON) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(j.Raw, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

func TestDerive(t *testing.T) {
	got, skipped, err := Derive(demoClass())
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Name != "demo.v1.33.0" || got[1].Name != "demo.v1.34.0" {
		t.Fatalf("templates %v", got)
	}
	if len(skipped) != 1 || skipped[0].Version != "v1.34.0+k3s1" {
		t.Errorf("skipped %v, want the version with a '+'", skipped)
	}
	s := got[1].Spec
	if s.Name != "demo" || s.Version != "v1.34.0" || s.Description != "demo clusters" ||
		!reflect.DeepEqual(s.Characteristics, map[string]string{"site": "edge"}) ||
		s.ClusterClassRef != (v1alpha1.ClusterReference{Namespace: "o2ims-system", Name: "demo"}) {
		t.Errorf("spec %+v", s)
	}
	wantSchema := map[string]any{
		"type": "object", "additionalProperties": false, "required": []any{"region"},
		"properties": map[string]any{
			// OpenAPI 3.0's boolean exclusiveMaximum becomes 2020-12's number.
			"workers": map[string]any{"type": "integer", "minimum": 1.0, "exclusiveMaximum": 10.0, "default": 2.0},
			"region":  map[string]any{"type": "string", "minLength": 1.0},
		},
	}
	if g := decode(t, s.ParameterSchema); !reflect.DeepEqual(g, wantSchema) {
		t.Errorf("parameterSchema\n got %v\nwant %v", g, wantSchema)
	}
	if g, want := decode(t, s.Defaults), map[string]any{"clusterInstanceDefaults": map[string]any{"workers": 2.0}}; !reflect.DeepEqual(g, want) {
		t.Errorf("defaults %v, want %v", g, want)
	}
	if got[0].Labels[v1alpha1.LabelManagedBy] != v1alpha1.ManagedByTemplateSync || got[0].Labels[v1alpha1.LabelClusterClass] != "demo" {
		t.Errorf("labels %v", got[0].Labels)
	}
}

// fixture is the sync's reconciler over fake clients: ClusterClasses in a fake dynamic
// client, templates in a fake O2 clientset, as sample-controller tests do.
type fixture struct {
	o2      *fake.Clientset
	r       *reconciler
	dynamic *dynamicfake.FakeDynamicClient
}

func newFixture(t *testing.T, classes []*clusterv1.ClusterClass, templates ...runtime.Object) *fixture {
	t.Helper()
	// An empty scheme: the fake dynamic client keeps unstructured objects, as the API server
	// serves them.
	scheme := runtime.NewScheme()
	var objs []runtime.Object
	for _, cc := range classes {
		u, err := clusterapi.ToUnstructured(cc, "ClusterClass")
		if err != nil {
			t.Fatal(err)
		}
		objs = append(objs, u)
	}
	dyn := dynamicfake.NewSimpleDynamicClientWithCustomListKinds(scheme,
		map[schema.GroupVersionResource]string{clusterapi.ClusterClasses: "ClusterClassList", clusterapi.Clusters: "ClusterList"}, objs...)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	informers, err := clusterapi.NewInformers(dyn, clusterapi.ClusterClasses, []string{"o2ims-system"}, clusterapi.DecodeClusterClass)
	if err != nil {
		t.Fatal(err)
	}
	if unread, err := informers.Run(ctx); err != nil || len(unread) > 0 {
		t.Fatalf("ClusterClass informers did not sync: unread %v, %v", unread, err)
	}
	o2 := fake.NewSimpleClientset(templates...)
	f := externalversions.NewSharedInformerFactory(o2, 0)
	lister := f.O2ims().V1alpha1().ManagedInfrastructureTemplates().Lister()
	f.Start(ctx.Done())
	f.WaitForCacheSync(ctx.Done())
	return &fixture{o2: o2, dynamic: dyn, r: &reconciler{classes: informers, templates: lister, client: o2}}
}

func (f *fixture) templates(t *testing.T) map[string]v1alpha1.ManagedInfrastructureTemplate {
	t.Helper()
	list, err := f.o2.O2imsV1alpha1().ManagedInfrastructureTemplates("o2ims-system").List(context.Background(), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]v1alpha1.ManagedInfrastructureTemplate{}
	for _, it := range list.Items {
		out[it.Name] = it
	}
	return out
}

func TestReconcileCreatesOverwritesAndDeletes(t *testing.T) {
	want, _, err := Derive(demoClass())
	if err != nil {
		t.Fatal(err)
	}
	edited := want[0].DeepCopy()
	edited.Spec.Description = "edited by hand"
	edited.Spec.ArtifactResourceID = "0b5c3b0c-6b8e-5d0a-9f44-1c2d3e4f5a6b"
	stale := want[0].DeepCopy()
	stale.Name, stale.Spec.Version = "demo.v1.32.0", "v1.32.0"
	admins := want[0].DeepCopy()
	admins.Name, admins.Labels = "demo.v1.31.0", nil
	f := newFixture(t, []*clusterv1.ClusterClass{demoClass()}, edited, stale, admins)

	if err := f.r.reconcile(context.Background(), "o2ims-system/demo"); err != nil {
		t.Fatal(err)
	}
	got := f.templates(t)
	if _, ok := got["demo.v1.32.0"]; ok {
		t.Error("template of a version the ClusterClass no longer lists was kept")
	}
	if _, ok := got["demo.v1.31.0"]; !ok {
		t.Error("a template without the sync's label was deleted")
	}
	if g := got["demo.v1.33.0"]; g.Spec.Description != "demo clusters" || g.Spec.ArtifactResourceID != edited.Spec.ArtifactResourceID {
		t.Errorf("edited template not overwritten with its id kept: %+v", g.Spec)
	}
	if _, ok := got["demo.v1.34.0"]; !ok {
		t.Error("template of v1.34.0 not created")
	}
}

func TestReconcileDeletesTemplatesOfAGoneClass(t *testing.T) {
	want, _, err := Derive(demoClass())
	if err != nil {
		t.Fatal(err)
	}
	f := newFixture(t, nil, want[0], want[1])
	if err := f.r.reconcile(context.Background(), "o2ims-system/demo"); err != nil {
		t.Fatal(err)
	}
	if got := f.templates(t); len(got) != 0 {
		t.Errorf("templates of a deleted ClusterClass kept: %v", got)
	}
}
