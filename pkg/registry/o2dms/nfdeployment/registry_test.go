package nfdeployment_test

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apiserver/pkg/authentication/user"
	"k8s.io/apiserver/pkg/authorization/authorizer"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"
	"k8s.io/apiserver/pkg/registry/rest"

	"github.com/netweave-io/netweave/apis/o2dms"
	o2imsv1alpha1 "github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/pkg/apiserver"
	"github.com/netweave-io/netweave/pkg/registry/o2dms/nfdeployment"
	"github.com/netweave-io/netweave/pkg/registry/o2ims/kind"
	"github.com/netweave-io/netweave/pkg/registry/o2ims/kind/kindtest"
)

const (
	shared = "o2ims-system"
	dmID   = "11111111-1111-4111-8111-111111111111"
	tenDM  = "22222222-2222-4222-8222-222222222222"
	// provA and provB are the DeploymentManagers of member clusters tenant-a and tenant-b
	// provisioned: synced into the inventory namespace, labelled with their tenant.
	provA = "44444444-4444-4444-8444-444444444444"
	provB = "55555555-5555-4555-8555-555555555555"
)

// fakeLookups holds descriptors by namespace/name and deployment managers by id, and records
// which descriptors were read.
type fakeLookups struct {
	descriptors map[string]*o2dms.NfDeploymentDescriptor
	dms         map[string]*metav1.ObjectMeta
	read        []string
	// unoffered are the resources of the shared namespace the writer may not get.
	unoffered map[string]bool
	asked     []string
	authzErr  error
}

func (f *fakeLookups) MayReadShared(_ context.Context, group, resource string) (bool, error) {
	f.asked = append(f.asked, group+"/"+resource)
	if f.authzErr != nil {
		return false, f.authzErr
	}
	return !f.unoffered[resource], nil
}

func (f *fakeLookups) SharedNamespace() string { return shared }

func (f *fakeLookups) Descriptor(_ context.Context, ns, name string) (*o2dms.NfDeploymentDescriptor, error) {
	f.read = append(f.read, ns+"/"+name)
	return f.descriptors[ns+"/"+name], nil
}

func (f *fakeLookups) DeploymentManager(_ context.Context, id string) (metav1.Object, error) {
	if m, ok := f.dms[id]; ok {
		return m, nil
	}
	return nil, nil
}

func dmMeta(ns, tenant string) *metav1.ObjectMeta {
	m := &metav1.ObjectMeta{Namespace: ns, Name: "dm"}
	if tenant != "" {
		m.Labels = map[string]string{o2imsv1alpha1.LabelTenant: tenant}
	}
	return m
}

func desc(ns, name string) *o2dms.NfDeploymentDescriptor {
	return &o2dms.NfDeploymentDescriptor{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}, Spec: o2dms.NfDeploymentDescriptorSpec{
		Chart:            o2dms.ChartSource{OCI: &o2dms.OCIChartSource{Reference: "oci://r.example.com/c"}},
		Version:          "1.0.0",
		ParametersSchema: &o2dms.JSON{Raw: []byte(`{"type":"object","properties":{"replicas":{"type":"integer","maximum":5}}}`)},
		DefaultValues:    &o2dms.JSON{Raw: []byte(`{"replicas":1}`)},
	}}
}

func lookups() *fakeLookups {
	return &fakeLookups{
		descriptors: map[string]*o2dms.NfDeploymentDescriptor{
			"tenant-a/own": desc("tenant-a", "own"), "tenant-b/theirs": desc("tenant-b", "theirs"), shared + "/common": desc(shared, "common"),
		},
		dms: map[string]*metav1.ObjectMeta{dmID: dmMeta(shared, ""), tenDM: dmMeta("tenant-a", ""),
			provA: dmMeta(shared, "tenant-a"), provB: dmMeta(shared, "tenant-b")},
	}
}

