package provisioningrequest

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"

	"github.com/netweave-io/netweave/apis/o2ims"
)

const inventoryNS = "o2ims-system"

type lookups struct {
	templates map[string]*o2ims.ManagedInfrastructureTemplate // by namespace/name
	read      []string
	err       error
	// unoffered: the writer may not get the inventory namespace's templates.
	unoffered bool
	authzErr  error
}

func (l *lookups) InventoryNamespace() string { return inventoryNS }

func (l *lookups) MayReadInventoryTemplates(context.Context) (bool, error) {
	return !l.unoffered && l.authzErr == nil, l.authzErr
}

func (l *lookups) Template(_ context.Context, namespace, name string) (*o2ims.ManagedInfrastructureTemplate, error) {
	l.read = append(l.read, namespace+"/"+name)
	return l.templates[namespace+"/"+name], l.err
}

func template(ns, name, version string) *o2ims.ManagedInfrastructureTemplate {
	return &o2ims.ManagedInfrastructureTemplate{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name + "." + version},
		Spec: o2ims.ManagedInfrastructureTemplateSpec{Name: name, Version: version,
			ParameterSchema: &o2ims.JSON{Raw: []byte(`{"type":"object","properties":{"workers":{"type":"integer","minimum":1}},"required":["workers"]}`)},
			ClusterClassRef: o2ims.ClusterReference{Namespace: ns, Name: name}},
	}
}

func request(version, params string) *o2ims.ProvisioningRequest {
	r := &o2ims.ProvisioningRequest{Spec: o2ims.ProvisioningRequestSpec{Name: "r", TemplateName: "demo", TemplateVersion: version}}
	if params != "" {
		r.Spec.TemplateParameters = &o2ims.JSON{Raw: []byte(params)}
	}
	return r
}

func TestAdmit(t *testing.T) {
	ctx := context.Background()
	l := &lookups{templates: map[string]*o2ims.ManagedInfrastructureTemplate{
		inventoryNS + "/demo.v1.34.0": template(inventoryNS, "demo", "v1.34.0"),
		"tenant-b/demo.v1.35.0":       template("tenant-b", "demo", "v1.35.0"),
	}}
	opts := Options{Namespaces: []string{"tenant-a", "tenant-b"}}

	// The operator's template serves every tenant; its schema is enforced with paths.
	if errs, err := Admit(ctx, l, opts, "tenant-a", request("v1.34.0", `{"workers":2}`), nil); err != nil || len(errs) != 0 {
		t.Fatalf("operator template from tenant-a: %v %v", errs, err)
	}
	errs, err := Admit(ctx, l, opts, "tenant-a", request("v1.34.0", `{"workers":0}`), nil)
	if err != nil || len(errs) != 1 || errs[0].Field != "spec.templateParameters.workers" {
		t.Fatalf("workers 0: %v %v", errs, err)
	}

	// Tenant B's own template is invisible to tenant A: the same answer as a missing one, and
	// tenant B's namespace is never read.
	l.read = nil
	errs, err = Admit(ctx, l, opts, "tenant-a", request("v1.35.0", `{"workers":2}`), nil)
	if err != nil || len(errs) != 1 || errs[0].Field != "spec.templateVersion" {
		t.Fatalf("tenant-b's template from tenant-a: %v %v", errs, err)
	}
	for _, r := range l.read {
		if r == "tenant-b/demo.v1.35.0" {
			t.Fatalf("admission of a tenant-a request read tenant-b's template")
		}
	}
	if errs, err := Admit(ctx, l, opts, "tenant-b", request("v1.35.0", `{"workers":2}`), nil); err != nil || len(errs) != 0 {
		t.Fatalf("tenant-b's own template: %v %v", errs, err)
	}

	// A namespace the operator did not open is 403, before anything is read.
	l.read = nil
	_, err = Admit(ctx, l, opts, "tenant-c", request("v1.34.0", `{"workers":2}`), nil)
	if !apierrors.IsForbidden(err) || len(l.read) != 0 {
		t.Fatalf("tenant-c: %v, read %v", err, l.read)
	}

	// An update that leaves template and parameters alone (a finalizer removed, a label) is not
	// checked again: a template deleted since must not block tearing a cluster down.
	old := request("v1.34.0", `{"workers":2}`)
	delete(l.templates, inventoryNS+"/demo.v1.34.0")
	if errs, err := Admit(ctx, l, opts, "tenant-a", request("v1.34.0", `{"workers":2}`), old); err != nil || len(errs) != 0 {
		t.Fatalf("unchanged update: %v %v", errs, err)
	}
	// An upgrade is checked against the new version's template.
	if errs, err := Admit(ctx, l, opts, "tenant-a", request("v1.36.0", `{"workers":2}`), old); err != nil || len(errs) != 1 {
		t.Fatalf("upgrade to a version without template: %v %v", errs, err)
	}

	// A failed read is an internal error, not a verdict on the request.
	l.err = errors.New("redis down")
	if _, err := Admit(ctx, l, opts, "tenant-a", request("v1.34.0", `{"workers":2}`), nil); !apierrors.IsInternalError(err) {
		t.Fatalf("failed read: %v", err)
	}
}

