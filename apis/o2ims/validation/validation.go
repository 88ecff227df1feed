// Package validation checks O2-IMS objects before they are stored. Errors carry field paths so
// that kubectl and the O2 face can say exactly what is wrong.
package validation

import (
	"fmt"
	"math"
	"net/url"
	"sort"

	apimachineryvalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/netweave-io/netweave/apis/o2ims"
)

// SingletonName is the only name a cluster-scoped singleton (the OCloud, the
// AlarmServiceConfiguration) may have: there is one of each per install.
const SingletonName = "default"

// OCloudSingletonName is the only name an OCloud may have.
const OCloudSingletonName = SingletonName

const (
	maxNameLength        = 256
	maxDescriptionLength = 4096
	maxIDLength          = 253
	maxURILength         = 2048
	maxFilterLength      = 8192
	// maxSupportedLocations bounds a DeploymentManager's supportedLocations: each one is
	// looked up when the object is written (it must name a Location the writer may use).
	maxSupportedLocations = 1000
)

var (
	resourceKinds    = sets.New(o2ims.ResourceKindUndefined, o2ims.ResourceKindPhysical, o2ims.ResourceKindLogical)
	resourceClasses  = sets.New(o2ims.ResourceClassUndefined, o2ims.ResourceClassCompute, o2ims.ResourceClassNetworking, o2ims.ResourceClassStorage)
	operationalState = sets.New(o2ims.OperationalStateUnknown, o2ims.OperationalStateEnabled, o2ims.OperationalStateDisabled)
	adminStates      = sets.New(o2ims.AdminStateUnknown, o2ims.AdminStateLocked, o2ims.AdminStateShuttingDown, o2ims.AdminStateUnlocked)
	usageStates      = sets.New(o2ims.UsageStateUnknown, o2ims.UsageStateIdle, o2ims.UsageStateActive, o2ims.UsageStateBusy)
	powerStates      = sets.New(o2ims.PowerStateUnknown, o2ims.PowerStateOn, o2ims.PowerStateOff)
)

// ValidateObjectMeta checks the Kubernetes metadata of an O2 object.
func ValidateObjectMeta(meta *metav1.ObjectMeta, namespaced bool) field.ErrorList {
	return apimachineryvalidation.ValidateObjectMeta(meta, namespaced, apimachineryvalidation.NameIsDNSSubdomain, field.NewPath("metadata"))
}

// exampleUUID illustrates the form in errors. It is fixed so one object always gets the same
// errors: a dry run answers as the write does, and a retried request as the first.
const exampleUUID = "39c85e74-2e98-4e3d-8fec-e5a849d967c6"

// ValidateUUID requires value to be a UUID; O2-IMS ids are UUIDs.
func ValidateUUID(value string, path *field.Path) field.ErrorList {
	if value == "" {
		return field.ErrorList{field.Required(path, "")}
	}
	if !IsUUID(value) {
		return field.ErrorList{field.Invalid(path, value, "must be a UUID, e.g. "+exampleUUID)}
	}
	return nil
}

// IsNameBasedUUID reports whether s is a UUID (IsUUID) of version 5, name-based: the form of
// the ids netweave derives in the O-Cloud's id space, its alarm records' among them.
func IsNameBasedUUID(s string) bool { return IsUUID(s) && s[14] == '5' }

// IsOCloudAlarmRecord reports whether an alarm record named name with alarmEventRecordId id is
// one of netweave's alarm recorder: named by its id, a name-based UUID in the O-Cloud's id
// space, which outside the inventory namespace only a cluster superuser may choose (the server
// assigns everyone else a random one, and refuses that name form to them). The recorder counts
// only such records as its own, and the API keeps their deletion to the operator.
func IsOCloudAlarmRecord(name, id string) bool { return name == id && IsNameBasedUUID(name) }

// IsUUID reports whether s is a UUID in the canonical 8-4-4-4-12 hex form, either case: the
// only form O2-IMS ids take. Braced, URN and undashed forms are plain strings. Filters, the
// informers' indexes and validation all ask this one function, so what validation accepts as
// an id is exactly what they fold and compare as one.
func IsUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ { // bytes, not runes: on the path of every GET by id
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
				return false
			}
		}
	}
	return true
}

