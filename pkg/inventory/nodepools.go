package inventory

import (
	"slices"

	"k8s.io/apimachinery/pkg/util/sets"
)

// NodePoolNamespaces are the namespaces whose ResourcePools may claim Nodes
// (spec.nodeSelector): the inventory namespace and the namespaces the operator lists
// (--inventory-node-pool-namespaces). A pool anywhere else claims nothing, so a namespace
// admin cannot move the operator's inventory into their namespace. The zero value allows no
// namespace.
type NodePoolNamespaces struct {
	allowed sets.Set[string]
}

// NewNodePoolNamespaces allows the inventory namespace and extra.
func NewNodePoolNamespaces(inventoryNamespace string, extra ...string) NodePoolNamespaces {
	allowed := sets.New(extra...)
	allowed.Insert(inventoryNamespace)
	allowed.Delete("")
	return NodePoolNamespaces{allowed: allowed}
}

// Allows reports whether pools in namespace may claim Nodes.
func (n NodePoolNamespaces) Allows(namespace string) bool { return n.allowed.Has(namespace) }

// List returns the allowed namespaces, sorted.
func (n NodePoolNamespaces) List() []string {
	out := n.allowed.UnsortedList()
	slices.Sort(out)
	return out
}
