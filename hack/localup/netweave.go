package main

import (
	"context"
	"os"
	"path/filepath"

	"github.com/netweave-io/netweave/internal/localstack"
)

// netweaveArgs are the flags of the local setup besides those localstack.StartNetweave sets:
// notifications may go to loopback receivers, so a local SMO stand-in can subscribe, and the
// inventory sync runs.
func netweaveArgs() []string {
	return append([]string{"--notifier=true", "--notifier-allowed-callback-cidrs=127.0.0.0/8"}, inventoryArgs()...)
}

// inventoryArgs turn the inventory sync on. The O-Cloud flags match artifacts/examples/10-ocloud.yaml,
// so applying the example re-states what the sync wrote instead of fighting it over the
// immutable oCloudId.
func inventoryArgs() []string {
	return []string{
		"--inventory-sync=true",
		"--inventory-ocloud-id=262c8f17-52b5-4614-9e56-812ae21fa8a7",
		"--inventory-global-cloud-id=8b7d2f4e-5a9c-4e1b-b3d6-0f2a7c9e1d45",
		"--inventory-ocloud-name=edge-cloud-east",
		"--inventory-ocloud-description=Edge O-Cloud of the eastern region",
		"--inventory-cluster-name=local-cluster",
	}
}

// audit is netweave's audit log of the local setup: the chart's policy (audit.enabled), written
// to a file in dir rather than to standard output, so that it is kept apart from the log.
type audit struct {
	args []string
	log  string
}

func auditArgs(ctx context.Context, dir string) (audit, error) {
	policy, err := localstack.AuditPolicy(ctx)
	if err != nil {
		return audit{}, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return audit{}, err
	}
	file := filepath.Join(dir, "audit-policy.yaml")
	if err := os.WriteFile(file, policy, 0o600); err != nil {
		return audit{}, err
	}
	log := filepath.Join(dir, "audit.log")
	return audit{log: log, args: []string{"--audit-policy-file=" + file, "--audit-log-path=" + log,
		"--audit-log-format=json", "--audit-log-maxsize=100", "--audit-log-maxbackup=1"}}, nil
}
