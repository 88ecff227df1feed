// Package version reports which netweave a binary is: its own version, the git commit it was
// built from and the Go toolchain, plus the Kubernetes libraries it serves the API with.
//
// The commit, tree state and build date are k8s.io/component-base/version's (so /version and
// the API server's own reports agree with `netweave version`); hack/build-static.sh sets them
// and netweave's version through -ldflags -X. component-base's gitVersion is set to the
// Kubernetes library version, never to netweave's: the generic API server derives its binary
// version, and with it feature-gate and emulation defaults, from that string.
package version

import (
	"fmt"
	"runtime"

	compbasemetrics "k8s.io/component-base/metrics"
	baseversion "k8s.io/component-base/version"
)

// gitVersion is netweave's version (`git describe`), written only by the linker
// (-X github.com/netweave-io/netweave/pkg/version.gitVersion=…); a build without it is a
// development build.
var gitVersion = "v0.0.0-dev"

// Info is what `netweave version` prints.
type Info struct {
	Version           string `json:"version"`
	GitCommit         string `json:"gitCommit"`
	GitTreeState      string `json:"gitTreeState,omitempty"`
	BuildDate         string `json:"buildDate"`
	GoVersion         string `json:"goVersion"`
	Platform          string `json:"platform"`
	KubernetesVersion string `json:"kubernetesVersion"`
}

// Get returns the version of this binary.
func Get() Info {
	base := baseversion.Get()
	commit := base.GitCommit
	if commit == "" || commit == "$Format:%H$" {
		// Not set through -ldflags: a plain `go build` or `go test`.
		commit = "unknown"
	}
	return Info{
		Version:           gitVersion,
		GitCommit:         commit,
		GitTreeState:      base.GitTreeState,
		BuildDate:         base.BuildDate,
		GoVersion:         runtime.Version(),
		Platform:          runtime.GOOS + "/" + runtime.GOARCH,
		KubernetesVersion: base.GitVersion,
	}
}

// String is the one-line form.
func (i Info) String() string {
	return fmt.Sprintf("netweave %s (git commit %s, %s, %s, Kubernetes libraries %s)", i.Version, i.GitCommit, i.GoVersion, i.Platform, i.KubernetesVersion)
}

// NewBuildInfo returns the netweave_build_info gauge (1, labelled with the version, git commit
// and Go version), registered with register (legacyregistry.Register in the server). The
// generic API server does not expose kubernetes_build_info (nothing in netweave imports
// k8s.io/component-base/metrics/prometheus/version), so this is the one build metric.
func NewBuildInfo(register func(compbasemetrics.Registerable) error) error {
	g := compbasemetrics.NewGaugeVec(&compbasemetrics.GaugeOpts{
		Namespace:      "netweave",
		Name:           "build_info",
		Help:           "A metric with a constant '1' value labelled by the version, git commit and Go version netweave was built from.",
		StabilityLevel: compbasemetrics.ALPHA,
	}, []string{"version", "git_commit", "go_version"})
	if err := register(g); err != nil {
		return fmt.Errorf("register netweave_build_info: %w", err)
	}
	i := Get()
	g.WithLabelValues(i.Version, i.GitCommit, i.GoVersion).Set(1)
	return nil
}
