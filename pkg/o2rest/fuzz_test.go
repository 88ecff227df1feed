package o2rest

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apiserver/pkg/authentication/user"
	"k8s.io/apiserver/pkg/authorization/authorizer"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"
	k8stesting "k8s.io/client-go/testing"
	"k8s.io/client-go/tools/cache"

	o2v1 "github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/generated/clientset/versioned"
	"github.com/netweave-io/netweave/pkg/o2rest/query"
	"github.com/netweave-io/netweave/pkg/o2rest/source"
	"github.com/netweave-io/netweave/pkg/tenancy"
)

// The fuzz environment's namespaces besides the tenants': the shared subscription namespace
// (also where the operator keeps templates, as in provisioningFixtures) and the inventory
// namespace (the standard alarm dictionary, the default apiRoot's provisioning requests).
const (
	fuzzSharedNS    = provNS
	fuzzInventoryNS = inventoryNS
)

// Ids of the objects the fuzz environment adds to the other tests' fixtures.
const (
	fzSubA      = "5a000000-0000-4000-8000-00000000000a"
	fzSubB      = "5b000000-0000-4000-8000-00000000000b"
	fzSubShared = "5c000000-0000-4000-8000-00000000000c"
	fzSubDave   = "5d000000-0000-4000-8000-00000000000d"
	fzAlarmSubA = "6a000000-0000-4000-8000-00000000000a"
	fzAlarmSubB = "6b000000-0000-4000-8000-00000000000b"
	fzProvSubA  = "7a000000-0000-4000-8000-00000000000a"
	fzProvSubB  = "7b000000-0000-4000-8000-00000000000b"
	fzRequestA  = "9a000000-0000-4000-8000-00000000000a"
	fzRequestB  = "9b000000-0000-4000-8000-00000000000b"
	fzRequestI  = "9c000000-0000-4000-8000-00000000000c"
	fzTaskB     = "4b000000-0000-4000-8000-00000000000b"
	fzTypeB     = "3b000000-0000-4000-8000-00000000000b"
	fzDMB       = "2b000000-0000-4000-8000-00000000000b"
	fzSiteB     = "1b000000-0000-4000-8000-00000000000b"
	fzPoolB2    = "0b000000-0000-4000-8000-00000000000b"
	fzTemplateI = "fc242779-dfef-414e-b2b1-3b75d6f6b65d"
)

// fuzzUsers are the callers an input picks from: an administrator, tenant users of tenant-a
// (alice) and tenant-b (bob, who may also read the operator's templates), a user with no
// grant at all (carol), a user who may manage subscriptions in the shared namespace only, and
// only its own there (dave), an anonymous caller, a ServiceAccount without grants, and two
// readers whose grants differ by resource: erin reads locations everywhere but sites and pools
// in tenant-a only, frank sites everywhere but pools in tenant-a only.
var fuzzUsers = []user.Info{
	&user.DefaultInfo{Name: "admin", Groups: []string{"system:masters", user.AllAuthenticated}},
	&user.DefaultInfo{Name: "alice", UID: "uid-alice", Groups: []string{user.AllAuthenticated}},
	&user.DefaultInfo{Name: "bob", UID: "uid-bob", Groups: []string{user.AllAuthenticated}},
	&user.DefaultInfo{Name: "carol", Groups: []string{user.AllAuthenticated}},
	&user.DefaultInfo{Name: "dave", UID: "uid-dave", Groups: []string{user.AllAuthenticated}},
	&user.DefaultInfo{Name: user.Anonymous, Groups: []string{user.AllUnauthenticated}},
	&user.DefaultInfo{Name: "system:serviceaccount:tenant-a:smo", Groups: []string{"system:serviceaccounts", user.AllAuthenticated}},
	&user.DefaultInfo{Name: "erin", Groups: []string{user.AllAuthenticated}},
	&user.DefaultInfo{Name: "frank", Groups: []string{user.AllAuthenticated}},
}

// fuzzAuthz is provisioningAuthz (admin everything, alice tenant-a, bob tenant-b and the
// operator's templates) plus dave: every subscription verb but manage-others in the shared
// subscription namespace, and the readers erin and frank (fuzzUsers).
func fuzzAuthz(ctx context.Context, a authorizer.Attributes) (authorizer.Decision, string, error) {
	allow := func(ok bool) (authorizer.Decision, string, error) {
		if ok {
			return authorizer.DecisionAllow, "", nil
		}
		return authorizer.DecisionNoOpinion, "", nil
	}
	name, ns, res, verb := a.GetUser().GetName(), a.GetNamespace(), a.GetResource(), a.GetVerb()
	switch name {
	case "erin", "frank":
		wide := map[string]string{"erin": "locations", "frank": "ocloudsites"}[name]
		inTenant := ns == "tenant-a" && (res == "locations" || res == "ocloudsites" || res == "resourcepools")
		return allow((verb == "get" || verb == "list") && a.GetSubresource() == "" && (res == wide || inTenant))
	case "dave":
		return allow(ns == fuzzSharedNS && isSubscriptionResource(res) && a.GetSubresource() == "" && verb != tenancy.VerbManageOthers)
	}
	return provisioningAuthz(ctx, a)
}

// fuzzVisible reports whether u may legitimately read obj through some apiRoot; the strings
// of every object it may not read must never reach it. ok is false for a caller who may read
// everything (no boundary to check).
func fuzzVisible(u user.Info, obj runtime.Object) (visible, ok bool) {
	ns := namespaceOf(obj)
	_, ocloud := obj.(*o2v1.OCloud)
	switch u.GetName() {
	case "admin":
		return true, false
	case "alice":
		// The O-Cloud: a tenant apiRoot shows it to whoever may list the tenant's pools.
		return ns == "tenant-a" || ocloud, true
	case "bob":
		_, template := obj.(*o2v1.ManagedInfrastructureTemplate)
		return ns == "tenant-b" || ocloud || template && ns == provNS, true
	case "erin", "frank":
		_, location := obj.(*o2v1.Location)
		_, site := obj.(*o2v1.OCloudSite)
		_, pool := obj.(*o2v1.ResourcePool)
		wide := location && u.GetName() == "erin" || site && u.GetName() == "frank"
		return wide || ocloud || ns == "tenant-a" && (location || site || pool), true
	case "dave":
		sub := subscriptionOf(obj).subscriber
		return ns == fuzzSharedNS && sub != nil && sub.Username == "dave", true
	}
	return false, true
}

