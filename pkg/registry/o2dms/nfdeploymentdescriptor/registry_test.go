package nfdeploymentdescriptor

import (
	"context"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/authorization/authorizer"

	"github.com/netweave-io/netweave/apis/o2dms"
	"github.com/netweave-io/netweave/pkg/registry/o2ims/kind/kindtest"
)

func newDescriptor(secret, repoURL string) *o2dms.NfDeploymentDescriptor {
	d := &o2dms.NfDeploymentDescriptor{ObjectMeta: metav1.ObjectMeta{Namespace: "tenant-a", Name: "upf"},
		Spec: o2dms.NfDeploymentDescriptorSpec{Version: "1.0.0",
			Chart: o2dms.ChartSource{Repository: &o2dms.RepositoryChartSource{URL: repoURL, Name: "upf"}}}}
	if secret != "" {
		d.Spec.PullSecretRef = &o2dms.LocalObjectReference{Name: secret}
	}
	return d
}

func as(name string) context.Context { return kindtest.RequestIn("tenant-a", name) }

// TestRegressionPullSecretCreatorMustRead: a user allowed to write descriptors but not to read
// Secrets could name any basic-auth Secret of the namespace as pullSecretRef, with a repository
// URL of their own, and netweave (which reads every Secret) would send its username and
// password there.
func TestRegressionPullSecretCreatorMustRead(t *testing.T) {
	const repo, attacker = "https://charts.example.com/stable", "http://attacker.example"
	authz := &kindtest.SecretReaders{Reader: "alice", Namespace: "tenant-a", Secret: "registry-creds"}
	if _, _, err := NewREST(runtime.NewScheme(), kindtest.NullGetter{}, nil, nil); err == nil {
		t.Error("NewREST without an authorizer succeeded")
	}
	main, _, err := NewREST(runtime.NewScheme(), kindtest.NullGetter{}, nil, authorizer.AuthorizerFunc(authz.Authorize))
	if err != nil {
		t.Fatal(err)
	}
	create := func(ctx context.Context, d *o2dms.NfDeploymentDescriptor) error {
		_, err := main.Store.BeginCreate(ctx, d, &metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}})
		return err
	}
	update := func(ctx context.Context, d, old *o2dms.NfDeploymentDescriptor) error {
		_, err := main.Store.BeginUpdate(ctx, d, old, &metav1.UpdateOptions{})
		return err
	}
	forbidden := func(err error) bool {
		return apierrors.IsForbidden(err) && strings.Contains(err.Error(), "spec.pullSecretRef")
	}

	if err := create(as("alice"), newDescriptor("registry-creds", repo)); err != nil {
		t.Errorf("alice, who may read registry-creds: %v", err)
	}
	if len(authz.Asked) == 0 {
		t.Fatal("the authorizer was not asked")
	}
	a := authz.Asked[len(authz.Asked)-1]
	if a.GetVerb() != "get" || a.GetResource() != "secrets" || a.GetNamespace() != "tenant-a" || a.GetName() != "registry-creds" || !a.IsResourceRequest() {
		t.Errorf("asked %+v", a)
	}
	if err := create(as("mallory"), newDescriptor("registry-creds", attacker)); !forbidden(err) {
		t.Errorf("mallory, who may not read registry-creds: %v, want Forbidden on spec.pullSecretRef", err)
	}
	if err := create(as("alice"), newDescriptor("other-creds", repo)); !forbidden(err) {
		t.Errorf("alice and a secret she may not read: %v, want Forbidden", err)
	}
	if err := create(as(""), newDescriptor("registry-creds", repo)); !forbidden(err) {
		t.Errorf("no user: %v, want Forbidden", err)
	}
	if err := create(as("broken"), newDescriptor("registry-creds", repo)); !apierrors.IsInternalError(err) {
		t.Errorf("authorizer failure: %v, want an internal error (fail closed)", err)
	}

	// No reference, or an update keeping the Secret and where its content goes: nothing to
	// check, whoever writes.
	n := len(authz.Asked)
	if err := create(as("mallory"), newDescriptor("", attacker)); err != nil {
		t.Errorf("no pull secret: %v", err)
	}
	bumped := newDescriptor("registry-creds", repo)
	bumped.Spec.Version, bumped.Spec.Chart.Repository.Name, bumped.Spec.Description = "1.1.0", "upf-lite", "by the controller or a label change"
	if err := update(as("mallory"), bumped, newDescriptor("registry-creds", repo)); err != nil {
		t.Errorf("update keeping the secret and the repository: %v", err)
	}
	if len(authz.Asked) != n {
		t.Errorf("%d authorization questions for nothing to check", len(authz.Asked)-n)
	}

	// Naming another Secret, adding one, or sending the same one elsewhere is checked like a
	// create.
	if err := update(as("mallory"), newDescriptor("registry-creds", repo), newDescriptor("", repo)); !forbidden(err) {
		t.Errorf("mallory adds a secret: %v, want Forbidden", err)
	}
	if err := update(as("mallory"), newDescriptor("sa-token", repo), newDescriptor("registry-creds", repo)); !forbidden(err) {
		t.Errorf("mallory swaps the secret: %v, want Forbidden", err)
	}
	if err := update(as("mallory"), newDescriptor("registry-creds", attacker), newDescriptor("registry-creds", repo)); !forbidden(err) {
		t.Errorf("mallory points the secret at another repository: %v, want Forbidden", err)
	}
	oci := newDescriptor("registry-creds", "")
	oci.Spec.Chart = o2dms.ChartSource{OCI: &o2dms.OCIChartSource{Reference: "oci://attacker.example/charts/upf"}}
	if err := update(as("mallory"), oci, newDescriptor("registry-creds", repo)); !forbidden(err) {
		t.Errorf("mallory moves the secret to an OCI registry: %v, want Forbidden", err)
	}
	if err := update(as("alice"), newDescriptor("registry-creds", repo), newDescriptor("", repo)); err != nil {
		t.Errorf("alice adds her secret: %v", err)
	}
}
