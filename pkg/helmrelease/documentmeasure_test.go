package helmrelease

import (
	"context"
	"errors"
	"strings"
	"testing"

	"helm.sh/helm/v4/pkg/action"
	"helm.sh/helm/v4/pkg/chart/common"
	chart "helm.sh/helm/v4/pkg/chart/v2"
)

// TestRegressionOwnReleaseRecordRefusedAfterInstall: a rendered document was held to
// RenderLimits.Document by what parsing its head costs (Helm's SortManifests), but Helm's kube
// client decodes each document whole in netweave's process, and the check of a release
// record's manifests measures that whole decode, some 40% more for the same document. A
// chart whose document cost ~53 MiB by the first measure and ~73 MiB by the second rendered
// and installed, and from then on its own release record was refused (ErrRecordBound) at
// every read: its status, upgrades, rollback and uninstall failed, and the NfDeployment could
// not be deleted. A document is now held to the bound by both measures, at its rendering as
// at its record's check: what renders, its record reads.
func TestRegressionOwnReleaseRecordRefusedAfterInstall(t *testing.T) {
	doc := "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\nfoo: [" + strings.Repeat("a,", 200000) + "a]\n"
	e := NewEngine(Config{})
	cfg := &action.Configuration{Capabilities: common.DefaultCapabilities}
	install := common.ReleaseOptions{Name: "web", Namespace: "tenant-a", Revision: 1, IsInstall: true}
	// (A crds/ file's document is not in the record, but Helm's install builds it as whole
	// objects too: both measures hold there as well.)
	for name, ch := range map[string]*chart.Chart{
		"a template's": templateChart("app", map[string]string{"templates/cm.yaml": doc}, nil),
	} {
		_, rerr := e.renderedChart(context.Background(), cfg, ch, map[string]any{}, install)
		if rerr != nil {
			if !errors.Is(rerr, ErrRenderBound) || !strings.Contains(rerr.Error(), "to parse") {
				t.Errorf("%s document: rendering: %.300v, want ErrRenderBound saying \"to parse\", or no error", name, rerr)
			}
			continue
		}
		// It rendered: Helm installs it, and its record holds it.
		if err := e.records.check(context.Background(), []string{"---\n# Source: app/templates/cm.yaml\n" + doc}); err != nil {
			t.Errorf("%s document rendered and installed, but its own release record is refused: %.300v", name, err)
		}
	}
}
