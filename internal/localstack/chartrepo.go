package localstack

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"helm.sh/helm/v4/pkg/chart/v2/loader"
	chartutil "helm.sh/helm/v4/pkg/chart/v2/util"
	repo "helm.sh/helm/v4/pkg/repo/v1"
)

// DemoChartName is the chart under hack/charts that the local chart repository serves, in
// every version of DemoChartVersions (the same templates; the versions let the O2-DMS steps
// upgrade and roll back).
const DemoChartName = "demo-nf"

// DemoChartVersions are the versions the local chart repository serves DemoChartName in.
var DemoChartVersions = []string{"0.1.0", "0.2.0"}

// RunawayChartName is the chart under hack/charts, served in version 0.1.0, whose templates
// render without end: an install of it fails on the bounds of a rendering (pkg/helmrelease).
const RunawayChartName = "runaway-nf"

// ChartRepo is an HTTP Helm chart repository on loopback: index.yaml and the packaged charts.
type ChartRepo struct {
	// URL is the repository's base URL (http://127.0.0.1:<port>).
	URL string
	// Digests are the sha256 digests ("sha256:<hex>") of the served archives of
	// DemoChartName by version.
	Digests map[string]string
	srv     *http.Server
	done    chan error
}

// StartChartRepo packages DemoChartName in each of DemoChartVersions, and RunawayChartName,
// into dir, writes the index and serves dir over HTTP on a free loopback port until Stop.
func StartChartRepo(dir string) (*ChartRepo, error) {
	root, err := RepoRoot()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("chart repository: %w", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("chart repository: %w", err)
	}
	r := &ChartRepo{URL: "http://" + ln.Addr().String(), Digests: map[string]string{}, done: make(chan error, 1)}
	index := repo.NewIndexFile()
	served := []struct {
		name     string
		versions []string
	}{{DemoChartName, DemoChartVersions}, {RunawayChartName, []string{"0.1.0"}}}
	for _, c := range served {
		for _, version := range c.versions {
			digest, err := packageChart(filepath.Join(root, "hack", "charts", c.name), version, dir, r.URL, index)
			if err != nil {
				ln.Close()
				return nil, err
			}
			if c.name == DemoChartName {
				r.Digests[version] = digest
			}
		}
	}
	index.SortEntries()
	if err := index.WriteFile(filepath.Join(dir, "index.yaml"), 0o644); err != nil {
		ln.Close()
		return nil, fmt.Errorf("write chart repository index: %w", err)
	}
	r.srv = &http.Server{Handler: http.FileServer(http.Dir(dir)), ReadHeaderTimeout: 10 * time.Second}
	go func() { r.done <- r.srv.Serve(ln) }()
	return r, nil
}

// packageChart packages the chart in src as version into dir and adds it to index, served
// under url; it returns the archive's digest ("sha256:<hex>").
func packageChart(src, version, dir, url string, index *repo.IndexFile) (string, error) {
	ch, err := loader.Load(src)
	if err != nil {
		return "", fmt.Errorf("load chart %s: %w", filepath.Base(src), err)
	}
	ch.Metadata.Version = version
	path, err := chartutil.Save(ch, dir)
	if err != nil {
		return "", fmt.Errorf("package chart %s %s: %w", ch.Name(), version, err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("package chart %s %s: %w", ch.Name(), version, err)
	}
	sum := sha256.Sum256(data)
	digest := hex.EncodeToString(sum[:])
	if err := index.MustAdd(ch.Metadata, filepath.Base(path), url, digest); err != nil {
		return "", fmt.Errorf("index chart %s %s: %w", ch.Name(), version, err)
	}
	return "sha256:" + digest, nil
}

// Restart serves the same repository again on the same address after Stop (tests of a
// repository that was unreachable for a while).
func (r *ChartRepo) Restart() error {
	ln, err := net.Listen("tcp", strings.TrimPrefix(r.URL, "http://"))
	if err != nil {
		return fmt.Errorf("chart repository: %w", err)
	}
	r.srv = &http.Server{Handler: r.srv.Handler, ReadHeaderTimeout: 10 * time.Second}
	r.done = make(chan error, 1)
	go func() { r.done <- r.srv.Serve(ln) }()
	return nil
}

// Stop stops serving.
func (r *ChartRepo) Stop() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := r.srv.Shutdown(ctx)
	if serveErr := <-r.done; !errors.Is(serveErr, http.ErrServerClosed) {
		err = errors.Join(err, serveErr)
	}
	return err
}
