// Package helmrelease installs, upgrades, rolls back and uninstalls Helm releases in a target
// cluster through the Helm SDK (helm.sh/helm/v4), the library the helm command is built from:
// releases are stored in the target namespace as Helm stores them (Secrets), so `helm list`
// there agrees with what netweave reports. It knows nothing of O2 objects; the O2-DMS
// controller drives it.
package helmrelease

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/go-logr/logr"
	"helm.sh/helm/v4/pkg/action"
	"helm.sh/helm/v4/pkg/chart/common"
	chart "helm.sh/helm/v4/pkg/chart/v2"
	"helm.sh/helm/v4/pkg/kube"
	ri "helm.sh/helm/v4/pkg/release"
	rcommon "helm.sh/helm/v4/pkg/release/common"
	release "helm.sh/helm/v4/pkg/release/v1"
	"helm.sh/helm/v4/pkg/storage/driver"
	corev1client "k8s.io/client-go/kubernetes/typed/core/v1"
	"k8s.io/client-go/rest"
	"k8s.io/klog/v2"
)

// ErrNotFound is returned for a release that does not exist in the target namespace (never
// installed, or uninstalled: drift the controller repairs).
var ErrNotFound = errors.New("release not found")

// Target is where a release lives.
type Target struct {
	// Config reaches the target cluster with the identity netweave acts as there.
	Config *rest.Config
	// Namespace holds the release's objects and Helm's record of it.
	Namespace string
	// Owner, when set, is whose releases of this target the engine acts on: it is recorded on
	// each revision it makes (OwnerLabel), and a release another owner recorded is neither
	// upgraded, rolled back nor uninstalled (ErrOwnedElsewhere). A release recorded without
	// an owner (made by an older netweave, or by helm itself) is taken as the caller's, as it
	// was then, and its next revision records the owner; Uninstall takes it only when asked to
	// (Unowned).
	Owner string
}

// OwnerLabel is the Helm release label (a label of the release's storage Secret) that records
// the owner (Target.Owner) of the revision: for the O2-DMS controller, the namespace of the
// NfDeployment whose release it is. Release names are unique per target namespace only, and
// NfDeployments of two namespaces may target one (the operator's may target a tenant's): the
// second would otherwise upgrade the first's release with its own chart, and deleting either
// would uninstall the other's workloads.
const OwnerLabel = "o2dms.oran.org/owner-namespace"

// ErrOwnedElsewhere is returned for a release whose owner (the newest owner its revisions
// recorded) is another than the caller's.
var ErrOwnedElsewhere = errors.New("the release belongs to another owner")

// Config configures an Engine.
type Config struct {
	// Timeout bounds one install, upgrade, rollback or uninstall, waits included.
	Timeout time.Duration
	// Wait makes install, upgrade and rollback wait until the workloads are ready (Helm's
	// status watcher), and a release not ready within Timeout a failure that is undone;
	// without it they return once the objects are applied (clusters without kubelets, as the
	// local stack's, never report workloads ready).
	Wait bool
	// MaxHistory is how many revisions Helm keeps per release (0: Helm's default, all).
	MaxHistory int
	// Render bounds the rendering of a chart's templates, which runs in a child process
	// (render.go).
	Render RenderLimits
	// RenderMetrics records the renderings (nil: none).
	RenderMetrics *RenderMetrics
}

// Engine runs Helm actions.
type Engine struct {
	cfg       Config
	renderers *renderers
	// records checks the manifests of the release records read, within the rendering's
	// bounds.
	records *recordManifests
}

// NewEngine returns an Engine.
func NewEngine(cfg Config) *Engine {
	if cfg.Timeout <= 0 {
		cfg.Timeout = 5 * time.Minute
	}
	r := newRenderers(cfg.Render.complete(), cfg.RenderMetrics)
	return &Engine{cfg: cfg, renderers: r, records: newRecordManifests(r)}
}

// Revision is one entry of a release's history.
type Revision struct {
	Revision     int
	ChartVersion string
	// Status is Helm's: deployed, superseded, failed, pending-install, ...
	Status      string
	Description string
	Updated     time.Time
	// ValuesHash is the sha256 of the revision's user-supplied values (canonical JSON).
	ValuesHash string
}

