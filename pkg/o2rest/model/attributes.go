package model

// The JSON types of attributes, as the OpenAPI schemas name them.
const (
	TypeString  = "string"
	TypeNumber  = "number"
	TypeInteger = "integer"
	TypeBoolean = "boolean"
	TypeArray   = "array"
	TypeObject  = "object"
)

// Attribute is a top-level attribute of an O2-IMS document, as the query layer needs it.
// It is plain data so that the query package does not depend on this one.
type Attribute struct {
	// Name is the JSON name.
	Name string
	// Type is one of the Type* constants.
	Type string
	// Open means any sub-path (extensions/a/b) is a valid reference: the object's keys are
	// free (extensions, capabilities, capacity).
	Open bool
	// Required means the schema requires the attribute. The required attributes are the
	// default attribute set: a response restricted to them (exclude_default) still validates.
	Required bool
	// Fields are the sub-attributes of a closed object (coordinate, v1's alarmDictionary); a
	// sub-path must name one of them.
	Fields []Attribute
}

// Attributes returns the attributes of kind in the inventory major version, in schema order,
// or nil when the kind does not exist in that version. The result is freshly built; callers
// may keep and modify it.
func Attributes(kind Kind, version int) []Attribute {
	if !Supports(kind, version) {
		return nil
	}
	switch kind {
	case KindOCloudInfo:
		return oCloudInfoAttributes(version)
	case KindResourceType:
		return resourceTypeAttributes(version)
	case KindResourcePool:
		return resourcePoolAttributes(version)
	case KindResource:
		return []Attribute{
			str("resourceId", true), str("resourcePoolId", true), str("description", true),
			str("resourceTypeId", true), str("globalAssetId", true), arr("elements", true),
			arr("tags", true), arr("groups", true), open("extensions", true),
		}
	case KindDeploymentManager:
		return []Attribute{
			str("deploymentManagerId", true), str("name", true), str("description", true),
			str("oCloudId", true), str("serviceUri", true), arr("supportedLocations", true),
			open("capabilities", true), open("capacity", true), open("extensions", false),
		}
	case KindSubscription:
		return []Attribute{
			str("subscriptionId", false), str("consumerSubscriptionId", false),
			str("filter", false), str("callback", true),
		}
	case KindLocationInfo:
		return []Attribute{
			str("globalLocationId", true), str("name", true), str("description", true),
			arr("oCloudSiteIds", true),
			{Name: "coordinate", Type: TypeObject, Fields: []Attribute{str("type", true), arr("coordinates", true)}},
			arr("civicAddress", false), str("address", false), open("extensions", true),
		}
	case KindOCloudSiteInfo:
		return []Attribute{
			str("oCloudSiteId", true), str("globalLocationId", true), str("name", true),
			str("description", true), arr("resourcePools", true), open("extensions", true),
		}
	case KindAlarmDictionary:
		return alarmDictionaryAttributes()
	case KindAlarmEventRecord:
		return alarmEventRecordAttributes(version)
	case KindAlarmSubscription:
		return []Attribute{
			str("alarmSubscriptionId", false), str("consumerSubscriptionId", false),
			str("filter", false), str("callback", true),
		}
	case KindAlarmServiceConfiguration:
		// 1.0.0 requires extensions; spec v10 makes it optional.
		return []Attribute{integer("retentionPeriod", true), open("extensions", version == Version1)}
	case KindProvisioningRequest:
		return provisioningRequestAttributes()
	case KindManagedInfrastructureTemplate:
		return []Attribute{
			str("artifactResourceId", true), str("version", true), str("description", true),
			open("parameterSchema", true), str("name", true), open("characteristics", false),
			open("extensions", false),
		}
	case KindProvisioningSubscription:
		return []Attribute{
			str("subscriptionId", false), str("consumerSubscriptionId", false),
			str("filter", false), str("callback", true),
		}
	case KindTaskOperation:
		return []Attribute{
			str("id", true), str("operation", true), str("operationState", true),
			str("stateEnteredTime", true), str("startTime", true), open("operationParams", false),
		}
	}
	return nil
}

// alarmEventRecordAttributes: 1.0.0 names the faulty object resourceTypeID/resourceID (upper
// case ID, as every reference of that version); spec v10 objectTypeId/objectId/objectClass.
func alarmEventRecordAttributes(version int) []Attribute {
	attrs := []Attribute{str("alarmEventRecordId", true)}
	if version == Version1 {
		attrs = append(attrs,
			str("alarmDefinitionID", true), str("probableCauseID", true),
			str("alarmRaisedTime", true), str("alarmChangedTime", false), str("alarmClearedTime", false),
			str("alarmAcknowledgedTime", false), boolean("alarmAcknowledged", true),
			str("resourceTypeID", true), str("resourceID", true))
	} else {
		attrs = append(attrs,
			str("objectTypeId", false), str("objectId", true), str("objectClass", true),
			str("alarmDefinitionId", true), str("probableCauseId", true),
			str("alarmRaisedTime", true), str("alarmChangedTime", false), str("alarmClearedTime", false),
			str("alarmAcknowledgeTime", false), boolean("alarmAcknowledged", true))
	}
	return append(attrs, integer("perceivedSeverity", true), open("extensions", true))
}

