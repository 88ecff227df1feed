// Package v1alpha1 is the v1alpha1 version of the o2dms.oran.org API: O2-DMS deployments of
// network functions packaged as Helm charts, as Kubernetes objects served by netweave next to
// the o2ims.oran.org inventory.
//
// +k8s:openapi-gen=true
// +k8s:deepcopy-gen=package
// +k8s:conversion-gen=github.com/netweave-io/netweave/apis/o2dms
// +k8s:defaulter-gen=TypeMeta
// +k8s:openapi-model-package=org.oran.o2dms.v1alpha1
// +groupName=o2dms.oran.org
package v1alpha1
