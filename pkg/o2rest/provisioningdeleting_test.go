package o2rest

import (
	"context"
	"net/http"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TestRegressionPutOfDeletingProvisioningRequestRefused: a PUT of a request being deleted
// (DELETING, its finalizer holding it while the controller tears its Cluster down) was answered
// 200 with the new templateVersion, though the controller only deletes the Cluster: the SMO was
// told an upgrade was accepted that would never happen. It is a 422 ProblemDetails now (the
// code the contract declares for a PUT it cannot process), and the request is left as it was,
// with If-Match naming its current version too.
func TestRegressionPutOfDeletingProvisioningRequestRefused(t *testing.T) {
	e := newProvisioningEnv(t)
	base := "/tenants/tenant-a" + provisioning + "/v1/provisioningRequests"
	e.expect(e.do("POST", "alice-token", base, requestBody(requestID, "v1.31.0", `{"workers":3}`)), 201, "create")
	prs := e.client.O2imsV1alpha1().ProvisioningRequests("tenant-a")
	pr, err := prs.Get(context.Background(), requestID, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// As the controller does before it creates anything: the finalizer holds the DELETE.
	pr.Finalizers = []string{"o2ims.oran.org/provisioning"}
	if _, err := prs.Update(context.Background(), pr, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	e.expect(e.do("DELETE", "alice-token", base+"/"+requestID, ""), 202, "delete")
	deleting, err := prs.Get(context.Background(), requestID, metav1.GetOptions{})
	if err != nil || deleting.DeletionTimestamp == nil {
		t.Fatalf("not being deleted: %+v %v", deleting, err)
	}
	e.awaitCached(t, func() bool {
		obj, found := e.source.GetByName("ProvisioningRequest", "tenant-a", requestID)
		return found && obj.(metav1.Object).GetDeletionTimestamp() != nil
	})

	for name, r := range map[string]response{
		"upgrade":                 e.do("PUT", "alice-token", base+"/"+requestID, requestBody(requestID, "v1.32.0", `{"workers":3}`)),
		"new parameters":          e.do("PUT", "alice-token", base+"/"+requestID, requestBody(requestID, "v1.31.0", `{"workers":5}`)),
		"If-Match of the current": e.doWith("PUT", "alice-token", base+"/"+requestID, "application/json", requestBody(requestID, "v1.32.0", `{"workers":3}`), "If-Match", etag(deleting)),
	} {
		e.expect(r, http.StatusUnprocessableEntity, name)
		e.schema.Validate(t, 1, "ProblemDetails", r.body)
	}
	after, err := prs.Get(context.Background(), requestID, metav1.GetOptions{})
	if err != nil || after.ResourceVersion != deleting.ResourceVersion || after.Spec.TemplateVersion != "v1.31.0" || string(after.Spec.TemplateParameters.Raw) != `{"workers":3}` {
		t.Errorf("a refused PUT changed the request: %+v %v", after, err)
	}
}