// fuzzFixtures are the other tests' fixtures plus, in every namespace, objects of every kind
// carrying marker strings ("zz...") that only their readers may ever see. Every object gets a
// uid and a resourceVersion, as the API server gives them, so the source memoises renderings
// and ETags are real.
func fuzzFixtures() []runtime.Object {
	marker := func(s string) o2v1.Extensions {
		return o2v1.Extensions{"secret": {Raw: []byte(strconv.Quote(s))}}
	}
	subscriber := func(name string) *o2v1.SubscriberInfo {
		return &o2v1.SubscriberInfo{Username: name, UID: "uid-" + name}
	}
	objs := append(append(fixtures(), alarmFixtures()...), provisioningFixtures()...)
	objs = append(objs,
		// tenant-b: one object of every kind, with markers; its site and pool are in tenant-a's
		// location and site, so tenant-a's related ids must leave them out for alice.
		&o2v1.ResourceType{ObjectMeta: objMeta("tenant-b", "zzb-type"), Spec: o2v1.ResourceTypeSpec{ResourceTypeID: fzTypeB, Name: "zzb-type-name",
			Description: "zzb-type-description", Vendor: "zzb-vendor", Extensions: marker("zzb-type-ext")}},
		&o2v1.DeploymentManager{ObjectMeta: objMeta("tenant-b", "zzb-dm"), Spec: o2v1.DeploymentManagerSpec{DeploymentManagerID: fzDMB, Name: "zzb-dm-name",
			OCloudID: ocloudID, ServiceURI: "https://zzb-dm.example.net:6443", Extensions: marker("zzb-dm-ext")}},
		&o2v1.Location{ObjectMeta: objMeta("tenant-b", "zzb-location"), Spec: o2v1.LocationSpec{GlobalLocationID: "ZZB-LOC", Name: "zzb-location-name", Address: "zzb-address"}},
		&o2v1.OCloudSite{ObjectMeta: objMeta("tenant-b", "zzb-site"), Spec: o2v1.OCloudSiteSpec{OCloudSiteID: fzSiteB, GlobalLocationID: "CA-TOR", Name: "zzb-site-name"}},
		&o2v1.ResourcePool{ObjectMeta: objMeta("tenant-b", "zzb-pool"), Spec: o2v1.ResourcePoolSpec{ResourcePoolID: fzPoolB2, Name: "zzb-pool-name",
			OCloudSiteID: siteID, GlobalLocationID: "CA-TOR", Description: "zzb-pool-description"}},
		&o2v1.InventorySubscription{ObjectMeta: objMeta("tenant-b", "zzb-sub"), Spec: o2v1.InventorySubscriptionSpec{SubscriptionID: fzSubB,
			Callback: "https://zzb-smo.example.net/cb", ConsumerSubscriptionID: "zzb-consumer", Subscriber: subscriber("bob")}},
		&o2v1.AlarmSubscription{ObjectMeta: objMeta("tenant-b", "zzb-alarmsub"), Spec: o2v1.AlarmSubscriptionSpec{AlarmSubscriptionID: fzAlarmSubB,
			Callback: "https://zzb-smo.example.net/alarms", Filter: "NEW", Subscriber: subscriber("bob")}},
		&o2v1.ProvisioningRequestSubscription{ObjectMeta: objMeta("tenant-b", "zzb-provsub"), Spec: o2v1.ProvisioningRequestSubscriptionSpec{SubscriptionID: fzProvSubB,
			Callback: "https://zzb-smo.example.net/prov", Subscriber: subscriber("bob")}},
		&o2v1.ProvisioningRequest{ObjectMeta: objMeta("tenant-b", fzRequestB), Spec: o2v1.ProvisioningRequestSpec{ProvisioningRequestID: fzRequestB,
			Name: "zzb-request-name", Description: "zzb-request-description", TemplateName: "local", TemplateVersion: "v1.31.0",
			TemplateParameters: &o2v1.JSON{Raw: []byte(`{"zzb-param":1}`)}}, Status: o2v1.ProvisioningRequestStatus{ProvisioningPhase: o2v1.ProvisioningPhasePending}},
		&o2v1.AlarmPurge{ObjectMeta: objMeta("tenant-b", "zzb-purge"), Spec: o2v1.AlarmPurgeSpec{TaskID: fzTaskB, AlarmRecordIDs: []string{alarmB}},
			Status: o2v1.AlarmPurgeStatus{OperationState: o2v1.PurgeOperationStateCompleted, Message: "zzb-purge-message"}},
		// tenant-a: the writable targets of alice's writes.
		&o2v1.InventorySubscription{ObjectMeta: objMeta("tenant-a", "sub-a"), Spec: o2v1.InventorySubscriptionSpec{SubscriptionID: fzSubA,
			Callback: "https://smo-a.example.net/cb", Subscriber: subscriber("alice")}},
		&o2v1.AlarmSubscription{ObjectMeta: objMeta("tenant-a", "alarmsub-a"), Spec: o2v1.AlarmSubscriptionSpec{AlarmSubscriptionID: fzAlarmSubA,
			Callback: "https://smo-a.example.net/alarms", Filter: "ACKNOWLEDGE", Subscriber: subscriber("alice")}},
		&o2v1.ProvisioningRequestSubscription{ObjectMeta: objMeta("tenant-a", "provsub-a"), Spec: o2v1.ProvisioningRequestSubscriptionSpec{SubscriptionID: fzProvSubA,
			Callback: "https://smo-a.example.net/prov", Subscriber: subscriber("alice")}},
		&o2v1.ProvisioningRequest{ObjectMeta: objMeta("tenant-a", fzRequestA), Spec: o2v1.ProvisioningRequestSpec{ProvisioningRequestID: fzRequestA,
			Name: "edge-a", TemplateName: "demo", TemplateVersion: "v1.31.0", TemplateParameters: &o2v1.JSON{Raw: []byte(`{"workers":1}`)}},
			Status: o2v1.ProvisioningRequestStatus{ProvisioningPhase: o2v1.ProvisioningPhaseFulfilled}},
		// The shared subscription namespace: the admin's subscription and dave's own.
		&o2v1.InventorySubscription{ObjectMeta: objMeta(fuzzSharedNS, "zzs-admin-sub"), Spec: o2v1.InventorySubscriptionSpec{SubscriptionID: fzSubShared,
			Callback: "https://zzs-admin.example.net/cb", Subscriber: subscriber("admin")}},
		&o2v1.InventorySubscription{ObjectMeta: objMeta(fuzzSharedNS, "dave-sub"), Spec: o2v1.InventorySubscriptionSpec{SubscriptionID: fzSubDave,
			Callback: "https://dave.example.net/cb", Subscriber: subscriber("dave")}},
		// The inventory namespace: the operator's template and provisioning request.
		&o2v1.ManagedInfrastructureTemplate{ObjectMeta: objMeta(fuzzInventoryNS, "zzi-template.v1"), Spec: o2v1.ManagedInfrastructureTemplateSpec{
			ArtifactResourceID: fzTemplateI, Name: "zzi-template", Version: "v1", Description: "zzi-template-description",
			Defaults: &o2v1.JSON{Raw: []byte(`{"zzi-default":1}`)}}},
		&o2v1.ProvisioningRequest{ObjectMeta: objMeta(fuzzInventoryNS, fzRequestI), Spec: o2v1.ProvisioningRequestSpec{ProvisioningRequestID: fzRequestI,
			Name: "zzi-request-name", TemplateName: "zzi-template", TemplateVersion: "v1", TemplateParameters: &o2v1.JSON{Raw: []byte(`{}`)}}},
		// The cluster-scoped alarm service configuration, readable by the admin only.
		&o2v1.AlarmServiceConfiguration{ObjectMeta: metav1.ObjectMeta{Name: serviceConfigurationName},
			Spec: o2v1.AlarmServiceConfigurationSpec{RetentionPeriod: ptrTo(int32(7)), Extensions: marker("zzc-config-ext")}},
	)
	for _, obj := range objs {
		m, _ := meta.Accessor(obj)
		if m.GetUID() == "" {
			m.SetUID(types.UID(fmt.Sprintf("uid-%T-%s-%s", obj, m.GetNamespace(), m.GetName())))
		}
		if m.GetResourceVersion() == "" {
			m.SetResourceVersion("1")
		}
	}
	return objs
}

