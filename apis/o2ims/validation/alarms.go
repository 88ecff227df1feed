package validation

import (
	"time"

	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/netweave-io/netweave/apis/o2ims"
)

var (
	// alarmObjectClasses are the O2 object classes an alarm can be about (spec v10 objectClass).
	alarmObjectClasses = sets.New("Resource", "ResourcePool", "DeploymentManager", "OCloud")
	clearingTypes      = sets.New(o2ims.ClearingTypeAutomatic, o2ims.ClearingTypeManual)
	alarmChangeTypes   = sets.New(o2ims.AlarmChangeTypeAdded, o2ims.AlarmChangeTypeDeleted, o2ims.AlarmChangeTypeModified)
	purgeStates        = sets.New(o2ims.PurgeOperationStateProcessing, o2ims.PurgeOperationStateCompleted,
		o2ims.PurgeOperationStateFailed, o2ims.PurgeOperationStateRolledBack)
)

// ValidateAlarmDictionary checks an AlarmDictionary: every id a UUID, alarm names and probable
// cause codes unique, and a definition's probableCauseIds naming causes of the dictionary.
func ValidateAlarmDictionary(obj *o2ims.AlarmDictionary) field.ErrorList {
	errs := ValidateObjectMeta(&obj.ObjectMeta, true)
	spec := field.NewPath("spec")
	errs = append(errs, ValidateUUID(obj.Spec.AlarmDictionaryID, spec.Child("alarmDictionaryId"))...)
	errs = append(errs, validateOptionalUUID(obj.Spec.ResourceTypeID, spec.Child("resourceTypeId"))...)
	errs = append(errs, validateRequiredString(obj.Spec.AlarmDictionaryVersion, maxNameLength, spec.Child("alarmDictionaryVersion"))...)
	errs = append(errs, validateRequiredString(obj.Spec.AlarmDictionarySchemaVersion, maxNameLength, spec.Child("alarmDictionarySchemaVersion"))...)
	errs = append(errs, validateRequiredString(obj.Spec.EntityType, maxNameLength, spec.Child("entityType"))...)
	errs = append(errs, validateRequiredString(obj.Spec.Vendor, maxNameLength, spec.Child("vendor"))...)
	errs = append(errs, validateKeywords(obj.Spec.ManagementInterfaceID, maxKeywords, spec.Child("managementInterfaceId"))...)
	errs = append(errs, validateKeywords(obj.Spec.PKNotificationField, maxKeywords, spec.Child("pkNotificationField"))...)

	causes := sets.New[string]()
	codes := sets.New[string]()
	for i, pc := range obj.Spec.ProbableCauses {
		p := spec.Child("probableCauses").Index(i)
		errs = append(errs, validateUniqueUUID(pc.ProbableCauseID, causes, p.Child("probableCauseId"))...)
		errs = append(errs, validateUniqueName(pc.ProbableCauseCode, codes, p.Child("probableCauseCode"))...)
		errs = append(errs, validateLength(pc.ProbableCauseDescription, maxDescriptionLength, p.Child("probableCauseDescription"))...)
		if ref := pc.StandardReference; ref != nil {
			r := p.Child("standardReference")
			errs = append(errs, validateRequiredString(ref.StandardDefinitionOrganization, maxNameLength, r.Child("standardDefinitionOrganization"))...)
			errs = append(errs, validateRequiredString(ref.StandardSpecification, maxNameLength, r.Child("standardSpecification"))...)
			errs = append(errs, validateLength(ref.VersionOrRelease, maxNameLength, r.Child("versionOrRelease"))...)
		}
	}
	definitions := sets.New[string]()
	names := sets.New[string]()
	for i, d := range obj.Spec.AlarmDefinitions {
		p := spec.Child("alarmDefinition").Index(i)
		errs = append(errs, validateUniqueUUID(d.AlarmDefinitionID, definitions, p.Child("alarmDefinitionId"))...)
		errs = append(errs, validateUniqueName(d.AlarmName, names, p.Child("alarmName"))...)
		errs = append(errs, validateLength(d.AlarmLastChange, maxNameLength, p.Child("alarmLastChange"))...)
		errs = append(errs, validateEnum(d.AlarmChangeType, alarmChangeTypes, p.Child("alarmChangeType"))...)
		errs = append(errs, validateLength(d.AlarmDescription, maxDescriptionLength, p.Child("alarmDescription"))...)
		errs = append(errs, validateLength(d.ProposedRepairActions, maxDescriptionLength, p.Child("proposedRepairActions"))...)
		if !clearingTypes.Has(d.ClearingType) {
			errs = append(errs, field.NotSupported(p.Child("clearingType"), d.ClearingType, sets.List(clearingTypes)))
		}
		errs = append(errs, validateKeywords(d.ManagementInterfaceID, maxKeywords, p.Child("managementInterfaceId"))...)
		errs = append(errs, validateKeywords(d.PKNotificationField, maxKeywords, p.Child("pkNotificationField"))...)
		errs = append(errs, validateStringMap(d.AlarmAdditionalFields, p.Child("alarmAdditionalFields"))...)
		for j, id := range d.ProbableCauseIDs {
			if !causes.Has(id) {
				errs = append(errs, field.NotFound(p.Child("probableCauseIds").Index(j), id))
			}
		}
	}
	return errs
}

