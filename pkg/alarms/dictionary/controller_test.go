package dictionary

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/apimachinery/pkg/watch"
	discoveryfake "k8s.io/client-go/discovery/fake"
	"k8s.io/client-go/dynamic/dynamicinformer"
	dynamicfake "k8s.io/client-go/dynamic/fake"
	k8stesting "k8s.io/client-go/testing"
	"k8s.io/client-go/tools/cache"
	compbasemetrics "k8s.io/component-base/metrics"
	"k8s.io/component-base/metrics/testutil"

	"github.com/netweave-io/netweave/apis/o2ims"
	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/apis/o2ims/validation"
	o2fake "github.com/netweave-io/netweave/generated/clientset/versioned/fake"
	"github.com/netweave-io/netweave/generated/informers/externalversions"
	"github.com/netweave-io/netweave/pkg/alarms"
	"github.com/netweave-io/netweave/pkg/alarms/recorder"
	"github.com/netweave-io/netweave/pkg/alarms/standard"
	"github.com/netweave-io/netweave/pkg/inventory"
)

const (
	invNS   = "o2ims-system"
	oCloud  = "262c8f17-52b5-4614-9e56-812ae21fa8a7"
	nodeTID = "8f3c1a52-0d6b-4e47-9a51-3f2b7c6d8e90"
	diskTID = "1b2c3d4e-5f60-4718-8293-a4b5c6d7e8f9"
)

// fixture is a controller whose informers are never started: each sync reads caches that
// refresh fills from the fake API, as in client-go's sample-controller tests.
type fixture struct {
	t     *testing.T
	o2    *o2fake.Clientset
	inf   externalversions.SharedInformerFactory
	rules cache.SharedIndexInformer
	c     *Controller
	ids   inventory.IDs
}

func newFixture(t *testing.T, objs ...runtime.Object) *fixture {
	t.Helper()
	ids, err := inventory.NewIDs(oCloud)
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{t: t, o2: o2fake.NewSimpleClientset(objs...), ids: ids}
	f.inf = externalversions.NewSharedInformerFactory(f.o2, 0)
	dyn := dynamicfake.NewSimpleDynamicClientWithCustomListKinds(runtime.NewScheme(),
		map[schema.GroupVersionResource]string{RulesResource: "PrometheusRuleList"})
	f.rules = dynamicinformer.NewDynamicSharedInformerFactory(dyn, 0).ForResource(RulesResource).Informer()
	f.c, err = New(Config{Client: f.o2, Informers: f.inf, IDs: ids, Namespace: invNS, FieldManager: "test"})
	if err != nil {
		t.Fatal(err)
	}
	f.c.setRules(nil)
	return f
}

// refresh makes the caches what the fake API holds.
func (f *fixture) refresh() {
	f.t.Helper()
	o2 := f.inf.O2ims().V1alpha1()
	types, err := f.o2.O2imsV1alpha1().ResourceTypes("").List(context.Background(), metav1.ListOptions{})
	if err != nil {
		f.t.Fatal(err)
	}
	dicts, err := f.o2.O2imsV1alpha1().AlarmDictionaries("").List(context.Background(), metav1.ListOptions{})
	if err != nil {
		f.t.Fatal(err)
	}
	replace(f.t, o2.ResourceTypes().Informer().GetIndexer(), types.Items)
	replace(f.t, o2.AlarmDictionaries().Informer().GetIndexer(), dicts.Items)
}

func replace[T any, P interface{ *T }](t *testing.T, idx cache.Indexer, items []T) {
	objs := make([]any, 0, len(items))
	for i := range items {
		objs = append(objs, P(&items[i]))
	}
	if err := idx.Replace(objs, ""); err != nil {
		t.Fatal(err)
	}
}

func (f *fixture) sync() {
	f.t.Helper()
	f.refresh()
	if err := f.c.sync(context.Background()); err != nil {
		f.t.Fatal(err)
	}
	f.refresh()
}

