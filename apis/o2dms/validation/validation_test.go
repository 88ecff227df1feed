package validation

import (
	"reflect"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/netweave-io/netweave/apis/o2dms"
)

func raw(s string) *o2dms.JSON { return &o2dms.JSON{Raw: []byte(s)} }

func fieldsOf(errs field.ErrorList) []string {
	out := []string{}
	for _, e := range errs {
		out = append(out, e.Field)
	}
	return out
}

const goodSchema = `{"type":"object","properties":{"replicas":{"type":"integer","minimum":1},
  "image":{"type":"object","properties":{"tag":{"type":"string"}},"required":["tag"]},
  "ports":{"type":"array","items":{"type":"integer"}}},"required":["replicas"]}`

func descriptor(mut func(*o2dms.NfDeploymentDescriptorSpec)) *o2dms.NfDeploymentDescriptor {
	d := &o2dms.NfDeploymentDescriptor{
		ObjectMeta: metav1.ObjectMeta{Name: "upf", Namespace: "tenant-a"},
		Spec: o2dms.NfDeploymentDescriptorSpec{
			Chart:            o2dms.ChartSource{Repository: &o2dms.RepositoryChartSource{URL: "https://charts.example.com/stable", Name: "upf"}},
			Version:          "1.2.3",
			ParametersSchema: raw(goodSchema),
			DefaultValues:    raw(`{"replicas":1,"image":{"tag":"v1"}}`),
		},
	}
	if mut != nil {
		mut(&d.Spec)
	}
	return d
}

func TestValidateNfDeploymentDescriptor(t *testing.T) {
	for _, tc := range []struct {
		name string
		mut  func(*o2dms.NfDeploymentDescriptorSpec)
		want []string
	}{
		{"valid repository", nil, []string{}},
		{"valid oci with digest", func(s *o2dms.NfDeploymentDescriptorSpec) {
			s.Chart = o2dms.ChartSource{OCI: &o2dms.OCIChartSource{Reference: "oci://registry.example.com/charts/upf"}}
			s.Digest = "sha256:" + strings.Repeat("ab", 32)
			s.Version = "v2.0"
		}, []string{}},
		{"no chart", func(s *o2dms.NfDeploymentDescriptorSpec) { s.Chart = o2dms.ChartSource{} }, []string{"spec.chart"}},
		// TestRegressionChartVersionIsBounded: any semantic version was accepted, 512 KiB of
		// pre-release included, though it is copied into every informer and release history.
		{"TestRegressionChartVersionIsBounded", func(s *o2dms.NfDeploymentDescriptorSpec) { s.Version = "1.0.0-" + strings.Repeat("a", 512<<10) }, []string{"spec.version"}},
		{"a long but bounded version", func(s *o2dms.NfDeploymentDescriptorSpec) { s.Version = "1.0.0-" + strings.Repeat("a", 100) }, []string{}},
		{"both sources", func(s *o2dms.NfDeploymentDescriptorSpec) {
			s.Chart.OCI = &o2dms.OCIChartSource{Reference: "oci://r.example.com/c"}
		}, []string{"spec.chart.repository"}},
		{"oci reference with https scheme", func(s *o2dms.NfDeploymentDescriptorSpec) {
			s.Chart = o2dms.ChartSource{OCI: &o2dms.OCIChartSource{Reference: "https://registry.example.com/charts/upf"}}
		}, []string{"spec.chart.oci.reference"}},
		{"oci reference without path", func(s *o2dms.NfDeploymentDescriptorSpec) {
			s.Chart = o2dms.ChartSource{OCI: &o2dms.OCIChartSource{Reference: "oci://registry.example.com"}}
		}, []string{"spec.chart.oci.reference"}},
		{"repository ftp", func(s *o2dms.NfDeploymentDescriptorSpec) { s.Chart.Repository.URL = "ftp://charts.example.com" }, []string{"spec.chart.repository.url"}},
		{"repository with credentials", func(s *o2dms.NfDeploymentDescriptorSpec) {
			s.Chart.Repository.URL = "https://user:pw@charts.example.com"
		}, []string{"spec.chart.repository.url"}},
		{"repository file", func(s *o2dms.NfDeploymentDescriptorSpec) { s.Chart.Repository.URL = "file:///etc" }, []string{"spec.chart.repository.url"}},
		{"chart name missing", func(s *o2dms.NfDeploymentDescriptorSpec) { s.Chart.Repository.Name = "" }, []string{"spec.chart.repository.name"}},
		{"chart name with slash", func(s *o2dms.NfDeploymentDescriptorSpec) { s.Chart.Repository.Name = "a/b" }, []string{"spec.chart.repository.name"}},
		{"no version", func(s *o2dms.NfDeploymentDescriptorSpec) { s.Version = "" }, []string{"spec.version"}},
		{"bad version", func(s *o2dms.NfDeploymentDescriptorSpec) { s.Version = "latest" }, []string{"spec.version"}},
		{"bad digest", func(s *o2dms.NfDeploymentDescriptorSpec) { s.Digest = "md5:abc" }, []string{"spec.digest"}},
		{"schema not an object", func(s *o2dms.NfDeploymentDescriptorSpec) { s.ParametersSchema = raw(`[1]`) }, []string{"spec.parametersSchema"}},
		{"schema invalid against metaschema", func(s *o2dms.NfDeploymentDescriptorSpec) {
			s.ParametersSchema = raw(`{"type":"object","properties":{"replicas":{"type":"integr"}}}`)
		}, []string{"spec.parametersSchema.properties.replicas.type"}},
		{"schema with minimum a string", func(s *o2dms.NfDeploymentDescriptorSpec) {
			s.ParametersSchema = raw(`{"properties":{"a":{"minimum":"1"}}}`)
		}, []string{"spec.parametersSchema.properties.a.minimum"}},
		{"schema referring to a file", func(s *o2dms.NfDeploymentDescriptorSpec) {
			s.ParametersSchema = raw(`{"$ref":"file:///etc/passwd"}`)
		}, []string{"spec.parametersSchema"}},
		{"defaults not an object", func(s *o2dms.NfDeploymentDescriptorSpec) { s.DefaultValues = raw(`"x"`) }, []string{"spec.defaultValues"}},
		{"bad pull secret name", func(s *o2dms.NfDeploymentDescriptorSpec) {
			s.PullSecretRef = &o2dms.LocalObjectReference{Name: "Not_A_Name"}
		}, []string{"spec.pullSecretRef.name"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			errs := ValidateNfDeploymentDescriptor(descriptor(tc.mut))
			if got := fieldsOf(errs); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("fields %v, want %v (%v)", got, tc.want, errs)
			}
		})
	}
}