// ChartIDLabel is the Helm release label (a label of the release's storage Secret) that
// records the identity of the chart a revision was made from (Source.ID): Helm records the
// chart's name and version only, and a chart of another source, or another digest pin, at the
// same version is another chart. An upgrade sets it; a rollback takes the label of the
// revision it rolls back to, as that revision's chart.
const ChartIDLabel = "o2dms.oran.org/chart-id"

// Release is a release as the target cluster has it.
type Release struct {
	Name, Namespace string
	Revision        int
	Status          string
	ChartVersion    string
	// ChartID is the identity of the chart the revision was made from (ChartIDLabel); empty
	// for a revision made without it (by an older netweave, or by helm itself).
	ChartID string
	// Owner is the release's owner (OwnerLabel): the one the newest revision that recorded
	// one recorded; empty for none.
	Owner string
	// Manifest is the rendered manifest of the current revision (the workload objects).
	Manifest   string
	ValuesHash string
}

// ValuesHash is the sha256 of values as canonical JSON (encoding/json sorts map keys).
func ValuesHash(values map[string]any) string {
	if values == nil {
		values = map[string]any{}
	}
	b, err := json.Marshal(values)
	if err != nil {
		// Values come from JSON documents; a value that cannot be marshalled is a bug upstream.
		return "unhashable:" + err.Error()
	}
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:])
}

func (e *Engine) configuration(ctx context.Context, t Target) (*action.Configuration, error) {
	config := fencedConfig(ctx, t.Config)
	getter, err := newRESTClientGetter(config, t.Namespace)
	if err != nil {
		return nil, err
	}
	handler := logr.ToSlogHandler(klog.FromContext(ctx).WithValues("namespace", t.Namespace, "component", "helm"))
	cfg := action.NewConfiguration(action.ConfigurationSetLogger(handler))
	if err := cfg.Init(getter, t.Namespace, "secret"); err != nil {
		return nil, fmt.Errorf("helm configuration: %w", err)
	}
	core, err := corev1client.NewForConfig(config)
	if err != nil {
		return nil, fmt.Errorf("helm release storage client: %w", err)
	}
	cfg.Releases = releaseStorage(core.Secrets(t.Namespace), handler, e.records)
	return cfg, nil
}

func (e *Engine) waitStrategy() kube.WaitStrategy {
	if e.cfg.Wait {
		return kube.StatusWatcherStrategy
	}
	return kube.HookOnlyStrategy
}

// Apply installs ch as release name with values, or upgrades the release to them, recording
// chartID (ch's Source.ID; empty: none recorded) as the revision's ChartIDLabel. Both are
// atomic: a failed install is uninstalled again and a failed upgrade rolled back, so what was
// deployed before keeps running; the error says what failed. With Config.Wait, "failed"
// includes workloads not ready within Timeout (Helm's rollback-on-failure); without it, an
// apply the target cluster refuses.
func (e *Engine) Apply(ctx context.Context, t Target, name string, ch *chart.Chart, values map[string]any, chartID string) (*Release, error) {
	cfg, err := e.configuration(ctx, t)
	if err != nil {
		return nil, err
	}
	return e.applyWith(ctx, cfg, t, name, ch, values, chartID)
}

