package alertmanager

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/component-base/metrics"
	"k8s.io/component-base/metrics/testutil"

	"github.com/netweave-io/netweave/pkg/alarms"
	"github.com/netweave-io/netweave/pkg/inventory"
	"github.com/netweave-io/netweave/pkg/inventory/kube"
)

func testResolver(t *testing.T, nodes ...*corev1.Node) (*NodeResolver, NodeResolverConfig) {
	t.Helper()
	ids, err := inventory.NewIDs("7d3b0a52-8a44-4f0e-9d6c-2f0c1d7e9b10")
	if err != nil {
		t.Fatal(err)
	}
	idx := cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{})
	for _, n := range nodes {
		if err := idx.Add(n); err != nil {
			t.Fatal(err)
		}
	}
	cfg := NodeResolverConfig{IDs: ids, Namespace: "o2ims-inventory", Cluster: kube.ClusterInfo{Name: "edge-1", UID: "cluster-uid"}}
	return NewNodeResolver(corelisters.NewNodeLister(idx), cfg), cfg
}

func worker(name, uid string) *corev1.Node {
	return &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: name, UID: types.UID("uid-" + uid), Labels: map[string]string{"kubernetes.io/arch": "arm64"}},
		Status:     corev1.NodeStatus{NodeInfo: corev1.NodeSystemInfo{Architecture: "arm64"}},
	}
}

func TestNodeResolverNamesTheObjectTheInventoryHolds(t *testing.T) {
	w1 := worker("worker-1", "1")
	r, cfg := testResolver(t, w1)
	resource := alarms.ObjectRef{
		Class:     ClassResource,
		ID:        kube.NodeResourceID(cfg.IDs, w1),
		TypeID:    kube.NodeKindOf(w1).ID(cfg.IDs),
		Namespace: cfg.Namespace,
	}
	manager := alarms.ObjectRef{Class: ClassDeploymentManager, ID: kube.DeploymentManagerID(cfg.IDs, cfg.Cluster), Namespace: cfg.Namespace}
	ocloud := alarms.ObjectRef{Class: ClassOCloud, ID: cfg.IDs.OCloudID(), Namespace: cfg.Namespace}
	expectResolved(t, r, []resolveCase{
		{"node label", map[string]string{"node": "worker-1"}, resource},
		{"kubernetes_node label", map[string]string{"kubernetes_node": "worker-1"}, resource},
		{"instance host and port", map[string]string{"instance": "worker-1:9100"}, resource},
		{"instance host alone", map[string]string{"instance": "worker-1"}, resource},
		{"a gone node falls through to the next label", map[string]string{"node": "worker-9", "instance": "worker-1:9100"}, resource},
		{"node wins over cluster", map[string]string{"node": "worker-1", "cluster": "edge-1"}, resource},
		{"instance naming no node, on this cluster", map[string]string{"instance": "10.0.0.7:9100", "cluster": "edge-1"}, manager},
		{"another cluster is not this manager", map[string]string{"cluster": "edge-2"}, ocloud},
		{"no object labels", map[string]string{"alertname": "Watchdog"}, ocloud},
		{"no labels", nil, ocloud},
	})
}

func TestNodeResolverResourceIDIsTheInventorySyncs(t *testing.T) {
	// The id must be the one the inventory sync gives the node's Resource, or the alarm
	// names an object that does not exist.
	w1 := worker("worker-1", "1")
	r, cfg := testResolver(t, w1)
	got, err := r.Resolve(context.Background(), map[string]string{"node": "worker-1"})
	if err != nil {
		t.Fatal(err)
	}
	res := kube.NodeResource(cfg.IDs, w1, kube.PoolRef{Namespace: cfg.Namespace}, kube.NodeKindOf(w1).ID(cfg.IDs))
	if got.ID != res.Spec.ResourceID || got.TypeID != res.Spec.ResourceTypeID {
		t.Errorf("alarm object %s of type %s, inventory Resource %s of type %s", got.ID, got.TypeID, res.Spec.ResourceID, res.Spec.ResourceTypeID)
	}
}

