package controller

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/cache"
	"k8s.io/klog/v2"

	chartutil "helm.sh/helm/v4/pkg/chart/v2/util"

	"github.com/netweave-io/netweave/apis/o2dms"
	"github.com/netweave-io/netweave/apis/o2dms/v1alpha1"
	"github.com/netweave-io/netweave/apis/o2dms/validation"
	"github.com/netweave-io/netweave/pkg/helmrelease"
	"github.com/netweave-io/netweave/pkg/netclass"
	"github.com/netweave-io/netweave/pkg/registry/o2dms/nfdeployment"
)

// failure is a failed step: the reason of the Ready condition and what went wrong.
type failure struct {
	reason string
	err    error
	// message, when set, is what the status says instead of err: whoever may read the
	// NfDeployment reads its status, and some errors tell more than they should (whether a
	// Secret exists, what answered at an address). err still goes to the log.
	message string
}

func (f *failure) Error() string { return f.err.Error() }
func (f *failure) Unwrap() error { return f.err }

// statusMessage is what the NfDeployment's status says of the failure.
func (f *failure) statusMessage() string {
	if f.message != "" {
		return f.message
	}
	return f.err.Error()
}

func fail(reason string, err error) error { return &failure{reason: reason, err: err} }

// targetFailure is a failure of a request to the target cluster (reason, while doing what),
// classed for the status as the member clusters' conditions are (netclass.APIServer): the
// target's kubeconfig may be a tenant's (a provisioned cluster's), and its raw error (the
// server's address, refused or unreachable, its certificate's names, the body of whatever
// answered) would let whoever reads the status probe the network through netweave.
func targetFailure(reason, doing string, err error) error {
	return failClassed(reason, doing+": the target cluster: "+netclass.APIServer(err), err)
}

// targetError is the failure of Targets.Target: netweave's own refusals (the namespace not
// enabled, no target namespace, an unknown deployment manager) say what they are; reaching the
// cluster is classed.
func targetError(err error) error {
	if reason := targetReason(err); reason != "TargetUnavailable" {
		return fail(reason, err)
	}
	return targetFailure("TargetUnavailable", "prepare the target", err)
}

// transportFailure reports whether err is a failure to talk to a server at all (no
// connection, TLS, a timeout, a connection closed without an answer), or an answer that is not
// the Kubernetes API's (a page of a proxy or load balancer in front of it, whose text client-go
// quotes for a 502, a 403 and others), as opposed to a Helm or API answer that the
// NfDeployment's writer needs to read.
func transportFailure(err error) bool {
	var uerr *url.Error
	return netclass.NoConnection(err) || netclass.TLS(err) || netclass.Timeout(err) || errors.As(err, &uerr) ||
		apierrors.IsUnexpectedServerError(err)
}

// helmFailure is a failed Helm action on the target (reason, while doing what): Helm's own
// answer (a chart that does not render, a resource that exists, a hook that failed) is for the
// NfDeployment's writer to read; a failure to talk to the target at all is classed
// (targetFailure), since it would carry the target's address.
func helmFailure(reason, doing string, err error) error {
	if transportFailure(err) {
		return targetFailure(reason, doing, err)
	}
	return fail(reason, err)
}

// releaseFailure is a failed Helm action on d's release (reason, while doing what): refused
// because another namespace's NfDeployment holds the release (it got there between the
// controller's read of the release and the action) it is ReleaseNameTaken, as when the read
// shows it; otherwise helmFailure.
func releaseFailure(d *v1alpha1.NfDeployment, reason, doing string, err error) error {
	if errors.Is(err, helmrelease.ErrOwnedElsewhere) {
		return releaseTaken(d)
	}
	return helmFailure(reason, doing, err)
}

// failClassed is a failure whose status says message, a class of what went wrong, rather
// than err.
func failClassed(reason, message string, err error) error {
	return &failure{reason: reason, err: err, message: message}
}

// ReleaseName is the Helm release of d: its name (see the package doc).
func ReleaseName(d *v1alpha1.NfDeployment) string { return d.Name }

func descriptorOf(d *v1alpha1.NfDeployment) (namespace, name string) {
	ns := d.Spec.DescriptorRef.Namespace
	if ns == "" {
		ns = d.Namespace
	}
	return ns, d.Spec.DescriptorRef.Name
}

