package controller

import (
	"context"
	"errors"
	"testing"
	"time"

	chart "helm.sh/helm/v4/pkg/chart/v2"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/netweave-io/netweave/apis/o2dms/v1alpha1"
	"github.com/netweave-io/netweave/generated/clientset/versioned/fake"
	"github.com/netweave-io/netweave/pkg/helmrelease"
)

func rev(n int64) *int64 { return &n }

// nfd is an NfDeployment at generation gen, with desiredRevision want (nil: none) and, when
// rolledBack > 0, the record of a rollback to that revision made at generation at.
func nfd(gen int64, want *int64, rolledBack, at int64) *v1alpha1.NfDeployment {
	d := &v1alpha1.NfDeployment{ObjectMeta: metav1.ObjectMeta{Name: "nf", Namespace: "t", Generation: gen, ResourceVersion: "7"}}
	d.Spec.DesiredRevision = want
	d.Status.ReleaseRevision = 2
	if rolledBack > 0 {
		d.Status.Conditions = []metav1.Condition{{Type: ConditionRolledBack, Status: metav1.ConditionTrue,
			Reason: "Revision" + string(rune('0'+rolledBack)), ObservedGeneration: at}}
	}
	return d
}

func TestDecide(t *testing.T) {
	const version, chartID, hash = "0.1.0", "c1", "h1"
	running := &helmrelease.Release{Name: "nf", Revision: 2, Status: "deployed", ChartVersion: version, ChartID: chartID, ValuesHash: hash}
	other := func(f func(r *helmrelease.Release)) *helmrelease.Release {
		r := *running
		f(&r)
		return &r
	}
	for _, tc := range []struct {
		name string
		d    *v1alpha1.NfDeployment
		rel  *helmrelease.Release
		want action
	}{
		{"no release: install", nfd(1, nil, 0, 0), nil, actInstall},
		{"release gone (drift): install", nfd(3, nil, 0, 0), nil, actInstall},
		{"release gone with a desired revision: install, not roll back", nfd(3, rev(1), 0, 0), nil, actInstall},
		{"release runs the spec: keep", nfd(2, nil, 0, 0), running, actKeep},
		{"values changed: upgrade", nfd(2, nil, 0, 0), other(func(r *helmrelease.Release) { r.ValuesHash = "h0" }), actUpgrade},
		{"descriptor version changed: upgrade", nfd(2, nil, 0, 0), other(func(r *helmrelease.Release) { r.ChartVersion = "0.2.0" }), actUpgrade},
		{"chart changed at the same version: upgrade", nfd(2, nil, 0, 0), other(func(r *helmrelease.Release) { r.ChartID = "c0" }), actUpgrade},
		{"no chart identity recorded (an older netweave's release): keep", nfd(2, nil, 0, 0), other(func(r *helmrelease.Release) { r.ChartID = "" }), actKeep},
		{"latest revision failed: upgrade", nfd(2, nil, 0, 0), other(func(r *helmrelease.Release) { r.Status = "failed" }), actUpgrade},
		{"desired revision not acted on: roll back", nfd(3, rev(1), 0, 0), running, actRollback},
		{"desired revision other than the last rolled back to: roll back", nfd(4, rev(2), 1, 3), running, actRollback},
		{"rolled back, spec unchanged: keep although the release differs from the spec", nfd(3, rev(1), 1, 3),
			other(func(r *helmrelease.Release) { r.ValuesHash = "h0" }), actKeep},
		{"rolled back, then the values changed: upgrade", nfd(4, rev(1), 1, 3),
			other(func(r *helmrelease.Release) { r.ValuesHash = "h0" }), actUpgrade},
		{"rolled back, desired revision cleared: upgrade to the spec", nfd(4, nil, 1, 3),
			other(func(r *helmrelease.Release) { r.ValuesHash = "h0" }), actUpgrade},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := decide(tc.d, tc.rel, version, chartID, hash); got != tc.want {
				t.Errorf("decide = %s, want %s", got, tc.want)
			}
		})
	}
}

// TestRollbackRecordClearedWithDesiredRevision: clearing spec.desiredRevision forgets the
// last rollback, so setting the same revision again rolls back again.
func TestRollbackRecordClearedWithDesiredRevision(t *testing.T) {
	running := &helmrelease.Release{Name: "nf", Revision: 3, Status: "deployed", ChartVersion: "0.1.0", ValuesHash: "h"}
	d := nfd(4, nil, 1, 3)
	forgetRollback(d)
	if meta.FindStatusCondition(d.Status.Conditions, ConditionRolledBack) != nil {
		t.Fatalf("RolledBack kept after desiredRevision was cleared: %+v", d.Status.Conditions)
	}
	d.Spec.DesiredRevision, d.Generation = rev(1), 5
	if got := decide(d, running, "0.1.0", "c1", "h"); got != actRollback {
		t.Errorf("decide after setting desiredRevision again = %s, want rollback", got)
	}
	kept := nfd(4, rev(1), 1, 3)
	forgetRollback(kept)
	if meta.FindStatusCondition(kept.Status.Conditions, ConditionRolledBack) == nil {
		t.Errorf("RolledBack dropped while desiredRevision is set")
	}
}

