package e2e

import (
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	o2v1 "github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/internal/localstack"
	"github.com/netweave-io/netweave/pkg/registry/o2ims/managedinfrastructuretemplate"
)

// TestProvisioningRegistry: the kubectl face of provisioning. Templates get derived ids;
// requests are PENDING when created, checked against their template's schema with paths,
// admitted only where the operator opened provisioning, and listed with their phase,
// template and cluster; kubectl explain describes every field of the three kinds.
func TestProvisioningRegistry(t *testing.T) {
	t.Parallel()
	s := startStack(t, "--provisioning-namespaces=tenant-a")
	admin := s.admin(t)
	ctx := t.Context()
	const inv = "o2ims-system"
	for _, ns := range []string{"tenant-a", "tenant-b"} {
		s.kubectl(t, localstack.Admin, "create", "namespace", ns)
	}

	tmpl := &o2v1.ManagedInfrastructureTemplate{
		ObjectMeta: metav1.ObjectMeta{Name: "demo.v1.34.0"},
		Spec: o2v1.ManagedInfrastructureTemplateSpec{Name: "demo", Version: "v1.34.0",
			ParameterSchema: &o2v1.JSON{Raw: []byte(`{"type":"object","properties":{"workers":{"type":"integer","minimum":1},` +
				`"region":{"type":"string"}},"required":["workers","region"]}`)},
			Defaults:        &o2v1.JSON{Raw: []byte(`{"clusterInstanceDefaults":{"region":"eu-1"}}`)},
			ClusterClassRef: o2v1.ClusterReference{Namespace: inv, Name: "demo"}},
	}
	created, err := admin.O2imsV1alpha1().ManagedInfrastructureTemplates(inv).Create(ctx, tmpl, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if want := managedinfrastructuretemplate.ArtifactResourceID(inv, "demo.v1.34.0"); created.Spec.ArtifactResourceID != want {
		t.Fatalf("artifactResourceId %q, want the derived %q", created.Spec.ArtifactResourceID, want)
	}

	request := func(id, params string) *o2v1.ProvisioningRequest {
		return &o2v1.ProvisioningRequest{
			Spec: o2v1.ProvisioningRequestSpec{ProvisioningRequestID: id, Name: "edge", TemplateName: "demo", TemplateVersion: "v1.34.0",
				TemplateParameters: &o2v1.JSON{Raw: []byte(params)}},
		}
	}
	const id = "123e4567-e89b-12d3-a456-426614174000"

	t.Run("a request is PENDING, named by its id", func(t *testing.T) {
		r, err := admin.O2imsV1alpha1().ProvisioningRequests("tenant-a").Create(ctx, request(id, `{"workers":3}`), metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if r.Name != id || r.Status.ProvisioningPhase != o2v1.ProvisioningPhasePending || r.Status.UpdateTime == nil || r.Status.Message == "" {
			t.Fatalf("created %s: status %+v", r.Name, r.Status)
		}
		// The same id in the operator's namespace is another request: ids are per namespace.
		if _, err := admin.O2imsV1alpha1().ProvisioningRequests(inv).Create(ctx, request(id, `{"workers":1}`), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		_, err = admin.O2imsV1alpha1().ProvisioningRequests("tenant-a").Create(ctx, request(id, `{"workers":1}`), metav1.CreateOptions{})
		if !apierrors.IsAlreadyExists(err) {
			t.Fatalf("duplicate id in tenant-a: %v", err)
		}
	})

	t.Run("parameters are checked against the template with paths", func(t *testing.T) {
		_, err := admin.O2imsV1alpha1().ProvisioningRequests("tenant-a").Create(ctx,
			request("123e4567-e89b-12d3-a456-426614174001", `{"workers":0,"region":5}`), metav1.CreateOptions{})
		if !apierrors.IsInvalid(err) {
			t.Fatalf("bad parameters: %v", err)
		}
		for _, want := range []string{"spec.templateParameters.workers", "spec.templateParameters.region"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("refusal lacks %s: %v", want, err)
			}
		}
		r := request("123e4567-e89b-12d3-a456-426614174002", `{"workers":1}`)
		r.Spec.TemplateVersion = "v9.9.9"
		if _, err := admin.O2imsV1alpha1().ProvisioningRequests("tenant-a").Create(ctx, r, metav1.CreateOptions{}); !apierrors.IsInvalid(err) ||
			!strings.Contains(err.Error(), "spec.templateVersion") {
			t.Fatalf("unknown template version: %v", err)
		}
		// An upgrade to a version without a template is refused; the templateName stays.
		cur, err := admin.O2imsV1alpha1().ProvisioningRequests("tenant-a").Get(ctx, id, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		cur.Spec.TemplateName = "other"
		if _, err := admin.O2imsV1alpha1().ProvisioningRequests("tenant-a").Update(ctx, cur, metav1.UpdateOptions{}); !apierrors.IsInvalid(err) ||
			!strings.Contains(err.Error(), "spec.templateName") {
			t.Fatalf("templateName change: %v", err)
		}
	})

	t.Run("only namespaces opened to provisioning", func(t *testing.T) {
		_, err := admin.O2imsV1alpha1().ProvisioningRequests("tenant-b").Create(ctx, request(id, `{"workers":1}`), metav1.CreateOptions{})
		if !apierrors.IsForbidden(err) || !strings.Contains(err.Error(), "--provisioning-namespaces") {
			t.Fatalf("tenant-b, not opened: %v", err)
		}
	})

	t.Run("kubectl get shows phase, template, cluster", func(t *testing.T) {
		out := s.kubectl(t, localstack.Admin, "get", "provisioningrequests", "-n", "tenant-a")
		header := strings.Fields(strings.SplitN(out, "\n", 2)[0])
		if got, want := strings.Join(header, " "), "NAME PHASE TEMPLATE CLUSTER AGE"; got != want {
			t.Errorf("header = %q, want %q\n%s", got, want, out)
		}
		if !strings.Contains(out, id) || !strings.Contains(out, "PENDING") || !strings.Contains(out, "demo.v1.34.0") {
			t.Errorf("row lacks id, phase or template:\n%s", out)
		}
		out = s.kubectl(t, localstack.Admin, "get", "managedinfrastructuretemplates", "-n", inv)
		if !strings.Contains(out, "demo.v1.34.0") || !strings.Contains(out, "v1.34.0") {
			t.Errorf("templates:\n%s", out)
		}
	})

	t.Run("kubectl explain describes every field", func(t *testing.T) {
		for _, kind := range []string{"provisioningrequest", "managedinfrastructuretemplate", "provisioningrequestsubscription"} {
			eventually(t, 2*time.Minute, "kubectl explain "+kind, func() error {
				_, _, err := s.kubectlStdin(t, localstack.Admin, "", "explain", kind+".spec")
				return err
			})
			for _, path := range explainedObjects(t, s, kind) {
				out := s.kubectl(t, localstack.Admin, "explain", path)
				if strings.Contains(out, "<no description>") || !strings.Contains(out, "FIELDS:") {
					t.Errorf("kubectl explain %s:\n%s", path, out)
				}
			}
		}
	})
}