// reconcile brings the release of the NfDeployment key to its spec; it returns when to look
// again (drift) or the error to retry with backoff.
func (c *Controller) reconcile(ctx context.Context, key string) (requeueAfter time.Duration, err error) {
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return 0, nil
	}
	cur, err := c.deployments.NfDeployments(ns).Get(name)
	if apierrors.IsNotFound(err) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	d := cur.DeepCopy()
	if d.DeletionTimestamp != nil {
		return 0, c.remove(ctx, d)
	}
	if !slices.Contains(d.Finalizers, v1alpha1.FinalizerRelease) {
		d.Finalizers = append(d.Finalizers, v1alpha1.FinalizerRelease)
		_, err := c.cfg.Client.O2dmsV1alpha1().NfDeployments(ns).Update(ctx, d, metav1.UpdateOptions{FieldManager: fieldManager})
		// The update's event brings the NfDeployment back.
		return 0, err
	}
	if d.Status.Phase == "" {
		d.Status.Phase = v1alpha1.NfDeploymentPending
		d.Status.Message = "accepted; preparing the release"
		if d, err = c.writeStatus(ctx, cur, d); err != nil {
			return 0, err
		}
	}
	d, err = c.deploy(ctx, d)
	if errors.Is(err, errStale) {
		// The informer has not caught up with the stored object yet. What it lags behind is
		// the controller's own status write (the FAILED of the last attempt), whose event
		// changed() drops: no event brings the key back, so it is retried with its backoff,
		// not after the resync. Nothing is written: the copy is not one to act on.
		klog.FromContext(ctx).V(2).Info("Informer copy is stale; retrying with backoff", "resourceVersion", cur.ResourceVersion)
		return 0, err
	}
	if err != nil {
		var f *failure
		if !errors.As(err, &f) {
			f = &failure{reason: "Failed", err: err}
		}
		if werr := c.failed(ctx, d, f); werr != nil {
			return 0, errors.Join(err, werr)
		}
		return 0, err
	}
	return c.cfg.Resync, nil
}

// tenancyAllowed re-checks what admission checked: a tenant's NfDeployment uses no cluster
// another tenant provisioned (nfdeployment.MayDeployTo) and targets only the namespaces its
// namespace maps to; the operator's may use and target any. A deployment manager that does
// not exist (yet) is for Target to report.
func (c *Controller) tenancyAllowed(d *v1alpha1.NfDeployment) error {
	if d.Namespace == c.cfg.InventoryNamespace {
		return nil
	}
	c.mu.Lock()
	managers := c.managers
	c.mu.Unlock()
	dm, err := deploymentManagerOf(managers, c.cfg.InventoryNamespace, d.Spec.DeploymentManagerID)
	if err == nil && !nfdeployment.MayDeployTo(dm, d.Namespace, c.cfg.InventoryNamespace) {
		// As admission answers: not one this namespace may deploy to, whatever the reason, so
		// the status says nothing of whose the cluster is.
		return fail("DeploymentManagerNotAllowed", fmt.Errorf("deployment manager %s is not one the NfDeployments of namespace %s may deploy to", d.Spec.DeploymentManagerID, d.Namespace))
	}
	allowed := nfdeployment.AllowedTargets(c.cfg.TargetNamespaces, d.Namespace, d.Spec.DeploymentManagerID)
	if !slices.Contains(allowed, d.Spec.TargetNamespace) {
		return fail("TargetNamespaceNotAllowed", fmt.Errorf("target namespace %q is not one the NfDeployments of namespace %s may deploy into (%v)", d.Spec.TargetNamespace, d.Namespace, allowed))
	}
	return nil
}