func ptrTo[T any](v T) *T { return &v }

// fuzzKinds are the stored kinds, by the scheme's kind name; their resources are guessed the
// way the API names them (checked against the informer factory in newFuzzEnv).
var fuzzKinds = []source.Kind{
	source.OCloud, source.ResourceType, source.ResourcePool, source.Resource, source.DeploymentManager,
	source.Location, source.OCloudSite, source.InventorySubscription, source.AlarmDictionary,
	source.AlarmEventRecord, source.AlarmSubscription, source.AlarmServiceConfiguration, source.AlarmPurge,
	source.ProvisioningRequest, source.ManagedInfrastructureTemplate, source.ProvisioningRequestSubscription,
}

// fuzzEnv serves the fuzz fixtures in-process. Its fake API behaves as the API server does
// where the handlers rely on it: writes are authorized as the impersonated caller (fuzzAuthz),
// resourceVersions bump, stale updates and failed delete preconditions conflict, and the server
// assigns ids, generated names and the subscriber. Every write is applied to the tracker and
// waited for in the informers before the call returns, so the handler's own waits for its
// cache end at once; after each input the writes are undone, so every input meets the same
// store.
type fuzzEnv struct {
	*env
	tracker k8stesting.ObjectTracker
	gvk     map[schema.GroupVersionResource]schema.GroupVersionKind
	indexer map[schema.GroupVersionResource]cache.Indexer

	// caller is the user the handler last made a client for: its writes are made as that user.
	caller user.Info
	// seq numbers the uids, resourceVersions and ids the fake server assigns; it never goes
	// back, so no two objects of a run ever share a uid and resourceVersion (the source memoises
	// renderings under that pair).
	seq int64
	// writes are the writes applied for the current input, in order.
	writes []fuzzWrite
	// unexpected names a call of the fake API no handler should make.
	unexpected string

	mu      sync.Mutex
	changed chan struct{}

	initial map[string]string
	// markers are, per user name, the strings of objects the user may not read.
	markers map[string][]string
}

// fuzzWrite is one write applied to the store.
type fuzzWrite struct {
	gvr           schema.GroupVersionResource
	ns, name      string
	before, after runtime.Object // nil before a create, after a delete
}

func newFuzzEnv(tb testing.TB) *fuzzEnv {
	tb.Helper()
	fz := &fuzzEnv{changed: make(chan struct{}), seq: 1000,
		gvk: map[schema.GroupVersionResource]schema.GroupVersionKind{}, indexer: map[schema.GroupVersionResource]cache.Indexer{}}
	objs := fuzzFixtures()
	fz.env = newEnvOf(tb, objs, func(c *Config) {
		c.Authorizer = authorizer.AuthorizerFunc(fuzzAuthz)
		c.SubscriptionNamespace = fuzzSharedNS
		c.InventoryNamespace = fuzzInventoryNS
		// Small pages, so that lists of a few objects page too.
		c.PageSize = 3
		c.ClientFor = func(u user.Info) (versioned.Interface, error) {
			fz.caller = u
			return fz.client, nil
		}
	})
	fz.tracker = fz.client.Tracker()
	for _, kind := range fuzzKinds {
		gvk := o2v1.SchemeGroupVersion.WithKind(string(kind))
		gvr, _ := meta.UnsafeGuessKindToResource(gvk)
		inf, err := fz.informers.Factory().ForResource(gvr)
		if err != nil {
			tb.Fatalf("informer of %s: %v", gvr.Resource, err)
		}
		fz.gvk[gvr], fz.indexer[gvr] = gvk, inf.Informer().GetIndexer()
		notify := func(any) { fz.notify() }
		if _, err := inf.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
			AddFunc: notify, DeleteFunc: notify, UpdateFunc: func(_, cur any) { notify(cur) },
		}); err != nil {
			tb.Fatalf("watch %s: %v", gvr.Resource, err)
		}
	}
	fz.client.PrependReactor("*", "*", fz.react)
	fz.initial = fz.snapshot(tb)
	fz.markers = map[string][]string{}
	for _, u := range fuzzUsers {
		fz.markers[u.GetName()] = fuzzMarkers(u, objs)
	}
	return fz
}

// uuidOrMarker are the strings of a fixture that are distinctive enough to search responses
// for: UUIDs and the fixtures' "zz" markers.
var uuidOrMarker = regexp.MustCompile(`(?i)[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|zz[a-z0-9.-]*[a-z0-9]`)

// fuzzMarkers are the distinctive strings (lower case) of the objects u may not read, except
// those that also occur in an object it may read (an id one object holds and another refers
// to): the strings that must never reach u unless it sent them itself.
func fuzzMarkers(u user.Info, objs []runtime.Object) []string {
	var hidden []string
	var seen strings.Builder
	for _, obj := range objs {
		visible, bounded := fuzzVisible(u, obj)
		if !bounded {
			return nil
		}
		b, _ := json.Marshal(obj)
		text := strings.ToLower(string(b))
		if visible {
			seen.WriteString(text)
			seen.WriteByte(0)
			continue
		}
		hidden = append(hidden, uuidOrMarker.FindAllString(text, -1)...)
		if ns := namespaceOf(obj); strings.HasPrefix(ns, "tenant-") {
			// Another tenant's namespace name; the operator's namespaces are configuration,
			// which some refusals name.
			hidden = append(hidden, ns)
		}
	}
	var out []string
	for _, m := range hidden {
		if !strings.Contains(seen.String(), m) && !slices.Contains(out, m) {
			out = append(out, m)
		}
	}
	return out
}

func (fz *fuzzEnv) notify() {
	fz.mu.Lock()
	close(fz.changed)
	fz.changed = make(chan struct{})
	fz.mu.Unlock()
}

func (fz *fuzzEnv) signal() <-chan struct{} {
	fz.mu.Lock()
	defer fz.mu.Unlock()
	return fz.changed
}

// await waits until the informer of gvr holds ns/name at resourceVersion rv, or nothing when
// rv is "": the moment the handler's own cache shows the write.
func (fz *fuzzEnv) await(gvr schema.GroupVersionResource, ns, name, rv string) error {
	key := name
	if ns != "" {
		key = ns + "/" + name
	}
	timeout := time.NewTimer(10 * time.Second)
	defer timeout.Stop()
	for {
		changed := fz.signal()
		obj, exists, err := fz.indexer[gvr].GetByKey(key)
		if err != nil {
			return fmt.Errorf("read %s %s from the informer: %w", gvr.Resource, key, err)
		}
		if rv == "" && !exists {
			return nil
		}
		if m, err := meta.Accessor(obj); exists && err == nil && m.GetResourceVersion() == rv {
			return nil
		}
		select {
		case <-changed:
		case <-timeout.C:
			return fmt.Errorf("the informer of %s never showed %s at resourceVersion %q", gvr.Resource, key, rv)
		}
	}
}

