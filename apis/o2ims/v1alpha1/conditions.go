package v1alpha1

// The NodeSelectorAccepted condition of a ResourcePool that selects Nodes (spec.nodeSelector):
// whether the inventory controller places the Nodes it selects in the pool.
const (
	// ResourcePoolNodeSelectorAccepted is the condition type.
	ResourcePoolNodeSelectorAccepted = "NodeSelectorAccepted"
	// ReasonNodeSelectorAccepted: the pool holds the Nodes its selector matches (status True).
	ReasonNodeSelectorAccepted = "Accepted"
	// ReasonNamespaceNotAllowed: the operator does not allow pools in this namespace to select
	// Nodes; the pool claims none (status False).
	ReasonNamespaceNotAllowed = "NamespaceNotAllowed"
	// ReasonInvalidNodeSelector: the selector cannot be parsed; the pool claims no Nodes
	// (status False).
	ReasonInvalidNodeSelector = "InvalidNodeSelector"
)

// The ClusterReachable condition of a DeploymentManager of a member cluster: whether netweave
// reaches the cluster's API server.
const (
	// DeploymentManagerClusterReachable is the condition type.
	DeploymentManagerClusterReachable = "ClusterReachable"
	// ReasonClusterReachable: the last check of the cluster's API server succeeded (True).
	ReasonClusterReachable = "Reachable"
	// ReasonClusterUnreachable: the last check failed; the cluster's inventory is kept as
	// last seen, never deleted, until it is reachable again (False).
	ReasonClusterUnreachable = "Unreachable"
)

// The InventoryComplete condition of a DeploymentManager of a member cluster, present only
// while the member reports more objects of a kind (Nodes, StorageClasses, Cluster API
// MachineDeployments or MachineSets) than netweave reads of one member.
const (
	// DeploymentManagerInventoryComplete is the condition type.
	DeploymentManagerInventoryComplete = "InventoryComplete"
	// ReasonTooManyNodes: the member reports more Nodes than --inventory-member-max-nodes; its
	// inventory holds the Nodes listed first (False).
	ReasonTooManyNodes = "TooManyNodes"
	// ReasonTooManyObjects: the member reports more StorageClasses (1,000), Cluster API
	// MachineDeployments or MachineSets (--inventory-member-max-nodes each) than netweave reads;
	// the message names the kind (False).
	ReasonTooManyObjects = "TooManyObjects"
)

// The SMORegistered condition of the OCloud: whether the SMO accepted the O-Cloud's
// OCloudAvailableNotification for its current globalCloudId, oCloudId and IMS endpoint.
const (
	// OCloudSMORegistered is the condition type.
	OCloudSMORegistered = "SMORegistered"
	// ReasonSMORegistered: the SMO answered the current announcement with a 2xx (True).
	ReasonSMORegistered = "Registered"
	// ReasonSMORegistrationFailed: the last attempt failed; it is retried with backoff (False).
	ReasonSMORegistrationFailed = "RegistrationFailed"
)