// deploy installs, upgrades or rolls back d's release as its spec says, and records it.
func (c *Controller) deploy(ctx context.Context, d *v1alpha1.NfDeployment) (*v1alpha1.NfDeployment, error) {
	logger := klog.FromContext(ctx)
	if err := c.tenancyAllowed(d); err != nil {
		return d, err
	}
	desc, err := c.descriptor(d)
	if err != nil {
		return d, fail("DescriptorNotFound", err)
	}
	src, err := c.source(ctx, desc)
	if err != nil {
		// One message whether the Secret is missing, unreadable or lacks the keys: the status
		// is read by more than the descriptor's writer (a tenant's NfDeployment of the
		// operator's descriptor), and must not tell them which Secrets exist.
		return d, failClassed("PullSecretUnreadable", fmt.Sprintf("pull secret %q of descriptor %s/%s cannot be read or has neither a username nor a password key",
			desc.Spec.PullSecretRef.Name, desc.Namespace, desc.Name), err)
	}
	values, err := mergedValues(desc, d)
	if err != nil {
		return d, fail("InvalidValues", err)
	}
	t, err := c.target(ctx, d)
	if err != nil {
		return d, targetError(err)
	}
	name := ReleaseName(d)
	rel, err := c.cfg.Releases.Get(ctx, t, name)
	if err != nil && !errors.Is(err, helmrelease.ErrNotFound) {
		c.forgetTarget(d)
		return d, targetFailure("TargetUnavailable", "read release "+name, err)
	}
	if rel != nil && rel.Owner != "" && rel.Owner != t.Owner {
		return d, releaseTaken(d)
	}
	switch decide(d, rel, desc.Spec.Version, src.ID(), helmrelease.ValuesHash(values)) {
	case actKeep:
		if rel.Owner == "" && d.Status.ReleaseRevision > 0 {
			// A release this NfDeployment deployed before owners were recorded (an older
			// netweave) and keeps as it is: no new revision records the owner, so it is
			// recorded now, before another namespace's NfDeployment of the name adopts it.
			switch err := c.cfg.Releases.RecordOwner(ctx, t, name); {
			case errors.Is(err, helmrelease.ErrNotFound):
				// Gone meanwhile: drift, which the history read below reports.
			case err != nil:
				return d, releaseFailure(d, "TargetUnavailable", "record the owner of release "+name, err)
			default:
				logger.Info("Recorded the NfDeployment's namespace as the owner of its release", "release", name)
			}
		}
	case actInstall:
		drift := d.Status.ReleaseRevision > 0
		msg := fmt.Sprintf("installing chart %s %s as release %s", chartName(desc), desc.Spec.Version, name)
		if drift {
			msg = fmt.Sprintf("release %s is gone from the target (drift); installing it again", name)
			logger.Info("Release gone from the target; reinstalling", "release", name, "lastRevision", d.Status.ReleaseRevision)
		}
		if d, err = c.phase(ctx, d, v1alpha1.NfDeploymentInstalling, msg); err != nil {
			return d, err
		}
		ch, err := c.cfg.Charts.Fetch(ctx, src)
		if err != nil {
			return d, chartUnavailable(desc, err)
		}
		c.adoptSchema(ctx, desc, ch)
		if rel, err = c.cfg.Releases.Apply(ctx, t, name, ch.Chart, values, src.ID()); err != nil {
			return d, releaseFailure(d, "InstallFailed", "install release "+name, err)
		}
		if drift {
			setCondition(d, ConditionDriftRepaired, metav1.ConditionTrue, "Reinstalled",
				fmt.Sprintf("release %s was gone from the target (last revision %d); installed again as revision %d", name, d.Status.ReleaseRevision, rel.Revision), c.cfg.Now())
		}
	case actRollback:
		if d, rel, err = c.rollback(ctx, d, t, rel); err != nil {
			return d, err
		}
	case actUpgrade:
		if d, err = c.phase(ctx, d, v1alpha1.NfDeploymentUpgrading,
			fmt.Sprintf("upgrading release %s to chart %s %s", name, chartName(desc), desc.Spec.Version)); err != nil {
			return d, err
		}
		ch, err := c.cfg.Charts.Fetch(ctx, src)
		if err != nil {
			return d, chartUnavailable(desc, err)
		}
		c.adoptSchema(ctx, desc, ch)
		if rel, err = c.cfg.Releases.Apply(ctx, t, name, ch.Chart, values, src.ID()); err != nil {
			return d, releaseFailure(d, "UpgradeFailed", "upgrade release "+name, err)
		}
	}
	return c.deployed(ctx, d, t, rel)
}

// target is where d's release lives, owned by d's namespace (helmrelease.Target.Owner).
func (c *Controller) target(ctx context.Context, d *v1alpha1.NfDeployment) (helmrelease.Target, error) {
	t, err := c.cfg.Targets.Target(ctx, d.Spec.DeploymentManagerID, d.Spec.TargetNamespace)
	if err != nil {
		return t, err
	}
	t.Owner = d.Namespace
	return t, nil
}

