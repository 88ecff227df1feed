package e2e

import (
	"context"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clusterv1 "sigs.k8s.io/cluster-api/api/core/v1beta2"

	"github.com/netweave-io/netweave/pkg/provisioning/clusterapi"
)

// createMachine creates the Machine ns/name of Cluster cluster as a MachineSet or control plane
// of Cluster API would (labelled with its Cluster), then writes its status with setStatus
// through the status subresource, as Cluster API's Machine controller would.
func (p capiPlayer) createMachine(t *testing.T, ns, cluster, name string, setStatus func(*clusterv1.MachineStatus)) *clusterv1.Machine {
	t.Helper()
	secret := name + "-bootstrap"
	m := &clusterv1.Machine{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, Labels: map[string]string{clusterv1.ClusterNameLabel: cluster}},
		Spec: clusterv1.MachineSpec{ClusterName: cluster,
			Bootstrap: clusterv1.Bootstrap{DataSecretName: &secret},
			InfrastructureRef: clusterv1.ContractVersionedObjectReference{APIGroup: "infrastructure.cluster.x-k8s.io",
				Kind: "DockerMachine", Name: name}},
	}
	u, err := clusterapi.ToUnstructured(m, "Machine")
	if err != nil {
		t.Fatal(err)
	}
	r := p.dyn.Resource(clusterapi.Machines).Namespace(ns)
	if _, err := r.Create(context.Background(), u, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create Machine %s/%s: %v", ns, name, err)
	}
	return p.setMachineStatus(t, ns, name, setStatus)
}

// setMachineStatus changes the status of the Machine ns/name with mutate.
func (p capiPlayer) setMachineStatus(t *testing.T, ns, name string, mutate func(*clusterv1.MachineStatus)) *clusterv1.Machine {
	t.Helper()
	r := p.dyn.Resource(clusterapi.Machines).Namespace(ns)
	u, err := r.Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("get Machine %s/%s: %v", ns, name, err)
	}
	m, err := clusterapi.MachineFrom(u)
	if err != nil {
		t.Fatal(err)
	}
	mutate(&m.Status)
	if u, err = clusterapi.ToUnstructured(m, "Machine"); err != nil {
		t.Fatal(err)
	}
	if u, err = r.UpdateStatus(context.Background(), u, metav1.UpdateOptions{}); err != nil {
		t.Fatalf("update status of Machine %s/%s: %v", ns, name, err)
	}
	if m, err = clusterapi.MachineFrom(u); err != nil {
		t.Fatal(err)
	}
	return m
}