// ValidateImmutable reports a change of a field that may not change after creation.
func ValidateImmutable(newValue, oldValue string, path *field.Path) field.ErrorList {
	if newValue != oldValue {
		return field.ErrorList{field.Invalid(path, newValue, "field is immutable")}
	}
	return nil
}

func validateOptionalUUID(value string, path *field.Path) field.ErrorList {
	if value == "" {
		return nil
	}
	return ValidateUUID(value, path)
}

func validateRequiredString(value string, max int, path *field.Path) field.ErrorList {
	if value == "" {
		return field.ErrorList{field.Required(path, "")}
	}
	return validateLength(value, max, path)
}

func validateLength(value string, max int, path *field.Path) field.ErrorList {
	if len(value) > max {
		return field.ErrorList{tooLong(path, value, max)}
	}
	return nil
}

func validateAbsoluteURI(value string, path *field.Path, httpOnly bool) field.ErrorList {
	if value == "" {
		return field.ErrorList{field.Required(path, "")}
	}
	if len(value) > maxURILength {
		return field.ErrorList{tooLong(path, value, maxURILength)}
	}
	u, err := url.Parse(value)
	if err != nil || !u.IsAbs() || u.Host == "" {
		// Not quoted back: a callback's query often carries a token, and a refusal's message
		// is recorded by the audit log even at Metadata level.
		return field.ErrorList{field.Invalid(path, field.OmitValueType{}, "must be an absolute URI with a host")}
	}
	if httpOnly && u.Scheme != "http" && u.Scheme != "https" {
		return field.ErrorList{field.NotSupported(path, u.Scheme, []string{"http", "https"})}
	}
	return nil
}

// ValidateOCloud checks an OCloud.
func ValidateOCloud(obj *o2ims.OCloud) field.ErrorList {
	errs := ValidateObjectMeta(&obj.ObjectMeta, false)
	errs = append(errs, validateSingletonName(obj.Name, "the O-Cloud")...)
	spec := field.NewPath("spec")
	errs = append(errs, ValidateUUID(obj.Spec.OCloudID, spec.Child("oCloudId"))...)
	errs = append(errs, validateLength(obj.Spec.GlobalCloudID, maxIDLength, spec.Child("globalCloudId"))...)
	errs = append(errs, validateRequiredString(obj.Spec.Name, maxNameLength, spec.Child("name"))...)
	errs = append(errs, validateLength(obj.Spec.Description, maxDescriptionLength, spec.Child("description"))...)
	if obj.Spec.ServiceURI != "" {
		errs = append(errs, validateAbsoluteURI(obj.Spec.ServiceURI, spec.Child("serviceUri"), true)...)
	}
	return append(errs, validateExtensions(obj.Spec.Extensions, spec.Child("extensions"))...)
}

func validateSingletonName(name, what string) field.ErrorList {
	if name != SingletonName {
		return field.ErrorList{field.Invalid(field.NewPath("metadata", "name"), name,
			fmt.Sprintf("%s is a singleton and must be named %q", what, SingletonName))}
	}
	return nil
}

// ValidateResourceType checks a ResourceType.
func ValidateResourceType(obj *o2ims.ResourceType) field.ErrorList {
	errs := ValidateObjectMeta(&obj.ObjectMeta, true)
	spec := field.NewPath("spec")
	errs = append(errs, ValidateUUID(obj.Spec.ResourceTypeID, spec.Child("resourceTypeId"))...)
	errs = append(errs, validateRequiredString(obj.Spec.Name, maxNameLength, spec.Child("name"))...)
	errs = append(errs, validateLength(obj.Spec.Description, maxDescriptionLength, spec.Child("description"))...)
	errs = append(errs, validateLength(obj.Spec.Vendor, maxNameLength, spec.Child("vendor"))...)
	errs = append(errs, validateLength(obj.Spec.Model, maxNameLength, spec.Child("model"))...)
	errs = append(errs, validateLength(obj.Spec.Version, maxNameLength, spec.Child("version"))...)
	if !resourceKinds.Has(obj.Spec.ResourceKind) {
		errs = append(errs, field.NotSupported(spec.Child("resourceKind"), obj.Spec.ResourceKind, sets.List(resourceKinds)))
	}
	if !resourceClasses.Has(obj.Spec.ResourceClass) {
		errs = append(errs, field.NotSupported(spec.Child("resourceClass"), obj.Spec.ResourceClass, sets.List(resourceClasses)))
	}
	errs = append(errs, validateOptionalUUID(obj.Spec.AlarmDictionaryID, spec.Child("alarmDictionaryId"))...)
	return append(errs, validateExtensions(obj.Spec.Extensions, spec.Child("extensions"))...)
}

