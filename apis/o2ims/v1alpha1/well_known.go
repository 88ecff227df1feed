package v1alpha1

// Labels, annotations and Secret types of the o2ims.oran.org group. They live with the API, in
// one place, so that the inventory sync, the notifier and the O2 face share them without
// importing each other, and so that users find them where the API is documented.
const (
	// AnnotationNotificationVersion is the inventory major version ("1" or "2") whose documents
	// an InventorySubscription receives; the O2 POST sets it to the version it was called on.
	// Absent means 1. It only picks a document shape: it grants nothing.
	AnnotationNotificationVersion = "o2ims.oran.org/notification-version"

	// LabelManagedBy marks objects the inventory sync created and owns; its value is
	// ManagedByInventory. Objects without it belong to admins and are never changed by the sync.
	LabelManagedBy = "o2ims.oran.org/managed-by"
	// ManagedByInventory is the value of LabelManagedBy on synced objects.
	ManagedByInventory = "netweave-inventory"
	// LabelCluster, on a synced object, names the member cluster it was made from (the
	// member's name, see LabelMemberCluster); objects of the cluster netweave runs in do not
	// carry it. Each member's sync owns only the objects with its name.
	LabelCluster = "o2ims.oran.org/cluster"
	// LabelTenant, on a synced object of a member cluster that a tenant provisioned (its
	// registration Secret is in a tenant's namespace, --provisioning-namespaces, where a
	// ProvisioningRequest made it), names that namespace. The cluster is that tenant's: its
	// DeploymentManager is a deploy target (NfDeployments, Kubernetes-profile tokens) for that
	// namespace and the operator's inventory namespace only. The inventory sync sets it from
	// where the Secret is, never from anything a client writes on the object.
	LabelTenant = "o2ims.oran.org/tenant"
	// LabelMemberCluster set to "true" on a Secret in the inventory namespace registers a
	// member cluster: the Secret holds a kubeconfig under SecretKeyKubeconfig (or under
	// SecretKeyCAPIKubeconfig, as Cluster API's <cluster>-kubeconfig Secrets do).
	LabelMemberCluster = "o2ims.oran.org/member-cluster"
	// AnnotationClusterName, on a member cluster's Secret, is the member's name; without it
	// the name is the Secret's name less a "-kubeconfig" suffix.
	AnnotationClusterName = "o2ims.oran.org/cluster-name"
	// SecretKeyKubeconfig and SecretKeyCAPIKubeconfig are the keys of a member cluster's
	// Secret that hold its kubeconfig, the first one present wins.
	SecretKeyKubeconfig     = "kubeconfig"
	SecretKeyCAPIKubeconfig = "value"

	// AnnotationSource names the source object a synced object was made from, e.g.
	// "Node/worker-1".
	AnnotationSource = "o2ims.oran.org/source"

	// NodeLabelResourcePool, on a Node, names the node's resource pool; it wins over the
	// configured pool label (--inventory-pool-label).
	NodeLabelResourcePool = "o2ims.oran.org/resource-pool"
	// NodeLabelVendor and NodeLabelModel, on a Node, describe its hardware when the cluster
	// knows it.
	NodeLabelVendor = "o2ims.oran.org/vendor"
	NodeLabelModel  = "o2ims.oran.org/model"
	// NodeLabelResourceKind, on a Node, overrides the PHYSICAL/LOGICAL guess from its provider id.
	NodeLabelResourceKind = "o2ims.oran.org/resource-kind"

	// SecretTypeSigningKey is the dedicated Secret type of notification signing keys:
	//   kubectl create secret generic hook-key --type=o2ims.oran.org/signing-key --from-literal=key=...
	// A Secret's type cannot change after creation, so this opt-in cannot be added to an
	// existing Secret by mistake.
	SecretTypeSigningKey = "o2ims.oran.org/signing-key"
	// LabelSigningKey set to "true" opts any Secret in as a signing key (for Secrets whose type a
	// tool chooses, e.g. Opaque Secrets synced from a vault).
	LabelSigningKey = "o2ims.oran.org/signing-key"
)
