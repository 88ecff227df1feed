package dictionary

import (
	"context"
	"fmt"

	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/dynamic/dynamicinformer"
	"k8s.io/klog/v2"

	"github.com/netweave-io/netweave/pkg/firstlist"
	"github.com/netweave-io/netweave/pkg/servedapi"
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
		listers, err := c.watchRuleNamespaces(ctx)
		switch {
		case ctx.Err() != nil:
			return false, ctx.Err()
		case err != nil:
			klog.ErrorS(err, "Cannot watch PrometheusRules; looking again later")
			return false, nil
		}
		klog.InfoS("PrometheusRules are served; the alerts of the operator's namespaces make the alarm dictionary",
			"dictionary", klog.KRef(c.cfg.Namespace, rulesKey), "namespaces", c.cfg.RuleNamespaces, "unread", listers.unread())
		c.setRules(listers)
		return true, nil
	})
}

// watchRuleNamespaces starts one informer of PrometheusRules per rule namespace, and returns
// their listers once each is read or its first list failed. Only these namespaces are read at
// all: a tenant's rules never reach netweave's caches, so no later filter can forget to drop
// them. A namespace netweave may not read (its Role missing) holds back neither the others'
// rules nor its own once it becomes readable: its failure is logged naming it, the dictionary
// keeps the definitions it last published of it (sync), and a sync is queued once it is read.
func (c *Controller) watchRuleNamespaces(ctx context.Context) (namespaceListers, error) {
	listers := make(namespaceListers, 0, len(c.cfg.RuleNamespaces))
	firsts := make([]*firstlist.Watch, 0, len(c.cfg.RuleNamespaces))
	factories := make([]dynamicinformer.DynamicSharedInformerFactory, 0, len(c.cfg.RuleNamespaces))
	for _, ns := range c.cfg.RuleNamespaces {
		f := dynamicinformer.NewFilteredDynamicSharedInformerFactory(c.cfg.Rules, 0, ns, nil)
		inf := f.ForResource(RulesResource)
		if _, err := inf.Informer().AddEventHandler(c.handler(func(any) bool { return true })); err != nil {
			return nil, fmt.Errorf("watch PrometheusRules in %s: %w", ns, err)
		}
		first, err := firstlist.Track(inf.Informer(), func(ctx context.Context, err error) {
			klog.FromContext(ctx).Error(err, "Cannot list PrometheusRules in a rule namespace; the alarm dictionary keeps "+
				"the alerts it last published of it, and takes its rules once it can be read (RBAC: get, list and watch "+
				"on prometheusrules there)", "namespace", ns, "dictionary", klog.KRef(c.cfg.Namespace, rulesKey))
		})
		if err != nil {
			return nil, fmt.Errorf("watch PrometheusRules in %s: %w", ns, err)
		}
		factories = append(factories, f)
		listers = append(listers, ruleNamespace{namespace: ns, lister: inf.Lister(), read: first.Read})
		firsts = append(firsts, first)
	}
	for _, f := range factories {
		f.Start(ctx.Done())
	}
	if err := firstlist.Wait(ctx, firsts...); err != nil {
		return nil, fmt.Errorf("wait for the PrometheusRule caches: %w", err)
	}
	// A namespace not read yet is synced again once it is: its informer's own events may reach
	// the handler before it counts as read, and that sync would still have left it out.
	for _, first := range firsts {
		if !first.Read() {
			go first.WhenRead(ctx, func() { c.queue.Add(syncKey) })
		}
	}
	return listers, nil
}

// rulesServed asks discovery whether the cluster serves PrometheusRules; an error when it
// cannot tell (servedapi.FirstVersion: a proxy's 404 page is not "not served").
func rulesServed(d discovery.DiscoveryInterface) (bool, error) {
	gv := RulesResource.GroupVersion()
	v, err := servedapi.FirstVersion(d, gv.Group, []string{gv.Version}, RulesResource.Resource)
	return v != "", err
}

// setRules records what discovery found (lister nil: not served) and queues a sync when that
// changes what the controller knows.
func (c *Controller) setRules(lister ruleLister) {
	c.mu.Lock()
	changed := !c.rulesKnown || (c.rules == nil) != (lister == nil)
	c.rules, c.rulesKnown = lister, true
	c.mu.Unlock()
	if changed {
		c.queue.Add(syncKey)
	}
}

func (c *Controller) rulesLister() (ruleLister, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.rules, c.rulesKnown
}
