package model_test

import (
	"encoding/json"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/pkg/o2rest/model"
	"github.com/netweave-io/netweave/pkg/o2rest/model/modeltest"
)

func TestProvisioningRequestInfo(t *testing.T) {
	v := modeltest.New(t)
	full := model.ProvisioningRequestInfo(fullProvisioningRequest())
	wantEqual(t, "reference", full["provisioningRequestReference"], "822eca7c-54cd-4cbe-a01f-8b4ccb4bb3cf")
	wantEqual(t, "set", full["provisionedResourceSet"], map[string]any{"nodeClusterId": idDM, "infrastructureResourceIds": []any{idResource}})
	wantEqual(t, "phase", full["status"].(map[string]any)["provisioningPhase"], "FULFILLED")
	wantEqual(t, "clusterRef", full["extensions"].(map[string]any)["clusterRef"], map[string]any{"namespace": "tenant-a", "name": "edge-1"})

	// Before any controller ran: PENDING, with every required attribute.
	m := model.ProvisioningRequestInfo(minProvisioningRequest())
	v.Validate(t, 1, "ProvisioningRequestInfo", m)
	st := m["status"].(map[string]any)
	wantEqual(t, "pending phase", st["provisioningPhase"], "PENDING")
	wantEqual(t, "pending cluster", st["nodeClusterProvisioningStatus"], map[string]any{"resourceName": idRequest, "resourceId": "", "resourceProvisioningPhase": "PROCESSING"})
	wantEqual(t, "pending set", m["provisionedResourceSet"], map[string]any{"nodeClusterId": "", "infrastructureResourceIds": []any{}})
	wantEqual(t, "id from the name", m["provisioningRequestData"].(map[string]any)["provisioningRequestId"], idRequest)
	wantEqual(t, "parameters", m["provisioningRequestData"].(map[string]any)["templateParameters"], map[string]any{})
	if st["message"] == "" {
		t.Error("a pending request has no message")
	}

	// Being deleted: DELETING whatever the stored phase, from the deletion's time.
	pr := fullProvisioningRequest()
	del := metav1.NewTime(time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC))
	pr.DeletionTimestamp = &del
	d := model.ProvisioningRequestInfo(pr)
	v.Validate(t, 1, "ProvisioningRequestInfo", d)
	wantEqual(t, "deleting", d["status"].(map[string]any)["provisioningPhase"], "DELETING")
	wantEqual(t, "deleting time", d["status"].(map[string]any)["updateTime"], "2026-03-02T00:00:00Z")
	wantEqual(t, "ProvisioningPhaseOf", string(model.ProvisioningPhaseOf(pr)), "DELETING")

	// Credential-like template parameters are redacted like extensions.
	red, changed := model.Redact(full)
	params := red["provisioningRequestData"].(map[string]any)["templateParameters"].(map[string]any)
	if !changed || params["apiToken"] != model.Redacted || params["workers"] != json.Number("3") {
		t.Errorf("redacted parameters %v (changed %v)", params, changed)
	}
	if full["provisioningRequestData"].(map[string]any)["templateParameters"].(map[string]any)["apiToken"] != "s3cr3t" {
		t.Error("Redact modified its input")
	}
}

func TestManagedInfrastructureTemplateDefaults(t *testing.T) {
	v := modeltest.New(t)
	d := model.ManagedInfrastructureTemplateDefaults(fullTemplate())
	v.Validate(t, 1, "ManagedInfrastructureTemplateDefaults", d)
	wantEqual(t, "defaults", d, map[string]any{"clusterInstanceDefaults": map[string]any{"workers": json.Number("1")}})
	wantEqual(t, "no defaults", model.ManagedInfrastructureTemplateDefaults(minTemplate()), map[string]any{"clusterInstanceDefaults": map[string]any{}})
	wantEqual(t, "id", model.ManagedInfrastructureTemplateID(fullTemplate()), "demo.v1.31.0")
}

func TestProvisioningAPIVersions(t *testing.T) {
	v := modeltest.New(t)
	for api, want := range map[string]string{model.ProvisioningAPIName: "1.2.0", model.ArtifactsAPIName: "1.0.0"} {
		all := model.APIVersionsOf(api, "/tenants/a")
		wantEqual(t, api, all, model.APIVersions{URIPrefix: "/tenants/a/" + api, APIVersions: []model.APIVersion{{Version: want}}})
		v.Validate(t, 1, "APIVersions", all)
		if _, ok := model.MajorAPIVersions(api, "", 2); ok {
			t.Errorf("%s v2 is served", api)
		}
		got, ok := model.MajorAPIVersions(api, "", 1)
		if !ok || got.URIPrefix != "/"+api+"/v1" || got.APIVersions[0].Version != want {
			t.Errorf("%s v1: %+v %v", api, got, ok)
		}
	}
}

// TestRegressionTemplateParametersKeepIntegerPrecision: template parameters are stored exactly;
// ProvisioningRequestInfo (the REST face and the notifications) decoded them into float64,
// serving an integer past 2^53 rounded.
func TestRegressionTemplateParametersKeepIntegerPrecision(t *testing.T) {
	pr := &v1alpha1.ProvisioningRequest{Spec: v1alpha1.ProvisioningRequestSpec{
		TemplateParameters: &v1alpha1.JSON{Raw: []byte(`{"vlanSet":{"id":9007199254740993}}`)}}}
	raw, err := json.Marshal(model.ProvisioningRequestInfo(pr)["provisioningRequestData"].(map[string]any)["templateParameters"])
	if err != nil {
		t.Fatal(err)
	}
	if got := string(raw); got != `{"vlanSet":{"id":9007199254740993}}` {
		t.Errorf("templateParameters served as %s", got)
	}
}
