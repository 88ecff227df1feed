package localstack

import (
	"context"
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/rest"
)

// WaitForAPIServiceDiscovery polls until kube-apiserver's aggregated discovery (/apis, what
// kubectl resolves kinds and resource names with) lists o2ims.oran.org/v1alpha1 with at least one
// resource. Available=True alone is not enough: the aggregator fills its discovery document
// asynchronously, and until then 'kubectl get resourcepools' or 'kubectl apply' fail with "no
// matches for kind".
func WaitForAPIServiceDiscovery(ctx context.Context, cfg *rest.Config, timeout time.Duration) error {
	gv := APIServiceGroup + "/" + APIServiceVersion
	// The plain discovery client does not cache, so every poll sees the server's current answer.
	client, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		return fmt.Errorf("wait for %s in discovery: %w", gv, err)
	}
	last := "not listed yet"
	err = wait.PollUntilContextTimeout(ctx, pollInterval, timeout, true, func(ctx context.Context) (bool, error) {
		_, lists, err := client.ServerGroupsAndResources()
		if err != nil && !discovery.IsGroupDiscoveryFailedError(err) {
			last = err.Error()
			return false, nil
		}
		for _, l := range lists {
			if l.GroupVersion == gv && len(l.APIResources) > 0 {
				return true, nil
			}
		}
		if err != nil {
			last = err.Error()
		}
		return false, nil
	})
	if err != nil {
		return fmt.Errorf("wait for %s in discovery: %w (last: %s)", gv, err, last)
	}
	return nil
}