// ValidateResourcePool checks a ResourcePool.
func ValidateResourcePool(obj *o2ims.ResourcePool) field.ErrorList {
	errs := ValidateObjectMeta(&obj.ObjectMeta, true)
	spec := field.NewPath("spec")
	errs = append(errs, ValidateUUID(obj.Spec.ResourcePoolID, spec.Child("resourcePoolId"))...)
	errs = append(errs, validateRequiredString(obj.Spec.Name, maxNameLength, spec.Child("name"))...)
	errs = append(errs, validateLength(obj.Spec.Description, maxDescriptionLength, spec.Child("description"))...)
	errs = append(errs, validateOptionalUUID(obj.Spec.OCloudID, spec.Child("oCloudId"))...)
	errs = append(errs, validateLength(obj.Spec.GlobalLocationID, maxIDLength, spec.Child("globalLocationId"))...)
	errs = append(errs, validateLength(obj.Spec.Location, maxDescriptionLength, spec.Child("location"))...)
	errs = append(errs, validateOptionalUUID(obj.Spec.OCloudSiteID, spec.Child("oCloudSiteId"))...)
	if obj.Spec.NodeSelector != nil {
		// apimachinery walks matchLabels in Go's random map order; sorted, one selector
		// always gets one answer.
		sel := metav1validation.ValidateLabelSelector(obj.Spec.NodeSelector, metav1validation.LabelSelectorValidationOptions{}, spec.Child("nodeSelector"))
		sort.SliceStable(sel, func(i, j int) bool { return sel[i].Error() < sel[j].Error() })
		errs = append(errs, sel...)
	}
	errs = append(errs, validateExtensions(obj.Spec.Extensions, spec.Child("extensions"))...)
	return append(errs, ValidateResourcePoolStatus(&obj.Status)...)
}

// ValidateResourcePoolStatus checks what the inventory controller writes.
func ValidateResourcePoolStatus(status *o2ims.ResourcePoolStatus) field.ErrorList {
	var errs field.ErrorList
	path := field.NewPath("status")
	if status.ResourceCount < 0 {
		errs = append(errs, field.Invalid(path.Child("resourceCount"), status.ResourceCount, "must not be negative"))
	}
	return append(errs, validateConditions(status.Conditions, path.Child("conditions"))...)
}

// ValidateResource checks a Resource.
func ValidateResource(obj *o2ims.O2Resource) field.ErrorList {
	errs := ValidateObjectMeta(&obj.ObjectMeta, true)
	spec := field.NewPath("spec")
	errs = append(errs, ValidateUUID(obj.Spec.ResourceID, spec.Child("resourceId"))...)
	errs = append(errs, ValidateUUID(obj.Spec.ResourcePoolID, spec.Child("resourcePoolId"))...)
	errs = append(errs, ValidateUUID(obj.Spec.ResourceTypeID, spec.Child("resourceTypeId"))...)
	errs = append(errs, validateLength(obj.Spec.GlobalAssetID, maxIDLength, spec.Child("globalAssetId"))...)
	errs = append(errs, validateLength(obj.Spec.Description, maxDescriptionLength, spec.Child("description"))...)
	if n := len(obj.Spec.Elements); n > maxElements {
		errs = append(errs, field.TooMany(spec.Child("elements"), n, maxElements))
	}
	for i, el := range obj.Spec.Elements {
		p := spec.Child("elements").Index(i)
		errs = append(errs, validateOptionalUUID(el.ResourceID, p.Child("resourceId"))...)
		errs = append(errs, validateOptionalUUID(el.ResourceTypeID, p.Child("resourceTypeId"))...)
		errs = append(errs, validateLength(el.GlobalAssetID, maxIDLength, p.Child("globalAssetId"))...)
		errs = append(errs, validateLength(el.Description, maxDescriptionLength, p.Child("description"))...)
		errs = append(errs, validateKeywords(el.Tags, maxKeywords, p.Child("tags"))...)
		errs = append(errs, validateKeywords(el.Groups, maxKeywords, p.Child("groups"))...)
		errs = append(errs, validateExtensions(el.Extensions, p.Child("extensions"))...)
	}
	errs = append(errs, validateKeywords(obj.Spec.Tags, maxKeywords, spec.Child("tags"))...)
	errs = append(errs, validateKeywords(obj.Spec.Groups, maxKeywords, spec.Child("groups"))...)
	errs = append(errs, validateExtensions(obj.Spec.Extensions, spec.Child("extensions"))...)
	return append(errs, ValidateResourceStatus(&obj.Status)...)
}

