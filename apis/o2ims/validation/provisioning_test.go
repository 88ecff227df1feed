package validation

import (
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/netweave-io/netweave/apis/o2ims"
)

const requestID = "123e4567-e89b-12d3-a456-426614174000"

func validRequest() *o2ims.ProvisioningRequest {
	return &o2ims.ProvisioningRequest{
		ObjectMeta: metav1.ObjectMeta{Name: requestID, Namespace: "tenant-a"},
		Spec: o2ims.ProvisioningRequestSpec{
			ProvisioningRequestID: requestID, Name: "edge-1", TemplateName: "demo", TemplateVersion: "v1.34.0",
			TemplateParameters: &o2ims.JSON{Raw: []byte(`{"workers":3}`)},
		},
	}
}

func validTemplate() *o2ims.ManagedInfrastructureTemplate {
	return &o2ims.ManagedInfrastructureTemplate{
		ObjectMeta: metav1.ObjectMeta{Name: "demo.v1.34.0", Namespace: "o2ims-system"},
		Spec: o2ims.ManagedInfrastructureTemplateSpec{
			ArtifactResourceID: requestID, Name: "demo", Version: "v1.34.0",
			ParameterSchema: &o2ims.JSON{Raw: []byte(`{"type":"object","properties":{"workers":{"type":"integer","minimum":1},` +
				`"region":{"type":"string"}},"required":["workers","region"]}`)},
			Defaults:        &o2ims.JSON{Raw: []byte(`{"clusterInstanceDefaults":{"region":"eu-1"}}`)},
			ClusterClassRef: o2ims.ClusterReference{Namespace: "o2ims-system", Name: "demo"},
		},
	}
}

func fields(errs field.ErrorList) string {
	var out []string
	for _, e := range errs {
		out = append(out, e.Field)
	}
	return strings.Join(out, ",")
}

func TestValidateProvisioningRequest(t *testing.T) {
	for name, tc := range map[string]struct {
		mutate func(*o2ims.ProvisioningRequest)
		want   string
	}{
		"valid":               {func(*o2ims.ProvisioningRequest) {}, ""},
		"name not a uuid":     {func(r *o2ims.ProvisioningRequest) { r.Name = "edge-1" }, "metadata.name,spec.provisioningRequestId"},
		"uppercase uuid name": {func(r *o2ims.ProvisioningRequest) { r.Name = strings.ToUpper(requestID) }, "metadata.name,metadata.name,spec.provisioningRequestId"},
		"id differs from name": {func(r *o2ims.ProvisioningRequest) {
			r.Spec.ProvisioningRequestID = "00000000-0000-0000-0000-000000000001"
		}, "spec.provisioningRequestId"},
		"missing template":      {func(r *o2ims.ProvisioningRequest) { r.Spec.TemplateName, r.Spec.TemplateVersion = "", "" }, "spec.templateName,spec.templateVersion"},
		"missing name":          {func(r *o2ims.ProvisioningRequest) { r.Spec.Name = "" }, "spec.name"},
		"parameters not object": {func(r *o2ims.ProvisioningRequest) { r.Spec.TemplateParameters.Raw = []byte(`[1]`) }, "spec.templateParameters"},
		"parameters not json":   {func(r *o2ims.ProvisioningRequest) { r.Spec.TemplateParameters.Raw = []byte(`{`) }, "spec.templateParameters"},
		"parameters too large": {func(r *o2ims.ProvisioningRequest) {
			r.Spec.TemplateParameters.Raw = []byte(`{"a":"` + strings.Repeat("x", MaxTemplateParametersBytes) + `"}`)
		}, "spec.templateParameters"},
	} {
		t.Run(name, func(t *testing.T) {
			r := validRequest()
			tc.mutate(r)
			if got := fields(ValidateProvisioningRequest(r)); got != tc.want {
				t.Fatalf("errors at %q, want %q: %v", got, tc.want, ValidateProvisioningRequest(r))
			}
		})
	}
}

func TestValidateProvisioningRequestUpdate(t *testing.T) {
	old, upgraded := validRequest(), validRequest()
	upgraded.Spec.TemplateVersion = "v1.35.0"
	if errs := ValidateProvisioningRequestUpdate(upgraded, old); len(errs) != 0 {
		t.Fatalf("a new templateVersion (an upgrade) is refused: %v", errs)
	}
	moved := validRequest()
	moved.Spec.TemplateName = "other"
	if got := fields(ValidateProvisioningRequestUpdate(moved, old)); got != "spec.templateName" {
		t.Fatalf("a new templateName: errors at %q", got)
	}
}

