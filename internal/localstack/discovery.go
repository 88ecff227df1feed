package localstack

import (
	"context"
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/rest"
)

// WaitForAPIServiceDiscovery polls until kube-apiserver lists every netweave group version both
// in its aggregated discovery (/apis, what kubectl resolves kinds and resource names with) with at
// least one resource, and in its OpenAPI v3 root (/openapi/v3, what 'kubectl explain' and
// server-side field validation read). Available=True alone is not enough: the aggregator fills
// both documents asynchronously, each by its own controller, and until then 'kubectl get
// resourcepools' fails with "no matches for kind" and 'kubectl explain resourcepool' with
// "couldn't find resource".
func WaitForAPIServiceDiscovery(ctx context.Context, cfg *rest.Config, timeout time.Duration) error {
	// The plain discovery client does not cache, so every poll sees the server's current answer.
	client, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		return fmt.Errorf("wait for netweave in discovery: %w", err)
	}
	last := "not listed yet"
	err = wait.PollUntilContextTimeout(ctx, pollInterval, timeout, true, func(ctx context.Context) (bool, error) {
		missing, err := missingFromDiscovery(client)
		if err != nil {
			last = err.Error()
			return false, nil
		}
		if missing != "" {
			last = missing
			return false, nil
		}
		return true, nil
	})
	if err != nil {
		return fmt.Errorf("wait for netweave in discovery: %w (last: %s)", err, last)
	}
	return nil
}

// missingFromDiscovery names the first netweave group version the server does not list yet, in
// discovery or in OpenAPI v3, or returns "" when every one is listed in both.
func missingFromDiscovery(client *discovery.DiscoveryClient) (string, error) {
	_, lists, err := client.ServerGroupsAndResources()
	if err != nil && !discovery.IsGroupDiscoveryFailedError(err) {
		return "", err
	}
	listed := map[string]bool{}
	for _, l := range lists {
		if len(l.APIResources) > 0 {
			listed[l.GroupVersion] = true
		}
	}
	paths, err := client.OpenAPIV3().Paths()
	if err != nil {
		return "", fmt.Errorf("read /openapi/v3: %w", err)
	}
	for _, group := range apiServiceGroups {
		gv := group + "/" + APIServiceVersion
		if !listed[gv] {
			return gv + " is not in discovery yet", nil
		}
		if _, ok := paths["apis/"+gv]; !ok {
			return gv + " is not in /openapi/v3 yet", nil
		}
	}
	return "", nil
}
