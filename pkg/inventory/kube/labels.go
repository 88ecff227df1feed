package kube

// Labels and annotations the adapter reads.
const (
	// DefaultPoolLabel is the configured pool label by default.
	DefaultPoolLabel = "topology.kubernetes.io/zone"

	zoneLabel          = "topology.kubernetes.io/zone"
	zoneLabelBeta      = "failure-domain.beta.kubernetes.io/zone"
	regionLabel        = "topology.kubernetes.io/region"
	regionLabelBeta    = "failure-domain.beta.kubernetes.io/region"
	instanceTypeLabel  = "node.kubernetes.io/instance-type"
	instanceTypeBeta   = "beta.kubernetes.io/instance-type"
	archLabel          = "kubernetes.io/arch"
	nodeRolePrefix     = "node-role.kubernetes.io/"
	defaultClassAnnot  = "storageclass.kubernetes.io/is-default-class"
	capiOwnerKindAnnot = "cluster.x-k8s.io/owner-kind"
	capiOwnerNameAnnot = "cluster.x-k8s.io/owner-name"
	capiClusterNSAnnot = "cluster.x-k8s.io/cluster-namespace"
	// capiClusterNameAnnot names, with capiClusterNSAnnot, the Cluster API Cluster a Node is a
	// machine of; it is also the label Cluster API puts on a cluster's MachineDeployments and
	// MachineSets.
	capiClusterNameAnnot = "cluster.x-k8s.io/cluster-name"
	capiDeploymentLabel  = "cluster.x-k8s.io/deployment-name"

	// defaultPoolName is the pool of nodes no rule places elsewhere.
	defaultPoolName = "default"
)

// Source kinds, part of every derived id: changing one changes ids.
const (
	sourceNode              = "Node"
	sourceNodePool          = "NodePool"
	sourceMachineDeployment = "MachineDeployment"
	sourceMachineSet        = "MachineSet"
	sourceNodeKind          = "NodeKind"
	sourceStorageClass      = "StorageClass"
	sourceCluster           = "Cluster"
	sourceLocation          = "Location"
	sourceSite              = "OCloudSite"
)

func firstLabel(l map[string]string, keys ...string) string {
	for _, k := range keys {
		if v := l[k]; v != "" {
			return v
		}
	}
	return ""
}
