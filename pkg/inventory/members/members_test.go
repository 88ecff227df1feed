package members

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	dynamicfake "k8s.io/client-go/dynamic/fake"
	kubefake "k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
	clusterv1 "sigs.k8s.io/cluster-api/api/core/v1beta2"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	o2fake "github.com/netweave-io/netweave/generated/clientset/versioned/fake"
	"github.com/netweave-io/netweave/generated/informers/externalversions"
	"github.com/netweave-io/netweave/pkg/inventory"
	"github.com/netweave-io/netweave/pkg/inventory/kube"
	"github.com/netweave-io/netweave/pkg/netclass"
	"github.com/netweave-io/netweave/pkg/o2informers"
	"github.com/netweave-io/netweave/pkg/provisioning/clusterapi"
)

const (
	testOCloud = "5b0c0f5e-2f0a-4d1c-9a53-3d2f1c0b7a11"
	invNS      = "o2ims-system"
)

func TestMemberIDs(t *testing.T) {
	ids, err := inventory.NewIDs(testOCloud)
	if err != nil {
		t.Fatal(err)
	}
	a, a2, b := ids.Member("edge-1"), ids.Member("edge-1"), ids.Member("edge-2")
	if a.OCloudID() != testOCloud || b.OCloudID() != testOCloud {
		t.Errorf("members report oCloudId %s, %s; want the O-Cloud's %s", a.OCloudID(), b.OCloudID(), testOCloud)
	}
	if a.Of("Node", "n1") != a2.Of("Node", "n1") {
		t.Error("a member's ids are not stable")
	}
	if a.Of("Node", "n1") == b.Of("Node", "n1") || a.Of("Node", "n1") == ids.Of("Node", "n1") {
		t.Error("members' ids collide with each other's or the local cluster's")
	}
	// The local cluster's ids are what they were before members existed: UUIDv5 of the
	// O-Cloud id and kind/key.
	if got, want := ids.Of("Node", "n1"), uuid.NewSHA1(uuid.MustParse(testOCloud), []byte("Node/n1")).String(); got != want {
		t.Errorf("local id of Node/n1: %s, want %s", got, want)
	}
	member := uuid.NewSHA1(uuid.MustParse(testOCloud), []byte("member/edge-1"))
	if got, want := a.Of("Node", "n1"), uuid.NewSHA1(member, []byte("Node/n1")).String(); got != want {
		t.Errorf("member id of Node/n1: %s, want %s (the documented formula)", got, want)
	}
}

func TestRegistrationOf(t *testing.T) {
	for _, tc := range []struct {
		name       string
		secret     corev1.Secret
		want       string
		wantErr    bool
		kubeconfig string
	}{
		{name: "key kubeconfig", secret: corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "edge-1"}, Data: map[string][]byte{"kubeconfig": []byte("a")}}, want: "edge-1", kubeconfig: "a"},
		{name: "Cluster API secret", secret: corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "edge-2-kubeconfig"}, Data: map[string][]byte{"value": []byte("b")}}, want: "edge-2", kubeconfig: "b"},
		{name: "kubeconfig wins over value", secret: corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "x"}, Data: map[string][]byte{"value": []byte("b"), "kubeconfig": []byte("a")}}, want: "x", kubeconfig: "a"},
		{name: "annotation names it", secret: corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "x", Annotations: map[string]string{v1alpha1.AnnotationClusterName: "Far Edge"}}, Data: map[string][]byte{"kubeconfig": []byte("a")}}, want: inventory.ObjectName("Far Edge"), kubeconfig: "a"},
		{name: "no kubeconfig", secret: corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "x"}, Data: map[string][]byte{"other": []byte("a")}}, want: "x", wantErr: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := RegistrationOf(&tc.secret, OriginInventory)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err %v, want error %v", err, tc.wantErr)
			}
			if r.Name != tc.want || string(r.Kubeconfig) != tc.kubeconfig {
				t.Errorf("got name %q kubeconfig %q, want %q %q", r.Name, r.Kubeconfig, tc.want, tc.kubeconfig)
			}
		})
	}
}