// TestPrepareForCreate: the id and the name follow each other, and a new request is PENDING.
func TestPrepareForCreate(t *testing.T) {
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	k := Kind(Options{Now: func() time.Time { return now }})
	r := &o2ims.ProvisioningRequest{Spec: o2ims.ProvisioningRequestSpec{ProvisioningRequestID: "123e4567-e89b-12d3-a456-426614174000"},
		Status: o2ims.ProvisioningRequestStatus{ProvisioningPhase: o2ims.ProvisioningPhaseFulfilled}}
	k.PrepareForCreate(context.Background(), r)
	if r.Name != r.Spec.ProvisioningRequestID {
		t.Fatalf("name %q from id %q", r.Name, r.Spec.ProvisioningRequestID)
	}
	if r.Status.ProvisioningPhase != o2ims.ProvisioningPhasePending || r.Status.Message != PendingMessage || !r.Status.UpdateTime.Time.Equal(now) {
		t.Fatalf("status %+v", r.Status)
	}
	named := &o2ims.ProvisioningRequest{ObjectMeta: metav1.ObjectMeta{Name: "123e4567-e89b-12d3-a456-426614174001"}}
	k.PrepareForCreate(context.Background(), named)
	if named.Spec.ProvisioningRequestID != named.Name {
		t.Fatalf("id %q from name %q", named.Spec.ProvisioningRequestID, named.Name)
	}
}

// TestRegressionUnchangedUpdateOutsideProvisioningNamespaces: Admit answered 403 "provisioning
// is not enabled" to every update in a namespace dropped from --provisioning-namespaces, the
// controller's finalizer removal included, so such a request stayed Terminating for ever. An
// update that leaves the template alone is now admitted there; one that changes it is still
// 403, and a create too.
func TestRegressionUnchangedUpdateOutsideProvisioningNamespaces(t *testing.T) {
	ctx := context.Background()
	l := &lookups{}
	opts := Options{Namespaces: []string{"tenant-a"}}
	old := request("v1.34.0", `{"workers":2}`)
	if errs, err := Admit(ctx, l, opts, "tenant-c", request("v1.34.0", `{"workers":2}`), old); err != nil || len(errs) != 0 {
		t.Fatalf("unchanged update in a dropped namespace: %v %v", errs, err)
	}
	if _, err := Admit(ctx, l, opts, "tenant-c", request("v1.35.0", `{"workers":2}`), old); !apierrors.IsForbidden(err) {
		t.Fatalf("upgrade in a dropped namespace: %v", err)
	}
	if _, err := Admit(ctx, l, opts, "tenant-c", request("v1.34.0", `{"workers":2}`), nil); !apierrors.IsForbidden(err) {
		t.Fatalf("create in a dropped namespace: %v", err)
	}
}