func (fz *fuzzEnv) next() int64 {
	fz.seq++
	return fz.seq
}

// react is the fake API server's handling of writes; reads go on to the tracker.
func (fz *fuzzEnv) react(a k8stesting.Action) (bool, runtime.Object, error) {
	gvr, ns := a.GetResource(), a.GetNamespace()
	switch a.GetVerb() {
	case "get", "list", "watch":
		return false, nil, nil
	case "create", "update", "delete":
	default:
		fz.unexpected = a.GetVerb() + " " + gvr.Resource
		return true, nil, apierrors.NewBadRequest("the fuzz environment serves no " + a.GetVerb())
	}
	name := ""
	// By verb: an update action satisfies the CreateAction interface too.
	switch a.GetVerb() {
	case "create", "update":
		m, _ := meta.Accessor(a.(k8stesting.CreateAction).GetObject())
		name = m.GetName()
	case "delete":
		name = a.(k8stesting.DeleteAction).GetName()
	}
	u := fz.caller
	if u == nil {
		fz.unexpected = a.GetVerb() + " " + gvr.Resource + " without a caller"
		return true, nil, apierrors.NewUnauthorized("no caller")
	}
	if d, _, _ := fuzzAuthz(context.Background(), authorizer.AttributesRecord{User: u, Verb: a.GetVerb(), Namespace: ns,
		APIGroup: gvr.Group, APIVersion: gvr.Version, Resource: gvr.Resource, Subresource: a.GetSubresource(), Name: name,
		ResourceRequest: true}); d != authorizer.DecisionAllow {
		return true, nil, apierrors.NewForbidden(gvr.GroupResource(), name, fmt.Errorf("user %q cannot %s %s in namespace %q", u.GetName(), a.GetVerb(), gvr.Resource, ns))
	}
	switch a.GetVerb() {
	case "create":
		return fz.create(gvr, ns, a.(k8stesting.CreateAction).GetObject().DeepCopyObject(), u)
	case "update":
		return fz.update(gvr, ns, a.(k8stesting.UpdateAction).GetObject().DeepCopyObject())
	case "delete":
		return fz.delete(gvr, ns, name, a.(k8stesting.DeleteAction).GetDeleteOptions())
	}
	return true, nil, apierrors.NewBadRequest("unexpected action")
}

func (fz *fuzzEnv) create(gvr schema.GroupVersionResource, ns string, obj runtime.Object, u user.Info) (bool, runtime.Object, error) {
	m, err := meta.Accessor(obj)
	if err != nil {
		return true, nil, apierrors.NewBadRequest(err.Error())
	}
	n := fz.next()
	if m.GetName() == "" && m.GetGenerateName() != "" {
		m.SetName(m.GetGenerateName() + strconv.FormatInt(n, 36))
	}
	m.SetNamespace(ns)
	m.SetUID(types.UID("fuzz-uid-" + strconv.FormatInt(n, 10)))
	m.SetResourceVersion(strconv.FormatInt(n, 10))
	id := fmt.Sprintf("f0000000-0000-4000-8000-%012d", n)
	subscriber := &o2v1.SubscriberInfo{Username: u.GetName(), UID: u.GetUID(), Groups: u.GetGroups()}
	switch o := obj.(type) {
	case *o2v1.InventorySubscription:
		o.Spec.SubscriptionID, o.Spec.Subscriber = id, subscriber
	case *o2v1.AlarmSubscription:
		o.Spec.AlarmSubscriptionID, o.Spec.Subscriber = id, subscriber
	case *o2v1.ProvisioningRequestSubscription:
		o.Spec.SubscriptionID, o.Spec.Subscriber = id, subscriber
	case *o2v1.AlarmPurge:
		o.Spec.TaskID = id
	case *o2v1.ProvisioningRequest:
		o.Generation = 1
		o.Status.ProvisioningPhase = o2v1.ProvisioningPhasePending
	}
	if err := fz.tracker.Create(gvr, obj, ns); err != nil {
		return true, nil, err
	}
	fz.writes = append(fz.writes, fuzzWrite{gvr: gvr, ns: ns, name: m.GetName(), after: obj.DeepCopyObject()})
	if err := fz.await(gvr, ns, m.GetName(), m.GetResourceVersion()); err != nil {
		return true, nil, apierrors.NewInternalError(err)
	}
	return true, obj, nil
}

func (fz *fuzzEnv) update(gvr schema.GroupVersionResource, ns string, obj runtime.Object) (bool, runtime.Object, error) {
	m, err := meta.Accessor(obj)
	if err != nil {
		return true, nil, apierrors.NewBadRequest(err.Error())
	}
	stored, err := fz.tracker.Get(gvr, ns, m.GetName())
	if err != nil {
		return true, nil, err
	}
	sm, _ := meta.Accessor(stored)
	if sm.GetResourceVersion() != m.GetResourceVersion() || sm.GetUID() != m.GetUID() {
		return true, nil, apierrors.NewConflict(gvr.GroupResource(), m.GetName(), errors.New("the object has been modified"))
	}
	m.SetResourceVersion(strconv.FormatInt(fz.next(), 10))
	if pr, ok := obj.(*o2v1.ProvisioningRequest); ok {
		pr.Generation++
	}
	if err := fz.tracker.Update(gvr, obj, ns); err != nil {
		return true, nil, err
	}
	fz.writes = append(fz.writes, fuzzWrite{gvr: gvr, ns: ns, name: m.GetName(), before: stored, after: obj.DeepCopyObject()})
	if err := fz.await(gvr, ns, m.GetName(), m.GetResourceVersion()); err != nil {
		return true, nil, apierrors.NewInternalError(err)
	}
	return true, obj, nil
}

func (fz *fuzzEnv) delete(gvr schema.GroupVersionResource, ns, name string, opts metav1.DeleteOptions) (bool, runtime.Object, error) {
	stored, err := fz.tracker.Get(gvr, ns, name)
	if err != nil {
		return true, nil, err
	}
	sm, _ := meta.Accessor(stored)
	if pre := opts.Preconditions; pre != nil {
		if pre.UID != nil && *pre.UID != sm.GetUID() || pre.ResourceVersion != nil && *pre.ResourceVersion != sm.GetResourceVersion() {
			return true, nil, apierrors.NewConflict(gvr.GroupResource(), name, errors.New("precondition failed"))
		}
	}
	if err := fz.tracker.Delete(gvr, ns, name); err != nil {
		return true, nil, err
	}
	fz.writes = append(fz.writes, fuzzWrite{gvr: gvr, ns: ns, name: name, before: stored})
	if err := fz.await(gvr, ns, name, ""); err != nil {
		return true, nil, apierrors.NewInternalError(err)
	}
	return true, nil, nil
}

