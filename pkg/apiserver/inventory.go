package apiserver

import (
	"context"
	"errors"
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/util/wait"
	genericapiserver "k8s.io/apiserver/pkg/server"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/component-base/metrics/legacyregistry"
	"k8s.io/klog/v2"

	"github.com/netweave-io/netweave/generated/clientset/versioned"
	"github.com/netweave-io/netweave/generated/informers/externalversions"
	"github.com/netweave-io/netweave/pkg/inventory"
	"github.com/netweave-io/netweave/pkg/inventory/kube"
	"github.com/netweave-io/netweave/pkg/inventory/members"
	"github.com/netweave-io/netweave/pkg/leader"
	"github.com/netweave-io/netweave/pkg/o2informers"
)

// MemberSources are where member clusters are registered and how they are reached: what every
// component reaching members (the inventory sync, the Kubernetes profile, the O2-DMS
// controller) reads alike.
type MemberSources struct {
	// CAPINamespaces are the namespaces whose Cluster API kubeconfig Secrets register members
	// without the opt-in label (--inventory-capi-namespaces).
	CAPINamespaces []string
	// TenantNamespaces are the tenants' namespaces among them (--provisioning-namespaces):
	// their Secrets register only the clusters provisioned there.
	TenantNamespaces []string
	// Addresses are where members' API servers may be dialled
	// (--inventory-tenant-member-allowed-cidrs).
	Addresses members.Addresses
}

// InventoryConfig configures the inventory sync (nil: off).
type InventoryConfig struct {
	// KubeConfig reaches the cluster whose inventory is synced (the CoreAPI kubeconfig).
	KubeConfig *rest.Config
	// Namespace holds the synced objects (--inventory-namespace).
	Namespace string
	// NodePoolNamespaces are the namespaces besides Namespace whose ResourcePools may claim
	// Nodes with spec.nodeSelector (--inventory-node-pool-namespaces).
	NodePoolNamespaces []string
	PoolLabel          string
	OCloudID           string
	OCloud             kube.OCloudInfo
	ClusterName        string
	ClusterURL         string
	Workers            int
	SharedDelay        time.Duration
	// MemberClusters syncs the member clusters registered with labelled kubeconfig Secrets
	// in Namespace (--inventory-member-clusters).
	MemberClusters bool
	// Members are where member clusters are registered and reached.
	Members MemberSources
	// MemberProbeInterval is how often each member's API server is checked.
	MemberProbeInterval time.Duration
	// MemberQPS and MemberBurst bound the requests to each member's API server.
	MemberQPS   float32
	MemberBurst int
	// MemberMaxNodes is the most Nodes of one member its inventory holds.
	MemberMaxNodes int

	// Lease elects the replica that syncs and raises alarms.
	Lease leader.Options

	// Alarms configures the alarm sources led with the sync.
	Alarms AlarmsConfig
}

// inventoryDeps are the clients the inventory sync runs with: it reads the cluster through the
// CoreAPI kubeconfig and writes O2 objects through netweave's own loopback connection.
type inventoryDeps struct {
	cfg      *InventoryConfig
	kube     kubernetes.Interface
	dynamic  dynamic.Interface
	nodes    informers.SharedInformerFactory
	o2inf    *o2informers.Shared
	o2       versioned.Interface
	metrics  *inventory.Metrics
	alarms   *alarmWiring
	kubeHost string
}

// installInventory starts the leader-elected inventory sync after the server is up.
func installInventory(s *genericapiserver.GenericAPIServer, bg *background, c CompletedConfig, a *alarmWiring, o2inf *o2informers.Shared) error {
	inv := c.extra.Inventory
	if inv == nil {
		return nil
	}
	kubeCfg, factory := inv.KubeConfig, c.generic.SharedInformerFactory
	if kubeCfg == nil || factory == nil {
		return errors.New("inventory sync needs a Kubernetes connection (--kubeconfig or in-cluster)")
	}
	// The cluster's informers the sync and the alarm side read are requested now, so that the
	// server starts them with its other informers, for the life of the process: started by a
	// leader term, they would stop with it. Nodes are kept without their managedFields
	// (kubelet's status updates make those larger than the rest of the Node).
	if err := factory.Core().V1().Nodes().Informer().SetTransform(o2informers.StripManagedFields); err != nil {
		return fmt.Errorf("node informer: %w", err)
	}
	factory.Storage().V1().StorageClasses().Informer()
	kubeClient, err := kubernetes.NewForConfig(kubeCfg)
	if err != nil {
		return fmt.Errorf("inventory kube client: %w", err)
	}
	dyn, err := dynamic.NewForConfig(kubeCfg)
	if err != nil {
		return fmt.Errorf("inventory dynamic client: %w", err)
	}
	loopback := rest.CopyConfig(c.generic.LoopbackClientConfig)
	loopback.UserAgent = "netweave-inventory"
	// A full resync of thousands of nodes is thousands of writes; the loopback has no APF
	// budget to protect, so do not throttle it client-side.
	loopback.QPS, loopback.Burst = -1, 0
	o2, err := versioned.NewForConfig(loopback)
	if err != nil {
		return fmt.Errorf("inventory O2 client: %w", err)
	}
	m, err := inventory.NewMetrics(legacyregistry.Register)
	if err != nil {
		return err
	}
	deps := &inventoryDeps{cfg: inv, kube: kubeClient, dynamic: dyn, nodes: factory, o2inf: o2inf, o2: o2, metrics: m, alarms: a, kubeHost: kubeCfg.Host}
	return s.AddPostStartHook("o2ims-inventory-sync", func(hctx genericapiserver.PostStartHookContext) error {
		bg.Go(func() {
			if err := leader.Run(hctx, kubeClient, inv.Lease, deps.lead); err != nil {
				klog.ErrorS(err, "Inventory sync stopped")
			}
		})
		return nil
	})
}

