package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// +genclient
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// NfDeploymentDescriptor describes a network function that can be deployed: a Helm chart at a
// version, the JSON schema its parameters must satisfy, and its default parameters. A
// descriptor in the operator's shared namespace (the inventory namespace) may be used by the
// NfDeployments of every namespace; any other only by those of its own namespace.
type NfDeploymentDescriptor struct {
	metav1.TypeMeta `json:",inline"`
	// metadata is the standard object metadata (name, namespace, labels, annotations).
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// spec describes the chart and its parameters.
	Spec NfDeploymentDescriptorSpec `json:"spec,omitempty"`
}

// NfDeploymentDescriptorSpec is what an NfDeploymentDescriptor describes.
type NfDeploymentDescriptorSpec struct {
	// chart is where the Helm chart is fetched from: exactly one of oci or repository.
	Chart ChartSource `json:"chart"`
	// version is the chart version to deploy (semantic version, e.g. 1.2.3).
	Version string `json:"version"`
	// digest pins the chart to this content digest (sha256:<64 hex digits>): the archive's for a
	// chart repository, the manifest's (as helm pull prints it) for an OCI reference; a chart
	// with another digest is refused.
	// +optional
	Digest string `json:"digest,omitempty"`
	// parametersSchema is the JSON schema (a JSON object) that the parameters of every
	// NfDeployment of this descriptor must satisfy, checked at admission after defaultValues
	// are merged in. Taken from the chart's values.schema.json by the controller when absent;
	// may be set by hand.
	// +optional
	ParametersSchema *JSON `json:"parametersSchema,omitempty"`
	// defaultValues are the parameters (Helm values, a JSON object) an NfDeployment's values
	// are merged over.
	// +optional
	DefaultValues *JSON `json:"defaultValues,omitempty"`
	// pullSecretRef names a Secret in the descriptor's namespace holding the credentials to
	// fetch the chart (username and password keys).
	// +optional
	PullSecretRef *LocalObjectReference `json:"pullSecretRef,omitempty"`
	// description is a human readable description of the network function.
	// +optional
	Description string `json:"description,omitempty"`
}

// ChartSource is where a Helm chart is fetched from: exactly one of its fields is set.
type ChartSource struct {
	// oci is a chart in an OCI registry.
	// +optional
	OCI *OCIChartSource `json:"oci,omitempty"`
	// repository is a chart in a Helm chart repository (an index.yaml served over HTTP(S)).
	// +optional
	Repository *RepositoryChartSource `json:"repository,omitempty"`
}

// OCIChartSource is a chart in an OCI registry.
type OCIChartSource struct {
	// reference is the chart's OCI reference without tag, e.g.
	// oci://registry.example.com/charts/upf.
	Reference string `json:"reference"`
}

// RepositoryChartSource is a chart in a Helm chart repository.
type RepositoryChartSource struct {
	// url is the repository's URL (https, or http), e.g. https://charts.example.com/stable.
	URL string `json:"url"`
	// name is the chart's name in the repository.
	Name string `json:"name"`
}