// releaseTaken is an NfDeployment whose release name another namespace's NfDeployment holds
// in the target namespace. The status does not say whose: only that the name is taken there.
func releaseTaken(d *v1alpha1.NfDeployment) error {
	return fail("ReleaseNameTaken", fmt.Errorf("release %s in target namespace %s belongs to an NfDeployment of another namespace; "+
		"this NfDeployment needs another name", ReleaseName(d), d.Spec.TargetNamespace))
}

// chartUnavailable is a failed chart fetch. The status says the class of the failure only:
// the chart source is whatever the descriptor's writer chose, and a raw error (connection
// refused vs timed out, a status code, a line of a body that did not parse) would tell them
// what netweave's network reaches. The error, for the log, says it all.
func chartUnavailable(desc *v1alpha1.NfDeploymentDescriptor, err error) error {
	return failClassed("ChartUnavailable", fmt.Sprintf("chart %s %s of descriptor %s/%s is unavailable: %s",
		chartName(desc), desc.Spec.Version, desc.Namespace, desc.Name, helmrelease.FailureClass(err)), err)
}

// errStale is an informer copy older than the stored NfDeployment: not one to act on.
var errStale = errors.New("the informer's copy is older than the stored NfDeployment")

// action is what a reconcile does to the release of an NfDeployment.
type action int

const (
	// actKeep: the release runs the spec (or the revision it was rolled back to); record it.
	actKeep action = iota
	// actInstall: no release in the target; install it (again, after drift, when the status
	// has a revision).
	actInstall
	// actRollback: spec.desiredRevision has not been acted on; roll back to it.
	actRollback
	// actUpgrade: the release differs from the spec (chart identity or version, values, a
	// failed revision).
	actUpgrade
)

func (a action) String() string {
	return [...]string{"keep", "install", "rollback", "upgrade"}[a]
}

// decide is the phase decision: what d's release rel (nil: none in the target) needs, with
// chartVersion the descriptor's version, chartID its chart's identity (helmrelease.Source.ID:
// source, version, digest pin) and valuesHash the hash of the merged values.
//
// A release recorded without a chart identity (installed or last upgraded by a netweave from
// before it was recorded, or by helm itself) is taken as running the descriptor's chart when
// its version matches, as it was then: taking it as changed would upgrade every such release
// at once when netweave is upgraded (and fail those whose chart source is gone since). Its
// next upgrade records the identity.
func decide(d *v1alpha1.NfDeployment, rel *helmrelease.Release, chartVersion, chartID, valuesHash string) action {
	switch {
	case rel == nil:
		return actInstall
	case d.Spec.DesiredRevision != nil && rolledBackTo(d) != *d.Spec.DesiredRevision:
		return actRollback
	case pinned(d):
		// Rolled back and the spec unchanged since: the release stays on that revision.
		return actKeep
	case rel.ChartVersion != chartVersion || rel.ChartID != "" && rel.ChartID != chartID ||
		rel.ValuesHash != valuesHash || rel.Status != "deployed":
		return actUpgrade
	}
	return actKeep
}

// rollback rolls d's release back to spec.desiredRevision, once. A rollback is not idempotent
// (each adds a revision), so it is decided on the stored NfDeployment, never on an informer
// copy that may predate the controller's own last status write (errStale), and a rollback
// already done whose status write was lost (a crash, a conflict) is recognised in the
// release's history, whose latest revision Helm describes as "Rollback to N": it is recorded,
// not repeated. The record is the RolledBack condition (reason Revision<N>), which is status,
// so a restarted or new leader does not roll back again either.
func (c *Controller) rollback(ctx context.Context, d *v1alpha1.NfDeployment, t helmrelease.Target, rel *helmrelease.Release) (*v1alpha1.NfDeployment, *helmrelease.Release, error) {
	to := *d.Spec.DesiredRevision
	name := ReleaseName(d)
	live, err := c.cfg.Client.O2dmsV1alpha1().NfDeployments(d.Namespace).Get(ctx, d.Name, metav1.GetOptions{})
	if err != nil {
		return d, nil, fmt.Errorf("read %s/%s before rolling back: %w", d.Namespace, d.Name, err)
	}
	if live.ResourceVersion != d.ResourceVersion {
		return d, nil, errStale
	}
	hist, err := c.cfg.Releases.History(ctx, t, name)
	if err != nil {
		c.forgetTarget(d)
		return d, nil, targetFailure("TargetUnavailable", "read the history of release "+name, err)
	}
	if !rollbackDone(hist, to) {
		if d, err = c.phase(ctx, d, v1alpha1.NfDeploymentRollingBack, fmt.Sprintf("rolling release %s back to revision %d", name, to)); err != nil {
			return d, nil, err
		}
		if rel, err = c.cfg.Releases.Rollback(ctx, t, name, int(to)); err != nil {
			return d, nil, releaseFailure(d, "RollbackFailed", "roll back release "+name, err)
		}
	} else {
		klog.FromContext(ctx).Info("Release already rolled back to the desired revision; recording it", "release", name, "desiredRevision", to, "revision", rel.Revision)
	}
	setCondition(d, ConditionRolledBack, metav1.ConditionTrue, fmt.Sprintf("Revision%d", to),
		fmt.Sprintf("rolled back to revision %d as revision %d (spec.desiredRevision)", to, rel.Revision), c.cfg.Now())
	return d, rel, nil
}

