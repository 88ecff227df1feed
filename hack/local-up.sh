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

# A second 'make run' on the default directory is refused by the launcher (its lock); refuse it
# before building too, so that it neither spends minutes on a build it will not use nor
# replaces the binaries under the running one (a netweave it restarts would be the new build).
# flock(1) takes the same lock (flock(2)) the launcher holds. With -dir, the launcher decides.
lock="_output/local/localup.lock"
if [[ " $* " != *" -dir"* && " $* " != *" --dir"* && -e "${lock}" ]] && command -v flock >/dev/null 2>&1; then
	if ! flock -n "${lock}" true; then
		echo "local-up: another make run (pid $(tr -d '[:space:]' <"${lock}")) is running on _output/local: stop it (Ctrl-C) first" >&2
		exit 1
	fi
fi

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
