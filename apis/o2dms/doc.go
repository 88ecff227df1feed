// Package o2dms holds the internal (hub) types of the o2dms.oran.org API group. Every served
// version converts to and from these; the registry and validation work on them.
//
// +k8s:deepcopy-gen=package
// +groupName=o2dms.oran.org
package o2dms