// rollbackDone: the latest revision of the history is a deployed rollback to revision to.
func rollbackDone(hist []helmrelease.Revision, to int64) bool {
	if len(hist) == 0 {
		return false
	}
	last := hist[len(hist)-1]
	return last.Status == "deployed" && last.Description == fmt.Sprintf("Rollback to %d", to)
}

// deployed records a release that runs: revision, history, workloads, DEPLOYED.
func (c *Controller) deployed(ctx context.Context, d *v1alpha1.NfDeployment, t helmrelease.Target, rel *helmrelease.Release) (*v1alpha1.NfDeployment, error) {
	before := d.DeepCopy()
	forgetRollback(d)
	hist, err := c.cfg.Releases.History(ctx, t, rel.Name)
	if err != nil {
		return d, targetFailure("TargetUnavailable", "read the history of release "+rel.Name, err)
	}
	d.Status.History = historyOf(hist)
	workloads, err := c.cfg.Workloads.Status(ctx, t, rel.Manifest)
	if err != nil {
		klog.FromContext(ctx).Info("Reading the release's workloads", "err", err.Error())
	}
	if workloads != nil || err == nil {
		d.Status.Workloads = sortedWorkloads(workloads)
	}
	d.Status.Phase = v1alpha1.NfDeploymentDeployed
	d.Status.ReleaseRevision = int64(rel.Revision)
	d.Status.ObservedGeneration = d.Generation
	ready := 0
	for _, w := range d.Status.Workloads {
		if w.Ready {
			ready++
		}
	}
	d.Status.Message = fmt.Sprintf("release %s revision %d (chart %s) deployed; %d/%d workload objects ready",
		rel.Name, rel.Revision, rel.ChartVersion, ready, len(d.Status.Workloads))
	setCondition(d, ConditionReady, metav1.ConditionTrue, "Deployed", d.Status.Message, c.cfg.Now())
	return c.writeStatus(ctx, before, d)
}

// failed records a failure: FAILED, the message, the Ready condition with the reason.
func (c *Controller) failed(ctx context.Context, d *v1alpha1.NfDeployment, f *failure) error {
	before := d.DeepCopy()
	forgetRollback(d)
	d.Status.Phase = v1alpha1.NfDeploymentFailed
	d.Status.Message = f.statusMessage()
	d.Status.ObservedGeneration = d.Generation
	setCondition(d, ConditionReady, metav1.ConditionFalse, f.reason, f.statusMessage(), c.cfg.Now())
	_, err := c.writeStatus(ctx, before, d)
	return err
}

