package source

import (
	"fmt"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/generated/clientset/versioned/fake"
	"github.com/netweave-io/netweave/generated/informers/externalversions"
)

const (
	poolID  = "39c85e74-2e98-4e3d-8fec-e5a849d967c6"
	otherID = "5d2a5a0e-6a4f-4e64-8a58-7a4f2f0f4d11"
)

// fixture is a Source over informers that never run: the test puts in their stores what "the
// informer has seen", as the informer does before any event handler is told.
type fixture struct {
	t   *testing.T
	f   externalversions.SharedInformerFactory
	src *Source
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := externalversions.NewSharedInformerFactory(fake.NewSimpleClientset(), 0)
	src, err := New(f)
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{t: t, f: f, src: src}
}

func resourceID(i int) string { return fmt.Sprintf("%08x-1b8f-4c1e-9d3e-3f6f7a9b2c41", i) }

func newResource(ns string, i int) *v1alpha1.O2Resource {
	return &v1alpha1.O2Resource{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: fmt.Sprintf("r%04d", i)},
		Spec: v1alpha1.ResourceSpec{
			ResourceID: resourceID(i), ResourcePoolID: poolID, GlobalAssetID: fmt.Sprintf("SN-%06d", i),
		},
	}
}

func (fx *fixture) add(objs ...runtime.Object) {
	fx.t.Helper()
	for _, o := range objs {
		var err error
		switch o := o.(type) {
		case *v1alpha1.O2Resource:
			err = fx.f.O2ims().V1alpha1().O2Resources().Informer().GetIndexer().Add(o)
		case *v1alpha1.ResourcePool:
			err = fx.f.O2ims().V1alpha1().ResourcePools().Informer().GetIndexer().Add(o)
		default:
			fx.t.Fatalf("unexpected %T", o)
		}
		if err != nil {
			fx.t.Fatal(err)
		}
	}
}

func (fx *fixture) expectGet(kind Kind, id string, want runtime.Object) {
	fx.t.Helper()
	got, ok := fx.src.Get(kind, id)
	if want == nil {
		if ok {
			fx.t.Fatalf("Get(%s, %s) = %s, want nothing", kind, id, Key(got))
		}
		return
	}
	if !ok || got != want {
		fx.t.Fatalf("Get(%s, %s) = %v, %v; want %s", kind, id, got, ok, Key(want))
	}
}

func TestGetByID(t *testing.T) {
	fx := newFixture(t)
	r1, r2 := newResource("a", 1), newResource("b", 2)
	pool := &v1alpha1.ResourcePool{ObjectMeta: metav1.ObjectMeta{Namespace: "a", Name: "pool"},
		Spec: v1alpha1.ResourcePoolSpec{ResourcePoolID: poolID}}
	fx.add(r1, r2, pool)

	fx.expectGet(Resource, resourceID(1), r1)
	fx.expectGet(Resource, strings.ToUpper(resourceID(2)), r2) // UUIDs compare case-insensitively
	fx.expectGet(ResourcePool, poolID, pool)
	fx.expectGet(Resource, poolID, nil) // ids are per kind
	fx.expectGet(Resource, resourceID(3), nil)
	fx.expectGet(AlarmServiceConfiguration, poolID, nil) // no id field

	// Found as soon as the store has it (no handler has run: the informer is not running).
	r3 := newResource("a", 3)
	fx.add(r3)
	fx.expectGet(Resource, resourceID(3), r3)
	// Gone as soon as the store dropped it.
	if err := fx.f.O2ims().V1alpha1().O2Resources().Informer().GetIndexer().Delete(r3); err != nil {
		t.Fatal(err)
	}
	fx.expectGet(Resource, resourceID(3), nil)
}

func TestGetIsDeterministicWhenTwoClaimAnID(t *testing.T) {
	for _, names := range [][]string{{"z", "a"}, {"a", "z"}} {
		fx := newFixture(t)
		var first *v1alpha1.O2Resource
		for _, ns := range names {
			r := newResource(ns, 1)
			fx.add(r)
			if ns == "a" {
				first = r
			}
		}
		for range 2 { // the second lookup must not answer from a remembered entry
			fx.expectGet(Resource, resourceID(1), first)
		}
	}
}

func TestGetByIDAllocatesNothing(t *testing.T) {
	fx := newFixture(t)
	for i := range 100 {
		fx.add(newResource("a", i))
	}
	id := resourceID(42)
	r, _ := fx.src.Get(Resource, id) // the first lookup reads the id's bucket
	fx.expectGet(Resource, id, r)
	if n := testing.AllocsPerRun(100, func() { fx.src.Get(Resource, id) }); n != 0 {
		t.Fatalf("Get by id allocates %.0f times, want 0", n)
	}
}

func TestListByHashedAndExactFields(t *testing.T) {
	fx := newFixture(t)
	for i := range 50 {
		r := newResource([]string{"a", "b"}[i%2], i)
		if i%5 == 0 {
			r.Spec.ResourcePoolID = otherID
		}
		fx.add(r)
	}
	keys := func(objs []runtime.Object) string {
		var out []string
		for _, o := range objs {
			out = append(out, Key(o))
		}
		return strings.Join(out, ",")
	}
	for _, tc := range []struct {
		name, namespace string
		sel             fields.Selector
		want            string
	}{
		{"hashed field", "", fields.OneTermEqualSelector("spec.globalAssetId", "SN-000007"), "b/r0007"},
		{"hashed field, other namespace", "a", fields.OneTermEqualSelector("spec.globalAssetId", "SN-000007"), ""},
		{"id field", "", fields.OneTermEqualSelector("spec.resourceId", resourceID(8)), "a/r0008"},
		{"exact field and another", "a", fields.AndSelectors(
			fields.OneTermEqualSelector("spec.resourcePoolId", otherID),
			fields.OneTermNotEqualSelector("spec.globalAssetId", "SN-000010")), "a/r0000,a/r0020,a/r0030,a/r0040"},
		{"hashed field and exact field", "", fields.AndSelectors(
			fields.OneTermEqualSelector("spec.globalAssetId", "SN-000015"),
			fields.OneTermEqualSelector("spec.resourcePoolId", otherID)), "b/r0015"},
		{"hashed field, no match", "", fields.OneTermEqualSelector("spec.globalAssetId", "SN-999999"), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			objs, err := fx.src.List(Resource, tc.namespace, tc.sel)
			if err != nil {
				t.Fatal(err)
			}
			if got := keys(objs); got != tc.want {
				t.Fatalf("List(%s) = %s, want %s", tc.sel, got, tc.want)
			}
		})
	}
}
