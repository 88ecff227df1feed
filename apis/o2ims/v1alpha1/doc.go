// Package v1alpha1 is the v1alpha1 version of the o2ims.oran.org API: the O-RAN O2-IMS
// inventory as Kubernetes objects. Spec field names follow the O2-IMS data model so that the
// O2 REST face can render them without renaming.
//
// +k8s:openapi-gen=true
// +k8s:deepcopy-gen=package
// +k8s:conversion-gen=github.com/netweave-io/netweave/apis/o2ims
// +k8s:defaulter-gen=TypeMeta
// +k8s:openapi-model-package=org.oran.o2ims.v1alpha1
// +groupName=o2ims.oran.org
package v1alpha1
