#!/usr/bin/env bash
# Builds netweave as a static binary (no cgo, no dynamic loader), the one build command of the
# container image (Dockerfile) and of its test (test/e2e/static_binary_test.go).
#
# Usage: hack/build-static.sh OUTPUT
set -euo pipefail

OUT="${1:?usage: hack/build-static.sh OUTPUT}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
cd "${ROOT}"
CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "${OUT}" ./cmd/netweave
