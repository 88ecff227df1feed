package main

import (
	"context"
	"fmt"
	"path/filepath"
	"sort"

	"github.com/netweave-io/netweave/internal/localstack"
)

// applyExamples applies artifacts/examples/*.yaml in name order (so files can be numbered when
// one depends on another). It returns the files applied and one error per file that failed: a
// broken example should be reported, not take the whole local setup down with it.
func applyExamples(ctx context.Context, dir, kubeconfig string) (applied []string, failed []error, err error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil {
		return nil, nil, fmt.Errorf("list examples: %w", err)
	}
	sort.Strings(files)
	for _, f := range files {
		if _, _, err := localstack.Kubectl(ctx, kubeconfig, "apply", "-f", f); err != nil {
			if ctx.Err() != nil {
				return applied, failed, err
			}
			failed = append(failed, fmt.Errorf("apply example %s: %w", f, err))
			continue
		}
		applied = append(applied, f)
	}
	return applied, failed, nil
}