// LocalObjectReference names an object in the same namespace.
type LocalObjectReference struct {
	// name of the object.
	Name string `json:"name"`
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// NfDeploymentDescriptorList is a list of NfDeploymentDescriptor objects.
type NfDeploymentDescriptorList struct {
	metav1.TypeMeta `json:",inline"`
	// metadata is the standard list metadata (resourceVersion, continue token).
	metav1.ListMeta `json:"metadata,omitempty"`

	// items are the objects of the list.
	Items []NfDeploymentDescriptor `json:"items"`
}

// +genclient
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// NfDeployment is one deployment of a network function: its descriptor's chart installed as a
// Helm release on the cluster of a DeploymentManager, with the given parameters.
type NfDeployment struct {
	metav1.TypeMeta `json:",inline"`
	// metadata is the standard object metadata (name, namespace, labels, annotations).
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// spec is the desired deployment.
	Spec NfDeploymentSpec `json:"spec,omitempty"`
	// status is what the deployment controller observed. Written through the status
	// subresource by the controller only.
	// +optional
	Status NfDeploymentStatus `json:"status,omitempty"`
}

// NfDeploymentSpec is the desired deployment of a network function.
type NfDeploymentSpec struct {
	// descriptorRef names the NfDeploymentDescriptor to deploy: one in the NfDeployment's own
	// namespace, or in the operator's shared namespace.
	DescriptorRef DescriptorReference `json:"descriptorRef"`
	// deploymentManagerId is the O2 id (deploymentManagerId) of the DeploymentManager, in the
	// operator's inventory namespace, whose cluster the network function is deployed on: the
	// local cluster's or a member cluster's.
	DeploymentManagerID string `json:"deploymentManagerId"`
	// targetNamespace is the namespace of the target cluster the release is installed in.
	// Defaults to the NfDeployment's own namespace name, which is also the only namespace a
	// tenant may deploy into unless the operator maps tenants to other namespaces.
	// +optional
	TargetNamespace string `json:"targetNamespace,omitempty"`
	// values are the parameters (Helm values, a JSON object), merged over the descriptor's
	// defaultValues; the result must satisfy the descriptor's parametersSchema.
	// +optional
	Values *JSON `json:"values,omitempty"`
	// desiredRevision, when set, asks for the release to be rolled back to this Helm release
	// revision (one listed in status.history).
	// +optional
	DesiredRevision *int64 `json:"desiredRevision,omitempty"`
}

// DescriptorReference names an NfDeploymentDescriptor.
type DescriptorReference struct {
	// name of the NfDeploymentDescriptor.
	Name string `json:"name"`
	// namespace of the NfDeploymentDescriptor: empty for the NfDeployment's own namespace;
	// otherwise only the operator's shared namespace may be named.
	// +optional
	Namespace string `json:"namespace,omitempty"`
}

// NfDeploymentPhase is where an NfDeployment is in its life.
// +enum
type NfDeploymentPhase string

// The phases of an NfDeployment.
const (
	NfDeploymentPending     NfDeploymentPhase = "PENDING"
	NfDeploymentInstalling  NfDeploymentPhase = "INSTALLING"
	NfDeploymentDeployed    NfDeploymentPhase = "DEPLOYED"
	NfDeploymentUpgrading   NfDeploymentPhase = "UPGRADING"
	NfDeploymentRollingBack NfDeploymentPhase = "ROLLING_BACK"
	NfDeploymentFailed      NfDeploymentPhase = "FAILED"
	NfDeploymentDeleting    NfDeploymentPhase = "DELETING"
)

// FinalizerRelease holds an NfDeployment until the deployment controller has uninstalled its
// Helm release. Only netweave and cluster operators may remove it (docs/o2dms.md).
const FinalizerRelease = "o2dms.oran.org/release"

// NfDeploymentStatus is what the deployment controller observed of an NfDeployment.
type NfDeploymentStatus struct {
	// phase is PENDING, INSTALLING, DEPLOYED, UPGRADING, ROLLING_BACK, FAILED or DELETING.
	// +optional
	Phase NfDeploymentPhase `json:"phase,omitempty"`
	// releaseRevision is the revision of the Helm release now deployed.
	// +optional
	ReleaseRevision int64 `json:"releaseRevision,omitempty"`
	// history lists the revisions of the Helm release, oldest first.
	// +optional
	// +listType=atomic
	History []RevisionRecord `json:"history,omitempty"`
	// conditions are the controller's latest observations of the deployment.
	// +optional
	// +patchMergeKey=type
	// +patchStrategy=merge
	// +listType=map
	// +listMapKey=type
	Conditions []metav1.Condition `json:"conditions,omitempty" patchStrategy:"merge" patchMergeKey:"type"`
	// workloads are the objects the release created on the target cluster and their
	// readiness as that cluster reports it.
	// +optional
	// +listType=atomic
	Workloads []WorkloadStatus `json:"workloads,omitempty"`
	// observedGeneration is the metadata.generation the status describes.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`
	// message is a human readable account of the phase, e.g. the reason of a failure.
	// +optional
	Message string `json:"message,omitempty"`
}

// RevisionRecord is one revision of a Helm release.
type RevisionRecord struct {
	// revision is the Helm release revision.
	Revision int64 `json:"revision"`
	// chartVersion is the chart version the revision deployed.
	// +optional
	ChartVersion string `json:"chartVersion,omitempty"`
	// valuesHash is the sha256 of the merged values the revision deployed.
	// +optional
	ValuesHash string `json:"valuesHash,omitempty"`
	// time is when the revision was deployed.
	// +optional
	Time *metav1.Time `json:"time,omitempty"`
	// outcome is how the revision ended, as Helm records it (e.g. deployed, superseded, failed).
	// +optional
	Outcome string `json:"outcome,omitempty"`
}

// WorkloadStatus is one object a release created on the target cluster.
type WorkloadStatus struct {
	// apiVersion of the object.
	APIVersion string `json:"apiVersion"`
	// kind of the object.
	Kind string `json:"kind"`
	// name of the object.
	Name string `json:"name"`
	// namespace of the object; empty for a cluster-scoped one.
	// +optional
	Namespace string `json:"namespace,omitempty"`
	// ready is whether the target cluster reports the object ready.
	Ready bool `json:"ready"`
	// message explains why the object is not ready.
	// +optional
	Message string `json:"message,omitempty"`
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// NfDeploymentList is a list of NfDeployment objects.
type NfDeploymentList struct {
	metav1.TypeMeta `json:",inline"`
	// metadata is the standard list metadata (resourceVersion, continue token).
	metav1.ListMeta `json:"metadata,omitempty"`

	// items are the objects of the list.
	Items []NfDeployment `json:"items"`
}