// validateUniqueUUID requires id to be a UUID that seen does not hold yet, and adds it.
func validateUniqueUUID(id string, seen sets.Set[string], path *field.Path) field.ErrorList {
	if errs := ValidateUUID(id, path); len(errs) > 0 {
		return errs
	}
	if seen.Has(id) {
		return field.ErrorList{field.Duplicate(path, id)}
	}
	seen.Insert(id)
	return nil
}

// validateUniqueName requires a non-empty name that seen does not hold yet, and adds it.
func validateUniqueName(name string, seen sets.Set[string], path *field.Path) field.ErrorList {
	if errs := validateRequiredString(name, maxNameLength, path); len(errs) > 0 {
		return errs
	}
	if seen.Has(name) {
		return field.ErrorList{field.Duplicate(path, name)}
	}
	seen.Insert(name)
	return nil
}

// The limits of an alarm's text that its writers cut to rather than be refused: an alarm
// source maps outside input (an alert's name and summary) into these fields, and one over the
// limit must not keep the fault from being recorded at all.
const (
	// MaxAlarmNameLength bounds spec.alarmName, in bytes.
	MaxAlarmNameLength = maxNameLength
	// MaxAlarmTextLength bounds status.text, in bytes.
	MaxAlarmTextLength = maxDescriptionLength
	// MaxExtensionKeyLength bounds a key of spec.extensions (and of any free-form map), in bytes.
	MaxExtensionKeyLength = maxExtensionKeyLength
)

// ValidateAlarmEventRecord checks an AlarmEventRecord, status included.
func ValidateAlarmEventRecord(obj *o2ims.AlarmEventRecord) field.ErrorList {
	errs := ValidateObjectMeta(&obj.ObjectMeta, true)
	spec := field.NewPath("spec")
	errs = append(errs, ValidateUUID(obj.Spec.AlarmEventRecordID, spec.Child("alarmEventRecordId"))...)
	errs = append(errs, validateRequiredString(obj.Spec.Source.Name, maxNameLength, spec.Child("source", "name"))...)
	errs = append(errs, validateRequiredString(obj.Spec.Source.Key, maxIDLength, spec.Child("source", "key"))...)
	if !alarmObjectClasses.Has(obj.Spec.ObjectClass) {
		errs = append(errs, field.NotSupported(spec.Child("objectClass"), obj.Spec.ObjectClass, sets.List(alarmObjectClasses)))
	}
	errs = append(errs, ValidateUUID(obj.Spec.ObjectID, spec.Child("objectId"))...)
	errs = append(errs, validateOptionalUUID(obj.Spec.ObjectTypeID, spec.Child("objectTypeId"))...)
	errs = append(errs, validateOptionalUUID(obj.Spec.AlarmDictionaryID, spec.Child("alarmDictionaryId"))...)
	errs = append(errs, validateOptionalUUID(obj.Spec.AlarmDefinitionID, spec.Child("alarmDefinitionId"))...)
	errs = append(errs, validateOptionalUUID(obj.Spec.ProbableCauseID, spec.Child("probableCauseId"))...)
	errs = append(errs, validateLength(obj.Spec.AlarmName, maxNameLength, spec.Child("alarmName"))...)
	errs = append(errs, validateExtensions(obj.Spec.Extensions, spec.Child("extensions"))...)
	return append(errs, ValidateAlarmEventRecordStatus(&obj.Status)...)
}

