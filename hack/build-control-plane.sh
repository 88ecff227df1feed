#!/usr/bin/env bash
# Builds the binaries of the local control plane (kube-apiserver, kube-controller-manager, etcd),
# the Alertmanager the alarm e2e tests and 'make run' run and the helm command the chart tests
# run, from the Go module proxy, and makes sure redis-server is installed. The e2e tier and 'make run' need them; nothing is
# downloaded outside the module proxy and Debian apt, because these machines are offline otherwise.
#
# Binaries are cached under _output/bin/ with the version in their name. A binary is rebuilt only
# when it is missing or older than the files of its throw-away module, so a second run takes seconds
# (kube-apiserver costs about 8 minutes cold on 2 cores).
#
# Usage: hack/build-control-plane.sh [kube-apiserver] [kube-controller-manager] [etcd] [alertmanager]
#        [helm] [crds] [redis]
# (default: all)
# Prints one line per component: "<name> <path>".
set -euo pipefail

KUBE_VERSION="v1.37.2"
ETCD_VERSION="v3.6.5"
# Keep in step with hack/tools/alertmanager/go.mod and internal/localstack.AlertmanagerVersion.
ALERTMANAGER_VERSION="v0.35.0"
# Keep in step with hack/tools/helm/go.mod.
HELM_VERSION="v4.3.1"
# The CustomResourceDefinitions the chart's optional objects need (cert-manager Certificate and
# Issuer, Prometheus Operator ServiceMonitor and PrometheusRule), so the chart tests can apply
# them to the e2e kube-apiserver; taken from the projects' Go modules, which ship them.
CERT_MANAGER_VERSION="v1.21.2"
PROMETHEUS_OPERATOR_VERSION="v0.85.0"
PROMETHEUS_OPERATOR_CRDS=(servicemonitors prometheusrules)
# Cluster API's core CRDs, for provisioning (issue 14): the e2e tests and 'make run' install
# them into the local kube-apiserver (internal/localstack SetUpProvisioning) and play Cluster
# API's controllers themselves. Taken from the main module sigs.k8s.io/cluster-api, which ships
# them under core/config/crd/bases; keep the version in step with sigs.k8s.io/cluster-api/api
# in go.mod. They go to their own directory, _output/capi-crds/, not _output/crds/, which the
# chart test applies and waits for as a whole.
CLUSTER_API_VERSION="v1.14.2"
CLUSTER_API_CRDS=(clusters clusterclasses machines machinesets machinedeployments)

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN_DIR="${ROOT}/_output/bin"
KAS_BIN="${BIN_DIR}/kube-apiserver-${KUBE_VERSION}"
KCM_BIN="${BIN_DIR}/kube-controller-manager-${KUBE_VERSION}"
ETCD_BIN="${BIN_DIR}/etcd-${ETCD_VERSION}"
AM_BIN="${BIN_DIR}/alertmanager-${ALERTMANAGER_VERSION}"
HELM_BIN="${BIN_DIR}/helm-${HELM_VERSION}"
CRD_DIR="${ROOT}/_output/crds"
CAPI_CRD_DIR="${ROOT}/_output/capi-crds"

log() { echo "build-control-plane: $*" >&2; }

# up_to_date BINARY MODULE_DIR: true when BINARY exists and no file of MODULE_DIR is newer.
up_to_date() {
	local bin="$1" dir="$2"
	[[ -x "${bin}" ]] || return 1
	[[ -z "$(find "${dir}" -type f -newer "${bin}" -print -quit)" ]]
}

# build_atomically OUT MODULE_DIR GO_BUILD_ARGS...: an interrupted build must never leave a
# truncated binary that the cache check would later accept.
build_atomically() {
	local out="$1" dir="$2"
	shift 2
	local tmp="${out}.tmp.$$"
	# Expanded now: the trap may fire after this function's locals are gone.
	trap "rm -f '${tmp}'" EXIT
	(cd "${dir}" && GOWORK=off go build -trimpath -o "${tmp}" "$@")
	mv -f "${tmp}" "${out}"
	trap - EXIT
}

build_kube_apiserver() {
	local dir="${ROOT}/hack/tools/kube-apiserver"
	if up_to_date "${KAS_BIN}" "${dir}"; then
		log "kube-apiserver ${KUBE_VERSION} cached"
	else
		log "building kube-apiserver ${KUBE_VERSION} (about 8 minutes the first time)"
		local minor="${KUBE_VERSION#v1.}"
		minor="${minor%%.*}"
		local pkg="k8s.io/component-base/version"
		build_atomically "${KAS_BIN}" "${dir}" \
			-ldflags "-s -w -X ${pkg}.gitVersion=${KUBE_VERSION} -X ${pkg}.gitMajor=1 -X ${pkg}.gitMinor=${minor} -X ${pkg}.gitTreeState=clean" \
			k8s.io/kubernetes/cmd/kube-apiserver
	fi
	echo "kube-apiserver ${KAS_BIN}"
}