func TestValidateNfDeployment(t *testing.T) {
	rev := func(n int64) *int64 { return &n }
	for _, tc := range []struct {
		name string
		mut  func(*o2dms.NfDeploymentSpec)
		want []string
	}{
		{"valid", nil, []string{}},
		{"no descriptor name", func(s *o2dms.NfDeploymentSpec) { s.DescriptorRef.Name = "" }, []string{"spec.descriptorRef.name"}},
		{"bad descriptor namespace", func(s *o2dms.NfDeploymentSpec) { s.DescriptorRef.Namespace = "A B" }, []string{"spec.descriptorRef.namespace"}},
		{"no deployment manager", func(s *o2dms.NfDeploymentSpec) { s.DeploymentManagerID = "" }, []string{"spec.deploymentManagerId"}},
		{"a deployment manager id not a UUID", func(s *o2dms.NfDeploymentSpec) { s.DeploymentManagerID = strings.Repeat("x", 4096) }, []string{"spec.deploymentManagerId"}},
		{"a deployment manager id in upper case", func(s *o2dms.NfDeploymentSpec) { s.DeploymentManagerID = "39C85E74-2E98-4E3D-8FEC-E5A849D967C6" }, []string{}},
		{"bad target namespace", func(s *o2dms.NfDeploymentSpec) { s.TargetNamespace = "Tenant_A" }, []string{"spec.targetNamespace"}},
		{"values an array", func(s *o2dms.NfDeploymentSpec) { s.Values = raw(`[1,2]`) }, []string{"spec.values"}},
		{"revision zero", func(s *o2dms.NfDeploymentSpec) { s.DesiredRevision = rev(0) }, []string{"spec.desiredRevision"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := &o2dms.NfDeployment{ObjectMeta: metav1.ObjectMeta{Name: "upf-1", Namespace: "tenant-a"}, Spec: o2dms.NfDeploymentSpec{
				DescriptorRef: o2dms.DescriptorReference{Name: "upf"}, DeploymentManagerID: "39c85e74-2e98-4e3d-8fec-e5a849d967c6",
				TargetNamespace: "tenant-a", Values: raw(`{"replicas":2}`), DesiredRevision: rev(3)}}
			if tc.mut != nil {
				tc.mut(&d.Spec)
			}
			if got := fieldsOf(ValidateNfDeployment(d)); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("fields %v, want %v", got, tc.want)
			}
		})
	}
}

