package alertmanager

import (
	"context"
	"errors"
	"fmt"
	"net"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/util/sets"
	corelisters "k8s.io/client-go/listers/core/v1"

	"github.com/netweave-io/netweave/pkg/alarms"
	"github.com/netweave-io/netweave/pkg/inventory"
	"github.com/netweave-io/netweave/pkg/inventory/kube"
)

// Resolver names the O2 object an alert is about, from its labels. An alert that is none of
// the O-Cloud's business (ErrNotTheOperators) is not recorded.
type Resolver interface {
	Resolve(ctx context.Context, labels map[string]string) (alarms.ObjectRef, error)
}

// ErrNotTheOperators is Resolve's answer for an alert labelled with a namespace that is not the
// operator's: whoever wrote its rule is not trusted with the O-Cloud's alarms.
var ErrNotTheOperators = errors.New("the alert's namespace label names a namespace that is not the operator's")

// The O2 object classes alerts are mapped to (alarms.ObjectRef.Class).
const (
	ClassResource          = "Resource"
	ClassDeploymentManager = "DeploymentManager"
	ClassOCloud            = "OCloud"
)

// nodeLabels are the labels that name a node, in the order they are trusted: "node" is what
// kube-state-metrics and most node rules set, "kubernetes_node" what the common Kubernetes
// service discovery relabelling sets; "instance" is a scrape target and names a node only when
// its host part is a node's name.
var nodeLabels = []string{"node", "kubernetes_node"}

const (
	instanceLabel = "instance"
	clusterLabel  = "cluster"
	// namespaceLabel is the namespace an alert is about, or whose rule raised it: the
	// Prometheus operator sets it on every alert of a namespace's PrometheusRules when it
	// enforces the namespace label (enforcedNamespaceLabel), and scrapes label their series
	// with their target's namespace.
	namespaceLabel = "namespace"
)

// NodeResolverConfig is what NodeResolver derives O2 ids from: the inventory's ids, namespace
// and cluster, the same the inventory sync uses, so an alarm names the very objects the
// inventory holds.
type NodeResolverConfig struct {
	IDs inventory.IDs
	// Namespace is the inventory namespace, where the alarms of the Resources, the
	// DeploymentManager and the O-Cloud are kept.
	Namespace string
	// Cluster is the cluster the inventory sync maps to the DeploymentManager.
	Cluster kube.ClusterInfo
	// TrustedNamespaces are the operator's namespaces (the rule namespaces the alarm
	// dictionary reads, --alarm-rule-namespaces); Namespace always is one. Only an alert
	// without a namespace label, or whose namespace label names one of these, is mapped to a
	// node's Resource or the DeploymentManager.
	TrustedNamespaces []string
}

// NodeResolver maps an alert about a Node to that node's Resource, one about this cluster to
// its DeploymentManager, and anything else to the O-Cloud. Alert labels are whatever the rule
// that raised the alert says; where the Prometheus that posts to netweave evaluates tenants'
// rules too, a tenant's rule labelled {node: worker-7} would otherwise raise an alarm on
// worker-7's Resource. So an alert labelled with a namespace that is not the operator's is not
// resolved at all (ErrNotTheOperators): raised on the O-Cloud instead, as it once was, a
// tenant's rule named like an operator alert posed as the O-Cloud's own alarm, with the
// operator's definition, the tenant's severity and text, to every SMO reading the inventory's
// alarms, and put the tenant's labels in front of them.
type NodeResolver struct {
	nodes   corelisters.NodeLister
	cfg     NodeResolverConfig
	trusted sets.Set[string]
}

var _ Resolver = (*NodeResolver)(nil)

// NewNodeResolver reads Nodes through nodes: a lister of the shared informer factory, which
// whoever owns the factory starts.
func NewNodeResolver(nodes corelisters.NodeLister, cfg NodeResolverConfig) *NodeResolver {
	return &NodeResolver{nodes: nodes, cfg: cfg, trusted: sets.New(cfg.TrustedNamespaces...).Insert(cfg.Namespace)}
}

// Resolve names the object labels point at. A label naming a node that does not exist (any
// more) does not make the alert fail: it falls through to the next candidate.
func (r *NodeResolver) Resolve(_ context.Context, labels map[string]string) (alarms.ObjectRef, error) {
	ocloud := alarms.ObjectRef{Class: ClassOCloud, ID: r.cfg.IDs.OCloudID(), Namespace: r.cfg.Namespace}
	if ns := labels[namespaceLabel]; ns != "" && !r.trusted.Has(ns) {
		return alarms.ObjectRef{}, ErrNotTheOperators
	}
	for _, name := range nodeCandidates(labels) {
		node, err := r.nodes.Get(name)
		if apierrors.IsNotFound(err) {
			continue
		}
		if err != nil {
			return alarms.ObjectRef{}, fmt.Errorf("get node %s: %w", name, err)
		}
		return alarms.ObjectRef{
			Class:     ClassResource,
			ID:        kube.NodeResourceID(r.cfg.IDs, node),
			TypeID:    kube.NodeKindOf(node).ID(r.cfg.IDs),
			Namespace: r.cfg.Namespace,
		}, nil
	}
	if c := labels[clusterLabel]; c != "" && c == r.cfg.Cluster.Name {
		return alarms.ObjectRef{
			Class:     ClassDeploymentManager,
			ID:        kube.DeploymentManagerID(r.cfg.IDs, r.cfg.Cluster),
			Namespace: r.cfg.Namespace,
		}, nil
	}
	return ocloud, nil
}

// nodeCandidates are the node names labels may mean, most trusted first.
func nodeCandidates(labels map[string]string) []string {
	var names []string
	for _, l := range nodeLabels {
		if v := labels[l]; v != "" {
			names = append(names, v)
		}
	}
	if inst := labels[instanceLabel]; inst != "" {
		host := inst
		if h, _, err := net.SplitHostPort(inst); err == nil {
			host = h
		}
		if host != "" {
			names = append(names, host)
		}
	}
	return names
}
