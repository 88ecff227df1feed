package e2e

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/netweave-io/netweave/internal/localstack"
)

const inventoryAPI = "/o2ims-infrastructureInventory"

// o2Client calls netweave's O2-IMS listener as an SMO would: HTTPS verified against the
// serving CA, a bearer token of a real cluster user.
type o2Client struct {
	t     *testing.T
	s     *stack
	token string
	http  *http.Client
}

func (s *stack) o2As(t *testing.T, user string) *o2Client {
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(s.cp.Serving.CABundle) {
		t.Fatal("serving CA bundle holds no certificates")
	}
	token := ""
	if user != "" {
		token = s.cp.RESTConfig(user).BearerToken
	}
	return &o2Client{t: t, s: s, token: token, http: &http.Client{Timeout: 15 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: pool, ServerName: "localhost", MinVersion: tls.VersionTLS13},
	}}}
}

func (c *o2Client) do(method, path, body string) (int, http.Header, []byte) {
	c.t.Helper()
	contentType := ""
	if body != "" {
		contentType = "application/json"
	}
	return c.send(method, path, contentType, body)
}

// send is do with the body's content type given ("" for none).
func (c *o2Client) send(method, path, contentType, body string) (int, http.Header, []byte) {
	c.t.Helper()
	code, hdr, b, err := c.roundTrip(method, path, contentType, body)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	return code, hdr, b
}