// provisioningRequestAttributes are ProvisioningRequestInfo's, with its nested objects closed
// (so filters and selectors may name provisioningRequestData/templateName,
// status/provisioningPhase, status/nodeClusterProvisioningStatus/resourceProvisioningPhase),
// and netweave's extensions.
func provisioningRequestAttributes() []Attribute {
	resourceStatus := []Attribute{str("resourceName", true), str("resourceId", true), str("resourceProvisioningPhase", true)}
	return []Attribute{
		str("provisioningRequestReference", true),
		{Name: "provisioningRequestData", Type: TypeObject, Required: true, Fields: []Attribute{
			str("provisioningRequestId", true), str("name", true), str("description", true),
			str("templateName", true), str("templateVersion", true), open("templateParameters", true),
		}},
		{Name: "provisionedResourceSet", Type: TypeObject, Required: true, Fields: []Attribute{
			str("nodeClusterId", true), arr("infrastructureResourceIds", true),
		}},
		{Name: "status", Type: TypeObject, Required: true, Fields: []Attribute{
			str("updateTime", true), str("message", true), str("provisioningPhase", true),
			{Name: "nodeClusterProvisioningStatus", Type: TypeObject, Required: true, Fields: resourceStatus},
			arr("infrastructureResourceProvisioningStatus", true),
		}},
		open("extensions", false),
	}
}

func oCloudInfoAttributes(version int) []Attribute {
	if version == Version1 {
		// globalCloudId is our addition beside the v1 globalcloudId (see OCloudInfoV1); it is
		// not in the v1 schema, so it is not part of the default set.
		return []Attribute{
			str("oCloudId", true), str("globalcloudId", true), str("globalCloudId", false),
			str("name", true), str("description", true), str("serviceUri", true),
			open("extensions", false),
		}
	}
	return []Attribute{
		str("oCloudId", true), str("globalCloudId", true), str("name", true),
		str("description", true), str("serviceUri", true), open("extensions", true),
	}
}

func resourceTypeAttributes(version int) []Attribute {
	attrs := []Attribute{
		str("resourceTypeId", true), str("name", true), str("description", true),
		str("vendor", true), str("model", true), str("version", true),
	}
	if version == Version1 {
		// The embedded dictionary is optional, so only all_fields or fields show it.
		attrs = append(attrs,
			str("resourceKind", true), str("resourceClass", true), open("extensions", true),
			Attribute{Name: "alarmDictionary", Type: TypeObject, Fields: alarmDictionaryAttributes()})
		return attrs
	}
	return append(attrs,
		str("alarmDictionaryId", false), str("resourceKind", true), str("resourceClass", true),
		open("extensions", true))
}

// alarmDictionaryAttributes are those of the common AlarmDictionary schema.
func alarmDictionaryAttributes() []Attribute {
	return []Attribute{
		str("alarmDictionaryId", true), str("alarmDictionaryVersion", true),
		str("alarmDictionarySchemaVersion", true), str("entityType", true), str("vendor", true),
		arr("managementInterfaceId", true), arr("pkNotificationField", true),
		arr("alarmDefinition", true),
	}
}

func resourcePoolAttributes(version int) []Attribute {
	if version == Version1 {
		return []Attribute{
			str("resourcePoolId", true), str("name", true), str("description", true),
			str("oCloudId", true), str("globalLocationId", true), str("location", false),
			open("extensions", false),
		}
	}
	return []Attribute{
		str("resourcePoolId", true), str("name", true), str("oCloudSiteId", true),
		str("description", true), open("extensions", false),
	}
}

func str(name string, required bool) Attribute {
	return Attribute{Name: name, Type: TypeString, Required: required}
}

func integer(name string, required bool) Attribute {
	return Attribute{Name: name, Type: TypeInteger, Required: required}
}

func boolean(name string, required bool) Attribute {
	return Attribute{Name: name, Type: TypeBoolean, Required: required}
}

func arr(name string, required bool) Attribute {
	return Attribute{Name: name, Type: TypeArray, Required: required}
}

func open(name string, required bool) Attribute {
	return Attribute{Name: name, Type: TypeObject, Open: true, Required: required}
}

// DefaultAttributes returns the names of the default attribute set of kind in version: the
// attributes the schema requires.
func DefaultAttributes(kind Kind, version int) []string {
	var names []string
	for _, a := range Attributes(kind, version) {
		if a.Required {
			names = append(names, a.Name)
		}
	}
	return names
}