// TestRegressionTenantAlertLabelsDoNotTargetNodes: where the Prometheus posting to netweave
// evaluates tenants' PrometheusRules too, a tenant's rule can label its alert with any node or
// cluster. An alert labelled with a namespace that is not the operator's names nothing (not a
// node, not the DeploymentManager, and not the O-Cloud either: see
// TestRegressionTenantAlertIsNotAnOCloudAlarm); the operator's namespaces, and alerts without
// a namespace label, keep naming nodes and the DeploymentManager.
func TestRegressionTenantAlertLabelsDoNotTargetNodes(t *testing.T) {
	r, cfg := tenantResolver(t)
	w7 := worker("worker-7", "7")
	resource := alarms.ObjectRef{Class: ClassResource, ID: kube.NodeResourceID(cfg.IDs, w7), TypeID: kube.NodeKindOf(w7).ID(cfg.IDs), Namespace: cfg.Namespace}
	manager := alarms.ObjectRef{Class: ClassDeploymentManager, ID: kube.DeploymentManagerID(cfg.IDs, cfg.Cluster), Namespace: cfg.Namespace}
	for _, labels := range []map[string]string{
		{"namespace": "a-tenant", "node": "worker-7", "severity": "critical"},
		{"namespace": "a-tenant", "kubernetes_node": "worker-7"},
		{"namespace": "a-tenant", "instance": "worker-7:9100"},
		{"namespace": "a-tenant", "cluster": "edge-1"},
		{"namespace": "a-tenant"},
	} {
		if got, err := r.Resolve(context.Background(), labels); !errors.Is(err, ErrNotTheOperators) {
			t.Errorf("Resolve(%v) = %+v, %v; want ErrNotTheOperators", labels, got, err)
		}
	}
	expectResolved(t, r, []resolveCase{
		{"a listed namespace", map[string]string{"namespace": "monitoring", "node": "worker-7"}, resource},
		{"the inventory namespace", map[string]string{"namespace": cfg.Namespace, "cluster": "edge-1"}, manager},
		{"no namespace label", map[string]string{"node": "worker-7"}, resource},
	})
}

// TestRegressionTenantAlertIsNotAnOCloudAlarm: a tenant's alert (labelled with its namespace)
// named like an operator alert was raised on the O-Cloud, in the inventory namespace, with the
// operator's alarm definition and the tenant's severity, text and labels: the tenant posed as
// the O-Cloud's own alarm to every SMO reading the inventory's alarms. It is not recorded now,
// and counted as ignored; the operator's alerts of the same payload are recorded.
func TestRegressionTenantAlertIsNotAnOCloudAlarm(t *testing.T) {
	r, _ := tenantResolver(t)
	m, err := NewMetrics(metrics.NewKubeRegistry().Register)
	if err != nil {
		t.Fatal(err)
	}
	const payload = `{"version": "4", "status": "firing", "receiver": "netweave", "alerts": [
	  {"status": "firing", "labels": {"alertname": "NodeDown", "severity": "critical", "namespace": "a-tenant"},
	   "annotations": {"summary": "the O-Cloud is down, call 555-0100"}, "startsAt": "2026-03-01T10:00:00Z", "fingerprint": "ae11"},
	  {"status": "firing", "labels": {"alertname": "NodeDown", "severity": "critical", "namespace": "monitoring", "node": "worker-7"},
	   "annotations": {"summary": "node down"}, "startsAt": "2026-03-01T10:00:00Z", "fingerprint": "0b22"}]}`
	sink := &recordingSink{}
	h := NewHandler(HandlerConfig{Sink: sink, Resolver: r, Authorizer: senderOnly, Metrics: m})
	req := httptest.NewRequest(http.MethodPost, WebhookPath, strings.NewReader(payload))
	req = req.WithContext(genericapirequest.WithUser(req.Context(), sender))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusNoContent {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	if got := sink.observations(); len(got) != 1 || got[0].Key != "0b22" || got[0].Object.Class != ClassResource {
		t.Errorf("observed %+v, want only the operator's alert (0b22) on worker-7's Resource", got)
	}
	if n, err := testutil.GetCounterMetricValue(m.Alerts.WithLabelValues("ignored")); err != nil || n != 1 {
		t.Errorf("ignored alerts counted %v (%v), want 1", n, err)
	}
}

// tenantResolver is a resolver over worker-7 whose operator's namespaces are the inventory
// namespace and "monitoring".
func tenantResolver(t *testing.T) (*NodeResolver, NodeResolverConfig) {
	r, cfg := testResolver(t, worker("worker-7", "7"))
	cfg.TrustedNamespaces = []string{"monitoring"}
	return NewNodeResolver(r.nodes, cfg), cfg
}

// resolveCase is an alert's labels and the object the resolver must name for them.
type resolveCase struct {
	name   string
	labels map[string]string
	want   alarms.ObjectRef
}

// expectResolved resolves each case's labels with r, one subtest per case.
func expectResolved(t *testing.T, r *NodeResolver, cases []resolveCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := r.Resolve(context.Background(), tc.labels)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("Resolve(%v) = %+v, want %+v", tc.labels, got, tc.want)
			}
		})
	}
}