// lead syncs while this replica leads; a failed start is retried until leadership ends.
func (d *inventoryDeps) lead(ctx context.Context) {
	wait.UntilWithContext(ctx, func(ctx context.Context) {
		runCtx, cancel := context.WithCancel(ctx)
		defer cancel()
		if err := d.run(runCtx); err != nil {
			klog.ErrorS(err, "Inventory sync failed; retrying")
		}
	}, 5*time.Second)
}

func (d *inventoryDeps) run(ctx context.Context) error {
	inv := d.cfg
	url := inv.ClusterURL
	if url == "" {
		url = d.kubeHost
	}
	cluster, err := kube.ClusterInfoFrom(ctx, d.kube, kube.ClusterInfo{Name: inv.ClusterName, URL: url})
	if err != nil {
		return err
	}
	oCloudID := inv.OCloudID
	if oCloudID == "" {
		oCloudID = inventory.DeriveOCloudID(cluster.UID)
	}
	ids, err := inventory.NewIDs(oCloudID)
	if err != nil {
		return err
	}
	// This term's view of the process's O2 informers: its handlers go when it ends.
	o2inf := d.o2inf.Term()
	defer o2inf.Shutdown()
	nodePools := inventory.NewNodePoolNamespaces(inv.Namespace, inv.NodePoolNamespaces...)
	adapter := kube.NewAdapter(kube.Config{
		IDs: ids, Namespace: inv.Namespace, PoolLabel: inv.PoolLabel, NodePools: nodePools, OCloud: inv.OCloud, Cluster: cluster,
		Managers: o2inf.O2ims().V1alpha1().DeploymentManagers().Lister(),
		Stored: &kube.Stored{Pools: o2inf.O2ims().V1alpha1().ResourcePools().Lister(),
			Resources: o2inf.O2ims().V1alpha1().O2Resources().Lister()},
	}, d.nodes, o2inf.O2ims().V1alpha1().ResourcePools().Lister(), d.kube.Discovery(), d.dynamic)
	ctrl, err := inventory.NewController(inventory.Config{
		Client: d.o2, Informers: o2inf, Adapter: adapter, Metrics: d.metrics,
		Workers: inv.Workers, SharedDelay: inv.SharedDelay, FieldManager: "netweave-inventory/" + inv.Lease.Identity,
		NodePools: nodePools,
	})
	if err != nil {
		return err
	}
	alarmSide, err := d.newAlarmsRun(ids, cluster, nodePools, o2inf)
	if err != nil {
		return err
	}
	klog.InfoS("Inventory sync running", "oCloudId", oCloudID, "cluster", cluster.Name, "namespace", inv.Namespace,
		"nodePoolNamespaces", nodePools.List(), "identity", inv.Lease.Identity)
	// The controller waits for o2inf; the alarm side too. A failed alarm side ends the term,
	// so the sync and the alarms are always led together.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// The webhook records alarms with this context too; released (after cancel below) once
	// its calls in flight have returned.
	defer d.alarms.intake.lead(ctx, alarmSide.sink, alarmSide.resolver, alarmSide.synced)()
	alarmsDone := make(chan error, 1)
	go func() {
		err := alarmSide.Run(ctx)
		cancel()
		alarmsDone <- err
	}()
	membersDone := make(chan error, 1)
	if inv.MemberClusters {
		mgr := members.NewManager(members.Config{
			Namespace: inv.Namespace, Secrets: d.kube, CAPINamespaces: inv.Members.CAPINamespaces, TenantNamespaces: inv.Members.TenantNamespaces, Addresses: inv.Members.Addresses, O2: d.o2,
			Dynamic: d.dynamic,
			NewTerm: func() externalversions.SharedInformerFactory { return d.o2inf.Term() },
			IDs:     ids, PoolLabel: inv.PoolLabel, Metrics: d.metrics, Workers: inv.Workers, SharedDelay: inv.SharedDelay,
			FieldManager: "netweave-inventory/" + inv.Lease.Identity, ProbeInterval: inv.MemberProbeInterval,
			QPS: inv.MemberQPS, Burst: inv.MemberBurst, MaxNodes: inv.MemberMaxNodes,
		})
		go func() {
			err := mgr.Run(ctx)
			if err != nil && ctx.Err() == nil {
				// The local sync goes on; the next leader term tries the members again.
				klog.ErrorS(err, "Member cluster sync stopped")
			}
			membersDone <- nil
		}()
	} else {
		membersDone <- nil
	}
	err = ctrl.Run(ctx)
	cancel()
	return errors.Join(err, <-alarmsDone, <-membersDone)
}
