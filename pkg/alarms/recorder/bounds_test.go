package recorder

import (
	"context"
	"strings"
	"testing"

	"github.com/netweave-io/netweave/apis/o2ims/validation"
)

// A source's extensions over the API's bounds (a key too long, values that add up to more than
// validation.MaxExtensionsBytes) made the server refuse every create of the alarm: the fault was
// never recorded and its source retried for ever. The recorder bounds them, as it does the text.
func TestRegressionOversizedExtensionsAreBoundedNotRefused(t *testing.T) {
	fx := newFixture(t)
	o := nodeDown(true, fx.clock.Now())
	o.Extensions = map[string]string{
		"node":                   "worker-1",
		strings.Repeat("k", 300): "dropped",
		"huge":                   strings.Repeat("<", validation.MaxExtensionsBytes),
		"zzz-after-the-huge-one": strings.Repeat("x", validation.MaxExtensionsBytes),
	}
	if err := fx.rec.Observe(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	recs := fx.stored()
	if len(recs) != 1 {
		t.Fatalf("want one record, got %d", len(recs))
	}
	size := 0
	for k, v := range recs[0].Spec.Extensions {
		if k == "" || len(k) > validation.MaxExtensionKeyLength {
			t.Errorf("extension key of %d bytes kept", len(k))
		}
		size += validation.ExtensionEntrySize(k, v.Raw)
	}
	if size > validation.MaxExtensionsBytes {
		t.Errorf("extensions of %d bytes, over the API's %d", size, validation.MaxExtensionsBytes)
	}
	if got := string(recs[0].Spec.Extensions["node"].Raw); got != `"worker-1"` {
		t.Errorf("a small extension was not kept whole: %s", got)
	}
	if len(o.Extensions) != 4 {
		t.Errorf("the source's observation was changed")
	}
}
