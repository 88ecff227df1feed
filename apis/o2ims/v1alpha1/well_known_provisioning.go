package v1alpha1

// Labels, annotations and finalizers of provisioning on Cluster API (docs/provisioning.md).
const (
	// AnnotationDescription, on a Cluster API ClusterClass, is the description of the
	// ManagedInfrastructureTemplates made from it.
	AnnotationDescription = "o2ims.oran.org/description"
	// LabelCharacteristicPrefix starts the ClusterClass labels that become the templates'
	// characteristics: o2ims.oran.org/characteristic-<key>: <value>.
	LabelCharacteristicPrefix = "o2ims.oran.org/characteristic-"
	// ManagedByTemplateSync is the value of LabelManagedBy on the ManagedInfrastructureTemplates
	// the template sync writes; it changes and deletes no others.
	ManagedByTemplateSync = "netweave-template-sync"
	// LabelClusterClass, on a synced ManagedInfrastructureTemplate, names the ClusterClass (in
	// the template's namespace) it was made from.
	LabelClusterClass = "o2ims.oran.org/cluster-class"

	// ManagedByProvisioning is the value of LabelManagedBy on the Cluster API Clusters the
	// provisioning controller creates; it never changes or deletes a Cluster without it.
	ManagedByProvisioning = "netweave-provisioning"
	// LabelProvisioningRequest and LabelProvisioningRequestUID, on a Cluster, name the
	// ProvisioningRequest (in the Cluster's namespace) it was created for, and that request's
	// uid: a Cluster left by a deleted request of the same id is not the new request's.
	LabelProvisioningRequest    = "o2ims.oran.org/provisioning-request"
	LabelProvisioningRequestUID = "o2ims.oran.org/provisioning-request-uid"
	// FinalizerProvisioning holds a ProvisioningRequest until its Cluster is gone.
	FinalizerProvisioning = "o2ims.oran.org/provisioning"
)