func (f *fixture) dictionary(namespace, name string) *v1alpha1.AlarmDictionary {
	f.t.Helper()
	d, err := f.o2.O2imsV1alpha1().AlarmDictionaries(namespace).Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		return nil
	}
	return d
}

// stored returns every AlarmDictionary the fake API holds.
func (f *fixture) stored() []*v1alpha1.AlarmDictionary {
	f.t.Helper()
	l, err := f.o2.O2imsV1alpha1().AlarmDictionaries("").List(context.Background(), metav1.ListOptions{})
	if err != nil {
		f.t.Fatal(err)
	}
	out := make([]*v1alpha1.AlarmDictionary, 0, len(l.Items))
	for i := range l.Items {
		out = append(out, &l.Items[i])
	}
	return out
}

func (f *fixture) writes() int {
	n := 0
	for _, a := range f.o2.Actions() {
		if a.GetVerb() != "list" && a.GetVerb() != "watch" && a.GetVerb() != "get" {
			n++
		}
	}
	return n
}

func resourceType(namespace, name, id string, class v1alpha1.ResourceClass) *v1alpha1.ResourceType {
	return &v1alpha1.ResourceType{
		ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: name},
		Spec:       v1alpha1.ResourceTypeSpec{ResourceTypeID: id, Name: name, ResourceClass: class, Vendor: "acme"},
	}
}

func names(d *v1alpha1.AlarmDictionary) []string {
	var out []string
	for _, def := range d.Spec.AlarmDefinitions {
		out = append(out, def.AlarmName)
	}
	return out
}

func TestStandardDictionary(t *testing.T) {
	f := newFixture(t)
	f.sync()
	d := f.dictionary(invNS, standardKey)
	if d == nil {
		t.Fatal("no standard dictionary")
	}
	if !inventory.IsManaged(d) || d.Spec.ResourceTypeID != "" || d.Spec.AlarmDictionaryID != StandardID(f.ids) {
		t.Errorf("header: managed %v, type %q, id %q", inventory.IsManaged(d), d.Spec.ResourceTypeID, d.Spec.AlarmDictionaryID)
	}
	if got := d.Spec.ManagementInterfaceID; len(got) != 1 || got[0] != "O2IMS" {
		t.Errorf("managementInterfaceId %v", got)
	}
	if len(d.Spec.AlarmDefinitions) != len(standard.Definitions()) || len(d.Spec.ProbableCauses) != len(standard.ProbableCauses()) {
		t.Errorf("%d definitions, %d causes", len(d.Spec.AlarmDefinitions), len(d.Spec.ProbableCauses))
	}
	for _, def := range d.Spec.AlarmDefinitions {
		if def.AlarmDefinitionID != standard.DefinitionID(def.AlarmName) || def.ClearingType != v1alpha1.ClearingTypeAutomatic {
			t.Errorf("definition %s: id %s, clearing %s", def.AlarmName, def.AlarmDefinitionID, def.ClearingType)
		}
	}
	// Idempotent: a second pass over the same state writes nothing.
	before := f.writes()
	f.sync()
	if n := f.writes() - before; n != 0 {
		t.Errorf("second sync wrote %d times", n)
	}
}

