package cachefeed

import (
	"reflect"
	"testing"

	apiequality "k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

	o2dmsinstall "github.com/netweave-io/netweave/apis/o2dms/install"
	o2ims "github.com/netweave-io/netweave/apis/o2ims"
	o2imsinstall "github.com/netweave-io/netweave/apis/o2ims/install"
	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
)

func newScheme() *runtime.Scheme {
	scheme := runtime.NewScheme()
	o2imsinstall.Install(scheme)
	o2dmsinstall.Install(scheme)
	return scheme
}

// Every served kind has the layout of its internal type, so every informer reads the read
// cache's objects without a copy: a type change that breaks this shows here (the feed would
// then convert, correctly, at the memory cost this avoids).
func TestServedKindsShareTheCachedObjects(t *testing.T) {
	scheme := newScheme()
	for _, gv := range []schema.GroupVersion{v1alpha1.SchemeGroupVersion, {Group: "o2dms.oran.org", Version: "v1alpha1"}} {
		for kind, served := range scheme.KnownTypes(gv) {
			internal, ok := scheme.KnownTypes(schema.GroupVersion{Group: gv.Group, Version: runtime.APIVersionInternal})[kind]
			if !ok || served.PkgPath() == "k8s.io/apimachinery/pkg/apis/meta/v1" {
				continue // options and meta kinds, not stored
			}
			if !sameLayout(internal, served, map[[2]reflect.Type]bool{}) {
				t.Errorf("%s %s: the internal and served types are laid out differently", gv, kind)
			}
		}
	}
}

func TestSameLayout(t *testing.T) {
	type inner struct{ A, B string }
	type innerSwapped struct{ B, A string }
	type innerOther struct{ A, B string }
	type list struct {
		Name  string
		Items []*list
		Map   map[string]inner
	}
	type listOther struct {
		Name  string
		Items []*listOther
		Map   map[string]innerOther
	}
	type listSwapped struct {
		Name  string
		Items []*listSwapped
		Map   map[string]innerSwapped
	}
	type shorter struct{ A string }
	type withIface struct{ V any }
	type withOtherIface struct{ V interface{ M() } }
	for _, tc := range []struct {
		a, b any
		want bool
	}{
		{inner{}, innerOther{}, true},
		{list{}, listOther{}, true}, // recursive
		{inner{}, innerSwapped{}, false},
		{list{}, listSwapped{}, false},
		{inner{}, shorter{}, false},
		{withIface{}, withIface{}, true},
		{withIface{}, withOtherIface{}, false},
		{[2]inner{}, [3]innerOther{}, false},
	} {
		a, b := reflect.TypeOf(tc.a), reflect.TypeOf(tc.b)
		if got := sameLayout(a, b, map[[2]reflect.Type]bool{}); got != tc.want {
			t.Errorf("sameLayout(%v, %v) = %v, want %v", a, b, got, tc.want)
		}
	}
}

func TestConvertSharesOrCopies(t *testing.T) {
	scheme := newScheme()
	gvk := v1alpha1.SchemeGroupVersion.WithKind("Resource")
	lw, err := newLister(scheme, gvk, nil, &o2ims.O2Resource{})
	if err != nil {
		t.Fatal(err)
	}
	if lw.served == nil {
		t.Fatal("the feed converts Resources instead of sharing them")
	}

	cached := func() *o2ims.O2Resource {
		return &o2ims.O2Resource{
			ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "r", Labels: map[string]string{"a": "b"}, ResourceVersion: "7"},
			Spec: o2ims.ResourceSpec{ResourceID: "0d8f2a8c-1b8f-5c1e-9d3e-3f6f7a9b2c41", Tags: []string{"ran"},
				Extensions: o2ims.Extensions{"arch": {Raw: []byte(`"amd64"`)}}},
			Status: o2ims.ResourceStatus{OperationalState: "ENABLED"},
		}
	}
	converted := func(in *o2ims.O2Resource) *v1alpha1.O2Resource {
		out := &v1alpha1.O2Resource{}
		if err := scheme.Convert(in.DeepCopy(), out, nil); err != nil {
			t.Fatal(err)
		}
		return out
	}

	in := cached()
	got, err := lw.convert(in)
	if err != nil {
		t.Fatal(err)
	}
	r, ok := got.(*v1alpha1.O2Resource)
	if !ok {
		t.Fatalf("convert returned %T", got)
	}
	if reflect.ValueOf(r).UnsafePointer() != reflect.ValueOf(in).UnsafePointer() {
		t.Error("convert copied an object it can share")
	}
	if want := converted(in); !apiequality.Semantic.DeepEqual(r, want) {
		t.Errorf("shared object reads %+v, converted %+v", r, want)
	}

	// What the cache never holds is converted: objects with managedFields or a kind.
	for name, in := range map[string]*o2ims.O2Resource{
		"managedFields": func() *o2ims.O2Resource {
			r := cached()
			r.ManagedFields = []metav1.ManagedFieldsEntry{{Manager: "m"}}
			return r
		}(),
		"kind": func() *o2ims.O2Resource {
			r := cached()
			r.Kind, r.APIVersion = "Resource", "o2ims.oran.org/__internal"
			return r
		}(),
	} {
		got, err := lw.convert(in)
		if err != nil {
			t.Fatal(err)
		}
		if reflect.ValueOf(got).UnsafePointer() == reflect.ValueOf(in).UnsafePointer() {
			t.Errorf("%s: convert shared the object", name)
		}
	}
}