// applyWith is Apply through cfg, the target's Helm configuration.
func (e *Engine) applyWith(ctx context.Context, cfg *action.Configuration, t Target, name string, ch *chart.Chart, values map[string]any, chartID string) (*Release, error) {
	if values == nil {
		values = map[string]any{}
	}
	if err := checkOwner(cfg, t, name, TakeUnowned); err != nil {
		return nil, err
	}
	if err := e.takeOverAbandoned(ctx, cfg, name); err != nil {
		return nil, err
	}
	hist, err := cfg.Releases.History(name)
	if err != nil && !errors.Is(err, driver.ErrReleaseNotFound) {
		return nil, fmt.Errorf("read release %s: %w", name, err)
	}
	if len(hist) == 0 || lastUninstalled(hist) {
		install := action.NewInstall(cfg)
		install.ReleaseName, install.Namespace = name, t.Namespace
		install.Timeout, install.WaitStrategy = e.cfg.Timeout, e.waitStrategy()
		// Helm's own rollback-on-failure implies waiting for readiness; without Wait the
		// engine undoes a failed install itself.
		install.RollbackOnFailure = e.cfg.Wait
		install.Replace = len(hist) > 0
		install.Labels = releaseLabels(t, chartID)
		rendered, err := e.renderedChart(ctx, cfg, ch, values, common.ReleaseOptions{Name: name, Namespace: t.Namespace, Revision: 1, IsInstall: true})
		if err != nil {
			return nil, fmt.Errorf("install release %s: %w", name, err)
		}
		before := lastVersion(cfg, name)
		r, err := install.RunWithContext(ctx, rendered, values)
		if err != nil {
			return nil, e.undoInstall(ctx, cfg, t, name, before, fmt.Errorf("install release %s: %w", name, err))
		}
		return toRelease(r)
	}
	previous, err := e.get(cfg, name)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return nil, err
	}
	upgrade := action.NewUpgrade(cfg)
	upgrade.Namespace = t.Namespace
	upgrade.Timeout, upgrade.WaitStrategy = e.cfg.Timeout, e.waitStrategy()
	upgrade.RollbackOnFailure, upgrade.CleanupOnFail = e.cfg.Wait, true
	upgrade.MaxHistory = e.cfg.MaxHistory
	// The values given are the whole desired values: Helm would otherwise reuse the previous
	// release's values when they are empty, keep running those and record their hash.
	upgrade.ResetValues = true
	upgrade.Labels = releaseLabels(t, chartID)
	if chartID == "" {
		// Helm merges an upgrade's labels into the previous revision's: without this, the
		// revision would claim the previous one's chart (Helm deletes a label set to "null").
		if upgrade.Labels == nil {
			upgrade.Labels = map[string]string{}
		}
		upgrade.Labels[ChartIDLabel] = "null"
	}
	rendered, err := e.renderedChart(ctx, cfg, ch, values, common.ReleaseOptions{Name: name, Namespace: t.Namespace, Revision: lastVersion(cfg, name) + 1, IsUpgrade: true})
	if err != nil {
		return nil, fmt.Errorf("upgrade release %s: %w", name, err)
	}
	r, err := upgrade.RunWithContext(ctx, name, rendered, values)
	if err != nil {
		err = fmt.Errorf("upgrade release %s: %w", name, err)
		// Without Wait, Helm leaves a half-applied revision marked failed: put back the one that
		// was deployed. A failure before anything was applied (values refused by the chart's
		// schema) created no revision, and nothing needs putting back. Not once ctx is done:
		// the leader term that applied ended (its Lease lost, or a shutdown), and the rollback
		// (Helm's, without a context) would write after its fence, over what a successor may
		// already apply; the successor upgrades from the revision left failed or pending
		// (takeOverAbandoned).
		if !e.cfg.Wait && previous != nil && ctx.Err() == nil {
			if cur, gerr := e.get(cfg, name); gerr == nil && cur.Revision != previous.Revision {
				if rerr := e.rollback(cfg, name, previous.Revision); rerr != nil {
					err = errors.Join(err, fmt.Errorf("roll back to revision %d: %w", previous.Revision, rerr))
				}
			}
		}
		return nil, err
	}
	return toRelease(r)
}

// undoInstall undoes the install of release name that failed with err when Helm has not (no
// Config.Wait): it uninstalls the release only if the failed install recorded a revision (one
// newer than before) of t's owner. Another owner's install of the same name that won the race
// between checkOwner and Helm's own check (which refuses a name in use) is left alone, and err
// then says the release belongs to another owner (ErrOwnedElsewhere). Nothing is undone once
// ctx is done: the leader term that installed ended, and the uninstall (Helm's, without a
// context) would write after its fence, over what a successor may already apply; the
// successor installs again over the revision left failed or pending.
func (e *Engine) undoInstall(ctx context.Context, cfg *action.Configuration, t Target, name string, before int, err error) error {
	if e.cfg.Wait || ctx.Err() != nil {
		return err
	}
	if oerr := checkOwner(cfg, t, name, TakeUnowned); oerr != nil {
		return errors.Join(err, oerr)
	}
	r, lerr := lastRevision(cfg, name)
	if lerr != nil {
		return errors.Join(err, fmt.Errorf("undo the failed install: %w", lerr))
	}
	if r == nil || r.Version <= before {
		// Nothing recorded by this install (refused before Helm created a revision).
		return err
	}
	if uerr := e.uninstall(cfg, name); uerr != nil {
		err = errors.Join(err, fmt.Errorf("undo the failed install: %w", uerr))
	}
	return err
}

