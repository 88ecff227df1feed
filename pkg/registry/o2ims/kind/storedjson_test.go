package kind

import (
	"context"
	"testing"

	"k8s.io/apimachinery/pkg/runtime"

	"github.com/netweave-io/netweave/apis/o2dms"
	"github.com/netweave-io/netweave/apis/o2ims"
	"github.com/netweave-io/netweave/apis/o2ims/install"
	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
)

// applied returns old as a server-side apply hands it to the strategy: the field manager
// merges on the versioned object's unstructured form and converts the result back, so every
// free-form JSON value goes through map[string]interface{} (keys sorted, numbers beyond int64
// as float64) whatever the apply touched.
func applied(t *testing.T, scheme *runtime.Scheme, old runtime.Object) *o2ims.ResourcePool {
	t.Helper()
	versioned, err := scheme.ConvertToVersion(old.DeepCopyObject(), v1alpha1.SchemeGroupVersion)
	if err != nil {
		t.Fatal(err)
	}
	u, err := runtime.DefaultUnstructuredConverter.ToUnstructured(versioned)
	if err != nil {
		t.Fatal(err)
	}
	back := &v1alpha1.ResourcePool{}
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u, back); err != nil {
		t.Fatal(err)
	}
	out := &o2ims.ResourcePool{}
	if err := scheme.Convert(back, out, nil); err != nil {
		t.Fatal(err)
	}
	return out
}

// A server-side apply that sets only a label (kubectl label --server-side, a GitOps tool's
// apply of the labels it owns) rewrote every extension value it did not touch: 12345678901234567890
// was stored as 12345678901234567000, 0.10000000000000000555 as 0.1, objects with their keys
// reordered, and the generation was bumped as if the spec had changed.
func TestRegressionServerSideApplyKeepsUntouchedExtensionValues(t *testing.T) {
	scheme, s, old := storedPool(o2ims.Extensions{
		"big":    {Raw: []byte(`12345678901234567890`)},
		"dec":    {Raw: []byte(`0.10000000000000000555`)},
		"order":  {Raw: []byte(`{"b":1,"a":[2,{"d":1,"c":1.50}]}`)},
		"serial": {Raw: []byte(`9007199254740993`)},
	})
	labelOnlyApplyKeepsExtensions(t, scheme, s, old, "big")

	// A value the apply did change is the applied one, even when only its last digit differs
	// (9007199254740992 and ...993 are one float64, but apimachinery reads both as int64).
	upd := applied(t, scheme, old)
	upd.Spec.Extensions["serial"] = o2ims.JSON{Raw: []byte(`9007199254740992`)}
	upd.Spec.Extensions["order"] = o2ims.JSON{Raw: []byte(`{"a":[2,{"c":1.5,"d":2}],"b":1}`)}
	s.PrepareForUpdate(context.Background(), upd, old)
	if got := string(upd.Spec.Extensions["serial"].Raw); got != "9007199254740992" {
		t.Errorf("changed serial: stored %s, want the applied 9007199254740992", got)
	}
	if got := string(upd.Spec.Extensions["order"].Raw); got != `{"a":[2,{"c":1.5,"d":2}],"b":1}` {
		t.Errorf("changed object: stored %s, want the applied one", got)
	}
	if got := string(upd.Spec.Extensions["big"].Raw); got != "12345678901234567890" {
		t.Errorf("untouched big: stored %s, want 12345678901234567890", got)
	}
	if upd.Generation != 4 {
		t.Errorf("generation %d after a spec change, want 4", upd.Generation)
	}
}

