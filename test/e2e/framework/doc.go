// Package framework runs a real, node-less Kubernetes control plane (etcd and kube-apiserver
// built from the Go module proxy by hack/build-control-plane.sh) on free 127.0.0.1 ports, so that
// the e2e tier and 'make run' drive netweave through the aggregator exactly as users would:
// kubectl and client-go against kube-apiserver, which proxies o2ims.oran.org to netweave via an
// APIService.
//
// Everything a run needs (certificates, tokens, kubeconfigs, etcd data, logs) lives in one
// directory, and every process started is stopped by ControlPlane.Stop or Process.Stop.
package framework