// RecordOwner records t's owner (Target.Owner) on the last revision of release name when no
// revision has recorded one: a release made before owners were recorded (by an older
// netweave) that its NfDeployment keeps as it is gets no new revision to record it, and would
// otherwise stay anyone's to take. A release another owner recorded is ErrOwnedElsewhere; one
// without revisions is ErrNotFound; one already t's is left as it is.
func (e *Engine) RecordOwner(ctx context.Context, t Target, name string) error {
	if t.Owner == "" {
		return nil
	}
	cfg, err := e.configuration(ctx, t)
	if err != nil {
		return err
	}
	return recordOwner(cfg, t, name)
}

func recordOwner(cfg *action.Configuration, t Target, name string) error {
	owner, _, err := ownerOf(cfg, name)
	if err != nil {
		return err
	}
	switch owner {
	case t.Owner:
		return nil
	case "":
	default:
		return fmt.Errorf("release %s in namespace %s: %w", name, t.Namespace, ErrOwnedElsewhere)
	}
	r, err := lastRevision(cfg, name)
	if err != nil {
		return err
	}
	if r == nil {
		return ErrNotFound
	}
	return labelOwner(cfg, r, t.Owner)
}

// lastRevision is the last revision of release name; nil when there is none.
func lastRevision(cfg *action.Configuration, name string) (*release.Release, error) {
	last, err := cfg.Releases.Last(name)
	if errors.Is(err, driver.ErrReleaseNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read release %s: %w", name, err)
	}
	r, ok := last.(*release.Release)
	if !ok {
		return nil, fmt.Errorf("helm returned a release of type %T", last)
	}
	return r, nil
}

// labelOwner records owner on revision r of a release (its OwnerLabel).
func labelOwner(cfg *action.Configuration, r *release.Release, owner string) error {
	if r.Labels == nil {
		r.Labels = map[string]string{}
	}
	r.Labels[OwnerLabel] = owner
	if err := cfg.Releases.Update(r); err != nil {
		return fmt.Errorf("record the owner of release %s revision %d: %w", r.Name, r.Version, err)
	}
	return nil
}

// releaseLabels are the release labels recording chartID and t's owner; none for what is empty.
func releaseLabels(t Target, chartID string) map[string]string {
	labels := map[string]string{}
	if chartID != "" {
		labels[ChartIDLabel] = chartID
	}
	if t.Owner != "" {
		labels[OwnerLabel] = t.Owner
	}
	if len(labels) == 0 {
		return nil
	}
	return labels
}

// checkOwner refuses to act on release name when its owner (ownerOf) is another than t's
// (ErrOwnedElsewhere), or, with LeaveUnowned, when it has revisions none of which recorded an
// owner (ErrNotOwned). No owner on t's side, or no release, is no refusal.
func checkOwner(cfg *action.Configuration, t Target, name string, unowned Unowned) error {
	if t.Owner == "" {
		return nil
	}
	owner, revisions, err := ownerOf(cfg, name)
	if err != nil {
		return err
	}
	switch {
	case owner != "" && owner != t.Owner:
		return fmt.Errorf("release %s in namespace %s: %w", name, t.Namespace, ErrOwnedElsewhere)
	case owner == "" && revisions > 0 && unowned == LeaveUnowned:
		return fmt.Errorf("release %s in namespace %s: %w", name, t.Namespace, ErrNotOwned)
	}
	return nil
}