// remove uninstalls d's release and lets d go.
func (c *Controller) remove(ctx context.Context, d *v1alpha1.NfDeployment) error {
	if !slices.Contains(d.Finalizers, v1alpha1.FinalizerRelease) {
		return nil
	}
	uninstall := func() error {
		// A target the NfDeployment may not use was never deployed into: nothing to remove
		// there, and nothing to touch.
		if c.tenancyAllowed(d) != nil {
			return nil
		}
		// A name Helm refuses as a release's (one admitted before admission checked its
		// length) was never installed, and Helm's uninstall would refuse it forever.
		if chartutil.ValidateReleaseName(ReleaseName(d)) != nil {
			return nil
		}
		t, err := c.target(ctx, d)
		if errors.Is(err, ErrNamespaceNotEnabled) || errors.Is(err, ErrNoTargetNamespace) {
			return nil
		}
		if err != nil {
			return targetError(err)
		}
		// A release that records no owner (made by helm itself, or by a netweave from before
		// owners were recorded) is this one's to remove only if this one deployed it (its
		// status records a revision); otherwise deleting an NfDeployment that never got to
		// deploy (its chart unavailable, its values refused) would uninstall whatever
		// release has its name there.
		unowned := helmrelease.LeaveUnowned
		if d.Status.ReleaseRevision > 0 {
			unowned = helmrelease.TakeUnowned
		}
		err = c.cfg.Releases.Uninstall(ctx, t, ReleaseName(d), unowned)
		switch {
		case errors.Is(err, helmrelease.ErrOwnedElsewhere):
			// The release of that name is another NfDeployment's (this one never got it):
			// nothing of this one's to remove, and the other's workloads stay.
			klog.FromContext(ctx).Info("Release belongs to another NfDeployment; leaving it", "release", ReleaseName(d))
			return nil
		case errors.Is(err, helmrelease.ErrNotOwned):
			klog.FromContext(ctx).Info("Release records no owner and this NfDeployment never deployed it; leaving it", "release", ReleaseName(d))
			return nil
		}
		if err != nil {
			c.forgetTarget(d)
			return helmFailure("UninstallFailed", "uninstall release "+ReleaseName(d), err)
		}
		return nil
	}
	var err error
	if d.Status.Phase != v1alpha1.NfDeploymentDeleting {
		if d, err = c.phase(ctx, d, v1alpha1.NfDeploymentDeleting, "uninstalling release "+ReleaseName(d)); err != nil {
			return err
		}
	}
	if err := uninstall(); err != nil {
		var f *failure
		errors.As(err, &f)
		before := d.DeepCopy()
		d.Status.Message = "uninstall failed (retrying): " + f.statusMessage()
		setCondition(d, ConditionReady, metav1.ConditionFalse, f.reason, f.statusMessage(), c.cfg.Now())
		_, werr := c.writeStatus(ctx, before, d)
		return errors.Join(err, werr)
	}
	d.Finalizers = slices.DeleteFunc(d.Finalizers, func(f string) bool { return f == v1alpha1.FinalizerRelease })
	_, err = c.cfg.Client.O2dmsV1alpha1().NfDeployments(d.Namespace).Update(ctx, d, metav1.UpdateOptions{FieldManager: fieldManager})
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err == nil {
		klog.FromContext(ctx).Info("Release uninstalled; finalizer removed", "release", ReleaseName(d))
		c.recordUninstalled(d)
	}
	return err
}

func (c *Controller) forgetTarget(d *v1alpha1.NfDeployment) {
	if f, ok := c.cfg.Targets.(interface{ Forget(string, string) }); ok {
		f.Forget(d.Spec.DeploymentManagerID, d.Spec.TargetNamespace)
	}
}

func targetReason(err error) string {
	switch {
	case errors.Is(err, ErrNamespaceNotEnabled):
		return "NamespaceNotEnabled"
	case errors.Is(err, ErrNoTargetNamespace):
		return "TargetNamespaceMissing"
	case errors.Is(err, ErrUnknownDeploymentManager):
		return "UnknownDeploymentManager"
	}
	return "TargetUnavailable"
}

// descriptor reads d's descriptor as admission does: d's namespace or the shared one only.
func (c *Controller) descriptor(d *v1alpha1.NfDeployment) (*v1alpha1.NfDeploymentDescriptor, error) {
	ns, name := descriptorOf(d)
	if ns != d.Namespace && ns != c.cfg.InventoryNamespace {
		return nil, fmt.Errorf("descriptor %s/%s not found", ns, name)
	}
	desc, err := c.descriptors.NfDeploymentDescriptors(ns).Get(name)
	if apierrors.IsNotFound(err) {
		return nil, fmt.Errorf("descriptor %s/%s not found", ns, name)
	}
	return desc, err
}