func TestTypeDictionariesFollowTypes(t *testing.T) {
	admin := &v1alpha1.AlarmDictionary{ObjectMeta: metav1.ObjectMeta{Namespace: invNS, Name: "resourcetype-disk"},
		Spec: v1alpha1.AlarmDictionarySpec{AlarmDictionaryID: "0c1d2e3f-4a5b-4c6d-8e7f-8091a2b3c4d5"}}
	f := newFixture(t,
		resourceType(invNS, "node-x86", nodeTID, v1alpha1.ResourceClassCompute),
		resourceType("tenant", "disk", diskTID, v1alpha1.ResourceClassStorage), admin)
	f.sync()

	node := f.dictionary(invNS, "resourcetype-node-x86")
	if node == nil {
		t.Fatal("no dictionary of the node type")
	}
	if node.Spec.ResourceTypeID != nodeTID || node.Spec.AlarmDictionaryID != TypeID(f.ids, nodeTID) || node.Spec.Vendor != "acme" {
		t.Errorf("node dictionary header %+v", node.Spec)
	}
	want := []string{"CLUSTERNODE_WARNING", "CLUSTERNODE_MINOR", "CLUSTERNODE_MAJOR", "CLUSTERNODE_CRITICAL"}
	if got := names(node); len(got) != len(want) || got[0] != want[0] || got[3] != want[3] {
		t.Errorf("node definitions %v, want %v", got, want)
	}
	for _, pc := range node.Spec.ProbableCauses {
		if c, _ := standard.LookupProbableCause(pc.ProbableCauseCode); c.ObjectClass != standard.Node {
			t.Errorf("node dictionary names cause %s of %s", pc.ProbableCauseCode, c.ObjectClass)
		}
	}
	// The storage type's dictionary lives in the type's namespace and has no definitions.
	disk := f.dictionary("tenant", "resourcetype-disk")
	if disk == nil || len(disk.Spec.AlarmDefinitions) != 0 || disk.Spec.ResourceTypeID != diskTID {
		t.Fatalf("storage dictionary %+v", disk)
	}
	// The operator's dictionary of the same name elsewhere is untouched.
	if got := f.dictionary(invNS, "resourcetype-disk"); got == nil || got.Spec.AlarmDictionaryID != admin.Spec.AlarmDictionaryID {
		t.Errorf("admin dictionary changed: %+v", got)
	}

	// The type goes: its dictionary goes; the operator's stays.
	if err := f.o2.O2imsV1alpha1().ResourceTypes(invNS).Delete(context.Background(), "node-x86", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	f.sync()
	if f.dictionary(invNS, "resourcetype-node-x86") != nil {
		t.Error("dictionary of a deleted type kept")
	}
	if f.dictionary(invNS, "resourcetype-disk") == nil || f.dictionary("tenant", "resourcetype-disk") == nil {
		t.Error("other dictionaries deleted")
	}
}

func rule(name string, alerts ...map[string]any) *unstructured.Unstructured {
	var rules []any
	for _, a := range alerts {
		rules = append(rules, a)
	}
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "monitoring.coreos.com/v1", "kind": "PrometheusRule",
		"metadata": map[string]any{"namespace": "monitoring", "name": name},
		"spec":     map[string]any{"groups": []any{map[string]any{"name": "g", "rules": rules}}},
	}}
}

func alert(name, summary, runbook, severity string) map[string]any {
	return map[string]any{"alert": name, "expr": "up == 0",
		"labels":      map[string]any{"severity": severity},
		"annotations": map[string]any{"summary": summary, "runbook_url": runbook}}
}