// ownerOf is the owner recorded by the newest revision of release name that recorded one (""
// when none did), not only by its last: Helm gives a rollback's revision the labels of the
// revision it goes back to, also when the rollback fails (recorded failed) or is abandoned
// (marked failed by takeOverAbandoned), so a last revision without an owner does not make an
// owned release anyone's. revisions is how many revisions the release has.
func ownerOf(cfg *action.Configuration, name string) (owner string, revisions int, err error) {
	hist, err := cfg.Releases.History(name)
	if errors.Is(err, driver.ErrReleaseNotFound) {
		return "", 0, nil
	}
	if err != nil {
		return "", 0, fmt.Errorf("read history of release %s: %w", name, err)
	}
	newest := 0
	for _, h := range hist {
		r, ok := h.(*release.Release)
		if !ok {
			return "", 0, fmt.Errorf("helm returned a release of type %T", h)
		}
		if o := r.Labels[OwnerLabel]; o != "" && r.Version > newest {
			owner, newest = o, r.Version
		}
	}
	return owner, len(hist), nil
}

// lastVersion is the version of the last revision of release name; 0 when there is none or it
// cannot be read (what it is compared with then is stamped, which only records t's owner on a
// revision checkOwner let t act on).
func lastVersion(cfg *action.Configuration, name string) int {
	r, err := lastRevision(cfg, name)
	if err != nil || r == nil {
		return 0
	}
	return r.Version
}

// ErrActionInProgress is returned for a release whose last revision another action is still
// working on (Helm's pending-install, pending-upgrade or pending-rollback), for less than the
// engine's Timeout.
var ErrActionInProgress = errors.New("another Helm action is in progress on the release")

// takeOverAbandoned marks failed the last revision of release name if an action left it
// pending (pending-install, -upgrade, -rollback) longer ago than Timeout, the bound of one
// action: the process that ran it was killed (SIGKILL, a node lost) before it could record the
// outcome, and Helm refuses every later upgrade and rollback of the release ("another
// operation is in progress") until someone intervenes. A failed last revision is one Helm
// upgrades and rolls back from, so the release goes on; the revision stays in the history,
// described as abandoned. A younger pending revision may be a live action (of a leader that
// has just lost its lease): ErrActionInProgress, retried later.
func (e *Engine) takeOverAbandoned(ctx context.Context, cfg *action.Configuration, name string) error {
	r, err := lastRevision(cfg, name)
	if err != nil {
		return err
	}
	if r == nil || r.Info == nil || !r.Info.Status.IsPending() && r.Info.Status != rcommon.StatusUninstalling {
		return nil
	}
	since := r.Info.LastDeployed
	if r.Info.Status == rcommon.StatusUninstalling && !r.Info.Deleted.IsZero() {
		since = r.Info.Deleted
	}
	if time.Since(since) <= e.cfg.Timeout {
		return fmt.Errorf("release %s revision %d is %s since %s, taken as abandoned %s after: %w",
			name, r.Version, r.Info.Status, since.UTC().Format(time.RFC3339), e.cfg.Timeout, ErrActionInProgress)
	}
	if r.Info.Status == rcommon.StatusUninstalling {
		// An uninstall that never finished (killed, or an object it could not delete): Helm
		// neither upgrades nor installs over it. It is finished (its objects deleted, its
		// records purged), and the release is installed afresh.
		klog.FromContext(ctx).Info("Release left uninstalling by an uninstall that never finished; finishing it",
			"release", name, "revision", r.Version, "since", since)
		if err := e.uninstall(cfg, name); err != nil {
			return fmt.Errorf("finish the abandoned uninstall of release %s: %w", name, err)
		}
		return nil
	}
	klog.FromContext(ctx).Info("Release left pending by an action that never finished; marking that revision failed",
		"release", name, "revision", r.Version, "status", r.Info.Status, "since", since)
	r.Info.Description = fmt.Sprintf("%s abandoned: no outcome within %s (marked failed by netweave)", r.Info.Status, e.cfg.Timeout)
	r.Info.Status = rcommon.StatusFailed
	if err := cfg.Releases.Update(r); err != nil {
		return fmt.Errorf("mark abandoned revision %d of release %s failed: %w", r.Version, name, err)
	}
	return nil
}

