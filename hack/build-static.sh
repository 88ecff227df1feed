#!/usr/bin/env bash
# Builds netweave as a static binary (no cgo, no dynamic loader), the one build command of the
# container image (Dockerfile) and of its test (test/e2e/static_binary_test.go).
#
# The version `netweave version` and netweave_build_info report is set here through -ldflags:
# netweave's own version (git describe) and the commit, tree state and build date in
# k8s.io/component-base/version. component-base's gitVersion is set to the Kubernetes library
# version from go.mod, because the generic API server derives its binary version (feature-gate
# and emulation defaults) from it. Without git (a source tarball, a container build without
# .git) NETWEAVE_VERSION and NETWEAVE_GIT_COMMIT may supply them.
#
# Usage: hack/build-static.sh OUTPUT
set -euo pipefail

OUT="${1:?usage: hack/build-static.sh OUTPUT}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
cd "${ROOT}"

version="${NETWEAVE_VERSION:-}"
commit="${NETWEAVE_GIT_COMMIT:-}"
tree_state=""
if git rev-parse --git-dir >/dev/null 2>&1; then
	[[ -n "${version}" ]] || version="$(git describe --tags --always --dirty 2>/dev/null || true)"
	[[ -n "${commit}" ]] || commit="$(git rev-parse HEAD)"
	if git diff --quiet HEAD -- 2>/dev/null; then tree_state=clean; else tree_state=dirty; fi
fi
version="${version:-v0.0.0-dev}"
commit="${commit:-unknown}"
# k8s.io/apiserver v0.X.Y is Kubernetes v1.X.Y.
kube="$(go list -m -f '{{.Version}}' k8s.io/apiserver)"
kube="v1.${kube#v0.}"
kube_minor="${kube#v1.}"
kube_minor="${kube_minor%%.*}"

base=k8s.io/component-base/version
ldflags=(-s -w
	-X "github.com/netweave-io/netweave/pkg/version.gitVersion=${version}"
	-X "${base}.gitVersion=${kube}"
	-X "${base}.gitMajor=1"
	-X "${base}.gitMinor=${kube_minor}"
	-X "${base}.gitCommit=${commit}"
	-X "${base}.gitTreeState=${tree_state}"
	-X "${base}.buildDate=$(date -u +'%Y-%m-%dT%H:%M:%SZ')"
)
CGO_ENABLED=0 go build -trimpath -ldflags "${ldflags[*]}" -o "${OUT}" ./cmd/netweave