# kube-controller-manager makes the local control plane behave like a real one: ClusterRole
# aggregation, namespace deletion, garbage collection, ServiceAccounts.
build_kube_controller_manager() {
	local dir="${ROOT}/hack/tools/kube-controller-manager"
	if up_to_date "${KCM_BIN}" "${dir}"; then
		log "kube-controller-manager ${KUBE_VERSION} cached"
	else
		log "building kube-controller-manager ${KUBE_VERSION} (about 5 minutes the first time)"
		local minor="${KUBE_VERSION#v1.}"
		minor="${minor%%.*}"
		local pkg="k8s.io/component-base/version"
		build_atomically "${KCM_BIN}" "${dir}" \
			-ldflags "-s -w -X ${pkg}.gitVersion=${KUBE_VERSION} -X ${pkg}.gitMajor=1 -X ${pkg}.gitMinor=${minor} -X ${pkg}.gitTreeState=clean" \
			k8s.io/kubernetes/cmd/kube-controller-manager
	fi
	echo "kube-controller-manager ${KCM_BIN}"
}

build_etcd() {
	local dir="${ROOT}/hack/tools/etcd"
	if up_to_date "${ETCD_BIN}" "${dir}"; then
		log "etcd ${ETCD_VERSION} cached"
	else
		log "building etcd ${ETCD_VERSION} (about 2 minutes the first time)"
		build_atomically "${ETCD_BIN}" "${dir}" -ldflags "-s -w" .
	fi
	echo "etcd ${ETCD_BIN}"
}

build_alertmanager() {
	local dir="${ROOT}/hack/tools/alertmanager"
	if up_to_date "${AM_BIN}" "${dir}"; then
		log "alertmanager ${ALERTMANAGER_VERSION} cached"
	else
		log "building alertmanager ${ALERTMANAGER_VERSION} (about 2 minutes the first time)"
		# The module's zip has no compiled web UI for ui/web.go to embed, and the module cache
		# is read-only (nor may -overlay replace files in it): build from a copy of the module
		# with ui/web.go swapped for a stub (see ui_web_stub.go.in), through a replace directive
		# in a copy of the throw-away module.
		local src work
		src="$(cd "${dir}" && GOWORK=off go mod download -json github.com/prometheus/alertmanager | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
		[[ -n "${src}" ]] || { log "cannot find the alertmanager module's directory"; exit 1; }
		work="$(mktemp -d)"
		cp -r "${src}" "${work}/alertmanager"
		chmod -R u+w "${work}/alertmanager"
		cp "${dir}/ui_web_stub.go.in" "${work}/alertmanager/ui/web.go"
		mkdir "${work}/tool"
		cp "${dir}/go.mod" "${dir}/go.sum" "${dir}/tools.go" "${work}/tool/"
		(cd "${work}/tool" && GOWORK=off go mod edit -replace "github.com/prometheus/alertmanager=${work}/alertmanager")
		local pkg="github.com/prometheus/common/version"
		build_atomically "${AM_BIN}" "${work}/tool" \
			-ldflags "-s -w -X ${pkg}.Version=${ALERTMANAGER_VERSION#v} -X ${pkg}.Branch=HEAD" \
			github.com/prometheus/alertmanager/cmd/alertmanager
		rm -rf "${work}"
	fi
	echo "alertmanager ${AM_BIN}"
}

build_helm() {
	local dir="${ROOT}/hack/tools/helm"
	if up_to_date "${HELM_BIN}" "${dir}"; then
		log "helm ${HELM_VERSION} cached"
	else
		log "building helm ${HELM_VERSION} (about 3 minutes the first time)"
		local pkg="helm.sh/helm/v4/internal/version"
		build_atomically "${HELM_BIN}" "${dir}" \
			-ldflags "-s -w -X ${pkg}.version=${HELM_VERSION} -X ${pkg}.gitTreeState=clean" \
			helm.sh/helm/v4/cmd/helm
	fi
	echo "helm ${HELM_BIN}"
}

# module_dir MODULE@VERSION: the module's directory in the module cache, downloaded if needed.
module_dir() {
	(cd "${ROOT}" && GOWORK=off GOFLAGS=-mod=mod go mod download -json "$1") |
		sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p'
}

