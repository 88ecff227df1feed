//go:build tools

// Package tools pins code generators so that hack/update-codegen.sh runs the versions in go.mod.
package tools

import (
	_ "k8s.io/code-generator"
	_ "k8s.io/kube-openapi/cmd/openapi-gen"
)