// undo restores the store (and waits for the informers to show it) as it was before the
// input's writes.
func (fz *fuzzEnv) undo(t *testing.T) {
	t.Helper()
	for i := len(fz.writes) - 1; i >= 0; i-- {
		w := fz.writes[i]
		var err error
		rv := ""
		switch {
		case w.before == nil:
			err = fz.tracker.Delete(w.gvr, w.ns, w.name)
		case w.after == nil:
			err = fz.tracker.Create(w.gvr, w.before.DeepCopyObject(), w.ns)
		default:
			err = fz.tracker.Update(w.gvr, w.before.DeepCopyObject(), w.ns)
		}
		if w.before != nil {
			m, _ := meta.Accessor(w.before)
			rv = m.GetResourceVersion()
		}
		if err == nil {
			err = fz.await(w.gvr, w.ns, w.name, rv)
		}
		if err != nil {
			t.Fatalf("undo a write of %s %s/%s: %v", w.gvr.Resource, w.ns, w.name, err)
		}
	}
	fz.writes = fz.writes[:0]
}

// snapshot is every stored object as JSON, by resource/namespace/name.
func (fz *fuzzEnv) snapshot(tb testing.TB) map[string]string {
	tb.Helper()
	out := map[string]string{}
	for gvr, gvk := range fz.gvk {
		list, err := fz.tracker.List(gvr, gvk, "")
		if err != nil {
			tb.Fatalf("list %s: %v", gvr.Resource, err)
		}
		items, err := meta.ExtractList(list)
		if err != nil {
			tb.Fatalf("list %s: %v", gvr.Resource, err)
		}
		for _, obj := range items {
			m, _ := meta.Accessor(obj)
			b, err := json.Marshal(obj)
			if err != nil {
				tb.Fatalf("encode %s %s: %v", gvr.Resource, m.GetName(), err)
			}
			out[gvr.Resource+"/"+m.GetNamespace()+"/"+m.GetName()] = string(b)
		}
	}
	return out
}

// mayWrite reports whether u may make w: RBAC allows the verb in the namespace, and in the
// shared subscription namespace u owns the subscription or may manage others' (pkg/tenancy).
func mayWrite(u user.Info, w fuzzWrite) bool {
	verb, obj := "update", w.after
	switch {
	case w.before == nil:
		verb = "create"
	case w.after == nil:
		verb, obj = "delete", w.before
	}
	allowed := func(verb string) bool {
		d, _, _ := fuzzAuthz(context.Background(), authorizer.AttributesRecord{User: u, Verb: verb, Namespace: w.ns,
			APIGroup: w.gvr.Group, APIVersion: w.gvr.Version, Resource: w.gvr.Resource, Name: w.name, ResourceRequest: true})
		return d == authorizer.DecisionAllow
	}
	if !allowed(verb) {
		return false
	}
	if w.ns != fuzzSharedNS || !isSubscriptionResource(w.gvr.Resource) || allowed(tenancy.VerbManageOthers) {
		return true
	}
	if w.before != nil {
		obj = w.before
	}
	sub := subscriptionOf(obj).subscriber
	return sub != nil && tenancy.Owns(u, sub.Username, sub.UID)
}

// fuzzContentTypes and fuzzIfMatch are what the header selector of an input chooses from.
var (
	fuzzContentTypes = []string{"", "application/json", mergePatchType, "application/json; charset=utf-8", "text/plain", "application/json;;", "APPLICATION/JSON", "multipart/form-data; boundary=x"}
	fuzzIfMatch      = []string{"", `"5"`, "*", `"1001", "1"`, `W/"1"`}
)

// fuzzResponse is what one request got.
type fuzzResponse struct {
	status int
	header http.Header
	body   []byte
}

// serve sends one request, as the listener would pass it on: nil when net/http would refuse
// it before any handler (a method that is not a token, a request target that does not parse).
func (fz *fuzzEnv) serve(method, path, rawQuery string, body []byte, u user.Info, header uint8) *fuzzResponse {
	if !isToken(method) {
		return nil
	}
	target := path
	if rawQuery != "" {
		target += "?" + rawQuery
	}
	if strings.ContainsFunc(target, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
		return nil // the request line would not parse
	}
	reqURL, err := url.ParseRequestURI(target)
	if err != nil {
		return nil
	}
	r := &http.Request{Method: method, URL: reqURL, RequestURI: target, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: http.Header{}, Host: "o2ims.example.net", Body: io.NopCloser(bytes.NewReader(body)), ContentLength: int64(len(body))}
	if ct := fuzzContentTypes[int(header)%len(fuzzContentTypes)]; ct != "" {
		r.Header.Set("Content-Type", ct)
	}
	if im := fuzzIfMatch[int(header)/len(fuzzContentTypes)%len(fuzzIfMatch)]; im != "" {
		r.Header.Set("If-Match", im)
	}
	ctx := genericapirequest.WithUser(WithRequestState(context.Background()), u)
	rec := httptest.NewRecorder()
	WithProblemDetails(fz.inner).ServeHTTP(rec, r.WithContext(ctx))
	return &fuzzResponse{status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}
}

// isWrite reports whether method is one the O2 handlers write with.
func isWrite(method string) bool {
	switch method {
	case http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete:
		return true
	}
	return false
}

// isToken reports whether s is an HTTP token, as a request method must be.
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`"(),/:;<=>?@[\]{}`, c) >= 0 {
			return false
		}
	}
	return true
}

// requestText is everything of a request a response may echo, decoded every way the handlers
// decode it, in lower case: a marker found here was sent by the caller, not leaked to it.
func requestText(method, path, rawQuery string, body []byte, header uint8) string {
	var b strings.Builder
	add := func(s string) { b.WriteString(strings.ToLower(s)); b.WriteByte(0) }
	add(method)
	add(path)
	if p, err := url.PathUnescape(path); err == nil {
		add(p)
	}
	add(rawQuery)
	for pair := range strings.SplitSeq(rawQuery, "&") {
		for part := range strings.SplitSeq(pair, "=") {
			if v, err := url.QueryUnescape(part); err == nil {
				add(v)
				if d, err := base64.RawURLEncoding.DecodeString(v); err == nil {
					add(string(d))
				}
			}
		}
	}
	add(string(body))
	var doc any
	if json.Unmarshal(body, &doc) == nil {
		walkStrings(doc, add)
	}
	add(fuzzIfMatch[int(header)/len(fuzzContentTypes)%len(fuzzIfMatch)])
	return b.String()
}

// walkStrings calls f with every string and member name in the decoded JSON document doc.
func walkStrings(doc any, f func(string)) {
	switch v := doc.(type) {
	case string:
		f(v)
	case []any:
		for _, e := range v {
			walkStrings(e, f)
		}
	case map[string]any:
		for k, e := range v {
			f(k)
			walkStrings(e, f)
		}
	}
}

// without is rawQuery without the parameters named, however their names are spelled.
func without(rawQuery string, names ...string) string {
	var kept []string
	for pair := range strings.SplitSeq(rawQuery, "&") {
		name, _, _ := strings.Cut(pair, "=")
		if n, err := url.QueryUnescape(name); err == nil && slices.Contains(names, n) {
			continue
		}
		kept = append(kept, pair)
	}
	return strings.Join(kept, "&")
}