func dep(ref o2dms.DescriptorReference, dm, values string) *o2dms.NfDeployment {
	d := &o2dms.NfDeployment{ObjectMeta: metav1.ObjectMeta{Namespace: "tenant-a", Name: "nf"},
		Spec: o2dms.NfDeploymentSpec{DescriptorRef: ref, DeploymentManagerID: dm, TargetNamespace: "tenant-a"}}
	if values != "" {
		d.Spec.Values = &o2dms.JSON{Raw: []byte(values)}
	}
	return d
}

func TestAdmit(t *testing.T) {
	own := o2dms.DescriptorReference{Name: "own"}
	for _, tc := range []struct {
		name string
		d    *o2dms.NfDeployment
		want []string
		// read are the descriptors Admit may look at.
		read []string
	}{
		{"own descriptor", dep(own, dmID, `{"replicas":3}`), []string{}, []string{"tenant-a/own"}},
		{"own descriptor named with its namespace", dep(o2dms.DescriptorReference{Name: "own", Namespace: "tenant-a"}, dmID, ""), []string{}, []string{"tenant-a/own"}},
		{"shared descriptor", dep(o2dms.DescriptorReference{Name: "common", Namespace: shared}, dmID, ""), []string{}, []string{shared + "/common"}},
		{"unknown descriptor", dep(o2dms.DescriptorReference{Name: "nope"}, dmID, ""), []string{"spec.descriptorRef"}, []string{"tenant-a/nope"}},
		{"another tenant's descriptor is not even read", dep(o2dms.DescriptorReference{Name: "theirs", Namespace: "tenant-b"}, dmID, ""), []string{"spec.descriptorRef"}, nil},
		{"unknown deployment manager", dep(own, "33333333-3333-4333-8333-333333333333", ""), []string{"spec.deploymentManagerId"}, []string{"tenant-a/own"}},
		{"a tenant's deployment manager", dep(own, tenDM, ""), []string{"spec.deploymentManagerId"}, []string{"tenant-a/own"}},
		{"the cluster this tenant provisioned", dep(own, provA, ""), []string{}, []string{"tenant-a/own"}},
		{"the cluster another tenant provisioned", dep(own, provB, ""), []string{"spec.deploymentManagerId"}, []string{"tenant-a/own"}},
		{"values failing the schema", dep(own, dmID, `{"replicas":9}`), []string{"spec.values.replicas"}, []string{"tenant-a/own"}},
		{"values of the wrong type", dep(own, dmID, `{"replicas":"x"}`), []string{"spec.values.replicas"}, []string{"tenant-a/own"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := lookups()
			errs, err := nfdeployment.Admit(context.Background(), l, "tenant-a", tc.d, nil)
			if err != nil {
				t.Fatal(err)
			}
			got := []string{}
			for _, e := range errs {
				got = append(got, e.Field)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("fields %v, want %v (%v)", got, tc.want, errs)
			}
			if !reflect.DeepEqual(l.read, tc.read) {
				t.Errorf("read %v, want %v", l.read, tc.read)
			}
		})
	}
}

