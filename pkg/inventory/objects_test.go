package inventory

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	compbasemetrics "k8s.io/component-base/metrics"
	"k8s.io/component-base/metrics/testutil"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
)

// memStore is an in-memory API for Resources with the server's rules that matter here:
// resourceVersion preconditions, status only through the status endpoint, unique ids.
type memStore struct {
	objs   map[types.NamespacedName]*v1alpha1.O2Resource
	rv     int
	writes []string
}

var gr = schema.GroupResource{Group: "o2ims.oran.org", Resource: "resources"}

func (m *memStore) ops() kindOps[*v1alpha1.O2Resource] {
	return kindOps[*v1alpha1.O2Resource]{
		resource: "resources",
		list: func() ([]*v1alpha1.O2Resource, error) {
			var out []*v1alpha1.O2Resource
			for _, o := range m.objs {
				out = append(out, o.DeepCopy())
			}
			sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
			return out, nil
		},
		get: func(_ context.Context, ns, name string) (*v1alpha1.O2Resource, error) {
			o, ok := m.objs[types.NamespacedName{Namespace: ns, Name: name}]
			if !ok {
				return nil, apierrors.NewNotFound(gr, name)
			}
			return o.DeepCopy(), nil
		},
		create: func(_ context.Context, o *v1alpha1.O2Resource, _ metav1.CreateOptions) (*v1alpha1.O2Resource, error) {
			k := keyOf(o)
			if _, ok := m.objs[k]; ok {
				return nil, apierrors.NewAlreadyExists(gr, o.Name)
			}
			for _, e := range m.objs {
				if e.Spec.ResourceID == o.Spec.ResourceID {
					return nil, apierrors.NewConflict(gr, o.Name, fmt.Errorf("id held by %s", e.Name))
				}
			}
			c := o.DeepCopy()
			c.Status = v1alpha1.ResourceStatus{}
			m.bump(c, "create "+k.String())
			m.objs[k] = c
			return c.DeepCopy(), nil
		},
		update: func(_ context.Context, o *v1alpha1.O2Resource, _ metav1.UpdateOptions) (*v1alpha1.O2Resource, error) {
			cur, err := m.check(o)
			if err != nil {
				return nil, err
			}
			c := o.DeepCopy()
			c.Status = cur.Status
			m.bump(c, "update "+keyOf(o).String())
			m.objs[keyOf(o)] = c
			return c.DeepCopy(), nil
		},
		delete: func(_ context.Context, ns, name string, _ metav1.DeleteOptions) error {
			k := types.NamespacedName{Namespace: ns, Name: name}
			if _, ok := m.objs[k]; !ok {
				return apierrors.NewNotFound(gr, name)
			}
			delete(m.objs, k)
			m.writes = append(m.writes, "delete "+k.String())
			return nil
		},
		id:        func(o *v1alpha1.O2Resource) string { return o.Spec.ResourceID },
		spec:      func(o *v1alpha1.O2Resource) any { return o.Spec },
		status:    func(o *v1alpha1.O2Resource) any { return o.Status },
		setStatus: func(dst, src *v1alpha1.O2Resource) { dst.Status = src.Status },
		updateStatus: func(_ context.Context, o *v1alpha1.O2Resource, _ metav1.UpdateOptions) (*v1alpha1.O2Resource, error) {
			cur, err := m.check(o)
			if err != nil {
				return nil, err
			}
			c := cur.DeepCopy()
			c.Status = o.Status
			m.bump(c, "status "+keyOf(o).String())
			m.objs[keyOf(o)] = c
			return c.DeepCopy(), nil
		},
	}
}

func (m *memStore) check(o *v1alpha1.O2Resource) (*v1alpha1.O2Resource, error) {
	cur, ok := m.objs[keyOf(o)]
	if !ok {
		return nil, apierrors.NewNotFound(gr, o.Name)
	}
	if o.ResourceVersion != cur.ResourceVersion {
		return nil, apierrors.NewConflict(gr, o.Name, fmt.Errorf("resourceVersion %s, current %s", o.ResourceVersion, cur.ResourceVersion))
	}
	return cur, nil
}