// The O2-DMS kinds hold their free-form values behind pointers (an NfDeployment's values):
// those are kept as stored too.
func TestKeepStoredJSONBehindPointers(t *testing.T) {
	old := &o2dms.NfDeployment{Spec: o2dms.NfDeploymentSpec{Values: &o2dms.JSON{Raw: []byte(`{"b":1,"a":12345678901234567890}`)}}}
	upd := &o2dms.NfDeployment{Spec: o2dms.NfDeploymentSpec{Values: &o2dms.JSON{Raw: []byte(`{"a":12345678901234567000,"b":1}`)}}}
	keepStoredJSON(upd, old, "Spec")
	if got := string(upd.Spec.Values.Raw); got != `{"b":1,"a":12345678901234567890}` {
		t.Errorf("values %s, want the stored form", got)
	}
	upd.Spec.Values = &o2dms.JSON{Raw: []byte(`{"a":1,"b":1}`)}
	keepStoredJSON(upd, old, "Spec")
	if got := string(upd.Spec.Values.Raw); got != `{"a":1,"b":1}` {
		t.Errorf("changed values %s, want them as sent", got)
	}
}

// TestRegressionServerSideApplyKeepsWholeNumbersWrittenAsFloats: a number written with a
// fraction or an exponent but a whole value (2.0, 1e3: what Python's json writes for a float
// that happens to be whole, a common SMO's capacity or ratio) is read as a float64 and written
// back by the apply's conversion as an integer (2, 1000), which apimachinery then reads as an
// int64: the stored value and the rewritten one compared unequal, so a label-only apply still
// rewrote it and bumped the generation (an NfDeployment's values: a Helm upgrade for nothing).
func TestRegressionServerSideApplyKeepsWholeNumbersWrittenAsFloats(t *testing.T) {
	scheme, s, old := storedPool(o2ims.Extensions{
		"capacity": {Raw: []byte(`{"cpu":2.0,"memoryMiB":1e3,"ratios":[1.0,0.5]}`)},
		"whole":    {Raw: []byte(`4.0`)},
	})
	labelOnlyApplyKeepsExtensions(t, scheme, s, old, "whole")

	// A whole number that did change is stored as sent.
	upd := applied(t, scheme, old)
	upd.Spec.Extensions["whole"] = o2ims.JSON{Raw: []byte(`5`)}
	s.PrepareForUpdate(context.Background(), upd, old)
	if got := string(upd.Spec.Extensions["whole"].Raw); got != "5" {
		t.Errorf("changed whole: stored %s, want the applied 5", got)
	}
	if upd.Generation != 4 {
		t.Errorf("generation %d after a spec change, want 4", upd.Generation)
	}
}

// labelOnlyApplyKeepsExtensions applies to old (its generation 3) a change of its labels only,
// as a server-side apply hands it to the strategy s, and checks that every extension keeps its
// stored bytes and the generation stays. The apply's conversion must rewrite the extension
// rewritten, or the check proves nothing.
func labelOnlyApplyKeepsExtensions(t *testing.T, scheme *runtime.Scheme, s *strategy, old *o2ims.ResourcePool, rewritten string) {
	t.Helper()
	upd := applied(t, scheme, old)
	if got := upd.Spec.Extensions[rewritten].Raw; string(got) == string(old.Spec.Extensions[rewritten].Raw) {
		t.Fatalf("the apply's conversion kept %s: the test no longer reproduces what the field manager does", got)
	}
	upd.Labels = map[string]string{"team": "ran"}
	s.PrepareForUpdate(context.Background(), upd, old)
	for k, v := range old.Spec.Extensions {
		if got := string(upd.Spec.Extensions[k].Raw); got != string(v.Raw) {
			t.Errorf("extension %s: %s after the apply, stored %s before", k, got, v.Raw)
		}
	}
	if upd.Generation != 3 {
		t.Errorf("generation %d after a label-only apply, want 3", upd.Generation)
	}
}

// storedPool is a pool as stored (generation 3) with extensions ext, the pools' strategy, and
// the scheme it converts with.
func storedPool(ext o2ims.Extensions) (*runtime.Scheme, *strategy, *o2ims.ResourcePool) {
	scheme := runtime.NewScheme()
	install.Install(scheme)
	old := pool(givenID, "a", 0)
	old.Generation = 3
	old.Spec.Extensions = ext
	return scheme, newStrategy(scheme, poolKind(), "o2ims.oran.org/v1alpha1", nil), old
}
