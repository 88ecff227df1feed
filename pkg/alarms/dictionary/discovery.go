package dictionary

import (
	"context"
	"fmt"
	"slices"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/tools/cache"
	"k8s.io/klog/v2"
)

// watchRules looks for the PrometheusRule CRD until the cluster serves it, then watches the
// rules. While it is absent the rules dictionary is not desired (deleted if one is stored); an
// inconclusive discovery (the API server unreachable) changes nothing. Absence is logged once,
// at V(2): most clusters run without the Prometheus operator, which is no fault.
func (c *Controller) watchRules(ctx context.Context) {
	if c.cfg.Rules == nil || c.cfg.Discovery == nil {
		c.setRules(nil)
		return
	}
	loggedAbsent := false
	_ = wait.PollUntilContextCancel(ctx, c.cfg.RediscoverInterval, true, func(ctx context.Context) (bool, error) {
		served, err := rulesServed(c.cfg.Discovery)
		switch {
		case err != nil:
			klog.V(2).InfoS("Cannot tell whether PrometheusRules are served; looking again later", "err", err)
			return false, nil
		case !served:
			if !loggedAbsent {
				klog.V(2).InfoS("PrometheusRules are not served; no alarm dictionary of Prometheus alerts", "resource", RulesResource)
				loggedAbsent = true
			}
			c.setRules(nil)
			return false, nil
		}
		inf := c.cfg.Rules.ForResource(RulesResource)
		if _, err := inf.Informer().AddEventHandler(c.handler(func(any) bool { return true })); err != nil {
			klog.ErrorS(err, "Cannot watch PrometheusRules; looking again later")
			return false, nil
		}
		c.cfg.Rules.Start(ctx.Done())
		if !cache.WaitForCacheSync(ctx.Done(), inf.Informer().HasSynced) {
			return false, ctx.Err()
		}
		klog.InfoS("PrometheusRules are served; their alerts make the alarm dictionary", "dictionary", klog.KRef(c.cfg.Namespace, rulesKey))
		c.setRules(inf.Lister())
		return true, nil
	})
}

// rulesServed asks discovery whether the cluster serves PrometheusRules.
func rulesServed(d discovery.DiscoveryInterface) (bool, error) {
	list, err := d.ServerResourcesForGroupVersion(RulesResource.GroupVersion().String())
	if apierrors.IsNotFound(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("discover %s: %w", RulesResource.GroupVersion(), err)
	}
	return slices.ContainsFunc(list.APIResources, func(r metav1.APIResource) bool { return r.Name == RulesResource.Resource }), nil
}

// setRules records what discovery found (lister nil: not served) and queues a sync when that
// changes what the controller knows.
func (c *Controller) setRules(lister cache.GenericLister) {
	c.mu.Lock()
	changed := !c.rulesKnown || (c.rules == nil) != (lister == nil)
	c.rules, c.rulesKnown = lister, true
	c.mu.Unlock()
	if changed {
		c.queue.Add(syncKey)
	}
}

func (c *Controller) rulesLister() (cache.GenericLister, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.rules, c.rulesKnown
}