// validateEnum accepts the empty value (not reported yet) or one of allowed.
func validateEnum[T ~string](value T, allowed sets.Set[T], path *field.Path) field.ErrorList {
	if value != "" && !allowed.Has(value) {
		return field.ErrorList{field.NotSupported(path, value, sets.List(allowed))}
	}
	return nil
}

// validateKeywords requires a bounded list of non-empty, name-sized keywords.
func validateKeywords(words []string, limit int, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	if len(words) > limit {
		errs = append(errs, field.TooMany(path, len(words), limit))
	}
	for i, w := range words {
		if w == "" {
			errs = append(errs, field.Required(path.Index(i), "keywords must not be empty"))
		}
		errs = append(errs, validateLength(w, maxNameLength, path.Index(i))...)
	}
	return errs
}

// ValidateResourceStatus checks what the inventory controller writes.
func ValidateResourceStatus(status *o2ims.ResourceStatus) field.ErrorList {
	var errs field.ErrorList
	path := field.NewPath("status")
	errs = append(errs, validateEnum(status.OperationalState, operationalState, path.Child("operationalState"))...)
	errs = append(errs, validateEnum(status.AdminState, adminStates, path.Child("adminState"))...)
	errs = append(errs, validateEnum(status.UsageState, usageStates, path.Child("usageState"))...)
	errs = append(errs, validateEnum(status.PowerState, powerStates, path.Child("powerState"))...)
	return append(errs, validateConditions(status.Conditions, path.Child("conditions"))...)
}

// ValidateOCloudStatus checks the status of an OCloud.
func ValidateOCloudStatus(status *o2ims.OCloudStatus) field.ErrorList {
	path := field.NewPath("status")
	errs := validateConditions(status.Conditions, path.Child("conditions"))
	if r := status.SMORegistration; r != nil {
		p := path.Child("smoRegistration")
		if r.ConsecutiveFailures < 0 {
			errs = append(errs, field.Invalid(p.Child("consecutiveFailures"), r.ConsecutiveFailures, "must not be negative"))
		}
		for _, f := range []struct{ name, value string }{{"endpoint", r.Endpoint}, {"globalCloudId", r.GlobalCloudID}, {"oCloudId", r.OCloudID}, {"imsEndpoint", r.IMSEndpoint}} {
			errs = append(errs, validateLength(f.value, maxDescriptionLength, p.Child(f.name))...)
		}
	}
	return errs
}

// ValidateDeploymentManagerStatus checks the status of a DeploymentManager.
func ValidateDeploymentManagerStatus(status *o2ims.DeploymentManagerStatus) field.ErrorList {
	path := field.NewPath("status")
	errs := validateEnum(status.OperationalState, operationalState, path.Child("operationalState"))
	return append(errs, validateConditions(status.Conditions, path.Child("conditions"))...)
}

