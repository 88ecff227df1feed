package validation

import (
	"strconv"
	"strings"

	apimachineryvalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/netweave-io/netweave/apis/jsonparams"
	"github.com/netweave-io/netweave/apis/o2ims"
)

const (
	// MaxTemplateParametersBytes bounds a ProvisioningRequest's templateParameters and a
	// template's defaults: cluster parameters are a few KiB, and every object is copied into
	// the Redis change history and held in the informers.
	MaxTemplateParametersBytes = 64 * 1024
	// MaxParameterSchemaBytes bounds a template's parameterSchema (its ClusterClass's
	// variables' schemas).
	MaxParameterSchemaBytes = 256 * 1024
	// MaxMessageLength bounds a ProvisioningRequest's status.message (and the controller
	// keeps its conditions' messages within it too).
	MaxMessageLength = 32 * 1024
	// maxProvisionedResources bounds the lists of provisioned resources of a request.
	maxProvisionedResources = 10000
)

var (
	provisioningPhases = sets.New(o2ims.ProvisioningPhasePending, o2ims.ProvisioningPhaseProgressing, o2ims.ProvisioningPhaseFulfilled,
		o2ims.ProvisioningPhaseFailed, o2ims.ProvisioningPhaseDeleting)
	resourceProvisioningPhases = sets.New(o2ims.ResourceProvisioningPhaseProcessing, o2ims.ResourceProvisioningPhaseProvisioned,
		o2ims.ResourceProvisioningPhaseAwaitingFreeResources, o2ims.ResourceProvisioningPhaseFailed)
)

// ValidateProvisioningRequest checks a ProvisioningRequest on its own; its template and the
// parameters against the template's schema are checked by the registry.
func ValidateProvisioningRequest(obj *o2ims.ProvisioningRequest) field.ErrorList {
	errs := ValidateObjectMeta(&obj.ObjectMeta, true)
	// The name is the SMO's id: O2-IMS makes it a UUID, and the object name must be the
	// lowercase form so that one id is one object.
	if obj.Name != "" && (!IsUUID(obj.Name) || strings.ToLower(obj.Name) != obj.Name) {
		errs = append(errs, field.Invalid(field.NewPath("metadata", "name"), obj.Name, "must be the provisioningRequestId: a lowercase UUID"))
	}
	spec := field.NewPath("spec")
	errs = append(errs, ValidateUUID(obj.Spec.ProvisioningRequestID, spec.Child("provisioningRequestId"))...)
	if obj.Spec.ProvisioningRequestID != "" && obj.Name != "" && obj.Spec.ProvisioningRequestID != obj.Name {
		errs = append(errs, field.Invalid(spec.Child("provisioningRequestId"), obj.Spec.ProvisioningRequestID, "must equal metadata.name"))
	}
	errs = append(errs, validateRequiredString(obj.Spec.Name, maxNameLength, spec.Child("name"))...)
	errs = append(errs, validateLength(obj.Spec.Description, maxDescriptionLength, spec.Child("description"))...)
	errs = append(errs, validateRequiredString(obj.Spec.TemplateName, maxNameLength, spec.Child("templateName"))...)
	errs = append(errs, validateRequiredString(obj.Spec.TemplateVersion, maxNameLength, spec.Child("templateVersion"))...)
	errs = append(errs, validateTemplateObjectName(obj.Spec.TemplateName, obj.Spec.TemplateVersion, spec)...)
	if p := obj.Spec.TemplateParameters; p != nil {
		perrs := jsonparams.ValidateObject(p.Raw, MaxTemplateParametersBytes, spec.Child("templateParameters"))
		errs = append(errs, perrs...)
	}
	return errs
}

// validateTemplateObjectName requires templateName.templateVersion to be a name a template
// can have (a DNS subdomain, as every template's object name is): any other names no template,
// and one that is not even a path segment ("/", "%") made the template's lookup fail in the
// store (a 500) instead of answering the writer with a field error.
func validateTemplateObjectName(name, version string, spec *field.Path) field.ErrorList {
	if name == "" || version == "" {
		return nil
	}
	msgs := apimachineryvalidation.NameIsDNSSubdomain(TemplateObjectName(name, version), false)
	if len(msgs) == 0 {
		return nil
	}
	path, value := spec.Child("templateVersion"), version
	if len(apimachineryvalidation.NameIsDNSSubdomain(name, false)) > 0 {
		path, value = spec.Child("templateName"), name
	}
	return field.ErrorList{field.Invalid(path, value, "templateName.templateVersion "+strconv.Quote(TemplateObjectName(name, version))+
		" must be a template's name (a lowercase RFC 1123 subdomain): "+strings.Join(msgs, "; "))}
}

