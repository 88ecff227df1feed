package main

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

// demoNode is one Node of the local cluster, which has no kubelets: the Node objects are
// created directly, and their status (conditions, capacity) written through nodes/status, so
// the inventory sync has something real-looking to show.
type demoNode struct {
	name, region, zone, instanceType, arch string
	cpu, memory                            string
	role                                   string
	ready, cordoned                        bool
}

func demoNodes() []demoNode {
	return []demoNode{
		{name: "edge-a-cp-1", region: "us-east-1", zone: "us-east-1a", instanceType: "m5.xlarge", arch: "amd64", cpu: "4", memory: "16Gi", role: "control-plane", ready: true},
		{name: "edge-a-worker-1", region: "us-east-1", zone: "us-east-1a", instanceType: "m5.2xlarge", arch: "amd64", cpu: "8", memory: "32Gi", role: "worker", ready: true},
		{name: "edge-a-worker-2", region: "us-east-1", zone: "us-east-1a", instanceType: "m5.2xlarge", arch: "amd64", cpu: "8", memory: "32Gi", role: "worker", ready: true, cordoned: true},
		{name: "edge-b-worker-1", region: "us-east-1", zone: "us-east-1b", instanceType: "c6g.4xlarge", arch: "arm64", cpu: "16", memory: "32Gi", role: "worker", ready: true},
		{name: "edge-b-worker-2", region: "us-east-1", zone: "us-east-1b", instanceType: "c6g.4xlarge", arch: "arm64", cpu: "16", memory: "32Gi", role: "worker", ready: false},
	}
}

// memberDemoNodes are the Nodes of make run's member clusters (members.go), keyed by member:
// a regional cluster over two zones and a far-edge cluster at one cell site, so each member's
// pools and sites differ from the central cluster's.
func memberDemoNodes() map[string][]demoNode {
	return map[string][]demoNode{
		"regional": {
			{name: "cp-1", region: "eu-central-1", zone: "eu-central-1a", instanceType: "m6i.xlarge", arch: "amd64", cpu: "4", memory: "16Gi", role: "control-plane", ready: true},
			{name: "worker-1", region: "eu-central-1", zone: "eu-central-1a", instanceType: "m6i.4xlarge", arch: "amd64", cpu: "16", memory: "64Gi", role: "worker", ready: true},
			{name: "worker-2", region: "eu-central-1", zone: "eu-central-1b", instanceType: "m6i.4xlarge", arch: "amd64", cpu: "16", memory: "64Gi", role: "worker", ready: true},
		},
		"far-edge": {
			{name: "du-1", region: "eu-central-1", zone: "cell-site-17", instanceType: "xr11", arch: "amd64", cpu: "32", memory: "128Gi", role: "worker", ready: true},
		},
	}
}

// demoNodeName is the name of the first demo node that matches, for the printed steps.
func demoNodeName(match func(demoNode) bool) string {
	for _, d := range demoNodes() {
		if match(d) {
			return d.name
		}
	}
	return ""
}

// createDemoInventory creates nodes and the demo StorageClasses as admin.
func createDemoInventory(ctx context.Context, cfg *rest.Config, nodes []demoNode) (int, error) {
	client, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return 0, fmt.Errorf("demo nodes: %w", err)
	}
	for i, d := range nodes {
		if err := createDemoNode(ctx, client, i, d); err != nil {
			return 0, err
		}
	}
	for _, sc := range []*storagev1.StorageClass{
		{ObjectMeta: metav1.ObjectMeta{Name: "local-ssd", Annotations: map[string]string{"storageclass.kubernetes.io/is-default-class": "true"}},
			Provisioner: "kubernetes.io/no-provisioner"},
		{ObjectMeta: metav1.ObjectMeta{Name: "ceph-block"}, Provisioner: "rbd.csi.ceph.com", Parameters: map[string]string{"pool": "replicapool"}},
	} {
		if _, err := client.StorageV1().StorageClasses().Create(ctx, sc, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
			return 0, fmt.Errorf("create demo storage class %s: %w", sc.Name, err)
		}
	}
	return len(nodes), nil
}

func createDemoNode(ctx context.Context, client kubernetes.Interface, i int, d demoNode) error {
	node := &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: d.name, Labels: map[string]string{
			"kubernetes.io/hostname":            d.name,
			"kubernetes.io/os":                  "linux",
			"kubernetes.io/arch":                d.arch,
			"node.kubernetes.io/instance-type":  d.instanceType,
			"topology.kubernetes.io/region":     d.region,
			"topology.kubernetes.io/zone":       d.zone,
			"node-role.kubernetes.io/" + d.role: "",
		}},
		Spec: corev1.NodeSpec{ProviderID: fmt.Sprintf("aws:///%s/i-0demo%04d", d.zone, i), Unschedulable: d.cordoned},
	}
	created, err := client.CoreV1().Nodes().Create(ctx, node, metav1.CreateOptions{})
	if err != nil {
		return fmt.Errorf("create demo node %s: %w", d.name, err)
	}
	ready, reason, message := corev1.ConditionTrue, "KubeletReady", "kubelet is posting ready status"
	if !d.ready {
		// What a kubelet whose CNI is not up reports; the message becomes the alarm's text.
		ready, reason, message = corev1.ConditionFalse, "KubeletNotReady",
			"container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin not initialized"
	}
	now := metav1.Now()
	list := corev1.ResourceList{
		corev1.ResourceCPU:    resource.MustParse(d.cpu),
		corev1.ResourceMemory: resource.MustParse(d.memory),
		corev1.ResourcePods:   resource.MustParse("110"),
	}
	created.Status = corev1.NodeStatus{
		Capacity:    list,
		Allocatable: list,
		Conditions: []corev1.NodeCondition{
			{Type: corev1.NodeReady, Status: ready, Reason: reason, Message: message, LastHeartbeatTime: now, LastTransitionTime: now},
			{Type: corev1.NodeMemoryPressure, Status: corev1.ConditionFalse, Reason: "KubeletHasSufficientMemory", LastHeartbeatTime: now, LastTransitionTime: now},
		},
		Addresses: []corev1.NodeAddress{
			{Type: corev1.NodeInternalIP, Address: fmt.Sprintf("10.0.%d.%d", i/250, 10+i%250)},
			{Type: corev1.NodeHostName, Address: d.name},
		},
		NodeInfo: corev1.NodeSystemInfo{
			SystemUUID: fmt.Sprintf("ec2%05d-0000-4000-8000-%012d", i, i), Architecture: d.arch, OperatingSystem: "linux",
			OSImage: "Ubuntu 24.04 LTS", KernelVersion: "6.8.0-1019-aws", KubeletVersion: "v1.37.2", ContainerRuntimeVersion: "containerd://2.1.0",
		},
	}
	if _, err := client.CoreV1().Nodes().UpdateStatus(ctx, created, metav1.UpdateOptions{}); err != nil {
		return fmt.Errorf("write status of demo node %s: %w", d.name, err)
	}
	return nil
}