// mergedValues are the values a release of d is installed with: the merge admission checked.
func mergedValues(desc *v1alpha1.NfDeploymentDescriptor, d *v1alpha1.NfDeployment) (map[string]any, error) {
	var spec o2dms.NfDeploymentDescriptorSpec
	if err := v1alpha1.Convert_v1alpha1_NfDeploymentDescriptorSpec_To_o2dms_NfDeploymentDescriptorSpec(&desc.Spec, &spec, nil); err != nil {
		return nil, err
	}
	var values *o2dms.JSON
	if d.Spec.Values != nil {
		values = &o2dms.JSON{}
		if err := v1alpha1.Convert_v1alpha1_JSON_To_o2dms_JSON(d.Spec.Values, values, nil); err != nil {
			return nil, err
		}
	}
	return validation.MergedValues(&spec, values)
}

func chartName(desc *v1alpha1.NfDeploymentDescriptor) string {
	if desc.Spec.Chart.OCI != nil {
		return desc.Spec.Chart.OCI.Reference
	}
	if desc.Spec.Chart.Repository != nil {
		return desc.Spec.Chart.Repository.Name
	}
	return ""
}

// source is where desc's chart comes from, with the credentials of its pullSecretRef: keys
// username and password of that Secret in the descriptor's own namespace, read as netweave
// (which may get every Secret; admission made sure whoever named the Secret, or pointed the
// descriptor at its chart source, may get it too: pkg/registry/o2dms/nfdeploymentdescriptor).
// Read per reconcile, never cached or logged. An error names the cause, for the log only.
func (c *Controller) source(ctx context.Context, desc *v1alpha1.NfDeploymentDescriptor) (helmrelease.Source, error) {
	src := helmrelease.Source{Version: desc.Spec.Version, Digest: desc.Spec.Digest}
	if desc.Spec.Chart.OCI != nil {
		src.OCIRef = desc.Spec.Chart.OCI.Reference
	}
	if desc.Spec.Chart.Repository != nil {
		src.RepoURL, src.Name = desc.Spec.Chart.Repository.URL, desc.Spec.Chart.Repository.Name
	}
	ref := desc.Spec.PullSecretRef
	if ref == nil {
		return src, nil
	}
	s, err := c.cfg.Kube.CoreV1().Secrets(desc.Namespace).Get(ctx, ref.Name, metav1.GetOptions{})
	if err != nil {
		return src, fmt.Errorf("read pull secret %s of descriptor %s/%s: %w", ref.Name, desc.Namespace, desc.Name, err)
	}
	src.Username, src.Password = string(s.Data["username"]), string(s.Data["password"])
	if src.Username == "" && src.Password == "" {
		return src, fmt.Errorf("pull secret %s of descriptor %s/%s has neither a username nor a password key", ref.Name, desc.Namespace, desc.Name)
	}
	return src, nil
}

// adoptSchema fills desc's parametersSchema from the chart's values.schema.json when the
// descriptor has none, so admission checks the values of NfDeployments made or changed from
// then on against it (a 422 with field paths rather than a failed install). Best effort: the
// install validates against the chart's schema anyway (Helm does), so a failed patch is logged.
func (c *Controller) adoptSchema(ctx context.Context, desc *v1alpha1.NfDeploymentDescriptor, ch *helmrelease.Fetched) {
	if desc.Spec.ParametersSchema != nil || ch == nil || ch.Chart == nil || len(ch.Chart.Schema) == 0 {
		return
	}
	logger := klog.FromContext(ctx)
	if !json.Valid(ch.Chart.Schema) {
		logger.Info("Chart's values.schema.json is not JSON; not adopted", "descriptor", klog.KObj(desc))
		return
	}
	// The resourceVersion makes the patch fail if the descriptor changed since it was read (a
	// new chart version, a schema of the writer's own): this chart's schema is only this
	// descriptor version's.
	patch, err := json.Marshal(map[string]any{
		"metadata": map[string]any{"resourceVersion": desc.ResourceVersion},
		"spec":     map[string]any{"parametersSchema": json.RawMessage(ch.Chart.Schema)}})
	if err != nil {
		return
	}
	if _, err := c.cfg.Client.O2dmsV1alpha1().NfDeploymentDescriptors(desc.Namespace).Patch(ctx, desc.Name, types.MergePatchType, patch,
		metav1.PatchOptions{FieldManager: fieldManager}); err != nil {
		logger.Info("Could not adopt the chart's values.schema.json as the descriptor's parametersSchema", "descriptor", klog.KObj(desc), "err", err)
		return
	}
	logger.V(2).Info("Adopted the chart's values.schema.json as the descriptor's parametersSchema", "descriptor", klog.KObj(desc))
}
