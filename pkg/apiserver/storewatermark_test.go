package apiserver

import (
	"context"
	"strconv"
	"testing"

	coordinationv1 "k8s.io/api/coordination/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/netweave-io/netweave/apis/o2ims"
)

// TestStoreWatermarkRecordsOnlyNewer: the Lease holds the newest revision any replica saw. A
// replica records its own when the Lease has none, an older one of the same epoch or another
// epoch (Redis has just answered with this one), and leaves a newer one of the same epoch alone,
// so a replica that saw less never lowers what a replica that saw more recorded.
func TestStoreWatermarkRecordsOnlyNewer(t *testing.T) {
	const ns, name = "o2ims-system", "netweave-store-watermark"
	leases := fake.NewClientset().CoordinationV1().Leases(ns)
	wm := NewStoreWatermark(leases, ns, name, 0)
	s, key := locationStorage(t, RedisStorage{KeyPrefix: "watermark", Watermark: wm})
	ctx := context.Background()
	loc := &o2ims.Location{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "l"}}
	k, _ := key(loc)
	out := &o2ims.Location{}
	if err := s.Create(ctx, k, loc, out, 0); err != nil {
		t.Fatal(err)
	}
	written, _ := strconv.ParseInt(out.ResourceVersion, 10, 64)

	lease := func() *coordinationv1.Lease {
		t.Helper()
		l, err := leases.Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	record := func(want string) {
		t.Helper()
		got, err := wm.Record(ctx)
		if err != nil || got != want {
			t.Fatalf("Record = %q, %v; want %q", got, err, want)
		}
	}

	record(watermarkRecorded)
	first := lease()
	mark, err := parseWatermark(first)
	if err != nil {
		t.Fatal(err)
	}
	if mark.Revision < written || mark.ID == "" {
		t.Fatalf("recorded %+v, want revision %d or later with its fingerprint", mark, written)
	}
	record(watermarkCurrent)

	// Another replica saw more (a revision this store has not read yet, of the same epoch).
	newer := first.DeepCopy()
	newer.Annotations[watermarkRevisionAnnotation] = strconv.FormatInt(mark.Revision+1, 10)
	newer.Annotations[watermarkIDAnnotation] = ""
	if _, err := leases.Update(ctx, newer, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	m := o2ims.Location{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "m"}}
	km, _ := key(&m)
	if err := s.Create(ctx, km, &m, out, 0); err != nil {
		t.Fatal(err)
	}
	// The store is at mark+1 now, which the Lease holds already.
	record(watermarkCurrent)
	if got := lease().Annotations[watermarkRevisionAnnotation]; got != strconv.FormatInt(mark.Revision+1, 10) {
		t.Fatalf("the Lease's revision became %s, want %d left alone", got, mark.Revision+1)
	}

	// A Lease of an epoch Redis no longer has (an install epoch a rebase replaced).
	other := lease()
	other.Annotations[watermarkEpochAnnotation] = "gone"
	other.Annotations[watermarkRevisionAnnotation] = "999999"
	if _, err := leases.Update(ctx, other, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	record(watermarkRecorded)
	if got, _ := parseWatermark(lease()); got.Epoch != mark.Epoch || got.Revision != mark.Revision+1 {
		t.Fatalf("after a Lease of another epoch the Lease holds %+v, want epoch %s revision %d", got, mark.Epoch, mark.Revision+1)
	}
}

// TestWatermarkNearTheLimitIsRefused: a start rebases the counter past the Lease's
// revision, so a Lease edited to a revision near the int64 limit would leave the counter unable to
// grow and every write failing. Such a Lease is malformed, not a watermark.
func TestWatermarkNearTheLimitIsRefused(t *testing.T) {
	for _, rev := range []string{"9223372036854775806", strconv.FormatInt(maxWatermarkRevision+1, 10), "0", "-3", "x"} {
		lease := &coordinationv1.Lease{ObjectMeta: metav1.ObjectMeta{Annotations: map[string]string{
			watermarkEpochAnnotation: "1796472684.977692", watermarkRevisionAnnotation: rev, watermarkIDAnnotation: "7sqrj9cm5381",
		}}}
		if mark, err := parseWatermark(lease); err == nil {
			t.Errorf("revision %s parsed as %+v, want an error", rev, mark)
		}
	}
	ok := &coordinationv1.Lease{ObjectMeta: metav1.ObjectMeta{Annotations: map[string]string{
		watermarkEpochAnnotation: "1796472684.977692", watermarkRevisionAnnotation: "5812",
	}}}
	if mark, err := parseWatermark(ok); err != nil || mark.Revision != 5812 {
		t.Errorf("revision 5812 parsed as %+v, %v", mark, err)
	}
}
