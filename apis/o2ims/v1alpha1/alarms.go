package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// AlarmChangeType says how an alarm definition last changed in its dictionary.
// +enum
type AlarmChangeType string

// The alarmChangeType values of O2-IMS.
const (
	AlarmChangeTypeAdded    AlarmChangeType = "ADDED"
	AlarmChangeTypeDeleted  AlarmChangeType = "DELETED"
	AlarmChangeTypeModified AlarmChangeType = "MODIFIED"
)

// ClearingType says who clears an alarm of a definition.
// +enum
type ClearingType string

// The clearingType values of O2-IMS.
const (
	// ClearingTypeAutomatic alarms are cleared by the O-Cloud when the fault goes away.
	ClearingTypeAutomatic ClearingType = "AUTOMATIC"
	// ClearingTypeManual alarms are cleared by an operator (or the SMO).
	ClearingTypeManual ClearingType = "MANUAL"
)

// PerceivedSeverity is the O2-IMS perceivedSeverity of an alarm: 0 CRITICAL … 5 CLEARED.
type PerceivedSeverity int32

// The perceivedSeverity values of O2-IMS (monitoring API 1.0.0 and spec v10).
const (
	PerceivedSeverityCritical      PerceivedSeverity = 0
	PerceivedSeverityMajor         PerceivedSeverity = 1
	PerceivedSeverityMinor         PerceivedSeverity = 2
	PerceivedSeverityWarning       PerceivedSeverity = 3
	PerceivedSeverityIndeterminate PerceivedSeverity = 4
	PerceivedSeverityCleared       PerceivedSeverity = 5
)

// DefaultManagementInterface is the managementInterfaceId of an alarm dictionary that names
// none: its alarms are reported through the O2-IMS interface.
const DefaultManagementInterface = "O2IMS"

// DefaultAlarmRetentionDays is the retentionPeriod of an AlarmServiceConfiguration that sets
// none (the O-RAN SC reference implementation's default).
const DefaultAlarmRetentionDays int32 = 14

// +genclient
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// AlarmDictionary lists the alarms one kind of object (a resource type, or the O-Cloud itself)
// can raise, and their probable causes (O2-IMS AlarmDictionary).
type AlarmDictionary struct {
	metav1.TypeMeta `json:",inline"`
	// metadata is the standard object metadata (name, namespace, labels, annotations).
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// spec holds the O2-IMS attributes of the object.
	Spec AlarmDictionarySpec `json:"spec,omitempty"`
}

// AlarmDictionarySpec holds the AlarmDictionary fields of O2-IMS (common 1.0.0 and spec v10).
type AlarmDictionarySpec struct {
	// alarmDictionaryId is the O2 identifier (UUID). Defaulted when empty; immutable.
	// +optional
	AlarmDictionaryID string `json:"alarmDictionaryId,omitempty"`
	// resourceTypeId is the O2 identifier of the ResourceType this dictionary belongs to;
	// empty for the standard O-Cloud dictionary.
	// +optional
	ResourceTypeID string `json:"resourceTypeId,omitempty"`
	// alarmDictionaryVersion is the version of the dictionary, as its author defines it.
	AlarmDictionaryVersion string `json:"alarmDictionaryVersion"`
	// alarmDictionarySchemaVersion is the version of the O2-IMS dictionary schema it follows.
	AlarmDictionarySchemaVersion string `json:"alarmDictionarySchemaVersion"`
	// entityType is the type of entity the alarms are about (e.g. a resource type's name).
	EntityType string `json:"entityType"`
	// vendor is the provider of the entity.
	Vendor string `json:"vendor"`
	// managementInterfaceId lists the interfaces the alarms are reported through. Defaults
	// to ["O2IMS"].
	// +optional
	// +listType=atomic
	ManagementInterfaceID []string `json:"managementInterfaceId,omitempty"`
	// pkNotificationField lists the notification fields that identify an alarm occurrence.
	// +optional
	// +listType=atomic
	PKNotificationField []string `json:"pkNotificationField,omitempty"`
	// alarmDefinition lists the alarms of the dictionary; alarmNames are unique.
	// +optional
	// +listType=atomic
	AlarmDefinitions []AlarmDefinition `json:"alarmDefinition,omitempty"`
	// probableCauses lists the probable causes the definitions refer to (spec v10).
	// +optional
	// +listType=atomic
	ProbableCauses []ProbableCause `json:"probableCauses,omitempty"`
}