func TestRulesDictionary(t *testing.T) {
	f := newFixture(t)
	idx := f.rules.GetIndexer()
	f.c.setRules(namespaceListers{{namespace: "monitoring", read: func() bool { return true },
		lister: cache.NewGenericLister(f.rules.GetIndexer(), RulesResource.GroupResource())}})
	a := rule("a", alert("NodeDown", "A node is down", "https://runbooks/nodedown", "critical"),
		map[string]any{"record": "job:up:sum", "expr": "sum(up)"})
	b := rule("b", alert("DiskFull", "A disk is full", "", "warning"), alert("NodeDown", "shadowed", "", "warning"))
	for _, r := range []*unstructured.Unstructured{a, b} {
		if err := idx.Add(r); err != nil {
			t.Fatal(err)
		}
	}
	f.sync()
	d := f.dictionary(invNS, rulesKey)
	if d == nil {
		t.Fatal("no rules dictionary")
	}
	if got := names(d); len(got) != 2 || got[0] != "DiskFull" || got[1] != "NodeDown" {
		t.Fatalf("definitions %v", got)
	}
	nd := d.Spec.AlarmDefinitions[1]
	if nd.AlarmDescription != "A node is down" || nd.ProposedRepairActions != "https://runbooks/nodedown" ||
		nd.ClearingType != v1alpha1.ClearingTypeAutomatic || nd.AlarmChangeType != v1alpha1.AlarmChangeTypeAdded ||
		nd.AlarmLastChange != "1" || nd.AlarmAdditionalFields["severity"] != "critical" || d.Spec.AlarmDictionaryVersion != "1" {
		t.Errorf("NodeDown definition %+v in version %s", nd, d.Spec.AlarmDictionaryVersion)
	}

	// A changed rule: its definition is MODIFIED in version 2, the other keeps its history.
	a2 := rule("a", alert("NodeDown", "A node is unreachable", "https://runbooks/nodedown", "critical"))
	if err := idx.Update(a2); err != nil {
		t.Fatal(err)
	}
	f.sync()
	d = f.dictionary(invNS, rulesKey)
	if d.Spec.AlarmDictionaryVersion != "2" || d.Spec.AlarmDefinitions[1].AlarmChangeType != v1alpha1.AlarmChangeTypeModified ||
		d.Spec.AlarmDefinitions[1].AlarmLastChange != "2" || d.Spec.AlarmDefinitions[0].AlarmLastChange != "1" {
		t.Errorf("after a change: version %s, definitions %+v", d.Spec.AlarmDictionaryVersion, d.Spec.AlarmDefinitions)
	}

	// A removed rule: its definition goes. (b still defines NodeDown, now as the only rule.)
	if err := idx.Delete(b); err != nil {
		t.Fatal(err)
	}
	f.sync()
	d = f.dictionary(invNS, rulesKey)
	if got := names(d); len(got) != 1 || got[0] != "NodeDown" || d.Spec.AlarmDictionaryVersion != "3" {
		t.Errorf("after removal: %v in version %s", got, d.Spec.AlarmDictionaryVersion)
	}

	// Discovery cannot tell: the dictionary stays as it is.
	f.c.mu.Lock()
	f.c.rules, f.c.rulesKnown = nil, false
	f.c.mu.Unlock()
	f.sync()
	if f.dictionary(invNS, rulesKey) == nil {
		t.Error("rules dictionary deleted while discovery was inconclusive")
	}
	// The CRD is gone: so is the dictionary.
	f.c.setRules(nil)
	f.sync()
	if f.dictionary(invNS, rulesKey) != nil {
		t.Error("rules dictionary kept without PrometheusRules")
	}
}

func TestRulesServed(t *testing.T) {
	d := &discoveryfake.FakeDiscovery{Fake: &k8stesting.Fake{}}
	if served, err := rulesServed(d); served || err != nil {
		t.Errorf("without the CRD: served %v, err %v", served, err)
	}
	d.Resources = []*metav1.APIResourceList{{GroupVersion: "monitoring.coreos.com/v1",
		APIResources: []metav1.APIResource{{Name: "servicemonitors"}, {Name: "prometheusrules"}}}}
	if served, err := rulesServed(d); !served || err != nil {
		t.Errorf("with the CRD: served %v, err %v", served, err)
	}
}

// TestRegressionProxyPageIsNotPrometheusRulesGone: a 404 for monitoring.coreos.com/v1 counted
// as "PrometheusRules are not served", and the rules dictionary was deleted, to come back at
// the next discovery. A proxy or load balancer in front of a restarting API server answers any
// path with such a 404 page; so does kube-apiserver for a group version it does not serve, so
// only its list of groups tells the two apart.
func TestRegressionProxyPageIsNotPrometheusRulesGone(t *testing.T) {
	d := &discoveryfake.FakeDiscovery{Fake: &k8stesting.Fake{}}
	d.Resources = []*metav1.APIResourceList{{GroupVersion: "monitoring.coreos.com/v1"}}
	d.PrependReactor("get", "resource", func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, apierrors.NewGenericServerResponse(404, "get", schema.GroupResource{}, "", "404 page not found", 0, true)
	})
	if served, err := rulesServed(d); err == nil {
		t.Errorf("a 404 page for the listed group version: served %v, no error; want inconclusive", served)
	}
}

