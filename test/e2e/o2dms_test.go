package e2e

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/netweave-io/netweave/internal/localstack"
)

// The o2dms.oran.org group (issue 13, slice 1) as kubectl users meet it on the real stack:
// descriptors and deployments are created, listed and explained; bad input is a 422 naming
// the field, at admission; a tenant uses its own and the operator's shared descriptors but
// cannot tell another tenant's from none; status is written only through the status
// subresource, and no tenant role may write it. No controller runs yet: status stays as the
// test writes it.

const (
	dmsSharedNS = localstack.APIServiceNamespace
	dmsDMID     = "d0000000-0000-4000-8000-00000000000d"
	dmsTenantDM = "d0000000-0000-4000-8000-0000000000a1"
	// dmsProvisionedDM is the DeploymentManager of a member cluster tenant-b provisioned.
	dmsProvisionedDM = "d0000000-0000-4000-8000-0000000000b2"
)

// descriptorHead is an NfDeploymentDescriptor up to its chart and version.
const descriptorHead = `apiVersion: o2dms.oran.org/v1alpha1
kind: NfDeploymentDescriptor
metadata: {name: %NAME%, namespace: %NS%}
spec:
  chart:
    repository: {url: "https://charts.example.com/stable", name: upf}
  version: 1.2.3
`

// dmsDescriptor's schema requires an integer replicas of at most 5 and a string image tag.
const dmsDescriptor = descriptorHead + `  description: a user plane function
  parametersSchema:
    type: object
    required: [replicas]
    properties:
      replicas: {type: integer, minimum: 1, maximum: 5}
      image:
        type: object
        properties:
          tag: {type: string}
  defaultValues: {replicas: 1, image: {tag: v1}}
`

func dmsDescriptorManifest(ns, name string) string {
	return strings.NewReplacer("%NAME%", name, "%NS%", ns).Replace(dmsDescriptor)
}

func nfDeploymentManifest(ns, name, descriptor, descriptorNS, dm, values string) string {
	m := `apiVersion: o2dms.oran.org/v1alpha1
kind: NfDeployment
metadata: {name: ` + name + `, namespace: ` + ns + `}
spec:
  descriptorRef: {name: ` + descriptor
	if descriptorNS != "" {
		m += `, namespace: ` + descriptorNS
	}
	m += `}
  deploymentManagerId: ` + dm + "\n"
	if values != "" {
		m += "  values: " + values + "\n"
	}
	return m
}

// invalidValue drops the value kubectl quotes from a 422, leaving the field and the reason.
var invalidValue = regexp.MustCompile(`Invalid value: "[^"]*"`)