// validateConditions requires each condition to have a type, once, and a known status.
func validateConditions(conditions []metav1.Condition, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	seen := sets.New[string]()
	for i, c := range conditions {
		p := path.Index(i)
		if c.Type == "" {
			errs = append(errs, field.Required(p.Child("type"), ""))
		} else if seen.Has(c.Type) {
			errs = append(errs, field.Duplicate(p.Child("type"), c.Type))
		}
		seen.Insert(c.Type)
		switch c.Status {
		case metav1.ConditionTrue, metav1.ConditionFalse, metav1.ConditionUnknown:
		default:
			errs = append(errs, field.NotSupported(p.Child("status"), c.Status, []metav1.ConditionStatus{metav1.ConditionTrue, metav1.ConditionFalse, metav1.ConditionUnknown}))
		}
	}
	return errs
}

// ValidateDeploymentManager checks a DeploymentManager.
func ValidateDeploymentManager(obj *o2ims.DeploymentManager) field.ErrorList {
	errs := ValidateObjectMeta(&obj.ObjectMeta, true)
	spec := field.NewPath("spec")
	errs = append(errs, ValidateUUID(obj.Spec.DeploymentManagerID, spec.Child("deploymentManagerId"))...)
	errs = append(errs, validateRequiredString(obj.Spec.Name, maxNameLength, spec.Child("name"))...)
	errs = append(errs, validateLength(obj.Spec.Description, maxDescriptionLength, spec.Child("description"))...)
	errs = append(errs, validateOptionalUUID(obj.Spec.OCloudID, spec.Child("oCloudId"))...)
	errs = append(errs, validateAbsoluteURI(obj.Spec.ServiceURI, spec.Child("serviceUri"), false)...)
	errs = append(errs, validateKeywords(obj.Spec.SupportedLocations, maxSupportedLocations, spec.Child("supportedLocations"))...)
	errs = append(errs, validateExtensions(obj.Spec.Capabilities, spec.Child("capabilities"))...)
	errs = append(errs, validateExtensions(obj.Spec.Capacity, spec.Child("capacity"))...)
	return append(errs, validateExtensions(obj.Spec.Extensions, spec.Child("extensions"))...)
}

// ValidateLocation checks a Location.
func ValidateLocation(obj *o2ims.Location) field.ErrorList {
	errs := ValidateObjectMeta(&obj.ObjectMeta, true)
	spec := field.NewPath("spec")
	errs = append(errs, validateRequiredString(obj.Spec.GlobalLocationID, maxIDLength, spec.Child("globalLocationId"))...)
	errs = append(errs, validateRequiredString(obj.Spec.Name, maxNameLength, spec.Child("name"))...)
	errs = append(errs, validateLength(obj.Spec.Description, maxDescriptionLength, spec.Child("description"))...)
	errs = append(errs, validateLength(obj.Spec.Address, maxDescriptionLength, spec.Child("address"))...)
	if c := obj.Spec.Coordinate; c != nil {
		errs = append(errs, validateGeoPoint(c, spec.Child("coordinate"))...)
	}
	if n := len(obj.Spec.CivicAddress); n > maxCivicAddressElements {
		errs = append(errs, field.TooMany(spec.Child("civicAddress"), n, maxCivicAddressElements))
	}
	for i, el := range obj.Spec.CivicAddress {
		p := spec.Child("civicAddress").Index(i)
		if el.CAType < 0 || el.CAType > 255 {
			errs = append(errs, field.Invalid(p.Child("caType"), el.CAType, "must be between 0 and 255 (RFC 4776)"))
		}
		errs = append(errs, validateRequiredString(el.CAValue, maxNameLength, p.Child("caValue"))...)
	}
	return append(errs, validateExtensions(obj.Spec.Extensions, spec.Child("extensions"))...)
}

func validateGeoPoint(p *o2ims.GeoPoint, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	if p.Type != "Point" {
		errs = append(errs, field.NotSupported(path.Child("type"), p.Type, []string{"Point"}))
	}
	coords := path.Child("coordinates")
	if n := len(p.Coordinates); n < 2 || n > 3 {
		return append(errs, field.Invalid(coords, p.Coordinates, "must be [longitude, latitude] or [longitude, latitude, altitude]"))
	}
	for i, v := range p.Coordinates {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			errs = append(errs, field.Invalid(coords.Index(i), v, "must be a finite number"))
		}
	}
	if lon := p.Coordinates[0]; lon < -180 || lon > 180 {
		errs = append(errs, field.Invalid(coords.Index(0), lon, "longitude must be between -180 and 180"))
	}
	if lat := p.Coordinates[1]; lat < -90 || lat > 90 {
		errs = append(errs, field.Invalid(coords.Index(1), lat, "latitude must be between -90 and 90"))
	}
	return errs
}