func (m *memStore) bump(o *v1alpha1.O2Resource, write string) {
	m.rv++
	o.ResourceVersion = strconv.Itoa(m.rv)
	m.writes = append(m.writes, write)
}

func desired(ns, name, id string, state v1alpha1.OperationalState) *v1alpha1.O2Resource {
	return &v1alpha1.O2Resource{
		ObjectMeta: ManagedMeta(ns, name, "Node/"+name),
		Spec:       v1alpha1.ResourceSpec{ResourceID: id, ResourcePoolID: id, ResourceTypeID: id},
		Status:     v1alpha1.ResourceStatus{OperationalState: state},
	}
}

func TestSyncKind(t *testing.T) {
	const (
		id1 = "11111111-1111-5111-8111-111111111111"
		id2 = "22222222-2222-5222-8222-222222222222"
	)
	admin := &v1alpha1.O2Resource{
		ObjectMeta: metav1.ObjectMeta{Namespace: "sync", Name: "hand-made", ResourceVersion: "0"},
		Spec:       v1alpha1.ResourceSpec{ResourceID: "33333333-3333-4333-8333-333333333333"},
	}
	m := &memStore{objs: map[types.NamespacedName]*v1alpha1.O2Resource{keyOf(admin): admin.DeepCopy()}}
	ops := m.ops()
	w := writer{fieldManager: "test"}
	ctx := context.Background()
	step := func(name string, want []string, d ...*v1alpha1.O2Resource) {
		t.Helper()
		m.writes = nil
		existing, _ := ops.list()
		if err := syncKind(ctx, w, ops, d, existing); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if fmt.Sprint(m.writes) != fmt.Sprint(want) {
			t.Errorf("%s: writes %v, want %v", name, m.writes, want)
		}
	}

	step("create then status", []string{"create sync/n1", "status sync/n1"}, desired("sync", "n1", id1, v1alpha1.OperationalStateEnabled))
	step("unchanged: no writes", nil, desired("sync", "n1", id1, v1alpha1.OperationalStateEnabled))
	step("state change: status only", []string{"status sync/n1"}, desired("sync", "n1", id1, v1alpha1.OperationalStateDisabled))
	d := desired("sync", "n1", id1, v1alpha1.OperationalStateDisabled)
	d.Spec.Description = "relabelled"
	step("spec change: update only", []string{"update sync/n1"}, d)
	step("move: delete first, then create with the same id", []string{"delete sync/n1", "create tenant/n1", "status tenant/n1"},
		desired("tenant", "n1", id1, v1alpha1.OperationalStateDisabled))
	step("new id under the same name: replaced", []string{"delete tenant/n1", "create tenant/n1", "status tenant/n1"},
		desired("tenant", "n1", id2, v1alpha1.OperationalStateEnabled))
	step("gone: deleted", []string{"delete tenant/n1"})

	// Never touched: the admin's object, even when a synced object wants its name.
	m.writes = nil
	existing, _ := ops.list()
	err := syncKind(ctx, w, ops, []*v1alpha1.O2Resource{desired("sync", "hand-made", id1, v1alpha1.OperationalStateEnabled)}, existing)
	if err == nil || len(m.writes) != 0 {
		t.Errorf("a synced object taking an admin's name: err %v, writes %v", err, m.writes)
	}
	if got := m.objs[keyOf(admin)]; got.ResourceVersion != "0" || IsManaged(got) {
		t.Errorf("the admin's object changed: %+v", got)
	}

	// A stale cache (our own create not seen yet) makes create answer AlreadyExists: adopt it.
	step("create", []string{"create sync/n2", "status sync/n2"}, desired("sync", "n2", id2, v1alpha1.OperationalStateEnabled))
	m.writes = nil
	if err := syncKind(ctx, w, ops, []*v1alpha1.O2Resource{desired("sync", "n2", id2, v1alpha1.OperationalStateDisabled)}, nil); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(m.writes) != "[status sync/n2]" {
		t.Errorf("stale cache: writes %v, want only the status update", m.writes)
	}

	// A wiped store with a cache that still lists the objects: the update
	// (or status update) finds nothing and becomes a create.
	for _, tc := range []struct {
		name string
		d    *v1alpha1.O2Resource
		want string
	}{
		{"spec changed", func() *v1alpha1.O2Resource {
			d := desired("sync", "n2", id2, v1alpha1.OperationalStateDisabled)
			d.Spec.Description = "changed"
			return d
		}(), "[create sync/n2 status sync/n2]"},
		{"status changed", func() *v1alpha1.O2Resource {
			d := desired("sync", "n2", id2, v1alpha1.OperationalStateEnabled)
			d.Spec.Description = "changed"
			return d
		}(), "[create sync/n2 status sync/n2]"},
	} {
		stale, _ := ops.list()
		m.objs, m.writes = map[types.NamespacedName]*v1alpha1.O2Resource{}, nil
		if err := syncKind(ctx, w, ops, []*v1alpha1.O2Resource{tc.d}, stale); err != nil {
			t.Fatalf("wiped store, %s: %v", tc.name, err)
		}
		if fmt.Sprint(m.writes) != tc.want {
			t.Errorf("wiped store, %s: writes %v, want %s", tc.name, m.writes, tc.want)
		}
	}
}

