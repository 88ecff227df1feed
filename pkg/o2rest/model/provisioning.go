package model

import (
	"maps"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
)

// The extensions of a ProvisioningRequestInfo (its schema has none of these, and does not
// restrict additional properties): what the provisioning controller records beyond the O2
// status. ExtensionConditions ("conditions") carries the request's per-step conditions, in
// the same shape as a deployment manager's: what provisioning waits for.
const (
	// ExtensionClusterRef names the Cluster API Cluster built for the request,
	// {namespace, name}.
	ExtensionClusterRef = "clusterRef"
	// ExtensionObservedGeneration is the generation of the request the status describes;
	// compare it with extensions/generation to tell whether the last PUT has been acted on.
	ExtensionObservedGeneration = "observedGeneration"
	// ExtensionGeneration is the request's metadata.generation (a PUT that changes the data
	// increments it).
	ExtensionGeneration = "generation"
)

// Messages of a request the controller has not described yet.
const (
	pendingMessage  = "accepted; waiting for the provisioning controller"
	deletingMessage = "deletion requested; the provisioned infrastructure is being removed"
)

// ProvisioningRequestInfo is a ProvisioningRequest as the provisioning API serves it (and as a
// ProvisioningRequestChangeNotification carries it). Every attribute the schema requires is
// there from the start: a request the controller has not described yet is PENDING with an
// empty provisionedResourceSet, and a request being deleted (deletionTimestamp set) is
// DELETING, whatever its stored phase still says.
func ProvisioningRequestInfo(pr *v1alpha1.ProvisioningRequest) map[string]any {
	s, st := &pr.Spec, &pr.Status
	id := s.ProvisioningRequestID
	if id == "" {
		id = pr.Name
	}
	data := map[string]any{
		"provisioningRequestId": id,
		"name":                  s.Name,
		"description":           s.Description,
		"templateName":          s.TemplateName,
		"templateVersion":       s.TemplateVersion,
		"templateParameters":    jsonObject(s.TemplateParameters),
	}

	phase, message, updated := st.ProvisioningPhase, st.Message, st.UpdateTime
	if phase == "" {
		phase = v1alpha1.ProvisioningPhasePending
	}
	if pr.DeletionTimestamp != nil && phase != v1alpha1.ProvisioningPhaseDeleting {
		phase, message, updated = v1alpha1.ProvisioningPhaseDeleting, deletingMessage, pr.DeletionTimestamp
	}
	if message == "" {
		switch phase {
		case v1alpha1.ProvisioningPhasePending:
			message = pendingMessage
		case v1alpha1.ProvisioningPhaseDeleting:
			message = deletingMessage
		}
	}
	if updated == nil {
		updated = &pr.CreationTimestamp
	}
	var cluster map[string]any
	if c := st.NodeClusterProvisioningStatus; c != nil {
		cluster = resourceProvisioningStatus(c)
	} else {
		name := pr.Name
		if st.ClusterRef != nil {
			name = st.ClusterRef.Name
		}
		cluster = map[string]any{"resourceName": name, "resourceId": "", "resourceProvisioningPhase": string(clusterPhase(phase))}
	}
	resources := make([]any, 0, len(st.InfrastructureResourceProvisioningStatus))
	for i := range st.InfrastructureResourceProvisioningStatus {
		resources = append(resources, resourceProvisioningStatus(&st.InfrastructureResourceProvisioningStatus[i]))
	}
	status := map[string]any{
		"updateTime":                    formatTime(updated.Time),
		"message":                       message,
		"provisioningPhase":             string(phase),
		"nodeClusterProvisioningStatus": cluster,
		"infrastructureResourceProvisioningStatus": resources,
	}

	set := map[string]any{"nodeClusterId": "", "infrastructureResourceIds": []any{}}
	if p := st.ProvisionedResourceSet; p != nil {
		set["nodeClusterId"] = p.NodeClusterID
		set["infrastructureResourceIds"] = stringList(p.InfrastructureResourceIDs)
	}

	ext := map[string]any{ExtensionGeneration: pr.Generation}
	if st.ObservedGeneration != 0 {
		ext[ExtensionObservedGeneration] = st.ObservedGeneration
	}
	if st.ClusterRef != nil {
		ext[ExtensionClusterRef] = map[string]any{"namespace": st.ClusterRef.Namespace, "name": st.ClusterRef.Name}
	}
	if len(st.Conditions) > 0 {
		ext[ExtensionConditions] = conditionList(st.Conditions)
	}
	return map[string]any{
		"provisioningRequestReference": uuidOrNil(string(pr.UID)),
		"provisioningRequestData":      data,
		"provisionedResourceSet":       set,
		"status":                       status,
		"extensions":                   ext,
	}
}

// clusterPhase is the node cluster's resourceProvisioningPhase a request's phase implies while
// the controller has not recorded one.
func clusterPhase(p v1alpha1.ProvisioningPhase) v1alpha1.ResourceProvisioningPhase {
	switch p {
	case v1alpha1.ProvisioningPhaseFulfilled:
		return v1alpha1.ResourceProvisioningPhaseProvisioned
	case v1alpha1.ProvisioningPhaseFailed:
		return v1alpha1.ResourceProvisioningPhaseFailed
	}
	return v1alpha1.ResourceProvisioningPhaseProcessing
}