func TestValidateProvisioningRequestStatus(t *testing.T) {
	ok := &o2ims.ProvisioningRequestStatus{
		ProvisioningPhase: o2ims.ProvisioningPhaseFulfilled,
		NodeClusterProvisioningStatus: &o2ims.ResourceProvisioningStatus{ResourceName: "c", ResourceID: "u",
			ResourceProvisioningPhase: o2ims.ResourceProvisioningPhaseProvisioned},
		ProvisionedResourceSet: &o2ims.ProvisionedResourceSet{NodeClusterID: requestID, InfrastructureResourceIDs: []string{requestID}},
		ClusterRef:             &o2ims.ClusterReference{Namespace: "tenant-a", Name: "edge-1"},
		Conditions:             []metav1.Condition{{Type: "Fulfilled", Status: metav1.ConditionTrue}},
	}
	if errs := ValidateProvisioningRequestStatus("tenant-a", ok); len(errs) != 0 {
		t.Fatal(errs)
	}
	bad := ok.DeepCopy()
	bad.ProvisioningPhase = "DONE"
	bad.NodeClusterProvisioningStatus.ResourceProvisioningPhase = "READY"
	bad.ProvisionedResourceSet.InfrastructureResourceIDs = []string{"node-1"}
	bad.Conditions = append(bad.Conditions, metav1.Condition{Type: "Fulfilled", Status: metav1.ConditionTrue})
	want := "status.provisioningPhase,status.nodeClusterProvisioningStatus.resourceProvisioningPhase," +
		"status.provisionedResourceSet.infrastructureResourceIds[0],status.conditions[1].type"
	if got := fields(ValidateProvisioningRequestStatus("tenant-a", bad)); got != want {
		t.Fatalf("errors at %q, want %q", got, want)
	}
}

// TestProvisioningStatusClusterRefStaysInNamespace: a status (written by anyone with
// provisioningrequests/status in the namespace, o2ims-admin included) cannot point a request at
// another namespace's Cluster, which the controller would follow and, on DELETE, tear down.
func TestProvisioningStatusClusterRefStaysInNamespace(t *testing.T) {
	st := &o2ims.ProvisioningRequestStatus{ClusterRef: &o2ims.ClusterReference{Namespace: "tenant-a", Name: "victim"}}
	if got := fields(ValidateProvisioningRequestStatus("tenant-b", st)); got != "status.clusterRef.namespace" {
		t.Fatalf("a Cluster of tenant-a for a request of tenant-b: errors at %q", got)
	}
	if errs := ValidateProvisioningRequestStatus("tenant-a", st); len(errs) != 0 {
		t.Fatalf("the request's own namespace: %v", errs)
	}
}

func TestValidateManagedInfrastructureTemplate(t *testing.T) {
	for name, tc := range map[string]struct {
		mutate func(*o2ims.ManagedInfrastructureTemplate)
		want   string
	}{
		"valid":         {func(*o2ims.ManagedInfrastructureTemplate) {}, ""},
		"name mismatch": {func(m *o2ims.ManagedInfrastructureTemplate) { m.Name = "demo.v1" }, "metadata.name"},
		"bad schema": {func(m *o2ims.ManagedInfrastructureTemplate) {
			m.Spec.ParameterSchema.Raw = []byte(`{"type":"nonsense"}`)
		}, "spec.parameterSchema.type"},
		"defaults array": {func(m *o2ims.ManagedInfrastructureTemplate) { m.Spec.Defaults.Raw = []byte(`[]`) }, "spec.defaults"},
		// Whoever writes templates in a tenant namespace cannot offer another namespace's class.
		"class elsewhere": {func(m *o2ims.ManagedInfrastructureTemplate) { m.Spec.ClusterClassRef.Namespace = "tenant-b" }, "spec.clusterClassRef.namespace"},
		"no class":        {func(m *o2ims.ManagedInfrastructureTemplate) { m.Spec.ClusterClassRef = o2ims.ClusterReference{} }, "spec.clusterClassRef.namespace,spec.clusterClassRef.name"},
	} {
		t.Run(name, func(t *testing.T) {
			m := validTemplate()
			tc.mutate(m)
			if got := fields(ValidateManagedInfrastructureTemplate(m)); got != tc.want {
				t.Fatalf("errors at %q, want %q: %v", got, tc.want, ValidateManagedInfrastructureTemplate(m))
			}
		})
	}
}

// TestValidateTemplateParameters: parameters are merged over the template's defaults and the
// result checked against its schema; each error names the parameter's path.
func TestValidateTemplateParameters(t *testing.T) {
	tmpl := validTemplate().Spec
	path := field.NewPath("spec", "templateParameters")
	if errs := ValidateTemplateParameters(&tmpl, &o2ims.JSON{Raw: []byte(`{"workers":2}`)}, path); len(errs) != 0 {
		t.Fatalf("region comes from the defaults: %v", errs)
	}
	errs := ValidateTemplateParameters(&tmpl, &o2ims.JSON{Raw: []byte(`{"workers":0,"region":7}`)}, path)
	if got := fields(errs); got != "spec.templateParameters.region,spec.templateParameters.workers" {
		t.Fatalf("errors at %q: %v", got, errs)
	}
	if got := fields(ValidateTemplateParameters(&tmpl, nil, path)); got != "spec.templateParameters" {
		t.Fatalf("no parameters, workers required: errors at %q", got)
	}
	noDefaults := tmpl
	noDefaults.Defaults = nil
	if got := fields(ValidateTemplateParameters(&noDefaults, &o2ims.JSON{Raw: []byte(`{"workers":1}`)}, path)); got != "spec.templateParameters" {
		t.Fatalf("region missing without defaults: errors at %q", got)
	}
}
