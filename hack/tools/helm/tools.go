//go:build tools

// Package tools pins the helm command the chart tests (helm lint, helm template) and 'make run'
// use, built from the Go module proxy like kube-apiserver: hack/build-control-plane.sh helm.
package tools

import _ "helm.sh/helm/v4/cmd/helm"