// ValidateAlarmEventRecordUpdate holds an update to what an alarm is about: only the
// operator's requests may change, and only from false to true. An acknowledgement or a clear
// cannot be taken back; the notifications about them have gone out.
func ValidateAlarmEventRecordUpdate(obj, old *o2ims.AlarmEventRecord) field.ErrorList {
	var errs field.ErrorList
	spec := field.NewPath("spec")
	if old.Spec.Acknowledged && !obj.Spec.Acknowledged {
		errs = append(errs, field.Invalid(spec.Child("acknowledged"), false, "an acknowledgement cannot be withdrawn"))
	}
	if old.Spec.ClearRequested && !obj.Spec.ClearRequested {
		errs = append(errs, field.Invalid(spec.Child("clearRequested"), false, "a clear cannot be withdrawn"))
	}
	n, o := obj.Spec, old.Spec
	n.Acknowledged, n.ClearRequested = o.Acknowledged, o.ClearRequested
	if !equality.Semantic.DeepEqual(n, o) {
		errs = append(errs, field.Forbidden(spec, "what an alarm is about is immutable: only acknowledged and clearRequested may be set"))
	}
	return errs
}

// ValidateAlarmEventRecordStatus checks what the alarm recorder writes.
func ValidateAlarmEventRecordStatus(status *o2ims.AlarmEventRecordStatus) field.ErrorList {
	var errs field.ErrorList
	path := field.NewPath("status")
	if s := status.PerceivedSeverity; s < o2ims.PerceivedSeverityCritical || s > o2ims.PerceivedSeverityCleared {
		errs = append(errs, field.Invalid(path.Child("perceivedSeverity"), s,
			"must be 0 (CRITICAL), 1 (MAJOR), 2 (MINOR), 3 (WARNING), 4 (INDETERMINATE) or 5 (CLEARED)"))
	}
	errs = append(errs, validateLength(status.AcknowledgedBy, maxNameLength, path.Child("acknowledgedBy"))...)
	return append(errs, validateLength(status.Text, maxDescriptionLength, path.Child("text"))...)
}

// ValidateAlarmSubscription checks an AlarmSubscription. The filter's meaning is the O2 face's
// (v1 exclusions NEW, CHANGE, CLEAR, ACKNOWLEDGE; v2 a free string); here only its size is
// bounded.
func ValidateAlarmSubscription(obj *o2ims.AlarmSubscription) field.ErrorList {
	errs := ValidateObjectMeta(&obj.ObjectMeta, true)
	errs = append(errs, ValidateUUID(obj.Spec.AlarmSubscriptionID, field.NewPath("spec", "alarmSubscriptionId"))...)
	errs = append(errs, validateSubscription(obj.Spec.ConsumerSubscriptionID, obj.Spec.Filter, obj.Spec.Callback, obj.Spec.SigningSecretRef)...)
	return append(errs, ValidateInventorySubscriptionStatus(&obj.Status)...)
}

