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
	// uid. A Cluster whose request is gone (netweave's store lost it) is adopted by a request
	// of the same name, namespace and ClusterClass submitted again, which relabels it with its
	// own uid.
	LabelProvisioningRequest    = "o2ims.oran.org/provisioning-request"
	LabelProvisioningRequestUID = "o2ims.oran.org/provisioning-request-uid"
	// AnnotationPreviousRequestUID, on an adopted Cluster, is the uid of the request it was
	// created for, which the store lost: who owned it before, for the operator.
	AnnotationPreviousRequestUID = "o2ims.oran.org/provisioning-request-previous-uid"
	// FinalizerProvisioning holds a ProvisioningRequest until its Cluster is gone.
	FinalizerProvisioning = "o2ims.oran.org/provisioning"
)