// TestRegressionAnotherTenantsClusterIsNoDeployTarget: a member cluster tenant-b provisioned
// has its DeploymentManager in the inventory namespace like every member, and tenant-a's
// NfDeployment naming it was admitted, so tenant-a's workloads (and their values) ran in a
// cluster tenant-b administers. Now it is refused with the very answer an id nobody holds
// gets; tenant-b itself and the operator's namespace may still deploy there.
func TestRegressionAnotherTenantsClusterIsNoDeployTarget(t *testing.T) {
	own := o2dms.DescriptorReference{Name: "common", Namespace: shared}
	admit := func(ns, dm string) field.ErrorList {
		d := dep(own, dm, "")
		d.Namespace, d.Spec.TargetNamespace = ns, ns
		errs, err := nfdeployment.Admit(context.Background(), lookups(), ns, d, nil)
		if err != nil {
			t.Fatal(err)
		}
		return errs
	}
	foreign := admit("tenant-a", provB)
	absent := admit("tenant-a", "66666666-6666-4666-8666-666666666666")
	if len(foreign) != 1 || len(absent) != 1 || foreign[0].Field != "spec.deploymentManagerId" || foreign[0].Detail != absent[0].Detail || foreign[0].Type != absent[0].Type {
		t.Errorf("another tenant's cluster answered %v, an unknown id %v: want one identical spec.deploymentManagerId error", foreign, absent)
	}
	if errs := admit("tenant-b", provB); len(errs) != 0 {
		t.Errorf("the provisioning tenant's own NfDeployment refused: %v", errs)
	}
	if errs := admit(shared, provB); len(errs) != 0 {
		t.Errorf("the operator's NfDeployment refused: %v", errs)
	}
	// An update moving an admitted NfDeployment onto another tenant's cluster is checked too.
	old := dep(own, provA, "")
	moved := old.DeepCopy()
	moved.Spec.DeploymentManagerID = provB
	if errs, err := nfdeployment.Admit(context.Background(), lookups(), "tenant-a", moved, old); err != nil || len(errs) != 1 {
		t.Errorf("moved onto tenant-b's cluster: %v %v", errs, err)
	}
}

// TestAdmitAnswersAlikeForAbsentAndForeign: naming another tenant's descriptor is answered with
// the same message as naming one that exists nowhere.
func TestAdmitAnswersAlikeForAbsentAndForeign(t *testing.T) {
	detail := func(ref o2dms.DescriptorReference) string {
		errs, err := nfdeployment.Admit(context.Background(), lookups(), "tenant-a", dep(ref, dmID, ""), nil)
		if err != nil || len(errs) != 1 {
			t.Fatalf("%v %v", errs, err)
		}
		return errs[0].Detail
	}
	foreign := detail(o2dms.DescriptorReference{Name: "theirs", Namespace: "tenant-b"})
	absent := detail(o2dms.DescriptorReference{Name: "theirs", Namespace: "tenant-c"})
	if foreign != absent {
		t.Errorf("foreign %q, absent %q", foreign, absent)
	}
}

// TestAdmitUpdateChecksOnlyWhatChanged: an update that keeps the descriptor and the values
// does not read the descriptor again (it may have changed or gone since).
func TestAdmitUpdateChecksOnlyWhatChanged(t *testing.T) {
	l := lookups()
	old := dep(o2dms.DescriptorReference{Name: "gone"}, dmID, `{"replicas":3}`)
	d := old.DeepCopy()
	d.Labels = map[string]string{"a": "b"}
	errs, err := nfdeployment.Admit(context.Background(), l, "tenant-a", d, old)
	if err != nil || len(errs) > 0 || len(l.read) > 0 {
		t.Errorf("unchanged update: %v %v, read %v", errs, err, l.read)
	}
	d.Spec.Values = &o2dms.JSON{Raw: []byte(`{"replicas":4}`)}
	errs, _ = nfdeployment.Admit(context.Background(), l, "tenant-a", d, old)
	if len(errs) != 1 || errs[0].Field != "spec.descriptorRef" {
		t.Errorf("changed values re-check the descriptor: %v", errs)
	}
}

