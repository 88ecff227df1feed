package helmrelease

import (
	"context"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TestRegressionPlantedReleaseRecordCostsFarMoreThanItsBytes: a release record is bounded at
// 32 MiB decompressed (MaxReleaseRecord), but what netweave's process then does with one costs
// far more than its bytes, and whoever holds edit in the target namespace can write one (a
// gzip'd record of a few KiB under 1 MiB). Helm decodes the record's JSON whole (its values as
// map[string]any: 8 MiB of {"a":[{},{},...]} took 390 MiB), and the manifest and the hooks'
// manifests are parsed as YAML in netweave's process, by the workloads' status of every
// deployed release and by Helm's upgrade, rollback and uninstall (4 MiB of `data: [a,a,...]`
// took 790 MiB, 32 MiB some 6 GiB): one tenant's record ended the process every tenant is
// served by. Records are now refused past a number of JSON values, and their manifests are
// parsed first in a bounded child process, as the chart's rendering is.
func TestRegressionPlantedReleaseRecordCostsFarMoreThanItsBytes(t *testing.T) {
	ctx := context.Background()
	const ns = "tenant-a-nfs"
	// A release as netweave installs it, with a manifest, is read back.
	secrets, store := recordStore(t, ns, "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\ndata:\n  a: b\n")
	gzipped := func(record string) []byte { return gzipped(t, []byte(record)) }
	const head = `{"name":"web","namespace":"tenant-a-nfs","version":2,"info":{"status":"deployed"},` +
		`"chart":{"metadata":{"name":"web","version":"0.1.0","apiVersion":"v2"}}`
	// A manifest of a ConfigMap whose data is 4 MiB of `a,` (newlines escaped for JSON).
	manyNodes := func(name string) string {
		return "apiVersion: v1\\nkind: ConfigMap\\nmetadata:\\n  name: " + name + "\\ndata: [" + strings.Repeat("a,", 4<<20/2) + "a]\\n"
	}
	for name, tc := range map[string]struct{ record, want string }{
		"values of many JSON values":       {head + `,"config":{"a":[` + strings.Repeat(`{},`, 8<<20/3) + `{}]}}`, "JSON values"},
		"manifest of many YAML nodes":      {head + `,"manifest":"` + manyNodes("web") + `"}`, ErrRecordBound.Error()},
		"hook manifest of many YAML nodes": {head + `,"hooks":[{"name":"h","kind":"Job","manifest":"` + manyNodes("h") + `"}]}`, ErrRecordBound.Error()},
		// Within the child's memory bound, but netweave's process would parse it at every
		// resync of the release's status: each document is held to RenderLimits.Document.
		"manifest of a document costly to parse": {head + `,"manifest":"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\ndata: [` +
			strings.Repeat("a,", 320000) + `a]\n"}`, "takes more than 80 MiB to parse"},
	} {
		record := tc.record
		t.Run(name, func(t *testing.T) {
			planted := &corev1.Secret{
				ObjectMeta: metav1.ObjectMeta{Name: "sh.helm.release.v1.web.v2", Namespace: ns,
					Labels: map[string]string{"owner": "helm", "name": "web", "version": "2", "status": "deployed"}},
				Type: "helm.sh/release.v1", Data: map[string][]byte{"release": gzipped(record)},
			}
			if len(planted.Data["release"]) > 1<<20 || len(record) > MaxReleaseRecord {
				t.Fatalf("the planted record is %d bytes (%d decompressed), past what a Secret or the record bound holds", len(planted.Data["release"]), len(record))
			}
			if _, err := secrets.Create(ctx, planted, metav1.CreateOptions{}); err != nil {
				t.Fatal(err)
			}
			defer func() { _ = secrets.Delete(ctx, planted.Name, metav1.DeleteOptions{}) }()
			if _, err := store.History("web"); err == nil || !strings.Contains(err.Error(), "sh.helm.release.v1.web.v2") || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("history with the planted record: %v, want it refused naming the record and %q", err, tc.want)
			}
			if _, err := store.Last("web"); err == nil {
				t.Error("the last revision, the planted record, was read")
			}
		})
	}
	// Once the planted record is gone, the release reads again.
	if h, err := store.History("web"); err != nil || len(h) != 1 {
		t.Fatalf("history of web after: %d records, %v", len(h), err)
	}
}