// check asserts the invariants every answer keeps, whatever the input.
func (fz *fuzzEnv) check(t *testing.T, method, path, rawQuery string, body []byte, u user.Info, header uint8, r *fuzzResponse) {
	t.Helper()
	what := fmt.Sprintf("%s %s?%s as %s (header %d) body %q", method, path, rawQuery, u.GetName(), header, body)
	if fz.unexpected != "" {
		t.Fatalf("%s: the handler called the API with %s", what, fz.unexpected)
	}
	// 1. Garbage input is the client's fault: never a 5xx, which would page an operator.
	switch {
	case r.status >= 500:
		t.Fatalf("%s: status %d: %s", what, r.status, r.body)
	case r.status == http.StatusMovedPermanently || r.status == http.StatusPermanentRedirect:
		// The router's redirect to the canonical path (308 for a write): no body to check.
		if r.header.Get("Location") == "" {
			t.Fatalf("%s: %d without Location", what, r.status)
		}
	case r.status < 200 || r.status >= 300 && r.status < 400:
		t.Fatalf("%s: status %d", what, r.status)
	case r.status >= 400:
		// 2. Every error is ProblemDetails, and says the status it was sent with.
		if ct := r.header.Get("Content-Type"); ct != "application/problem+json" {
			t.Fatalf("%s: %d with Content-Type %q: %s", what, r.status, ct, r.body)
		}
		var p struct {
			Status *int `json:"status"`
		}
		if err := json.Unmarshal(r.body, &p); err != nil || p.Status == nil || *p.Status != r.status {
			t.Fatalf("%s: %d with problem %s (%v)", what, r.status, r.body, err)
		}
		if r.status == http.StatusMethodNotAllowed && r.header.Get("Allow") == "" {
			t.Fatalf("%s: 405 without Allow", what)
		}
	default:
		if len(r.body) > 0 && (r.header.Get("Content-Type") != "application/json" || !json.Valid(r.body)) {
			t.Fatalf("%s: %d with Content-Type %q and body %s", what, r.status, r.header.Get("Content-Type"), r.body)
		}
	}

	// 3. Nothing of an object the caller may not read reaches it, unless it sent it itself.
	if markers := fz.markers[u.GetName()]; len(markers) > 0 {
		var got strings.Builder
		got.WriteString(strings.ToLower(string(r.body)))
		for k, vs := range r.header {
			for _, v := range vs {
				got.WriteString("\x00" + strings.ToLower(k+": "+v))
			}
		}
		sent := requestText(method, path, rawQuery, body, header)
		for _, m := range markers {
			if strings.Contains(got.String(), m) && !strings.Contains(sent, m) {
				t.Fatalf("%s: %d reveals %q of an object %s may not read: %s %v", what, r.status, m, u.GetName(), r.body, r.header)
			}
		}
	}

	// 5. A write is accepted only with a body that says one thing: exactly one JSON value, in
	// UTF-8, no member named twice (decodeMembers' rules, which every O2 write body is held
	// to). And a caller with no grant anywhere is refused (or not found) whatever it sent: a
	// write is authorized before its body, query and headers are looked at.
	if isWrite(method) {
		// (A DELETE's body has no meaning; the handlers ignore it, as servers commonly do.)
		if r.status >= 200 && r.status < 300 && method != http.MethodDelete {
			if !json.Valid(body) || !utf8.Valid(body) {
				t.Fatalf("%s: %d for a body that is not one well-formed JSON value", what, r.status)
			}
			if path, dup := duplicateMember(body); dup {
				t.Fatalf("%s: %d for a body that gives member %s twice", what, r.status, path)
			}
		}
		if u.GetName() == "carol" && r.status != http.StatusForbidden && r.status != http.StatusNotFound &&
			r.status != http.StatusMethodNotAllowed && r.status != http.StatusPermanentRedirect {
			t.Fatalf("%s: %d for a caller who may write nothing: %s", what, r.status, r.body)
		}
	}

	// 4. Reads write nothing; a refused write leaves the store as it was; a write changes only
	// what the caller may change.
	if method == http.MethodGet || method == http.MethodHead {
		if len(fz.writes) > 0 {
			t.Fatalf("%s: a read wrote %s %s/%s", what, fz.writes[0].gvr.Resource, fz.writes[0].ns, fz.writes[0].name)
		}
	} else {
		after := fz.snapshot(t)
		changed := len(after) != len(fz.initial)
		for k, v := range after {
			if fz.initial[k] != v {
				changed = true
			}
		}
		if changed && r.status >= 300 {
			t.Fatalf("%s: %d, but the store changed (%d writes)", what, r.status, len(fz.writes))
		}
		if changed != (len(fz.writes) > 0) {
			t.Fatalf("%s: the store changed other than through the API (%d writes)", what, len(fz.writes))
		}
		for _, w := range fz.writes {
			if !mayWrite(u, w) {
				t.Fatalf("%s: %s changed %s %s/%s, which it may not", what, u.GetName(), w.gvr.Resource, w.ns, w.name)
			}
		}
	}
}

// checkFilterNarrows asserts that a filtered list (page) holds no item the same list without
// the filter does not: a filter only ever narrows. The unfiltered list is read whole, page by
// page from the first, since the filtered page's position (a marker or a page number) does not
// pick the same items in a list of other items.
func (fz *fuzzEnv) checkFilterNarrows(t *testing.T, path, rawQuery string, body []byte, u user.Info, header uint8, r *fuzzResponse) {
	t.Helper()
	q, err := query.ParseRawQuery(rawQuery)
	if err != nil || !q.Has(query.ParamFilter) || r.status != http.StatusOK {
		return
	}
	var filtered []json.RawMessage
	if json.Unmarshal(r.body, &filtered) != nil {
		return // not a list
	}
	left := map[string]int{}
	next := without(rawQuery, query.ParamFilter, query.ParamNextPageMarker)
	for pages := 0; next != "" || pages == 0; pages++ {
		if pages > 100 {
			t.Fatalf("GET %s?%s as %s: the list without the filter does not end", path, rawQuery, u.GetName())
		}
		all := fz.serve(http.MethodGet, path, next, body, u, header)
		if all == nil || all.status != http.StatusOK {
			t.Fatalf("GET %s?%s as %s: 200, but without the filter (?%s) %+v", path, rawQuery, u.GetName(), next, all)
		}
		var unfiltered []json.RawMessage
		if err := json.Unmarshal(all.body, &unfiltered); err != nil {
			t.Fatalf("GET %s?%s as %s: not a list: %s", path, next, u.GetName(), all.body)
		}
		for _, it := range unfiltered {
			left[string(it)]++
		}
		next = ""
		if link := all.header.Get("Link"); link != "" {
			u, err := url.Parse(strings.TrimSuffix(strings.TrimPrefix(link, "<"), `>; rel="next"`))
			if err != nil {
				t.Fatalf("GET %s: Link %q: %v", path, link, err)
			}
			next = u.RawQuery
		}
	}
	for _, it := range filtered {
		if left[string(it)] == 0 {
			t.Fatalf("GET %s?%s as %s: item %s is not in the list without the filter", path, rawQuery, u.GetName(), it)
		}
		left[string(it)]--
	}
}

// The user selector values of the seeds (indexes in fuzzUsers) and header selector values
// (content type + len(fuzzContentTypes) * If-Match).
const (
	fzAdmin uint8 = iota
	fzAlice
	fzBob
	fzCarol
	fzDave
	fzAnonymous
	fzServiceAccount
	fzErin
	fzFrank
)