// TestRegressionDryRunRevealsClustersAndSharedDescriptors: a tenant the operator offered
// nothing in the shared namespace learned with dry-runs which deployment manager ids exist
// (derived from the O-Cloud id and each member's name, so which clusters the O-Cloud has) and
// which descriptor names the operator keeps. Both are now used only with get on their kind
// there, and without it answered exactly as an id or a name nobody holds.
func TestRegressionDryRunRevealsClustersAndSharedDescriptors(t *testing.T) {
	const absentDM = "66666666-6666-4666-8666-666666666666"
	l := lookups()
	l.unoffered = map[string]bool{"deploymentmanagers": true, "nfdeploymentdescriptors": true}
	answer := func(ref o2dms.DescriptorReference, dm string) string {
		t.Helper()
		errs, err := nfdeployment.Admit(context.Background(), l, "tenant-a", dep(ref, dm, ""), nil)
		if err != nil {
			t.Fatal(err)
		}
		return strings.NewReplacer(dm, "<id>", ref.Name, "<name>").Replace(errs.ToAggregate().Error())
	}
	held, absent := answer(o2dms.DescriptorReference{Name: "common", Namespace: shared}, dmID), answer(o2dms.DescriptorReference{Name: "nothing", Namespace: shared}, absentDM)
	if held != absent || !strings.Contains(held, "spec.deploymentManagerId") || !strings.Contains(held, "spec.descriptorRef") {
		t.Errorf("the shared namespace's objects answer unlike absent ones:\n%s\n%s", held, absent)
	}
	if slices.Contains(l.read, shared+"/common") {
		t.Errorf("read the shared descriptor for a writer it is not offered to: %v", l.read)
	}
	// The tenant's own descriptor needs no permission in the shared namespace.
	l.asked = nil
	if errs, err := nfdeployment.Admit(context.Background(), l, "tenant-a", dep(o2dms.DescriptorReference{Name: "own"}, dmID, ""), nil); err != nil || len(errs) != 1 || errs[0].Field != "spec.deploymentManagerId" {
		t.Errorf("own descriptor: %v %v", errs, err)
	}
	if !slices.Equal(l.asked, []string{"o2ims.oran.org/deploymentmanagers"}) {
		t.Errorf("asked %v", l.asked)
	}
	// Offered, both resolve; the operator's namespace is never asked.
	l.unoffered, l.asked = nil, nil
	if errs, err := nfdeployment.Admit(context.Background(), l, "tenant-a", dep(o2dms.DescriptorReference{Name: "common", Namespace: shared}, dmID, ""), nil); err != nil || len(errs) != 0 {
		t.Errorf("offered: %v %v", errs, err)
	}
	l.asked = nil
	if errs, err := nfdeployment.Admit(context.Background(), l, shared, dep(o2dms.DescriptorReference{Name: "common"}, dmID, ""), nil); err != nil || len(errs) != 0 || len(l.asked) != 0 {
		t.Errorf("the operator's own: %v %v, asked %v", errs, err, l.asked)
	}
	// An authorizer that fails is a 500, never a use.
	l.authzErr = errors.New("webhook down")
	if _, err := nfdeployment.Admit(context.Background(), l, "tenant-a", dep(o2dms.DescriptorReference{Name: "common", Namespace: shared}, dmID, ""), nil); !apierrors.IsInternalError(err) {
		t.Errorf("authorizer failure: %v, want 500", err)
	}
}

func TestTargetNamespace(t *testing.T) {
	ten := kind.NewTenancy(shared, nil, nil)
	k := nfdeployment.Kind(nfdeployment.Options{})
	ctx := genericapirequest.WithNamespace(context.Background(), "tenant-a")
	d := dep(o2dms.DescriptorReference{Name: "own"}, dmID, "")
	d.Spec.TargetNamespace = ""
	k.PrepareForCreate(ctx, d)
	if d.Spec.TargetNamespace != "tenant-a" {
		t.Errorf("default target %q, want tenant-a", d.Spec.TargetNamespace)
	}
	d.Spec.TargetNamespace = "tenant-b"
	if errs := k.ValidateTenancy(ten, d, nil); len(errs) != 1 || errs[0].Field != "spec.targetNamespace" || errs[0].Type != field.ErrorTypeNotSupported {
		t.Errorf("tenant deploying into another namespace: %v", errs)
	}
	op := d.DeepCopy()
	op.Namespace = shared
	if errs := k.ValidateTenancy(ten, op, nil); len(errs) != 0 {
		t.Errorf("the operator deploys anywhere: %v", errs)
	}
	mapped := nfdeployment.Kind(nfdeployment.Options{TargetNamespaces: func(ns, _ string) []string { return []string{ns + "-ran", ns} }})
	d.Spec.TargetNamespace = ""
	mapped.PrepareForCreate(ctx, d)
	if d.Spec.TargetNamespace != "tenant-a-ran" {
		t.Errorf("mapped default %q", d.Spec.TargetNamespace)
	}
	if errs := mapped.ValidateTenancy(ten, d, nil); len(errs) != 0 {
		t.Errorf("mapped target: %v", errs)
	}
	moved := d.DeepCopy()
	moved.Spec.TargetNamespace = "tenant-a"
	if errs := mapped.ValidateUpdate(moved, d); len(errs) != 1 || errs[0].Field != "spec.targetNamespace" {
		t.Errorf("target namespace is immutable: %v", errs)
	}
}

