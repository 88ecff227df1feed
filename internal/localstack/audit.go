package localstack

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"

	"sigs.k8s.io/yaml"
)

// AuditPolicy is the audit policy the chart installs with audit.enabled
// (charts/netweave/templates/audit.yaml), so that make run and the tests run netweave with the
// policy an install gets.
func AuditPolicy(ctx context.Context) ([]byte, error) {
	root, err := RepoRoot()
	if err != nil {
		return nil, err
	}
	helm, err := HelmBinary()
	if err != nil {
		return nil, err
	}
	out, err := exec.CommandContext(ctx, helm, "template", "netweave", filepath.Join(root, "charts", "netweave"),
		"--set", "audit.enabled=true", "--show-only", "templates/audit.yaml").Output()
	if err != nil {
		return nil, fmt.Errorf("render the chart's audit policy: %w", err)
	}
	var cm struct {
		Data map[string]string `json:"data"`
	}
	if err := yaml.Unmarshal(out, &cm); err != nil {
		return nil, fmt.Errorf("render the chart's audit policy: %w", err)
	}
	policy := cm.Data["policy.yaml"]
	if policy == "" {
		return nil, fmt.Errorf("render the chart's audit policy: templates/audit.yaml has no policy.yaml")
	}
	return []byte(policy), nil
}