const (
	fzNoHeader  uint8 = 0
	fzJSON      uint8 = 1
	fzMerge     uint8 = 2
	fzJSONMatch uint8 = 1 + 8*1 // application/json, If-Match "5"
	fzMergeAny  uint8 = 2 + 8*2 // merge patch, If-Match *
)

// fuzzSeed is one seed input of FuzzHandler.
type fuzzSeed struct {
	method, path, rawQuery, body string
	user, header                 uint8
}

// fuzzSeeds are real requests of every route family, on the default and on tenant apiRoots,
// by callers on either side of a tenant boundary.
func fuzzSeeds() []fuzzSeed {
	inv, mon, prov, art := inventory+"/v1", monitoring+"/v1", provisioning+"/v1", artifacts+"/v1"
	inv2, mon2 := inventory+"/v2", monitoring+"/v2"
	reads := [][2]string{
		{inventory + "/api_versions", ""},
		{inv + "/api_versions", ""},
		{inv, ""},
		{inv2 + "/", "fields=oCloudId"},
		{inv + "/resourcePools", ""},
		{inv + "/resourcePools", "filter=(eq,name,ran)&fields=name,extensions/country"},
		{inv2 + "/resourcePools", "filter=(neq,name,core);(cont,description,RAN)&exclude_fields=extensions"},
		{inv + "/resourcePools", "all_fields&nextpage_opaque_marker=" + encodeMarker("tenant-a/ran")},
		{inv2 + "/resourcePools", "nextpage_opaque_marker=2"},
		{inv + "/resourcePools/" + poolA, "all_fields"},
		{inv2 + "/resourcePools/" + poolB, ""},
		{inv + "/resourcePools/" + poolA + "/resources", "filter=(in,tags,du,cu)"},
		{inv2 + "/resourcePools/" + poolA + "/resources/" + res1, "exclude_fields=extensions"},
		{inv + "/resourceTypes", "filter=(eq,alarmDictionary/alarmDictionaryId," + dictType + ")&fields=alarmDictionary"},
		{inv + "/resourceTypes/" + typeID, "all_fields"},
		{inv2 + "/resourceTypes/" + fzTypeB + "/alarmDictionary", ""},
		{inv2 + "/alarmDictionaries", "filter=(eq,vendor,netweave)"},
		{inv2 + "/alarmDictionaries/" + dictStandard, ""},
		{inv + "/deploymentManagers", "filter=(eq,oCloudId," + ocloudID + ")"},
		{inv2 + "/deploymentManagers/" + dmID, "profile=k8s"},
		{inv + "/deploymentManagers/" + fzDMB, "all_fields"},
		{inv2 + "/locations", "filter=(cont,name,o)"},
		{inv2 + "/locations/CA-TOR", "all_fields"},
		{inv2 + "/locations", "fields=oCloudSiteIds"},
		{inv2 + "/oCloudSites/" + siteID, ""},
		{inv2 + "/oCloudSites", "filter=(eq,globalLocationId,CA-TOR)"},
		{inv + "/subscriptions", "filter=(eq,callback,https://smo-a.example.net/cb)"},
		{inv2 + "/subscriptions/" + fzSubShared, ""},
		{mon + "/alarms", "filter=(eq,perceivedSeverity,1);(eq,alarmAcknowledged,false)"},
		{mon2 + "/alarms", "filter=(in,objectId," + res1 + "," + resB + ")&fields=alarmEventRecordId"},
		{mon + "/alarms/" + alarmB, ""},
		{mon + "/alarmSubscriptions", ""},
		{mon2 + "/alarmSubscriptions/" + fzAlarmSubB, ""},
		{mon + "/alarmServiceConfiguration", ""},
		{mon2 + "/taskOperations", "filter=(eq,operationState,COMPLETED)"},
		{mon2 + "/taskOperations/" + fzTaskB, ""},
		{prov + "/provisioningRequests", "filter=(eq,provisioningRequestData/templateName,demo)"},
		{prov + "/provisioningRequests/" + fzRequestA, "fields=extensions"},
		{prov + "/subscriptions", "filter=(eq,callback,x)"},
		{prov + "/subscriptions/" + fzProvSubB, ""},
		{art + "/managedInfrastructureTemplates", "filter=(eq,name,zzi-template)"},
		{art + "/managedInfrastructureTemplates/zzi-template.v1", ""},
		{art + "/managedInfrastructureTemplates/" + localUID, ""},
		{art + "/managedInfrastructureTemplates/" + fzTemplateI + "/defaults", ""},
		{monitoring + "/v3/api_versions", ""},
		{"//" + inventory + "/v1/./resourcePools", ""},
		{inv2 + "/resourcePools/" + poolA + "/resources", "exclude_default&nextpage_opaque_marker=1"},
		{inv2 + "/deploymentManagers/" + dmID, "profile=native_k8sapi&fields=extensions"},
	}
	// One seed per read, on a root and by a caller that vary from read to read: the fuzzer
	// spends its time mutating each seed in turn, so few seeds go further than many.
	roots := []string{"", "/tenants/tenant-a", "/tenants/tenant-b", "", "/tenants/" + fuzzSharedNS}
	users := []uint8{fzAlice, fzAlice, fzBob, fzCarol, fzDave, fzAdmin}
	var seeds []fuzzSeed
	for i, r := range reads {
		seeds = append(seeds, fuzzSeed{"GET", roots[i%len(roots)] + r[0], r[1], "", users[i%len(users)], fzNoHeader})
	}
	sub := func(callback, filter string) string {
		return `{"callback":"` + callback + `","consumerSubscriptionId":"3f20d850-af4f-484f-8b5a-0ad585410361","filter":"` + filter + `"}`
	}
	seeds = append(seeds,
		fuzzSeed{"POST", "/tenants/tenant-a" + inv + "/subscriptions", "", sub("https://smo.example.net/new", "(eq,resourcePoolId,"+poolA+")"), fzAlice, fzJSON},
		fuzzSeed{"POST", inv2 + "/subscriptions", "", sub("https://dave.example.net/cb", ""), fzDave, fzJSON},
		fuzzSeed{"POST", inv2 + "/subscriptions", "", sub("https://zzs-admin.example.net/cb", ""), fzDave, fzNoHeader},
		fuzzSeed{"POST", "/tenants/tenant-b" + inv + "/subscriptions", "", `{"callback":`, fzAlice, fzJSON},
		fuzzSeed{"DELETE", "/tenants/tenant-a" + inv + "/subscriptions/" + fzSubA, "", "", fzAlice, fzNoHeader},
		fuzzSeed{"DELETE", inv + "/subscriptions/" + fzSubShared, "", "", fzDave, fzNoHeader},
		fuzzSeed{"DELETE", inv + "/subscriptions/" + fzSubDave, "", "", fzDave, fzNoHeader},
		fuzzSeed{"DELETE", "/tenants/" + fuzzSharedNS + inv2 + "/subscriptions/" + fzSubShared, "", "", fzDave, fzNoHeader},
		fuzzSeed{"POST", "/tenants/" + fuzzSharedNS + inv2 + "/subscriptions", "", sub("https://zzs-admin.example.net/cb", ""), fzDave, fzJSON},
		fuzzSeed{"GET", "/tenants/" + fuzzSharedNS + inv + "/subscriptions", "filter=(neq,callback,x)", "", fzDave, fzNoHeader},
		fuzzSeed{"DELETE", inv + "/subscriptions/" + fzSubB, "", "", fzAlice, fzNoHeader},
		fuzzSeed{"POST", "/tenants/tenant-a" + mon + "/alarmSubscriptions", "", sub("https://smo.example.net/alarms", "NEW"), fzAlice, fzJSON},
		fuzzSeed{"POST", mon2 + "/alarmSubscriptions", "", sub("https://smo.example.net/alarms", "perceivedSeverity=5"), fzAdmin, fzJSON},
		fuzzSeed{"DELETE", mon2 + "/alarmSubscriptions/" + fzAlarmSubA, "", "", fzAlice, fzNoHeader},
		fuzzSeed{"POST", "/tenants/tenant-a" + prov + "/subscriptions", "", sub("https://smo.example.net/prov", "(eq,status/provisioningPhase,FULFILLED)"), fzAlice, fzJSON},
		fuzzSeed{"DELETE", "/tenants/tenant-b" + prov + "/subscriptions/" + fzProvSubB, "", "", fzBob, fzNoHeader},
		fuzzSeed{"PATCH", mon + "/alarms/" + alarmA, "", `{"alarmAcknowledged":true}`, fzAlice, fzMerge},
		fuzzSeed{"PATCH", mon2 + "/alarms/" + alarmA, "", `{"perceivedSeverity":5}`, fzAlice, 2 + 8*1},
		fuzzSeed{"PATCH", mon + "/alarms/" + alarmB, "", `{"alarmAcknowledged":true}`, fzAlice, fzMerge},
		fuzzSeed{"PATCH", "/tenants/tenant-b" + mon + "/alarms/" + alarmB, "", `{"perceivedSeverity":5}`, fzBob, fzMergeAny},
		fuzzSeed{"POST", "/tenants/tenant-a" + mon2 + "/alarms/purge", "", `{"alarmRecordId":["` + alarmA2 + `"],"purgeConditions":{"endWindowTime":"2042-07-21T20:32:28Z"}}`, fzAlice, fzJSON},
		fuzzSeed{"POST", mon2 + "/alarms/purge", "", `{"alarmRecordId":[]}`, fzCarol, fzJSON},
		fuzzSeed{"POST", mon2 + "/alarms/purge", "", `{"alarmRecordId":[]}`, fzAdmin, fzJSON},
		fuzzSeed{"PUT", "/tenants/tenant-a" + prov + "/provisioningRequests/" + fzRequestA, "", requestBody(fzRequestA, "v1.32.0", `{}`), fzCarol, fzJSON},
		fuzzSeed{"PUT", mon + "/alarmServiceConfiguration", "", `{"retentionPeriod":3,"extensions":{"site":"tor"}}`, fzAdmin, fzJSON},
		fuzzSeed{"PATCH", mon2 + "/alarmServiceConfiguration", "", `{"retentionPeriod":9}`, fzAdmin, fzMerge},
		fuzzSeed{"PATCH", mon2 + "/alarmServiceConfiguration", "", `{"retentionPeriod":9}`, fzAlice, fzMerge},
		fuzzSeed{"POST", "/tenants/tenant-a" + prov + "/provisioningRequests", "", requestBody(requestID, "v1.31.0", `{"workers":3}`), fzAlice, fzJSON},
		fuzzSeed{"POST", prov + "/provisioningRequests", "", requestBody(requestID, "v1", `{}`), fzAdmin, fzNoHeader},
		fuzzSeed{"PUT", "/tenants/tenant-a" + prov + "/provisioningRequests/" + fzRequestA, "", requestBody(fzRequestA, "v1.32.0", `{"workers":2}`), fzAlice, fzJSONMatch},
		fuzzSeed{"PUT", "/tenants/tenant-a" + prov + "/provisioningRequests/" + fzRequestA, "", requestBody(fzRequestA, "v1.32.0", `{}`), fzAlice, 1 + 8*3},
		fuzzSeed{"PUT", "/tenants/tenant-b" + prov + "/provisioningRequests/" + fzRequestB, "", requestBody(fzRequestB, "v2", `{}`), fzAlice, fzJSON},
		fuzzSeed{"DELETE", "/tenants/tenant-a" + prov + "/provisioningRequests/" + fzRequestA, "", "", fzAlice, 8 * 2},
		fuzzSeed{"DELETE", prov + "/provisioningRequests/" + fzRequestI, "", "", fzAdmin, 8 * 1},
		fuzzSeed{"OPTIONS", inv + "/resourcePools", "", "", fzAlice, fzNoHeader},
		fuzzSeed{"HEAD", "/tenants/tenant-a" + inv + "/resourcePools/" + poolA, "", "", fzAlice, fzNoHeader},
		fuzzSeed{"GET", inv + "/resourcePools", "", "", fzAnonymous, fzNoHeader},
		fuzzSeed{"GET", "/tenants/tenant-a" + inv + "/resourcePools", "", "", fzServiceAccount, fzNoHeader},
		fuzzSeed{"GET", "/tenants/tenant-a" + inv2 + "/oCloudSites", "", "", fzFrank, fzNoHeader},
		fuzzSeed{"GET", "/tenants/tenant-a" + inv2 + "/locations", "", "", fzErin, fzNoHeader},
	)
	return seeds
}

