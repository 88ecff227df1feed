package main

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"sync"

	"github.com/netweave-io/netweave/internal/localstack"
)

// member is one of make run's member clusters: a control plane of its own (etcd,
// kube-apiserver, kube-controller-manager, the central one's recipe) with demo Nodes, which
// netweave syncs as a second and third cluster of the O-Cloud (docs/multicluster.md).
type member struct {
	name  string
	cp    *localstack.ControlPlane
	nodes int
	// kubeconfig is the member's admin kubeconfig, copied next to the central one.
	kubeconfig string
}

// startMembers starts the member control planes side by side and creates their demo Nodes;
// each is pushed onto started as soon as it runs, so a failure stops what is up.
func startMembers(ctx context.Context, c config, started *stack) ([]*member, error) {
	nodes := memberDemoNodes()
	names := make([]string, 0, len(nodes))
	for name := range nodes {
		names = append(names, name)
	}
	sort.Strings(names)
	members := make([]*member, len(names))
	errs := make([]error, len(names))
	var wg sync.WaitGroup
	for i, name := range names {
		wg.Go(func() {
			cp, err := localstack.StartControlPlane(ctx, localstack.Options{Dir: filepath.Join(c.dir, "member-"+name), StartTimeout: c.timeout})
			if err != nil {
				errs[i] = fmt.Errorf("member %s: %w", name, err)
				return
			}
			members[i] = &member{name: name, cp: cp}
		})
	}
	wg.Wait()
	for _, m := range members {
		if m != nil {
			started.push(m.cp)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	for _, m := range members {
		var err error
		if m.nodes, err = createDemoInventory(ctx, m.cp.RESTConfig(localstack.Admin), nodes[m.name]); err != nil {
			return nil, fmt.Errorf("member %s: %w", m.name, err)
		}
		m.kubeconfig = filepath.Join(c.dir, "kubeconfig-"+m.name)
		if err := copyFile(m.cp.Kubeconfig(localstack.Admin), m.kubeconfig); err != nil {
			return nil, err
		}
	}
	return members, nil
}

// registerMembers registers every member with netweave as an operator would: a labelled
// kubeconfig Secret in the inventory namespace.
func registerMembers(ctx context.Context, central *localstack.ControlPlane, members []*member) error {
	for _, m := range members {
		if err := localstack.RegisterMember(ctx, central, inventoryNamespace, m.name, m.cp); err != nil {
			return err
		}
	}
	return nil
}