// lastUninstalled reports a release whose last revision is uninstalled: gone, whatever came
// before it (helm uninstall --keep-history after upgrades leaves the older ones superseded),
// so it is installed again, replacing the record (Helm's Install.Replace), never upgraded
// (Helm refuses: "has no deployed releases").
func lastUninstalled(hist []ri.Releaser) bool {
	var last *release.Release
	for _, h := range hist {
		if r, ok := h.(*release.Release); ok && (last == nil || r.Version > last.Version) {
			last = r
		}
	}
	return last != nil && last.Info != nil && last.Info.Status == rcommon.StatusUninstalled
}

// Rollback rolls release name back to revision (a new revision with that one's chart and
// values).
func (e *Engine) Rollback(ctx context.Context, t Target, name string, revision int) (*Release, error) {
	// Helm's rollback takes no context either (see Uninstall).
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("roll back release %s: %w", name, err)
	}
	cfg, err := e.configuration(ctx, t)
	if err != nil {
		return nil, err
	}
	return e.rollbackWith(ctx, cfg, t, name, revision)
}

// rollbackWith is Rollback through cfg, the target's Helm configuration.
func (e *Engine) rollbackWith(ctx context.Context, cfg *action.Configuration, t Target, name string, revision int) (*Release, error) {
	if err := checkOwner(cfg, t, name, TakeUnowned); err != nil {
		return nil, err
	}
	if err := e.takeOverAbandoned(ctx, cfg, name); err != nil {
		return nil, err
	}
	before := lastVersion(cfg, name)
	err := e.rollback(cfg, name, revision)
	// Whatever the outcome: a failed rollback is recorded too, with the labels of the revision
	// it went back to.
	if serr := stampOwner(cfg, t, name, before); serr != nil {
		err = errors.Join(err, serr)
	}
	if err != nil {
		if errors.Is(err, driver.ErrReleaseNotFound) {
			return nil, fmt.Errorf("roll back release %s: %w", name, ErrNotFound)
		}
		return nil, fmt.Errorf("roll back release %s to revision %d: %w", name, revision, err)
	}
	return e.get(cfg, name)
}

// stampOwner records t's owner on the last revision of release name when it is newer than
// revision before and has no owner: a rollback takes the labels of the revision it goes back
// to, succeeded or failed, and one made before owners were recorded would leave the release to
// whichever owner applies it next.
func stampOwner(cfg *action.Configuration, t Target, name string, before int) error {
	if t.Owner == "" {
		return nil
	}
	r, err := lastRevision(cfg, name)
	if err != nil {
		return err
	}
	if r == nil || r.Version <= before || r.Labels[OwnerLabel] != "" {
		return nil
	}
	return labelOwner(cfg, r, t.Owner)
}

func (e *Engine) rollback(cfg *action.Configuration, name string, revision int) error {
	rb := action.NewRollback(cfg)
	rb.Version, rb.Timeout, rb.WaitStrategy = revision, e.cfg.Timeout, e.waitStrategy()
	rb.CleanupOnFail, rb.MaxHistory = true, e.cfg.MaxHistory
	return rb.Run(name)
}

// Unowned says what Uninstall does with a release no revision of which recorded an owner
// (made by helm itself, or by a netweave from before owners were recorded), when the target
// has an Owner.
type Unowned bool

const (
	// LeaveUnowned leaves such a release alone (ErrNotOwned): the caller never deployed it
	// (an NfDeployment whose status records no revision), so it is not the caller's to remove
	// merely because it has the caller's name.
	LeaveUnowned Unowned = false
	// TakeUnowned takes it as the caller's, as Apply and Rollback do: the caller deployed it
	// before owners were recorded, or adopts it.
	TakeUnowned Unowned = true
)

// ErrNotOwned is returned by Uninstall with LeaveUnowned for a release that records no owner.
var ErrNotOwned = errors.New("the release records no owner and the caller never deployed it")

// Uninstall removes release name and its objects; a release already gone is not an error, a
// release of another owner is left alone (ErrOwnedElsewhere), and so is one that records no
// owner unless unowned is TakeUnowned (ErrNotOwned).
func (e *Engine) Uninstall(ctx context.Context, t Target, name string, unowned Unowned) error {
	// Helm's uninstall takes no context: a caller's that is done (its leader term ended) stops
	// it here, before anything is sent to the target.
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("uninstall release %s: %w", name, err)
	}
	cfg, err := e.configuration(ctx, t)
	if err != nil {
		return err
	}
	return e.uninstallWith(cfg, t, name, unowned)
}

