// Package localstack brings netweave's whole stack up on one machine: a real, node-less
// Kubernetes control plane (etcd, kube-apiserver and kube-controller-manager built from the Go
// module proxy by hack/build-control-plane.sh) on free 127.0.0.1 ports, Alertmanager, and
// netweave behind its APIService, so that the e2e tier, the benchmarks and 'make run' (the one
// bring-up all three share) drive netweave through the aggregator exactly as users would:
// kubectl and client-go against kube-apiserver, which proxies o2ims.oran.org to netweave via an
// APIService.
//
// Everything a run needs (certificates, tokens, kubeconfigs, etcd data, logs) lives in one
// directory, and every process started is stopped by ControlPlane.Stop or Process.Stop. The
// package does not link testing (make run uses it); stacktest ties its components to a test.
package localstack