// TestRegressionTenantTargetsKubeSystem: the built-in admin and edit roles aggregate
// o2ims-admin, so whoever an add-on bound edit in the hub's kube-system created NfDeployments
// there, and the same-name mapping deployed them into kube-system of every member cluster.
// A tenant's NfDeployment never targets a kube-* namespace, defaulted or named, whatever the
// mapping; the operator's still may.
func TestRegressionTenantTargetsKubeSystem(t *testing.T) {
	ten := kind.NewTenancy(shared, nil, nil)
	k := nfdeployment.Kind(nfdeployment.Options{})
	ctx := genericapirequest.WithNamespace(context.Background(), "kube-system")
	d := dep(o2dms.DescriptorReference{Name: "own"}, dmID, "")
	d.Namespace, d.Spec.TargetNamespace = "kube-system", ""
	k.PrepareForCreate(ctx, d)
	if d.Spec.TargetNamespace != "" {
		t.Errorf("defaulted to %q", d.Spec.TargetNamespace)
	}
	if errs := k.ValidateTenancy(ten, d, nil); len(errs) != 1 || errs[0].Field != "spec.targetNamespace" || errs[0].Type != field.ErrorTypeRequired {
		t.Errorf("kube-system's NfDeployment with nowhere to go: %v", errs)
	}
	d.Spec.TargetNamespace = "kube-system"
	if errs := k.ValidateTenancy(ten, d, nil); len(errs) != 1 || errs[0].Field != "spec.targetNamespace" || errs[0].Type != field.ErrorTypeForbidden {
		t.Errorf("kube-system's NfDeployment into kube-system: %v", errs)
	}
	// An operator's mapping naming kube-public is not obeyed for a tenant.
	lax := nfdeployment.Kind(nfdeployment.Options{TargetNamespaces: func(ns, _ string) []string { return []string{"kube-public", ns} }})
	a := dep(o2dms.DescriptorReference{Name: "own"}, dmID, "")
	a.Spec.TargetNamespace = ""
	lax.PrepareForCreate(genericapirequest.WithNamespace(context.Background(), "tenant-a"), a)
	if a.Spec.TargetNamespace != "tenant-a" {
		t.Errorf("defaulted to %q, want tenant-a", a.Spec.TargetNamespace)
	}
	a.Spec.TargetNamespace = "kube-public"
	if errs := lax.ValidateTenancy(ten, a, nil); len(errs) != 1 || errs[0].Type != field.ErrorTypeForbidden {
		t.Errorf("tenant-a into kube-public: %v", errs)
	}
	if got := nfdeployment.AllowedTargets(func(ns, _ string) []string { return []string{"kube-public", ns} }, "tenant-a", dmID); len(got) != 1 || got[0] != "tenant-a" {
		t.Errorf("allowed targets %v, want [tenant-a] (the controller re-checks with them)", got)
	}
	op := a.DeepCopy()
	op.Namespace, op.Spec.TargetNamespace = shared, "kube-system"
	if errs := lax.ValidateTenancy(ten, op, nil); len(errs) != 0 {
		t.Errorf("the operator deploys into kube-system: %v", errs)
	}
}