// ValidateProvisioningRequestUpdate checks what an update may change: the template's name is
// the cluster's class and stays; its version may change (an upgrade).
func ValidateProvisioningRequestUpdate(obj, old *o2ims.ProvisioningRequest) field.ErrorList {
	return ValidateImmutable(obj.Spec.TemplateName, old.Spec.TemplateName, field.NewPath("spec", "templateName"))
}

// ValidateProvisioningRequestStatus checks the status the provisioning controller writes for a
// request in namespace.
func ValidateProvisioningRequestStatus(namespace string, status *o2ims.ProvisioningRequestStatus) field.ErrorList {
	path := field.NewPath("status")
	var errs field.ErrorList
	if status.ProvisioningPhase != "" {
		errs = append(errs, validateEnum(status.ProvisioningPhase, provisioningPhases, path.Child("provisioningPhase"))...)
	}
	errs = append(errs, validateLength(status.Message, MaxMessageLength, path.Child("message"))...)
	if s := status.NodeClusterProvisioningStatus; s != nil {
		errs = append(errs, validateResourceProvisioningStatus(s, path.Child("nodeClusterProvisioningStatus"))...)
	}
	if len(status.InfrastructureResourceProvisioningStatus) > maxProvisionedResources {
		errs = append(errs, field.TooMany(path.Child("infrastructureResourceProvisioningStatus"), len(status.InfrastructureResourceProvisioningStatus), maxProvisionedResources))
	}
	for i := range status.InfrastructureResourceProvisioningStatus {
		errs = append(errs, validateResourceProvisioningStatus(&status.InfrastructureResourceProvisioningStatus[i], path.Child("infrastructureResourceProvisioningStatus").Index(i))...)
	}
	if set := status.ProvisionedResourceSet; set != nil {
		p := path.Child("provisionedResourceSet")
		errs = append(errs, ValidateUUID(set.NodeClusterID, p.Child("nodeClusterId"))...)
		if len(set.InfrastructureResourceIDs) > maxProvisionedResources {
			errs = append(errs, field.TooMany(p.Child("infrastructureResourceIds"), len(set.InfrastructureResourceIDs), maxProvisionedResources))
		}
		for i, id := range set.InfrastructureResourceIDs {
			errs = append(errs, ValidateUUID(id, p.Child("infrastructureResourceIds").Index(i))...)
		}
	}
	if ref := status.ClusterRef; ref != nil {
		errs = append(errs, validateClusterReference(ref, path.Child("clusterRef"))...)
		// The Cluster of a request is in the request's namespace. Whoever may write a status
		// in a tenant namespace (o2ims-admin has "*" there) must not point the request at
		// another namespace's Cluster: the controller follows clusterRef, and tears the
		// Cluster down on DELETE.
		if ref.Namespace != "" && namespace != "" && ref.Namespace != namespace {
			errs = append(errs, field.Invalid(path.Child("clusterRef", "namespace"), ref.Namespace, "must be the request's own namespace "+namespace))
		}
	}
	return append(errs, validateConditions(status.Conditions, path.Child("conditions"))...)
}

func validateResourceProvisioningStatus(s *o2ims.ResourceProvisioningStatus, path *field.Path) field.ErrorList {
	errs := validateLength(s.ResourceName, maxNameLength, path.Child("resourceName"))
	errs = append(errs, validateLength(s.ResourceID, maxIDLength, path.Child("resourceId"))...)
	return append(errs, validateEnum(s.ResourceProvisioningPhase, resourceProvisioningPhases, path.Child("resourceProvisioningPhase"))...)
}

func validateClusterReference(ref *o2ims.ClusterReference, path *field.Path) field.ErrorList {
	errs := validateRequiredString(ref.Namespace, maxIDLength, path.Child("namespace"))
	return append(errs, validateRequiredString(ref.Name, maxIDLength, path.Child("name"))...)
}

// TemplateObjectName is the object name of version of template name: "<name>.<version>", the
// id O2-IMS gives templates.
func TemplateObjectName(name, version string) string { return name + "." + version }

