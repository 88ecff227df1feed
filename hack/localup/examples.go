package main

import (
	"context"
	"fmt"
	"path/filepath"
	"sort"

	"github.com/netweave-io/netweave/test/e2e/framework"
)

// applyExamples applies artifacts/examples/*.yaml in name order (so files can be numbered when
// one depends on another) and returns the files applied; no examples is not an error.
func applyExamples(ctx context.Context, dir, kubeconfig string) ([]string, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil {
		return nil, fmt.Errorf("list examples: %w", err)
	}
	sort.Strings(files)
	for _, f := range files {
		if _, _, err := framework.Kubectl(ctx, kubeconfig, "apply", "-f", f); err != nil {
			return nil, fmt.Errorf("apply example %s: %w", f, err)
		}
	}
	return files, nil
}
