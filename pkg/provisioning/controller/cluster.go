package controller

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
	clusterv1 "sigs.k8s.io/cluster-api/api/core/v1beta2"

	"github.com/netweave-io/netweave/apis/o2ims"
	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/apis/o2ims/validation"
	"github.com/netweave-io/netweave/pkg/inventory/members"
)

// orphaned reports whether c is a Cluster the controller created for the request name
// (members.MadeFor) that is not owned by req, the request of that name now in the store (nil
// when there is none), and not being deleted: the store lost its request (a Redis wipe), or
// someone removed its finalizer. It is never deleted for that; a request of the same name
// submitted again in the same namespace may adopt it (adoptable). A Cluster without the marks
// is never adopted.
func orphaned(c *clusterv1.Cluster, name string, req *v1alpha1.ProvisioningRequest) bool {
	return c != nil && c.DeletionTimestamp == nil && members.MadeFor(c, name) && (req == nil || !members.BuiltFor(c, req))
}

// adoptable reports whether req, a request submitted again after its predecessor of the same
// name was lost, may take over the orphaned Cluster c: c was created for a request of req's
// name in req's namespace (the Cluster's name and namespace are derived from both, so another
// namespace's request never finds it) from the ClusterClass req's template builds with now.
// Version and variables may differ: they are then changed as an update of the request would.
func adoptable(c *clusterv1.Cluster, req *v1alpha1.ProvisioningRequest, top clusterv1.Topology) bool {
	return c.Namespace == req.Namespace && orphaned(c, req.Name, req) && req.DeletionTimestamp == nil &&
		c.Spec.Topology.ClassRef == top.ClassRef
}

// topology is the Cluster topology req asks for with template t: t's ClusterClass at the
// request's version, one variable per top-level key of the values admission checked
// (validation.TemplateValues: templateParameters merged over the template's
// clusterInstanceDefaults, that key matched exactly). Reading them any other way (encoding/json
// matches struct fields case-insensitively) would give Clusters variables admission never
// checked against the template's parameterSchema. Variables are sorted by name so that an
// unchanged request gives an equal topology.
func topology(req *v1alpha1.ProvisioningRequest, t *v1alpha1.ManagedInfrastructureTemplate) (clusterv1.Topology, error) {
	var spec o2ims.ManagedInfrastructureTemplateSpec
	if err := v1alpha1.Convert_v1alpha1_ManagedInfrastructureTemplateSpec_To_o2ims_ManagedInfrastructureTemplateSpec(&t.Spec, &spec, nil); err != nil {
		return clusterv1.Topology{}, fmt.Errorf("template %s/%s: %w", t.Namespace, t.Name, err)
	}
	var params *o2ims.JSON
	if p := req.Spec.TemplateParameters; p != nil && len(p.Raw) > 0 {
		params = &o2ims.JSON{Raw: p.Raw}
	}
	values, errs := validation.TemplateValues(&spec, params, field.NewPath("spec", "templateParameters"))
	if len(errs) > 0 {
		return clusterv1.Topology{}, fmt.Errorf("values of template %s/%s: %w", t.Namespace, t.Name, errs.ToAggregate())
	}
	top := clusterv1.Topology{ClassRef: classOf(t), Version: req.Spec.TemplateVersion}
	for _, name := range slices.Sorted(maps.Keys(values)) {
		raw, err := json.Marshal(values[name])
		if err != nil {
			return clusterv1.Topology{}, fmt.Errorf("variable %s: %w", name, err)
		}
		top.Variables = append(top.Variables, clusterv1.ClusterVariable{Name: name, Value: apiextensionsv1.JSON{Raw: raw}})
	}
	return top, nil
}

// classOf is the ClusterClass template t is made from; its namespace is the template's when
// the template leaves it out (validation allows no other).
func classOf(t *v1alpha1.ManagedInfrastructureTemplate) clusterv1.ClusterClassRef {
	ns := t.Spec.ClusterClassRef.Namespace
	if ns == "" {
		ns = t.Namespace
	}
	return clusterv1.ClusterClassRef{Name: t.Spec.ClusterClassRef.Name, Namespace: ns}
}

// clusterClassOf is the ClusterClass c is built from; Cluster API reads an empty namespace as
// the Cluster's.
func clusterClassOf(c *clusterv1.Cluster) clusterv1.ClusterClassRef {
	ref := c.Spec.Topology.ClassRef
	if ref.Namespace == "" {
		ref.Namespace = c.Namespace
	}
	return ref
}

func refString(ref clusterv1.ClusterClassRef) string { return ref.Namespace + "/" + ref.Name }