// ruleIn is rule in namespace.
func ruleIn(namespace, name string, alerts ...map[string]any) *unstructured.Unstructured {
	r := rule(name, alerts...)
	r.SetNamespace(namespace)
	return r
}

// TestRegressionTenantRuleDefinesOperatorAlert: the rules dictionary lives in the inventory
// namespace and every SMO reads it. A namespace admin's PrometheusRule must neither redefine
// the operator's alert (its rule sorts first: "a-tenant" < "o2ims-system") nor add its own
// alert names; only the rule namespaces are even read.
func TestRegressionTenantRuleDefinesOperatorAlert(t *testing.T) {
	dyn := dynamicfake.NewSimpleDynamicClientWithCustomListKinds(runtime.NewScheme(),
		map[schema.GroupVersionResource]string{RulesResource: "PrometheusRuleList"},
		ruleIn("a-tenant", "evil", alert("KubeNodeNotReady", "harmless", "https://evil.example", "critical"),
			alert("TenantSecretProject", "the tenant's own alert", "", "warning")),
		ruleIn(invNS, "netweave", alert("KubeNodeNotReady", "A node is not ready", "https://runbooks/node", "critical")),
		ruleIn("monitoring", "stack", alert("KubeletDown", "Kubelet is down", "https://runbooks/kubelet", "critical")))
	disc := &discoveryfake.FakeDiscovery{Fake: &k8stesting.Fake{}}
	disc.Resources = []*metav1.APIResourceList{{
		GroupVersion: RulesResource.GroupVersion().String(), APIResources: []metav1.APIResource{{Name: RulesResource.Resource}}}}
	f := newFixture(t)
	c, err := New(Config{Client: f.o2, Informers: f.inf, IDs: f.ids, Namespace: invNS, FieldManager: "test",
		Rules: dyn, Discovery: disc, RuleNamespaces: []string{invNS, "monitoring"}})
	if err != nil {
		t.Fatal(err)
	}
	f.c = c
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	// Returns once the rule informers have synced and the listers are set.
	c.watchRules(ctx)
	f.sync()

	d := f.dictionary(invNS, rulesKey)
	if d == nil {
		t.Fatal("no rules dictionary")
	}
	if got := names(d); len(got) != 2 || got[0] != "KubeNodeNotReady" || got[1] != "KubeletDown" {
		t.Fatalf("definitions %v, want the operator's KubeNodeNotReady and KubeletDown only", got)
	}
	if def := d.Spec.AlarmDefinitions[0]; def.ProposedRepairActions != "https://runbooks/node" ||
		def.AlarmDescription != "A node is not ready" || def.AlarmAdditionalFields["prometheusRule"] != invNS+"/netweave" {
		t.Errorf("KubeNodeNotReady defined by %+v, want the operator's rule", def)
	}
	for _, a := range dyn.Actions() {
		if a.GetVerb() == "list" || a.GetVerb() == "watch" {
			if ns := a.GetNamespace(); ns != invNS && ns != "monitoring" {
				t.Errorf("%s of PrometheusRules in namespace %q: only the rule namespaces may be read", a.GetVerb(), ns)
			}
		}
	}
}