type fakeReleases struct {
	history   []helmrelease.Revision
	rollbacks []int
}

func (f *fakeReleases) Apply(context.Context, helmrelease.Target, string, *chart.Chart, map[string]any, string) (*helmrelease.Release, error) {
	return nil, errors.New("unexpected apply")
}

func (f *fakeReleases) Rollback(_ context.Context, _ helmrelease.Target, name string, revision int) (*helmrelease.Release, error) {
	f.rollbacks = append(f.rollbacks, revision)
	n := len(f.history) + 1
	f.history = append(f.history, helmrelease.Revision{Revision: n, Status: "deployed", Description: "Rollback to 1"})
	return &helmrelease.Release{Name: name, Revision: n, Status: "deployed"}, nil
}

func (f *fakeReleases) Uninstall(context.Context, helmrelease.Target, string, helmrelease.Unowned) error {
	return nil
}
func (f *fakeReleases) RecordOwner(context.Context, helmrelease.Target, string) error { return nil }

func (f *fakeReleases) Get(context.Context, helmrelease.Target, string) (*helmrelease.Release, error) {
	return nil, errors.New("unexpected get")
}

func (f *fakeReleases) History(context.Context, helmrelease.Target, string) ([]helmrelease.Revision, error) {
	return f.history, nil
}

// TestRollbackOnce: a rollback is decided on the stored object, and one already done (its
// status write lost) is recorded from the release's history, not repeated.
func TestRollbackOnce(t *testing.T) {
	ctx := context.Background()
	stored := nfd(3, rev(1), 0, 0)
	twoRevisions := func() []helmrelease.Revision {
		return []helmrelease.Revision{{Revision: 1, Status: "superseded"}, {Revision: 2, Status: "deployed", Description: "Upgrade complete"}}
	}
	newController := func(r *fakeReleases) *Controller {
		return New(Config{Client: fake.NewSimpleClientset(stored.DeepCopy()), Releases: r,
			Now: func() time.Time { return time.Unix(0, 0) }})
	}
	rel := &helmrelease.Release{Name: "nf", Revision: 2, Status: "deployed"}

	t.Run("stale informer copy: nothing done", func(t *testing.T) {
		r := &fakeReleases{history: twoRevisions()}
		stale := stored.DeepCopy()
		stale.ResourceVersion = "6"
		if _, _, err := newController(r).rollback(ctx, stale, helmrelease.Target{}, rel); !errors.Is(err, errStale) {
			t.Errorf("rollback on a stale copy: %v, want errStale", err)
		}
		if len(r.rollbacks) != 0 {
			t.Errorf("rolled back on a stale copy: %v", r.rollbacks)
		}
	})
	t.Run("not yet rolled back: rolls back once and records it", func(t *testing.T) {
		r := &fakeReleases{history: twoRevisions()}
		d, got, err := newController(r).rollback(ctx, stored.DeepCopy(), helmrelease.Target{}, rel)
		if err != nil {
			t.Fatal(err)
		}
		if d.Status.Phase != v1alpha1.NfDeploymentRollingBack {
			t.Errorf("phase %s, want ROLLING_BACK written before the rollback", d.Status.Phase)
		}
		if len(r.rollbacks) != 1 || r.rollbacks[0] != 1 || got.Revision != 3 {
			t.Errorf("rollbacks %v, release revision %d", r.rollbacks, got.Revision)
		}
		if rolledBackTo(d) != 1 || !pinned(d) {
			t.Errorf("rollback not recorded: %+v", d.Status.Conditions)
		}
	})
	t.Run("rolled back already, the record lost: recorded, not repeated", func(t *testing.T) {
		r := &fakeReleases{history: append(twoRevisions(), helmrelease.Revision{Revision: 3, Status: "deployed", Description: "Rollback to 1"})}
		current := &helmrelease.Release{Name: "nf", Revision: 3, Status: "deployed"}
		d, got, err := newController(r).rollback(ctx, stored.DeepCopy(), helmrelease.Target{}, current)
		if err != nil {
			t.Fatal(err)
		}
		if len(r.rollbacks) != 0 || got.Revision != 3 {
			t.Errorf("rolled back again: %v (revision %d)", r.rollbacks, got.Revision)
		}
		if c := meta.FindStatusCondition(d.Status.Conditions, ConditionRolledBack); c == nil || c.Reason != "Revision1" {
			t.Errorf("rollback not recorded: %+v", d.Status.Conditions)
		}
	})
	t.Run("latest revision a rollback to another revision: rolls back", func(t *testing.T) {
		r := &fakeReleases{history: append(twoRevisions(), helmrelease.Revision{Revision: 3, Status: "deployed", Description: "Rollback to 2"})}
		if _, _, err := newController(r).rollback(ctx, stored.DeepCopy(), helmrelease.Target{}, rel); err != nil {
			t.Fatal(err)
		}
		if len(r.rollbacks) != 1 {
			t.Errorf("rollbacks %v", r.rollbacks)
		}
	})
}

