package helmrelease

import (
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"log/slog"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"helm.sh/helm/v4/pkg/action"
	"helm.sh/helm/v4/pkg/chart/common"
	chart "helm.sh/helm/v4/pkg/chart/v2"
	kubefake "helm.sh/helm/v4/pkg/kube/fake"
	rcommon "helm.sh/helm/v4/pkg/release/common"
	release "helm.sh/helm/v4/pkg/release/v1"
	"helm.sh/helm/v4/pkg/storage"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"
)

// TestRegressionPlantedReleaseRecordWithoutInfoCrashesController: a Secret labelled as a Helm
// release record can be written by whoever may create Secrets in the target namespace, the
// tenant's own chart included (netweave's Helm applies it). Helm's upgrade, rollback and
// uninstall dereference a record's info (and a rollback its chart) unchecked, so a planted
// newest revision {"name":"web","version":2} made the tenant's next upgrade, rollback or
// delete panic in the O2-DMS controller's worker, which recovers nothing: the whole process
// died, and again at every restart. Records Helm could not act on are now refused, naming the
// record, before Helm reads them.
func TestRegressionPlantedReleaseRecordWithoutInfoCrashesController(t *testing.T) {
	const ns = "tenant-a-nfs"
	for name, tc := range map[string]struct {
		record  string
		refused bool // refused, naming the record; otherwise Helm copes with it (no panic)
	}{
		"no info":        {`{"name":"web","namespace":"tenant-a-nfs","version":2}`, true},
		"null info":      {`{"name":"web","namespace":"tenant-a-nfs","version":2,"info":null}`, true},
		"duplicate info": {`{"name":"web","namespace":"tenant-a-nfs","version":2,"info":{"status":"deployed"},"info":null}`, true},
		"null hook":      {`{"name":"web","namespace":"tenant-a-nfs","version":2,"info":{"status":"deployed"},"chart":{"metadata":{"name":"web","version":"0.1.0","apiVersion":"v2"}},"hooks":[null]}`, true},
		"no chart":       {`{"name":"web","namespace":"tenant-a-nfs","version":2,"info":{"status":"deployed"}}`, false},
		"no metadata":    {`{"name":"web","namespace":"tenant-a-nfs","version":2,"info":{"status":"deployed"},"chart":{"templates":[]}}`, false},
		"trailing data":  {`{"name":"web","namespace":"tenant-a-nfs","version":2} x`, false},
	} {
		for _, action := range []string{"upgrade", "rollback", "uninstall"} {
			t.Run(name+"/"+action, func(t *testing.T) {
				ctx := context.Background()
				kc := fake.NewClientset()
				secrets := kc.CoreV1().Secrets(ns)
				cfg := secretsTarget(t, releaseStorage(secrets, slog.DiscardHandler, newRecordManifests(newRenderers(DefaultRenderLimits(), nil))))
				owner := map[string]string{OwnerLabel: "tenant-a"}
				if err := cfg.Releases.Create(&release.Release{Name: "web", Namespace: ns, Version: 1, Labels: owner,
					Chart: &chart.Chart{Metadata: &chart.Metadata{Name: "web", Version: "0.1.0", APIVersion: chart.APIVersionV2}},
					Info:  &release.Info{Status: rcommon.StatusDeployed, LastDeployed: time.Now().Add(-time.Hour)}}); err != nil {
					t.Fatal(err)
				}
				if _, err := secrets.Create(ctx, &corev1.Secret{
					ObjectMeta: metav1.ObjectMeta{Name: "sh.helm.release.v1.web.v2", Namespace: ns,
						Labels: map[string]string{"owner": "helm", "name": "web", "version": "2", "status": "deployed"}},
					Type: "helm.sh/release.v1",
					Data: map[string][]byte{"release": []byte(base64.StdEncoding.EncodeToString([]byte(tc.record)))},
				}, metav1.CreateOptions{}); err != nil {
					t.Fatal(err)
				}
				e := NewEngine(Config{Timeout: time.Minute})
				tenant := Target{Namespace: ns, Owner: "tenant-a"}
				var err error
				func() {
					defer func() {
						if p := recover(); p != nil {
							err = fmt.Errorf("panic: %v", p)
							t.Errorf("%s over a planted record with %s panicked: %v\n%s", action, name, p, debug.Stack())
						}
					}()
					switch action {
					case "upgrade":
						ch := &chart.Chart{Metadata: &chart.Metadata{Name: "web", Version: "0.2.0", APIVersion: chart.APIVersionV2}}
						_, err = e.applyWith(ctx, cfg, tenant, "web", ch, nil, "")
					case "rollback":
						_, err = e.rollbackWith(ctx, cfg, tenant, "web", 1)
					case "uninstall":
						err = e.uninstallWith(cfg, tenant, "web", TakeUnowned)
					}
				}()
				if tc.refused && (err == nil || !strings.Contains(err.Error(), "sh.helm.release.v1.web.v2")) {
					t.Errorf("%s over a planted record with %s: %v, want it refused naming the record", action, name, err)
				}
			})
		}
	}
}

// secretsTarget is a Helm configuration whose releases are store's and whose cluster accepts
// everything.
func secretsTarget(t *testing.T, store *storage.Storage) *action.Configuration {
	t.Helper()
	return &action.Configuration{Releases: store, KubeClient: &kubefake.PrintingKubeClient{Out: io.Discard}, Capabilities: common.DefaultCapabilities}
}