// parametersValid checks req's templateParameters against t as admission does
// (validation.ValidateTemplateParameters).
func parametersValid(req *v1alpha1.ProvisioningRequest, t *v1alpha1.ManagedInfrastructureTemplate) field.ErrorList {
	var spec o2ims.ManagedInfrastructureTemplateSpec
	var params o2ims.ProvisioningRequestSpec
	if err := v1alpha1.Convert_v1alpha1_ManagedInfrastructureTemplateSpec_To_o2ims_ManagedInfrastructureTemplateSpec(&t.Spec, &spec, nil); err != nil {
		return field.ErrorList{field.InternalError(field.NewPath("spec"), err)}
	}
	if err := v1alpha1.Convert_v1alpha1_ProvisioningRequestSpec_To_o2ims_ProvisioningRequestSpec(&req.Spec, &params, nil); err != nil {
		return field.ErrorList{field.InternalError(field.NewPath("spec"), err)}
	}
	return validation.ValidateTemplateParameters(&spec, params.TemplateParameters, field.NewPath("spec", "templateParameters"))
}

// newCluster is the Cluster the controller creates for req: named clusterName in the
// request's namespace, labelled with the request's name and uid.
func newCluster(req *v1alpha1.ProvisioningRequest, clusterName string, top clusterv1.Topology) *clusterv1.Cluster {
	return &clusterv1.Cluster{
		ObjectMeta: metav1.ObjectMeta{Name: clusterName, Namespace: req.Namespace, Labels: map[string]string{
			v1alpha1.LabelManagedBy:              v1alpha1.ManagedByProvisioning,
			v1alpha1.LabelProvisioningRequest:    req.Name,
			v1alpha1.LabelProvisioningRequestUID: string(req.UID),
		}},
		Spec: clusterv1.ClusterSpec{Topology: top},
	}
}

// templateDefaults are t's clusterInstanceDefaults by variable, nil when it has none.
func templateDefaults(t *v1alpha1.ManagedInfrastructureTemplate) map[string]any {
	if t.Spec.Defaults == nil {
		return nil
	}
	var d struct {
		ClusterInstanceDefaults map[string]any `json:"clusterInstanceDefaults"`
	}
	if json.Unmarshal(t.Spec.Defaults.Raw, &d) != nil {
		return nil
	}
	return d.ClusterInstanceDefaults
}

// topologyPatch is the JSON merge patch that sets c's topology version and variables to
// want's, nil when they are equal. Only those two fields change: the class never does
// (templateName is immutable), and everything else of the Cluster is Cluster API's. It holds
// c's resourceVersion, so that it applies to c as it was judged and to nothing else: c is the
// cache's copy, and the Cluster of its name may have changed, or been deleted and made again
// by someone else, since; kube-apiserver then answers 409 Conflict and the request is judged
// again. (Not c's uid: a merge patch's other uid is a 422, "field is immutable", which reads
// as a refusal of the change.)
//
// A variable the Cluster has and want has not, at the value the template's defaults give it,
// is Cluster API's defaulting webhook putting back what a null parameter removed: writing the
// variables without it changes nothing, so it is not a difference (or every pass would patch).
func topologyPatch(c *clusterv1.Cluster, want clusterv1.Topology, defaults map[string]any) ([]byte, error) {
	have := slices.DeleteFunc(slices.Clone(c.Spec.Topology.Variables), func(v clusterv1.ClusterVariable) bool {
		d, ok := defaults[v.Name]
		return ok && !slices.ContainsFunc(want.Variables, func(w clusterv1.ClusterVariable) bool { return w.Name == v.Name }) &&
			equalJSON(d, decodeJSON(v.Value.Raw))
	})
	if c.Spec.Topology.Version == want.Version && variablesEqual(have, want.Variables) {
		return nil, nil
	}
	vars := want.Variables
	if vars == nil {
		vars = []clusterv1.ClusterVariable{}
	}
	patch, err := json.Marshal(map[string]any{
		"metadata": map[string]any{"resourceVersion": c.ResourceVersion},
		"spec":     map[string]any{"topology": map[string]any{"version": want.Version, "variables": vars}}})
	if err != nil {
		return nil, fmt.Errorf("encode topology patch: %w", err)
	}
	return patch, nil
}

// variablesEqual compares variables by name and JSON value.
func variablesEqual(a, b []clusterv1.ClusterVariable) bool {
	if len(a) != len(b) {
		return false
	}
	byName := map[string]any{}
	for _, v := range a {
		byName[v.Name] = decodeJSON(v.Value.Raw)
	}
	for _, v := range b {
		got, ok := byName[v.Name]
		if !ok || !equalJSON(got, decodeJSON(v.Value.Raw)) {
			return false
		}
	}
	return true
}

func decodeJSON(raw []byte) any {
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return string(raw)
	}
	return v
}

func equalJSON(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}