// ValidateAlarmServiceConfiguration checks the AlarmServiceConfiguration singleton.
func ValidateAlarmServiceConfiguration(obj *o2ims.AlarmServiceConfiguration) field.ErrorList {
	errs := ValidateObjectMeta(&obj.ObjectMeta, false)
	errs = append(errs, validateSingletonName(obj.Name, "the alarm service configuration")...)
	spec := field.NewPath("spec")
	switch p := obj.Spec.RetentionPeriod; {
	case p == nil:
		errs = append(errs, field.Required(spec.Child("retentionPeriod"), "days to keep cleared alarms"))
	case *p < 1:
		errs = append(errs, field.Invalid(spec.Child("retentionPeriod"), *p, "must be at least 1 (days)"))
	}
	return append(errs, validateExtensions(obj.Spec.Extensions, spec.Child("extensions"))...)
}

// ValidateAlarmPurge checks an AlarmPurge: it names alarm records or a window, or both.
func ValidateAlarmPurge(obj *o2ims.AlarmPurge) field.ErrorList {
	errs := ValidateObjectMeta(&obj.ObjectMeta, true)
	spec := field.NewPath("spec")
	errs = append(errs, ValidateUUID(obj.Spec.TaskID, spec.Child("taskId"))...)
	if n := len(obj.Spec.AlarmRecordIDs); n > maxPurgeRecords {
		// Each id would be resolved before the purge is admitted: refused before any is.
		return append(errs, field.TooMany(spec.Child("alarmRecordIds"), n, maxPurgeRecords))
	}
	ids := sets.New[string]()
	for i, id := range obj.Spec.AlarmRecordIDs {
		errs = append(errs, validateUniqueUUID(id, ids, spec.Child("alarmRecordIds").Index(i))...)
	}
	c := obj.Spec.PurgeConditions
	switch {
	case c == nil && len(obj.Spec.AlarmRecordIDs) == 0:
		errs = append(errs, field.Required(spec, "alarmRecordIds or purgeConditions"))
	case c != nil && c.EndWindowTime.IsZero():
		errs = append(errs, field.Required(spec.Child("purgeConditions", "endWindowTime"), ""))
	case c != nil && c.StartWindowTime != nil && c.StartWindowTime.After(c.EndWindowTime.Time):
		errs = append(errs, field.Invalid(spec.Child("purgeConditions", "startWindowTime"), c.StartWindowTime, "must not be after endWindowTime (both are kept to whole seconds, moved inward)"))
	}
	return append(errs, ValidateAlarmPurgeStatus(&obj.Status)...)
}

// PurgeWindowInward moves the edges of a purge window that fall inside a second inward to
// whole seconds: a task stores whole seconds (metav1.Time), as alarms' times are, and an edge
// cut down instead (a start of :28.9 stored as :28) would purge alarms outside the window asked
// for. A window that holds no whole second comes back with its start after its end, which
// validation refuses.
func PurgeWindowInward(start *metav1.Time, end metav1.Time) (*metav1.Time, metav1.Time) {
	end = metav1.NewTime(end.Truncate(time.Second))
	if start != nil && !start.Equal(&metav1.Time{Time: start.Truncate(time.Second)}) {
		start = &metav1.Time{Time: start.Truncate(time.Second).Add(time.Second)}
	}
	return start, end
}

// ValidateAlarmPurgeUpdate keeps a purge request as it was made: the task carries it out.
func ValidateAlarmPurgeUpdate(obj, old *o2ims.AlarmPurge) field.ErrorList {
	if !equality.Semantic.DeepEqual(obj.Spec, old.Spec) {
		return field.ErrorList{field.Forbidden(field.NewPath("spec"), "a purge request is immutable")}
	}
	return nil
}

// ValidateAlarmPurgeStatus checks what the purge worker writes.
func ValidateAlarmPurgeStatus(status *o2ims.AlarmPurgeStatus) field.ErrorList {
	path := field.NewPath("status")
	errs := validateEnum(status.OperationState, purgeStates, path.Child("operationState"))
	if status.Purged < 0 {
		errs = append(errs, field.Invalid(path.Child("purged"), status.Purged, "must not be negative"))
	}
	return append(errs, validateLength(status.Message, maxDescriptionLength, path.Child("message"))...)
}
