package model_test

import (
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/pkg/o2rest/model"
)

const (
	idRequest  = "123e4567-e89b-12d3-a456-426614174000"
	idTemplate = "fa242779-dfef-414e-b2b1-3b75d6f6b65d"
	idProvSub  = "2d1c0b9a-8f7e-4d6c-b5a4-392817263544"
)

func rawJSON(s string) *v1alpha1.JSON { return &v1alpha1.JSON{Raw: []byte(s)} }

func fullProvisioningRequest() *v1alpha1.ProvisioningRequest {
	t := metav1.NewTime(time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC))
	return &v1alpha1.ProvisioningRequest{
		ObjectMeta: metav1.ObjectMeta{Namespace: "tenant-a", Name: idRequest, UID: "822eca7c-54cd-4cbe-a01f-8b4ccb4bb3cf", Generation: 2, CreationTimestamp: t},
		Spec: v1alpha1.ProvisioningRequestSpec{ProvisioningRequestID: idRequest, Name: "edge-1", Description: "an edge cluster",
			TemplateName: "demo", TemplateVersion: "v1.31.0", TemplateParameters: rawJSON(`{"workers":3,"apiToken":"s3cr3t","net":{"cidr":"10.0.0.0/16"}}`)},
		Status: v1alpha1.ProvisioningRequestStatus{
			ProvisioningPhase: v1alpha1.ProvisioningPhaseFulfilled, Message: "cluster ready", UpdateTime: &t, ObservedGeneration: 2,
			ClusterRef: &v1alpha1.ClusterReference{Namespace: "tenant-a", Name: "edge-1"},
			NodeClusterProvisioningStatus: &v1alpha1.ResourceProvisioningStatus{ResourceName: "edge-1", ResourceID: idDM,
				ResourceProvisioningPhase: v1alpha1.ResourceProvisioningPhaseProvisioned},
			InfrastructureResourceProvisioningStatus: []v1alpha1.ResourceProvisioningStatus{{ResourceName: "edge-1-md-0-a", ResourceID: idResource,
				ResourceProvisioningPhase: v1alpha1.ResourceProvisioningPhaseProvisioned}},
			ProvisionedResourceSet: &v1alpha1.ProvisionedResourceSet{NodeClusterID: idDM, InfrastructureResourceIDs: []string{idResource}},
			Conditions:             []metav1.Condition{{Type: "Fulfilled", Status: metav1.ConditionTrue, Reason: "Ready", Message: "ok", LastTransitionTime: t}},
		},
	}
}

// minProvisioningRequest is a request as the registry stores it before any controller ran.
func minProvisioningRequest() *v1alpha1.ProvisioningRequest {
	return &v1alpha1.ProvisioningRequest{
		ObjectMeta: metav1.ObjectMeta{Namespace: "tenant-a", Name: idRequest},
		Spec:       v1alpha1.ProvisioningRequestSpec{Name: "r", TemplateName: "demo", TemplateVersion: "v1.31.0"},
	}
}

func fullTemplate() *v1alpha1.ManagedInfrastructureTemplate {
	return &v1alpha1.ManagedInfrastructureTemplate{
		ObjectMeta: metav1.ObjectMeta{Namespace: "o2ims-system", Name: "demo.v1.31.0"},
		Spec: v1alpha1.ManagedInfrastructureTemplateSpec{ArtifactResourceID: idTemplate, Name: "demo", Version: "v1.31.0",
			Description: "demo ClusterClass", ParameterSchema: rawJSON(`{"type":"object","properties":{"workers":{"type":"integer"}},"required":["workers"]}`),
			Defaults: rawJSON(`{"clusterInstanceDefaults":{"workers":1}}`), Characteristics: map[string]string{"infra": "docker"},
			ClusterClassRef: v1alpha1.ClusterReference{Namespace: "o2ims-system", Name: "demo"},
			Extensions:      v1alpha1.Extensions{"k": {Raw: []byte(`"v"`)}}},
	}
}

func minTemplate() *v1alpha1.ManagedInfrastructureTemplate {
	return &v1alpha1.ManagedInfrastructureTemplate{ObjectMeta: metav1.ObjectMeta{Name: "demo.v1"}, Spec: v1alpha1.ManagedInfrastructureTemplateSpec{Name: "demo", Version: "v1"}}
}

func fullProvisioningSubscription() *v1alpha1.ProvisioningRequestSubscription {
	return &v1alpha1.ProvisioningRequestSubscription{Spec: v1alpha1.ProvisioningRequestSubscriptionSpec{SubscriptionID: idProvSub,
		ConsumerSubscriptionID: idProvSub, Filter: "(eq,status/provisioningPhase,FAILED)", Callback: "https://smo.example.com/prov"}}
}

func provisioningMapped() []mapped {
	var out []mapped
	add := func(name string, kind model.Kind, doc map[string]any) { out = append(out, mapped{name, kind, 1, doc}) }
	add("full", model.KindProvisioningRequest, model.ProvisioningRequestInfo(fullProvisioningRequest()))
	add("minimal", model.KindProvisioningRequest, model.ProvisioningRequestInfo(minProvisioningRequest()))
	add("full", model.KindManagedInfrastructureTemplate, model.ManagedInfrastructureTemplateDoc(fullTemplate()))
	add("minimal", model.KindManagedInfrastructureTemplate, model.ManagedInfrastructureTemplateDoc(minTemplate()))
	add("full", model.KindProvisioningSubscription, model.ProvisioningSubscription(fullProvisioningSubscription()))
	add("minimal", model.KindProvisioningSubscription, model.ProvisioningSubscription(&v1alpha1.ProvisioningRequestSubscription{
		Spec: v1alpha1.ProvisioningRequestSubscriptionSpec{Callback: "https://smo.example.com/p"}}))
	return out
}
