#!/usr/bin/env bash
# Fails when artifacts/deploy is not what hack/update-artifacts.sh renders from charts/netweave.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
SCRATCH="$(mktemp -d)"
trap 'rm -rf "${SCRATCH}"' EXIT

"${ROOT}/hack/update-artifacts.sh" "${SCRATCH}"
if ! diff -ruN "${ROOT}/artifacts/deploy" "${SCRATCH}" >"${SCRATCH}.diff"; then
	echo "artifacts/deploy is stale; run hack/update-artifacts.sh" >&2
	head -n 40 "${SCRATCH}.diff" >&2
	rm -f "${SCRATCH}.diff"
	exit 1
fi
rm -f "${SCRATCH}.diff"
echo "artifacts/deploy is up to date"