// AlarmDefinition is one alarm an entity can raise (O2-IMS AlarmDefinition).
type AlarmDefinition struct {
	// alarmDefinitionId is the O2 identifier (UUID). Derived from the dictionary id and the
	// alarmName when empty.
	// +optional
	AlarmDefinitionID string `json:"alarmDefinitionId,omitempty"`
	// alarmName is the short name of the alarm (e.g. CLUSTERNODE_CRITICAL), unique in the
	// dictionary.
	AlarmName string `json:"alarmName"`
	// alarmLastChange is the dictionary version in which the definition last changed.
	// +optional
	AlarmLastChange string `json:"alarmLastChange,omitempty"`
	// alarmChangeType is how the definition last changed: ADDED, DELETED or MODIFIED.
	// +optional
	AlarmChangeType AlarmChangeType `json:"alarmChangeType,omitempty"`
	// alarmDescription says what the alarm means.
	// +optional
	AlarmDescription string `json:"alarmDescription,omitempty"`
	// proposedRepairActions says what an operator can do about the alarm.
	// +optional
	ProposedRepairActions string `json:"proposedRepairActions,omitempty"`
	// clearingType is AUTOMATIC (the O-Cloud clears the alarm when the fault goes away) or
	// MANUAL (an operator clears it).
	ClearingType ClearingType `json:"clearingType"`
	// managementInterfaceId lists the interfaces this alarm is reported through.
	// +optional
	// +listType=atomic
	ManagementInterfaceID []string `json:"managementInterfaceId,omitempty"`
	// pkNotificationField lists the notification fields that identify an occurrence of this
	// alarm.
	// +optional
	// +listType=atomic
	PKNotificationField []string `json:"pkNotificationField,omitempty"`
	// alarmAdditionalFields are vendor-defined key-value pairs about the alarm.
	// +optional
	AlarmAdditionalFields map[string]string `json:"alarmAdditionalFields,omitempty"`
	// probableCauseIds are the probableCauseIds of the dictionary that apply to this alarm;
	// empty when any may.
	// +optional
	// +listType=atomic
	ProbableCauseIDs []string `json:"probableCauseIds,omitempty"`
}

// ProbableCause is a reason an alarm may be raised (spec v10 ProbableCause).
type ProbableCause struct {
	// probableCauseId is the O2 identifier (UUID). Derived from the dictionary id and the
	// probableCauseCode when empty.
	// +optional
	ProbableCauseID string `json:"probableCauseId,omitempty"`
	// probableCauseCode is the cause's short name (e.g. NODE_DOWN), unique in the dictionary.
	ProbableCauseCode string `json:"probableCauseCode"`
	// probableCauseDescription says what the cause means.
	// +optional
	ProbableCauseDescription string `json:"probableCauseDescription,omitempty"`
	// standardReference names the standard that defines the cause, when one does.
	// +optional
	StandardReference *StandardReference `json:"standardReference,omitempty"`
}