func resourceProvisioningStatus(r *v1alpha1.ResourceProvisioningStatus) map[string]any {
	phase := r.ResourceProvisioningPhase
	if phase == "" {
		phase = v1alpha1.ResourceProvisioningPhaseProcessing
	}
	return map[string]any{"resourceName": r.ResourceName, "resourceId": r.ResourceID, "resourceProvisioningPhase": string(phase)}
}

func conditionList(conds []metav1.Condition) []any {
	out := make([]any, 0, len(conds))
	for _, c := range conds {
		m := map[string]any{"type": c.Type, "status": string(c.Status), "reason": c.Reason, "message": c.Message}
		if !c.LastTransitionTime.IsZero() {
			m["lastTransitionTime"] = formatTime(c.LastTransitionTime.Time)
		}
		out = append(out, m)
	}
	return out
}

// jsonObject decodes a stored JSON object, numbers exactly (DecodeJSON); anything else
// (nothing, another JSON type) is {}.
func jsonObject(j *v1alpha1.JSON) map[string]any {
	if j == nil || len(j.Raw) == 0 {
		return map[string]any{}
	}
	m, ok := decodeValue(j.Raw).(map[string]any)
	if !ok || m == nil {
		return map[string]any{}
	}
	return m
}

// ProvisioningPhaseOf is the provisioningPhase ProvisioningRequestInfo shows for pr.
func ProvisioningPhaseOf(pr *v1alpha1.ProvisioningRequest) v1alpha1.ProvisioningPhase {
	switch {
	case pr.DeletionTimestamp != nil:
		return v1alpha1.ProvisioningPhaseDeleting
	case pr.Status.ProvisioningPhase == "":
		return v1alpha1.ProvisioningPhasePending
	}
	return pr.Status.ProvisioningPhase
}

// ManagedInfrastructureTemplateDoc is a ManagedInfrastructureTemplate of the artifacts API.
// Its id on the API is its object name, "<name>.<version>" (ManagedInfrastructureTemplateID),
// or artifactResourceId.
func ManagedInfrastructureTemplateDoc(t *v1alpha1.ManagedInfrastructureTemplate) map[string]any {
	s := &t.Spec
	chars := make(map[string]any, len(s.Characteristics))
	for k, v := range s.Characteristics {
		chars[k] = v
	}
	return map[string]any{
		"artifactResourceId": uuidOrNil(s.ArtifactResourceID),
		"name":               s.Name,
		"version":            s.Version,
		"description":        s.Description,
		"parameterSchema":    jsonObject(s.ParameterSchema),
		"characteristics":    chars,
		"extensions":         extensionsObject(s.Extensions),
	}
}

// ManagedInfrastructureTemplateID is the managedInfrastructureTemplateId of a template:
// "<name>.<version>", which is also its object name.
func ManagedInfrastructureTemplateID(t *v1alpha1.ManagedInfrastructureTemplate) string {
	return t.Spec.Name + "." + t.Spec.Version
}

// ManagedInfrastructureTemplateDefaults is the body of .../managedInfrastructureTemplates/{id}/defaults:
// the template's spec.defaults, which holds ManagedInfrastructureTemplateDefaults (the
// ClusterClass variables' defaults as clusterInstanceDefaults), with clusterInstanceDefaults {}
// when the template has none.
func ManagedInfrastructureTemplateDefaults(t *v1alpha1.ManagedInfrastructureTemplate) map[string]any {
	d := jsonObject(t.Spec.Defaults)
	if _, ok := d["clusterInstanceDefaults"].(map[string]any); !ok {
		d["clusterInstanceDefaults"] = map[string]any{}
	}
	return d
}

// ProvisioningSubscription is a ProvisioningRequestSubscription as the provisioning API serves
// it: the attributes of an inventory Subscription.
func ProvisioningSubscription(sub *v1alpha1.ProvisioningRequestSubscription) map[string]any {
	s := &sub.Spec
	m := make(map[string]any, 4)
	if s.SubscriptionID != "" {
		m["subscriptionId"] = s.SubscriptionID
	}
	if s.ConsumerSubscriptionID != "" {
		m["consumerSubscriptionId"] = s.ConsumerSubscriptionID
	}
	if s.Filter != "" {
		m["filter"] = s.Filter
	}
	m["callback"] = s.Callback
	return m
}

// redactTemplateParameters redacts credential-like keys inside provisioningRequestData's
// templateParameters, which are free-form like extensions (a ClusterClass variable may well be
// a token or a password).
func redactTemplateParameters(doc map[string]any) (map[string]any, bool) {
	data, ok := doc["provisioningRequestData"].(map[string]any)
	if !ok {
		return doc, false
	}
	params, ok := data["templateParameters"]
	if !ok {
		return doc, false
	}
	np, changed := redactValue(params)
	if !changed {
		return doc, false
	}
	data = maps.Clone(data)
	data["templateParameters"] = np
	out := maps.Clone(doc)
	out["provisioningRequestData"] = data
	return out, true
}