func TestReachabilityChangesOnlyOnTransitions(t *testing.T) {
	var r reachability
	if st := r.status(); st.OperationalState != v1alpha1.OperationalStateUnknown {
		t.Errorf("before a check: %s", st.OperationalState)
	}
	if !r.set(nil) || r.set(nil) {
		t.Error("first success must change the state, the second not")
	}
	first := r.status()
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connect: connection refused")}
	if !r.set(refused) || r.set(errors.New("another error")) {
		t.Error("first failure must change the state, the second not")
	}
	st := r.status()
	c := meta.FindStatusCondition(st.Conditions, v1alpha1.DeploymentManagerClusterReachable)
	if st.OperationalState != v1alpha1.OperationalStateDisabled || c.Status != metav1.ConditionFalse ||
		c.Reason != v1alpha1.ReasonClusterUnreachable || c.Message != netclass.APIServerConnect {
		t.Errorf("unreachable status %+v", st)
	}
	if first.OperationalState != v1alpha1.OperationalStateEnabled {
		t.Errorf("reachable status %+v", first)
	}
}

// rig is a central cluster with member Secrets, a fake member cluster and a manager.
type rig struct {
	t       *testing.T
	central *kubefake.Clientset
	member  *kubefake.Clientset
	o2      *o2fake.Clientset
	dyn     *dynamicfake.FakeDynamicClient // Cluster API's Clusters
	down    atomic.Bool
	mgr     *Manager
	// stop ends the manager's Run; done is closed when Run has returned.
	stop func()
	done chan struct{}

	mu        sync.Mutex
	connected []string // the kubeconfigs Connect was called with
	ignored   []string // why the manager ignored tenants' Secrets, in order
}

// newRig is a manager of one member, edge-1, registered in the inventory namespace.
func newRig(t *testing.T) *rig {
	secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "edge-1-kubeconfig", Namespace: invNS,
		Labels: map[string]string{v1alpha1.LabelMemberCluster: "true"}}, Data: map[string][]byte{"value": []byte("kubeconfig of edge-1")}}
	return newRigWith(t, nil, secret)
}