// TestChanged: the controller's own status writes do not requeue an NfDeployment; spec,
// deletion and metadata changes do.
func TestChanged(t *testing.T) {
	base := nfd(2, nil, 0, 0)
	for _, tc := range []struct {
		name string
		edit func(d *v1alpha1.NfDeployment)
		want bool
	}{
		{"status only", func(d *v1alpha1.NfDeployment) {
			d.ResourceVersion, d.Status.Phase, d.Status.Message = "8", v1alpha1.NfDeploymentFailed, "failed"
		}, false},
		{"spec (generation)", func(d *v1alpha1.NfDeployment) { d.ResourceVersion, d.Generation = "8", 3 }, true},
		{"deletion", func(d *v1alpha1.NfDeployment) {
			now := metav1.Now()
			d.ResourceVersion, d.DeletionTimestamp = "8", &now
		}, true},
		{"finalizer added", func(d *v1alpha1.NfDeployment) {
			d.ResourceVersion, d.Finalizers = "8", []string{v1alpha1.FinalizerRelease}
		}, true},
		{"label", func(d *v1alpha1.NfDeployment) { d.ResourceVersion, d.Labels = "8", map[string]string{"a": "b"} }, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := base.DeepCopy()
			tc.edit(n)
			if got := changed(base, n); got != tc.want {
				t.Errorf("changed = %v, want %v", got, tc.want)
			}
		})
	}
}

// installedReleases: the target runs release "nf" at revision 1 made from chart upf 1.0.0 of
// https://charts.example (the NfDeployment's previous descriptor), values {}; Apply replaces it
// and is counted.
type installedReleases struct {
	boundReleases
	current *helmrelease.Release
	applied int
}

func newInstalledReleases() *installedReleases {
	upf := helmrelease.Source{RepoURL: "https://charts.example", Name: "upf", Version: "1.0.0"}
	return &installedReleases{current: &helmrelease.Release{Name: "nf", Revision: 1, Status: "deployed", ChartVersion: "1.0.0",
		ChartID: upf.ID(), ValuesHash: helmrelease.ValuesHash(nil)}}
}

func (r *installedReleases) Get(context.Context, helmrelease.Target, string) (*helmrelease.Release, error) {
	return r.current, nil
}

func (r *installedReleases) Apply(ctx context.Context, t helmrelease.Target, name string, ch *chart.Chart, values map[string]any, chartID string) (*helmrelease.Release, error) {
	r.applied++
	rel, err := r.boundReleases.Apply(ctx, t, name, ch, values, chartID)
	if err == nil {
		rel.Revision = r.current.Revision + 1
		r.current = rel
	}
	return rel, err
}

// TestRegressionChartChangeAtTheSameVersionIsDeployed (found by review): the controller compared
// only the chart version and the values with the release. An NfDeployment switched to another
// descriptor whose chart has the same version (0.1.0 and 1.0.0 are common), or a descriptor
// re-pinned to another digest or moved to another source at the same version, was never
// upgraded: the old chart kept running while the status said DEPLOYED for the new spec. The
// release now records its chart's identity and a different one is an upgrade, done once.
func TestRegressionChartChangeAtTheSameVersionIsDeployed(t *testing.T) {
	rel := newInstalledReleases()
	c, client, key := boundController(t, rel, boundWorkloads{})
	// The stored NfDeployment's spec names descriptor "d": chart nf 1.0.0 of https://charts.example.
	for range 2 {
		if _, err := c.reconcile(context.Background(), key); err != nil {
			t.Fatal(err)
		}
	}
	got := boundStored(t, client)
	if rel.applied != 1 || got.Status.Phase != v1alpha1.NfDeploymentDeployed || got.Status.ReleaseRevision != 2 {
		t.Errorf("spec names chart nf 1.0.0, the release runs upf 1.0.0: %d upgrades (want 1); status %s revision %d %q",
			rel.applied, got.Status.Phase, got.Status.ReleaseRevision, got.Status.Message)
	}
}
