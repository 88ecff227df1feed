package e2e

import (
	"context"
	"net/http"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	o2v1 "github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/internal/localstack"
)

// TestProvisioningTenantNextDoor plays the tenant next door on the real stack: what a tenant's
// namespace admin or SMO can do to the stored requests through garbage and through the status.
//   - A tenant admin (o2ims-admin's "*", aggregated into admin) may not write a request's
//     status at all: the controller acts on it (the Cluster it tears down, the cluster it
//     reports). Even the server's own writes keep status.clusterRef in the request's namespace.
//   - templateParameters that are not UTF-8 are refused by the API server (kubectl, any client)
//     with the field's path, and by the O2 face before that; nothing is stored.
//   - A DELETE naming an old version (If-Match) is 412 and deletes nothing.
func TestProvisioningTenantNextDoor(t *testing.T) {
	t.Parallel()
	s := startStack(t, "--provisioning-namespaces=tenant-a,tenant-b")
	client := s.admin(t)
	ctx := context.Background()
	const inv = "o2ims-system"
	admin, alice, dave := localstack.Admin, localstack.Alice, localstack.Dave
	for _, ns := range []string{"tenant-a", "tenant-b"} {
		s.kubectl(t, admin, "create", "namespace", ns)
	}
	s.kubectl(t, admin, "create", "rolebinding", "alice-provisioner", "-n", "tenant-a", "--clusterrole=o2ims-provisioner", "--user="+alice)
	// The operator offers alice its templates (o2ims-template-reader bound in its namespace).
	s.kubectl(t, admin, "create", "rolebinding", "alice-templates", "-n", inv, "--clusterrole=o2ims-template-reader", "--user="+alice)
	s.kubectl(t, admin, "create", "rolebinding", "dave-admin", "-n", "tenant-b", "--clusterrole=admin", "--user="+dave)
	if _, err := client.O2imsV1alpha1().ManagedInfrastructureTemplates(inv).Create(ctx, &o2v1.ManagedInfrastructureTemplate{
		ObjectMeta: metav1.ObjectMeta{Name: "demo.v1.34.0"},
		Spec: o2v1.ManagedInfrastructureTemplateSpec{Name: "demo", Version: "v1.34.0",
			ParameterSchema: &o2v1.JSON{Raw: []byte(`{"type":"object","properties":{"workers":{"type":"integer"}}}`)},
			ClusterClassRef: o2v1.ClusterReference{Namespace: inv, Name: "demo"}},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	const id, other = "4f6b6c1e-2c0e-4d9a-9a57-3f7c1b9d2e21", "4f6b6c1e-2c0e-4d9a-9a57-3f7c1b9d2e22"
	request := func(ns, id, params string) *o2v1.ProvisioningRequest {
		return &o2v1.ProvisioningRequest{ObjectMeta: metav1.ObjectMeta{Name: id, Namespace: ns},
			Spec: o2v1.ProvisioningRequestSpec{Name: "edge", TemplateName: "demo", TemplateVersion: "v1.34.0",
				TemplateParameters: &o2v1.JSON{Raw: []byte(params)}}}
	}
	if _, err := client.O2imsV1alpha1().ProvisioningRequests("tenant-b").Create(ctx, request("tenant-b", id, `{}`), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}

	t.Run("the status is the controller's alone", func(t *testing.T) {
		stderr := s.kubectlErr(t, dave, "patch", "provisioningrequest", id, "-n", "tenant-b", "--subresource=status", "--type=merge",
			"-p", `{"status":{"clusterRef":{"namespace":"tenant-b","name":"edge"}}}`)
		if !strings.Contains(stderr, "Forbidden") || !strings.Contains(stderr, "netweave's controller only") {
			t.Errorf("a tenant admin wrote the status: %s", stderr)
		}
		stderr = s.kubectlErr(t, admin, "patch", "provisioningrequest", id, "-n", "tenant-b", "--subresource=status", "--type=merge",
			"-p", `{"status":{"clusterRef":{"namespace":"tenant-a","name":"victim"}}}`)
		if !strings.Contains(stderr, "status.clusterRef.namespace") {
			t.Errorf("clusterRef into tenant-a: %s", stderr)
		}
		s.kubectl(t, admin, "patch", "provisioningrequest", id, "-n", "tenant-b", "--subresource=status", "--type=merge",
			"-p", `{"status":{"clusterRef":{"namespace":"tenant-b","name":"edge"}}}`)
	})

	t.Run("templateParameters must be UTF-8", func(t *testing.T) {
		_, err := client.O2imsV1alpha1().ProvisioningRequests("tenant-a").Create(ctx, request("tenant-a", other, "{\"region\":\"\xff\"}"), metav1.CreateOptions{})
		if err == nil || !strings.Contains(err.Error(), "spec.templateParameters") {
			t.Errorf("bad bytes through the API: %v", err)
		}
		a := s.o2As(t, alice)
		base := "/tenants/tenant-a" + provisioningAPI + "/v1/provisioningRequests"
		code, hdr, body := a.do("POST", base, provisioningRequestBody(other, "v1.34.0", "{\"region\":\"\xff\"}"))
		if code != http.StatusBadRequest || hdr.Get("Content-Type") != "application/problem+json" || !strings.Contains(string(body), "UTF-8") {
			t.Errorf("bad bytes through O2: %d %s", code, body)
		}
		if l, err := client.O2imsV1alpha1().ProvisioningRequests("tenant-a").List(ctx, metav1.ListOptions{}); err != nil || len(l.Items) != 0 {
			t.Errorf("stored: %v %v", l, err)
		}
	})

	t.Run("DELETE If-Match", func(t *testing.T) {
		a := s.o2As(t, alice)
		base := "/tenants/tenant-a" + provisioningAPI + "/v1/provisioningRequests"
		code, hdr, body := a.do("POST", base, provisioningRequestBody(other, "v1.34.0", `{"workers":1}`))
		if code != http.StatusCreated {
			t.Fatalf("create: %d %s", code, body)
		}
		read := hdr.Get("ETag")
		if code, _, body = a.do("PUT", base+"/"+other, provisioningRequestBody(other, "v1.34.0", `{"workers":2}`)); code != http.StatusOK {
			t.Fatalf("put: %d %s", code, body)
		}
		del := func(tag string) int {
			req, err := http.NewRequest(http.MethodDelete, s.o2APIRoot()+base+"/"+other, nil)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Authorization", "Bearer "+a.token)
			req.Header.Set("If-Match", tag)
			resp, err := a.http.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			return resp.StatusCode
		}
		if code := del(read); code != http.StatusPreconditionFailed {
			t.Errorf("DELETE with the version before the PUT: %d", code)
		}
		cur, err := client.O2imsV1alpha1().ProvisioningRequests("tenant-a").Get(ctx, other, metav1.GetOptions{})
		if err != nil || cur.DeletionTimestamp != nil {
			t.Fatalf("a refused DELETE deleted: %v %v", cur, err)
		}
		if code := del(`"` + cur.ResourceVersion + `"`); code != http.StatusAccepted {
			t.Errorf("DELETE with the current version: %d", code)
		}
	})
}