// newRigWith is a manager of the members the secrets register, configured by configure.
// Every member is the same fake cluster; a kubeconfig is accepted if it holds
// "kubeconfig of ", which tells that it came from a Secret.
func newRigWith(t *testing.T, configure func(*Config), secrets ...runtime.Object) *rig {
	r := &rig{t: t}
	r.central = kubefake.NewSimpleClientset(secrets...)
	r.member = kubefake.NewSimpleClientset(
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "kube-system", UID: "member-ks-uid"}},
		&corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "n1", UID: types.UID("uid-n1"), Labels: map[string]string{"topology.kubernetes.io/zone": "zone-a"}}})
	r.o2 = o2fake.NewSimpleClientset()
	r.dyn = dynamicfake.NewSimpleDynamicClientWithCustomListKinds(runtime.NewScheme(), map[schema.GroupVersionResource]string{clusterapi.Clusters: "ClusterList"})
	// The generated fake lists kind O2ResourceList, which its scheme registers as ResourceList.
	r.o2.PrependReactor("list", "resources", func(a k8stesting.Action) (bool, runtime.Object, error) {
		objs, err := r.o2.Tracker().List(a.GetResource(), v1alpha1.SchemeGroupVersion.WithKind("Resource"), a.GetNamespace())
		return true, objs, err
	})
	// A local cluster's object of the same name the member's would have without its prefix,
	// and a managed local one: neither may be touched.
	local := &v1alpha1.O2Resource{ObjectMeta: inventory.ManagedMeta(invNS, "n1", "Node/n1"), Spec: v1alpha1.ResourceSpec{ResourceID: "11111111-1111-4111-8111-111111111111"}}
	if _, err := r.o2.O2imsV1alpha1().O2Resources(invNS).Create(context.Background(), local, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	ids, err := inventory.NewIDs(testOCloud)
	if err != nil {
		t.Fatal(err)
	}
	// The process's shared O2 informers, each member's sync a term of them, as in the server:
	// a member's sync that stops (replaced by another Secret's) stops nothing the next needs.
	o2inf, err := o2informers.New(r.o2, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{
		Namespace: invNS, Secrets: r.central, O2: r.o2, Dynamic: r.dyn,
		NewTerm: func() externalversions.SharedInformerFactory { return o2inf.Term() },
		Connect: func(reg Registration) (*Clients, error) {
			kubeconfig := reg.Kubeconfig
			if !strings.Contains(string(kubeconfig), "kubeconfig of ") {
				return nil, fmt.Errorf("unexpected kubeconfig %q", kubeconfig)
			}
			r.mu.Lock()
			r.connected = append(r.connected, string(kubeconfig))
			r.mu.Unlock()
			return &Clients{Kube: r.member, Host: "https://edge-1.example.net:6443", Probe: func(context.Context) error {
				if r.down.Load() {
					return errors.New("dial tcp: connection refused")
				}
				return nil
			}}, nil
		},
		IDs: ids, PoolLabel: kube.DefaultPoolLabel, FieldManager: "test", ProbeInterval: 10 * time.Millisecond,
		RetryInterval: 10 * time.Millisecond,
	}
	if configure != nil {
		configure(&cfg)
	}
	r.mgr = NewManager(cfg)
	r.mgr.ignored = func(_, why string) {
		r.mu.Lock()
		defer r.mu.Unlock()
		r.ignored = append(r.ignored, why)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	r.stop, r.done = cancel, done
	go func() {
		defer close(done)
		if err := r.mgr.Run(ctx); err != nil {
			t.Errorf("manager: %v", err)
		}
	}()
	o2inf.Start(ctx)
	t.Cleanup(func() {
		cancel()
		<-done
		o2inf.Shutdown()
	})
	return r
}

// request creates the ProvisioningRequest id in namespace, whose cluster a tenant's Secret
// may then register.
func (r *rig) request(namespace, id string) {
	r.t.Helper()
	pr := &v1alpha1.ProvisioningRequest{ObjectMeta: metav1.ObjectMeta{Name: id, Namespace: namespace, UID: types.UID("uid-" + id)},
		Spec: v1alpha1.ProvisioningRequestSpec{ProvisioningRequestID: id}}
	if _, err := r.o2.O2imsV1alpha1().ProvisioningRequests(namespace).Create(context.Background(), pr, metav1.CreateOptions{}); err != nil {
		r.t.Fatal(err)
	}
}

// cluster writes the Cluster of the request id in namespace as the provisioning controller
// and Cluster API would: built for it (request uid as request sets it), its control plane at
// endpoint ("host:port"; none when "").
func (r *rig) cluster(namespace, id, endpoint string, mutate ...func(*clusterv1.Cluster)) {
	r.t.Helper()
	c := &clusterv1.Cluster{ObjectMeta: metav1.ObjectMeta{Name: ProvisionedName(namespace, id), Namespace: namespace, Labels: map[string]string{
		v1alpha1.LabelManagedBy: v1alpha1.ManagedByProvisioning, v1alpha1.LabelProvisioningRequest: id,
		v1alpha1.LabelProvisioningRequestUID: "uid-" + id,
	}}}
	if endpoint != "" {
		host, port, err := net.SplitHostPort(endpoint)
		if err != nil {
			r.t.Fatal(err)
		}
		p, err := strconv.Atoi(port)
		if err != nil {
			r.t.Fatal(err)
		}
		c.Spec.ControlPlaneEndpoint = clusterv1.APIEndpoint{Host: host, Port: int32(p)}
	}
	for _, m := range mutate {
		m(c)
	}
	u, err := clusterapi.ToUnstructured(c, clusterv1.ClusterKind)
	if err != nil {
		r.t.Fatal(err)
	}
	res := r.dyn.Resource(clusterapi.Clusters).Namespace(namespace)
	_, err = res.Get(context.Background(), c.Name, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		_, err = res.Create(context.Background(), u, metav1.CreateOptions{})
	case err == nil:
		_, err = res.Update(context.Background(), u, metav1.UpdateOptions{})
	}
	if err != nil {
		r.t.Fatal(err)
	}
}

// provision is a tenant's request id in namespace built to the end: the request, its Cluster
// at tenantEndpoint, whose kubeconfig (tenantKubeconfig) its Secret may then hold.
func (r *rig) provision(namespace, id string) {
	r.t.Helper()
	r.request(namespace, id)
	r.cluster(namespace, id, tenantEndpoint)
}

// tenantEndpoint is the control plane endpoint of the clusters provision builds.
const tenantEndpoint = "cp.tenant.example.net:6443"

// tenantKubeconfig is a kubeconfig of server, told apart by what.
func tenantKubeconfig(what, server string) string {
	return "# kubeconfig of " + what + `
apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "` + server + `"}}]
users: [{name: u, user: {token: t}}]
contexts: [{name: x, context: {cluster: c, user: u}}]
current-context: x
`
}

// enabled waits until the member's DeploymentManager says ENABLED.
func (r *rig) enabled(what string) {
	r.eventually(what, func() error {
		dm, err := r.manager()
		if err != nil {
			return err
		}
		if dm.Status.OperationalState != v1alpha1.OperationalStateEnabled {
			return fmt.Errorf("state %s", dm.Status.OperationalState)
		}
		return nil
	})
}

func (r *rig) eventually(what string, check func() error) {
	r.t.Helper()
	var last error
	err := wait.PollUntilContextTimeout(context.Background(), 10*time.Millisecond, wait.ForeverTestTimeout, true, func(context.Context) (bool, error) {
		last = check()
		return last == nil, nil
	})
	if err != nil {
		r.t.Fatalf("%s: %v", what, last)
	}
}

// runs returns the key of the Secret whose registration of member runs, "" if none does.
func (r *rig) runs(member string) string {
	r.mgr.mu.Lock()
	defer r.mgr.mu.Unlock()
	if m := r.mgr.running[member]; m != nil {
		return m.reg.key()
	}
	return ""
}

// ignoredFor waits until the manager ignored a tenant's Secret for why (notBuiltReason).
func (r *rig) ignoredFor(why string) {
	r.t.Helper()
	r.eventually("a tenant's Secret ignored: "+why, func() error {
		r.mu.Lock()
		defer r.mu.Unlock()
		if !slices.Contains(r.ignored, why) {
			return fmt.Errorf("ignored for %q", r.ignored)
		}
		return nil
	})
}

func (r *rig) connectedWith(kubeconfig string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Contains(r.connected, kubeconfig)
}

// tenantOf checks the tenant label of member's DeploymentManager ("": none).
func (r *rig) tenantOf(member, tenant string) error {
	dm, err := r.o2.O2imsV1alpha1().DeploymentManagers(invNS).Get(context.Background(), inventory.ObjectName(member), metav1.GetOptions{})
	if err != nil {
		return err
	}
	if got, ok := dm.Labels[v1alpha1.LabelTenant]; got != tenant || ok != (tenant != "") {
		return fmt.Errorf("deployment manager %s labelled tenant %q (%v), want %q", dm.Name, got, ok, tenant)
	}
	return nil
}

func (r *rig) manager() (*v1alpha1.DeploymentManager, error) {
	return r.o2.O2imsV1alpha1().DeploymentManagers(invNS).Get(context.Background(), "edge-1", metav1.GetOptions{})
}

func TestMemberLifecycle(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	ids, _ := inventory.NewIDs(testOCloud)
	res := r.o2.O2imsV1alpha1().O2Resources(invNS)
	r.eventually("member resource with the member's id", func() error {
		got, err := res.Get(ctx, "edge-1-n1", metav1.GetOptions{})
		if err != nil {
			return err
		}
		if got.Labels[v1alpha1.LabelCluster] != "edge-1" {
			return fmt.Errorf("labels %v", got.Labels)
		}
		node, _ := r.member.CoreV1().Nodes().Get(ctx, "n1", metav1.GetOptions{})
		if want := kube.NodeResourceID(ids.Member("edge-1"), node); got.Spec.ResourceID != want {
			return fmt.Errorf("resourceId %s, want %s", got.Spec.ResourceID, want)
		}
		return nil
	})
	r.eventually("member manager enabled", func() error {
		dm, err := r.manager()
		if err != nil {
			return err
		}
		if dm.Spec.ServiceURI != "https://edge-1.example.net:6443" || dm.Spec.DeploymentManagerID != ids.Member("edge-1").Of("Cluster", "member-ks-uid") {
			return fmt.Errorf("spec %+v", dm.Spec)
		}
		if dm.Status.OperationalState != v1alpha1.OperationalStateEnabled {
			return fmt.Errorf("state %s", dm.Status.OperationalState)
		}
		return nil
	})

	r.down.Store(true)
	r.eventually("member manager disabled", func() error {
		dm, err := r.manager()
		if err != nil {
			return err
		}
		c := meta.FindStatusCondition(dm.Status.Conditions, v1alpha1.DeploymentManagerClusterReachable)
		if dm.Status.OperationalState != v1alpha1.OperationalStateDisabled || c == nil || c.Status != metav1.ConditionFalse {
			return fmt.Errorf("status %+v", dm.Status)
		}
		return nil
	})
	if _, err := res.Get(ctx, "edge-1-n1", metav1.GetOptions{}); err != nil {
		t.Errorf("unreachable member's resource: %v", err)
	}
	r.down.Store(false)
	r.enabled("member manager enabled again")

	if err := r.central.CoreV1().Secrets(invNS).Delete(ctx, "edge-1-kubeconfig", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	r.eventually("member objects removed", func() error {
		if _, err := res.Get(ctx, "edge-1-n1", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
			return fmt.Errorf("resource: %v", err)
		}
		if _, err := r.manager(); !apierrors.IsNotFound(err) {
			return fmt.Errorf("manager: %v", err)
		}
		if n := len(r.mgr.Running()); n != 0 {
			return fmt.Errorf("%d member syncs still run", n)
		}
		return nil
	})
	if _, err := res.Get(ctx, "n1", metav1.GetOptions{}); err != nil {
		t.Errorf("local resource: %v", err)
	}
}

// TestIsCAPIKubeconfig: of the Secrets Cluster API labels with a cluster, only the
// <cluster>-kubeconfig one of its type registers a member.
func TestIsCAPIKubeconfig(t *testing.T) {
	capi := func(name, cluster string, typ corev1.SecretType) *corev1.Secret {
		return &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{CAPIClusterLabel: cluster}}, Type: typ}
	}
	for _, tc := range []struct {
		s    *corev1.Secret
		want bool
	}{
		{capi("edge-1-kubeconfig", "edge-1", CAPISecretType), true},
		{capi("edge-1-ca", "edge-1", CAPISecretType), false},
		{capi("edge-1-kubeconfig", "edge-2", CAPISecretType), false},
		{capi("edge-1-kubeconfig", "edge-1", corev1.SecretTypeOpaque), false},
		{capi("-kubeconfig", "", CAPISecretType), false},
	} {
		if got := IsCAPIKubeconfig(tc.s); got != tc.want {
			t.Errorf("%s (cluster %q, type %s): %t, want %t", tc.s.Name, tc.s.Labels[CAPIClusterLabel], tc.s.Type, got, tc.want)
		}
	}
}

// TestRegressionFailedMemberSyncIsRetried: a member's sync whose inventory controller
// returned an error (here: its O2 informers had stopped, as the test's factory's did when the
// member's previous sync ended) hung for good instead of failing and being retried: the sync
// waited for its probe, which only stops when the sync's context ends, before ending that
// context. Its member stayed unsynced until the process restarted. Each failure now ends the
// attempt and the next one connects again.
func TestRegressionFailedMemberSyncIsRetried(t *testing.T) {
	client := o2fake.NewSimpleClientset()
	stopped, err := o2informers.New(client, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	// An earlier sync's index is in place, so the member's controller is built and fails in
	// its Run, watching the stopped informers.
	if _, err := inventory.NewController(inventory.Config{Client: client, Informers: stopped.Term()}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	stopped.Start(ctx)
	stopped.Shutdown()
	r := newRigWith(t, func(c *Config) {
		// The manager's own term (the first) is live; every member sync's is stopped.
		live := c.NewTerm
		var terms atomic.Int32
		c.NewTerm = func() externalversions.SharedInformerFactory {
			if terms.Add(1) == 1 {
				return live()
			}
			return stopped.Term()
		}
	}, optInSecret("edge-1", "kubeconfig of edge-1"))
	r.eventually("the failed sync is tried again", func() error {
		r.mu.Lock()
		defer r.mu.Unlock()
		if n := len(r.connected); n < 3 {
			return fmt.Errorf("connected %d times", n)
		}
		return nil
	})
}