func TestO2DMS(t *testing.T) {
	t.Parallel()
	s := startStack(t)
	admin, alice, bob := localstack.Admin, localstack.Alice, localstack.Bob
	for _, ns := range []string{"tenant-a", "tenant-b"} {
		s.kubectl(t, admin, "create", "namespace", ns)
	}
	s.kubectl(t, admin, "create", "rolebinding", "alice-admin", "-n", "tenant-a", "--clusterrole=o2ims-admin", "--user="+alice)
	s.kubectl(t, admin, "create", "rolebinding", "bob-admin", "-n", "tenant-b", "--clusterrole=o2ims-admin", "--user="+bob)
	// The operator offers alice and bob its deployment managers and descriptors (get in the
	// shared namespace); carol administers tenant-c and is offered nothing there.
	s.kubectl(t, admin, "create", "rolebinding", "tenants-offered", "-n", dmsSharedNS, "--clusterrole=o2ims-reader", "--user="+alice, "--user="+bob)
	s.kubectl(t, admin, "create", "namespace", "tenant-c")
	s.kubectl(t, admin, "create", "rolebinding", "carol-admin", "-n", "tenant-c", "--clusterrole=o2ims-admin", "--user="+localstack.Carol)
	apply := func(t *testing.T, user, manifest string) {
		t.Helper()
		if out, stderr, err := s.kubectlStdin(t, user, manifest, "apply", "-f", "-"); err != nil {
			t.Fatalf("apply as %s: %v\n%s%s\n%s", user, err, out, stderr, manifest)
		}
	}
	// refused applies manifest as user and returns kubectl's error.
	refused := func(t *testing.T, user, manifest string, args ...string) string {
		t.Helper()
		out, stderr, err := s.kubectlStdin(t, user, manifest, append([]string{"create", "-f", "-"}, args...)...)
		if err == nil {
			t.Fatalf("create as %s: want an error, got %s\n%s", user, out, manifest)
		}
		return stderr
	}
	// The operator's deployment manager (the inventory sync would make it; here the admin
	// does), one of a cluster tenant-b provisioned (the sync labels it with the tenant), and
	// one filed in a tenant's namespace, which deployments may not target.
	apply(t, admin, `apiVersion: o2ims.oran.org/v1alpha1
kind: DeploymentManager
metadata: {name: local, namespace: `+dmsSharedNS+`}
spec: {deploymentManagerId: `+dmsDMID+`, name: local, serviceUri: "https://127.0.0.1:6443"}
---
apiVersion: o2ims.oran.org/v1alpha1
kind: DeploymentManager
metadata: {name: tenant-b-edge, namespace: `+dmsSharedNS+`, labels: {o2ims.oran.org/tenant: tenant-b}}
spec: {deploymentManagerId: `+dmsProvisionedDM+`, name: tenant-b-edge, serviceUri: "https://127.0.0.1:6443"}
---
apiVersion: o2ims.oran.org/v1alpha1
kind: DeploymentManager
metadata: {name: mine, namespace: tenant-a}
spec: {deploymentManagerId: `+dmsTenantDM+`, name: mine, serviceUri: "https://127.0.0.1:6443"}
`)
	apply(t, admin, dmsDescriptorManifest(dmsSharedNS, "common"))
	apply(t, bob, dmsDescriptorManifest("tenant-b", "private"))
	apply(t, alice, dmsDescriptorManifest("tenant-a", "own"))

	t.Run("kubectl get and the o2dms category", func(t *testing.T) {
		out := s.kubectl(t, admin, "get", "nfdeploymentdescriptors", "-n", dmsSharedNS)
		header := strings.Fields(strings.SplitN(out, "\n", 2)[0])
		if strings.Join(header, " ") != "NAME CHART VERSION AGE" || !strings.Contains(out, "upf (https://charts.example.com/stable)") {
			t.Errorf("kubectl get nfdeploymentdescriptors:\n%s", out)
		}
		out = s.kubectl(t, admin, "get", "o2dms", "-A", "-o", "name")
		for _, want := range []string{"nfdeploymentdescriptor.o2dms.oran.org/common", "nfdeploymentdescriptor.o2dms.oran.org/own"} {
			if !strings.Contains(out, want) {
				t.Errorf("kubectl get o2dms lacks %s:\n%s", want, out)
			}
		}
	})

	t.Run("kubectl explain describes every field", func(t *testing.T) {
		for _, kind := range []string{"nfdeploymentdescriptor", "nfdeployment"} {
			// The aggregator fetches netweave's OpenAPI on its own schedule.
			eventually(t, 2*time.Minute, "kubectl explain "+kind, func() error {
				_, _, err := s.kubectlStdin(t, admin, "", "explain", kind+".spec")
				return err
			})
			for _, path := range explainedObjects(t, s, kind) {
				out := s.kubectl(t, admin, "explain", path)
				if strings.Contains(out, "<no description>") || !strings.Contains(out, "FIELDS:") {
					t.Errorf("kubectl explain %s leaves a field undescribed:\n%s", path, out)
				}
			}
		}
		out := s.kubectl(t, admin, "explain", "nfdeployment.spec.descriptorRef")
		if !strings.Contains(out, "shared namespace") {
			t.Errorf("kubectl explain nfdeployment.spec.descriptorRef:\n%s", out)
		}
	})

	t.Run("a tenant deploys from its own and the shared descriptors", func(t *testing.T) {
		apply(t, alice, nfDeploymentManifest("tenant-a", "upf-shared", "common", dmsSharedNS, dmsDMID, `{replicas: 3}`))
		apply(t, alice, nfDeploymentManifest("tenant-a", "upf-own", "own", "", dmsDMID, ""))
		out := s.kubectl(t, alice, "get", "nfdeployments", "-n", "tenant-a")
		header := strings.Fields(strings.SplitN(out, "\n", 2)[0])
		if strings.Join(header, " ") != "NAME DESCRIPTOR DM PHASE REVISION AGE" ||
			!strings.Contains(out, dmsSharedNS+"/common") || !strings.Contains(out, dmsDMID) {
			t.Errorf("kubectl get nfdeployments:\n%s", out)
		}
		got := s.kubectl(t, alice, "get", "nfdeployment", "upf-own", "-n", "tenant-a", "-o", "jsonpath={.spec.targetNamespace} {.metadata.generation}")
		if got != "tenant-a 1" {
			t.Errorf("targetNamespace and generation: %q", got)
		}
	})

	t.Run("bad input is a 422 naming the field, and nothing is stored", func(t *testing.T) {
		before := s.kubectl(t, admin, "get", "nfdeployments", "-n", "tenant-a", "-o", "jsonpath={range .items[*]}{.metadata.name}={.metadata.resourceVersion} {end}")
		for _, tc := range []struct {
			name, manifest string
			want           []string
		}{
			{"unknown descriptor", nfDeploymentManifest("tenant-a", "bad", "nope", "", dmsDMID, ""), []string{"spec.descriptorRef: Invalid value"}},
			{"unknown deployment manager", nfDeploymentManifest("tenant-a", "bad", "own", "", "d0000000-0000-4000-8000-0000000000ff", ""),
				[]string{"spec.deploymentManagerId: Invalid value", "inventory namespace " + dmsSharedNS}},
			{"a deployment manager outside the inventory namespace", nfDeploymentManifest("tenant-a", "bad", "own", "", dmsTenantDM, ""),
				[]string{"spec.deploymentManagerId: Invalid value"}},
			{"values failing the schema", nfDeploymentManifest("tenant-a", "bad", "common", dmsSharedNS, dmsDMID, `{replicas: 9, image: {tag: 7}}`),
				[]string{"spec.values.replicas: Invalid value", "spec.values.image.tag: Invalid value"}},
			{"values the defaults cannot fix", nfDeploymentManifest("tenant-a", "bad", "own", "", dmsDMID, `{replicas: null}`),
				[]string{"spec.values: Invalid value", "replicas"}},
			{"another tenant's namespace as target", strings.Replace(nfDeploymentManifest("tenant-a", "bad", "own", "", dmsDMID, ""),
				"spec:\n", "spec:\n  targetNamespace: tenant-b\n", 1), []string{"spec.targetNamespace: Unsupported value"}},
		} {
			for _, dry := range [][]string{{"--dry-run=server"}, nil} {
				stderr := refused(t, alice, tc.manifest, dry...)
				for _, want := range append(tc.want, `The NfDeployment "bad" is invalid`) {
					if !strings.Contains(stderr, want) {
						t.Errorf("%s %v: want %q in\n%s", tc.name, dry, want, stderr)
					}
				}
			}
		}
		// A rejected update changes nothing either.
		stderr := s.kubectlErr(t, alice, "patch", "nfdeployment", "upf-shared", "-n", "tenant-a", "--type=merge", "-p", `{"spec":{"values":{"replicas":"three"}}}`)
		if !strings.Contains(stderr, "spec.values.replicas: Invalid value") {
			t.Errorf("patch with bad values:\n%s", stderr)
		}
		after := s.kubectl(t, admin, "get", "nfdeployments", "-n", "tenant-a", "-o", "jsonpath={range .items[*]}{.metadata.name}={.metadata.resourceVersion} {end}")
		if before != after {
			t.Errorf("rejected requests changed what is stored: before %q, after %q", before, after)
		}
	})

	// TestRegressionSchemaEvaluationMultiplies (apis/jsonparams) on the real server: a
	// parameters schema whose levels each apply the next twice made every NfDeployment checked
	// against it cost the API server minutes of CPU (doubling per level). The schema is now
	// refused at its own write, and values whose check would multiply with their depth are
	// refused before the check runs.
	t.Run("TestRegressionSchemaEvaluationMultiplies", func(t *testing.T) {
		var defs []string
		for i := 0; i < 40; i++ {
			defs = append(defs, fmt.Sprintf(`"l%d":{"anyOf":[{"$ref":"#/$defs/l%d"},{"$ref":"#/$defs/l%d","minimum":1}]}`, i, i+1, i+1))
		}
		defs = append(defs, `"l40":{"type":"string"}`)
		chain := `{"$defs":{` + strings.Join(defs, ",") + `},"properties":{"replicas":{"$ref":"#/$defs/l0"}}}`
		descriptor := func(name, schema string) string {
			return strings.NewReplacer("%NAME%", name, "%NS%", "tenant-a").Replace(descriptorHead + "  parametersSchema: " + schema + "\n")
		}
		stderr := refused(t, alice, descriptor("multiplying", chain))
		for _, want := range []string{"spec.parametersSchema: Invalid value", "more than 200000 steps"} {
			if !strings.Contains(stderr, want) {
				t.Errorf("a schema multiplying in place: want %q in\n%s", want, stderr)
			}
		}
		apply(t, alice, descriptor("per-level", `{"anyOf":[{"properties":{"x":{"$ref":"#"}}},{"properties":{"x":{"$ref":"#"}},"required":["x"]}]}`))
		deep := `"leaf"`
		for i := 0; i < 40; i++ {
			deep = `{"x":` + deep + `}`
		}
		stderr = refused(t, alice, nfDeploymentManifest("tenant-a", "deep", "per-level", "", dmsDMID, deep))
		for _, want := range []string{"spec.values: Invalid value", "more than 200000 steps"} {
			if !strings.Contains(stderr, want) {
				t.Errorf("values whose check multiplies with their depth: want %q in\n%s", want, stderr)
			}
		}
		apply(t, alice, nfDeploymentManifest("tenant-a", "shallow", "per-level", "", dmsDMID, `{"x":{"x":"leaf"}}`))
		s.kubectl(t, admin, "delete", "nfdeployment", "shallow", "-n", "tenant-a", "--wait=false")
		s.kubectl(t, admin, "delete", "nfdeploymentdescriptor", "per-level", "-n", "tenant-a")
	})

	t.Run("another tenant's descriptor is indistinguishable from none", func(t *testing.T) {
		foreign := refused(t, alice, nfDeploymentManifest("tenant-a", "steal", "private", "tenant-b", dmsDMID, ""))
		absent := refused(t, alice, nfDeploymentManifest("tenant-a", "steal", "private", "tenant-c", dmsDMID, ""))
		if !strings.Contains(foreign, "spec.descriptorRef: Invalid value") {
			t.Fatalf("foreign descriptor:\n%s", foreign)
		}
		if invalidValue.ReplaceAllString(foreign, "") != invalidValue.ReplaceAllString(absent, "") {
			t.Errorf("another tenant's descriptor answered unlike none:\n%s\n%s", foreign, absent)
		}
		// bob's own deployments may use it; alice cannot read it either.
		apply(t, bob, nfDeploymentManifest("tenant-b", "upf", "private", "", dmsDMID, ""))
		if stderr := s.kubectlErr(t, alice, "get", "nfdeploymentdescriptor", "private", "-n", "tenant-b"); !strings.Contains(stderr, "forbidden") {
			t.Errorf("alice reading bob's descriptor: %s", stderr)
		}
	})

	// TestRegressionDryRunRevealsClustersAndSharedDescriptors (pkg/registry/o2dms/nfdeployment)
	// on the real server: a tenant offered nothing in the shared namespace cannot tell its
	// deployment managers and descriptors from ones nobody holds, dry-run or not.
	t.Run("TestRegressionDryRunRevealsClustersAndSharedDescriptors", func(t *testing.T) {
		held := refused(t, localstack.Carol, nfDeploymentManifest("tenant-c", "probe", "common", dmsSharedNS, dmsDMID, ""), "--dry-run=server")
		absent := refused(t, localstack.Carol, nfDeploymentManifest("tenant-c", "probe", "nothing", dmsSharedNS, "d0000000-0000-4000-8000-0000000000fe", ""), "--dry-run=server")
		if !strings.Contains(held, "spec.deploymentManagerId: Invalid value") || !strings.Contains(held, "spec.descriptorRef: Invalid value") {
			t.Fatalf("carol's dry-run on the operator's manager and descriptor:\n%s", held)
		}
		// The descriptor's name is in its message (the one asked for): compare with it named alike.
		absent = strings.ReplaceAll(absent, `"nothing"`, `"common"`)
		if invalidValue.ReplaceAllString(held, "") != invalidValue.ReplaceAllString(absent, "") {
			t.Errorf("the operator's manager and descriptor answered unlike none:\n%s\n%s", held, absent)
		}
	})

	// TestRegressionAnotherTenantsClusterIsNoDeployTarget (pkg/registry/o2dms/nfdeployment)
	// on the real server: a cluster tenant-b provisioned is no deploy target for tenant-a, and
	// tenant-a cannot tell it from an id nobody holds.
	t.Run("a cluster another tenant provisioned is indistinguishable from none", func(t *testing.T) {
		foreign := refused(t, alice, nfDeploymentManifest("tenant-a", "intrude", "common", dmsSharedNS, dmsProvisionedDM, ""))
		absent := refused(t, alice, nfDeploymentManifest("tenant-a", "intrude", "common", dmsSharedNS, "d0000000-0000-4000-8000-0000000000fe", ""))
		if !strings.Contains(foreign, "spec.deploymentManagerId: Invalid value") {
			t.Fatalf("another tenant's cluster:\n%s", foreign)
		}
		if invalidValue.ReplaceAllString(foreign, "") != invalidValue.ReplaceAllString(absent, "") {
			t.Errorf("another tenant's cluster answered unlike none:\n%s\n%s", foreign, absent)
		}
		// The tenant that provisioned it deploys there.
		if _, stderr, err := s.kubectlStdin(t, bob, nfDeploymentManifest("tenant-b", "edge-upf", "common", dmsSharedNS, dmsProvisionedDM, ""), "create", "--dry-run=server", "-f", "-"); err != nil {
			t.Errorf("tenant-b's NfDeployment on its own cluster: %v\n%s", err, stderr)
		}
	})

	t.Run("status is written only through the status subresource", func(t *testing.T) {
		get := func() string {
			return s.kubectl(t, admin, "get", "nfdeployment", "upf-own", "-n", "tenant-a", "-o",
				"jsonpath={.metadata.generation} {.status.phase} {.status.releaseRevision}")
		}
		s.kubectl(t, alice, "patch", "nfdeployment", "upf-own", "-n", "tenant-a", "--type=merge", "-p", `{"status":{"phase":"DEPLOYED","releaseRevision":7}}`)
		if got := get(); got != "1  " {
			t.Errorf("status set through the main endpoint: %q", got)
		}
		if stderr := s.kubectlErr(t, alice, "patch", "nfdeployment", "upf-own", "-n", "tenant-a", "--subresource=status", "--type=merge",
			"-p", `{"status":{"phase":"DEPLOYED"}}`); !strings.Contains(stderr, "forbidden") {
			t.Errorf("a tenant writing status: %s", stderr)
		}
		// What the controller will do.
		s.kubectl(t, admin, "patch", "nfdeployment", "upf-own", "-n", "tenant-a", "--subresource=status", "--type=merge",
			"-p", `{"status":{"phase":"DEPLOYED","releaseRevision":1,"observedGeneration":1,"history":[{"revision":1,"chartVersion":"1.2.3","outcome":"deployed"}]}}`)
		if got := get(); got != "1 DEPLOYED 1" {
			t.Errorf("after the status write: %q", got)
		}
		out := s.kubectl(t, alice, "get", "nfdeployment", "upf-own", "-n", "tenant-a", "--no-headers")
		if f := strings.Fields(out); len(f) < 5 || f[3] != "DEPLOYED" || f[4] != "1" {
			t.Errorf("kubectl get after the status write: %s", out)
		}
		if stderr := s.kubectlErr(t, admin, "patch", "nfdeployment", "upf-own", "-n", "tenant-a", "--subresource=status", "--type=merge",
			"-p", `{"status":{"phase":"RUNNING"}}`); !strings.Contains(stderr, "status.phase: Unsupported value") {
			t.Errorf("an unknown phase: %s", stderr)
		}
		// A spec change bumps the generation and keeps the controller's status.
		s.kubectl(t, alice, "patch", "nfdeployment", "upf-own", "-n", "tenant-a", "--type=merge", "-p", `{"spec":{"values":{"replicas":2}}}`)
		if got := get(); got != "2 DEPLOYED 1" {
			t.Errorf("after a spec change: %q", got)
		}
		// The status subresource cannot change the spec.
		s.kubectl(t, admin, "patch", "nfdeployment", "upf-own", "-n", "tenant-a", "--subresource=status", "--type=merge",
			"-p", `{"spec":{"values":{"replicas":5}},"status":{"observedGeneration":2}}`)
		var obj struct {
			Metadata struct{ Generation int64 }
			Spec     struct{ Values map[string]any }
		}
		if err := json.Unmarshal([]byte(s.kubectl(t, admin, "get", "nfdeployment", "upf-own", "-n", "tenant-a", "-o", "json")), &obj); err != nil {
			t.Fatal(err)
		}
		if obj.Metadata.Generation != 2 || obj.Spec.Values["replicas"] != float64(2) {
			t.Errorf("the status subresource changed the spec: %+v", obj)
		}
	})

	t.Run("deploymentManagerId and targetNamespace are immutable", func(t *testing.T) {
		stderr := s.kubectlErr(t, alice, "patch", "nfdeployment", "upf-own", "-n", "tenant-a", "--type=merge", "-p", `{"spec":{"targetNamespace":"tenant-a-2"}}`)
		if !strings.Contains(stderr, "spec.targetNamespace") || !strings.Contains(stderr, "immutable") {
			t.Errorf("moving the release: %s", stderr)
		}
	})
}