// TestRegressionUnreadableRuleNamespaceHoldsBackDictionary: one rule namespace netweave may not
// read (no Role there) made the controller wait for its PrometheusRule cache for good: the
// readable namespaces' alerts were never published, and only client-go's reflector log said
// why. They are published now; the unread namespace keeps the definitions last published of
// it (not deleted for want of a list) and shows in the metrics; its rules come in once it can
// be read, without a restart.
func TestRegressionUnreadableRuleNamespaceHoldsBackDictionary(t *testing.T) {
	const unreadNS = "monitoring"
	var forbidden atomic.Bool
	forbidden.Store(true)
	dyn := dynamicfake.NewSimpleDynamicClientWithCustomListKinds(runtime.NewScheme(),
		map[schema.GroupVersionResource]string{RulesResource: "PrometheusRuleList"},
		ruleIn(invNS, "netweave", alert("KubeNodeNotReady", "A node is not ready", "https://runbooks/node", "critical")),
		ruleIn(unreadNS, "stack", alert("KubeletDown", "Kubelet is down", "https://runbooks/kubelet", "critical"),
			alert("KubeletTooManyPods", "Kubelet runs too many pods", "", "warning")))
	deny := func(a k8stesting.Action) (bool, runtime.Object, error) {
		if a.GetNamespace() == unreadNS && forbidden.Load() {
			return true, nil, apierrors.NewForbidden(RulesResource.GroupResource(), "", errors.New("no Role"))
		}
		return false, nil, nil
	}
	dyn.PrependReactor("list", RulesResource.Resource, deny)
	dyn.PrependWatchReactor(RulesResource.Resource, func(a k8stesting.Action) (bool, watch.Interface, error) {
		handled, _, err := deny(a)
		return handled, nil, err
	})
	disc := &discoveryfake.FakeDiscovery{Fake: &k8stesting.Fake{}}
	disc.Resources = []*metav1.APIResourceList{{
		GroupVersion: RulesResource.GroupVersion().String(), APIResources: []metav1.APIResource{{Name: RulesResource.Resource}}}}

	ids, err := inventory.NewIDs(oCloud)
	if err != nil {
		t.Fatal(err)
	}
	// What a previous leader published, when both namespaces were read: the unread namespace's
	// KubeletDown, and an operator alert whose rule was removed since.
	prev := rulesDictionary(ids, invNS, []*unstructured.Unstructured{
		ruleIn(unreadNS, "stack", alert("KubeletDown", "Kubelet is down", "https://runbooks/kubelet", "critical")),
		ruleIn(invNS, "gone", alert("RemovedOperatorAlert", "gone since", "", "warning"))}, nil, nil)
	f := newFixture(t, prev)
	m, err := NewMetrics(compbasemetrics.NewKubeRegistry().Register)
	if err != nil {
		t.Fatal(err)
	}
	c, err := New(Config{Client: f.o2, Informers: f.inf, IDs: ids, Namespace: invNS, FieldManager: "test",
		Rules: dyn, Discovery: disc, RuleNamespaces: []string{invNS, unreadNS}, Metrics: m})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	})

	// published waits until the stored rules dictionary defines want, in order.
	published := func(stage string, want ...string) *v1alpha1.AlarmDictionary {
		t.Helper()
		var d *v1alpha1.AlarmDictionary
		err := wait.PollUntilContextTimeout(ctx, 20*time.Millisecond, 30*time.Second, true, func(context.Context) (bool, error) {
			d = f.dictionary(invNS, rulesKey)
			return d != nil && slices.Equal(names(d), want), nil
		})
		if err != nil {
			var got []string
			if d != nil {
				got = names(d)
			}
			t.Fatalf("%s: rules dictionary defines %v, want %v", stage, got, want)
		}
		return d
	}
	d := published("while "+unreadNS+" cannot be read", "KubeNodeNotReady", "KubeletDown")
	if def := d.Spec.AlarmDefinitions[1]; def.AlarmLastChange != "1" || def.AlarmChangeType != v1alpha1.AlarmChangeTypeAdded {
		t.Errorf("KubeletDown kept as %s in %s, want its history (ADDED in 1)", def.AlarmChangeType, def.AlarmLastChange)
	}
	if got, err := testutil.GetGaugeMetricValue(m.UnreadRuleNamespaces); err != nil || got != 1 {
		t.Errorf("unread rule namespaces %v (%v), want 1", got, err)
	}

	forbidden.Store(false)
	published("once "+unreadNS+" can be read", "KubeNodeNotReady", "KubeletDown", "KubeletTooManyPods")
	if err := wait.PollUntilContextTimeout(ctx, 20*time.Millisecond, 30*time.Second, true, func(context.Context) (bool, error) {
		got, err := testutil.GetGaugeMetricValue(m.UnreadRuleNamespaces)
		return err == nil && got == 0, nil
	}); err != nil {
		t.Error("unread rule namespaces not back to 0 once every namespace is read")
	}
}

