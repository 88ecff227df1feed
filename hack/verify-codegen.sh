#!/usr/bin/env bash
# Fails when the generated code is stale: regenerates into a scratch copy of the repository and
# compares it with the working tree, leaving the working tree untouched.
set -o errexit
set -o nounset
set -o pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
SCRATCH="$(mktemp -d)"
trap 'rm -rf "${SCRATCH}"' EXIT

cd "${REPO_ROOT}"
tar --exclude=./_output --exclude=./.git -cf - . | tar -C "${SCRATCH}" -xf -
"${SCRATCH}/hack/update-codegen.sh" >/dev/null

status=0
for path in apis generated hack/api-rules-violations.list; do
    if ! diff -ruN "${REPO_ROOT}/${path}" "${SCRATCH}/${path}" >"${SCRATCH}/diff.txt"; then
        echo "generated code under ${path} is stale; run hack/update-codegen.sh" >&2
        head -n 40 "${SCRATCH}/diff.txt" >&2
        status=1
    fi
done
[ "${status}" -eq 0 ] && echo "generated code is up to date"
exit "${status}"
