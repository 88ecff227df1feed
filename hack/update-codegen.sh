#!/usr/bin/env bash
# Regenerates everything derived from apis/: deepcopy, defaulters and conversions beside the
# types; clientset, listers, informers, apply configurations and OpenAPI definitions under
# generated/. Never edit those files by hand: change the types, then run this.
set -o errexit
set -o nounset
set -o pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
cd "${REPO_ROOT}"
THIS_PKG="github.com/netweave-io/netweave"
# Generated files may be written elsewhere (verify-codegen.sh compares a copy).
OUT_ROOT="${OUT_ROOT:-${REPO_ROOT}}"

# `go list -m` prints an empty Dir until the module is in the module cache (a fresh machine,
# or GOMODCACHE pointing somewhere new): download it first, at the version go.mod pins.
go mod download k8s.io/code-generator
CODEGEN_PKG="$(go list -m -f '{{.Dir}}' k8s.io/code-generator)"
if [[ ! -f "${CODEGEN_PKG}/kube_codegen.sh" ]]; then
    echo "k8s.io/code-generator not found in the module cache (go list said '${CODEGEN_PKG}')" >&2
    exit 1
fi
# shellcheck source=/dev/null
source "${CODEGEN_PKG}/kube_codegen.sh"

kube::codegen::gen_helpers \
    --boilerplate "${REPO_ROOT}/hack/boilerplate.go.txt" \
    "${REPO_ROOT}/apis"

report="${REPO_ROOT}/hack/api-rules-violations.list"
kube::codegen::gen_openapi \
    --output-dir "${REPO_ROOT}/generated/openapi" \
    --output-pkg "${THIS_PKG}/generated/openapi" \
    --output-model-name-file zz_generated.model_name.go \
    --report-filename "${report}" \
    --update-report \
    --boilerplate "${REPO_ROOT}/hack/boilerplate.go.txt" \
    "${REPO_ROOT}/apis"

kube::codegen::gen_client \
    --with-watch \
    --with-applyconfig \
    --applyconfig-openapi-schema <(go run "${THIS_PKG}/hack/models-schema") \
    --output-dir "${REPO_ROOT}/generated" \
    --output-pkg "${THIS_PKG}/generated" \
    --boilerplate "${REPO_ROOT}/hack/boilerplate.go.txt" \
    "${REPO_ROOT}/apis"