// ValidateOCloudSite checks an OCloudSite.
func ValidateOCloudSite(obj *o2ims.OCloudSite) field.ErrorList {
	errs := ValidateObjectMeta(&obj.ObjectMeta, true)
	spec := field.NewPath("spec")
	errs = append(errs, ValidateUUID(obj.Spec.OCloudSiteID, spec.Child("oCloudSiteId"))...)
	errs = append(errs, validateRequiredString(obj.Spec.GlobalLocationID, maxIDLength, spec.Child("globalLocationId"))...)
	errs = append(errs, validateRequiredString(obj.Spec.Name, maxNameLength, spec.Child("name"))...)
	errs = append(errs, validateLength(obj.Spec.Description, maxDescriptionLength, spec.Child("description"))...)
	return append(errs, validateExtensions(obj.Spec.Extensions, spec.Child("extensions"))...)
}

// ValidateInventorySubscription checks an InventorySubscription. The filter grammar is checked
// by the registry (pkg/registry/o2ims/subscription), with the O2 face's SOL013 parser; here
// only its size is bounded.
func ValidateInventorySubscription(obj *o2ims.InventorySubscription) field.ErrorList {
	errs := ValidateObjectMeta(&obj.ObjectMeta, true)
	spec := field.NewPath("spec")
	errs = append(errs, ValidateUUID(obj.Spec.SubscriptionID, spec.Child("subscriptionId"))...)
	errs = append(errs, validateSubscription(obj.Spec.ConsumerSubscriptionID, obj.Spec.Filter, obj.Spec.Callback, obj.Spec.SigningSecretRef)...)
	return append(errs, ValidateInventorySubscriptionStatus(&obj.Status)...)
}

// ValidateSubscriptionSpec checks the fields every subscription kind has (of any group: an
// o2dms.oran.org NfDeploymentSubscription too).
func ValidateSubscriptionSpec(consumerID, filter, callback string, ref *o2ims.SecretKeyRef) field.ErrorList {
	return validateSubscription(consumerID, filter, callback, ref)
}

// validateSubscription checks the fields every subscription kind has.
func validateSubscription(consumerID, filter, callback string, ref *o2ims.SecretKeyRef) field.ErrorList {
	spec := field.NewPath("spec")
	errs := validateLength(consumerID, maxIDLength, spec.Child("consumerSubscriptionId"))
	errs = append(errs, validateLength(filter, maxFilterLength, spec.Child("filter"))...)
	if ref != nil {
		p := spec.Child("signingSecretRef")
		for _, msg := range validation.IsDNS1123Subdomain(ref.Name) {
			errs = append(errs, field.Invalid(p.Child("name"), ref.Name, msg))
		}
		for _, msg := range validation.IsConfigMapKey(ref.Key) {
			errs = append(errs, field.Invalid(p.Child("key"), ref.Key, msg))
		}
	}
	return append(errs, validateAbsoluteURI(callback, spec.Child("callback"), true)...)
}

// ValidateInventorySubscriptionStatus checks what the notifier writes (for every subscription
// kind: they share the status type).
func ValidateInventorySubscriptionStatus(status *o2ims.InventorySubscriptionStatus) field.ErrorList {
	var errs field.ErrorList
	path := field.NewPath("status")
	if status.ConsecutiveFailures < 0 {
		errs = append(errs, field.Invalid(path.Child("consecutiveFailures"), status.ConsecutiveFailures, "must not be negative"))
	}
	if status.QueueDepth < 0 {
		errs = append(errs, field.Invalid(path.Child("queueDepth"), status.QueueDepth, "must not be negative"))
	}
	if status.Delivered < 0 {
		errs = append(errs, field.Invalid(path.Child("delivered"), status.Delivered, "must not be negative"))
	}
	if status.Dropped < 0 {
		errs = append(errs, field.Invalid(path.Child("dropped"), status.Dropped, "must not be negative"))
	}
	return errs
}