fetch_crds() {
	# The stamp names the CRD set too, so adding one to the list fetches again.
	local set
	set="$(IFS=-; echo "${PROMETHEUS_OPERATOR_CRDS[*]}")"
	local stamp="${CRD_DIR}/.${CERT_MANAGER_VERSION}-${PROMETHEUS_OPERATOR_VERSION}-${set}"
	if [[ -f "${stamp}" ]]; then
		log "CRDs cached"
	else
		log "fetching cert-manager ${CERT_MANAGER_VERSION} and Prometheus Operator ${PROMETHEUS_OPERATOR_VERSION} CRDs"
		local cm po tmp
		cm="$(module_dir "github.com/cert-manager/cert-manager@${CERT_MANAGER_VERSION}")"
		po="$(module_dir "github.com/prometheus-operator/prometheus-operator@${PROMETHEUS_OPERATOR_VERSION}")"
		[[ -n "${cm}" && -n "${po}" ]] || { log "cannot download the CRD modules"; exit 1; }
		tmp="${CRD_DIR}.tmp.$$"
		rm -rf "${tmp}"
		mkdir -p "${tmp}"
		cp "${cm}"/deploy/crds/cert-manager.io_{certificates,issuers,clusterissuers}.yaml "${tmp}/"
		local crd
		for crd in "${PROMETHEUS_OPERATOR_CRDS[@]}"; do
			cp "${po}/example/prometheus-operator-crd/monitoring.coreos.com_${crd}.yaml" "${tmp}/"
		done
		chmod -R u+w "${tmp}"
		touch "${stamp/#${CRD_DIR}/${tmp}}"
		rm -rf "${CRD_DIR}"
		mv "${tmp}" "${CRD_DIR}"
	fi
	echo "crds ${CRD_DIR}"
	fetch_capi_crds
}

fetch_capi_crds() {
	# The stamp names the CRD set too, so adding one to the list fetches again.
	local set
	set="$(IFS=-; echo "${CLUSTER_API_CRDS[*]}")"
	local stamp="${CAPI_CRD_DIR}/.${CLUSTER_API_VERSION}-${set}"
	if [[ -f "${stamp}" ]]; then
		log "Cluster API CRDs cached"
	else
		log "fetching Cluster API ${CLUSTER_API_VERSION} CRDs"
		local capi tmp crd
		capi="$(module_dir "sigs.k8s.io/cluster-api@${CLUSTER_API_VERSION}")"
		[[ -n "${capi}" ]] || { log "cannot download the Cluster API module"; exit 1; }
		tmp="${CAPI_CRD_DIR}.tmp.$$"
		rm -rf "${tmp}"
		mkdir -p "${tmp}"
		# The bases carry no spec.conversion (Cluster API adds its conversion webhook with a
		# kustomize patch, not applied here), so the API server converts between v1beta1 and
		# v1beta2 with strategy None: netweave and the tests use v1beta2, the storage version.
		for crd in "${CLUSTER_API_CRDS[@]}"; do
			cp "${capi}/core/config/crd/bases/cluster.x-k8s.io_${crd}.yaml" "${tmp}/"
		done
		chmod -R u+w "${tmp}"
		touch "${stamp/#${CAPI_CRD_DIR}/${tmp}}"
		rm -rf "${CAPI_CRD_DIR}"
		mv "${tmp}" "${CAPI_CRD_DIR}"
	fi
	echo "capi-crds ${CAPI_CRD_DIR}"
}

ensure_redis() {
	if ! command -v redis-server >/dev/null 2>&1; then
		log "installing redis-server from apt"
		local sudo=""
		[[ "$(id -u)" == "0" ]] || sudo="sudo"
		${sudo} apt-get update
		DEBIAN_FRONTEND=noninteractive ${sudo} apt-get install -y redis-server
	fi
	echo "redis-server $(command -v redis-server)"
}

main() {
	local targets=("$@")
	[[ ${#targets[@]} -gt 0 ]] || targets=(kube-apiserver kube-controller-manager etcd alertmanager helm crds redis)
	mkdir -p "${BIN_DIR}"
	for t in "${targets[@]}"; do
		case "${t}" in
		kube-apiserver) build_kube_apiserver ;;
		kube-controller-manager) build_kube_controller_manager ;;
		etcd) build_etcd ;;
		alertmanager) build_alertmanager ;;
		helm) build_helm ;;
		crds) fetch_crds ;;
		redis) ensure_redis ;;
		*)
			log "unknown target ${t}; want kube-apiserver, kube-controller-manager, etcd, alertmanager, helm, crds or redis"
			exit 2
			;;
		esac
	done
}

main "$@"
