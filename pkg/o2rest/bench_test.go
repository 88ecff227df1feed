package o2rest

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"

	o2v1 "github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
)

// BenchmarkGetPoolResource is the O2 face's share of a GET of a pool's resource by id, the
// request of BenchmarkO2's get-resource case: routing, authorization of the pool and the
// resource, the lookups, rendering (from the memo after the first request) and the request
// metrics, on a request whose context the API server's chain has built (user, received time,
// the O2 request state). allocs/op is exact; the TLS listener and the filters are measured
// by test/bench.
func BenchmarkGetPoolResource(b *testing.B) {
	benchmarkGET(b, fixtures(), inventory+"/v1/resourcePools/"+poolA+"/resources/"+res1)
}

// BenchmarkListPoolResources is the O2 face's share of BenchmarkO2's list-500 case: a pool's
// 500 resources in one page, every one rendered from the memo.
func BenchmarkListPoolResources(b *testing.B) {
	objs := fixtures()
	for i := range 500 {
		objs = append(objs, &o2v1.O2Resource{ObjectMeta: objMeta("tenant-a", fmt.Sprintf("bench-%03d", i)), Spec: o2v1.ResourceSpec{
			ResourceID: fmt.Sprintf("00000000-0000-4000-8000-%012d", i), ResourcePoolID: poolB, ResourceTypeID: typeID,
			Description: fmt.Sprintf("worker %05d rack-%02d", i, i%16), Tags: []string{"ran", "du"}, GlobalAssetID: fmt.Sprintf("SN-%06d", i)}})
	}
	benchmarkGET(b, objs, inventory+"/v1/resourcePools/"+poolB+"/resources")
}

// benchmarkGET serves GET path over objs (given uids and versions, as the API server gives
// every object: the rendering memo is keyed by them) to the admin, on a request whose context
// the API server's chain has built (user, received time, the O2 request state).
func benchmarkGET(b *testing.B, objs []runtime.Object, path string) {
	for i, o := range objs {
		m, err := meta.Accessor(o)
		if err != nil {
			b.Fatal(err)
		}
		m.SetUID(types.UID(fmt.Sprintf("uid-%d", i)))
		m.SetResourceVersion("1")
	}
	e := newEnvOf(b, objs, func(c *Config) { c.PageSize = 1000 })
	if r := e.do(http.MethodGet, "admin-token", path, ""); r.status != http.StatusOK {
		b.Fatalf("GET %s: %d %.200s", path, r.status, r.body)
	}
	h := e.inner
	ctx := genericapirequest.WithUser(WithRequestState(b.Context()), tokens["admin-token"])
	ctx = genericapirequest.WithReceivedTimestamp(ctx, time.Now())
	req := httptest.NewRequest(http.MethodGet, path, nil).WithContext(ctx)
	w := &discardResponse{header: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		clear(w.header)
		w.status = 0
		h.ServeHTTP(w, req)
	}
	if w.status != http.StatusOK {
		b.Fatalf("status %d", w.status)
	}
}

// discardResponse is a ResponseWriter that keeps only the status.
type discardResponse struct {
	header http.Header
	status int
}

func (d *discardResponse) Header() http.Header { return d.header }
func (d *discardResponse) Write(p []byte) (int, error) {
	if d.status == 0 {
		d.status = http.StatusOK
	}
	return len(p), nil
}
func (d *discardResponse) WriteHeader(code int) { d.status = code }
