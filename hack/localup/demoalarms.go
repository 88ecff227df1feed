package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/go-openapi/strfmt"
	"github.com/prometheus/alertmanager/api/v2/models"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/rest"

	"github.com/netweave-io/netweave/generated/clientset/versioned"
	"github.com/netweave-io/netweave/internal/localstack"
	"github.com/netweave-io/netweave/pkg/alarms/alertmanager"
	"github.com/netweave-io/netweave/pkg/alarms/nodes"
	"github.com/netweave-io/netweave/pkg/apiserver/options"
)

// demoAlertNode is the Ready demo node the demo alert is about, so its alarm lands on that
// node's Resource as a kube-state-metrics rule's would.
const demoAlertNode = "edge-a-worker-1"

// inventoryNamespace is where netweave keeps the inventory and its alarms: the default, which
// the local setup does not change.
var inventoryNamespace = options.NewInventoryOptions().Namespace

// fireDemoAlert posts a firing alert to Alertmanager as Prometheus would, so that an
// Alertmanager alarm is there from the start beside the NotReady node's.
func fireDemoAlert(ctx context.Context, am *localstack.Alertmanager) error {
	alert := &models.PostableAlert{
		Alert: models.Alert{Labels: models.LabelSet{
			"alertname": "KubeletTooManyPods", "node": demoAlertNode, "severity": "warning",
		}},
		Annotations: models.LabelSet{"summary": "Kubelet " + demoAlertNode + " is running at 95% of its Pod capacity."},
		StartsAt:    strfmt.DateTime(time.Now().UTC()),
		// Prometheus keeps re-sending a firing alert; this one is sent once, so it says how
		// long it lasts, or Alertmanager would resolve it after its resolve_timeout (5m).
		EndsAt: strfmt.DateTime(time.Now().UTC().Add(7 * 24 * time.Hour)),
	}
	if err := am.PostAlerts(ctx, models.PostableAlerts{alert}); err != nil {
		return fmt.Errorf("fire the demo alert: %w", err)
	}
	return nil
}

// waitForDemoAlarms waits until the inventory namespace holds an active alarm of each built-in
// source the demo feeds: the NotReady node's and the demo alert's.
func waitForDemoAlarms(ctx context.Context, cfg *rest.Config, timeout time.Duration) error {
	client, err := versioned.NewForConfig(cfg)
	if err != nil {
		return fmt.Errorf("wait for the demo alarms: %w", err)
	}
	want := []string{nodes.Name, alertmanager.SourceName}
	missing := want
	var last error
	err = wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, timeout, true, func(ctx context.Context) (bool, error) {
		list, err := client.O2imsV1alpha1().AlarmEventRecords(inventoryNamespace).List(ctx, metav1.ListOptions{})
		if last = err; err != nil {
			return false, nil
		}
		active := map[string]bool{}
		for _, a := range list.Items {
			if a.Status.AlarmClearedTime == nil {
				active[a.Spec.Source.Name] = true
			}
		}
		missing = nil
		for _, source := range want {
			if !active[source] {
				missing = append(missing, source)
			}
		}
		return len(missing) == 0, nil
	})
	if err != nil {
		return fmt.Errorf("no active alarm of %s in %s after %v (see netweave's and alertmanager's logs): %w (last list error: %v)",
			strings.Join(missing, ", "), inventoryNamespace, timeout, err, last)
	}
	return nil
}
