#!/usr/bin/env bash
# Runs netweave against a real local control plane (Redis, etcd, kube-apiserver,
# kube-controller-manager and Alertmanager on loopback) for 'make run'. Builds what is missing, then
# hands over to the Go launcher in hack/localup, which prints the kubeconfig to use and stops
# everything on Ctrl-C.
#
# Usage: hack/local-up.sh [launcher flags] [-- extra netweave flags]
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "${ROOT}"

hack/build-control-plane.sh >/dev/null

mkdir -p _output/bin
if [[ -d cmd/netweave ]]; then
	echo "local-up: building netweave" >&2
	hack/build-static.sh _output/bin/netweave
fi

# A built binary rather than 'go run', so Ctrl-C reaches the launcher itself and it can stop the
# processes it started in order.
go build -o _output/bin/localup ./hack/localup
exec _output/bin/localup "$@"