// ValidateManagedInfrastructureTemplate checks a template as the template sync writes it.
func ValidateManagedInfrastructureTemplate(obj *o2ims.ManagedInfrastructureTemplate) field.ErrorList {
	errs := ValidateObjectMeta(&obj.ObjectMeta, true)
	spec := field.NewPath("spec")
	errs = append(errs, ValidateUUID(obj.Spec.ArtifactResourceID, spec.Child("artifactResourceId"))...)
	errs = append(errs, validateRequiredString(obj.Spec.Name, maxNameLength, spec.Child("name"))...)
	errs = append(errs, validateRequiredString(obj.Spec.Version, maxNameLength, spec.Child("version"))...)
	if want := TemplateObjectName(obj.Spec.Name, obj.Spec.Version); obj.Name != "" && obj.Name != want {
		errs = append(errs, field.Invalid(field.NewPath("metadata", "name"), obj.Name, "must be <spec.name>.<spec.version>: "+want))
	}
	errs = append(errs, validateLength(obj.Spec.Description, maxDescriptionLength, spec.Child("description"))...)
	if s := obj.Spec.ParameterSchema; s != nil {
		_, serrs := jsonparams.Compile(s.Raw, MaxParameterSchemaBytes, spec.Child("parameterSchema"))
		errs = append(errs, serrs...)
	}
	if d := obj.Spec.Defaults; d != nil {
		derrs := jsonparams.ValidateObject(d.Raw, MaxTemplateParametersBytes, spec.Child("defaults"))
		errs = append(errs, derrs...)
	}
	errs = append(errs, validateStringMap(obj.Spec.Characteristics, spec.Child("characteristics"))...)
	errs = append(errs, validateClusterReference(&obj.Spec.ClusterClassRef, spec.Child("clusterClassRef"))...)
	// A template builds from a ClusterClass of its own namespace only: whoever may write
	// templates in a tenant namespace must not offer another namespace's class.
	if ns := obj.Spec.ClusterClassRef.Namespace; ns != "" && obj.Namespace != "" && ns != obj.Namespace {
		errs = append(errs, field.Invalid(spec.Child("clusterClassRef", "namespace"), ns, "must be the template's own namespace "+obj.Namespace))
	}
	return append(errs, validateExtensions(obj.Spec.Extensions, spec.Child("extensions"))...)
}

// ValidateTemplateParameters checks a request's parameters against its template: the
// parameters merged over the template's defaults (clusterInstanceDefaults) must satisfy the
// template's parameterSchema. Errors name the place under path (spec.templateParameters).
func ValidateTemplateParameters(t *o2ims.ManagedInfrastructureTemplateSpec, params *o2ims.JSON, path *field.Path) field.ErrorList {
	merged, errs := TemplateValues(t, params, path)
	if len(errs) > 0 || t.ParameterSchema == nil {
		return errs
	}
	sch, serrs := jsonparams.Compile(t.ParameterSchema.Raw, MaxParameterSchemaBytes, field.NewPath("parameterSchema"))
	if len(serrs) > 0 {
		return field.ErrorList{field.Invalid(path, field.OmitValueType{}, "the template's parameterSchema does not compile: "+serrs.ToAggregate().Error())}
	}
	return sch.Validate(merged, path)
}

// TemplateValues is what a cluster built from t with params gets: params over the template's
// defaults (its clusterInstanceDefaults object), merged key by key.
func TemplateValues(t *o2ims.ManagedInfrastructureTemplateSpec, params *o2ims.JSON, path *field.Path) (map[string]any, field.ErrorList) {
	base := map[string]any{}
	if t.Defaults != nil {
		d, errs := jsonparams.DecodeObject(t.Defaults.Raw, MaxTemplateParametersBytes, field.NewPath("defaults"))
		if len(errs) > 0 {
			return nil, field.ErrorList{field.Invalid(path, field.OmitValueType{}, "the template's defaults: "+errs.ToAggregate().Error())}
		}
		if inst, ok := d[TemplateDefaultsKey].(map[string]any); ok {
			base = inst
		}
	}
	if params == nil {
		return base, nil
	}
	over, errs := jsonparams.DecodeObject(params.Raw, MaxTemplateParametersBytes, path)
	if len(errs) > 0 {
		return nil, errs
	}
	return jsonparams.Merge(base, over), nil
}

// TemplateDefaultsKey is the key of a template's defaults that holds the parameters' default
// values (O2-IMS ManagedInfrastructureTemplateDefaults.clusterInstanceDefaults).
const TemplateDefaultsKey = "clusterInstanceDefaults"

// ValidateProvisioningRequestSubscription checks a ProvisioningRequestSubscription exactly as
// an InventorySubscription is checked: the same id, consumer id, filter, callback, signing
// secret and status rules.
func ValidateProvisioningRequestSubscription(obj *o2ims.ProvisioningRequestSubscription) field.ErrorList {
	errs := ValidateObjectMeta(&obj.ObjectMeta, true)
	errs = append(errs, ValidateUUID(obj.Spec.SubscriptionID, field.NewPath("spec", "subscriptionId"))...)
	errs = append(errs, ValidateSubscriptionSpec(obj.Spec.ConsumerSubscriptionID, obj.Spec.Filter, obj.Spec.Callback, obj.Spec.SigningSecretRef)...)
	return append(errs, ValidateInventorySubscriptionStatus(&obj.Status)...)
}