// TestRegressionTemplateNameVersionSplit: a template's object name joins its name and version
// with a dot either may contain, so a request for (edge, small.v1.30.0) found the template
// (edge.small, v1.30.0) and was admitted against its schema. Only the template of that name and
// version is the one asked for; the other is answered as a missing one.
func TestRegressionTemplateNameVersionSplit(t *testing.T) {
	l := &lookups{templates: map[string]*o2ims.ManagedInfrastructureTemplate{
		inventoryNS + "/edge.small.v1.30.0": template(inventoryNS, "edge.small", "v1.30.0"),
	}}
	opts := Options{Namespaces: []string{"tenant-a"}}
	r := request("small.v1.30.0", `{"workers":2}`)
	r.Spec.TemplateName = "edge"
	errs, err := Admit(context.Background(), l, opts, "tenant-a", r, nil)
	if err != nil || len(errs) != 1 || errs[0].Field != "spec.templateVersion" {
		t.Fatalf("(edge, small.v1.30.0) with only (edge.small, v1.30.0) there: %v %v, want the 422 of a missing template", errs, err)
	}
	r.Spec.TemplateName, r.Spec.TemplateVersion = "edge.small", "v1.30.0"
	if errs, err := Admit(context.Background(), l, opts, "tenant-a", r, nil); err != nil || len(errs) != 0 {
		t.Fatalf("(edge.small, v1.30.0): %v %v", errs, err)
	}
}

// TestRegressionTemplatesOfferedOnlyWithRBAC: the operator offers its templates with
// o2ims-template-reader bound in the inventory namespace, yet a tenant it did not offer them
// to provisioned from them, and told with dry-runs which names and versions it keeps. Without
// get on managedinfrastructuretemplates there, the inventory's template is answered exactly
// as one nobody has, and is not read.
func TestRegressionTemplatesOfferedOnlyWithRBAC(t *testing.T) {
	ctx := context.Background()
	l := &lookups{templates: map[string]*o2ims.ManagedInfrastructureTemplate{
		inventoryNS + "/demo.v1.34.0": template(inventoryNS, "demo", "v1.34.0"),
	}, unoffered: true}
	opts := Options{Namespaces: []string{"tenant-a"}}
	held, err := Admit(ctx, l, opts, "tenant-a", request("v1.34.0", `{"workers":2}`), nil)
	if err != nil || len(held) != 1 || held[0].Field != "spec.templateVersion" {
		t.Fatalf("unoffered template: %v %v", held, err)
	}
	absent, _ := Admit(ctx, l, opts, "tenant-a", request("v9.9.9", `{"workers":2}`), nil)
	if len(absent) != 1 || strings.ReplaceAll(absent[0].Error(), "v9.9.9", "v1.34.0") != held[0].Error() {
		t.Errorf("the operator's template answered unlike none:\n%v\n%v", held, absent)
	}
	for _, r := range l.read {
		if strings.HasPrefix(r, inventoryNS+"/") {
			t.Errorf("read %s for a writer it is not offered to", r)
		}
	}
	// Offered, it serves; in the inventory namespace nobody is asked.
	l.unoffered = false
	if errs, err := Admit(ctx, l, opts, "tenant-a", request("v1.34.0", `{"workers":2}`), nil); err != nil || len(errs) != 0 {
		t.Errorf("offered: %v %v", errs, err)
	}
	l.authzErr = errors.New("webhook down")
	if errs, err := Admit(ctx, l, opts, inventoryNS, request("v1.34.0", `{"workers":2}`), nil); err != nil || len(errs) != 0 {
		t.Errorf("the operator's own namespace: %v %v", errs, err)
	}
	if _, err := Admit(ctx, l, opts, "tenant-a", request("v1.34.0", `{"workers":2}`), nil); !apierrors.IsInternalError(err) {
		t.Errorf("authorizer failure: %v, want 500", err)
	}
}