// roundTrip makes one request as c's user and reads the whole answer.
func (c *o2Client) roundTrip(method, path, contentType, body string) (int, http.Header, []byte, error) {
	req, err := http.NewRequest(method, c.s.o2APIRoot()+path, strings.NewReader(body))
	if err != nil {
		return 0, nil, nil, err
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, b, err
}

// json GETs path and decodes the answer, failing unless the status is want.
func (c *o2Client) json(path string, want int, out any) {
	c.t.Helper()
	code, hdr, body := c.do(http.MethodGet, path, "")
	if code != want {
		c.t.Fatalf("GET %s: %d, want %d: %s", path, code, want, body)
	}
	if code >= 400 && hdr.Get("Content-Type") != "application/problem+json" {
		c.t.Errorf("GET %s: error Content-Type %q", path, hdr.Get("Content-Type"))
	}
	if out != nil {
		if err := json.Unmarshal(body, out); err != nil {
			c.t.Fatalf("GET %s: decode %s: %v", path, body, err)
		}
	}
}

func idsOf(items []map[string]any, attr string) string {
	var out []string
	for _, it := range items {
		s, _ := it[attr].(string)
		out = append(out, s)
	}
	return strings.Join(out, ",")
}

// testO2 drives the O2-IMS REST face against the objects kubectl applied.
func testO2(t *testing.T, s *stack) {
	admin := s.o2As(t, localstack.Admin)

	t.Run("O-Cloud info carries the configured apiRoot", func(t *testing.T) {
		var info map[string]any
		admin.json(inventoryAPI+"/v1/", 200, &info)
		if info["globalcloudId"] != "8b7d2f4e-5a9c-4e1b-b3d6-0f2a7c9e1d45" || info["oCloudId"] != "262c8f17-52b5-4614-9e56-812ae21fa8a7" || info["serviceUri"] != s.o2APIRoot() {
			t.Errorf("O-Cloud info: %v", info)
		}
	})

	t.Run("objects applied with kubectl are served with their ids", func(t *testing.T) {
		var pool map[string]any
		admin.json(inventoryAPI+"/v2/resourcePools/"+ranWorkersPool, 200, &pool)
		if pool["name"] != "ran-workers" || pool["oCloudSiteId"] != "7fd364a0-6d82-4e0c-a418-5c1a2f8b9c3e" {
			t.Errorf("pool: %v", pool)
		}
		var res []map[string]any
		admin.json(inventoryAPI+"/v1/resourcePools/"+ranWorkersPool+"/resources", 200, &res)
		if got := idsOf(res, "resourceId"); got != worker1ID+",8d7c6b5a-4f3e-4d2c-8b1a-0f9e8d7c6b5a" {
			t.Errorf("pool resources: %s", got)
		}
		// The compliance suite's all_fields schema of a v1 pool requires location, which the
		// example pool does not set.
		var all map[string]any
		admin.json(inventoryAPI+"/v1/resourcePools/"+ranWorkersPool+"?all_fields", 200, &all)
		if loc, ok := all["location"]; !ok || loc != "" {
			t.Errorf("v1 pool with all_fields: location %v (present %v), want \"\"", loc, ok)
		}
		admin.json(inventoryAPI+"/v1/resourcePools/"+ranWorkersPool+"/resources?filter=(eq,globalAssetId,SN-X1000-000124)", 200, &res)
		if got := idsOf(res, "resourceId"); got != "8d7c6b5a-4f3e-4d2c-8b1a-0f9e8d7c6b5a" {
			t.Errorf("filtered resources: %s", got)
		}
		// A change made with kubectl shows through O2 once the watch delivers it.
		s.kubectl(t, localstack.Admin, "patch", "resourcepool", "ran-workers", "-n", demoNS, "--type=merge", "-p", `{"spec":{"description":"changed by kubectl"}}`)
		eventually(t, 30*time.Second, "O2 shows the kubectl change", func() error {
			var p map[string]any
			admin.json(inventoryAPI+"/v2/resourcePools/"+ranWorkersPool, 200, &p)
			if p["description"] != "changed by kubectl" {
				return errorf("description %v", p["description"])
			}
			return nil
		})
		admin.json(inventoryAPI+"/v2/resourceTypes?filter=(eq,WrongAttrName,x)", 400, nil)
		admin.json(inventoryAPI+"/v2/resourcePools/00000000-0000-4000-8000-000000000000", 404, nil)
		admin.json(inventoryAPI+"/v3/resourcePools", 404, nil)
	})

	t.Run("subscriptions created through O2 are InventorySubscriptions", func(t *testing.T) {
		code, hdr, body := admin.do(http.MethodPost, inventoryAPI+"/v1/subscriptions", `{"callback":"https://smo.example.net/e2e","consumerSubscriptionId":"69253c4b-8398-4602-855d-783865f5f25c"}`)
		if code != http.StatusCreated {
			t.Fatalf("POST subscription: %d %s", code, body)
		}
		var sub map[string]any
		if err := json.Unmarshal(body, &sub); err != nil {
			t.Fatal(err)
		}
		id, _ := sub["subscriptionId"].(string)
		if !strings.HasSuffix(hdr.Get("Location"), "/subscriptions/"+id) {
			t.Errorf("Location %q for %s", hdr.Get("Location"), id)
		}
		out := s.kubectl(t, localstack.Admin, "get", "inventorysubscriptions", "-n", "o2ims-system", "--field-selector", "spec.subscriptionId="+id, "-o", "jsonpath={.items[*].spec.callback}")
		if out != "https://smo.example.net/e2e" {
			t.Errorf("InventorySubscription for %s: %q", id, out)
		}
		if code, _, body := admin.do(http.MethodPost, inventoryAPI+"/v1/subscriptions", `{"callback":"https://smo.example.net/e2e"}`); code != http.StatusConflict {
			t.Errorf("duplicate callback: %d %s", code, body)
		}
		if code, _, body := admin.do(http.MethodDelete, inventoryAPI+"/v1/subscriptions/"+id, ""); code != http.StatusOK {
			t.Errorf("DELETE: %d %s", code, body)
		}
		out = s.kubectl(t, localstack.Admin, "get", "inventorysubscriptions", "-n", "o2ims-system", "--field-selector", "spec.subscriptionId="+id, "-o", "name")
		if strings.TrimSpace(out) != "" {
			t.Errorf("subscription still stored after DELETE: %s", out)
		}
	})

	t.Run("unauthenticated callers get 401", func(t *testing.T) {
		code, hdr, _ := s.o2As(t, "").do(http.MethodGet, inventoryAPI+"/v1/resourcePools", "")
		if code != http.StatusUnauthorized || hdr.Get("WWW-Authenticate") == "" {
			t.Errorf("no token: %d", code)
		}
	})
}

// testO2Tenancy runs after testTenancy, which bound alice to o2ims-reader in tenant-a. Bob gets
// o2ims-subscriber in tenant-b. Each sees and changes only their own tenant, through either
// apiRoot, and cannot tell the other tenant's objects from missing ones.
func testO2Tenancy(t *testing.T, s *stack) {
	s.kubectl(t, localstack.Admin, "create", "rolebinding", "bob-subscriber", "-n", "tenant-b", "--clusterrole=o2ims-subscriber", "--user=bob")
	alice, bob := s.o2As(t, localstack.Alice), s.o2As(t, localstack.Bob)
	const poolA, poolB = "a0000000-0000-4000-8000-00000000000a", "b0000000-0000-4000-8000-00000000000b"

	var pools []map[string]any
	alice.json(inventoryAPI+"/v1/resourcePools", 200, &pools)
	if got := idsOf(pools, "resourcePoolId"); got != poolA {
		t.Errorf("alice at the default apiRoot sees %s", got)
	}
	eventually(t, 30*time.Second, "bob's binding takes effect", func() error {
		var p []map[string]any
		code, _, body := bob.do(http.MethodGet, inventoryAPI+"/v1/resourcePools", "")
		if code != 200 {
			return errorf("%d %s", code, body)
		}
		if err := json.Unmarshal(body, &p); err != nil {
			return err
		}
		if got := idsOf(p, "resourcePoolId"); got != poolB {
			return errorf("bob sees %s", got)
		}
		return nil
	})
	alice.json(inventoryAPI+"/v1/resourcePools/"+poolB, 404, nil)
	alice.json("/tenants/tenant-b"+inventoryAPI+"/v1/resourcePools", 403, nil)
	alice.json("/tenants/tenant-a"+inventoryAPI+"/v1/resourcePools/"+poolA, 200, nil)
	alice.json(inventoryAPI+"/v1/resourcePools/"+ranWorkersPool, 404, nil)

	code, _, body := bob.do(http.MethodPost, "/tenants/tenant-b"+inventoryAPI+"/v1/subscriptions", `{"callback":"https://smo-b.example.net/cb"}`)
	if code != http.StatusCreated {
		t.Fatalf("bob subscribes in tenant-b: %d %s", code, body)
	}
	var sub map[string]any
	if err := json.Unmarshal(body, &sub); err != nil {
		t.Fatal(err)
	}
	id := sub["subscriptionId"].(string)
	if out := s.kubectl(t, localstack.Admin, "get", "inventorysubscriptions", "-n", "tenant-b", "-o", "jsonpath={.items[*].spec.subscriptionId}"); !strings.Contains(out, id) {
		t.Errorf("bob's subscription is not in tenant-b: %s", out)
	}
	if code, _, body := alice.do(http.MethodPost, "/tenants/tenant-a"+inventoryAPI+"/v1/subscriptions", `{"callback":"https://smo-a.example.net/cb"}`); code != http.StatusForbidden {
		t.Errorf("alice (reader) subscribes: %d %s, want 403", code, body)
	}
	alice.json(inventoryAPI+"/v1/subscriptions/"+id, 404, nil)
	if code, _, _ := alice.do(http.MethodDelete, inventoryAPI+"/v1/subscriptions/"+id, ""); code != http.StatusNotFound {
		t.Errorf("alice deletes bob's subscription: %d, want 404", code)
	}
	bob.json("/tenants/tenant-b"+inventoryAPI+"/v1/subscriptions/"+id, 200, nil)
}
