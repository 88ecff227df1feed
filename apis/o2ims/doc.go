// Package o2ims holds the internal (hub) types of the o2ims.oran.org API group. Every served
// version converts to and from these; the registry and validation work on them.
//
// +k8s:deepcopy-gen=package
// +groupName=o2ims.oran.org
package o2ims