// TestDesiredIsWhatIsWritten: the dictionaries the recorder resolves an alarm in before they
// are stored (Desired) are those a sync writes, before the first sync (the standard one) and
// after.
func TestDesiredIsWhatIsWritten(t *testing.T) {
	f := newFixture(t, resourceType(invNS, "node", nodeTID, v1alpha1.ResourceClassCompute))
	before := f.c.Desired()
	if len(before) != 1 {
		t.Fatalf("before the first sync Desired holds %d dictionaries, want the standard one", len(before))
	}
	node := alarms.Observation{Definition: "CLUSTERNODE_CRITICAL", ProbableCause: "NODE_DOWN",
		Object: alarms.ObjectRef{Class: "Resource", Namespace: invNS, TypeID: nodeTID}}
	early, ok := recorder.Resolve(before, invNS, node)
	if !ok {
		t.Fatal("a standard alarm does not resolve before the first sync")
	}
	f.sync()
	stored := f.stored()
	after, ok := recorder.Resolve(stored, invNS, node)
	if !ok {
		t.Fatal("a standard alarm does not resolve in the stored dictionaries")
	}
	// The type's dictionary, not known before the first sync, comes first once stored; the ids
	// of the definition and cause are the standard's in both.
	if early.DefinitionID != after.DefinitionID || early.ProbableCauseID != after.ProbableCauseID || early.DictionaryID != StandardID(f.ids) {
		t.Errorf("before the first sync %+v, stored %+v", early, after)
	}
	desired := f.c.Desired()
	if len(desired) != len(stored) {
		t.Fatalf("Desired holds %d dictionaries, %d stored", len(desired), len(stored))
	}
	for _, d := range desired {
		w := f.dictionary(d.Namespace, d.Name)
		if w == nil || !equality.Semantic.DeepEqual(w.Spec, d.Spec) {
			t.Errorf("Desired %s/%s differs from what is stored", d.Namespace, d.Name)
		}
	}
	if got, ok := recorder.Resolve(desired, invNS, alarms.Observation{Definition: "KubeletTooManyPods",
		Object: alarms.ObjectRef{Class: "OCloud", Namespace: invNS}}); ok {
		t.Errorf("an alarm no dictionary defines resolves to %+v", got)
	}
}

// TestRegressionAlertRaisedBeforeTheRulesDictionaryHasNoDefinition (found by review): the
// alarm recorder fell back to the standard dictionary's fixed ids only, so an alert a
// PrometheusRule defines that fired at the start of a term (Alertmanager's resync of its active
// alerts, racing the dictionary controller's first write of the rules dictionary, or the cache
// behind it) was recorded with no definition for good: a record's spec never changes. The
// controller's computed dictionaries (Desired) define it before they are stored.
func TestRegressionAlertRaisedBeforeTheRulesDictionaryHasNoDefinition(t *testing.T) {
	f := newFixture(t)
	f.c.setRules(namespaceListers{{namespace: invNS, read: func() bool { return true },
		lister: cache.NewGenericLister(f.rules.GetIndexer(), RulesResource.GroupResource())}})
	if err := f.rules.GetIndexer().Add(ruleIn(invNS, "netweave", alert("NodeDown", "A node is down", "", "critical"))); err != nil {
		t.Fatal(err)
	}
	// The dictionaries are not written yet (the store refuses for now).
	refuse := true
	f.o2.PrependReactor("create", "alarmdictionaries", func(k8stesting.Action) (bool, runtime.Object, error) {
		if refuse {
			return true, nil, apierrors.NewServiceUnavailable("not now")
		}
		return false, nil, nil
	})
	f.refresh()
	if err := f.c.sync(context.Background()); err == nil {
		t.Fatal("the sync whose writes were refused succeeded")
	}
	alert := alarms.Observation{Definition: "NodeDown", Object: alarms.ObjectRef{Class: "OCloud", Namespace: invNS}}
	early, ok := recorder.Resolve(f.c.Desired(), invNS, alert)
	if !ok || early.DefinitionID == "" || early.DictionaryID != RulesID(f.ids) {
		t.Fatalf("an alert the rules define, before the rules dictionary is stored: %+v (%v)", early, ok)
	}
	refuse = false
	f.sync()
	d := f.dictionary(invNS, rulesKey)
	if d == nil || len(d.Spec.AlarmDefinitions) != 1 || d.Spec.AlarmDefinitions[0].AlarmDefinitionID != early.DefinitionID {
		t.Errorf("the definition the early alarm refers to, %s, is not the stored one: %+v", early.DefinitionID, d)
	}
}

