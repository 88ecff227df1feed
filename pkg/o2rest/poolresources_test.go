package o2rest

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"

	o2v1 "github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
)

const (
	invPool = "c0000000-0000-4000-8000-00000000000c"
	resInv  = "c1000000-0000-4000-8000-00000000000c"
	resTen  = "c2000000-0000-4000-8000-00000000000c"
)

// TestPoolResourcesAcrossTheInventoryNamespace: the registry lets a Resource name a pool of its
// own namespace or of the inventory namespace, so the Resources of an operator's pool may sit in
// several namespaces while a tenant's pool only ever has its own. resourcePools/{id}/resources
// lists every Resource of the pool the caller may read, and a pool the caller cannot read is
// 404 whatever Resources of the caller's it holds.
func TestPoolResourcesAcrossTheInventoryNamespace(t *testing.T) {
	e := newEnv(t, 0)
	ctx := context.Background()
	api := e.client.O2imsV1alpha1()
	if _, err := api.ResourcePools("o2ims-system").Create(ctx, &o2v1.ResourcePool{ObjectMeta: objMeta("o2ims-system", "zone-a"),
		Spec: o2v1.ResourcePoolSpec{ResourcePoolID: invPool, Name: "zone-a"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, r := range []*o2v1.O2Resource{
		{ObjectMeta: objMeta("o2ims-system", "node-1"), Spec: o2v1.ResourceSpec{ResourceID: resInv, ResourcePoolID: invPool, ResourceTypeID: typeID}},
		{ObjectMeta: objMeta("tenant-a", "ru-1"), Spec: o2v1.ResourceSpec{ResourceID: resTen, ResourcePoolID: invPool, ResourceTypeID: typeID}},
	} {
		if _, err := api.O2Resources(r.Namespace).Create(ctx, r, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	path := inventory + "/v1/resourcePools/" + invPool + "/resources"
	if err := wait.PollUntilContextTimeout(ctx, 10*time.Millisecond, wait.ForeverTestTimeout, true, func(context.Context) (bool, error) {
		r := e.do("GET", "admin-token", path, "")
		return r.status == http.StatusOK && len(decodeList(t, r.body)) == 2, nil
	}); err != nil {
		t.Fatalf("the operator's pool never listed both Resources: %s", e.do("GET", "admin-token", path, "").body)
	}
	got := ids(decodeList(t, e.do("GET", "admin-token", path, "").body), "resourceId")
	if got != resInv+","+resTen {
		t.Errorf("admin: %s", got)
	}
	r := e.do("GET", "admin-token", path+"/"+resTen, "")
	e.expect(r, 200, "a tenant's Resource under the operator's pool")
	e.expect(e.do("GET", "admin-token", inventory+"/v1/resourcePools/"+poolA+"/resources/"+resTen, ""), 404, "the Resource under another pool")

	// alice reads tenant-a only: the operator's pool is 404 on both apiRoots.
	for _, root := range []string{"", "/tenants/tenant-a"} {
		e.expect(e.do("GET", "alice-token", root+path, ""), 404, root+" alice lists the operator's pool")
		e.expect(e.do("GET", "alice-token", root+path+"/"+resTen, ""), 404, root+" alice gets her Resource under it")
	}
	// A tenant's pool lists only Resources that name it.
	r = e.do("GET", "admin-token", inventory+"/v1/resourcePools/"+poolA+"/resources", "")
	e.expect(r, 200, "tenant-a's pool")
	if got := ids(decodeList(t, r.body), "resourceId"); strings.Contains(got, resTen) || got != fmt.Sprintf("%s,%s", res1, res2) {
		t.Errorf("tenant-a's pool: %s", got)
	}
}