// FuzzHandler sends whatever request (method, path, query, body, caller, content type and
// If-Match) to the whole O2 handler, in-process, over a store holding objects of every kind in
// two tenants, the shared subscription namespace and the inventory namespace, and asserts the
// invariants every answer keeps (check): no 5xx, errors as ProblemDetails, nothing of an
// object the caller may not read in the answer, no write outside what the caller may change
// and none at all when refused, no write accepted from a body that is not one well-formed JSON
// value, a caller without any grant refused whatever it sent; and for a filtered list, no item
// the unfiltered list has not. Run it with
//
//	go test -run '^$' -fuzz '^FuzzHandler$' -fuzztime 3m ./pkg/o2rest/
//
// Each input takes well under a millisecond; the seeds below and testdata/fuzz/FuzzHandler
// (crashers it found, kept as regression inputs) run with every go test.
func FuzzHandler(f *testing.F) {
	for _, s := range fuzzSeeds() {
		f.Add(s.method, s.path, s.rawQuery, []byte(s.body), s.user, s.header)
	}
	fz := newFuzzEnv(f)
	f.Fuzz(func(t *testing.T, method, path, rawQuery string, body []byte, userSel, header uint8) {
		u := fuzzUsers[int(userSel)%len(fuzzUsers)]
		fz.caller, fz.unexpected = nil, ""
		defer fz.client.ClearActions()
		defer fz.undo(t)
		r := fz.serve(method, path, rawQuery, body, u, header)
		if r == nil {
			return
		}
		fz.check(t, method, path, rawQuery, body, u, header, r)
		if method == http.MethodGet {
			fz.checkFilterNarrows(t, path, rawQuery, body, u, header, r)
		}
	})
}
