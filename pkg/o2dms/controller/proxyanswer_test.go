package controller

import (
	"context"
	"fmt"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/netweave-io/netweave/apis/o2dms/v1alpha1"
	"github.com/netweave-io/netweave/pkg/helmrelease"
)

// proxyPage is what client-go makes of a page that a load balancer in front of the target's
// API server answered instead of it: a StatusError quoting the page's text.
var proxyPage = apierrors.NewGenericServerResponse(502, "get", schema.GroupResource{Resource: "secrets"}, "",
	"upstream connect error or disconnect/reset before headers. reset reason: connection failure, "+
		"transport failure reason: delayed connect error: 111 (10.0.0.5:6443)", 0, true)

// proxiedUninstall: the uninstall's read of the release gets the proxy's page, as Helm and the
// engine wrap it.
type proxiedUninstall struct{ boundReleases }

func (r *proxiedUninstall) Uninstall(context.Context, helmrelease.Target, string, helmrelease.Unowned) error {
	return fmt.Errorf("read history of release nf: query: failed to query with labels: %w", proxyPage)
}

// TestRegressionProxyPageInStatus (found by review): a failed Helm action whose error was not a
// transport failure went to status.message and the Ready condition as it was, Helm's answer
// being for the NfDeployment's writer to read. But an answer that is not the Kubernetes API's
// (a load balancer's or proxy's 502 page in front of the target's API server, which
// client-go quotes) is no Helm answer: its text (upstream addresses, the proxy's internals)
// reached whoever may read the NfDeployment, although the target's other calls say only
// "HTTP <code>" for it (targetFailure). It is classed like them now.
func TestRegressionProxyPageInStatus(t *testing.T) {
	ctx := context.Background()
	check := func(t *testing.T, d *v1alpha1.NfDeployment, reason string) {
		t.Helper()
		ready := meta.FindStatusCondition(d.Status.Conditions, ConditionReady)
		if ready == nil || ready.Reason != reason {
			t.Fatalf("Ready %+v, want reason %s", ready, reason)
		}
		for _, msg := range []string{d.Status.Message, ready.Message} {
			if strings.Contains(msg, "10.0.0.5") || strings.Contains(msg, "upstream") || !strings.Contains(msg, "HTTP 502") {
				t.Errorf("status says %q, want the class HTTP 502 only", msg)
			}
		}
	}
	t.Run("install", func(t *testing.T) {
		c, client, key := boundController(t, &boundReleases{applyErr: fmt.Errorf("install release nf: kubernetes cluster unreachable: %w", proxyPage)}, boundWorkloads{})
		if _, err := c.reconcile(ctx, key); err == nil {
			t.Fatal("install through the proxy's page succeeded")
		}
		check(t, boundStored(t, client), "InstallFailed")
	})
	t.Run("uninstall", func(t *testing.T) {
		c, client, _ := boundController(t, &proxiedUninstall{}, boundWorkloads{})
		d := boundStored(t, client)
		now := metav1.Now()
		d.DeletionTimestamp = &now
		if err := c.remove(ctx, d); err == nil {
			t.Fatal("uninstall through the proxy's page succeeded")
		}
		got := boundStored(t, client)
		check(t, got, "UninstallFailed")
	})
}