// TestStrategy: spec changes bump the generation, status is never taken from the main
// endpoint, and the table has the documented columns.
func TestStrategy(t *testing.T) {
	scheme, _ := apiserver.NewScheme()
	main, status, err := nfdeployment.NewREST(scheme, kindtest.NullGetter{}, kind.NewTenancy(shared, nil, nil), nfdeployment.Options{}, authorizer.AuthorizerFunc((&finalizerOperators{}).Authorize))
	if err != nil {
		t.Fatal(err)
	}
	if status == nil {
		t.Fatal("no status subresource")
	}
	ctx := genericapirequest.WithNamespace(context.Background(), "tenant-a")
	d := dep(o2dms.DescriptorReference{Name: "own"}, dmID, "")
	d.Status.Phase = o2dms.NfDeploymentDeployed
	main.CreateStrategy.PrepareForCreate(ctx, d)
	if d.Status.Phase != "" || d.Generation != 1 {
		t.Errorf("create: status %+v, generation %d", d.Status, d.Generation)
	}
	old := d.DeepCopy()
	old.Status.Phase = o2dms.NfDeploymentDeployed
	upd := old.DeepCopy()
	upd.Status.Phase = o2dms.NfDeploymentFailed
	upd.Spec.Values = &o2dms.JSON{Raw: []byte(`{"replicas":2}`)}
	main.UpdateStrategy.PrepareForUpdate(ctx, upd, old)
	if upd.Status.Phase != o2dms.NfDeploymentDeployed || upd.Generation != 2 {
		t.Errorf("update: phase %s, generation %d", upd.Status.Phase, upd.Generation)
	}
	if got := main.Categories(); !reflect.DeepEqual(got, []string{"o2dms"}) {
		t.Errorf("categories %v", got)
	}
	table, err := main.ConvertToTable(ctx, upd, nil)
	if err != nil {
		t.Fatal(err)
	}
	var cols []string
	for _, c := range table.ColumnDefinitions {
		if c.Priority == 0 {
			cols = append(cols, c.Name)
		}
	}
	if want := []string{"Name", "Descriptor", "DM", "Phase", "Revision", "Age"}; !reflect.DeepEqual(cols, want) {
		t.Errorf("columns %v, want %v", cols, want)
	}
	if table.Rows[0].Cells[1] != "own" || table.Rows[0].Cells[2] != dmID || table.Rows[0].Cells[3] != "DEPLOYED" {
		t.Errorf("row %v", table.Rows[0].Cells)
	}
}

// TestRegressionNfDeploymentStatusIsTheControllersAlone: the status of an NfDeployment (phase,
// release revision, the history the controller rolls back to) was writable by anyone RBAC let
// write nfdeployments/status, so a namespace admin whose Role grants "*" could report a release
// DEPLOYED that never was. Only the server's own controllers write it now, as for a
// ProvisioningRequest; refused before the store is read.
func TestRegressionNfDeploymentStatusIsTheControllersAlone(t *testing.T) {
	scheme, _ := apiserver.NewScheme()
	_, status, err := nfdeployment.NewREST(scheme, kindtest.NullGetter{}, kind.NewTenancy(shared, nil, nil), nfdeployment.Options{}, authorizer.AuthorizerFunc((&finalizerOperators{}).Authorize))
	if err != nil {
		t.Fatal(err)
	}
	ctx := genericapirequest.WithUser(genericapirequest.WithNamespace(context.Background(), "tenant-a"),
		&user.DefaultInfo{Name: "tenant-a-admin", Groups: []string{user.AllAuthenticated}})
	d := dep(o2dms.DescriptorReference{Name: "own"}, dmID, "")
	d.Status.Phase = o2dms.NfDeploymentDeployed
	_, _, err = status.Update(ctx, d.Name, rest.DefaultUpdatedObjectInfo(d), rest.ValidateAllObjectFunc, rest.ValidateAllObjectUpdateFunc, false, &metav1.UpdateOptions{})
	if !apierrors.IsForbidden(err) || !strings.Contains(err.Error(), "netweave's controller only") {
		t.Fatalf("a tenant admin's status write: %v, want 403", err)
	}
}