// TestRegressionTwoSourcesOneNameSettle: two sources wanting one object name (MachineDeployments
// team-a/workers and team/a-workers both make pool md-team-a-workers, with different ids) were
// written in turn on every pass, one replacing the other, so neither stayed. The smaller id now
// keeps the name: the sync settles, and the other is reported, on every pass.
func TestRegressionTwoSourcesOneNameSettle(t *testing.T) {
	const (
		small = "11111111-1111-5111-8111-111111111111"
		big   = "22222222-2222-5222-8222-222222222222"
	)
	m := &memStore{objs: map[types.NamespacedName]*v1alpha1.O2Resource{}}
	ops := m.ops()
	w := writer{fieldManager: "test"}
	ctx := context.Background()
	for pass, order := range [][]string{{big, small}, {small, big}, {big, small}} {
		m.writes = nil
		existing, _ := ops.list()
		var d []*v1alpha1.O2Resource
		for _, id := range order {
			d = append(d, desired("sync", "md-team-a-workers", id, v1alpha1.OperationalStateEnabled))
		}
		err := syncKind(ctx, w, ops, d, existing)
		if err == nil {
			t.Errorf("pass %d: two sources wanting one name reported nothing", pass)
		}
		want := "[]"
		if pass == 0 {
			want = "[create sync/md-team-a-workers status sync/md-team-a-workers]"
		}
		if fmt.Sprint(m.writes) != want {
			t.Errorf("pass %d: writes %v, want %s", pass, m.writes, want)
		}
		if got := m.objs[types.NamespacedName{Namespace: "sync", Name: "md-team-a-workers"}]; got == nil || got.Spec.ResourceID != small {
			t.Fatalf("pass %d: the name is held by %+v, want the smaller id %s", pass, got, small)
		}
	}
}

// TestRegressionDeleteOfAGoneObjectCountedAsAWrite: a delete that found the object already
// gone (NotFound) was counted in netweave_inventory_writes_total{verb="delete"} and logged as
// deleted, so the metric overstated what the sync wrote (twice per object another writer
// removed first). It now counts only deletes that happened.
func TestRegressionDeleteOfAGoneObjectCountedAsAWrite(t *testing.T) {
	reg := compbasemetrics.NewKubeRegistry()
	m, err := NewMetrics(reg.Register)
	if err != nil {
		t.Fatal(err)
	}
	store := &memStore{objs: map[types.NamespacedName]*v1alpha1.O2Resource{}}
	w := writer{writes: m.writes()}
	obj := &v1alpha1.O2Resource{ObjectMeta: metav1.ObjectMeta{Namespace: "o2ims-system", Name: "r", UID: "u"}}
	store.objs[types.NamespacedName{Namespace: "o2ims-system", Name: "r"}] = obj.DeepCopy()
	for range 2 {
		if err := deleteObject(context.Background(), w, store.ops(), obj); err != nil {
			t.Fatal(err)
		}
	}
	deletes, err := testutil.GetCounterMetricValue(m.Writes.WithLabelValues("resources", "delete"))
	if err != nil || deletes != 1 {
		t.Errorf("deletes counted: %v (%v), want 1: the second found nothing to delete", deletes, err)
	}
}
