// Package inventory keeps the O2 inventory in step with the infrastructure it describes.
//
// An Adapter turns a source (the Kubernetes cluster, see package kube) into the O2 objects it
// should produce; the Controller compares that with what netweave stores and writes the
// difference through netweave's own API. Every object the controller creates carries the
// v1alpha1.LabelManagedBy; objects without it belong to admins and are never changed, except for the
// controller-owned status (resourceCount and the NodeSelectorAccepted condition) of pools that
// select nodes (spec.nodeSelector). Only pools in the NodePoolNamespaces claim Nodes: a pool
// elsewhere is told so in its status and moves nothing.
package inventory