func TestValidateValues(t *testing.T) {
	values := field.NewPath("spec", "values")
	for _, tc := range []struct {
		name     string
		defaults string
		values   string
		want     []string
	}{
		{"defaults satisfy", `{"replicas":1,"image":{"tag":"v1"}}`, `{}`, []string{}},
		{"values override", `{"replicas":1,"image":{"tag":"v1"}}`, `{"replicas":3,"image":{"tag":"v2"},"ports":[80]}`, []string{}},
		{"wrong type", `{"replicas":1,"image":{"tag":"v1"}}`, `{"replicas":"three"}`, []string{"spec.values.replicas"}},
		{"below minimum", `{"image":{"tag":"v1"}}`, `{"replicas":0}`, []string{"spec.values.replicas"}},
		{"nested", `{"replicas":1}`, `{"image":{"tag":7}}`, []string{"spec.values.image.tag"}},
		{"array item", `{"replicas":1,"image":{"tag":"v1"}}`, `{"ports":[80,"http"]}`, []string{"spec.values.ports[1]"}},
		{"required missing", `{"image":{"tag":"v1"}}`, `{}`, []string{"spec.values"}},
		{"null deletes a default", `{"replicas":1,"image":{"tag":"v1"}}`, `{"replicas":null}`, []string{"spec.values"}},
		{"merged deeply", `{"replicas":1,"image":{"tag":"v1","pullPolicy":"Always"}}`, `{"image":{"pullPolicy":"Never"}}`, []string{}},
		{"two errors", `{}`, `{"replicas":"x","image":{"tag":1}}`, []string{"spec.values.image.tag", "spec.values.replicas"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := descriptor(func(s *o2dms.NfDeploymentDescriptorSpec) { s.DefaultValues = raw(tc.defaults) })
			errs := ValidateValues(&d.Spec, raw(tc.values), values)
			if got := fieldsOf(errs); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("fields %v, want %v (%v)", got, tc.want, errs)
			}
		})
	}
	t.Run("no schema accepts any object", func(t *testing.T) {
		d := descriptor(func(s *o2dms.NfDeploymentDescriptorSpec) { s.ParametersSchema = nil })
		if errs := ValidateValues(&d.Spec, raw(`{"anything":[1,{"x":null}]}`), values); len(errs) > 0 {
			t.Error(errs)
		}
	})
}

func TestValidateNfDeploymentStatus(t *testing.T) {
	s := &o2dms.NfDeploymentStatus{Phase: "RUNNING", ReleaseRevision: -1,
		History:   []o2dms.RevisionRecord{{Revision: 0}},
		Workloads: []o2dms.WorkloadStatus{{APIVersion: "apps/v1", Kind: "Deployment"}}}
	want := []string{"status.phase", "status.releaseRevision", "status.history[0].revision", "status.workloads[0].name"}
	if got := fieldsOf(ValidateNfDeploymentStatus(s)); !reflect.DeepEqual(got, want) {
		t.Errorf("fields %v, want %v", got, want)
	}
	ok := &o2dms.NfDeploymentStatus{Phase: o2dms.NfDeploymentDeployed, ReleaseRevision: 2, History: []o2dms.RevisionRecord{{Revision: 1}, {Revision: 2}}}
	if errs := ValidateNfDeploymentStatus(ok); len(errs) > 0 {
		t.Error(errs)
	}
}