func (e *Engine) uninstallWith(cfg *action.Configuration, t Target, name string, unowned Unowned) error {
	if err := checkOwner(cfg, t, name, unowned); err != nil {
		return err
	}
	if err := e.uninstall(cfg, name); err != nil {
		return fmt.Errorf("uninstall release %s: %w", name, err)
	}
	return nil
}

func (e *Engine) uninstall(cfg *action.Configuration, name string) error {
	u := action.NewUninstall(cfg)
	// Not Helm's IgnoreNotFound: with it, any failure to read the release's history (a 503 of
	// a proxy in front of the target's API server) is answered as success, and the release
	// would be taken as uninstalled while it runs. Only a release that is not there is.
	u.Timeout, u.WaitStrategy = e.cfg.Timeout, e.waitStrategy()
	if _, err := u.Run(name); err != nil && !errors.Is(err, driver.ErrReleaseNotFound) {
		return err
	}
	return nil
}

// Get returns the current revision of release name; ErrNotFound when there is none deployed
// or failed (never installed, or uninstalled behind netweave's back).
func (e *Engine) Get(ctx context.Context, t Target, name string) (*Release, error) {
	cfg, err := e.configuration(ctx, t)
	if err != nil {
		return nil, err
	}
	return e.get(cfg, name)
}

func (e *Engine) get(cfg *action.Configuration, name string) (*Release, error) {
	r, err := cfg.Releases.Last(name)
	if errors.Is(err, driver.ErrReleaseNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("read release %s: %w", name, err)
	}
	rel, err := toRelease(r)
	if err != nil {
		return nil, err
	}
	if rel.Status == string(rcommon.StatusUninstalled) || rel.Status == string(rcommon.StatusUninstalling) {
		// Not running, or on its way out: what is deployed is nothing.
		return nil, ErrNotFound
	}
	if rel.Owner == "" {
		// The owner checkOwner judges by, so that the controller reports a release another
		// namespace owns as taken before it asks to act on it.
		if rel.Owner, _, err = ownerOf(cfg, name); err != nil {
			return nil, err
		}
	}
	return rel, nil
}

// History returns the revisions of release name, oldest first.
func (e *Engine) History(ctx context.Context, t Target, name string) ([]Revision, error) {
	cfg, err := e.configuration(ctx, t)
	if err != nil {
		return nil, err
	}
	hist, err := cfg.Releases.History(name)
	if errors.Is(err, driver.ErrReleaseNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("read history of release %s: %w", name, err)
	}
	out := make([]Revision, 0, len(hist))
	for _, h := range hist {
		r, ok := h.(*release.Release)
		if !ok {
			continue
		}
		rev := Revision{Revision: r.Version, ValuesHash: ValuesHash(r.Config)}
		if r.Chart != nil && r.Chart.Metadata != nil {
			rev.ChartVersion = r.Chart.Metadata.Version
		}
		if r.Info != nil {
			rev.Status, rev.Description, rev.Updated = string(r.Info.Status), r.Info.Description, r.Info.LastDeployed
		}
		out = append(out, rev)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Revision < out[j].Revision })
	return out, nil
}

func toRelease(r ri.Releaser) (*Release, error) {
	rel, ok := r.(*release.Release)
	if !ok {
		return nil, fmt.Errorf("helm returned a release of type %T", r)
	}
	out := &Release{Name: rel.Name, Namespace: rel.Namespace, Revision: rel.Version, Manifest: rel.Manifest, ValuesHash: ValuesHash(rel.Config),
		ChartID: rel.Labels[ChartIDLabel], Owner: rel.Labels[OwnerLabel]}
	if rel.Info != nil {
		out.Status = string(rel.Info.Status)
	}
	if rel.Chart != nil && rel.Chart.Metadata != nil {
		out.ChartVersion = rel.Chart.Metadata.Version
	}
	return out, nil
}