// TestRegressionTemplateNamespaceIsTheServersWord: admission let a tenant's request use the
// tenant's own template, but the controller, acting later, looked in the tenant's namespace and
// then the inventory namespace whoever wrote the request: a tenant the operator does not offer
// its templates to deleted its own template (after a failed build, or before the controller
// first looked) and got a Cluster from the operator's ClusterClass. The server now records where
// the writer found the template (spec.templateNamespace), over whatever the client sends, and
// admission and the controller use that namespace only.
func TestRegressionTemplateNamespaceIsTheServersWord(t *testing.T) {
	l := &lookups{templates: map[string]*o2ims.ManagedInfrastructureTemplate{
		inventoryNS + "/demo.v1.34.0": template(inventoryNS, "demo", "v1.34.0"),
		"tenant-a/demo.v1.34.0":       template("tenant-a", "demo", "v1.34.0"),
	}, unoffered: true}
	k := Kind(Options{Namespaces: []string{"tenant-a"}})
	stampTemplateNamespace(k, l)
	ctx := genericapirequest.WithNamespace(context.Background(), "tenant-a")
	create := func(claimed string) *o2ims.ProvisioningRequest {
		r := request("v1.34.0", `{"workers":2}`)
		r.Spec.TemplateNamespace = claimed
		k.PrepareForCreate(ctx, r)
		return r
	}

	// The tenant's own template: recorded there, whatever the client claims.
	if r := create(inventoryNS); r.Spec.TemplateNamespace != "tenant-a" {
		t.Errorf("create with the tenant's template, claiming %s: recorded %q, want tenant-a", inventoryNS, r.Spec.TemplateNamespace)
	}
	// Its template gone, a writer not offered the operator's still gets its own namespace
	// recorded (where admission then finds nothing and refuses).
	delete(l.templates, "tenant-a/demo.v1.34.0")
	r := create(inventoryNS)
	if r.Spec.TemplateNamespace != "tenant-a" {
		t.Errorf("create without a template, not offered the operator's: recorded %q, want tenant-a", r.Spec.TemplateNamespace)
	}
	if errs, err := Admit(ctx, l, Options{Namespaces: []string{"tenant-a"}}, "tenant-a", r, nil); err != nil || len(errs) != 1 {
		t.Errorf("admission of a request whose recorded namespace has no template: %v %v, want refused", errs, err)
	}
	// Offered the operator's templates, the writer gets the inventory namespace recorded.
	l.unoffered = false
	if r := create(""); r.Spec.TemplateNamespace != inventoryNS {
		t.Errorf("create offered the operator's template: recorded %q, want %s", r.Spec.TemplateNamespace, inventoryNS)
	}

	// An update that keeps the template keeps what was recorded, whatever the client sends; one
	// that changes it records again.
	old := request("v1.34.0", `{"workers":2}`)
	old.Namespace, old.Spec.TemplateNamespace = "tenant-a", "tenant-a"
	upd := old.DeepCopy()
	upd.Spec.TemplateNamespace = inventoryNS
	k.PrepareForUpdate(ctx, upd, old)
	if upd.Spec.TemplateNamespace != "tenant-a" {
		t.Errorf("update keeping the template, claiming %s: recorded %q, want tenant-a", inventoryNS, upd.Spec.TemplateNamespace)
	}
	l.templates["tenant-a/demo.v1.35.0"] = template("tenant-a", "demo", "v1.35.0")
	upd = old.DeepCopy()
	upd.Spec.TemplateVersion, upd.Spec.TemplateNamespace = "v1.35.0", inventoryNS
	k.PrepareForUpdate(ctx, upd, old)
	if upd.Spec.TemplateNamespace != "tenant-a" {
		t.Errorf("update to the tenant's v1.35.0: recorded %q, want tenant-a", upd.Spec.TemplateNamespace)
	}

	// Admission looks where the server recorded, not elsewhere: a request recorded in tenant-a
	// is not admitted against the operator's template of the same name.
	stale := request("v1.34.0", `{"workers":2}`)
	stale.Spec.TemplateNamespace = "tenant-a"
	l.read = nil
	if errs, err := Admit(ctx, l, Options{Namespaces: []string{"tenant-a"}}, "tenant-a", stale, nil); err != nil || len(errs) != 1 {
		t.Errorf("admission with tenant-a recorded and only the operator's template: %v %v, want refused", errs, err)
	}
	for _, read := range l.read {
		if strings.HasPrefix(read, inventoryNS+"/") {
			t.Errorf("admission read %s for a request recorded in tenant-a", read)
		}
	}
}
