package helmrelease

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"log/slog"
	"strings"
	"testing"
	"time"

	chart "helm.sh/helm/v4/pkg/chart/v2"
	rcommon "helm.sh/helm/v4/pkg/release/common"
	release "helm.sh/helm/v4/pkg/release/v1"
	"helm.sh/helm/v4/pkg/storage"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"
	corev1client "k8s.io/client-go/kubernetes/typed/core/v1"
)

// TestRegressionPlantedReleaseRecordExhaustsMemory: Helm decompresses a release record whole,
// and whoever holds edit in a target namespace (the tenant, or anyone in a cluster it
// provisioned) can write a Secret labelled as one: a gzip bomb of under 1 MiB, decompressed to
// a GiB or more by the next install, upgrade or status read of that release name, would take
// netweave's memory and with it every tenant's O2 service. Records are now measured (without
// decompressing more than the bound) before Helm decodes them, and a read past the bound is
// refused with an error naming the record.
func TestRegressionPlantedReleaseRecordExhaustsMemory(t *testing.T) {
	ctx := context.Background()
	const ns = "tenant-a-nfs"
	secrets, store := recordStore(t, ns, "")

	// A planted record of the same release that decompresses past the bound.
	bomb := func(n int) []byte { return gzipped(t, make([]byte, n)) }
	planted := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: "sh.helm.release.v1.web.v2", Namespace: ns,
			Labels: map[string]string{"owner": "helm", "name": "web", "version": "2", "status": "deployed"}},
		Type: "helm.sh/release.v1", Data: map[string][]byte{"release": bomb(MaxReleaseRecord + 1)},
	}
	if len(planted.Data["release"]) > 1<<20 {
		t.Fatalf("the planted record is %d bytes, more than a Secret holds", len(planted.Data["release"]))
	}
	if _, err := secrets.Create(ctx, planted, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := store.History("web"); err == nil || !strings.Contains(err.Error(), "sh.helm.release.v1.web.v2") {
		t.Errorf("history with a planted record: %v, want it refused naming the record", err)
	}
	if _, err := store.Get("web", 2); err == nil || !strings.Contains(err.Error(), "decompressed") {
		t.Errorf("get of the planted record: %v, want it refused", err)
	}

	// Records each under the bound but past the bound of one read together.
	small := boundedRecords{SecretInterface: secrets, perRecord: 8 << 20, perRead: 12 << 20}
	planted.Name, planted.Labels["version"], planted.Data["release"] = "sh.helm.release.v1.web.v2", "2", bomb(7<<20)
	if _, err := secrets.Update(ctx, planted, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	planted.Name, planted.Labels["version"] = "sh.helm.release.v1.web.v3", "3"
	if _, err := secrets.Create(ctx, planted, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := small.List(ctx, metav1.ListOptions{LabelSelector: "owner=helm,name=web"}); err == nil || !strings.Contains(err.Error(), "together") {
		t.Errorf("a list of two 7 MiB records bounded to 12 MiB together: %v", err)
	}
}

// recordStore is netweave's release storage (releaseStorage) over a fake clientset's Secrets
// in ns, holding release web at revision 1 with manifest as netweave installs it, read back.
func recordStore(t *testing.T, ns, manifest string) (corev1client.SecretInterface, *storage.Storage) {
	t.Helper()
	secrets := fake.NewClientset().CoreV1().Secrets(ns)
	store := releaseStorage(secrets, slog.DiscardHandler, newRecordManifests(newRenderers(DefaultRenderLimits(), nil)))
	if err := store.Create(&release.Release{Name: "web", Namespace: ns, Version: 1, Manifest: manifest,
		Config: map[string]any{"replicas": 3, "image": map[string]any{"tag": "1.0"}},
		Chart:  &chart.Chart{Metadata: &chart.Metadata{Name: "web", Version: "0.1.0", APIVersion: chart.APIVersionV2}},
		Info:   &release.Info{Status: rcommon.StatusDeployed, LastDeployed: time.Now()}}); err != nil {
		t.Fatal(err)
	}
	if h, err := store.History("web"); err != nil || len(h) != 1 {
		t.Fatalf("history of web: %d records, %v", len(h), err)
	}
	return secrets, store
}

// gzipped is data as a release record's Secret holds it: gzip, then base64.
func gzipped(t *testing.T, data []byte) []byte {
	t.Helper()
	var gz bytes.Buffer
	w := gzip.NewWriter(&gz)
	if _, err := w.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return []byte(base64.StdEncoding.EncodeToString(gz.Bytes()))
}