// TestSettled: the dictionaries are settled once a sync knew every source: not while discovery
// has not answered nor while a rule namespace is unread.
func TestSettled(t *testing.T) {
	f := newFixture(t)
	settled := func() bool {
		select {
		case <-f.c.Settled():
			return true
		default:
			return false
		}
	}
	f.c.mu.Lock()
	f.c.rules, f.c.rulesKnown = nil, false
	f.c.mu.Unlock()
	f.sync()
	if settled() {
		t.Fatal("settled before discovery answered")
	}
	var read atomic.Bool
	f.c.setRules(namespaceListers{{namespace: "monitoring", read: read.Load,
		lister: cache.NewGenericLister(f.rules.GetIndexer(), RulesResource.GroupResource())}})
	f.sync()
	if settled() {
		t.Fatal("settled while a rule namespace is unread")
	}
	read.Store(true)
	f.sync()
	if !settled() {
		t.Fatal("not settled once every rule namespace was read")
	}
}

// TestRegressionHugeSeverityLabelHoldsBackRulesDictionary: a rule's severity label went into
// its definition's alarmAdditionalFields whole, while the map is bounded by the API
// (validation.MaxExtensionsBytes). One alert rule with a severity label of 16 KiB made the API
// refuse the whole rules dictionary: no alert added, changed or removed in any rule since was
// published, retried with backoff for good. The label is now cut like the alert's other texts.
func TestRegressionHugeSeverityLabelHoldsBackRulesDictionary(t *testing.T) {
	f := newFixture(t)
	f.c.setRules(namespaceListers{{namespace: "monitoring", read: func() bool { return true },
		lister: cache.NewGenericLister(f.rules.GetIndexer(), RulesResource.GroupResource())}})
	severity := strings.Repeat("critical", 2*1024)
	if err := f.rules.GetIndexer().Add(rule("a", alert("NodeDown", "A node is down", "", severity),
		alert("DiskFull", "A disk is full", "", "warning"))); err != nil {
		t.Fatal(err)
	}
	f.sync()
	d := f.dictionary(invNS, rulesKey)
	if d == nil {
		t.Fatal("no rules dictionary")
	}
	var internal o2ims.AlarmDictionary
	if err := v1alpha1.Convert_v1alpha1_AlarmDictionary_To_o2ims_AlarmDictionary(d, &internal, nil); err != nil {
		t.Fatal(err)
	}
	if errs := validation.ValidateAlarmDictionary(&internal); len(errs) != 0 {
		t.Errorf("the API refuses the rules dictionary of a rule with a long severity label: %v", errs.ToAggregate())
	}
	if got := d.Spec.AlarmDefinitions[1].AlarmAdditionalFields["severity"]; !strings.HasPrefix(got, "critical") {
		t.Errorf("NodeDown severity %.40q…, want the beginning of the label", got)
	}
}