// StandardReference names where a probable cause is standardised.
type StandardReference struct {
	// standardDefinitionOrganization is the body that publishes the standard (e.g. ETSI).
	StandardDefinitionOrganization string `json:"standardDefinitionOrganization"`
	// standardSpecification is the standard (e.g. GS NFV-IFA 045).
	StandardSpecification string `json:"standardSpecification"`
	// versionOrRelease is the version of the standard.
	// +optional
	VersionOrRelease string `json:"versionOrRelease,omitempty"`
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// AlarmDictionaryList is a list of AlarmDictionary objects.
type AlarmDictionaryList struct {
	metav1.TypeMeta `json:",inline"`
	// metadata is the standard list metadata (resourceVersion, continue token).
	metav1.ListMeta `json:"metadata,omitempty"`

	// items are the objects of the list.
	Items []AlarmDictionary `json:"items"`
}

// +genclient
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// AlarmEventRecord is one occurrence of an alarm (O2-IMS AlarmEventRecord): what it is about
// in spec, its state in status. Records are raised, changed and cleared by netweave's alarm
// recorder; operators acknowledge or clear them through spec.acknowledged and
// spec.clearRequested.
type AlarmEventRecord struct {
	metav1.TypeMeta `json:",inline"`
	// metadata is the standard object metadata (name, namespace, labels, annotations).
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// spec holds the O2-IMS attributes of the object.
	Spec AlarmEventRecordSpec `json:"spec,omitempty"`
	// status is the state the controller that owns the object records.
	// +optional
	Status AlarmEventRecordStatus `json:"status,omitempty"`
}

// AlarmEventRecordSpec says what an alarm is about. It is immutable after creation except for
// the operator's two requests, acknowledged and clearRequested, which can only be turned on.
type AlarmEventRecordSpec struct {
	// alarmEventRecordId is the O2 identifier (UUID). Defaulted when empty; immutable.
	// +optional
	AlarmEventRecordID string `json:"alarmEventRecordId,omitempty"`
	// source is the alarm source and the fault within it this alarm was raised for.
	Source AlarmSource `json:"source"`
	// objectClass is the class of the faulty O2 object: Resource, ResourcePool,
	// DeploymentManager or OCloud.
	ObjectClass string `json:"objectClass"`
	// objectId is the O2 identifier of the faulty object (v1 resourceID).
	ObjectID string `json:"objectId"`
	// objectTypeId is the O2 identifier of the faulty object's type (v1 resourceTypeID);
	// empty when its class has no type.
	// +optional
	ObjectTypeID string `json:"objectTypeId,omitempty"`
	// alarmDictionaryId is the O2 identifier of the dictionary that defines the alarm.
	// +optional
	AlarmDictionaryID string `json:"alarmDictionaryId,omitempty"`
	// alarmDefinitionId is the O2 identifier of the alarm's definition in that dictionary.
	// +optional
	AlarmDefinitionID string `json:"alarmDefinitionId,omitempty"`
	// probableCauseId is the O2 identifier of the alarm's probable cause in that dictionary.
	// +optional
	ProbableCauseID string `json:"probableCauseId,omitempty"`
	// alarmName is the alarmName of the definition, for humans.
	// +optional
	AlarmName string `json:"alarmName,omitempty"`
	// extensions are key-value pairs of additional information; values may be any JSON.
	// +optional
	Extensions Extensions `json:"extensions,omitempty"`
	// acknowledged is the operator's acknowledgement of the alarm. It can be set, never
	// withdrawn; setting it records who acknowledged and when in status.
	// +optional
	Acknowledged bool `json:"acknowledged,omitempty"`
	// clearRequested is the operator's request to clear the alarm. It can be set, never
	// withdrawn; setting it clears the alarm (status.perceivedSeverity 5). A fault of an
	// AUTOMATIC definition that is still present is raised again as a new alarm.
	// +optional
	ClearRequested bool `json:"clearRequested,omitempty"`
}

// AlarmSource identifies the fault an alarm was raised for: the same fault raises the same
// alarm, so the record of an occurrence is found again after a restart.
type AlarmSource struct {
	// name is the alarm source (e.g. node-conditions, certificates, alertmanager).
	Name string `json:"name"`
	// key identifies the fault within the source (e.g. a node uid and condition type).
	Key string `json:"key"`
}

// AlarmEventRecordStatus is the alarm's state, owned by the alarm recorder (except the
// acknowledgement, which the server records when spec.acknowledged is set).
type AlarmEventRecordStatus struct {
	// perceivedSeverity is 0 CRITICAL, 1 MAJOR, 2 MINOR, 3 WARNING, 4 INDETERMINATE or
	// 5 CLEARED.
	// +optional
	PerceivedSeverity PerceivedSeverity `json:"perceivedSeverity"`
	// alarmRaisedTime is when the fault began.
	// +optional
	AlarmRaisedTime *metav1.Time `json:"alarmRaisedTime,omitempty"`
	// alarmChangedTime is when the alarm's severity or text last changed.
	// +optional
	AlarmChangedTime *metav1.Time `json:"alarmChangedTime,omitempty"`
	// alarmClearedTime is when the alarm was cleared.
	// +optional
	AlarmClearedTime *metav1.Time `json:"alarmClearedTime,omitempty"`
	// alarmAcknowledgedTime is when the alarm was acknowledged (v2 alarmAcknowledgeTime).
	// +optional
	AlarmAcknowledgedTime *metav1.Time `json:"alarmAcknowledgedTime,omitempty"`
	// alarmAcknowledged is whether an operator has acknowledged the alarm.
	// +optional
	AlarmAcknowledged bool `json:"alarmAcknowledged"`
	// acknowledgedBy is the user who acknowledged the alarm, recorded by the server from the
	// request that set spec.acknowledged (never from the request body).
	// +optional
	AcknowledgedBy string `json:"acknowledgedBy,omitempty"`
	// text says what happened, for humans (e.g. a node condition's message).
	// +optional
	Text string `json:"text,omitempty"`
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// AlarmEventRecordList is a list of AlarmEventRecord objects.
type AlarmEventRecordList struct {
	metav1.TypeMeta `json:",inline"`
	// metadata is the standard list metadata (resourceVersion, continue token).
	metav1.ListMeta `json:"metadata,omitempty"`

	// items are the objects of the list.
	Items []AlarmEventRecord `json:"items"`
}

// +genclient
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// AlarmSubscription asks for O2-IMS AlarmEventNotifications to be sent to a callback.
type AlarmSubscription struct {
	metav1.TypeMeta `json:",inline"`
	// metadata is the standard object metadata (name, namespace, labels, annotations).
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// spec holds the O2-IMS attributes of the object.
	Spec AlarmSubscriptionSpec `json:"spec,omitempty"`
	// status is the notifier's delivery state, as for an InventorySubscription.
	// +optional
	Status InventorySubscriptionStatus `json:"status,omitempty"`
}

// AlarmSubscriptionSpec holds the AlarmSubscriptionInfo fields of O2-IMS.
type AlarmSubscriptionSpec struct {
	// alarmSubscriptionId is the O2 identifier (UUID). Assigned by the server; immutable.
	// +optional
	AlarmSubscriptionID string `json:"alarmSubscriptionId,omitempty"`
	// consumerSubscriptionId is the SMO's own identifier for the subscription.
	// +optional
	ConsumerSubscriptionID string `json:"consumerSubscriptionId,omitempty"`
	// filter excludes alarm events from the notifications. In monitoring v1 it is one of NEW,
	// CHANGE, CLEAR or ACKNOWLEDGE: the notification event type not to report.
	// +optional
	Filter string `json:"filter,omitempty"`
	// callback is the absolute http(s) URI notifications are POSTed to.
	Callback string `json:"callback"`
	// signingSecretRef names a Secret in the subscription's namespace whose key holds the
	// HMAC-SHA256 key that signs every notification body. Its creator must be allowed to get
	// that Secret.
	// +optional
	SigningSecretRef *SecretKeyRef `json:"signingSecretRef,omitempty"`
	// subscriber is the authenticated user who created the subscription, recorded by the server
	// from the create request (any value a client sends is replaced) and immutable afterwards.
	// The subscription only ever receives alarms this user may get.
	// +optional
	Subscriber *SubscriberInfo `json:"subscriber,omitempty"`
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// AlarmSubscriptionList is a list of AlarmSubscription objects.
type AlarmSubscriptionList struct {
	metav1.TypeMeta `json:",inline"`
	// metadata is the standard list metadata (resourceVersion, continue token).
	metav1.ListMeta `json:"metadata,omitempty"`

	// items are the objects of the list.
	Items []AlarmSubscription `json:"items"`
}

// +genclient
// +genclient:nonNamespaced
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// AlarmServiceConfiguration configures the alarm service of the O-Cloud: the cluster-scoped
// singleton named "default" (O2-IMS AlarmServiceConfiguration).
type AlarmServiceConfiguration struct {
	metav1.TypeMeta `json:",inline"`
	// metadata is the standard object metadata (name, namespace, labels, annotations).
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// spec holds the O2-IMS attributes of the object.
	Spec AlarmServiceConfigurationSpec `json:"spec,omitempty"`
}

// AlarmServiceConfigurationSpec holds the AlarmServiceConfiguration fields of O2-IMS.
type AlarmServiceConfigurationSpec struct {
	// retentionPeriod is how many days cleared and acknowledged alarms are kept; at least 1.
	// Defaults to 14. Lowering it purges the alarms that fall outside it.
	// +optional
	RetentionPeriod *int32 `json:"retentionPeriod,omitempty"`
	// extensions are key-value pairs of additional configuration; values may be any JSON.
	// +optional
	Extensions Extensions `json:"extensions,omitempty"`
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// AlarmServiceConfigurationList is a list of AlarmServiceConfiguration objects.
type AlarmServiceConfigurationList struct {
	metav1.TypeMeta `json:",inline"`
	// metadata is the standard list metadata (resourceVersion, continue token).
	metav1.ListMeta `json:"metadata,omitempty"`

	// items are the objects of the list.
	Items []AlarmServiceConfiguration `json:"items"`
}

// PurgeOperationState is the state of an alarm purge task (spec v10 operationState).
// +enum
type PurgeOperationState string

// The operationState values of a spec v10 task.
const (
	PurgeOperationStateProcessing PurgeOperationState = "PROCESSING"
	PurgeOperationStateCompleted  PurgeOperationState = "COMPLETED"
	PurgeOperationStateFailed     PurgeOperationState = "FAILED"
	PurgeOperationStateRolledBack PurgeOperationState = "ROLLED_BACK"
)

// +genclient
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// AlarmPurge is a request to purge alarm records, and the visible record of the purge task
// that carries it out (spec v10 PurgeRequest and TaskOperationInfo).
type AlarmPurge struct {
	metav1.TypeMeta `json:",inline"`
	// metadata is the standard object metadata (name, namespace, labels, annotations).
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// spec holds the O2-IMS attributes of the object.
	Spec AlarmPurgeSpec `json:"spec,omitempty"`
	// status is the state the controller that owns the object records.
	// +optional
	Status AlarmPurgeStatus `json:"status,omitempty"`
}

// AlarmPurgeSpec holds the PurgeRequest fields of spec v10. Only cleared and acknowledged
// alarms are purged.
type AlarmPurgeSpec struct {
	// taskId is the O2 identifier (UUID) of the purge task. Assigned by the server; immutable.
	// +optional
	TaskID string `json:"taskId,omitempty"`
	// alarmRecordIds are the alarmEventRecordIds to purge; empty purges by purgeConditions.
	// +optional
	// +listType=atomic
	AlarmRecordIDs []string `json:"alarmRecordIds,omitempty"`
	// purgeConditions select the alarms to purge by when they were cleared.
	// +optional
	PurgeConditions *PurgeConditions `json:"purgeConditions,omitempty"`
}

// PurgeConditions is a window on alarmClearedTime.
type PurgeConditions struct {
	// startWindowTime is the start of the window; unbounded when empty.
	// +optional
	StartWindowTime *metav1.Time `json:"startWindowTime,omitempty"`
	// endWindowTime is the end of the window.
	EndWindowTime metav1.Time `json:"endWindowTime"`
}

// AlarmPurgeStatus is owned by the purge worker (spec v10 TaskOperationInfo).
type AlarmPurgeStatus struct {
	// operationState is PROCESSING, COMPLETED, FAILED or ROLLED_BACK.
	// +optional
	OperationState PurgeOperationState `json:"operationState,omitempty"`
	// stateEnteredTime is when the task entered its operationState.
	// +optional
	StateEnteredTime *metav1.Time `json:"stateEnteredTime,omitempty"`
	// startTime is when the task started.
	// +optional
	StartTime *metav1.Time `json:"startTime,omitempty"`
	// purged counts the alarm records the task removed.
	// +optional
	Purged int32 `json:"purged,omitempty"`
	// message explains the state, e.g. why the task failed.
	// +optional
	Message string `json:"message,omitempty"`
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// AlarmPurgeList is a list of AlarmPurge objects.
type AlarmPurgeList struct {
	metav1.TypeMeta `json:",inline"`
	// metadata is the standard list metadata (resourceVersion, continue token).
	metav1.ListMeta `json:"metadata,omitempty"`

	// items are the objects of the list.
	Items []AlarmPurge `json:"items"`
}
